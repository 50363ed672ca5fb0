import { z } from 'zod';
import { MAX_MICROS, micros, mulRatio, type Micros } from '../money';
import { nowIso, statement, type Db } from '../store/database';
import { parseInput, parseRow } from '../store/errors';
import { budgetDayBounds } from './budget-day';
import {
  spendDaySchema,
  spendReportQuerySchema,
  type SpendFigures,
  type SpendGrouping,
  type SpendReport,
  type SpendReportQuery,
  type SpendSummary,
} from './spend-schemas';

/**
 * Spend reports, derived from the cost ledger only (plus open reservations for "reserved").
 *
 *   spendReport(db, { since?, until?, by })                      → SpendReport (rows + totals)
 *   spendSummary(db, { day, timeZone, limitMicros, now? })      → SpendSummary (one budget day)
 *   projectEndOfDay(spent, day, timeZone, now)                    → Micros
 *
 * Definitions (the same in the UI, the CLI and the API):
 * - an attempt is a ledger row that is not a correction; a paid call is a paid attempt that was
 *   actually made (not refused for budget);
 * - a result is an attempt whose outcome is 'hit' (a local fallback is not counted: it is
 *   low-confidence by design);
 * - free-source rate = results served by a free source or the cache ÷ all results;
 *   cache-hit rate = results served by the cache ÷ all results (both null with no result yet);
 * - savings = Σ list_price_micros − Σ cost_micros: what paying for every call would have cost at
 *   the prices configured when each attempt was recorded, minus what was actually paid.
 * Money is integer micro-dollars throughout; rates are numbers from 0 to 1.
 */

export * from './spend-schemas';

const count = z.number().int().nonnegative();

// Note: SQLite's sum() stays integral (it raises on overflow rather than going to floats), so money
// sums are exact; coalesce turns the NULL of an empty group into 0.
function figureColumns(table: string): string {
  const c = (column: string) => `${table}.${column}`;
  return `
  coalesce(sum(${c('outcome')} <> 'correction'), 0) AS attempts,
  coalesce(sum(${c('paid')} = 1 AND ${c('outcome')} NOT IN ('refused', 'correction')), 0) AS paid_calls,
  coalesce(sum(${c('cost_micros')}), 0) AS cost_micros,
  coalesce(sum(${c('cache_hit')} = 1 AND ${c('outcome')} <> 'correction'), 0) AS cache_hits,
  coalesce(sum(${c('outcome')} = 'hit'), 0) AS results,
  coalesce(sum(${c('outcome')} = 'hit' AND ${c('paid')} = 0 AND ${c('cache_hit')} = 0), 0) AS free_results,
  coalesce(sum(${c('outcome')} = 'hit' AND ${c('cache_hit')} = 1), 0) AS cache_results,
  coalesce(sum(${c('list_price_micros')}), 0) AS list_price_micros`;
}
const FIGURES = figureColumns('l');

const figureRowSchema = z.object({
  attempts: count,
  paid_calls: count,
  cost_micros: z.number().int(),
  cache_hits: count,
  results: count,
  free_results: count,
  cache_results: count,
  list_price_micros: z.number().int().nonnegative(),
});

const reportRowSchema = figureRowSchema.extend({ key: z.string().nullable(), label: z.string().nullable() });

function toFigures(row: z.infer<typeof figureRowSchema>): SpendFigures {
  const cost = micros(row.cost_micros);
  const listPrice = micros(row.list_price_micros);
  return {
    attempts: row.attempts,
    paidCalls: row.paid_calls,
    costMicros: cost,
    cacheHits: row.cache_hits,
    results: row.results,
    freeResults: row.free_results,
    cacheResults: row.cache_results,
    listPriceMicros: listPrice,
    savingsMicros: micros(listPrice - cost),
    freeSourceRate: row.results === 0 ? null : (row.free_results + row.cache_results) / row.results,
    cacheHitRate: row.results === 0 ? null : row.cache_results / row.results,
  };
}

const GROUP_KEYS: Record<SpendGrouping, { key: string; label: string; join: string }> = {
  day: { key: 'l.day', label: 'l.day', join: '' },
  service: { key: 'l.service', label: 'l.service', join: '' },
  source: { key: 'l.source', label: 'l.source', join: '' },
  territory: {
    key: 'l.territory_id',
    label: "coalesce(t.name, l.territory_id, '(no territory)')",
    join: 'LEFT JOIN territories t ON t.id = l.territory_id',
  },
  batch: { key: 'l.batch_id', label: "coalesce(l.batch_id, '(no batch)')", join: '' },
};

/** Ledger figures grouped by day, service, source, territory or batch, within optional days. */
export function spendReport(db: Db, query: SpendReportQuery): SpendReport {
  const valid = parseInput(spendReportQuerySchema, query, 'spend report query');
  const group = GROUP_KEYS[valid.by];
  const since = valid.since ?? null;
  const until = valid.until ?? null;
  const where = 'WHERE (@since IS NULL OR l.day >= @since) AND (@until IS NULL OR l.day <= @until)';
  const rows = statement(
    db,
    `SELECT ${group.key} AS key, ${group.label} AS label, ${FIGURES}
       FROM cost_ledger l ${group.join} ${where}
      GROUP BY ${group.key}
      ORDER BY ${valid.by === 'day' ? 'key' : 'cost_micros DESC, attempts DESC, key'}`,
  )
    .all({ since, until })
    .map((row) => parseRow(reportRowSchema, row, 'spend report'));
  const totals = statement(db, `SELECT ${FIGURES} FROM cost_ledger l ${where}`).get({ since, until });
  return {
    by: valid.by,
    since,
    until,
    rows: rows.map((row) => ({ key: row.key, label: row.label ?? row.key ?? '', ...toFigures(row) })),
    totals: toFigures(parseRow(figureRowSchema, totals, 'spend report')),
  };
}

export interface SpendSummaryInput {
  day: string;
  timeZone: string;
  /** The day's limit (daily, plus emergency when open), from the budget settings. */
  limitMicros: Micros;
  /** Defaults to the clock; the projection is made as of this instant. */
  now?: Date;
}

/** One budget day at a glance: spent, reserved, remaining, rates, savings and the projection. */
export function spendSummary(db: Db, input: SpendSummaryInput): SpendSummary {
  const day = parseInput(spendDaySchema, input.day, 'day');
  const now = input.now ?? new Date();
  const figures = toFigures(
    parseRow(figureRowSchema, statement(db, `SELECT ${FIGURES} FROM cost_ledger l WHERE l.day = ?`).get(day), 'spend summary'),
  );
  const reserved = micros(
    statement(
      db,
      "SELECT coalesce(sum(amount_micros), 0) FROM budget_reservations WHERE state = 'open' AND day = ? AND expires_at > ?",
    )
      .pluck()
      .get(day, now.toISOString()) as number,
  );
  const spent = figures.costMicros;
  const limit = input.limitMicros;
  const window = dayWindow(day, input.timeZone);
  return {
    ...figures,
    day,
    timeZone: input.timeZone,
    asOf: input.now ? now.toISOString() : nowIso(),
    spentMicros: spent,
    reservedMicros: reserved,
    limitMicros: limit,
    remainingMicros: micros(Math.max(0, limit - spent - reserved)),
    utilisation: limit > 0 ? Math.max(0, spent) / limit : spent > 0 ? 1 : 0,
    elapsedShare: elapsedShare(window, now.getTime()),
    projectedMicros: projectEndOfDay(spent, day, input.timeZone, now),
  };
}

/**
 * The day's total if spending goes on at the pace so far: spent ÷ elapsed share of the budget day
 * (its real length in its time zone, so 23 or 25 hours across a DST change). Never below what is
 * already spent. Note: the elapsed share is floored at one hour, so a first call at 00:05 does
 * not project 288 times its cost; a day that is over projects exactly what it spent.
 */
export function projectEndOfDay(spent: Micros, day: string, timeZone: string, now: Date): Micros {
  if (spent <= 0) return spent;
  const window = dayWindow(day, timeZone);
  const length = window.endMs - window.startMs;
  const at = now.getTime();
  if (at >= window.endMs) return spent;
  const elapsed = Math.max(at - window.startMs, Math.round(length / 24));
  const projected = mulRatio(spent, length, elapsed, 'nearest');
  return micros(Math.min(MAX_MICROS, Math.max(spent, projected)));
}

function dayWindow(day: string, timeZone: string): { startMs: number; endMs: number } {
  const { start, end } = budgetDayBounds(day, timeZone);
  return { startMs: start.getTime(), endMs: end.getTime() };
}

function elapsedShare(window: { startMs: number; endMs: number }, at: number): number {
  const length = window.endMs - window.startMs;
  return Math.min(1, Math.max(0, (at - window.startMs) / length));
}
