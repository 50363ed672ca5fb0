import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, pendingOutbox, StoreError, type Db } from '../store';
import { costTestDb, imageryCall, usd } from './cost.testkit';
import { updateBudgetSettings } from './budget-settings';
import { budgetStatus } from './budget-status';
import { appendLedger, appendLedgerCorrection, listLedger, type LedgerEntryInput } from './ledger';
import { commitReservation, reserveBudget } from './reservations';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  ({ db, cleanup } = costTestDb('fm-budget-'));
  updateBudgetSettings(db, { timeZone: 'America/Chicago' }, 'test');
});
afterEach(() => cleanup());

const overpassMiss: LedgerEntryInput = {
  service: 'scraper',
  source: 'osm-overpass',
  operation: 'buildings',
  paid: false,
  costMicros: usd('0'),
  cacheHit: false,
  latencyMs: 820,
  outcome: 'miss',
  requestId: 'run-1',
};

function paidCharge(amount: string, now: Date) {
  const result = reserveBudget(db, imageryCall(amount, { priority: 'high', requestId: 'run-1' }), now);
  if (!result.granted) throw new Error(result.refusal.message);
  return commitReservation(db, result.reservation.id, { costMicros: result.reservation.amountMicros, ledger: { cacheHit: false, outcome: 'hit' } }, now).entry;
}

describe('the cost ledger', () => {
  it('records a free attempt with its budget day in the team time zone and its list price', () => {
    const at = new Date('2025-06-11T03:30:00Z'); // 22:30 on the 10th in Chicago
    const entry = appendLedger(db, overpassMiss, { at });
    expect(entry).toMatchObject({ day: '2025-06-10', at: at.toISOString(), paid: false, costMicros: 0, listPriceMicros: 0, outcome: 'miss', latencyMs: 820 });
    const cached = appendLedger(db, { ...overpassMiss, source: 'google-static-maps', operation: 'static-map', cacheHit: true, outcome: 'hit' }, { at });
    expect(cached.listPriceMicros).toBe(2_000); // what the cache saved, at Google's list price
    // Synced: each row goes to the outbox in the same transaction.
    expect(pendingOutbox(db, 100).filter((op) => op.tableName === 'cost_ledger')).toHaveLength(2);
  });

  it('cannot be changed or deleted, even with raw SQL', () => {
    const entry = appendLedger(db, overpassMiss);
    expect(() => db.prepare('UPDATE cost_ledger SET cost_micros = 0 WHERE id = ?').run(entry.id)).toThrow(/append-only: add a correction row/);
    expect(() => db.prepare('DELETE FROM cost_ledger WHERE id = ?').run(entry.id)).toThrow(/rows are never deleted/);
    expect(listLedger(db, {})).toEqual([entry]);
  });

  it('refuses malformed entries with a clear message and writes nothing', () => {
    const cases: [Partial<LedgerEntryInput> | Record<string, unknown>, RegExp][] = [
      [{ costMicros: -1 as never }, /cost cannot be negative/],
      [{ costMicros: Number.NaN as never }, /cost must be a number/],
      [{ costMicros: 1.5 as never }, /whole number of micro-dollars/],
      [{ costMicros: 5 as never }, /a free attempt cannot cost money/],
      [{ service: '' }, /service is missing/],
      [{ outcome: 'great' }, /outcome must be hit, miss, error, refused or fallback/],
      [{ quality: 1.5 }, /quality must be from 0 to 1/],
      [{ latencyMs: -3 }, /latency cannot be negative/],
    ];
    for (const [patch, message] of cases) {
      expect(() => appendLedger(db, { ...overpassMiss, ...patch } as LedgerEntryInput), JSON.stringify(patch)).toThrow(message);
    }
    expect(listLedger(db, {})).toHaveLength(0);
  });

  it('takes paid charges only through a committed reservation', () => {
    let error: unknown;
    try {
      appendLedger(db, { ...overpassMiss, source: 'google-static-maps', paid: true, costMicros: usd('0.002') });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/commitReservation/);
    // A paid attempt that cost nothing (the provider errored) is an ordinary row.
    expect(appendLedger(db, { ...overpassMiss, source: 'google-static-maps', paid: true, costMicros: usd('0'), outcome: 'error', errorKind: 'http-503' }).paid).toBe(true);
  });

  it('corrects a row with a new row, counted in the committed spend and audited', () => {
    const now = new Date('2025-06-10T17:00:00Z');
    const charge = paidCharge('0.50', now);
    const correction = appendLedgerCorrection(db, charge.id, -200_000, 'provider refunded a duplicate', 'Dana');
    expect(correction).toMatchObject({ outcome: 'correction', corrects: charge.id, costMicros: -200_000, day: charge.day, pool: 'daily', priority: 'high', requestId: 'run-1', message: 'provider refunded a duplicate' });
    expect(budgetStatus(db, now).daily.committedMicros).toBe(usd('0.30'));
    expect(listAudit(db).find((a) => a.action === 'ledger.correction')).toMatchObject({ actor: 'Dana', details: { correctsId: charge.id, deltaMicros: -200_000 } });

    expect(() => appendLedgerCorrection(db, charge.id, -300_001, 'too much', 'Dana')).toThrow(/less than nothing/);
    expect(() => appendLedgerCorrection(db, charge.id, 0, 'nothing', 'Dana')).toThrow(/zero changes nothing/);
    expect(() => appendLedgerCorrection(db, charge.id, 0.5, 'half', 'Dana')).toThrow(/whole number/);
    expect(() => appendLedgerCorrection(db, charge.id, 10, '', 'Dana')).toThrow(/give a reason/);
    expect(() => appendLedgerCorrection(db, correction.id, 10, 'again', 'Dana')).toThrow(/original ledger entry/);
    expect(() => appendLedgerCorrection(db, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 10, 'who', 'Dana')).toThrow(/no cost ledger entry/);
  });

  it('lists rows newest first, filtered by day, time, service, source and request', () => {
    const first = appendLedger(db, overpassMiss, { at: new Date('2025-06-10T15:00:00Z') });
    const second = appendLedger(db, { ...overpassMiss, service: 'enrichment', source: 'census-acs', requestId: 'run-2' }, { at: new Date('2025-06-11T15:00:00Z') });
    expect(listLedger(db, {}).map((e) => e.id)).toEqual([second.id, first.id]);
    expect(listLedger(db, { day: '2025-06-10' }).map((e) => e.id)).toEqual([first.id]);
    expect(listLedger(db, { since: '2025-06-11' }).map((e) => e.id)).toEqual([second.id]);
    expect(listLedger(db, { service: 'enrichment' }).map((e) => e.id)).toEqual([second.id]);
    expect(listLedger(db, { source: 'osm-overpass' }).map((e) => e.id)).toEqual([first.id]);
    expect(listLedger(db, { requestId: 'run-2' }).map((e) => e.id)).toEqual([second.id]);
    expect(listLedger(db, { limit: 1 })).toHaveLength(1);
    expect(() => listLedger(db, { day: '10/06/2025' })).toThrow(/YYYY-MM-DD/);
    expect(() => listLedger(db, { limit: 0 })).toThrow(/at least 1/);
  });
});
