import { mulRatio, type Micros } from '../money';
import type { Db } from '../store';
import { budgetDay } from './budget-day';
import type { BudgetFigures, BudgetStatus } from './budget-schemas';
import { getBudgetSettings, PRIORITIES, type Priority } from './budget-settings';
import { readDayUsage, type PoolUsage } from './budget-usage';
import { getEmergencyOpening } from './emergency';

/**
 * Where today's budget stands: limits, committed, reserved and remaining, overall, per pool and
 * per priority. Read in one snapshot (a read transaction), so the figures add up even while other
 * processes reserve. Reservations past their expiry count as free here even before a write sweeps
 * them, exactly as the next reserveBudget will see them.
 *
 *   budgetStatus(db, now?) → BudgetStatus        (its schema, for RPC: budget-schemas.ts)
 *
 * remaining = max(0, limit − committed − reserved). `total` is the daily pool plus the emergency
 * pool when opened. Every amount is whole micro-dollars.
 */

function figures(limit: number, committed: number, reserved: number): BudgetFigures {
  return { limitMicros: limit, committedMicros: committed, reservedMicros: reserved, remainingMicros: Math.max(0, limit - committed - reserved) };
}

export function budgetStatus(db: Db, now: Date = new Date()): BudgetStatus {
  // Note: a deferred transaction that only reads is one WAL snapshot: no lock, consistent sums.
  return db.transaction(() => {
    const settings = getBudgetSettings(db);
    const day = budgetDay(now, settings.timeZone);
    const usage = readDayUsage(db, day, now.toISOString());
    const opening = getEmergencyOpening(db, day);
    const daily = figures(settings.dailyMicros, usage.daily.committed, usage.daily.reserved);
    const emergencyLimit = opening?.amountMicros ?? 0;
    const emergency = figures(emergencyLimit, usage.emergency.committed, usage.emergency.reserved);
    const priorities = Object.fromEntries(
      PRIORITIES.map((priority) => [priority, priorityFigures(settings.dailyMicros, settings.prioritySharesPercent[priority], usage.daily, priority)]),
    ) as BudgetStatus['priorities'];
    return {
      at: now.toISOString(),
      day,
      timeZone: settings.timeZone,
      settingsVersion: settings.version,
      perCallCapMicros: settings.perCallCapMicros,
      perRequestCapMicros: settings.perRequestCapMicros,
      total: figures(daily.limitMicros + emergencyLimit, daily.committedMicros + emergency.committedMicros, daily.reservedMicros + emergency.reservedMicros),
      daily,
      priorities,
      emergency: {
        ...emergency,
        open: opening !== null,
        configuredMicros: opening?.amountMicros ?? settings.emergencyMicros,
        openedAt: opening?.openedAt ?? null,
        openedBy: opening?.actor ?? null,
        reason: opening?.reason ?? null,
      },
    };
  })();
}

function priorityFigures(dailyMicros: Micros, sharePercent: number, pool: PoolUsage, priority: Priority): BudgetFigures & { sharePercent: number } {
  const limit = mulRatio(dailyMicros, sharePercent, 100, 'floor');
  const used = pool.byPriority[priority];
  return { ...figures(limit, used.committed, used.reserved), sharePercent };
}
