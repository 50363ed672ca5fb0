import type { Micros } from '../money';
import type { Db } from '../store';
import { statement } from '../store/database';
import type { Priority } from './budget-settings';
import type { LedgerPool } from './ledger';

/**
 * What a budget day has used so far, read straight from the ledger and the reservations table.
 * Shared by reserveBudget (inside its write transaction) and budgetStatus (inside a read
 * snapshot), so both count money the same way:
 *
 *   committed = sum of paid ledger rows of the day and pool, corrections included
 *   reserved  = sum of open reservations of the day and pool not yet past their expiry
 */

export interface PoolUsage {
  committed: number;
  reserved: number;
  /** Per priority; rows without a priority (corrections of unprioritised rows) count only in the pool. */
  byPriority: Record<Priority, { committed: number; reserved: number }>;
}

export type DayUsage = Record<LedgerPool, PoolUsage>;

function emptyPool(): PoolUsage {
  return { committed: 0, reserved: 0, byPriority: { high: { committed: 0, reserved: 0 }, medium: { committed: 0, reserved: 0 }, low: { committed: 0, reserved: 0 } } };
}

interface SumRow {
  pool: string;
  priority: string | null;
  total: number;
}

export function readDayUsage(db: Db, day: string, nowIso: string): DayUsage {
  const usage: DayUsage = { daily: emptyPool(), emergency: emptyPool() };
  const committed = statement(
    db,
    `SELECT coalesce(pool, 'daily') AS pool, priority, sum(cost_micros) AS total
       FROM cost_ledger WHERE day = ? AND paid = 1 GROUP BY 1, 2`,
  ).all(day) as SumRow[];
  const reserved = statement(
    db,
    `SELECT pool, priority, sum(amount_micros) AS total
       FROM budget_reservations WHERE day = ? AND state = 'open' AND expires_at > ? GROUP BY 1, 2`,
  ).all(day, nowIso) as SumRow[];
  for (const [rows, field] of [
    [committed, 'committed'],
    [reserved, 'reserved'],
  ] as const) {
    for (const row of rows) {
      const pool = usage[row.pool === 'emergency' ? 'emergency' : 'daily'];
      const total = checkedTotal(row.total);
      pool[field] += total;
      if (row.priority === 'high' || row.priority === 'medium' || row.priority === 'low') pool.byPriority[row.priority][field] += total;
    }
  }
  return usage;
}

/** Committed plus open reservations of one request, across days (a request may cross midnight). */
export function readRequestUsage(db: Db, requestId: string, nowIso: string): number {
  const committed = statement(db, 'SELECT coalesce(sum(cost_micros), 0) FROM cost_ledger WHERE request_id = ? AND paid = 1').pluck().get(requestId);
  const reserved = statement(db, "SELECT coalesce(sum(amount_micros), 0) FROM budget_reservations WHERE request_id = ? AND state = 'open' AND expires_at > ?")
    .pluck()
    .get(requestId, nowIso);
  return checkedTotal(committed) + checkedTotal(reserved);
}

function checkedTotal(value: unknown): number {
  // Note: a sum that is not an exact integer means rows were edited outside the app; refusing
  // to read it makes reserveBudget fail closed instead of trusting a wrong total.
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error(`A budget total read back as ${String(value)}, not whole micro-dollars.`);
  return value as Micros;
}
