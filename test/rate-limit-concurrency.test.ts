import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRateLimit } from '../src/core/cost/rate-limiter';
import { openDatabase, runMigrations, type Db } from '../src/core/store';
import { bundleForChildren, runChildren, type ChildBundle } from './fixtures/children';
import type { RateLimitChildPlan, RateLimitChildResult } from './fixtures/rate-limit/rate-limit-child';
import { tempDataDir } from './helpers';

/**
 * Several OS processes (like the six services) call one source at once. Whatever their number,
 * the source sees no more than its rate over the time they ran, plus its burst, and never more
 * than its daily cap. Counts only: when each single call went through is not asserted.
 */

const PROCESSES = 4;

describe('rate limits shared by every process', () => {
  let bundle: ChildBundle<'rate-limit-child'>;
  let data: ReturnType<typeof tempDataDir>;
  let db: Db;
  beforeAll(async () => {
    bundle = await bundleForChildren({ 'rate-limit-child': 'test/fixtures/rate-limit/rate-limit-child.ts' }, 'rate-limit-tests');
    data = tempDataDir('fm-rate-concurrency-');
    db = openDatabase(data.dir);
    runMigrations(db);
  });
  afterAll(() => {
    db?.close();
    bundle?.remove();
    data?.cleanup();
  });

  it('grants at most rate × time + burst across processes hammering one source', async () => {
    const policy = { name: 'test source', rateLimit: { requestsPerSecond: 5, burst: 1 }, dailyCap: null };
    // Half spin on tryAcquire, half wait politely with acquire: both share the one bucket.
    const plans = Array.from({ length: PROCESSES }, (_, i): RateLimitChildPlan => ({ dataDir: data.dir, mode: i % 2 ? 'wait' : 'try', source: 'hammered', policy, durationMs: 2_000 }));
    const outcomes = await runChildren<RateLimitChildResult>(bundle.files['rate-limit-child'], plans);

    for (const outcome of outcomes) {
      expect(outcome.errors).toEqual([]);
      expect(outcome.exitCode).toBe(0);
    }
    const results = outcomes.map((o) => o.result);
    const grants = results.reduce((sum, r) => sum + r.grants, 0);
    const windowMs = Math.max(...results.map((r) => r.endMs)) - Math.min(...results.map((r) => r.startMs));
    // Every grant happened inside the measured window, and the bucket was full (burst) at most
    // once; one more token of slack for clock rounding.
    const bound = policy.rateLimit.burst + (policy.rateLimit.requestsPerSecond * windowMs) / 1000 + 1;
    console.log(JSON.stringify({ processes: PROCESSES, grants, refusals: results.reduce((s, r) => s + r.refusals, 0), windowMs, bound: Number(bound.toFixed(2)) }));
    expect(grants).toBeGreaterThan(0);
    expect(grants).toBeLessThanOrEqual(Math.floor(bound + 1e-6));
    expect(readRateLimit(db, 'hammered')?.requestsToday).toBe(grants);
  });

  it('never lets processes together exceed a daily cap', async () => {
    const cap = 37;
    const policy = { name: 'capped source', rateLimit: { requestsPerSecond: 1000, burst: 1000 }, dailyCap: cap };
    const plans = Array.from({ length: PROCESSES }, (): RateLimitChildPlan => ({ dataDir: data.dir, mode: 'cap', source: 'capped', policy, attempts: 30 }));
    const outcomes = await runChildren<RateLimitChildResult>(bundle.files['rate-limit-child'], plans);

    for (const outcome of outcomes) expect(outcome.errors).toEqual([]);
    const results = outcomes.map((o) => o.result);
    expect(results.reduce((sum, r) => sum + r.grants, 0)).toBe(cap);
    expect(results.reduce((sum, r) => sum + r.refusals, 0)).toBe(PROCESSES * 30 - cap);
    expect(readRateLimit(db, 'capped')?.requestsToday).toBe(cap);
  });
});
