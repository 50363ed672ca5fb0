import { z } from 'zod';
import { formatUsd, micros, mulRatio, type Micros } from '../money';
import { appendAudit, parseRow, writeTransaction, type Db } from '../store';
import { nowIso, statement } from '../store/database';
import { parseInput } from '../store/errors';
import { budgetDay } from './budget-day';
import { ALERT_THRESHOLDS_PERCENT, getBudgetSettings } from './budget-settings';
import { readDayUsage } from './budget-usage';
import { getEmergencyOpening } from './emergency';
import {
  alertThresholdSchema,
  budgetPoolSchema,
  listAlertsQuerySchema,
  type AlertThreshold,
  type BudgetAlert,
  type BudgetPool,
} from './spend-schemas';

/**
 * Budget alerts: each pool of each budget day alerts once at 50%, 80% and 100% of its limit.
 *
 *   poolSpend(db, day, now?)               → PoolSpend[] (daily always; emergency once opened)
 *   fireBudgetAlerts(db, { now? })         → BudgetAlert[] newly fired (usually empty)
 *   listBudgetAlerts(db, { day?, limit? }) → BudgetAlert[] newest first
 *   describeBudgetAlert(alert)             → the sentence a manager reads
 *
 * Note: every process that changes spend may call fireBudgetAlerts. `budget_alerts` has the key
 * (day, pool, threshold) and rows go in with INSERT OR IGNORE, so whichever process crosses a
 * threshold first records it and gets it back; the others get nothing, and each alert is shown,
 * notified and audited exactly once. "Spent" is what the ledger says was committed to the pool;
 * money merely reserved does not alert (it may yet be released).
 */

export interface PoolSpend {
  pool: BudgetPool;
  spentMicros: Micros;
  limitMicros: Micros;
}

const POOL_NAMES: Record<BudgetPool, string> = { daily: 'Daily budget', emergency: 'Emergency budget' };

export function describeBudgetAlert(alert: Omit<BudgetAlert, 'message' | 'at'>): string {
  const name = POOL_NAMES[alert.pool];
  const amounts = `${formatUsd(alert.spentMicros)} of ${formatUsd(alert.limitMicros)} spent on ${alert.day}`;
  if (alert.thresholdPercent < 100) return `${name} ${alert.thresholdPercent}% used: ${amounts}.`;
  return alert.pool === 'daily'
    ? `${name} used up: ${amounts}. Paid sources are paused until the next budget day unless a manager opens the emergency budget.`
    : `${name} used up: ${amounts}. No paid source runs again until the next budget day.`;
}

/** What each pool of `day` has committed against its limit (the budget's own way of counting). */
export function poolSpend(db: Db, day: string, now: Date = new Date()): PoolSpend[] {
  const settings = getBudgetSettings(db);
  const usage = readDayUsage(db, day, now.toISOString());
  const pools: PoolSpend[] = [{ pool: 'daily', spentMicros: micros(usage.daily.committed), limitMicros: settings.dailyMicros }];
  const emergency = getEmergencyOpening(db, day);
  if (emergency) pools.push({ pool: 'emergency', spentMicros: micros(usage.emergency.committed), limitMicros: emergency.amountMicros });
  return pools;
}

/**
 * Records every threshold the current budget day has crossed and not yet alerted, with an audit
 * entry each, and returns those this call recorded (each one is returned to exactly one caller).
 * Note: the common case (nothing new crossed) is answered by reads alone, without the write lock.
 */
export function fireBudgetAlerts(db: Db, options: { now?: Date } = {}): BudgetAlert[] {
  const now = options.now ?? new Date();
  const day = budgetDay(now, getBudgetSettings(db).timeZone);
  if (unrecordedCrossings(db, day, now).length === 0) return [];
  const at = options.now ? now.toISOString() : nowIso();
  return writeTransaction(db, () => {
    const fired: BudgetAlert[] = [];
    for (const { usage, threshold } of unrecordedCrossings(db, day, now)) {
      const inserted = statement(
        db,
        `INSERT OR IGNORE INTO budget_alerts (day, pool, threshold_percent, at, spent_micros, limit_micros)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(day, usage.pool, threshold, at, usage.spentMicros, usage.limitMicros);
      if (inserted.changes === 0) continue;
      const alert = { day, pool: usage.pool, thresholdPercent: threshold, at, spentMicros: usage.spentMicros, limitMicros: usage.limitMicros };
      const message = describeBudgetAlert(alert);
      appendAudit(db, {
        actor: 'system',
        action: 'budget.alert',
        details: { day, pool: usage.pool, thresholdPercent: threshold, spentMicros: usage.spentMicros, limitMicros: usage.limitMicros, message },
      });
      fired.push({ ...alert, message });
    }
    return fired;
  });
}

function unrecordedCrossings(db: Db, day: string, now: Date): Array<{ usage: PoolSpend; threshold: AlertThreshold }> {
  const recorded = new Set(
    statement(db, 'SELECT pool, threshold_percent FROM budget_alerts WHERE day = ?')
      .all(day)
      .map((row) => `${(row as { pool: string }).pool}:${(row as { threshold_percent: number }).threshold_percent}`),
  );
  return poolSpend(db, day, now).flatMap((usage) =>
    usage.limitMicros <= 0
      ? []
      : ALERT_THRESHOLDS_PERCENT.filter(
          (threshold) => !recorded.has(`${usage.pool}:${threshold}`) && usage.spentMicros >= mulRatio(usage.limitMicros, threshold, 100, 'ceil'),
        ).map((threshold) => ({ usage, threshold })),
  );
}

const alertRowSchema = z
  .object({
    day: z.string(),
    pool: budgetPoolSchema,
    threshold_percent: alertThresholdSchema,
    at: z.string(),
    spent_micros: z.number().int(),
    limit_micros: z.number().int(),
  })
  .transform((row) => {
    const alert = {
      day: row.day,
      pool: row.pool,
      thresholdPercent: row.threshold_percent,
      at: row.at,
      spentMicros: micros(row.spent_micros),
      limitMicros: micros(row.limit_micros),
    };
    return { ...alert, message: describeBudgetAlert(alert) };
  });

/** Alerts of one day (or the most recent of any day), newest first. */
export function listBudgetAlerts(db: Db, query: z.input<typeof listAlertsQuerySchema> = {}): BudgetAlert[] {
  const valid = parseInput(listAlertsQuerySchema, query, 'alert query');
  const limit = valid.limit ?? 100;
  const rows = valid.day
    ? statement(db, 'SELECT * FROM budget_alerts WHERE day = ? ORDER BY at DESC, threshold_percent DESC LIMIT ?').all(valid.day, limit)
    : statement(db, 'SELECT * FROM budget_alerts ORDER BY day DESC, at DESC, threshold_percent DESC LIMIT ?').all(limit);
  return rows.map((row) => parseRow(alertRowSchema, row, 'budget alert'));
}

/** Alerts recorded (by any process) after the row `afterRowid`, oldest first, with their rowids. */
export function listNewBudgetAlerts(db: Db, afterRowid: number): Array<{ rowid: number; alert: BudgetAlert }> {
  return statement(db, 'SELECT rowid AS rowid, * FROM budget_alerts WHERE rowid > ? ORDER BY rowid')
    .all(afterRowid)
    .map((row) => ({ rowid: Number((row as { rowid: number }).rowid), alert: parseRow(alertRowSchema, row, 'budget alert') }));
}
