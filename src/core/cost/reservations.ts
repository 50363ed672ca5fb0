import { z } from 'zod';
import { newId } from '../ids';
import { formatUsd, MAX_MICROS, mulRatio, type Micros } from '../money';
import { appendAudit, parseRow, writeTransaction, type Db } from '../store';
import { statement } from '../store/database';
import { budgetDay } from './budget-day';
import { getBudgetSettings, MAX_RESERVATION_TTL_MS, prioritySchema, type Priority } from './budget-settings';
import { readDayUsage, readRequestUsage } from './budget-usage';
import { getEmergencyOpening } from './emergency';
import { writeLedgerRow, type LedgerEntry, type LedgerEntryInput, type LedgerPool } from './ledger';

/**
 * Budget reservations: money set aside for a paid call BEFORE it is made.
 *
 *   reserveBudget(db, request, now?)             → { granted: true, reservation } | { granted: false, refusal }
 *   commitReservation(db, id, { costMicros, ledger }, now?) → { entry, cappedFromMicros }  (BudgetError)
 *   releaseReservation(db, id, reason, now?)     → void (the call was not made or cost nothing)
 *   renewReservation(db, id, ttlMs?, now?)       → true while still open (a long call keeps its money)
 *   expireOrphanedReservations(db, now?)         → how many open reservations passed their expiry
 *
 * Guarantees:
 * - The whole check-and-insert runs in ONE write transaction (BEGIN IMMEDIATE), so it is atomic
 *   across every process sharing the database: for the reservation's budget day,
 *   committed + open + new ≤ the pool limit, ≤ the priority's share of the daily pool (shares are
 *   hard partitions), and new ≤ the per-call cap, and the request's committed + open + new ≤ the
 *   per-request cap. Checks run in that order of cause: per-call, per-request, daily, share.
 * - When the daily pool (or the priority's share of it) refuses and a manager has opened the
 *   day's emergency budget, the reservation is taken from the emergency pool instead (no
 *   priority split there); if that is too small too, the refusal is 'emergency-limit'.
 * - Open reservations past expires_at are marked 'expired' in the same transaction, so a holder
 *   that died frees its money after its TTL. A holder whose call may outlast the TTL calls
 *   renewReservation before it runs out; a commit after expiry is refused (the money may already
 *   be spent by someone else), so the caller records the attempt as an error and a manager may
 *   add a ledger correction.
 * - Fail closed: if the budget state cannot be read or written (closed connection, missing table,
 *   corrupt settings, lock timeout), reserveBudget returns 'budget-unreadable' and nothing paid
 *   may run. It never throws for budget reasons.
 * - A commit writes the ledger row (paid) and the state change in one transaction. An actual cost
 *   above the reservation is CAPPED at the reserved amount (recorded in the audit log and returned
 *   as cappedFromMicros): the limit holds even when a provider's bill surprises us.
 * - The committed ledger row belongs to the reservation's day, even when committed after midnight.
 */

export type BudgetRefusalKind =
  | 'invalid-amount'
  | 'invalid-request' // a field other than the amount is malformed (service, priority, ttl…)
  | 'per-call-cap'
  | 'per-request-cap'
  | 'priority-share'
  | 'daily-limit'
  | 'emergency-limit' // the daily pool refused and the opened emergency pool is too small too
  | 'budget-unreadable';

export interface BudgetRefusal {
  kind: BudgetRefusalKind;
  message: string;
  limitMicros: number | null;
  availableMicros: number | null;
}

export interface ReserveRequest {
  service: string;
  source: string;
  operation: string;
  amountMicros: Micros | number;
  /** Default 'medium'. */
  priority?: Priority;
  requestId?: string | null;
  /** Who holds it, for diagnosis (default: this process). */
  holder?: string;
  /** Overrides the settings' TTL for this reservation (10 ms to 24 h). */
  ttlMs?: number;
}

export type ReservationState = 'open' | 'committed' | 'released' | 'expired';

export interface Reservation {
  id: string;
  day: string;
  pool: LedgerPool;
  amountMicros: Micros;
  priority: Priority;
  expiresAt: string;
  createdAt: string;
  service: string;
  source: string;
  operation: string;
  requestId: string | null;
  holder: string;
  state: ReservationState;
  settledAt: string | null;
  committedMicros: Micros | null;
  ledgerId: string | null;
}

export type ReserveResult = { granted: true; reservation: Reservation } | { granted: false; refusal: BudgetRefusal };

export type BudgetErrorKind = 'invalid-amount' | 'invalid-input' | 'reservation-not-found' | 'reservation-settled' | 'reservation-expired';

/** A commit, release or renewal that cannot be done, with a message the caller can act on. */
export class BudgetError extends Error {
  readonly kind: BudgetErrorKind;
  constructor(kind: BudgetErrorKind, message: string) {
    super(message);
    this.name = 'BudgetError';
    this.kind = kind;
  }
}

export const MIN_REQUEST_TTL_MS = 10;

const reservationRowSchema = z
  .object({
    id: z.string(),
    day: z.string(),
    service: z.string(),
    source: z.string(),
    operation: z.string(),
    priority: prioritySchema,
    pool: z.enum(['daily', 'emergency']),
    request_id: z.string().nullable(),
    amount_micros: z.number().int().positive(),
    holder: z.string(),
    state: z.enum(['open', 'committed', 'released', 'expired']),
    created_at: z.string(),
    expires_at: z.string(),
    settled_at: z.string().nullable(),
    committed_micros: z.number().int().min(0).nullable(),
    ledger_id: z.string().nullable(),
  })
  .transform(
    (row): Reservation => ({
      id: row.id,
      day: row.day,
      pool: row.pool,
      amountMicros: row.amount_micros as Micros,
      priority: row.priority,
      expiresAt: row.expires_at,
      createdAt: row.created_at,
      service: row.service,
      source: row.source,
      operation: row.operation,
      requestId: row.request_id,
      holder: row.holder,
      state: row.state,
      settledAt: row.settled_at,
      committedMicros: row.committed_micros as Micros | null,
      ledgerId: row.ledger_id,
    }),
  );

/** Checks an amount of micro-dollars from any caller; returns a user-facing problem or null. */
export function describeBadAmount(amount: unknown, what = 'The amount'): string | null {
  if (typeof amount !== 'number') return `${what} must be a number of micro-dollars, not ${amount === null ? 'null' : typeof amount} ("${String(amount).slice(0, 40)}").`;
  if (Number.isNaN(amount)) return `${what} is not a number (NaN).`;
  if (!Number.isFinite(amount)) return `${what} is infinite.`;
  if (!Number.isInteger(amount)) return `${what} must be a whole number of micro-dollars (1 USD = 1,000,000), got ${amount}.`;
  if (amount < 0) return `${what} cannot be negative (${amount} micro-dollars).`;
  if (amount > MAX_MICROS) return `${what} is more than ${formatUsd(MAX_MICROS as Micros)}; check it.`;
  return null;
}

const requestSchema = z.object({
  service: z.string().trim().min(1, 'service is missing').max(200),
  source: z.string().trim().min(1, 'source is missing').max(200),
  operation: z.string().trim().min(1, 'operation is missing').max(200),
  priority: prioritySchema.default('medium'),
  requestId: z.string().min(1).max(200).nullish(),
  holder: z.string().trim().min(1).max(200).optional(),
  ttlMs: z.number().int('ttlMs must be whole milliseconds').min(MIN_REQUEST_TTL_MS).max(MAX_RESERVATION_TTL_MS).optional(),
});

function refusal(kind: BudgetRefusalKind, message: string, limitMicros: number | null = null, availableMicros: number | null = null): ReserveResult {
  return { granted: false, refusal: { kind, message, limitMicros, availableMicros } };
}

export function reserveBudget(db: Db, request: ReserveRequest, now: Date = new Date()): ReserveResult {
  const badAmount = describeBadAmount(request?.amountMicros, 'The amount to reserve');
  if (badAmount) return refusal('invalid-amount', badAmount);
  const amount = request.amountMicros as Micros;
  if (amount === 0) return refusal('invalid-amount', 'The amount to reserve must be more than zero; a free call needs no reservation.');
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refusal('invalid-request', `The reservation request is not valid: ${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'malformed'}.`);
  }
  const valid = parsed.data;

  try {
    return writeTransaction(db, () => {
      const nowIso = now.toISOString();
      sweepExpired(db, nowIso);
      const settings = getBudgetSettings(db);
      const day = budgetDay(now, settings.timeZone);

      if (amount > settings.perCallCapMicros) {
        return refusal('per-call-cap', `One call may cost at most ${formatUsd(settings.perCallCapMicros)}; this one needs ${formatUsd(amount)}. Raise the per-call cap in the budget settings.`, settings.perCallCapMicros, settings.perCallCapMicros);
      }
      if (valid.requestId) {
        const used = readRequestUsage(db, valid.requestId, nowIso);
        if (used + amount > settings.perRequestCapMicros) {
          const available = Math.max(0, settings.perRequestCapMicros - used);
          return refusal('per-request-cap', `This request has used or reserved ${formatUsd(used as Micros)} of its ${formatUsd(settings.perRequestCapMicros)} cap; ${formatUsd(available as Micros)} left, this call needs ${formatUsd(amount)}.`, settings.perRequestCapMicros, available);
        }
      }

      const usage = readDayUsage(db, day, nowIso);
      const daily = usage.daily;
      const dailyAvailable = Math.max(0, settings.dailyMicros - daily.committed - daily.reserved);
      const shareLimit = mulRatio(settings.dailyMicros, settings.prioritySharesPercent[valid.priority], 100, 'floor');
      const share = daily.byPriority[valid.priority];
      const shareAvailable = Math.max(0, shareLimit - share.committed - share.reserved);
      let pool: LedgerPool = 'daily';
      let dailyRefusal: ReserveResult | null = null;
      if (amount > dailyAvailable) {
        dailyRefusal = refusal('daily-limit', `Today's budget of ${formatUsd(settings.dailyMicros)} has ${formatUsd(dailyAvailable as Micros)} left (committed ${formatUsd(daily.committed as Micros)}, reserved ${formatUsd(daily.reserved as Micros)}); this call needs ${formatUsd(amount)}. A manager can open the emergency budget or raise the daily budget.`, settings.dailyMicros, dailyAvailable);
      } else if (amount > shareAvailable) {
        dailyRefusal = refusal('priority-share', `${capitalise(valid.priority)}-priority work may spend ${formatUsd(shareLimit)} a day (${settings.prioritySharesPercent[valid.priority]}% of the budget) and has ${formatUsd(shareAvailable as Micros)} left; this call needs ${formatUsd(amount)}.`, shareLimit, shareAvailable);
      }
      if (dailyRefusal) {
        const opening = getEmergencyOpening(db, day);
        if (!opening) return dailyRefusal;
        const emergency = usage.emergency;
        const emergencyAvailable = Math.max(0, opening.amountMicros - emergency.committed - emergency.reserved);
        if (amount > emergencyAvailable) {
          return refusal('emergency-limit', `${dailyRefusal.granted ? '' : dailyRefusal.refusal.message} The emergency budget opened today (${formatUsd(opening.amountMicros)}) has ${formatUsd(emergencyAvailable as Micros)} left too.`, opening.amountMicros, emergencyAvailable);
        }
        pool = 'emergency';
      }

      const ttl = valid.ttlMs ?? settings.reservationTtlMs;
      const id = newId();
      statement(
        db,
        `INSERT INTO budget_reservations (id, day, service, source, operation, priority, pool, request_id, amount_micros, holder, state, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
      ).run(id, day, valid.service, valid.source, valid.operation, valid.priority, pool, valid.requestId ?? null, amount, valid.holder ?? `process ${process.pid}`, nowIso, new Date(now.getTime() + ttl).toISOString());
      return { granted: true, reservation: readReservation(db, id)! };
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return refusal('budget-unreadable', `The budget could not be checked (${reason}), so no paid call may run. Check that the data folder is readable and Fish Mouth is up to date.`);
  }
}

export function getReservation(db: Db, id: string): Reservation | null {
  return readReservation(db, id);
}

function readReservation(db: Db, id: string): Reservation | null {
  const row = statement(db, 'SELECT * FROM budget_reservations WHERE id = ?').get(id);
  return row === undefined ? null : parseRow(reservationRowSchema, row, 'budget reservation');
}

function sweepExpired(db: Db, nowIso: string): number {
  return statement(db, "UPDATE budget_reservations SET state = 'expired', settled_at = ? WHERE state = 'open' AND expires_at <= ?").run(nowIso, nowIso).changes;
}

/** Reads an open reservation for a settle; marks it expired when it ran out (returned, not thrown, so the mark is kept). */
function openReservation(db: Db, id: string, nowIso: string, action: string): Reservation | BudgetError {
  const reservation = readReservation(db, id);
  if (!reservation) return new BudgetError('reservation-not-found', `There is no budget reservation ${id} to ${action}.`);
  if (reservation.state === 'open' && reservation.expiresAt <= nowIso) {
    sweepExpired(db, nowIso);
    return new BudgetError('reservation-expired', `Budget reservation ${id} expired at ${reservation.expiresAt} before it was ${action === 'commit' ? 'committed' : `${action}ed`}; its money went back to the budget. Renew long calls with renewReservation.`);
  }
  if (reservation.state === 'expired') {
    return new BudgetError('reservation-expired', `Budget reservation ${id} expired at ${reservation.expiresAt}; its money went back to the budget. Renew long calls with renewReservation.`);
  }
  if (reservation.state !== 'open') return new BudgetError('reservation-settled', `Budget reservation ${id} was already ${reservation.state}.`);
  return reservation;
}

export type CommitLedgerFields = Omit<LedgerEntryInput, 'service' | 'source' | 'operation' | 'paid' | 'costMicros' | 'priority' | 'pool' | 'reservationId' | 'requestId'>;

export function commitReservation(
  db: Db,
  reservationId: string,
  actual: { costMicros: Micros | number; ledger: CommitLedgerFields },
  now: Date = new Date(),
): { entry: LedgerEntry; cappedFromMicros: number | null } {
  const badAmount = describeBadAmount(actual?.costMicros, 'The actual cost');
  if (badAmount) throw new BudgetError('invalid-amount', badAmount);
  const cost = actual.costMicros as Micros;
  const nowIso = now.toISOString();
  const outcome = writeTransaction(db, () => {
    const reservation = openReservation(db, reservationId, nowIso, 'commit');
    if (reservation instanceof BudgetError) return reservation;
    const charged = Math.min(cost, reservation.amountMicros) as Micros;
    const cappedFromMicros = cost > reservation.amountMicros ? cost : null;
    const entry = writeLedgerRow(
      db,
      {
        ...actual.ledger,
        service: reservation.service,
        source: reservation.source,
        operation: reservation.operation,
        requestId: reservation.requestId,
        reservationId: reservation.id,
        priority: reservation.priority,
        pool: reservation.pool,
        paid: true,
        costMicros: charged,
      },
      { at: now, day: reservation.day, reserved: true },
    );
    statement(db, "UPDATE budget_reservations SET state = 'committed', settled_at = ?, committed_micros = ?, ledger_id = ? WHERE id = ? AND state = 'open'").run(
      nowIso,
      charged,
      entry.id,
      reservation.id,
    );
    if (cappedFromMicros !== null) {
      appendAudit(db, {
        actor: reservation.holder,
        action: 'budget.commit.capped',
        details: {
          reservationId: reservation.id,
          ledgerId: entry.id,
          source: reservation.source,
          operation: reservation.operation,
          reservedMicros: reservation.amountMicros,
          actualMicros: cost,
          excessMicros: cost - reservation.amountMicros,
        },
      });
    }
    return { entry, cappedFromMicros };
  });
  if (outcome instanceof BudgetError) throw outcome;
  return outcome;
}

/**
 * Gives the money back: the call was not made, or failed without a charge. Releasing a
 * reservation that is already settled (committed, released, expired) changes nothing, so a
 * `finally` may always release. Note: the reason is for the caller's log and ledger row (an
 * attempt row with outcome 'error' or 'refused'); the reservations table keeps only the state.
 */
export function releaseReservation(db: Db, reservationId: string, reason: string, now: Date = new Date()): void {
  if (typeof reason !== 'string' || reason.trim() === '') throw new BudgetError('invalid-input', 'Say why the reservation is released.');
  writeTransaction(db, () => {
    const reservation = readReservation(db, reservationId);
    if (!reservation) throw new BudgetError('reservation-not-found', `There is no budget reservation ${reservationId} to release.`);
    statement(db, "UPDATE budget_reservations SET state = 'released', settled_at = ? WHERE id = ? AND state = 'open'").run(now.toISOString(), reservationId);
  });
}

/** Extends an open reservation to now + ttl; false when it is no longer open (or already expired). */
export function renewReservation(db: Db, reservationId: string, ttlMs?: number, now: Date = new Date()): boolean {
  if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < MIN_REQUEST_TTL_MS || ttlMs > MAX_RESERVATION_TTL_MS)) {
    throw new BudgetError('invalid-input', `A reservation timeout must be whole milliseconds from ${MIN_REQUEST_TTL_MS} ms to 24 hours, got ${String(ttlMs)}.`);
  }
  const nowIso = now.toISOString();
  return writeTransaction(db, () => {
    const reservation = openReservation(db, reservationId, nowIso, 'renew');
    if (reservation instanceof BudgetError) {
      if (reservation.kind === 'reservation-not-found') throw reservation;
      return false;
    }
    const ttl = ttlMs ?? getBudgetSettings(db).reservationTtlMs;
    statement(db, "UPDATE budget_reservations SET expires_at = ? WHERE id = ? AND state = 'open'").run(new Date(now.getTime() + ttl).toISOString(), reservationId);
    return true;
  });
}

export function expireOrphanedReservations(db: Db, now: Date = new Date()): number {
  return writeTransaction(db, () => sweepExpired(db, now.toISOString()));
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
