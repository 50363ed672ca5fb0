import { z } from 'zod';
import { hlcSchema } from '../hlc';
import { idSchema } from '../ids';
import { MAX_MICROS, type Micros } from '../money';
import { describeZodError } from '../rpc/protocol';
import { appendAudit, parseRow, StoreError, writeSynced, writeTransaction, type Db, type SyncedTable } from '../store';
import { statement } from '../store/database';
import { budgetDay, isBudgetDay } from './budget-day';
import { budgetAmountSchema, getBudgetSettings, prioritySchema, type Priority } from './budget-settings';
import { priceFor } from './prices';

/**
 * The cost ledger: one row per attempt to get data, free or paid, hit or miss. Append-only (the
 * table's triggers refuse UPDATE and DELETE) and synced; a wrong row is fixed by a correction
 * row that names it. Spend reports, alerts and savings are all derived from these rows.
 *
 *   appendLedger(db, entry, { at? })                          → LedgerEntry (free attempts, misses,
 *                                                                errors, paid calls that cost nothing)
 *   appendLedgerCorrection(db, correctsId, deltaMicros, reason, actor) → the correction row (+ audit)
 *   listLedger(db, { day?, since?, service?, source?, requestId?, limit? }) → newest first
 *
 * Rules:
 * - A row's `day` is its budget day in the settings' time zone at `at`.
 * - A paid row with a cost above zero is written only by commitReservation, so every dollar in
 *   the ledger passed the budget check first; appendLedger refuses one (StoreError 'invalid-input').
 * - listPriceMicros defaults to the price table's price for (source, operation), so a free or
 *   cached answer carries what it would have cost.
 * - A correction row has outcome 'correction', paid = 1, the same day, pool, priority, request and
 *   source as the row it corrects, and cost = the signed delta. A source's committed spend is the
 *   sum of its paid rows including corrections; a correction may not take that row's total below 0.
 */

export type LedgerOutcome = 'hit' | 'miss' | 'error' | 'refused' | 'fallback';
export type LedgerPool = 'daily' | 'emergency';
export const LEDGER_OUTCOMES: readonly LedgerOutcome[] = ['hit', 'miss', 'error', 'refused', 'fallback'];

export interface LedgerEntryInput {
  service: string;
  source: string;
  operation: string;
  requestId?: string | null;
  propertyId?: string | null;
  batchId?: string | null;
  territoryId?: string | null;
  reservationId?: string | null;
  priority?: Priority | null;
  pool?: LedgerPool | null;
  paid: boolean;
  costMicros: Micros;
  listPriceMicros?: Micros;
  cacheHit: boolean;
  latencyMs?: number | null;
  quality?: number | null;
  outcome: LedgerOutcome;
  errorKind?: string | null;
  message?: string | null;
}

export interface LedgerEntry {
  id: string;
  at: string;
  day: string;
  service: string;
  source: string;
  operation: string;
  requestId: string | null;
  propertyId: string | null;
  batchId: string | null;
  territoryId: string | null;
  reservationId: string | null;
  priority: Priority | null;
  pool: LedgerPool | null;
  paid: boolean;
  /** Signed only on corrections. */
  costMicros: Micros;
  listPriceMicros: Micros;
  cacheHit: boolean;
  latencyMs: number | null;
  quality: number | null;
  outcome: LedgerOutcome | 'correction';
  errorKind: string | null;
  message: string | null;
  /** The row this one corrects (outcome 'correction' only). */
  corrects: string | null;
  hlc: string;
  deviceId: string;
}

const nullableText = z.string().nullable();
const ledgerRowSchema = z
  .object({
    id: z.string().uuid(),
    at: z.string(),
    day: z.string(),
    service: z.string(),
    source: z.string(),
    operation: z.string(),
    request_id: nullableText,
    property_id: nullableText,
    batch_id: nullableText,
    territory_id: nullableText,
    reservation_id: nullableText,
    priority: prioritySchema.nullable(),
    pool: z.enum(['daily', 'emergency']).nullable(),
    paid: z.union([z.literal(0), z.literal(1)]),
    cost_micros: z.number().int(),
    list_price_micros: z.number().int().min(0),
    cache_hit: z.union([z.literal(0), z.literal(1)]),
    latency_ms: z.number().int().min(0).nullable(),
    quality: z.number().min(0).max(1).nullable(),
    outcome: z.enum(['hit', 'miss', 'error', 'refused', 'fallback', 'correction']),
    error_kind: nullableText,
    message: nullableText,
    corrects: nullableText,
    hlc: hlcSchema,
    device_id: z.string().min(1),
  })
  .transform(
    (row): LedgerEntry => ({
      id: row.id,
      at: row.at,
      day: row.day,
      service: row.service,
      source: row.source,
      operation: row.operation,
      requestId: row.request_id,
      propertyId: row.property_id,
      batchId: row.batch_id,
      territoryId: row.territory_id,
      reservationId: row.reservation_id,
      priority: row.priority,
      pool: row.pool,
      paid: row.paid === 1,
      costMicros: row.cost_micros as Micros,
      listPriceMicros: row.list_price_micros as Micros,
      cacheHit: row.cache_hit === 1,
      latencyMs: row.latency_ms,
      quality: row.quality,
      outcome: row.outcome,
      errorKind: row.error_kind,
      message: row.message,
      corrects: row.corrects,
      hlc: row.hlc,
      deviceId: row.device_id,
    }),
  );

export const costLedgerTable: SyncedTable<LedgerEntry> = {
  name: 'cost_ledger',
  columns: [
    'at', 'day', 'service', 'source', 'operation', 'request_id', 'property_id', 'batch_id', 'territory_id', 'reservation_id',
    'priority', 'pool', 'paid', 'cost_micros', 'list_price_micros', 'cache_hit', 'latency_ms', 'quality', 'outcome',
    'error_kind', 'message', 'corrects',
  ],
  kind: 'append-only',
  rowSchema: ledgerRowSchema,
  label: 'cost ledger entry',
};

const name = (label: string) => z.string({ message: `${label} must be text` }).trim().min(1, `${label} is missing`).max(200, `${label} must be at most 200 characters`);
const optionalText = (label: string, max: number) => z.string({ message: `${label} must be text` }).max(max, `${label} must be at most ${max} characters`).nullish();

export const ledgerEntryInputSchema = z
  .object({
    service: name('service'),
    source: name('source'),
    operation: name('operation'),
    requestId: optionalText('request id', 200),
    propertyId: optionalText('property id', 200),
    batchId: optionalText('batch id', 200),
    territoryId: optionalText('territory id', 200),
    reservationId: optionalText('reservation id', 200),
    priority: prioritySchema.nullish(),
    pool: z.enum(['daily', 'emergency'], { message: 'pool must be daily or emergency' }).nullish(),
    paid: z.boolean({ message: 'paid must be true or false' }),
    costMicros: budgetAmountSchema('cost'),
    listPriceMicros: budgetAmountSchema('list price').optional(),
    cacheHit: z.boolean({ message: 'cacheHit must be true or false' }),
    latencyMs: z.number({ message: 'latency must be a number' }).int('latency must be whole milliseconds').min(0, 'latency cannot be negative').nullish(),
    quality: z.number({ message: 'quality must be a number' }).min(0, 'quality must be from 0 to 1').max(1, 'quality must be from 0 to 1').nullish(),
    outcome: z.enum(['hit', 'miss', 'error', 'refused', 'fallback'], { message: 'outcome must be hit, miss, error, refused or fallback' }),
    errorKind: optionalText('error kind', 200),
    message: optionalText('message', 2_000),
  })
  .refine((entry) => entry.paid || entry.costMicros === 0, { message: 'a free attempt cannot cost money; mark it paid', path: ['costMicros'] });

/** Internal: what commitReservation and corrections add on top of an ordinary entry. */
export interface LedgerWriteOptions {
  at?: Date;
  /** The day the money was reserved on (a commit after midnight still belongs to that day). */
  day?: string;
  corrects?: string;
  outcome?: 'correction';
  /** Only commitReservation may write a paid row that costs money. */
  reserved?: boolean;
}

export function appendLedger(db: Db, entry: LedgerEntryInput, options: { at?: Date } = {}): LedgerEntry {
  return writeLedgerRow(db, entry, { at: options.at });
}

/** Shared by appendLedger, commitReservation and corrections; not part of the public barrel. */
export function writeLedgerRow(db: Db, entry: LedgerEntryInput, options: LedgerWriteOptions): LedgerEntry {
  const parsed = ledgerEntryInputSchema.safeParse(entry);
  if (!parsed.success) throw new StoreError('invalid-input', `The cost ledger entry is not valid: ${describeZodError(parsed.error)}.`);
  const valid = parsed.data;
  if (valid.paid && valid.costMicros > 0 && !options.reserved) {
    throw new StoreError(
      'invalid-input',
      `A paid call costing money is recorded by committing its budget reservation (commitReservation), so it counts against the budget; ${valid.source} ${valid.operation} was not.`,
    );
  }
  const at = options.at ?? new Date();
  if (!Number.isFinite(at.getTime())) throw new StoreError('invalid-input', 'The cost ledger entry has an invalid time.');
  if (options.day !== undefined && !isBudgetDay(options.day)) throw new StoreError('invalid-input', `"${options.day}" is not a budget day (YYYY-MM-DD).`);

  return writeTransaction(db, () => {
    const day = options.day ?? budgetDay(at, getBudgetSettings(db).timeZone);
    const listPrice = valid.listPriceMicros ?? priceFor(db, valid.source, valid.operation) ?? valid.costMicros;
    return writeSynced(db, costLedgerTable, 'insert', {
      at: at.toISOString(),
      day,
      service: valid.service,
      source: valid.source,
      operation: valid.operation,
      request_id: valid.requestId ?? null,
      property_id: valid.propertyId ?? null,
      batch_id: valid.batchId ?? null,
      territory_id: valid.territoryId ?? null,
      reservation_id: valid.reservationId ?? null,
      priority: valid.priority ?? null,
      pool: valid.pool ?? null,
      paid: valid.paid,
      cost_micros: valid.costMicros,
      list_price_micros: listPrice,
      cache_hit: valid.cacheHit,
      latency_ms: valid.latencyMs ?? null,
      quality: valid.quality ?? null,
      outcome: options.outcome ?? valid.outcome,
      error_kind: valid.errorKind ?? null,
      message: valid.message ?? null,
      corrects: options.corrects ?? null,
    });
  });
}

export function getLedgerEntry(db: Db, id: string): LedgerEntry | null {
  const row = statement(db, 'SELECT * FROM cost_ledger WHERE id = ?').get(id);
  return row === undefined ? null : parseRow(ledgerRowSchema, row, 'cost ledger entry');
}

const correctionSchema = z.object({
  correctsId: idSchema,
  deltaMicros: z
    .number({ message: 'the correction must be a number of micro-dollars' })
    .refine(Number.isSafeInteger, 'the correction must be a whole number of micro-dollars')
    .refine((n) => n !== 0, 'a correction of zero changes nothing')
    .refine((n) => Math.abs(n) <= MAX_MICROS, 'the correction is more than $1,000,000,000; check the amount'),
  reason: z.string({ message: 'give a reason' }).trim().min(1, 'give a reason for the correction').max(1_000, 'keep the reason under 1,000 characters'),
  actor: z.string({ message: 'say who corrects' }).trim().min(1, 'say who makes the correction').max(200),
});

export function appendLedgerCorrection(db: Db, correctsId: string, deltaMicros: number, reason: string, actor: string): LedgerEntry {
  const parsed = correctionSchema.safeParse({ correctsId, deltaMicros, reason, actor });
  if (!parsed.success) throw new StoreError('invalid-input', `The ledger correction is not valid: ${describeZodError(parsed.error)}.`);
  const valid = parsed.data;
  return writeTransaction(db, () => {
    const original = getLedgerEntry(db, valid.correctsId);
    if (!original) throw new StoreError('not-found', `There is no cost ledger entry ${valid.correctsId} to correct.`);
    if (original.outcome === 'correction') throw new StoreError('invalid-input', 'Correct the original ledger entry, not a correction of it.');
    const soFar = Number(statement(db, 'SELECT coalesce(sum(cost_micros), 0) FROM cost_ledger WHERE corrects = ?').pluck().get(original.id));
    const total = original.costMicros + soFar + valid.deltaMicros;
    if (total < 0) {
      throw new StoreError('invalid-input', `That correction would make the entry cost less than nothing (${original.costMicros + soFar} micro-dollars so far).`);
    }
    // Note: validated above, so the insert below bypasses the input schema's cost >= 0 rule.
    const entry = writeSynced(db, costLedgerTable, 'insert', {
      at: new Date().toISOString(),
      day: original.day,
      service: original.service,
      source: original.source,
      operation: original.operation,
      request_id: original.requestId,
      property_id: original.propertyId,
      batch_id: original.batchId,
      territory_id: original.territoryId,
      reservation_id: original.reservationId,
      priority: original.priority,
      pool: original.pool ?? 'daily',
      paid: true,
      cost_micros: valid.deltaMicros,
      list_price_micros: 0,
      cache_hit: false,
      latency_ms: null,
      quality: null,
      outcome: 'correction',
      error_kind: null,
      message: valid.reason,
      corrects: original.id,
    });
    appendAudit(db, {
      actor: valid.actor,
      action: 'ledger.correction',
      details: { correctionId: entry.id, correctsId: original.id, deltaMicros: valid.deltaMicros, reason: valid.reason, day: original.day },
    });
    return entry;
  });
}

const filterSchema = z
  .object({
    day: z.string().refine(isBudgetDay, 'day must be a calendar day written YYYY-MM-DD').optional(),
    since: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'since must be a date or time, e.g. 2025-06-01').optional(),
    service: z.string().max(200).optional(),
    source: z.string().max(200).optional(),
    requestId: z.string().max(200).optional(),
    limit: z.number().int('limit must be a whole number').min(1, 'limit must be at least 1').max(100_000, 'limit must be at most 100,000').optional(),
  })
  .strict();
export type LedgerFilter = z.input<typeof filterSchema>;

export function listLedger(db: Db, filter: LedgerFilter = {}): LedgerEntry[] {
  const parsed = filterSchema.safeParse(filter);
  if (!parsed.success) throw new StoreError('invalid-input', `The ledger filter is not valid: ${describeZodError(parsed.error)}.`);
  const valid = parsed.data;
  const conditions: [string, string, string | undefined][] = [
    ['day = @day', 'day', valid.day],
    ['at >= @since', 'since', valid.since === undefined ? undefined : new Date(valid.since).toISOString()],
    ['service = @service', 'service', valid.service],
    ['source = @source', 'source', valid.source],
    ['request_id = @requestId', 'requestId', valid.requestId],
  ];
  const used = conditions.filter(([, , value]) => value !== undefined);
  const where = used.map(([sql]) => sql);
  const params: Record<string, string | number> = { limit: valid.limit ?? 1_000, ...Object.fromEntries(used.map(([, key, value]) => [key, value!])) };
  const sql = `SELECT * FROM cost_ledger ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT @limit`;
  return statement(db, sql)
    .all(params)
    .map((row) => parseRow(ledgerRowSchema, row, 'cost ledger entry'));
}
