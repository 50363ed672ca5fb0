import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFishMouthApi, type FishMouthApi } from '../../core/contracts/api';
import { costContract, type SpendChanged } from '../../core/contracts/cost-api';
import { orchestratorApiContract } from '../../core/contracts/orchestrator-api';
import { getBudgetSettings, updateBudgetSettings } from '../../core/cost/budget-settings';
import { budgetDay } from '../../core/cost/budget-day';
import { costTestDb, writeLedgerRow } from '../../core/cost/cost.testkit';
import type { BudgetAlert } from '../../core/cost/spend-schemas';
import type { ServiceContext } from '../../core/host/service-runtime';
import { nullLogger } from '../../core/log';
import type { Micros } from '../../core/money';
import { defineContract } from '../../core/rpc/contract';
import { LinkedClient } from '../../core/rpc/linked-client';
import { RpcPeer } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import { memoryTransportPair } from '../../core/rpc/transport';
import { listAudit, openDatabase, type Db } from '../../core/store';
import { costHandlers } from './cost-handlers';

/** The handlers behind a real RPC link, called through the very API object the renderer gets. */
let db: Db;
let dir: string;
let cleanup: () => void;
let api: FishMouthApi;
let raw: RpcPeer;
let server: RpcPeer;
const events: Array<{ topic: string; payload: unknown }> = [];

beforeEach(() => {
  ({ db, dir, cleanup } = costTestDb('fm-cost-rpc-'));
  updateBudgetSettings(db, { timeZone: 'UTC', dailyMicros: 1_000_000 as Micros }, 'test');
  const ctx = {
    db,
    log: nullLogger,
    broadcast: (_contract: unknown, topic: string, payload: unknown) => events.push({ topic, payload }),
  } as unknown as ServiceContext;
  const [a, b] = memoryTransportPair();
  server = new RpcPeer(a, { remoteName: 'the renderer' }).serve(costContract, costHandlers(ctx));
  const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator' });
  raw = new RpcPeer(b, { remoteName: 'the orchestrator' });
  client.attach(raw);
  api = createFishMouthApi(client, 'websocket');
});
afterEach(() => {
  server.close();
  events.length = 0;
  cleanup();
});

/** What a hostile or buggy browser could send: no client-side checks at all. */
const unchecked = defineContract({
  name: 'unchecked',
  methods: {
    'budget.update': { params: z.unknown(), result: z.unknown() },
    'prices.update': { params: z.unknown(), result: z.unknown() },
  },
  events: {},
});
const sendUnchecked = (method: 'budget.update' | 'prices.update', params: unknown) => raw.call(unchecked, method, params);

async function refusal(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

describe('budget.update', () => {
  it('takes dollar amounts as typed and records the change as the manager', async () => {
    const saved = await api.updateBudget({ dailyUsd: '$12.50', emergencyUsd: 75, perCallCapUsd: '0.25', perRequestCapUsd: '2' });
    expect(saved).toMatchObject({ dailyMicros: 12_500_000, emergencyMicros: 75_000_000, perCallCapMicros: 250_000, perRequestCapMicros: 2_000_000 });
    expect((await api.getBudgetStatus()).daily.limitMicros).toBe(12_500_000);
    const audit = listAudit(db).find((entry) => entry.action === 'budget.settings.update');
    expect(audit?.actor).toBe('manager');
  });

  it.each([
    ['negative', '-5', /dailyUsd: daily budget: "-5" is negative/],
    ['non-numeric', 'ten dollars', /dailyUsd: daily budget: "ten dollars" is not a dollar amount/],
    ['NaN', Number.NaN, /dailyUsd: daily budget: NaN is not a dollar amount/],
    ['Infinity', Number.POSITIVE_INFINITY, /dailyUsd: daily budget: Infinity is not a dollar amount/],
    ['absurdly large', '5000000000', /dailyUsd: daily budget: "5000000000" is more than \$1,000,000,000/],
    ['finer than a micro-dollar', '0.0000001', /more than 6 decimal places/],
    ['not text or a number', { usd: 5 }, /dailyUsd: daily budget must be a dollar amount like 10 or 10\.50/],
  ])('refuses a %s amount as bad-input, from the API and from an unchecked client, changing nothing', async (_name, value, message) => {
    const before = getBudgetSettings(db);
    const fromApi = await refusal(api.updateBudget({ dailyUsd: value as string }));
    expect(fromApi.kind).toBe('bad-input');
    expect(fromApi.message).toMatch(message);
    const fromWire = await refusal(sendUnchecked('budget.update', { dailyUsd: value }));
    expect(fromWire.kind).toBe('bad-input');
    expect(fromWire.message).toMatch(message);
    expect(getBudgetSettings(db)).toEqual(before);
  });

  it('passes the settings rules through: shares must add up to 100 and the zone must exist', async () => {
    const shares = await refusal(api.updateBudget({ prioritySharesPercent: { high: 70, medium: 30, low: 10 } }));
    expect(shares).toMatchObject({ kind: 'bad-input', message: expect.stringMatching(/add up to 100%/) });
    const zone = await refusal(api.updateBudget({ timeZone: 'Mars/Olympus_Mons' }));
    expect(zone).toMatchObject({ kind: 'bad-input', message: expect.stringMatching(/not a time zone/) });
    const nothing = await refusal(api.updateBudget({}));
    expect(nothing.message).toMatch(/change at least one budget setting/);
    const extra = await refusal(sendUnchecked('budget.update', { dailyUsd: '5', dailyMicros: 1 }));
    expect(extra.kind).toBe('bad-input');
    expect(getBudgetSettings(db).dailyMicros).toBe(1_000_000);
  });
});

describe('prices', () => {
  it('updates the price table from dollar text and refuses a bad price with the entry named', async () => {
    const table = await api.updatePrices([
      { source: 'google-static-maps', operation: '*', price: '0.002', unit: 'request', note: 'list price' },
      { source: 'naip', operation: '*', price: 0, unit: 'request' },
    ]);
    expect(table.version).toBe(1);
    expect(table.prices).toEqual([
      { source: 'google-static-maps', operation: '*', micros: 2_000, unit: 'request', note: 'list price' },
      { source: 'naip', operation: '*', micros: 0, unit: 'request' },
    ]);
    const bad = await refusal(sendUnchecked('prices.update', { prices: [{ source: 'naip', operation: '*', price: '-1', unit: 'request' }] }));
    expect(bad).toMatchObject({ kind: 'bad-input', message: expect.stringMatching(/prices\[0\]\.price: price: "-1" is negative/) });
    const twice = await refusal(
      api.updatePrices([
        { source: 'naip', operation: '*', price: '0', unit: 'request' },
        { source: 'naip', operation: '*', price: '1', unit: 'request' },
      ]),
    );
    expect(twice.message).toMatch(/priced twice/);
    expect((await api.getPrices()).version).toBe(1);
  });
});

describe('emergency budget, spend and alerts', () => {
  it('opens the emergency budget only with a reason, as the manager', async () => {
    expect((await refusal(api.openEmergencyBudget(''))).kind).toBe('bad-input');
    const opening = await api.openEmergencyBudget('Hail in Plano, all crews out');
    expect(opening).toMatchObject({ actor: 'manager', alreadyOpen: false });
    expect((await api.openEmergencyBudget('again')).alreadyOpen).toBe(true);
    const status = await api.getBudgetStatus();
    expect(status.emergency).toMatchObject({ open: true, openedBy: 'manager', reason: 'Hail in Plano, all crews out' });
    expect((await api.getSpendSummary()).limitMicros).toBe(1_000_000 + status.emergency.limitMicros);
  });

  it('pushes spend.changed and one budget.alert when another connection spends', async () => {
    const other = openDatabase(dir);
    try {
      const day = budgetDay(new Date(), 'UTC');
      writeLedgerRow(other, { day, source: 'google-static-maps', paid: true, costMicros: 600_000, listPriceMicros: 600_000, outcome: 'hit' });
      const changed = await waitForEvent<SpendChanged>('spend.changed', (e) => e.summary.spentMicros === 600_000);
      expect(changed.budget.daily.committedMicros).toBe(600_000);
      expect(changed.summary.utilisation).toBe(0.6);
      const alert = await waitForEvent<BudgetAlert>('budget.alert', () => true);
      expect(alert).toMatchObject({ pool: 'daily', thresholdPercent: 50, spentMicros: 600_000, limitMicros: 1_000_000 });
      expect(await api.listAlerts()).toEqual([alert]);

      const report = await api.getSpendReport({ by: 'source' });
      expect(report.rows.map((r) => [r.key, r.costMicros])).toEqual([['google-static-maps', 600_000]]);
      expect((await refusal(api.getSpendReport({ by: 'source', since: '2025-13-01' }))).kind).toBe('bad-input');
      expect(events.filter((e) => e.topic === 'budget.alert')).toHaveLength(1);
    } finally {
      other.close();
    }
  });
});

async function waitForEvent<T>(topic: string, match: (payload: T) => boolean): Promise<T> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const found = events.find((e) => e.topic === topic && match(e.payload as T));
    if (found) return found.payload as T;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${topic} event arrived; got ${events.map((e) => e.topic).join(', ') || 'none'}`);
}
