import type { LatLng, LngLat } from '../domain/geo';
import { lngLatToMercator, mercatorScaleFactor, mercatorToLngLat } from './mercator';
import type { ImageGrid, MercatorBox, PixelRect, RoofTarget } from './types';

/**
 * Where a roof lies in an image (browser-safe, pure). Every grid is Web Mercator, so a Mercator
 * box maps linearly onto pixels: x grows east → columns grow right; y grows north → rows grow down.
 *
 *   footprintBox(target, marginM)        → the Mercator box a crop of the roof must cover
 *   coversBox(outer, inner)              → does an image's box hold a roof's box?
 *   cropRect(grid, box)                  → the pixels of a box inside an image, or null
 *   ringToPixels(grid, ring, origin?)    → a footprint in image (or crop) pixels
 *   pixelToLngLat(grid, [col, row])      → back to the ground
 *   gridForBox(box, groundM, limits)     → the image to ask a provider for, or why it cannot
 *   unionBox(boxes) · haversineM(a, b) · groundSpanM(bbox)
 */

/** Mean Earth radius (IUGG), the usual sphere for haversine ground distances. */
export const MEAN_EARTH_RADIUS_M = 6_371_008.8;
/** The square assumed around a point when no building outline is known: a large house and its eaves. */
export const DEFAULT_POINT_BOX_M = 30;
/** A pixel edge within this fraction of a pixel counts as on the edge (floating-point slack). */
const EDGE_SLACK_PX = 0.01;

const RAD = Math.PI / 180;

export function haversineM(a: LatLng, b: LatLng): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLng = (b.lng - a.lng) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * MEAN_EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The box a roof crop must cover: the footprint's bounds (or a DEFAULT_POINT_BOX_M square around
 * the point) grown by `marginM` ground metres on every side.
 * Note: a ground metre is 1/cos(lat) Mercator metres, so the margin is stretched by the roof's latitude.
 */
export function footprintBox(target: RoofTarget, marginM: number): MercatorBox {
  if (!Number.isFinite(marginM) || marginM < 0) throw new RangeError(`The crop margin must be zero or more metres, got ${marginM}.`);
  const stretch = 1 / mercatorScaleFactor(target.lat);
  let box: MercatorBox;
  if (target.footprint && target.footprint.length > 0) {
    box = boxOfPoints(target.footprint.map(lngLatToMercator));
  } else {
    const [x, y] = lngLatToMercator([target.lng, target.lat]);
    const half = (DEFAULT_POINT_BOX_M / 2) * stretch;
    box = [x - half, y - half, x + half, y + half];
  }
  const grow = marginM * stretch;
  return [box[0] - grow, box[1] - grow, box[2] + grow, box[3] + grow];
}

/** True when `inner` lies wholly inside `outer` (edges included). */
export function coversBox(outer: MercatorBox, inner: MercatorBox): boolean {
  return inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
}

/** The smallest box holding every box; null for none. */
export function unionBox(boxes: readonly MercatorBox[]): MercatorBox | null {
  if (boxes.length === 0) return null;
  const out: MercatorBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [minX, minY, maxX, maxY] of boxes) {
    out[0] = Math.min(out[0], minX);
    out[1] = Math.min(out[1], minY);
    out[2] = Math.max(out[2], maxX);
    out[3] = Math.max(out[3], maxY);
  }
  return out;
}

/** Fractional pixel position [column, row] of a Mercator point in a grid (0,0 = top-left corner). */
export function mercatorToPixel(grid: ImageGrid, [x, y]: [number, number]): [number, number] {
  const [minX, minY, maxX, maxY] = grid.box;
  return [((x - minX) / (maxX - minX)) * grid.width, ((maxY - y) / (maxY - minY)) * grid.height];
}

export function pixelToLngLat(grid: ImageGrid, [col, row]: [number, number]): LngLat {
  const [minX, minY, maxX, maxY] = grid.box;
  return mercatorToLngLat([minX + (col / grid.width) * (maxX - minX), maxY - (row / grid.height) * (maxY - minY)]);
}

/**
 * The pixels of `target` inside the image, rounded outward to whole pixels so nothing of the roof
 * is cut; null when the target is not wholly inside the image (a part-roof crop is no crop).
 */
export function cropRect(grid: ImageGrid, target: MercatorBox): PixelRect | null {
  if (!validGrid(grid) || !(target[2] > target[0]) || !(target[3] > target[1])) return null;
  const [left, top] = mercatorToPixel(grid, [target[0], target[3]]);
  const [right, bottom] = mercatorToPixel(grid, [target[2], target[1]]);
  if (left < -EDGE_SLACK_PX || top < -EDGE_SLACK_PX || right > grid.width + EDGE_SLACK_PX || bottom > grid.height + EDGE_SLACK_PX) return null;
  // Note: the slack keeps an edge computed as 10.000000001 from growing the crop by a pixel.
  const x0 = Math.max(0, Math.floor(left + EDGE_SLACK_PX));
  const y0 = Math.max(0, Math.floor(top + EDGE_SLACK_PX));
  const x1 = Math.min(grid.width, Math.ceil(right - EDGE_SLACK_PX));
  const y1 = Math.min(grid.height, Math.ceil(bottom - EDGE_SLACK_PX));
  if (x1 <= x0 || y1 <= y0) return null;
  return { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * A ring of [lng, lat] as fractional pixel positions [column, row] in the grid's image, or in a
 * crop of it when `origin` is given (so an outline can be drawn straight onto the crop).
 */
export function ringToPixels(grid: ImageGrid, ring: readonly LngLat[], origin?: PixelRect): [number, number][] {
  const dx = origin?.left ?? 0;
  const dy = origin?.top ?? 0;
  return ring.map((point) => {
    const [col, row] = mercatorToPixel(grid, lngLatToMercator(point));
    return [col - dx, row - dy];
  });
}

export type GridPlan =
  | { kind: 'ok'; grid: ImageGrid; groundResolutionM: number }
  | { kind: 'too-large'; width: number; height: number; message: string };

/**
 * The image to request for a box at a ground resolution: square pixels, the box grown evenly
 * around its centre to whole pixels. 'too-large' when the provider's pixel limits cannot hold
 * it at that resolution; the caller splits the batch (planBatches' maxSpanM prevents this).
 * Note: ground metres per pixel are exact at the box's centre latitude only (Mercator).
 */
export function gridForBox(box: MercatorBox, groundMetresPerPixel: number, limits: { maxWidth: number; maxHeight: number }): GridPlan {
  if (!Number.isFinite(groundMetresPerPixel) || groundMetresPerPixel <= 0) throw new RangeError(`Ground resolution must be a positive number of metres per pixel, got ${groundMetresPerPixel}.`);
  if (!(box[2] >= box[0]) || !(box[3] >= box[1])) throw new RangeError('The box to image is empty or reversed (min must not exceed max).');
  const centreX = (box[0] + box[2]) / 2;
  const centreY = (box[1] + box[3]) / 2;
  const [, centreLat] = mercatorToLngLat([centreX, centreY]);
  const wanted = groundMetresPerPixel / mercatorScaleFactor(centreLat);
  // Note: a box 800.002 px wide (the cosine moves across a box) is 800 px, not 801; the pixel
  // then grows by that sliver so the image still covers the whole box.
  const width = Math.max(1, Math.ceil((box[2] - box[0]) / wanted - EDGE_SLACK_PX));
  const height = Math.max(1, Math.ceil((box[3] - box[1]) / wanted - EDGE_SLACK_PX));
  const mercatorPerPixel = Math.max(wanted, (box[2] - box[0]) / width, (box[3] - box[1]) / height);
  if (width > limits.maxWidth || height > limits.maxHeight) {
    return {
      kind: 'too-large',
      width,
      height,
      message: `An image of this area at ${groundMetresPerPixel} m per pixel needs ${width} × ${height} pixels; the provider allows at most ${limits.maxWidth} × ${limits.maxHeight}.`,
    };
  }
  const halfW = (width * mercatorPerPixel) / 2;
  const halfH = (height * mercatorPerPixel) / 2;
  return { kind: 'ok', grid: { box: [centreX - halfW, centreY - halfH, centreX + halfW, centreY + halfH], width, height }, groundResolutionM: mercatorPerPixel * mercatorScaleFactor(centreLat) };
}

/**
 * The longer edge of a [west, south, east, north] box in ground metres — what must fit in one
 * image. Note: east–west is measured along the edge nearer the equator, where it is widest.
 */
export function groundSpanM([west, south, east, north]: [number, number, number, number]): number {
  const equatorward = Math.abs(south) < Math.abs(north) ? south : north;
  const latForWidth = south <= 0 && north >= 0 ? 0 : equatorward;
  const width = haversineM({ lat: latForWidth, lng: west }, { lat: latForWidth, lng: east });
  const height = haversineM({ lat: south, lng: west }, { lat: north, lng: west });
  return Math.max(width, height);
}

function boxOfPoints(points: readonly [number, number][]): MercatorBox {
  const box: MercatorBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    box[0] = Math.min(box[0], x);
    box[1] = Math.min(box[1], y);
    box[2] = Math.max(box[2], x);
    box[3] = Math.max(box[3], y);
  }
  return box;
}

function validGrid(grid: ImageGrid): boolean {
  return grid.width > 0 && grid.height > 0 && grid.box[2] > grid.box[0] && grid.box[3] > grid.box[1];
}
