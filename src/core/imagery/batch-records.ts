import { z } from 'zod';
import { latitudeSchema, longitudeSchema, pointSchema, type BBox, type LatLng } from '../domain/geo';
import { newId } from '../ids';
import { mulRatio, type Micros } from '../money';
import { statement, writeTransaction, type Db } from '../store/database';
import { parseInput, parseRow, StoreError } from '../store/errors';

/**
 * Geographic batches as recorded: one imagery request (or a few, split to the provider's size
 * limit) serving every member property, with what it cost and what each member's share was.
 *
 *   recordBatch(db, { runId, source, members, centre, bbox })     → batch id (state 'planned')
 *   markBatchFetched(db, id, { requestCount, costMicros })        → the batch (cost per property = floor(cost / members))
 *   markBatchFailed(db, id, message)                              → the batch
 *   getBatch(db, id)                                              → the batch with its members, or null
 *   batchesIn(db, bbox, { runId?, limit? })                       → batches meeting a box, newest first
 */

export type BatchState = 'planned' | 'fetched' | 'failed';

export interface ImageryBatch {
  id: string;
  runId: string | null;
  source: string;
  state: BatchState;
  createdAt: string;
  centre: LatLng;
  /** WGS84 bounds of the members (a point's width when they share one position). */
  bbox: BBox;
  memberCount: number;
  members: string[];
  requestCount: number;
  costMicros: Micros;
  costPerPropertyMicros: Micros;
  error: string | null;
}

/** Note: a batch of houses at one position has a zero-size box, which bboxSchema would refuse. */
const batchBoxSchema = z
  .tuple([longitudeSchema, latitudeSchema, longitudeSchema, latitudeSchema])
  .refine(([w, s, e, n]) => w <= e && s <= n, 'west must not be east of east, nor south north of north');

const newBatchSchema = z.object({
  runId: z.string().min(1).max(100).nullable(),
  source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a source id like "naip"'),
  members: z
    .array(z.string().min(1).max(100))
    .min(1, 'a batch needs at least one property')
    .max(10_000)
    .refine((ids) => new Set(ids).size === ids.length, 'a property is listed twice'),
  centre: pointSchema,
  bbox: batchBoxSchema,
});

const batchRowSchema = z
  .object({
    id: z.string(),
    run_id: z.string().nullable(),
    source: z.string(),
    created_at: z.string(),
    state: z.enum(['planned', 'fetched', 'failed']),
    centre_lat: z.number(),
    centre_lng: z.number(),
    min_lng: z.number(),
    min_lat: z.number(),
    max_lng: z.number(),
    max_lat: z.number(),
    member_count: z.number().int().positive(),
    request_count: z.number().int().nonnegative(),
    cost_micros: z.number().int().nonnegative(),
    cost_per_property_micros: z.number().int().nonnegative(),
    error: z.string().nullable(),
    members: z.string().transform((text) => (JSON.parse(text) as unknown[]).filter((id): id is string => typeof id === 'string').sort()),
  })
  .transform(
    (row): ImageryBatch => ({
      id: row.id,
      runId: row.run_id,
      source: row.source,
      state: row.state,
      createdAt: row.created_at,
      centre: { lat: row.centre_lat, lng: row.centre_lng },
      bbox: [row.min_lng, row.min_lat, row.max_lng, row.max_lat],
      memberCount: row.member_count,
      members: row.members,
      requestCount: row.request_count,
      costMicros: row.cost_micros as Micros,
      costPerPropertyMicros: row.cost_per_property_micros as Micros,
      error: row.error,
    }),
  );

const SELECT_BATCH = `SELECT b.*, (SELECT json_group_array(property_id) FROM imagery_batch_members m WHERE m.batch_id = b.id) AS members
  FROM imagery_batches b`;

export interface NewBatch {
  runId: string | null;
  source: string;
  /** Property ids. */
  members: string[];
  centre: LatLng;
  bbox: BBox;
}

export function recordBatch(db: Db, batch: NewBatch, options: { now?: Date } = {}): string {
  const valid = parseInput(newBatchSchema, batch, 'imagery batch');
  const id = newId();
  const [west, south, east, north] = valid.bbox;
  writeTransaction(db, () => {
    statement(
      db,
      `INSERT INTO imagery_batches (id, run_id, source, created_at, state, centre_lat, centre_lng, min_lng, min_lat, max_lng, max_lat, member_count)
       VALUES (?, ?, ?, ?, 'planned', ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, valid.runId, valid.source, (options.now ?? new Date()).toISOString(), valid.centre.lat, valid.centre.lng, west, south, east, north, valid.members.length);
    const member = statement(db, 'INSERT INTO imagery_batch_members (batch_id, property_id) VALUES (?, ?)');
    for (const propertyId of valid.members) member.run(id, propertyId);
  });
  return id;
}

const fetchedSchema = z.object({
  requestCount: z.number().int().min(0).max(100_000),
  costMicros: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/**
 * The batch's image arrived: what it took and cost. A failed batch may be fetched on a retry; a
 * fetched one is not fetched again (its cost would be counted twice).
 */
export function markBatchFetched(db: Db, id: string, outcome: { requestCount: number; costMicros: Micros }): ImageryBatch {
  const valid = parseInput(fetchedSchema, outcome, 'batch outcome');
  return writeTransaction(db, () => {
    const batch = requireBatch(db, id);
    if (batch.state === 'fetched') {
      throw new StoreError('invalid-input', `Imagery batch ${id} was already fetched (${batch.requestCount} requests); it is not recorded twice.`);
    }
    // Note: each member's share rounds down, so the shares never add up to more than was paid.
    const perProperty = mulRatio(valid.costMicros as Micros, 1, batch.memberCount, 'floor');
    statement(db, "UPDATE imagery_batches SET state = 'fetched', request_count = ?, cost_micros = ?, cost_per_property_micros = ?, error = NULL WHERE id = ?").run(
      valid.requestCount,
      valid.costMicros,
      perProperty,
      id,
    );
    return requireBatch(db, id);
  });
}

export function markBatchFailed(db: Db, id: string, message: string): ImageryBatch {
  const text = parseInput(z.string().trim().min(1, 'say why the batch failed').max(2000), message, 'batch failure message');
  return writeTransaction(db, () => {
    const batch = requireBatch(db, id);
    if (batch.state === 'fetched') {
      throw new StoreError('invalid-input', `Imagery batch ${id} was already fetched; a later failure belongs to its properties, not to the batch.`);
    }
    statement(db, "UPDATE imagery_batches SET state = 'failed', error = ? WHERE id = ?").run(text, id);
    return requireBatch(db, id);
  });
}

export function getBatch(db: Db, id: string): ImageryBatch | null {
  const row = statement(db, `${SELECT_BATCH} WHERE b.id = ?`).get(id);
  return row === undefined ? null : parseRow(batchRowSchema, row, 'imagery batch');
}

function requireBatch(db: Db, id: string): ImageryBatch {
  const batch = getBatch(db, id);
  if (!batch) throw new StoreError('not-found', `There is no imagery batch ${String(id).slice(0, 80)}; it may belong to a run that was deleted.`);
  return batch;
}

const mapBoxSchema = z
  .tuple([longitudeSchema, latitudeSchema, longitudeSchema, latitudeSchema])
  .refine(([w, s, e, n]) => w < e && s < n, 'west must be less than east and south less than north');

/** Batches whose box meets the map box, newest first (the map's batch layer). */
export function batchesIn(db: Db, bbox: BBox, options: { runId?: string; limit?: number } = {}): ImageryBatch[] {
  const [west, south, east, north] = parseInput(mapBoxSchema, bbox, 'map box');
  const limit = Math.max(1, Math.min(Math.floor(options.limit ?? 5_000) || 1, 20_000));
  return statement(
    db,
    `${SELECT_BATCH}
     WHERE b.min_lng <= ? AND b.max_lng >= ? AND b.min_lat <= ? AND b.max_lat >= ? AND (? IS NULL OR b.run_id = ?)
     ORDER BY b.created_at DESC, b.id DESC LIMIT ?`,
  )
    .all(east, west, north, south, options.runId ?? null, options.runId ?? null, limit)
    .map((row) => parseRow(batchRowSchema, row, 'imagery batch'));
}
