import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, type Db } from '../store';
import { costTestDb, imageryCall, usd } from './cost.testkit';
import type { BudgetSettings } from './budget-schemas';
import { updateBudgetSettings } from './budget-settings';
import { budgetStatus } from './budget-status';
import { openEmergencyBudget } from './emergency';
import { listLedger } from './ledger';
import {
  BudgetError,
  commitReservation,
  expireOrphanedReservations,
  getReservation,
  releaseReservation,
  renewReservation,
  reserveBudget,
  type ReserveResult,
} from './reservations';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  ({ db, cleanup } = costTestDb('fm-budget-'));
});
afterEach(() => cleanup());

const NOON = new Date('2025-06-10T12:00:00Z');
const later = (ms: number, from = NOON) => new Date(from.getTime() + ms);

function configure(patch: Partial<BudgetSettings>): void {
  updateBudgetSettings(db, { timeZone: 'UTC', ...patch }, 'test manager');
}

function granted(result: ReserveResult) {
  if (!result.granted) throw new Error(`expected a grant, got ${result.refusal.kind}: ${result.refusal.message}`);
  return result.reservation;
}

function refused(result: ReserveResult) {
  if (result.granted) throw new Error(`expected a refusal, got reservation ${result.reservation.id}`);
  return result.refusal;
}

function charge(amount: string, overrides = {}, now = NOON) {
  const reservation = granted(reserveBudget(db, imageryCall(amount, overrides), now));
  return commitReservation(db, reservation.id, { costMicros: reservation.amountMicros, ledger: { cacheHit: false, outcome: 'hit' } }, now);
}

describe('the daily budget', () => {
  beforeEach(() => configure({ dailyMicros: usd('1.00'), prioritySharesPercent: { high: 100, medium: 0, low: 0 } }));

  it('grants up to the limit, counting committed and open reservations, and not one micro-dollar more', () => {
    charge('0.60', { priority: 'high' });
    const held = granted(reserveBudget(db, imageryCall('0.40', { priority: 'high' }), NOON));
    const refusal = refused(reserveBudget(db, { ...imageryCall('0', { priority: 'high' }), amountMicros: 1 }, NOON));
    expect(refusal.kind).toBe('daily-limit');
    expect(refusal.limitMicros).toBe(usd('1.00'));
    expect(refusal.availableMicros).toBe(0);
    expect(refusal.message).toContain('$1.00');
    expect(refusal.message).toMatch(/emergency budget/);

    releaseReservation(db, held.id, 'the provider was down', NOON);
    expect(getReservation(db, held.id)?.state).toBe('released');
    granted(reserveBudget(db, imageryCall('0.40', { priority: 'high' }), NOON));
  });

  it('frees what a commit did not use', () => {
    const reservation = granted(reserveBudget(db, imageryCall('1.00', { priority: 'high' }), NOON));
    commitReservation(db, reservation.id, { costMicros: usd('0.25'), ledger: { cacheHit: false, outcome: 'hit' } }, NOON);
    expect(budgetStatus(db, NOON).daily).toEqual({ limitMicros: usd('1.00'), committedMicros: usd('0.25'), reservedMicros: 0, remainingMicros: usd('0.75') });
    granted(reserveBudget(db, imageryCall('0.75', { priority: 'high' }), NOON));
  });

  it('refuses everything paid when the daily budget is zero', () => {
    configure({ dailyMicros: usd('0') });
    expect(refused(reserveBudget(db, imageryCall('0.002', { priority: 'high' }), NOON)).kind).toBe('daily-limit');
  });
});

describe('priority shares', () => {
  beforeEach(() => configure({ dailyMicros: usd('10.00'), perRequestCapMicros: usd('100') }));

  it('keep each priority inside its share of the day, so low-priority work cannot eat the high-priority money', () => {
    for (let i = 0; i < 10; i++) charge('0.10', { priority: 'low' });
    const low = refused(reserveBudget(db, imageryCall('0.01', { priority: 'low' }), NOON));
    expect(low.kind).toBe('priority-share');
    expect(low.limitMicros).toBe(usd('1.00'));
    expect(low.availableMicros).toBe(0);
    expect(low.message).toMatch(/Low-priority work may spend \$1\.00 a day \(10%/);

    for (let i = 0; i < 3; i++) charge('1.00', { priority: 'medium' });
    expect(refused(reserveBudget(db, imageryCall('0.01', { priority: 'medium' }), NOON)).kind).toBe('priority-share');

    for (let i = 0; i < 6; i++) charge('1.00', { priority: 'high' });
    expect(refused(reserveBudget(db, imageryCall('0.01', { priority: 'high' }), NOON)).kind).toBe('daily-limit');

    const status = budgetStatus(db, NOON);
    expect(status.priorities.low).toMatchObject({ sharePercent: 10, limitMicros: usd('1.00'), committedMicros: usd('1.00'), remainingMicros: 0 });
    expect(status.priorities.high).toMatchObject({ sharePercent: 60, limitMicros: usd('6.00'), committedMicros: usd('6.00') });
    expect(status.daily.committedMicros).toBe(usd('10.00'));
  });

  it('default to medium when the caller gives none', () => {
    const reservation = granted(reserveBudget(db, imageryCall('0.50'), NOON));
    expect(reservation.priority).toBe('medium');
  });
});

describe('per-call and per-request caps', () => {
  beforeEach(() => configure({ perCallCapMicros: usd('1.00'), perRequestCapMicros: usd('2.50') }));

  it('refuses a single call above the per-call cap', () => {
    const refusal = refused(reserveBudget(db, imageryCall('1.000001', { priority: 'high' }), NOON));
    expect(refusal.kind).toBe('per-call-cap');
    expect(refusal.limitMicros).toBe(usd('1.00'));
    granted(reserveBudget(db, imageryCall('1.00', { priority: 'high' }), NOON));
  });

  it('caps what one request may commit and hold, across its calls', () => {
    charge('1.00', { requestId: 'run-1', priority: 'high' });
    granted(reserveBudget(db, imageryCall('1.00', { requestId: 'run-1', priority: 'high' }), NOON));
    const refusal = refused(reserveBudget(db, imageryCall('0.60', { requestId: 'run-1', priority: 'high' }), NOON));
    expect(refusal.kind).toBe('per-request-cap');
    expect(refusal.availableMicros).toBe(usd('0.50'));
    granted(reserveBudget(db, imageryCall('0.50', { requestId: 'run-1', priority: 'high' }), NOON));
    // Another request has its own cap.
    granted(reserveBudget(db, imageryCall('1.00', { requestId: 'run-2', priority: 'high' }), NOON));
  });
});

describe('the emergency budget', () => {
  beforeEach(() => configure({ dailyMicros: usd('1.00'), emergencyMicros: usd('2.00'), prioritySharesPercent: { high: 50, medium: 50, low: 0 } }));

  it('is used only after a manager opens it, for that day only', () => {
    charge('0.50', { priority: 'high' });
    charge('0.50', { priority: 'medium' });
    expect(refused(reserveBudget(db, imageryCall('0.50', { priority: 'high' }), NOON)).kind).toBe('daily-limit');
    expect(budgetStatus(db, NOON).emergency).toMatchObject({ open: false, limitMicros: 0, configuredMicros: usd('2.00') });

    const opening = openEmergencyBudget(db, { actor: 'Dana (manager)', reason: 'hail storm, canvass tonight' }, NOON);
    expect(opening).toMatchObject({ day: '2025-06-10', amountMicros: usd('2.00'), alreadyOpen: false });
    const fromEmergency = granted(reserveBudget(db, imageryCall('1.00', { priority: 'high' }), NOON));
    expect(fromEmergency.pool).toBe('emergency');
    // No priority split in the emergency pool: even low priority (0% share) may use it.
    const low = granted(reserveBudget(db, imageryCall('1.00', { priority: 'low' }), NOON));
    expect(low.pool).toBe('emergency');
    const exhausted = refused(reserveBudget(db, imageryCall('0.01', { priority: 'high' }), NOON));
    expect(exhausted.kind).toBe('emergency-limit');
    expect(exhausted.availableMicros).toBe(0);

    const status = budgetStatus(db, NOON);
    expect(status.emergency).toMatchObject({ open: true, openedBy: 'Dana (manager)', limitMicros: usd('2.00'), reservedMicros: usd('2.00'), remainingMicros: 0 });
    expect(status.total).toMatchObject({ limitMicros: usd('3.00'), committedMicros: usd('1.00'), reservedMicros: usd('2.00'), remainingMicros: 0 });

    const audit = listAudit(db).filter((entry) => entry.action === 'budget.emergency.open');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'Dana (manager)', details: { day: '2025-06-10', reason: 'hail storm, canvass tonight', amountMicros: usd('2.00') } });

    // Opening twice the same day records nothing new.
    expect(openEmergencyBudget(db, { actor: 'Sam', reason: 'again' }, later(3_600_000)).alreadyOpen).toBe(true);
    expect(listAudit(db).filter((entry) => entry.action === 'budget.emergency.open')).toHaveLength(1);

    // Tomorrow: a fresh daily pool, and the emergency budget is closed again.
    const tomorrow = new Date('2025-06-11T09:00:00Z');
    expect(budgetStatus(db, tomorrow).emergency.open).toBe(false);
    expect(granted(reserveBudget(db, imageryCall('0.50', { priority: 'high' }), tomorrow)).pool).toBe('daily');
    expect(refused(reserveBudget(db, imageryCall('0.01', { priority: 'high' }), tomorrow)).kind).toBe('priority-share');
  });

  it('refuses to open without a reason or a name', () => {
    expect(() => openEmergencyBudget(db, { actor: 'Dana', reason: '' }, NOON)).toThrow(/give a reason/);
    expect(() => openEmergencyBudget(db, { actor: ' ', reason: 'storm' }, NOON)).toThrow(/say who opens/);
    expect(budgetStatus(db, NOON).emergency.open).toBe(false);
  });
});

describe('orphaned reservations', () => {
  beforeEach(() => configure({ dailyMicros: usd('1.00'), reservationTtlMs: 60_000, prioritySharesPercent: { high: 100, medium: 0, low: 0 } }));

  it('expire after their timeout and give their money back', () => {
    const orphan = granted(reserveBudget(db, imageryCall('1.00', { priority: 'high', holder: 'a service that crashed' }), NOON));
    expect(orphan.expiresAt).toBe(later(60_000).toISOString());
    expect(refused(reserveBudget(db, imageryCall('0.10', { priority: 'high' }), later(59_999))).kind).toBe('daily-limit');
    // Status already counts it as free once past its expiry, before any sweep.
    expect(budgetStatus(db, later(60_000)).daily.reservedMicros).toBe(0);

    const next = granted(reserveBudget(db, imageryCall('1.00', { priority: 'high' }), later(60_000)));
    expect(getReservation(db, orphan.id)?.state).toBe('expired');
    expect(next.amountMicros).toBe(usd('1.00'));
  });

  it('are swept by expireOrphanedReservations, and a late commit is refused', () => {
    const short = granted(reserveBudget(db, imageryCall('0.30', { priority: 'high', ttlMs: 1_000 }), NOON));
    granted(reserveBudget(db, imageryCall('0.30', { priority: 'high' }), NOON));
    expect(expireOrphanedReservations(db, later(999))).toBe(0);
    expect(expireOrphanedReservations(db, later(1_000))).toBe(1);
    const error = catchBudgetError(() => commitReservation(db, short.id, { costMicros: usd('0.30'), ledger: { cacheHit: false, outcome: 'hit' } }, later(1_500)));
    expect(error.kind).toBe('reservation-expired');
    expect(error.message).toMatch(/renewReservation/);
    expect(listLedger(db, {})).toHaveLength(0);
  });

  it('can be renewed by a holder whose call runs long', () => {
    const long = granted(reserveBudget(db, imageryCall('1.00', { priority: 'high', ttlMs: 1_000 }), NOON));
    expect(renewReservation(db, long.id, 5_000, later(900))).toBe(true);
    expect(refused(reserveBudget(db, imageryCall('0.10', { priority: 'high' }), later(2_000))).kind).toBe('daily-limit');
    const { entry } = commitReservation(db, long.id, { costMicros: usd('1.00'), ledger: { cacheHit: false, outcome: 'hit' } }, later(5_000));
    expect(entry.costMicros).toBe(usd('1.00'));
    expect(renewReservation(db, long.id, 5_000, later(5_000))).toBe(false);
  });

  it('cannot be renewed once expired', () => {
    const late = granted(reserveBudget(db, imageryCall('0.10', { priority: 'high', ttlMs: 1_000 }), NOON));
    expect(renewReservation(db, late.id, 5_000, later(1_000))).toBe(false);
    expect(getReservation(db, late.id)?.state).toBe('expired');
  });
});

describe('committing', () => {
  beforeEach(() => configure({ dailyMicros: usd('1.00') }));

  it('caps an actual cost above the reservation at the reserved amount and records the excess', () => {
    const reservation = granted(reserveBudget(db, imageryCall('0.002', { priority: 'high', requestId: 'run-7' }), NOON));
    const { entry, cappedFromMicros } = commitReservation(db, reservation.id, { costMicros: 2_500, ledger: { cacheHit: false, outcome: 'hit', latencyMs: 310, quality: 0.9, propertyId: 'p-1' } }, NOON);
    expect(cappedFromMicros).toBe(2_500);
    expect(entry).toMatchObject({ costMicros: 2_000, paid: true, pool: 'daily', priority: 'high', requestId: 'run-7', reservationId: reservation.id, propertyId: 'p-1', latencyMs: 310, quality: 0.9 });
    expect(getReservation(db, reservation.id)).toMatchObject({ state: 'committed', committedMicros: 2_000, ledgerId: entry.id });
    const capped = listAudit(db).find((a) => a.action === 'budget.commit.capped');
    expect(capped?.details).toMatchObject({ reservationId: reservation.id, reservedMicros: 2_000, actualMicros: 2_500, excessMicros: 500 });
  });

  it('refuses a second commit, and a commit of a released reservation, losing nothing', () => {
    const once = granted(reserveBudget(db, imageryCall('0.10', { priority: 'high' }), NOON));
    commitReservation(db, once.id, { costMicros: usd('0.10'), ledger: { cacheHit: false, outcome: 'hit' } }, NOON);
    expect(catchBudgetError(() => commitReservation(db, once.id, { costMicros: usd('0.10'), ledger: { cacheHit: false, outcome: 'hit' } }, NOON)).kind).toBe('reservation-settled');

    const dropped = granted(reserveBudget(db, imageryCall('0.10', { priority: 'high' }), NOON));
    releaseReservation(db, dropped.id, 'cancelled by the rep', NOON);
    releaseReservation(db, dropped.id, 'a finally block releasing again', NOON); // no-op
    expect(catchBudgetError(() => commitReservation(db, dropped.id, { costMicros: 1, ledger: { cacheHit: false, outcome: 'hit' } }, NOON)).kind).toBe('reservation-settled');
    expect(catchBudgetError(() => commitReservation(db, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', { costMicros: 1, ledger: { cacheHit: false, outcome: 'hit' } }, NOON)).kind).toBe('reservation-not-found');
    expect(listLedger(db, {}).map((e) => e.costMicros)).toEqual([usd('0.10')]);
  });

  it('refuses a malformed actual cost and leaves the reservation open', () => {
    const reservation = granted(reserveBudget(db, imageryCall('0.10', { priority: 'high' }), NOON));
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1.5, '100' as unknown as number]) {
      expect(catchBudgetError(() => commitReservation(db, reservation.id, { costMicros: bad, ledger: { cacheHit: false, outcome: 'hit' } }, NOON)).kind).toBe('invalid-amount');
    }
    expect(getReservation(db, reservation.id)?.state).toBe('open');
  });

  it('keeps a commit after midnight on the day the money was reserved', () => {
    const lateNight = new Date('2025-06-10T23:59:30Z');
    const reservation = granted(reserveBudget(db, imageryCall('0.50', { priority: 'high' }), lateNight));
    const { entry } = commitReservation(db, reservation.id, { costMicros: usd('0.50'), ledger: { cacheHit: false, outcome: 'hit' } }, later(60_000, lateNight));
    expect(entry.day).toBe('2025-06-10');
    expect(entry.at).toBe('2025-06-11T00:00:30.000Z');
    expect(budgetStatus(db, later(60_000, lateNight)).daily.committedMicros).toBe(0);
  });
});

describe('day rollover in the team time zone', () => {
  it('starts a fresh daily pool at midnight in America/Chicago, also on the 23-hour DST day', () => {
    configure({ timeZone: 'America/Chicago', dailyMicros: usd('1.00'), prioritySharesPercent: { high: 100, medium: 0, low: 0 } });
    const spendAll = (at: Date) => charge('1.00', { priority: 'high' }, at);
    const refusedAt = (at: Date) => refused(reserveBudget(db, imageryCall('0.01', { priority: 'high' }), at)).kind;

    // 23:30 CST on 2025-03-08 is 05:30 UTC on the 9th: still the 8th for the team.
    expect(spendAll(new Date('2025-03-09T05:30:00Z')).entry.day).toBe('2025-03-08');
    expect(refusedAt(new Date('2025-03-09T05:59:59Z'))).toBe('daily-limit');
    // Midnight in Chicago (06:00 UTC): a new day, a new pool. Clocks spring forward at 02:00.
    expect(spendAll(new Date('2025-03-09T06:00:00Z')).entry.day).toBe('2025-03-09');
    // 23:30 CDT on the 9th is 04:30 UTC on the 10th: a UTC day would already have rolled over.
    expect(refusedAt(new Date('2025-03-10T04:30:00Z'))).toBe('daily-limit');
    expect(spendAll(new Date('2025-03-10T05:00:00Z')).entry.day).toBe('2025-03-10');
    expect(budgetStatus(db, new Date('2025-03-10T05:00:00Z'))).toMatchObject({ day: '2025-03-10', timeZone: 'America/Chicago', daily: { committedMicros: usd('1.00') } });
  });
});

describe('malformed amounts', () => {
  it('are refused with invalid-amount and a clear message, and nothing is reserved', () => {
    const cases: [unknown, RegExp][] = [
      [-5, /negative/],
      [0, /more than zero/],
      [Number.NaN, /NaN/],
      [Number.POSITIVE_INFINITY, /infinite/],
      [0.5, /whole number of micro-dollars/],
      [2e15, /more than \$1,000,000,000/],
      ['100', /must be a number of micro-dollars, not string/],
      [null, /not null/],
      [undefined, /not undefined/],
    ];
    for (const [amount, message] of cases) {
      const refusal = refused(reserveBudget(db, { ...imageryCall('1'), amountMicros: amount as number }, NOON));
      expect(refusal.kind).toBe('invalid-amount');
      expect(refusal.message).toMatch(message);
    }
    expect(db.prepare('SELECT count(*) FROM budget_reservations').pluck().get()).toBe(0);
  });

  it('refuses other malformed fields as invalid-request', () => {
    expect(refused(reserveBudget(db, imageryCall('0.01', { service: '' }), NOON)).kind).toBe('invalid-request');
    expect(refused(reserveBudget(db, imageryCall('0.01', { priority: 'urgent' as never }), NOON)).message).toMatch(/priority: must be high, medium or low/);
    expect(refused(reserveBudget(db, imageryCall('0.01', { ttlMs: -1 }), NOON)).kind).toBe('invalid-request');
  });
});

describe('failing closed', () => {
  it('refuses with budget-unreadable when the connection is closed', () => {
    db.close();
    const refusal = refused(reserveBudget(db, imageryCall('0.01'), NOON));
    expect(refusal.kind).toBe('budget-unreadable');
    expect(refusal.message).toMatch(/no paid call may run/);
  });

  it('refuses with budget-unreadable when the reservations table is missing', () => {
    db.exec('DROP TABLE budget_reservations');
    expect(refused(reserveBudget(db, imageryCall('0.01'), NOON)).kind).toBe('budget-unreadable');
  });

  it('refuses with budget-unreadable when the stored settings are corrupt', () => {
    db.prepare("INSERT INTO budget_settings (at, actor, settings) VALUES ('2025-06-10T00:00:00Z', 'someone', '{\"dailyMicros\": -5}')").run();
    const refusal = refused(reserveBudget(db, imageryCall('0.01'), NOON));
    expect(refusal.kind).toBe('budget-unreadable');
    expect(refusal.message).toMatch(/budget settings/);
  });
});

function catchBudgetError(fn: () => unknown): BudgetError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BudgetError) return error;
    throw error;
  }
  throw new Error('expected a BudgetError');
}
