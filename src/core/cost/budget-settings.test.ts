import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, StoreError, type Db } from '../store';
import { costTestDb, imageryCall, usd } from './cost.testkit';
import { budgetStatusSchema, type BudgetSettings } from './budget-schemas';
import { budgetStatus } from './budget-status';
import { DEFAULT_BUDGET_SETTINGS, getBudgetSettings, updateBudgetSettings } from './budget-settings';
import { reserveBudget } from './reservations';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  ({ db, cleanup } = costTestDb('fm-budget-'));
});
afterEach(() => cleanup());

describe('budget settings', () => {
  it('start at the documented defaults, unsaved (version 0)', () => {
    const settings = getBudgetSettings(db);
    expect(settings).toMatchObject({
      version: 0,
      dailyMicros: 10_000_000,
      emergencyMicros: 50_000_000,
      perCallCapMicros: 1_000_000,
      perRequestCapMicros: 5_000_000,
      prioritySharesPercent: { high: 60, medium: 30, low: 10 },
      reservationTtlMs: 120_000,
      alertThresholdsPercent: [50, 80, 100],
    });
    expect(settings.timeZone).toBe(DEFAULT_BUDGET_SETTINGS.timeZone);
    expect(settings.timeZone.length).toBeGreaterThan(0);
  });

  it('save each change as a new version with an audit entry naming who changed what', () => {
    const first = updateBudgetSettings(db, { dailyMicros: usd('25') }, 'Dana');
    const second = updateBudgetSettings(db, { timeZone: 'America/Chicago', prioritySharesPercent: { high: 50, medium: 40, low: 10 } }, 'Sam');
    expect(first.version).toBe(1);
    expect(second).toMatchObject({ version: 2, dailyMicros: usd('25'), timeZone: 'America/Chicago', prioritySharesPercent: { high: 50, medium: 40, low: 10 } });
    expect(getBudgetSettings(db)).toEqual(second);

    const audit = listAudit(db).filter((entry) => entry.action === 'budget.settings.update');
    expect(audit.map((entry) => entry.actor).sort()).toEqual(['Dana', 'Sam']);
    const dana = audit.find((entry) => entry.actor === 'Dana')!;
    expect(dana.details).toMatchObject({ version: 1, previousVersion: 0, changed: { dailyMicros: 25_000_000 }, previous: { dailyMicros: 10_000_000 } });
  });

  it('take effect at once for reservations and status', () => {
    updateBudgetSettings(db, { dailyMicros: usd('0.50'), timeZone: 'UTC', prioritySharesPercent: { high: 100, medium: 0, low: 0 } }, 'Dana');
    const now = new Date('2025-06-10T12:00:00Z');
    expect(reserveBudget(db, imageryCall('0.60', { priority: 'high' }), now).granted).toBe(false);
    const status = budgetStatus(db, now);
    expect(status).toMatchObject({ settingsVersion: 1, daily: { limitMicros: usd('0.50') } });
    // The shape the RPC contract validates.
    expect(budgetStatusSchema.parse(status)).toEqual(status);
  });

  it('refuse bad values with a message that names the field, and keep the old settings', () => {
    const cases: [Partial<BudgetSettings> | Record<string, unknown>, RegExp][] = [
      [{ dailyMicros: -1 }, /daily budget cannot be negative/],
      [{ dailyMicros: Number.NaN }, /daily budget must be a number of micro-dollars/],
      [{ emergencyMicros: Number.POSITIVE_INFINITY }, /emergency budget/],
      [{ perCallCapMicros: 0.5 }, /per-call cap must be a whole number of micro-dollars/],
      [{ perRequestCapMicros: 2e15 }, /per-request cap cannot be more than \$1,000,000,000/],
      [{ dailyMicros: '10' }, /daily budget must be a number/],
      [{ prioritySharesPercent: { high: 60, medium: 30, low: 20 } }, /add up to 100%/],
      [{ prioritySharesPercent: { high: 70.5, medium: 19.5, low: 10 } }, /whole percentage/],
      [{ timeZone: 'Mars/Olympus_Mons' }, /"Mars\/Olympus_Mons" is not a time zone/],
      [{ reservationTtlMs: 10 }, /at least 1 second/],
      [{ alertThresholdsPercent: [10, 20, 30] }, /alert thresholds are fixed at 50, 80 and 100%/],
      [{ weeklyMicros: 5 }, /weeklyMicros|Unrecognized/i],
    ];
    for (const [patch, message] of cases) {
      let error: unknown;
      try {
        updateBudgetSettings(db, patch as Partial<BudgetSettings>, 'Dana');
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(patch)).toBeInstanceOf(StoreError);
      expect((error as StoreError).kind).toBe('invalid-input');
      expect((error as StoreError).message).toMatch(message);
    }
    expect(() => updateBudgetSettings(db, { dailyMicros: usd('1') }, '  ')).toThrow(/Say who/);
    expect(getBudgetSettings(db).version).toBe(0);
    expect(listAudit(db)).toHaveLength(0);
  });
});
