import { z } from 'zod';
import { MAX_MICROS, formatUsd, type Micros } from '../money';
import { appendAudit, parseRow, StoreError, writeTransaction, type Db } from '../store';
import { nowIso, statement } from '../store/database';
import { describeZodError } from '../rpc/protocol';
import { isValidTimeZone } from './budget-day';
import type { BudgetSettings, VersionedBudgetSettings } from './budget-schemas';

/**
 * Budget settings: how much may be spent a day and how it is shared. Versioned: each change is a
 * new row of `budget_settings` (the highest version is in force) plus an audit entry, so a
 * manager can always see who raised a limit and when.
 *
 *   DEFAULT_BUDGET_SETTINGS                      daily $10, emergency $50, per call $1, per request $5,
 *                                                shares 60/30/10, the machine's time zone, TTL 120 s
 *   getBudgetSettings(db)                        → settings in force + version (0 = defaults, never saved)
 *   updateBudgetSettings(db, patch, actor)       → the new settings + version (StoreError 'invalid-input')
 *   budgetSettingsSchema / budgetSettingsPatchSchema   zod, with messages a manager can act on
 *
 * Semantics:
 * - Every amount is whole micro-dollars from 0 (nothing paid runs) to $1,000,000,000.
 * - Priority shares are whole percentages summing to 100 and are HARD partitions of the daily
 *   pool: low-priority work can never eat the money set aside for high priority.
 * - reservationTtlMs is how long a reservation survives without its holder renewing it; a holder
 *   that dies frees its money after at most this long.
 */

export type Priority = 'high' | 'medium' | 'low';
export const PRIORITIES: readonly Priority[] = ['high', 'medium', 'low'];
export const prioritySchema = z.enum(['high', 'medium', 'low'], { message: 'must be high, medium or low' });

export const ALERT_THRESHOLDS_PERCENT = [50, 80, 100] as const;

export const MIN_RESERVATION_TTL_MS = 1_000;
export const MAX_RESERVATION_TTL_MS = 24 * 3_600_000;

function machineTimeZone(): string {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone && isValidTimeZone(zone) ? zone : 'UTC';
  } catch {
    return 'UTC';
  }
}

export const DEFAULT_BUDGET_SETTINGS: BudgetSettings = Object.freeze({
  dailyMicros: 10_000_000 as Micros,
  emergencyMicros: 50_000_000 as Micros,
  perCallCapMicros: 1_000_000 as Micros,
  perRequestCapMicros: 5_000_000 as Micros,
  prioritySharesPercent: Object.freeze({ high: 60, medium: 30, low: 10 }),
  timeZone: machineTimeZone(),
  reservationTtlMs: 120_000,
  alertThresholdsPercent: ALERT_THRESHOLDS_PERCENT,
});

/** A budget amount in micro-dollars, named in its messages ("daily budget must be …"). */
export function budgetAmountSchema(label: string) {
  return z
    .number({ message: `${label} must be a number of micro-dollars` })
    .refine((n) => Number.isFinite(n), `${label} must be a finite amount`)
    .refine((n) => Number.isInteger(n), `${label} must be a whole number of micro-dollars (1 USD = 1,000,000)`)
    .refine((n) => n >= 0, `${label} cannot be negative`)
    .refine((n) => n <= MAX_MICROS, `${label} cannot be more than ${formatUsd(MAX_MICROS as Micros)}`)
    .transform((n) => n as Micros);
}

const shareSchema = (priority: Priority) =>
  z
    .number({ message: `the ${priority}-priority share must be a number` })
    .int(`the ${priority}-priority share must be a whole percentage`)
    .min(0, `the ${priority}-priority share cannot be negative`)
    .max(100, `the ${priority}-priority share cannot exceed 100%`);

const sharesSchema = z
  .object({ high: shareSchema('high'), medium: shareSchema('medium'), low: shareSchema('low') }, { message: 'priority shares must give high, medium and low' })
  .strict()
  .refine((s) => s.high + s.medium + s.low === 100, {
    message: 'priority shares must add up to 100%',
  });

const timeZoneSchema = z
  .string({ message: 'time zone must be a name like America/Chicago' })
  .trim()
  .refine(isValidTimeZone, { error: (issue) => `"${String(issue.input)}" is not a time zone this system knows; use an IANA name like America/Chicago or UTC` });

const settingsShape = {
  dailyMicros: budgetAmountSchema('daily budget'),
  emergencyMicros: budgetAmountSchema('emergency budget'),
  perCallCapMicros: budgetAmountSchema('per-call cap'),
  perRequestCapMicros: budgetAmountSchema('per-request cap'),
  prioritySharesPercent: sharesSchema,
  timeZone: timeZoneSchema,
  reservationTtlMs: z
    .number({ message: 'reservation timeout must be a number of milliseconds' })
    .int('reservation timeout must be whole milliseconds')
    .min(MIN_RESERVATION_TTL_MS, 'reservation timeout must be at least 1 second')
    .max(MAX_RESERVATION_TTL_MS, 'reservation timeout must be at most 24 hours'),
  alertThresholdsPercent: z.custom<readonly [50, 80, 100]>(
    (value) => Array.isArray(value) && value.length === 3 && value.every((n, i) => n === ALERT_THRESHOLDS_PERCENT[i]),
    'alert thresholds are fixed at 50, 80 and 100%',
  ),
};

export const budgetSettingsSchema = z.object(settingsShape).strict();
export const budgetSettingsPatchSchema = z.object(settingsShape).partial().strict();

const settingsRowSchema = z.object({
  version: z.number().int().positive(),
  settings: z.string(),
});

// Parsed once per version per connection: every reservation reads the settings.
const settingsCache = new WeakMap<Db, VersionedBudgetSettings>();

export function getBudgetSettings(db: Db): VersionedBudgetSettings {
  const latest = statement(db, 'SELECT max(version) FROM budget_settings').pluck().get();
  if (latest === null || latest === undefined) return copySettings({ ...DEFAULT_BUDGET_SETTINGS, version: 0 });
  const cached = settingsCache.get(db);
  if (cached && cached.version === latest) return copySettings(cached);

  const { version, settings } = parseRow(settingsRowSchema, statement(db, 'SELECT version, settings FROM budget_settings WHERE version = ?').get(latest), 'budget settings');
  let stored: unknown;
  try {
    stored = JSON.parse(settings);
  } catch {
    throw new StoreError('invalid-row', `Budget settings version ${version} is not valid JSON; the database may have been edited by another tool.`);
  }
  // Note: fields added in later versions of the app fall back to their defaults.
  const merged = parseRow(budgetSettingsSchema, { ...DEFAULT_BUDGET_SETTINGS, ...(stored as object) }, 'budget settings');
  const result = { ...merged, version };
  settingsCache.set(db, result);
  return copySettings(result);
}

function copySettings(settings: VersionedBudgetSettings): VersionedBudgetSettings {
  return { ...settings, prioritySharesPercent: { ...settings.prioritySharesPercent } };
}

export function updateBudgetSettings(db: Db, patch: Partial<BudgetSettings>, actor: string): VersionedBudgetSettings {
  const validPatch = budgetSettingsPatchSchema.safeParse(patch);
  if (!validPatch.success) throw new StoreError('invalid-input', `The budget settings are not valid: ${describeZodError(validPatch.error)}.`);
  const who = z.string().trim().min(1).max(200).safeParse(actor);
  if (!who.success) throw new StoreError('invalid-input', 'Say who is changing the budget settings (a name of 1 to 200 characters).');

  return writeTransaction(db, () => {
    const current = getBudgetSettings(db);
    const { version: previousVersion, ...previous } = current;
    const next = budgetSettingsSchema.safeParse({ ...previous, ...validPatch.data });
    if (!next.success) throw new StoreError('invalid-input', `The budget settings are not valid: ${describeZodError(next.error)}.`);
    const at = nowIso();
    const version = Number(
      statement(db, 'INSERT INTO budget_settings (at, actor, settings) VALUES (?, ?, ?)').run(at, who.data, JSON.stringify(next.data)).lastInsertRowid,
    );
    const changed = Object.fromEntries(
      Object.entries(validPatch.data).filter(([key, value]) => JSON.stringify(previous[key as keyof BudgetSettings]) !== JSON.stringify(value)),
    );
    appendAudit(db, {
      actor: who.data,
      action: 'budget.settings.update',
      details: {
        version,
        previousVersion,
        changed,
        previous: Object.fromEntries(Object.keys(changed).map((key) => [key, previous[key as keyof BudgetSettings]])),
      },
    });
    return { ...next.data, version };
  });
}
