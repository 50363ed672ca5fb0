import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../ids';
import type { Micros } from '../money';
import { openDatabase, runMigrations, StoreError, type Db } from '../store';
import { batchesIn, getBatch, markBatchFailed, markBatchFetched, recordBatch, type NewBatch } from './batch-records';

let dataDir: string;
let db: Db;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-batches-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function batchAt(lng: number, lat: number, members: number, runId: string | null = 'run-1'): NewBatch {
  return {
    runId,
    source: 'google-static-maps',
    members: Array.from({ length: members }, () => newId()),
    centre: { lat, lng },
    bbox: [lng - 0.005, lat - 0.004, lng + 0.005, lat + 0.004],
  };
}

describe('imagery batches', () => {
  it('records a planned batch with its members, centre and box', () => {
    const planned = batchAt(-97.68, 30.5, 3);
    const id = recordBatch(db, planned);
    expect(getBatch(db, id)).toMatchObject({
      id,
      runId: 'run-1',
      state: 'planned',
      centre: { lat: 30.5, lng: -97.68 },
      memberCount: 3,
      members: [...planned.members].sort(),
      requestCount: 0,
      costMicros: 0,
      costPerPropertyMicros: 0,
      error: null,
    });
  });

  it('splits the request cost over the members, rounding each share down', () => {
    const id = recordBatch(db, batchAt(-97.68, 30.5, 7));
    // Two paid requests at $0.002 each, for seven houses: 4,000 / 7 = 571.4… micro-dollars.
    const fetched = markBatchFetched(db, id, { requestCount: 2, costMicros: 4_000 as Micros });
    expect(fetched).toMatchObject({ state: 'fetched', requestCount: 2, costMicros: 4_000, costPerPropertyMicros: 571 });
    expect(fetched.costPerPropertyMicros * fetched.memberCount).toBeLessThanOrEqual(fetched.costMicros);
    // A free source: nothing per property.
    const free = recordBatch(db, { ...batchAt(-97.6, 30.5, 25), source: 'naip' });
    expect(markBatchFetched(db, free, { requestCount: 1, costMicros: 0 as Micros }).costPerPropertyMicros).toBe(0);
  });

  it('records a failure with its reason, and a retry that then succeeds', () => {
    const id = recordBatch(db, batchAt(-97.68, 30.5, 4));
    expect(markBatchFailed(db, id, 'NAIP did not answer within 30 s')).toMatchObject({ state: 'failed', error: 'NAIP did not answer within 30 s' });
    expect(markBatchFetched(db, id, { requestCount: 1, costMicros: 0 as Micros })).toMatchObject({ state: 'fetched', error: null });
  });

  it('does not count a fetched batch twice, and says so', () => {
    const id = recordBatch(db, batchAt(-97.68, 30.5, 4));
    markBatchFetched(db, id, { requestCount: 1, costMicros: 2_000 as Micros });
    expect(() => markBatchFetched(db, id, { requestCount: 1, costMicros: 2_000 as Micros })).toThrow(/already fetched/);
    expect(() => markBatchFailed(db, id, 'crop failed')).toThrow(/already fetched/);
    expect(getBatch(db, id)).toMatchObject({ costMicros: 2_000, requestCount: 1 });
  });

  it('lists the batches a map box meets, newest first, optionally for one run', () => {
    const a = recordBatch(db, batchAt(-97.68, 30.5, 3), { now: new Date('2025-05-01T10:00:00Z') });
    const b = recordBatch(db, batchAt(-97.66, 30.5, 3, 'run-2'), { now: new Date('2025-05-01T11:00:00Z') });
    recordBatch(db, batchAt(-96.0, 31.0, 3));
    expect(batchesIn(db, [-97.7, 30.45, -97.6, 30.55]).map((batch) => batch.id)).toEqual([b, a]);
    expect(batchesIn(db, [-97.7, 30.45, -97.6, 30.55], { runId: 'run-1' }).map((batch) => batch.id)).toEqual([a]);
    expect(batchesIn(db, [-97.7, 30.45, -97.6, 30.55], { limit: 1 })).toHaveLength(1);
  });

  it('refuses bad batches with a clear error and records nothing', () => {
    const good = batchAt(-97.68, 30.5, 3);
    expect(() => recordBatch(db, { ...good, members: [] })).toThrow(/at least one property/);
    expect(() => recordBatch(db, { ...good, members: ['p1', 'p1'] })).toThrow(/listed twice/);
    expect(() => recordBatch(db, { ...good, centre: { lat: 130, lng: 0 } })).toThrow(/latitude/);
    expect(() => recordBatch(db, { ...good, bbox: [-97, 30, -98, 31] })).toThrow(StoreError);
    expect(() => markBatchFetched(db, newId(), { requestCount: 1, costMicros: 1 as Micros })).toThrow(/no imagery batch/);
    expect(() => markBatchFetched(db, recordBatch(db, good), { requestCount: 1, costMicros: 1.5 as Micros })).toThrow(StoreError);
    expect(batchesIn(db, [-98, 30, -97, 31])).toHaveLength(1);
    // Houses at one position (a duplex) make a zero-size box, which is still a batch.
    expect(() => recordBatch(db, { ...good, bbox: [-97.68, 30.5, -97.68, 30.5] })).not.toThrow();
  });
});
