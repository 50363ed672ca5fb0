import { z } from 'zod';
import { microsSchema } from '../money';

/**
 * The shapes of budget status, budget settings, an emergency opening and the price table, as
 * the cost modules return them and as they cross RPC. Browser-safe (zod and money only): the
 * renderer, the preload and the orchestrator contract import them, while the modules that read
 * and write them (budget-status.ts, budget-settings.ts, emergency.ts, prices.ts) need the store.
 *
 * These check shape, not business rules: the rules and their messages (shares adding up to 100,
 * a time zone this machine knows, prices of at most $1,000,000,000) live with the writers in
 * budget-settings.ts and prices.ts, and run before anything is stored.
 */

const amount = z.number().int();

export const budgetFiguresSchema = z.object({
  limitMicros: amount,
  committedMicros: amount,
  reservedMicros: amount,
  remainingMicros: amount,
});
export type BudgetFigures = z.infer<typeof budgetFiguresSchema>;

const priorityFiguresSchema = budgetFiguresSchema.extend({ sharePercent: z.number().int() });

/** budgetStatus(db): remaining = max(0, limit − committed − reserved); see budget-status.ts. */
export const budgetStatusSchema = z.object({
  at: z.string(),
  day: z.string(),
  timeZone: z.string(),
  settingsVersion: z.number().int().min(0),
  perCallCapMicros: amount,
  perRequestCapMicros: amount,
  total: budgetFiguresSchema,
  daily: budgetFiguresSchema,
  priorities: z.object({ high: priorityFiguresSchema, medium: priorityFiguresSchema, low: priorityFiguresSchema }),
  emergency: budgetFiguresSchema.extend({
    open: z.boolean(),
    /** The emergency budget a manager would open now (settings), or the one opened today. */
    configuredMicros: amount,
    openedAt: z.string().nullable(),
    openedBy: z.string().nullable(),
    reason: z.string().nullable(),
  }),
});
export type BudgetStatus = z.infer<typeof budgetStatusSchema>;

export const budgetSettingsViewSchema = z.object({
  dailyMicros: microsSchema,
  emergencyMicros: microsSchema,
  perCallCapMicros: microsSchema,
  perRequestCapMicros: microsSchema,
  /** Whole percentages summing to 100; hard partitions of the daily pool. */
  prioritySharesPercent: z.object({ high: z.number().int(), medium: z.number().int(), low: z.number().int() }),
  /** IANA zone whose midnight starts a new budget day. */
  timeZone: z.string(),
  reservationTtlMs: z.number().int(),
  alertThresholdsPercent: z.tuple([z.literal(50), z.literal(80), z.literal(100)]).readonly(),
});
export type BudgetSettings = z.infer<typeof budgetSettingsViewSchema>;

/** The settings in force; version 0 means the defaults, never saved. */
export const versionedBudgetSettingsSchema = budgetSettingsViewSchema.extend({ version: z.number().int().min(0) });
export type VersionedBudgetSettings = z.infer<typeof versionedBudgetSettingsSchema>;

export const emergencyOpeningSchema = z.object({
  day: z.string(),
  openedAt: z.string(),
  actor: z.string(),
  reason: z.string(),
  amountMicros: microsSchema,
  /** True when the day's emergency budget was already open and nothing new was recorded. */
  alreadyOpen: z.boolean(),
});
export type EmergencyOpening = z.infer<typeof emergencyOpeningSchema>;

export const priceEntryViewSchema = z.object({
  source: z.string(),
  /** An operation name, or '*' for every operation of the source without its own entry. */
  operation: z.string(),
  micros: microsSchema,
  /** What one `micros` buys, e.g. 'request'. */
  unit: z.string(),
  note: z.string().optional(),
});
export type PriceEntry = z.infer<typeof priceEntryViewSchema>;

/** getPriceTable(db): version 0 means the published defaults. */
export const priceTableViewSchema = z.object({ version: z.number().int().min(0), prices: z.array(priceEntryViewSchema) });
export type PriceTableView = z.infer<typeof priceTableViewSchema>;
