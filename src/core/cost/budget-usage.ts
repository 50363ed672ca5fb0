import type { Micros } from '../money';
import type { Db } from '../store';
import { statement } from '../store/database';
import type { Priority } from './budget-settings';
import type { LedgerPool } from './ledger';

/**
 * What a budget day has used so far, read from the ledger and the reservations table. Shared by
 * reserveBudget (inside its write transaction), budgetStatus and the alerts, so all count money
 * the same way:
 *
 *   committed = sum of paid ledger rows of the day and pool, corrections included
 *   reserved  = sum of open reservations of the day and pool not yet past their expiry
 *
 *   readDayUsage(db, day, nowIso)          → DayUsage (per pool, and per priority inside each)
 *   readRequestUsage(db, requestId, nowIso) → committed + open of one request, across days
 *
 * Note: every reservation reads the committed totals, and summing a whole day of ledger rows each
 * time would grow slower as the day fills. The ledger is append-only (triggers forbid UPDATE and
 * DELETE) and writers are serialised, so rows only ever appear at a higher rowid than any reader
 * has seen: each connection keeps running totals per day and adds only the rows past the last
 * rowid it read. A first read of a day sums it once. The row at the remembered rowid is checked
 * on every read, so a file rewritten under us (VACUUM renumbering, a restored backup) resets the
 * totals instead of skewing them.
 */

export interface PoolUsage {
  committed: number;
  reserved: number;
  /** Per priority; rows without a priority (corrections of unprioritised rows) count only in the pool. */
  byPriority: Record<Priority, { committed: number; reserved: number }>;
}

export type DayUsage = Record<LedgerPool, PoolUsage>;

type Totals = Record<LedgerPool, { total: number; high: number; medium: number; low: number }>;

interface LedgerCursor {
  lastRowid: number;
  lastId: string | null;
  days: Map<string, Totals>;
}

/** Days kept per connection: today, yesterday and a few more for reports; older ones are re-read. */
const MAX_CACHED_DAYS = 8;
const cursors = new WeakMap<Db, LedgerCursor>();

function emptyPool(): PoolUsage {
  return { committed: 0, reserved: 0, byPriority: { high: { committed: 0, reserved: 0 }, medium: { committed: 0, reserved: 0 }, low: { committed: 0, reserved: 0 } } };
}

function emptyTotals(): Totals {
  return { daily: { total: 0, high: 0, medium: 0, low: 0 }, emergency: { total: 0, high: 0, medium: 0, low: 0 } };
}

interface SumRow {
  pool: string | null;
  priority: string | null;
  total: unknown;
}

function addTo(totals: Totals, row: SumRow): void {
  const pool = totals[row.pool === 'emergency' ? 'emergency' : 'daily'];
  const amount = checkedTotal(row.total);
  pool.total += amount;
  if (row.priority === 'high' || row.priority === 'medium' || row.priority === 'low') pool[row.priority] += amount;
}

/** Must run inside one snapshot: the caller's transaction, or a read transaction opened here. */
function committedTotals(db: Db, day: string): Totals {
  let cursor = cursors.get(db);
  if (cursor && cursor.lastId !== null) {
    const idAtCursor = statement(db, 'SELECT id FROM cost_ledger WHERE rowid = ?').pluck().get(cursor.lastRowid);
    if (idAtCursor !== cursor.lastId) cursor = undefined;
  }
  if (!cursor) {
    cursor = { lastRowid: 0, lastId: null, days: new Map() };
    cursors.set(db, cursor);
  }

  const newRows = statement(db, `SELECT day, pool, priority, cost_micros AS total FROM cost_ledger WHERE rowid > ? AND paid = 1`).all(cursor.lastRowid) as (SumRow & { day: string })[];
  for (const row of newRows) {
    const totals = cursor.days.get(row.day);
    if (totals) addTo(totals, row);
  }
  const last = statement(db, 'SELECT rowid, id FROM cost_ledger ORDER BY rowid DESC LIMIT 1').get() as { rowid: number; id: string } | undefined;
  cursor.lastRowid = last?.rowid ?? 0;
  cursor.lastId = last?.id ?? null;

  let totals = cursor.days.get(day);
  if (!totals) {
    totals = emptyTotals();
    const rows = statement(db, `SELECT pool, priority, sum(cost_micros) AS total FROM cost_ledger WHERE day = ? AND paid = 1 AND rowid <= ? GROUP BY pool, priority`).all(day, cursor.lastRowid) as SumRow[];
    for (const row of rows) addTo(totals, row);
    cursor.days.set(day, totals);
    if (cursor.days.size > MAX_CACHED_DAYS) cursor.days.delete([...cursor.days.keys()].sort()[0]!);
  }
  return totals;
}

export function readDayUsage(db: Db, day: string, nowIso: string): DayUsage {
  const read = (): DayUsage => {
    const usage: DayUsage = { daily: emptyPool(), emergency: emptyPool() };
    const committed = committedTotals(db, day);
    for (const name of ['daily', 'emergency'] as const) {
      const pool = usage[name];
      pool.committed = committed[name].total;
      for (const priority of ['high', 'medium', 'low'] as const) pool.byPriority[priority].committed = committed[name][priority];
    }
    const reserved = statement(
      db,
      `SELECT pool, priority, sum(amount_micros) AS total
         FROM budget_reservations WHERE day = ? AND state = 'open' AND expires_at > ? GROUP BY pool, priority`,
    ).all(day, nowIso) as SumRow[];
    for (const row of reserved) {
      const pool = usage[row.pool === 'emergency' ? 'emergency' : 'daily'];
      const amount = checkedTotal(row.total);
      pool.reserved += amount;
      if (row.priority === 'high' || row.priority === 'medium' || row.priority === 'low') pool.byPriority[row.priority].reserved += amount;
    }
    return usage;
  };
  // A read transaction is one WAL snapshot, so the cursor and the totals cannot miss a row.
  return db.inTransaction ? read() : db.transaction(read)();
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
