import { z } from 'zod';
import type { Micros } from '../money';
import { describeZodError } from '../rpc/protocol';
import { appendAudit, parseRow, StoreError, writeTransaction, type Db } from '../store';
import { statement } from '../store/database';
import { budgetDay } from './budget-day';
import type { EmergencyOpening } from './budget-schemas';
import { getBudgetSettings } from './budget-settings';

/**
 * The emergency budget: extra money for one budget day, usable only after a manager opens it.
 *
 *   openEmergencyBudget(db, { actor, reason }, now?) → EmergencyOpening (alreadyOpen: true when
 *                                                      today's was opened before: idempotent)
 *   getEmergencyOpening(db, day)                     → EmergencyOpening | null
 *
 * Semantics: the opening is recorded in `budget_emergency` (one row per day) and in the audit log,
 * in one transaction. Its amount is the settings' emergency budget at the moment of opening, so
 * a later settings change does not resize a pool already in use. It covers only the budget day it
 * was opened on (settings' time zone); tomorrow starts closed again.
 */

const openingRowSchema = z
  .object({
    day: z.string(),
    opened_at: z.string(),
    actor: z.string(),
    reason: z.string(),
    amount_micros: z.number().int().min(0),
  })
  .transform((row) => ({
    day: row.day,
    openedAt: row.opened_at,
    actor: row.actor,
    reason: row.reason,
    amountMicros: row.amount_micros as Micros,
  }));

export const openEmergencyInputSchema = z.object({
  actor: z.string({ message: 'say who opens the emergency budget' }).trim().min(1, 'say who opens the emergency budget').max(200, 'the name must be at most 200 characters'),
  reason: z
    .string({ message: 'give a reason for opening the emergency budget' })
    .trim()
    .min(3, 'give a reason for opening the emergency budget (at least 3 characters)')
    .max(1_000, 'keep the reason under 1,000 characters'),
});

export function getEmergencyOpening(db: Db, day: string): Omit<EmergencyOpening, 'alreadyOpen'> | null {
  const row = statement(db, 'SELECT * FROM budget_emergency WHERE day = ?').get(day);
  return row === undefined ? null : parseRow(openingRowSchema, row, 'emergency budget opening');
}

export function openEmergencyBudget(db: Db, input: { actor: string; reason: string }, now: Date = new Date()): EmergencyOpening {
  const parsed = openEmergencyInputSchema.safeParse(input);
  if (!parsed.success) throw new StoreError('invalid-input', `Cannot open the emergency budget: ${describeZodError(parsed.error)}.`);
  const { actor, reason } = parsed.data;
  return writeTransaction(db, () => {
    const settings = getBudgetSettings(db);
    const day = budgetDay(now, settings.timeZone);
    const existing = getEmergencyOpening(db, day);
    if (existing) return { ...existing, alreadyOpen: true };
    const openedAt = now.toISOString();
    statement(db, 'INSERT INTO budget_emergency (day, opened_at, actor, reason, amount_micros) VALUES (?, ?, ?, ?, ?)').run(
      day,
      openedAt,
      actor,
      reason,
      settings.emergencyMicros,
    );
    appendAudit(db, {
      actor,
      action: 'budget.emergency.open',
      details: { day, reason, amountMicros: settings.emergencyMicros, timeZone: settings.timeZone, settingsVersion: settings.version },
    });
    return { day, openedAt, actor, reason, amountMicros: settings.emergencyMicros, alreadyOpen: false };
  });
}
