import { z } from 'zod';
import { distanceMeters, metersToDegrees } from '../address';
import type { BlobStore } from '../blob-store';
import { licencePolicySchema, type LicencePolicy } from '../cost/source-policy';
import { pointSchema, type BBox, type LatLng } from '../domain/geo';
import { newId } from '../ids';
import type { Micros } from '../money';
import { statement, writeTransaction, type Db } from '../store/database';
import { parseInput, parseRow } from '../store/errors';
import { getImagerySettings, type ImagerySettings } from './imagery-settings';
import { EARTH_RADIUS_M, groundResolutionM, mercatorBoxToBBox } from './mercator';
import { bestTileFirst, coveredShare, mercatorBoxSchema, tileBoxContains, tileRowSchema } from './tile-rows';
import type { ImageGrid, ImageryTile, MercatorBox } from './types';

/**
 * The geographic imagery cache: aerial images in the blob store, indexed by where they lie
 * (imagery_tiles + the imagery_tiles_rtree R*Tree of their WGS84 bounds, written together).
 * One batch image serves every roof inside it.
 *
 *   putTile(db, blobs, input, { now?, settings? })   → { stored: true, tile } | { stored: false, reason, message }
 *   findCoveringTile(db, target, options)            → the best usable tile covering the box, or null (touches it)
 *   describeCoverage(db, target, options)            → covered | partial | expired | too-coarse | low-quality | none
 *   tilesNear(db, point, radiusM, options?)          → tiles with distanceM, nearest first
 *   tilesIn(db, bbox, limit)                         → tiles meeting a map box (the coverage layer)
 *   evictTiles(db, blobs, { capBytes?, now? })       → expired first, then least recently used, down to the cap
 *   cacheStats(db, now?)                             → counts and bytes, by source
 *
 * Note: a tile's blob is stored before its row, and the row (with its R*Tree entry) is written in
 * one transaction, so a process killed mid-put leaves at worst an unreferenced blob, never a row
 * without its image. Eviction deletes rows first and releases blobs after, for the same reason.
 */

const DAY_MS = 86_400_000;
/**
 * Note: the quality threshold is applied when a tile is looked up, not when it is stored: a
 * 0.6 m NAIP image often scores below 0.75 for its coarse pixels alone, yet a request that
 * accepts it (minQuality lower) should not have to fetch it again. Only an image this poor,
 * nearly all no-data or cloud, serves nobody and is refused.
 */
export const MIN_CACHEABLE_QUALITY = 0.05;
/** Web Mercator's square: ±π × R. */
const MERCATOR_LIMIT_M = Math.PI * EARTH_RADIUS_M;
const MAX_GRID_PIXELS = 100_000;
/** A last-used time is refreshed at most this often, so cache reads rarely take the write lock. */
const TOUCH_AFTER_MS = 60_000;

export type PutTileRefusal = 'licence-forbids-storing' | 'licence-forbids-caching' | 'below-quality';
export type PutTileResult = { stored: true; tile: ImageryTile } | { stored: false; reason: PutTileRefusal; message: string };

export interface PutTileInput {
  source: string;
  bytes: Uint8Array;
  mime: string;
  grid: ImageGrid;
  capturedAt: string | null;
  /** 0..1, the image's QualityReport score. */
  quality: number;
  batchId?: string | null;
  requestCostMicros?: Micros;
  licence: LicencePolicy;
}

export interface PutTileOptions {
  now?: Date;
  settings?: ImagerySettings;
  /** Below this the tile is refused (default MIN_CACHEABLE_QUALITY). */
  minQuality?: number;
}

const gridSchema = z
  .object({
    box: mercatorBoxSchema.refine((box) => box.every((v) => Math.abs(v) <= MERCATOR_LIMIT_M + 1), 'the box lies outside the Web Mercator world'),
    width: z.number().int().min(1).max(MAX_GRID_PIXELS),
    height: z.number().int().min(1).max(MAX_GRID_PIXELS),
  })
  .strict();

const putInputSchema = z.object({
  source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a source id like "naip"'),
  bytes: z.instanceof(Uint8Array).refine((bytes) => bytes.byteLength > 0, 'the image is empty'),
  mime: z.string().regex(/^image\/[a-z0-9.+-]+$/i, 'an image media type like image/png'),
  grid: gridSchema,
  capturedAt: z
    .string()
    .max(40)
    .refine((text) => Number.isFinite(Date.parse(text)), 'a date like 2022-06-15')
    .nullable(),
  quality: z.number().min(0).max(1),
  batchId: z.string().min(1).max(200).nullable().default(null),
  requestCostMicros: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  licence: licencePolicySchema,
});

/**
 * When a tile stops serving: never for a storable licence with no period (public-domain
 * imagery); otherwise the longer of the settings' lifetime and the licence's period ("7 days,
 * longer where the licence allows"). Note: the catalogue's licence periods say how long a
 * provider's data stays current; what a licence forbids is carried by storable/cacheable, which
 * putTile checks first.
 */
export function tileExpiry(licence: LicencePolicy, settings: Pick<ImagerySettings, 'cacheTtlDays'>, now: Date): string | null {
  if (licence.cacheTtlMs === null) return null;
  return new Date(now.getTime() + Math.max(settings.cacheTtlDays * DAY_MS, licence.cacheTtlMs)).toISOString();
}

export async function putTile(db: Db, blobs: BlobStore, input: PutTileInput, options: PutTileOptions = {}): Promise<PutTileResult> {
  const valid = parseInput(putInputSchema, input, 'aerial image');
  const { licence } = valid;
  if (!licence.storable) {
    return { stored: false, reason: 'licence-forbids-storing', message: `The ${licence.name} forbid storing ${valid.source} imagery, so it is used once and not cached.` };
  }
  if (!licence.cacheable) {
    return { stored: false, reason: 'licence-forbids-caching', message: `The ${licence.name} forbid reusing ${valid.source} imagery, so it is not cached.` };
  }
  const minQuality = options.minQuality ?? MIN_CACHEABLE_QUALITY;
  if (valid.quality < minQuality) {
    return {
      stored: false,
      reason: 'below-quality',
      message: `This ${valid.source} image scored ${valid.quality.toFixed(2)}, below the ${minQuality.toFixed(2)} the cache keeps; it is not kept for other roofs.`,
    };
  }
  const settings = options.settings ?? getImagerySettings(db);
  const now = options.now ?? new Date();
  const at = now.toISOString();
  const box = valid.grid.box as MercatorBox;
  const tile: Omit<ImageryTile, 'id' | 'blobSha256'> = {
    source: valid.source,
    mime: valid.mime,
    grid: { box, width: valid.grid.width, height: valid.grid.height },
    bbox: mercatorBoxToBBox(box),
    groundResolutionM: groundResolutionM({ box, width: valid.grid.width }),
    capturedAt: valid.capturedAt,
    fetchedAt: at,
    expiresAt: tileExpiry(licence, settings, now),
    quality: valid.quality,
    bytes: valid.bytes.byteLength,
    lastUsedAt: at,
    batchId: valid.batchId,
    requestCostMicros: valid.requestCostMicros,
    attribution: licence.attribution,
  };

  // The blob first: a failure from here on leaves no row behind.
  const blob = await blobs.put(valid.bytes, valid.mime);
  let saved: { tile: ImageryTile; duplicate: boolean };
  try {
    saved = writeTransaction(db, () => {
      const same = statement(
        db,
        `SELECT id FROM imagery_tiles WHERE source = ? AND blob_sha256 = ? AND min_x = ? AND min_y = ? AND max_x = ? AND max_y = ?`,
      ).pluck().get(valid.source, blob.sha256, ...box);
      if (typeof same === 'string') {
        // The same picture fetched again (after it expired, or by a racing process): refresh it.
        statement(
          db,
          `UPDATE imagery_tiles SET fetched_at = ?, expires_at = ?, last_used_at = ?, quality = ?, captured_at = coalesce(?, captured_at),
             request_cost_micros = ?, batch_id = coalesce(?, batch_id), attribution = ? WHERE id = ?`,
        ).run(at, tile.expiresAt, at, tile.quality, tile.capturedAt, tile.requestCostMicros, tile.batchId, tile.attribution, same);
        return { tile: readTile(db, same)!, duplicate: true };
      }
      const id = newId();
      const { lastInsertRowid } = statement(
        db,
        `INSERT INTO imagery_tiles (id, source, blob_sha256, mime, min_x, min_y, max_x, max_y, width, height, ground_resolution_m,
           captured_at, fetched_at, expires_at, quality, bytes, last_used_at, batch_id, request_cost_micros, attribution)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id, tile.source, blob.sha256, tile.mime, ...box, tile.grid.width, tile.grid.height, tile.groundResolutionM,
        tile.capturedAt, at, tile.expiresAt, tile.quality, tile.bytes, at, tile.batchId, tile.requestCostMicros, tile.attribution,
      );
      const [west, south, east, north] = tile.bbox;
      statement(db, 'INSERT INTO imagery_tiles_rtree (rid, min_lng, max_lng, min_lat, max_lat) VALUES (?, ?, ?, ?, ?)').run(lastInsertRowid, west, east, south, north);
      return { tile: { ...tile, id, blobSha256: blob.sha256 }, duplicate: false };
    });
  } catch (error) {
    // Note: the row's failure is what the user must see; a release that fails too only leaves
    // one unused file behind.
    await blobs.release(blob.sha256).catch(() => false);
    throw error;
  }
  // A refreshed tile keeps the one reference it already held.
  if (saved.duplicate) await blobs.release(blob.sha256);
  return { stored: true, tile: saved.tile };
}

export interface CoverageOptions {
  /** The coarsest ground resolution (metres per pixel) the request can use. */
  maxGroundResolutionM: number;
  /** Default: the settings' quality threshold. */
  minQuality?: number;
  now?: Date;
  /** Only tiles of these sources (default: any). */
  sources?: string[];
}

const coverageOptionsSchema = z.object({
  maxGroundResolutionM: z.number().finite().positive(),
  minQuality: z.number().min(0).max(1).optional(),
  now: z.date().optional(),
  sources: z.array(z.string().min(1)).optional(),
});

interface Usability {
  expired: (tile: ImageryTile) => boolean;
  tooCoarse: (tile: ImageryTile) => boolean;
  lowQuality: (tile: ImageryTile) => boolean;
}

function usabilityOf(db: Db, options: CoverageOptions): Usability & { now: string } {
  const valid = parseInput(coverageOptionsSchema, options, 'coverage request');
  const now = (valid.now ?? new Date()).toISOString();
  const minQuality = valid.minQuality ?? getImagerySettings(db).qualityThreshold;
  // Note: a relative tolerance, so a grid built for exactly the required resolution still counts.
  const maxResolution = valid.maxGroundResolutionM * (1 + 1e-9);
  return {
    now,
    expired: (tile) => tile.expiresAt !== null && tile.expiresAt <= now,
    tooCoarse: (tile) => tile.groundResolutionM > maxResolution,
    lowQuality: (tile) => tile.quality < minQuality,
  };
}

/** Tiles whose R*Tree bounds meet (or, with `contain`, hold) the box; exact Mercator tests follow. */
function tilesMeeting(db: Db, target: MercatorBox, contain: boolean, sources: string[] | undefined): ImageryTile[] {
  const [west, south, east, north] = mercatorBoxToBBox(target);
  // Note: the R*Tree keeps 32-bit bounds rounded outward, so it only narrows the search.
  const args = contain ? [west, east, south, north] : [east, west, north, south];
  const sql = `SELECT t.* FROM imagery_tiles_rtree r JOIN imagery_tiles t ON t.rid = r.rid
     WHERE r.min_lng <= ? AND r.max_lng >= ? AND r.min_lat <= ? AND r.max_lat >= ?`;
  return statement(db, sql)
    .all(...args)
    .map((row) => parseRow(tileRowSchema, row, 'cached aerial image'))
    .filter((tile) => !sources || sources.includes(tile.source))
    .filter((tile) => !contain || tileBoxContains(tile.grid.box, target));
}

/**
 * The best unexpired tile, fine and good enough, whose grid holds the whole target box: finest
 * resolution first, then the newest capture, then quality. Touches its last-used time (LRU).
 */
export function findCoveringTile(db: Db, target: MercatorBox, options: CoverageOptions): ImageryTile | null {
  const box = parseInput(mercatorBoxSchema, target, 'target box') as MercatorBox;
  const usable = usabilityOf(db, options);
  const best = tilesMeeting(db, box, true, options.sources)
    .filter((tile) => !usable.expired(tile) && !usable.tooCoarse(tile) && !usable.lowQuality(tile))
    .sort(bestTileFirst)[0];
  if (!best) return null;
  if (Date.parse(usable.now) - Date.parse(best.lastUsedAt) >= TOUCH_AFTER_MS) {
    statement(db, 'UPDATE imagery_tiles SET last_used_at = ? WHERE id = ? AND last_used_at < ?').run(usable.now, best.id, usable.now);
    return { ...best, lastUsedAt: usable.now };
  }
  return best;
}

export type Coverage =
  | { kind: 'covered'; tile: ImageryTile }
  | { kind: 'partial'; coveredShare: number; tiles: ImageryTile[] }
  | { kind: 'expired'; tile: ImageryTile }
  | { kind: 'too-coarse'; tile: ImageryTile }
  | { kind: 'low-quality'; tile: ImageryTile }
  | { kind: 'none' };

/**
 * What the cache holds for a box, for the map and the chain's log (does not touch last-used
 * times). A tile holding the whole box is reported by its first failing test, in the order a
 * refetch would fix it: expired, then too coarse, then low quality. Otherwise the usable tiles
 * that hold part of the box give the share of its area they cover.
 */
export function describeCoverage(db: Db, target: MercatorBox, options: CoverageOptions): Coverage {
  const box = parseInput(mercatorBoxSchema, target, 'target box') as MercatorBox;
  const usable = usabilityOf(db, options);
  const meeting = tilesMeeting(db, box, false, options.sources).sort(bestTileFirst);
  const holding = meeting.filter((tile) => tileBoxContains(tile.grid.box, box));
  const covering = holding.find((tile) => !usable.expired(tile) && !usable.tooCoarse(tile) && !usable.lowQuality(tile));
  if (covering) return { kind: 'covered', tile: covering };
  if (holding.length > 0) {
    const live = holding.filter((tile) => !usable.expired(tile));
    if (live.length === 0) return { kind: 'expired', tile: holding[0]! };
    const fine = live.filter((tile) => !usable.tooCoarse(tile));
    if (fine.length === 0) return { kind: 'too-coarse', tile: live[0]! };
    return { kind: 'low-quality', tile: fine[0]! };
  }
  const parts = meeting.filter((tile) => !usable.expired(tile) && !usable.tooCoarse(tile) && !usable.lowQuality(tile));
  const share = coveredShare(box, parts.map((tile) => tile.grid.box));
  if (parts.length === 0 || share <= 0) return { kind: 'none' };
  return { kind: 'partial', coveredShare: share, tiles: parts };
}

export interface TilesNearOptions {
  limit?: number;
  now?: Date;
  /** Include expired tiles still held (default false: what could serve now). */
  includeExpired?: boolean;
  sources?: string[];
}

/** "What do we hold near here": tiles within radiusM of a point (0 when the point is inside), nearest first. */
export function tilesNear(db: Db, point: LatLng, radiusM: number, options: TilesNearOptions = {}): (ImageryTile & { distanceM: number })[] {
  const at = parseInput(pointSchema, point, 'point');
  const radius = parseInput(z.number().finite().min(0).max(100_000), radiusM, 'search radius (metres, at most 100 km)');
  const now = (options.now ?? new Date()).toISOString();
  const span = metersToDegrees(radius, at.lat);
  const box: BBox = [at.lng - span.lng, at.lat - span.lat, at.lng + span.lng, at.lat + span.lat];
  return queryBBox(db, box, -1)
    .filter((tile) => options.includeExpired || tile.expiresAt === null || tile.expiresAt > now)
    .filter((tile) => !options.sources || options.sources.includes(tile.source))
    .map((tile) => ({ ...tile, distanceM: distanceToBBox(at, tile.bbox) }))
    .filter((tile) => tile.distanceM <= radius)
    .sort((a, b) => a.distanceM - b.distanceM || bestTileFirst(a, b))
    .slice(0, Math.max(1, Math.min(options.limit ?? 100, 10_000)));
}

const mapBoxSchema = z
  .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number().min(-180).max(180), z.number().min(-90).max(90)])
  .refine(([w, s, e, n]) => w < e && s < n, 'west must be less than east and south less than north');

/** Tiles meeting a map box, expired ones included (the map shows them as such), finest first. */
export function tilesIn(db: Db, bbox: BBox, limit: number): ImageryTile[] {
  const box = parseInput(mapBoxSchema, bbox, 'map box') as BBox;
  return queryBBox(db, box, Math.max(1, Math.min(Math.floor(limit) || 1, 10_000)));
}

function queryBBox(db: Db, [west, south, east, north]: BBox, limit: number): ImageryTile[] {
  return statement(
    db,
    `SELECT t.* FROM imagery_tiles_rtree r JOIN imagery_tiles t ON t.rid = r.rid
     WHERE r.min_lng <= ? AND r.max_lng >= ? AND r.min_lat <= ? AND r.max_lat >= ?
     ORDER BY t.ground_resolution_m, t.fetched_at DESC, t.rid LIMIT ?`,
  )
    .all(east, west, north, south, limit)
    .map((row) => parseRow(tileRowSchema, row, 'cached aerial image'));
}

/** Ground metres from a point to the nearest point of a box (0 inside). */
function distanceToBBox(point: LatLng, [west, south, east, north]: BBox): number {
  const nearest = { lat: Math.min(north, Math.max(south, point.lat)), lng: Math.min(east, Math.max(west, point.lng)) };
  return distanceMeters(point, nearest);
}

export interface EvictionReport {
  expiredRemoved: number;
  lruRemoved: number;
  bytesFreed: number;
  /** Tile bytes still held. */
  bytesHeld: number;
  /** Image files deleted (a blob still used elsewhere only loses a reference). */
  blobsDeleted: number;
}

/** Removes expired tiles, then the least recently used until the tiles' bytes fit the cap. */
export async function evictTiles(db: Db, blobs: BlobStore, options: { capBytes?: number; now?: Date } = {}): Promise<EvictionReport> {
  const cap = parseInput(z.number().int().min(0), options.capBytes ?? getImagerySettings(db).cacheCapBytes, 'cache size cap (bytes)');
  const now = (options.now ?? new Date()).toISOString();
  const victimSchema = z.object({ rid: z.number().int(), blob_sha256: z.string(), bytes: z.number().int().nonnegative() });
  type Victim = z.infer<typeof victimSchema>;
  const removed = writeTransaction(db, () => {
    const gone: Victim[] = [];
    const remove = (victim: Victim) => {
      statement(db, 'DELETE FROM imagery_tiles WHERE rid = ?').run(victim.rid);
      statement(db, 'DELETE FROM imagery_tiles_rtree WHERE rid = ?').run(victim.rid);
      gone.push(victim);
    };
    const expired = statement(db, 'SELECT rid, blob_sha256, bytes FROM imagery_tiles WHERE expires_at IS NOT NULL AND expires_at <= ?').all(now);
    for (const row of expired) remove(parseRow(victimSchema, row, 'cached aerial image'));
    const expiredCount = gone.length;
    let held = Number(statement(db, 'SELECT coalesce(sum(bytes), 0) FROM imagery_tiles').pluck().get());
    if (held > cap) {
      // Note: read in full first; SQLite cannot delete through a connection still iterating.
      for (const row of statement(db, 'SELECT rid, blob_sha256, bytes FROM imagery_tiles ORDER BY last_used_at, rid').all()) {
        if (held <= cap) break;
        const victim = parseRow(victimSchema, row, 'cached aerial image');
        remove(victim);
        held -= victim.bytes;
      }
    }
    return { gone, expiredCount, held };
  });
  // Rows are gone and committed; only now do their images lose a reference.
  let blobsDeleted = 0;
  for (const victim of removed.gone) if (await blobs.release(victim.blob_sha256)) blobsDeleted += 1;
  return {
    expiredRemoved: removed.expiredCount,
    lruRemoved: removed.gone.length - removed.expiredCount,
    bytesFreed: removed.gone.reduce((sum, victim) => sum + victim.bytes, 0),
    bytesHeld: removed.held,
    blobsDeleted,
  };
}

export interface CacheStats {
  tiles: number;
  bytes: number;
  capBytes: number;
  expired: number;
  bySource: { source: string; tiles: number; bytes: number }[];
}

export function cacheStats(db: Db, now: Date = new Date()): CacheStats {
  const bySource = z.array(z.object({ source: z.string(), tiles: z.number().int(), bytes: z.number().int() }));
  return db.transaction(() => {
    const sources = parseRow(
      bySource,
      statement(db, 'SELECT source, count(*) AS tiles, coalesce(sum(bytes), 0) AS bytes FROM imagery_tiles GROUP BY source ORDER BY bytes DESC, source').all(),
      'cache statistics',
    );
    const expired = Number(statement(db, 'SELECT count(*) FROM imagery_tiles WHERE expires_at IS NOT NULL AND expires_at <= ?').pluck().get(now.toISOString()));
    return {
      tiles: sources.reduce((sum, s) => sum + s.tiles, 0),
      bytes: sources.reduce((sum, s) => sum + s.bytes, 0),
      capBytes: getImagerySettings(db).cacheCapBytes,
      expired,
      bySource: sources,
    };
  })();
}

/** One tile by id, or null. */
export function readTile(db: Db, id: string): ImageryTile | null {
  const row = statement(db, 'SELECT * FROM imagery_tiles WHERE id = ?').get(id);
  return row === undefined ? null : parseRow(tileRowSchema, row, 'cached aerial image');
}
