import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Micros } from '../money';
import { createTerritory, StoreError, type Db } from '../store';
import { updateBudgetSettings } from './budget-settings';
import { projectEndOfDay, spendReport, spendSummary } from './spend';
import { costTestDb, writeLedgerRow } from './cost.testkit';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  ({ db, cleanup } = costTestDb('fm-spend-'));
  updateBudgetSettings(db, { timeZone: 'America/Chicago', dailyMicros: 10_000_000 as Micros }, 'test');
});
afterEach(() => cleanup());

const DAY = '2025-06-02';
const square = { type: 'Polygon' as const, coordinates: [[[-97.1, 32.7], [-97.0, 32.7], [-97.0, 32.8], [-97.1, 32.8], [-97.1, 32.7]]] };

/**
 * A known day: a cache hit, a free hit, a free miss, a paid hit of $0.002, a paid call refused for
 * budget, and a $0.0005 refund on the paid hit; plus a $0.15 paid hit the day before.
 */
function seedKnownDay() {
  const north = createTerritory(db, { name: 'North Dallas', geometry: square });
  const south = createTerritory(db, { name: 'South Dallas', geometry: square });
  writeLedgerRow(db, { day: DAY, source: 'cache', cacheHit: true, outcome: 'hit', listPriceMicros: 2_000, territoryId: north.id, batchId: 'batch-1' });
  writeLedgerRow(db, { day: DAY, source: 'naip', outcome: 'hit', listPriceMicros: 2_000, territoryId: north.id, batchId: 'batch-1' });
  writeLedgerRow(db, { day: DAY, source: 'naip', outcome: 'miss', territoryId: north.id });
  const paid = writeLedgerRow(db, { day: DAY, source: 'google-static-maps', paid: true, costMicros: 2_000, listPriceMicros: 2_000, outcome: 'hit', territoryId: south.id });
  writeLedgerRow(db, { day: DAY, source: 'google-static-maps', paid: true, outcome: 'refused', territoryId: south.id });
  writeLedgerRow(db, { day: DAY, source: 'google-static-maps', paid: true, costMicros: -500, outcome: 'correction', corrects: paid.id, territoryId: south.id });
  writeLedgerRow(db, { day: '2025-06-01', service: 'enrichment', source: 'attom', operation: 'valuation', paid: true, costMicros: 150_000, listPriceMicros: 150_000, outcome: 'hit' });
  return { north, south };
}

describe('spendReport', () => {
  it('totals attempts, paid calls, cost, cache hits, free results and savings of known rows', () => {
    seedKnownDay();
    const report = spendReport(db, { since: DAY, until: DAY, by: 'source' });
    expect(report.totals).toEqual({
      attempts: 5,
      paidCalls: 1,
      costMicros: 1_500,
      cacheHits: 1,
      results: 3,
      freeResults: 1,
      cacheResults: 1,
      listPriceMicros: 6_000,
      savingsMicros: 4_500,
      freeSourceRate: 2 / 3,
      cacheHitRate: 1 / 3,
    });
    // Most expensive source first, then the busiest.
    expect(report.rows.map((r) => [r.key, r.attempts, r.paidCalls, r.costMicros, r.savingsMicros])).toEqual([
      ['google-static-maps', 2, 1, 1_500, 500],
      ['naip', 2, 0, 0, 2_000],
      ['cache', 1, 0, 0, 2_000],
    ]);
  });

  it('groups by day in date order, and without bounds covers every day', () => {
    seedKnownDay();
    const report = spendReport(db, { by: 'day' });
    expect(report.rows.map((r) => [r.key, r.costMicros, r.attempts])).toEqual([
      ['2025-06-01', 150_000, 1],
      [DAY, 1_500, 5],
    ]);
    expect(report.totals.costMicros).toBe(151_500);
    expect(report.totals.savingsMicros).toBe(4_500);
    expect(spendReport(db, { since: '2025-06-03', by: 'day' }).rows).toEqual([]);
  });

  it('labels territories by name and rows without a territory or batch plainly', () => {
    const { north, south } = seedKnownDay();
    const byTerritory = spendReport(db, { by: 'territory' });
    expect(byTerritory.rows.map((r) => [r.key, r.label, r.costMicros])).toEqual([
      [null, '(no territory)', 150_000],
      [south.id, 'South Dallas', 1_500],
      [north.id, 'North Dallas', 0],
    ]);
    const byBatch = spendReport(db, { by: 'batch', since: DAY });
    expect(byBatch.rows.map((r) => [r.label, r.attempts, r.results])).toEqual([
      ['(no batch)', 3, 1],
      ['batch-1', 2, 2],
    ]);
    expect(spendReport(db, { by: 'service' }).rows.map((r) => r.key)).toEqual(['enrichment', 'image-processor']);
  });

  it('has no rates before any result, rather than a misleading 0%', () => {
    writeLedgerRow(db, { day: DAY, source: 'naip', outcome: 'miss' });
    const { totals } = spendReport(db, { by: 'day' });
    expect(totals.results).toBe(0);
    expect(totals.freeSourceRate).toBeNull();
    expect(totals.cacheHitRate).toBeNull();
  });

  it('refuses malformed days and an inverted range with a clear error', () => {
    expect(() => spendReport(db, { since: '2025-02-30', by: 'day' })).toThrow(/does not exist on the calendar/);
    expect(() => spendReport(db, { since: 'yesterday', by: 'day' })).toThrow(/YYYY-MM-DD/);
    expect(() => spendReport(db, { since: '2025-06-03', until: '2025-06-01', by: 'day' })).toThrow(/since must not be after until/);
    expect(() => spendReport(db, { by: 'week' as 'day' })).toThrow(StoreError);
  });
});

describe('spendSummary', () => {
  it('reports spent, reserved, remaining, utilisation, rates, savings and the projection of a day', () => {
    seedKnownDay();
    const reserve = db.prepare(
      `INSERT INTO budget_reservations (id, day, service, source, operation, priority, pool, amount_micros, holder, state, created_at, expires_at)
       VALUES (?, ?, 'image-processor', 'google-static-maps', 'imagery', 'high', 'daily', ?, 'test', ?, ?, ?)`,
    );
    reserve.run('r-open', DAY, 300_000, 'open', '2025-06-02T10:00:00Z', '2025-06-02T11:30:00Z');
    reserve.run('r-expired', DAY, 700_000, 'open', '2025-06-02T09:00:00Z', '2025-06-02T10:30:00Z');
    reserve.run('r-released', DAY, 900_000, 'released', '2025-06-02T09:00:00Z', '2025-06-02T11:30:00Z');

    // 06:00 in Chicago (CDT, UTC−5): a quarter of the budget day has gone by.
    const summary = spendSummary(db, { day: DAY, timeZone: 'America/Chicago', limitMicros: 10_000_000 as Micros, now: new Date('2025-06-02T11:00:00Z') });
    expect(summary).toMatchObject({
      day: DAY,
      spentMicros: 1_500,
      reservedMicros: 300_000,
      limitMicros: 10_000_000,
      remainingMicros: 9_698_500,
      utilisation: 1_500 / 10_000_000,
      elapsedShare: 0.25,
      projectedMicros: 6_000,
      savingsMicros: 4_500,
      listPriceMicros: 6_000,
      freeSourceRate: 2 / 3,
      cacheHitRate: 1 / 3,
      asOf: '2025-06-02T11:00:00.000Z',
    });
  });

  it('never shows a negative remainder when a limit was lowered below what was spent', () => {
    writeLedgerRow(db, { day: DAY, source: 'google-static-maps', paid: true, costMicros: 3_000_000, outcome: 'hit' });
    const summary = spendSummary(db, { day: DAY, timeZone: 'UTC', limitMicros: 2_000_000 as Micros, now: new Date('2025-06-02T12:00:00Z') });
    expect(summary.remainingMicros).toBe(0);
    expect(summary.utilisation).toBe(1.5);
  });
});

describe('projectEndOfDay', () => {
  const spent = 1_200_000 as Micros;
  it('extrapolates linearly over the elapsed share of the day in its time zone', () => {
    expect(projectEndOfDay(spent, DAY, 'America/Chicago', new Date('2025-06-02T17:00:00Z'))).toBe(2_400_000);
  });
  it('uses the real length of a 23-hour DST day', () => {
    // 2025-03-09 in Chicago starts 06:00Z and ends 05:00Z next day; 12 of its 23 hours gone.
    expect(projectEndOfDay(spent, '2025-03-09', 'America/Chicago', new Date('2025-03-09T18:00:00Z'))).toBe(2_300_000);
  });
  it('is exactly what was spent once the day is over, and never below it', () => {
    expect(projectEndOfDay(spent, DAY, 'America/Chicago', new Date('2025-06-03T06:00:00Z'))).toBe(spent);
    expect(projectEndOfDay(spent, DAY, 'America/Chicago', new Date('2025-06-03T04:59:59Z'))).toBeGreaterThanOrEqual(spent);
  });
  it('counts at least one hour as elapsed, so a charge just after midnight does not explode', () => {
    expect(projectEndOfDay(spent, DAY, 'America/Chicago', new Date('2025-06-02T05:05:00Z'))).toBe(24 * spent);
  });
  it('projects nothing when nothing was spent', () => {
    expect(projectEndOfDay(0 as Micros, DAY, 'UTC', new Date('2025-06-02T01:00:00Z'))).toBe(0);
  });
});
