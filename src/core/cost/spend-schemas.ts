import { z } from 'zod';
import { microsSchema } from '../money';
import { isBudgetDay } from './budget-day';

/**
 * The shapes of spend reports, summaries and budget alerts, as they cross RPC and the CLI.
 * Browser-safe (zod and pure helpers only): the renderer, the preload and the orchestrator
 * contract import them. The semantics of each figure are documented in spend.ts and alerts.ts.
 */

const count = z.number().int().nonnegative();

export const SPEND_GROUPINGS = ['day', 'service', 'source', 'territory', 'batch'] as const;
export type SpendGrouping = (typeof SPEND_GROUPINGS)[number];

/** A budget day, `YYYY-MM-DD`, that exists on the calendar. */
export const spendDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'write the day as YYYY-MM-DD, e.g. 2025-06-01')
  .refine(isBudgetDay, 'that day does not exist on the calendar');

export const spendReportQuerySchema = z
  .object({
    since: spendDaySchema.optional(),
    until: spendDaySchema.optional(),
    by: z.enum(SPEND_GROUPINGS),
  })
  .refine((q) => !q.since || !q.until || q.since <= q.until, { message: 'since must not be after until', path: ['since'] });
export type SpendReportQuery = z.input<typeof spendReportQuerySchema>;

/** Ledger figures of one group of rows (or of all of them, as totals). */
export const spendFiguresSchema = z.object({
  attempts: count,
  paidCalls: count,
  costMicros: microsSchema,
  cacheHits: count,
  results: count,
  freeResults: count,
  cacheResults: count,
  listPriceMicros: microsSchema,
  savingsMicros: microsSchema,
  freeSourceRate: z.number().min(0).max(1).nullable(),
  cacheHitRate: z.number().min(0).max(1).nullable(),
});
export type SpendFigures = z.infer<typeof spendFiguresSchema>;

export const spendReportRowSchema = spendFiguresSchema.extend({
  /** The day, service, source, territory id or batch id; null for rows with no territory/batch. */
  key: z.string().nullable(),
  /** What a person reads: the territory's name, "(no batch)", or the key itself. */
  label: z.string(),
});
export type SpendReportRow = z.infer<typeof spendReportRowSchema>;

export const spendReportSchema = z.object({
  by: z.enum(SPEND_GROUPINGS),
  since: spendDaySchema.nullable(),
  until: spendDaySchema.nullable(),
  rows: z.array(spendReportRowSchema),
  totals: spendFiguresSchema,
});
export type SpendReport = z.infer<typeof spendReportSchema>;

export const spendSummarySchema = spendFiguresSchema.extend({
  day: spendDaySchema,
  timeZone: z.string(),
  asOf: z.string(),
  /** Σ cost_micros of the day's ledger rows (corrections included). */
  spentMicros: microsSchema,
  /** Open, unexpired reservations of the day: money set aside for calls in flight. */
  reservedMicros: microsSchema,
  /** The day's limit: daily budget, plus the emergency budget when it was opened. */
  limitMicros: microsSchema,
  remainingMicros: microsSchema,
  /** spent ÷ limit; above 1 only when a limit was lowered below what was already spent. */
  utilisation: z.number().nonnegative(),
  /** Share of the budget day gone by at `asOf` (1 for a day that is over). */
  elapsedShare: z.number().min(0).max(1),
  projectedMicros: microsSchema,
});
export type SpendSummary = z.infer<typeof spendSummarySchema>;

/* Budget alerts (alerts.ts) */

export const budgetPoolSchema = z.enum(['daily', 'emergency']);
export type BudgetPool = z.infer<typeof budgetPoolSchema>;
export const alertThresholdSchema = z.union([z.literal(50), z.literal(80), z.literal(100)]);
export type AlertThreshold = z.infer<typeof alertThresholdSchema>;

export const budgetAlertSchema = z.object({
  day: spendDaySchema,
  pool: budgetPoolSchema,
  thresholdPercent: alertThresholdSchema,
  at: z.string(),
  spentMicros: microsSchema,
  limitMicros: microsSchema,
  message: z.string(),
});
export type BudgetAlert = z.infer<typeof budgetAlertSchema>;

export const listAlertsQuerySchema = z.object({
  day: spendDaySchema.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
