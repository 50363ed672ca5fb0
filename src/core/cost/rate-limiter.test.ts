import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/helpers';
import { openDatabase, runMigrations, type Db } from '../store';
import { updateBudgetSettings } from './budget-settings';
import { acquire, parseRetryAfter, penalise, readRateLimit, tryAcquire, type RateLimitPolicy } from './rate-limiter';

const osm: RateLimitPolicy = { name: 'OpenStreetMap Overpass', rateLimit: { requestsPerSecond: 1, burst: 2 }, dailyCap: null };
const T0 = Date.parse('2025-06-01T12:00:00Z');

describe('shared rate limits', () => {
  let data: ReturnType<typeof tempDataDir>;
  let db: Db;
  let other: Db; // a second connection behaves as another process would
  beforeEach(() => {
    data = tempDataDir('fm-rate-');
    db = openDatabase(data.dir);
    runMigrations(db);
    other = openDatabase(data.dir);
  });
  afterEach(() => {
    db.close();
    other.close();
    data.cleanup();
  });

  it('grants the burst at once, then one request per refill, across connections', () => {
    const at = (ms: number) => ({ now: T0 + ms, timeZone: 'UTC' });
    expect(tryAcquire(db, 'osm-overpass', osm, at(0)).ok).toBe(true);
    expect(tryAcquire(other, 'osm-overpass', osm, at(0)).ok).toBe(true);
    const refused = tryAcquire(db, 'osm-overpass', osm, at(0));
    expect(refused).toMatchObject({ ok: false, reason: 'rate', retryAfterMs: 1000 });
    expect(tryAcquire(other, 'osm-overpass', osm, at(400))).toMatchObject({ ok: false, reason: 'rate', retryAfterMs: 600 });
    expect(tryAcquire(other, 'osm-overpass', osm, at(1000)).ok).toBe(true);
    // Idle time refills only up to the burst.
    expect(tryAcquire(db, 'osm-overpass', osm, at(60_000)).ok).toBe(true);
    expect(tryAcquire(db, 'osm-overpass', osm, at(60_000)).ok).toBe(true);
    expect(tryAcquire(db, 'osm-overpass', osm, at(60_000)).ok).toBe(false);
  });

  it('keeps separate buckets per source', () => {
    const at = { now: T0, timeZone: 'UTC' };
    const slow: RateLimitPolicy = { rateLimit: { requestsPerSecond: 0.1, burst: 1 }, dailyCap: 100 };
    expect(tryAcquire(db, 'google-static-maps', slow, at).ok).toBe(true);
    expect(tryAcquire(db, 'google-static-maps', slow, at)).toMatchObject({ ok: false, reason: 'rate', retryAfterMs: 10_000 });
    expect(tryAcquire(db, 'mapbox-static-images', slow, at).ok).toBe(true);
  });

  it('stops at the daily cap and resets at midnight in the budget time zone', () => {
    updateBudgetSettings(db, { timeZone: 'America/Chicago' }, 'test');
    const capped: RateLimitPolicy = { name: 'US Census geocoder', rateLimit: { requestsPerSecond: 1000, burst: 1000 }, dailyCap: 3 };
    // 2025-06-02T04:00Z is 23:00 on June 1 in Chicago (UTC−5 in summer).
    const lateEvening = Date.parse('2025-06-02T04:00:00Z');
    for (let i = 0; i < 3; i++) expect(tryAcquire(db, 'census-geocoder', capped, { now: lateEvening + i })).toMatchObject({ ok: true, remainingToday: 2 - i });
    const refused = tryAcquire(other, 'census-geocoder', capped, { now: lateEvening + 10 });
    expect(refused).toMatchObject({ ok: false, reason: 'daily-cap', retryAfterMs: 3_600_000 - 10 });
    if (!refused.ok) expect(refused.message).toMatch(/used its 3 requests for today.*America\/Chicago/);
    // UTC midnight passed long ago; Chicago's midnight is what counts.
    expect(tryAcquire(db, 'census-geocoder', capped, { now: lateEvening + 3_599_000 }).ok).toBe(false);
    expect(tryAcquire(db, 'census-geocoder', capped, { now: lateEvening + 3_600_000 })).toMatchObject({ ok: true, remainingToday: 2 });
    expect(readRateLimit(db, 'census-geocoder')).toMatchObject({ day: '2025-06-02', requestsToday: 1 });
  });

  it('a cap of 0 switches the source off with a message that says how to turn it on', () => {
    const off = tryAcquire(db, 'naip', { name: 'USGS NAIP', rateLimit: { requestsPerSecond: 1, burst: 1 }, dailyCap: 0 }, { now: T0, timeZone: 'UTC' });
    expect(off).toMatchObject({ ok: false, reason: 'daily-cap' });
    if (!off.ok) expect(off.message).toMatch(/switched off.*Settings → Data sources/);
  });

  it('a Retry-After seen by one process pauses every process, and a shorter one never cuts it short', () => {
    const at = (ms: number) => ({ now: T0 + ms, timeZone: 'UTC' });
    expect(tryAcquire(db, 'nominatim', osm, at(0)).ok).toBe(true);
    penalise(db, 'nominatim', T0 + 30_000, T0);
    penalise(other, 'nominatim', T0 + 5_000, T0); // an older, shorter pause arriving late
    const paused = tryAcquire(other, 'nominatim', osm, at(10_000));
    expect(paused).toMatchObject({ ok: false, reason: 'rate', retryAfterMs: 21_000 });
    if (!paused.ok) expect(paused.message).toMatch(/asked us to slow down/);
    expect(readRateLimit(db, 'nominatim', T0 + 10_000)?.pausedUntilMs).toBe(T0 + 30_000);
    // After the pause the bucket refills at the source's own rate, never faster.
    expect(tryAcquire(db, 'nominatim', osm, at(30_500)).ok).toBe(false);
    expect(tryAcquire(db, 'nominatim', osm, at(31_000)).ok).toBe(true);
  });

  it('does not give a fresh daily count when the clock steps back a day', () => {
    const capped: RateLimitPolicy = { rateLimit: null, dailyCap: 1 };
    expect(tryAcquire(db, 'user-files', capped, { now: T0, timeZone: 'UTC' }).ok).toBe(true);
    expect(tryAcquire(db, 'user-files', capped, { now: T0 - 86_400_000, timeZone: 'UTC' }).ok).toBe(false);
  });

  it('acquire waits for the next token and can be cancelled', async () => {
    const fast: RateLimitPolicy = { rateLimit: { requestsPerSecond: 20, burst: 1 }, dailyCap: null };
    expect((await acquire(db, 'osm-overpass', fast, { timeZone: 'UTC' })).ok).toBe(true);
    expect((await acquire(other, 'osm-overpass', fast, { timeZone: 'UTC' })).ok).toBe(true);
    // Too long a wait is refused at once, with the time to come back.
    penalise(db, 'osm-overpass', Date.now() + 60_000);
    const tooLong = await acquire(other, 'osm-overpass', fast, { timeZone: 'UTC', maxWaitMs: 1_000 });
    expect(tooLong).toMatchObject({ ok: false, reason: 'rate' });
    const controller = new AbortController();
    const waiting = acquire(other, 'osm-overpass', fast, { timeZone: 'UTC', signal: controller.signal, maxWaitMs: 120_000 });
    controller.abort();
    expect(await waiting).toMatchObject({ ok: false, reason: 'cancelled' });
  });

  it('reads Retry-After as seconds or an HTTP date and ignores garbage', () => {
    expect(parseRetryAfter('120', T0)).toBe(T0 + 120_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:05:00 GMT', T0)).toBe(T0 + 300_000);
    expect(parseRetryAfter('-5', T0)).toBeNull();
    expect(parseRetryAfter('soon', T0)).toBeNull();
    expect(parseRetryAfter(undefined, T0)).toBeNull();
  });

  it('ignores a pause that is already over or not a number, and caps an absurd one at a day', () => {
    penalise(db, 'osm-overpass', Number.NaN, T0);
    penalise(db, 'osm-overpass', T0 - 1, T0);
    expect(readRateLimit(db, 'osm-overpass')).toBeNull();
    penalise(db, 'osm-overpass', T0 + 10 * 365 * 86_400_000, T0);
    expect(readRateLimit(db, 'osm-overpass', T0)?.pausedUntilMs).toBe(T0 + 86_400_000);
  });
});
