import type { RoofImageFeatures } from '../leads/types';
import { z } from 'zod';
import { qualityDetailSchema, stepKindSchema } from '../contracts/imagery-contract';
import { latitudeSchema, longitudeSchema, type BBox } from '../domain/geo';
import type { Micros } from '../money';
import { nowIso, statement, writeTransaction, type Db } from '../store/database';
import { parseInput, parseRow, StoreError } from '../store/errors';
import type { ProcessingLogEntry, QualityReport } from './types';

/**
 * Each property's current roof image: which step of the chain produced it, from which sources,
 * at what cost and quality, how it was enhanced, where the footprint lies in it, and the log of
 * how it was made. The pixels live in the blob store (image_sha256, enhanced_sha256), except
 * where the licence forbids keeping them: then only the facts are kept.
 *
 *   saveRoofImage(db, record)                      → { record, unreferencedSha256 } (upsert by property)
 *   getRoofImage(db, propertyId)                   → RoofImageRecord | null
 *   listRoofImages(db, { runId?, bbox?, limit })   → records with the property's lat/lng, newest first
 *   roofImageSummary(db, { runId? })               → counts by step, cost, low confidence, manual review, mean quality
 */

export type RoofImageStepKind = z.infer<typeof stepKindSchema>;

export interface RoofImageRecord {
  propertyId: string;
  stepKind: RoofImageStepKind;
  sources: string[];
  tileId: string | null;
  batchId: string | null;
  /** The crop as fetched; null when its licence forbids storing it. */
  imageSha256: string | null;
  enhancedSha256: string | null;
  /** Pixels of the crop before enhancement. */
  width: number;
  height: number;
  groundResolutionM: number;
  enhancedScale: 2 | 4 | null;
  enhancedModel: string | null;
  capturedAt: string | null;
  costMicros: Micros;
  quality: number;
  qualityDetail: QualityReport;
  lowConfidence: boolean;
  manualReview: boolean;
  /** The footprint's bounding box in crop pixels: [x0, y0, x1, y1]. */
  footprintPx: [number, number, number, number] | null;
  log: ProcessingLogEntry[];
  storable: boolean;
  runId: string | null;
  updatedAt: string;
}

/** What saveRoofImage takes: a record, its time optional (now). */
export type RoofImageInput = Omit<RoofImageRecord, 'updatedAt'> & { updatedAt?: string };

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case SHA-256');
const logEntrySchema = z.object({ at: z.string().min(1).max(40), step: z.string().min(1).max(100), message: z.string().max(2000) }).strict();
const footprintPxSchema = z
  .tuple([z.number().finite(), z.number().finite(), z.number().finite(), z.number().finite()])
  .refine(([x0, y0, x1, y1]) => x0 <= x1 && y0 <= y1, 'footprint pixels [x0, y0, x1, y1] with x0 ≤ x1 and y0 ≤ y1');

const recordSchema = z
  .object({
    propertyId: z.string().min(1).max(100),
    stepKind: stepKindSchema,
    sources: z.array(z.string().min(1).max(64)).min(1, 'name the source of the image').max(20),
    tileId: z.string().min(1).max(100).nullable(),
    batchId: z.string().min(1).max(100).nullable(),
    imageSha256: sha256Schema.nullable(),
    enhancedSha256: sha256Schema.nullable(),
    width: z.number().int().positive().max(100_000),
    height: z.number().int().positive().max(100_000),
    groundResolutionM: z.number().finite().positive(),
    enhancedScale: z.union([z.literal(2), z.literal(4)]).nullable(),
    enhancedModel: z.string().min(1).max(200).nullable(),
    capturedAt: z.string().max(40).nullable(),
    costMicros: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    quality: z.number().min(0).max(1),
    qualityDetail: qualityDetailSchema,
    lowConfidence: z.boolean(),
    manualReview: z.boolean(),
    footprintPx: footprintPxSchema.nullable(),
    log: z.array(logEntrySchema).max(1000),
    storable: z.boolean(),
    runId: z.string().min(1).max(100).nullable(),
    updatedAt: z.string().min(1).max(40).optional(),
  })
  .strict()
  // Note: the licence rule is enforced here, at the last point before disk, whatever the caller did.
  .refine((r) => r.storable || (r.imageSha256 === null && r.enhancedSha256 === null), {
    message: 'this image’s licence forbids storing it, so it cannot reference a stored picture',
    path: ['imageSha256'],
  })
  .refine((r) => (r.enhancedScale === null) === (r.enhancedModel === null), { message: 'an enhanced image names both its scale and its model', path: ['enhancedModel'] })
  .refine((r) => r.stepKind !== 'fallback' || (r.lowConfidence && r.manualReview), {
    message: 'a synthetic fallback image is always low confidence with manual review recommended',
    path: ['stepKind'],
  });

const rowSchema = z
  .object({
    property_id: z.string(),
    step_kind: stepKindSchema,
    sources: z.string(),
    tile_id: z.string().nullable(),
    batch_id: z.string().nullable(),
    image_sha256: z.string().nullable(),
    enhanced_sha256: z.string().nullable(),
    width: z.number().int(),
    height: z.number().int(),
    ground_resolution_m: z.number(),
    enhanced_scale: z.union([z.literal(2), z.literal(4)]).nullable(),
    enhanced_model: z.string().nullable(),
    captured_at: z.string().nullable(),
    cost_micros: z.number().int().nonnegative(),
    quality: z.number(),
    quality_detail: z.string(),
    low_confidence: z.union([z.literal(0), z.literal(1)]),
    manual_review: z.union([z.literal(0), z.literal(1)]),
    footprint_px: z.string().nullable(),
    log: z.string(),
    storable: z.union([z.literal(0), z.literal(1)]),
    run_id: z.string().nullable(),
    updated_at: z.string(),
  })
  .passthrough();

const jsonFields = z.object({
  sources: z.array(z.string()),
  qualityDetail: qualityDetailSchema,
  footprintPx: footprintPxSchema.nullable(),
  log: z.array(logEntrySchema),
});

function recordOf(row: unknown): RoofImageRecord {
  const r = parseRow(rowSchema, row, 'roof image');
  let json: z.infer<typeof jsonFields>;
  try {
    json = parseRow(
      jsonFields,
      { sources: JSON.parse(r.sources), qualityDetail: JSON.parse(r.quality_detail), footprintPx: r.footprint_px === null ? null : JSON.parse(r.footprint_px), log: JSON.parse(r.log) },
      'roof image',
    );
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError('invalid-row', `The roof image of property ${r.property_id} holds text that is not JSON; the database may have been edited by another tool.`);
  }
  return {
    propertyId: r.property_id,
    stepKind: r.step_kind,
    sources: json.sources,
    tileId: r.tile_id,
    batchId: r.batch_id,
    imageSha256: r.image_sha256,
    enhancedSha256: r.enhanced_sha256,
    width: r.width,
    height: r.height,
    groundResolutionM: r.ground_resolution_m,
    enhancedScale: r.enhanced_scale,
    enhancedModel: r.enhanced_model,
    capturedAt: r.captured_at,
    costMicros: r.cost_micros as Micros,
    quality: r.quality,
    qualityDetail: json.qualityDetail,
    lowConfidence: r.low_confidence === 1,
    manualReview: r.manual_review === 1,
    footprintPx: json.footprintPx as RoofImageRecord['footprintPx'],
    log: json.log,
    storable: r.storable === 1,
    runId: r.run_id,
    updatedAt: r.updated_at,
  };
}

/**
 * Saves a property's roof image, replacing the one it had. Returns the pictures the old record
 * referenced and the new one does not, for the caller to release from the blob store.
 */
export function saveRoofImage(db: Db, input: RoofImageInput): { record: RoofImageRecord; unreferencedSha256: string[] } {
  const valid = parseInput(recordSchema, input, 'roof image');
  return writeTransaction(db, () => {
    const exists = statement(db, 'SELECT 1 FROM properties WHERE id = ? AND deleted = 0').pluck().get(valid.propertyId);
    if (exists === undefined) {
      throw new StoreError('not-found', `There is no property ${valid.propertyId} to keep a roof image for; it may have been deleted.`);
    }
    const previous = getRoofImage(db, valid.propertyId);
    statement(
      db,
      `INSERT INTO roof_images (property_id, step_kind, sources, tile_id, batch_id, image_sha256, enhanced_sha256, width, height,
         ground_resolution_m, enhanced_scale, enhanced_model, captured_at, cost_micros, quality, quality_detail, low_confidence,
         manual_review, footprint_px, log, storable, run_id, updated_at)
       VALUES (@propertyId, @stepKind, @sources, @tileId, @batchId, @imageSha256, @enhancedSha256, @width, @height,
         @groundResolutionM, @enhancedScale, @enhancedModel, @capturedAt, @costMicros, @quality, @qualityDetail, @lowConfidence,
         @manualReview, @footprintPx, @log, @storable, @runId, @updatedAt)
       ON CONFLICT (property_id) DO UPDATE SET
         step_kind = excluded.step_kind, sources = excluded.sources, tile_id = excluded.tile_id, batch_id = excluded.batch_id,
         image_sha256 = excluded.image_sha256, enhanced_sha256 = excluded.enhanced_sha256, width = excluded.width,
         height = excluded.height, ground_resolution_m = excluded.ground_resolution_m, enhanced_scale = excluded.enhanced_scale,
         enhanced_model = excluded.enhanced_model, captured_at = excluded.captured_at, cost_micros = excluded.cost_micros,
         quality = excluded.quality, quality_detail = excluded.quality_detail, low_confidence = excluded.low_confidence,
         manual_review = excluded.manual_review, footprint_px = excluded.footprint_px, log = excluded.log,
         storable = excluded.storable, run_id = excluded.run_id, updated_at = excluded.updated_at`,
    ).run({
      ...valid,
      sources: JSON.stringify(valid.sources),
      qualityDetail: JSON.stringify(valid.qualityDetail),
      lowConfidence: valid.lowConfidence ? 1 : 0,
      manualReview: valid.manualReview ? 1 : 0,
      footprintPx: valid.footprintPx === null ? null : JSON.stringify(valid.footprintPx),
      log: JSON.stringify(valid.log),
      storable: valid.storable ? 1 : 0,
      updatedAt: valid.updatedAt ?? nowIso(),
    });
    const record = getRoofImage(db, valid.propertyId)!;
    const kept = new Set([record.imageSha256, record.enhancedSha256]);
    const unreferencedSha256 = [previous?.imageSha256, previous?.enhancedSha256].filter((sha): sha is string => typeof sha === 'string' && !kept.has(sha));
    return { record, unreferencedSha256: [...new Set(unreferencedSha256)] };
  });
}

export function getRoofImage(db: Db, propertyId: string): RoofImageRecord | null {
  const row = statement(db, 'SELECT * FROM roof_images WHERE property_id = ?').get(propertyId);
  return row === undefined ? null : recordOf(row);
}

export type LocatedRoofImage = RoofImageRecord & { lat: number | null; lng: number | null };

const listBoxSchema = z
  .tuple([longitudeSchema, latitudeSchema, longitudeSchema, latitudeSchema])
  .refine(([w, s, e, n]) => w < e && s < n, 'west must be less than east and south less than north');

/** Roof images, newest first, with where their property is (for the map and lists). */
export function listRoofImages(db: Db, options: { runId?: string; bbox?: BBox; limit: number }): LocatedRoofImage[] {
  const box = options.bbox === undefined ? null : parseInput(listBoxSchema, options.bbox, 'map box');
  const limit = Math.max(1, Math.min(Math.floor(options.limit) || 1, 20_000));
  const runId = options.runId ?? null;
  const rows = box
    ? statement(
        db,
        `SELECT r.*, p.lat AS lat, p.lng AS lng FROM roof_images r JOIN properties p ON p.id = r.property_id
         WHERE p.lat BETWEEN ? AND ? AND p.lng BETWEEN ? AND ? AND (? IS NULL OR r.run_id = ?)
         ORDER BY r.updated_at DESC, r.property_id LIMIT ?`,
      ).all(box[1], box[3], box[0], box[2], runId, runId, limit)
    : statement(
        db,
        `SELECT r.*, p.lat AS lat, p.lng AS lng FROM roof_images r LEFT JOIN properties p ON p.id = r.property_id
         WHERE (? IS NULL OR r.run_id = ?) ORDER BY r.updated_at DESC, r.property_id LIMIT ?`,
      ).all(runId, runId, limit);
  const place = z.object({ lat: z.number().nullable(), lng: z.number().nullable() });
  return rows.map((row) => ({ ...recordOf(row), ...parseRow(place, row, 'roof image location') }));
}

export interface RoofImageSummary {
  total: number;
  byStepKind: Record<RoofImageStepKind, number>;
  costMicros: Micros;
  lowConfidence: number;
  manualReview: number;
  /** null when there are none. */
  meanQuality: number | null;
  enhanced: number;
  /** Images whose licence forbade keeping the picture. */
  notStored: number;
}

export function roofImageSummary(db: Db, options: { runId?: string } = {}): RoofImageSummary {
  // One read transaction, so the totals and the counts by step agree.
  return db.transaction(() => summarise(db, options.runId ?? null))();
}

function summarise(db: Db, runId: string | null): RoofImageSummary {
  const totals = parseRow(
    z.object({
      total: z.number().int(),
      cost: z.number().int(),
      low: z.number().int(),
      review: z.number().int(),
      mean: z.number().nullable(),
      enhanced: z.number().int(),
      not_stored: z.number().int(),
    }),
    statement(
      db,
      `SELECT count(*) AS total, coalesce(sum(cost_micros), 0) AS cost, coalesce(sum(low_confidence), 0) AS low,
         coalesce(sum(manual_review), 0) AS review, avg(quality) AS mean, count(enhanced_scale) AS enhanced,
         coalesce(sum(1 - storable), 0) AS not_stored
       FROM roof_images WHERE (? IS NULL OR run_id = ?)`,
    ).get(runId, runId),
    'roof image summary',
  );
  const byStepKind: Record<RoofImageStepKind, number> = { cache: 0, free: 0, batch: 0, paid: 0, fallback: 0 };
  const kinds = statement(db, 'SELECT step_kind AS kind, count(*) AS n FROM roof_images WHERE (? IS NULL OR run_id = ?) GROUP BY step_kind').all(runId, runId);
  for (const { kind, n } of parseRow(z.array(z.object({ kind: stepKindSchema, n: z.number().int() })), kinds, 'roof image summary')) byStepKind[kind] = n;
  return {
    total: totals.total,
    byStepKind,
    costMicros: totals.cost as Micros,
    lowConfidence: totals.low,
    manualReview: totals.review,
    meanQuality: totals.mean,
    enhanced: totals.enhanced,
    notStored: totals.not_stored,
  };
}

/**
 * The features measured on a roof's picture (core/leads/roof-features.ts), kept beside its record:
 * for a paid picture, which may not be stored, they are all that remains of it.
 */
export function setRoofFeatures(db: Db, propertyId: string, features: RoofImageFeatures | null): void {
  statement(db, 'UPDATE roof_images SET roof_features = ? WHERE property_id = ?').run(features === null ? null : JSON.stringify(features), propertyId);
}

const share = z.number().finite().min(0).max(1);
const roofFeaturesSchema = z.object({
  version: z.literal(1),
  roofPixels: z.number().int().min(0),
  darkStreakShare: share,
  patchiness: share,
  mossShare: share,
  meanLuma: z.number().finite().min(0).max(255),
  sharpness: share,
  usable: z.boolean(),
});

/** The stored features, or null when none were measured or the stored row is damaged (the roof is then judged from its facts). */
export function roofFeaturesOf(db: Db, propertyId: string): RoofImageFeatures | null {
  const text = statement(db, 'SELECT roof_features FROM roof_images WHERE property_id = ?').pluck().get(propertyId);
  if (typeof text !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = roofFeaturesSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

