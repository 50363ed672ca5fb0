import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFishMouthApi, type FishMouthApi } from '../../core/contracts/api';
import { orchestratorApiContract } from '../../core/contracts/orchestrator-api';
import { SOURCE_SETTING_LIMITS, sourcesContract } from '../../core/contracts/sources-api';
import { updateBudgetSettings } from '../../core/cost/budget-settings';
import { tryAcquire } from '../../core/cost/rate-limiter';
import { MAX_BURST, MAX_DAILY_CAP, MAX_REQUESTS_PER_SECOND, readSourceOverrides } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import type { ServiceContext } from '../../core/host/service-runtime';
import { nullLogger } from '../../core/log';
import { defineContract } from '../../core/rpc/contract';
import { LinkedClient } from '../../core/rpc/linked-client';
import { RpcPeer } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import { memoryTransportPair } from '../../core/rpc/transport';
import { listAudit, openDatabase, runMigrations, type Db } from '../../core/store';
import { sourcesHandlers } from './sources-handlers';

/** The handlers behind a real RPC link, called through the very API object the renderer gets. */
let db: Db;
let dir: string;
let api: FishMouthApi;
let raw: RpcPeer;
let server: RpcPeer;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fm-sources-rpc-'));
  db = openDatabase(dir);
  runMigrations(db);
  updateBudgetSettings(db, { timeZone: 'UTC' }, 'test');
  const ctx = { db, log: nullLogger } as unknown as ServiceContext;
  const [a, b] = memoryTransportPair();
  server = new RpcPeer(a, { remoteName: 'the renderer' }).serve(sourcesContract, sourcesHandlers(ctx));
  const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator' });
  raw = new RpcPeer(b, { remoteName: 'the orchestrator' });
  client.attach(raw);
  api = createFishMouthApi(client, 'websocket');
});
afterEach(() => {
  server.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a hostile or buggy browser could send: no client-side checks at all. */
const unchecked = defineContract({ name: 'unchecked', methods: { 'sources.configure': { params: z.unknown(), result: z.unknown() } }, events: {} });
const sendUnchecked = (params: unknown) => raw.call(unchecked, 'sources.configure', params);

async function refusal(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

describe('sources.list', () => {
  it('lists every catalogued source with its defaults, licence, price and an unused day', async () => {
    const list = await api.listSources();
    expect(list.settingsVersion).toBe(0);
    expect(list.timeZone).toBe('UTC');
    expect(list.sources.map((s) => s.id)).toContain('user-files');
    const byId = new Map(list.sources.map((s) => [s.id, s]));
    expect(byId.get('census-acs')).toMatchObject({ kind: 'free', enabled: true, ratePerSecond: 2, dailyCap: 1_000, price: null, customised: [] });
    expect(byId.get('google-static-maps')).toMatchObject({
      kind: 'paid',
      ratePerSecond: 0.1,
      burst: 1,
      dailyCap: 100,
      baseUrl: 'https://maps.googleapis.com/maps/api/staticmap',
      userAgent: expect.stringMatching(/^FishMouth\//),
      price: { source: 'google-static-maps', operation: 'satellite-image', micros: 2_000 },
      licence: { mayStore: false, cacheable: false, offlineUse: false, attribution: 'Imagery © Google' },
      usage: { day: list.day, requests: 0, dailyCap: 100, tokens: null, pausedUntil: null },
    });
    expect(byId.get('user-files')).toMatchObject({ kind: 'local', ratePerSecond: null, burst: null, baseUrl: null });
  });

  it("shows today's use of the shared rate limiter as a count against the cap", async () => {
    const policy = sourcePolicy(db, 'census-acs')!;
    expect(tryAcquire(db, 'census-acs', policy, { timeZone: 'UTC' }).ok).toBe(true);
    expect(tryAcquire(db, 'census-acs', policy, { timeZone: 'UTC' }).ok).toBe(true);
    const acs = (await api.listSources()).sources.find((s) => s.id === 'census-acs')!;
    expect(acs.usage).toMatchObject({ requests: 2, dailyCap: 1_000 });
    expect(acs.usage.tokens).toBeLessThan(1);
  });
});

describe('sources.configure', () => {
  it('changes a source as the manager, patch by patch, and resets it to its defaults', async () => {
    const first = await api.configureSource({ id: 'naip', override: { ratePerSecond: 2, burst: 4, dailyCap: 2_000, baseUrl: 'http://127.0.0.1:9999/naip' } });
    expect(first).toMatchObject({ id: 'naip', ratePerSecond: 2, burst: 4, dailyCap: 2_000, baseUrl: 'http://127.0.0.1:9999/naip', settingsVersion: 1 });
    expect(await api.listSources()).toMatchObject({ settingsVersion: 1, changedBy: 'manager', changedAt: expect.any(String) });
    expect(first.customised).toEqual(['baseUrl', 'ratePerSecond', 'burst', 'dailyCap']);
    expect(first.defaults).toMatchObject({ ratePerSecond: 0.5, burst: 1, dailyCap: 500 });
    expect(listAudit(db).find((e) => e.action === 'source-settings-changed')).toMatchObject({ actor: 'manager', details: { source: 'naip', version: 1 } });

    // A later patch keeps what it does not name; a value set back to its default is no longer customised.
    const second = await api.configureSource({ id: 'naip', override: { enabled: false, ratePerSecond: 0.5, dailyCap: null }, expectedVersion: 1 });
    expect(second).toMatchObject({ enabled: false, ratePerSecond: 0.5, burst: 4, dailyCap: null, baseUrl: 'http://127.0.0.1:9999/naip', settingsVersion: 2 });
    expect(second.customised).toEqual(['enabled', 'baseUrl', 'burst', 'dailyCap']);
    expect((await api.listSources()).sources.find((s) => s.id === 'naip')).toEqual(second);
    expect(sourcePolicy(db, 'naip')).toMatchObject({ enabled: false, rateLimit: { requestsPerSecond: 0.5, burst: 4 }, dailyCap: null });

    const reset = await api.configureSource({ id: 'naip', override: null });
    expect(reset).toMatchObject({ enabled: true, ratePerSecond: 0.5, burst: 1, dailyCap: 500, settingsVersion: 3, customised: [] });
    expect(readSourceOverrides(db).overrides).toEqual({});
  });

  it('is what the rate limiter then uses: the new burst, rate and daily cap', async () => {
    await api.configureSource({ id: 'osm-overpass', override: { ratePerSecond: 0.5, burst: 3, dailyCap: 4 } });
    const policy = sourcePolicy(db, 'osm-overpass')!;
    const t = Date.now();
    const at = (now: number) => tryAcquire(db, 'osm-overpass', policy, { now, timeZone: 'UTC' });
    expect([at(t), at(t), at(t)].map((d) => d.ok)).toEqual([true, true, true]);
    const slowed = at(t);
    expect(slowed).toMatchObject({ ok: false, reason: 'rate', retryAfterMs: 2_000 });
    expect(slowed.ok === false && slowed.message).toMatch(/allows 0\.5 requests a second/);
    expect(at(t + 2_000)).toMatchObject({ ok: true, remainingToday: 0 });
    expect(at(t + 60_000)).toMatchObject({ ok: false, reason: 'daily-cap' });
    const overpass = (await api.listSources()).sources.find((s) => s.id === 'osm-overpass')!;
    expect(overpass.usage).toMatchObject({ requests: 4, dailyCap: 4 });

    await api.configureSource({ id: 'osm-overpass', override: { enabled: false } });
    expect(sourcePolicy(db, 'osm-overpass')!.enabled).toBe(false);
  });

  it.each([
    ['a negative rate', { ratePerSecond: -1 }, /override\.ratePerSecond: must be more than 0 requests a second/],
    ['a zero rate', { ratePerSecond: 0 }, /override\.ratePerSecond: must be more than 0/],
    ['a NaN rate', { ratePerSecond: Number.NaN }, /override\.ratePerSecond: must be a number of requests a second/],
    ['an infinite rate', { ratePerSecond: Number.POSITIVE_INFINITY }, /override\.ratePerSecond: must be a number of requests a second/],
    ['a rate as words', { ratePerSecond: 'fast' }, /override\.ratePerSecond: must be a number of requests a second/],
    ['an absurd rate', { ratePerSecond: 5_000 }, /override\.ratePerSecond: must be at most 1000 requests a second/],
    ['a fractional burst', { burst: 1.5 }, /override\.burst: must be a whole number of requests from 1 to 1000/],
    ['a zero burst', { burst: 0 }, /override\.burst: must be at least 1 request/],
    ['a negative cap', { dailyCap: -1 }, /override\.dailyCap: must be 0 or more requests a day/],
    ['an absurd cap', { dailyCap: 1e12 }, /override\.dailyCap: must be at most 10,000,000 requests a day/],
    ['an ftp address', { baseUrl: 'ftp://example.org/naip' }, /override\.baseUrl: must start with http:\/\/ or https:\/\/ \(not ftp:\)/],
    ['a javascript: address', { baseUrl: 'javascript:alert(1)' }, /override\.baseUrl: must start with http:\/\/ or https:\/\//],
    ['text that is no address', { baseUrl: 'the county server' }, /override\.baseUrl: must be an http\(s\) address/],
    ['an address with a password', { baseUrl: 'https://me:secret@example.org/' }, /override\.baseUrl: must not carry a user name or password/],
    ['a User-Agent with a line break', { userAgent: 'FishMouth\r\nX-Evil: 1' }, /override\.userAgent: must use printable ASCII only/],
    ['an unknown setting', { licence: 'mine' }, /override: Unrecognized key/],
    ['no change at all', {}, /change at least one setting/],
  ])('refuses %s as bad-input, from the API and from an unchecked client, changing nothing', async (_name, override, message) => {
    const fromApi = await refusal(api.configureSource({ id: 'naip', override: override as never }));
    expect(fromApi.kind).toBe('bad-input');
    expect(fromApi.message).toMatch(message);
    const fromWire = await refusal(sendUnchecked({ id: 'naip', override }));
    expect(fromWire.kind).toBe('bad-input');
    expect(fromWire.message).toMatch(message);
    expect(readSourceOverrides(db).version).toBe(0);
    expect(listAudit(db).filter((e) => e.action === 'source-settings-changed')).toEqual([]);
  });

  it('refuses an unknown source, a rate for a local source, and a malformed id', async () => {
    const unknown = await refusal(api.configureSource({ id: 'bing-maps', override: { enabled: false } }));
    expect(unknown).toMatchObject({ kind: 'bad-input', message: expect.stringMatching(/no data source called "bing-maps"/) });
    const local = await refusal(api.configureSource({ id: 'user-files', override: { ratePerSecond: 2 } }));
    expect(local).toMatchObject({ kind: 'bad-input', message: expect.stringMatching(/local source: it has no address or rate limit/) });
    const malformed = await refusal(sendUnchecked({ id: '../../etc', override: null }));
    expect(malformed).toMatchObject({ kind: 'bad-input', message: expect.stringMatching(/params\.id: must be a source id/) });
    expect(readSourceOverrides(db).version).toBe(0);
  });

  it('refuses a change made on settings someone else saved since, with a message saying what to do', async () => {
    await api.configureSource({ id: 'nominatim', override: { ratePerSecond: 0.5 }, expectedVersion: 0 });
    const stale = await refusal(api.configureSource({ id: 'nominatim', override: { ratePerSecond: 2 }, expectedVersion: 0 }));
    expect(stale.kind).toBe('refused');
    expect(stale.message).toMatch(/changed elsewhere \(now version 1, you edited version 0\); reload them and try again/);
    expect(sourcePolicy(db, 'nominatim')!.rateLimit?.requestsPerSecond).toBe(0.5);
  });

  it('keeps its browser-safe bounds equal to the policy schema', () => {
    expect(SOURCE_SETTING_LIMITS).toEqual({ maxRatePerSecond: MAX_REQUESTS_PER_SECOND, maxBurst: MAX_BURST, maxDailyCap: MAX_DAILY_CAP });
  });
});
