import type { BlobStore } from '../../core/blob-store';
import type { ImageryCacheStats, ImageryCoverage, RoofImageView } from '../../core/contracts/imagery-contract';
import { sourcePolicy } from '../../core/cost/sources';
import type { BBox } from '../../core/domain/geo';
import { batchesIn } from '../../core/imagery/batch-records';
import type { ImagerySettings } from '../../core/imagery/imagery-settings';
import { getRoofImage } from '../../core/imagery/roof-images';
import { cacheStats, evictTiles, tilesIn } from '../../core/imagery/tile-cache';
import type { Micros } from '../../core/money';
import { statement, type Db } from '../../core/store/database';
import type { UnstoredImages } from './unstored-images';

/**
 * What the renderer and the CLI are shown of imagery: one roof's image and its facts, the cached
 * tiles and batches in a box, and the cache's size.
 */

export async function roofImageView(db: Db, blobs: BlobStore, unstored: UnstoredImages, propertyId: string, withImage: boolean): Promise<RoofImageView | null> {
  const record = getRoofImage(db, propertyId);
  if (!record) return null;
  let imageDataUrl: string | null = null;
  if (withImage) {
    const sha = record.enhancedSha256 ?? record.imageSha256;
    const png = sha ? (await blobs.get(sha))?.bytes ?? null : unstored.get(propertyId);
    if (png) imageDataUrl = `data:image/png;base64,${png.toString('base64')}`;
  }
  const attribution = record.sources
    .map((source) => sourcePolicy(db, source)?.licence.attribution ?? null)
    .filter((text): text is string => typeof text === 'string' && text.length > 0);
  return {
    propertyId: record.propertyId,
    stepKind: record.stepKind,
    sources: record.sources,
    attribution,
    costMicros: record.costMicros as Micros,
    groundResolutionM: record.groundResolutionM,
    enhancedResolutionM: record.enhancedScale ? record.groundResolutionM / record.enhancedScale : null,
    enhancedModel: record.enhancedModel,
    capturedAt: record.capturedAt,
    quality: record.quality,
    qualityDetail: record.qualityDetail,
    lowConfidence: record.lowConfidence,
    manualReview: record.manualReview,
    storable: record.storable,
    footprintPx: record.footprintPx,
    log: record.log,
    updatedAt: record.updatedAt,
    imageDataUrl,
  };
}

export function imageryCoverage(db: Db, bbox: BBox, options: { runId?: string | undefined; limit: number }): ImageryCoverage {
  const tiles = tilesIn(db, bbox, options.limit + 1);
  const batches = batchesIn(db, bbox, options.runId ? { runId: options.runId } : {});
  const truncated = tiles.length > options.limit || batches.length > options.limit;
  return {
    tiles: tiles.slice(0, options.limit).map((tile) => ({
      id: tile.id,
      source: tile.source,
      bbox: tile.bbox,
      groundResolutionM: tile.groundResolutionM,
      capturedAt: tile.capturedAt,
      expiresAt: tile.expiresAt,
      quality: tile.quality,
      batchId: tile.batchId,
    })),
    batches: batches.slice(0, options.limit).map((batch) => ({
      id: batch.id,
      runId: batch.runId,
      source: batch.source,
      state: batch.state,
      bbox: visibleBox(batch.bbox),
      centre: batch.centre,
      memberCount: batch.memberCount,
      requestCount: batch.requestCount,
      costMicros: batch.costMicros as Micros,
      costPerPropertyMicros: batch.costPerPropertyMicros as Micros,
    })),
    truncated,
  };
}

/** A batch of houses at one position (a duplex) has a zero-size box; the map draws it a metre wide. */
function visibleBox([west, south, east, north]: BBox): BBox {
  const pad = 0.000_005;
  return [west < east ? west : west - pad, south < north ? south : south - pad, west < east ? east : east + pad, south < north ? north : north + pad];
}

export function imageryCacheStats(db: Db): ImageryCacheStats {
  const stats = cacheStats(db);
  const roofImages = Number(statement(db, 'SELECT count(*) FROM roof_images').pluck().get());
  return { tiles: stats.tiles, bytes: stats.bytes, capBytes: stats.capBytes, expired: stats.expired, bySource: stats.bySource, roofImages };
}

export async function evictImageryCache(db: Db, blobs: BlobStore, settings: ImagerySettings): Promise<{ evicted: number; freedBytes: number; expired: number }> {
  const report = await evictTiles(db, blobs, { capBytes: settings.cacheCapBytes });
  return { evicted: report.expiredRemoved + report.lruRemoved, freedBytes: report.bytesFreed, expired: report.expiredRemoved };
}
