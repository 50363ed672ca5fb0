import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Micros } from '../money';
import { listAudit, openDatabase, type Db } from '../store';
import { describeBudgetAlert, fireBudgetAlerts, listBudgetAlerts } from './alerts';
import { updateBudgetSettings } from './budget-settings';
import { openEmergencyBudget } from './emergency';
import { costTestDb, writeLedgerRow } from './cost.testkit';

let db: Db;
let dir: string;
let cleanup: () => void;
const others: Db[] = [];
beforeEach(() => {
  ({ db, dir, cleanup } = costTestDb('fm-alerts-'));
  updateBudgetSettings(db, { timeZone: 'UTC', dailyMicros: 1_000_000 as Micros, emergencyMicros: 2_000_000 as Micros }, 'test');
});
afterEach(() => {
  others.splice(0).forEach((other) => other.close());
  cleanup();
});

const NOW = new Date('2025-06-02T15:00:00Z');
const DAY = '2025-06-02';
const charge = (costMicros: number, pool: 'daily' | 'emergency' = 'daily') =>
  writeLedgerRow(db, { day: DAY, source: 'google-static-maps', paid: true, costMicros, listPriceMicros: costMicros, outcome: 'hit', pool });
const alertAudits = () => listAudit(db).filter((entry) => entry.action === 'budget.alert');

describe('fireBudgetAlerts', () => {
  it('fires 50%, 80% and 100% of the daily budget once each as spend crosses them', () => {
    expect(fireBudgetAlerts(db, { now: NOW })).toEqual([]);
    charge(600_000);
    const first = fireBudgetAlerts(db, { now: NOW });
    expect(first).toEqual([
      {
        day: DAY,
        pool: 'daily',
        thresholdPercent: 50,
        at: NOW.toISOString(),
        spentMicros: 600_000,
        limitMicros: 1_000_000,
        message: 'Daily budget 50% used: $0.60 of $1.00 spent on 2025-06-02.',
      },
    ]);
    expect(fireBudgetAlerts(db, { now: NOW })).toEqual([]);

    charge(199_999);
    expect(fireBudgetAlerts(db, { now: NOW })).toEqual([]); // $0.799999 is not 80%
    charge(1);
    expect(fireBudgetAlerts(db, { now: NOW }).map((a) => a.thresholdPercent)).toEqual([80]);
    charge(200_000);
    const full = fireBudgetAlerts(db, { now: NOW });
    expect(full.map((a) => a.thresholdPercent)).toEqual([100]);
    expect(full[0]!.message).toMatch(/^Daily budget used up: \$1\.00 of \$1\.00 spent on 2025-06-02\. Paid sources are paused/);

    expect(listBudgetAlerts(db, { day: DAY }).map((a) => a.thresholdPercent)).toEqual([100, 80, 50]);
    expect(alertAudits().map((entry) => entry.details.thresholdPercent)).toEqual([100, 80, 50]);
    expect(alertAudits()[0]).toMatchObject({ actor: 'system', details: { pool: 'daily', day: DAY, spentMicros: 1_000_000, limitMicros: 1_000_000 } });
  });

  it('fires every threshold passed at once by one big charge', () => {
    charge(850_000);
    expect(fireBudgetAlerts(db, { now: NOW }).map((a) => a.thresholdPercent)).toEqual([50, 80]);
  });

  it('fires each alert to exactly one of two connections', () => {
    const second = openDatabase(dir);
    others.push(second);
    charge(500_000);
    const fromBoth = [...fireBudgetAlerts(second, { now: NOW }), ...fireBudgetAlerts(db, { now: NOW })];
    charge(500_000);
    fromBoth.push(...fireBudgetAlerts(db, { now: NOW }), ...fireBudgetAlerts(second, { now: NOW }));
    expect(fromBoth.map((a) => a.thresholdPercent).sort()).toEqual([100, 50, 80]);
    expect(alertAudits()).toHaveLength(3);
    expect(listBudgetAlerts(second)).toHaveLength(3);
  });

  it('alerts on the emergency budget only once it is open, against its own limit', () => {
    charge(1_000_000);
    expect(fireBudgetAlerts(db, { now: NOW }).map((a) => `${a.pool} ${a.thresholdPercent}`)).toEqual(['daily 50', 'daily 80', 'daily 100']);
    openEmergencyBudget(db, { actor: 'manager', reason: 'storm response' }, NOW);
    expect(fireBudgetAlerts(db, { now: NOW })).toEqual([]);
    charge(1_600_000, 'emergency');
    const emergency = fireBudgetAlerts(db, { now: NOW });
    expect(emergency.map((a) => `${a.pool} ${a.thresholdPercent}`)).toEqual(['emergency 50', 'emergency 80']);
    expect(emergency[1]!.message).toBe('Emergency budget 80% used: $1.60 of $2.00 spent on 2025-06-02.');
  });

  it('starts over on the next budget day', () => {
    charge(600_000);
    expect(fireBudgetAlerts(db, { now: NOW })).toHaveLength(1);
    expect(fireBudgetAlerts(db, { now: new Date('2025-06-03T00:00:01Z') })).toEqual([]);
    expect(listBudgetAlerts(db, { day: '2025-06-03' })).toEqual([]);
  });

  it('stays quiet for a pool whose limit is zero', () => {
    updateBudgetSettings(db, { dailyMicros: 0 as Micros }, 'test');
    charge(5);
    expect(fireBudgetAlerts(db, { now: NOW })).toEqual([]);
  });
});

describe('describeBudgetAlert', () => {
  it('says when the emergency budget is used up that nothing paid runs until tomorrow', () => {
    expect(describeBudgetAlert({ day: DAY, pool: 'emergency', thresholdPercent: 100, spentMicros: 50_000_000 as Micros, limitMicros: 50_000_000 as Micros })).toBe(
      'Emergency budget used up: $50.00 of $50.00 spent on 2025-06-02. No paid source runs again until the next budget day.',
    );
  });
});
