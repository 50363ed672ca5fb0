import { z } from 'zod';
import { mercatorBoxToBBox } from './mercator';
import type { ImageryTile, MercatorBox } from './types';

/**
 * imagery_tiles rows read back, and the small geometry the tile cache ranks and measures them
 * with: box containment, "which tile is better", and the share of a box a set of tiles covers.
 */

/** Containment slack in Mercator metres: a tile cut to exactly the box still holds it. */
const CONTAIN_SLACK_M = 1e-6;

export const mercatorBoxSchema = z
  .tuple([z.number().finite(), z.number().finite(), z.number().finite(), z.number().finite()])
  .refine(([minX, minY, maxX, maxY]) => minX < maxX && minY < maxY, 'a box [minX, minY, maxX, maxY] with min below max');

export const tileRowSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    blob_sha256: z.string().regex(/^[0-9a-f]{64}$/),
    mime: z.string(),
    min_x: z.number(),
    min_y: z.number(),
    max_x: z.number(),
    max_y: z.number(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    ground_resolution_m: z.number().positive(),
    captured_at: z.string().nullable(),
    fetched_at: z.string(),
    expires_at: z.string().nullable(),
    quality: z.number().min(0).max(1),
    bytes: z.number().int().nonnegative(),
    last_used_at: z.string(),
    batch_id: z.string().nullable(),
    request_cost_micros: z.number().int().nonnegative(),
    attribution: z.string().nullable(),
  })
  .transform((row): ImageryTile => {
    const box: MercatorBox = [row.min_x, row.min_y, row.max_x, row.max_y];
    return {
      id: row.id,
      source: row.source,
      blobSha256: row.blob_sha256,
      mime: row.mime,
      grid: { box, width: row.width, height: row.height },
      bbox: mercatorBoxToBBox(box),
      groundResolutionM: row.ground_resolution_m,
      capturedAt: row.captured_at,
      fetchedAt: row.fetched_at,
      expiresAt: row.expires_at,
      quality: row.quality,
      bytes: row.bytes,
      lastUsedAt: row.last_used_at,
      batchId: row.batch_id,
      requestCostMicros: row.request_cost_micros,
      attribution: row.attribution,
    };
  });

export function tileBoxContains(outer: MercatorBox, inner: MercatorBox): boolean {
  return (
    outer[0] <= inner[0] + CONTAIN_SLACK_M &&
    outer[1] <= inner[1] + CONTAIN_SLACK_M &&
    outer[2] >= inner[2] - CONTAIN_SLACK_M &&
    outer[3] >= inner[3] - CONTAIN_SLACK_M
  );
}

/**
 * Finest resolution first, then the newest capture (known dates before unknown), then the newest
 * fetch, then quality. Note: resolutions are compared to the centimetre, so two NAIP tiles of the
 * same flight (0.6 m, differing in the tenth decimal by latitude) rank by date, not by noise.
 */
export function bestTileFirst(a: ImageryTile, b: ImageryTile): number {
  const resolution = Math.round(a.groundResolutionM * 100) - Math.round(b.groundResolutionM * 100);
  if (resolution !== 0) return resolution;
  const captured = compareDesc(a.capturedAt, b.capturedAt);
  if (captured !== 0) return captured;
  const fetched = compareDesc(a.fetchedAt, b.fetchedAt);
  if (fetched !== 0) return fetched;
  return b.quality - a.quality;
}

function compareDesc(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return Date.parse(b) - Date.parse(a) || (a < b ? 1 : -1);
}

/** Share 0..1 of the target's area covered by the union of the boxes (clipped to it). */
export function coveredShare(target: MercatorBox, boxes: MercatorBox[]): number {
  const [minX, minY, maxX, maxY] = target;
  const clipped = boxes
    .map(([x0, y0, x1, y1]): MercatorBox => [Math.max(x0, minX), Math.max(y0, minY), Math.min(x1, maxX), Math.min(y1, maxY)])
    .filter(([x0, y0, x1, y1]) => x0 < x1 && y0 < y1);
  if (clipped.length === 0) return 0;
  // Note: exact union area by cutting the target into the cells the box edges make; a box
  // meets only a handful of tiles, so the cubic cost does not matter.
  const xs = [...new Set(clipped.flatMap((box) => [box[0], box[2]]))].sort((a, b) => a - b);
  const ys = [...new Set(clipped.flatMap((box) => [box[1], box[3]]))].sort((a, b) => a - b);
  let area = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    for (let j = 0; j + 1 < ys.length; j++) {
      const cx = (xs[i]! + xs[i + 1]!) / 2;
      const cy = (ys[j]! + ys[j + 1]!) / 2;
      if (clipped.some(([x0, y0, x1, y1]) => x0 <= cx && cx <= x1 && y0 <= cy && cy <= y1)) {
        area += (xs[i + 1]! - xs[i]!) * (ys[j + 1]! - ys[j]!);
      }
    }
  }
  return Math.min(1, area / ((maxX - minX) * (maxY - minY)));
}
