import sharp from 'sharp';
import type { LngLat } from '../domain/geo';
import { lngLatToMercator, mercatorScaleFactor } from './mercator';
import type { ImageGrid, MercatorBox, RoofTarget } from './types';

/**
 * The free-first chain's local fallback for roof imagery: the footprint drawn as a plain roof on
 * a flat, hatched background — no photograph, so it cannot be mistaken for one. A red dashed
 * border and the words "SYNTHETIC — manual review" mark it; the chain marks the result low
 * confidence. Its grid is a true Web Mercator grid (footprint box plus margin), so crops,
 * overlays and the map place it exactly where a real image would go.
 *
 *   renderSyntheticRoof(target, { marginM, groundMetresPerPixel? = 0.15 }) → { png, grid, width, height }
 *
 * A target with no footprint gets a default 12 m square, drawn dashed (its shape is unknown).
 */

export interface SyntheticRoofOptions {
  /** Ground metres shown around the footprint's box on each side. */
  marginM: number;
  groundMetresPerPixel?: number;
}

export interface SyntheticRoof {
  png: Buffer;
  grid: ImageGrid;
  width: number;
  height: number;
}

export const SYNTHETIC_ROOF_LABEL = 'SYNTHETIC — manual review';
/** The side of the square assumed when only a point is known. */
export const DEFAULT_FOOTPRINT_M = 12;
const MAX_SIDE_PX = 4000;
const BACKGROUND = '#c9c7c0';
export const SYNTHETIC_ROOF_FILL = '#7d7f84';

export async function renderSyntheticRoof(target: RoofTarget, options: SyntheticRoofOptions): Promise<SyntheticRoof> {
  const metresPerPixel = options.groundMetresPerPixel ?? 0.15;
  if (!(metresPerPixel > 0) || !Number.isFinite(metresPerPixel)) throw new RangeError(`A synthetic roof needs a resolution above 0 m per pixel, got ${metresPerPixel}.`);
  if (!(options.marginM >= 0) || !Number.isFinite(options.marginM)) throw new RangeError(`A synthetic roof's margin must be 0 m or more, got ${options.marginM}.`);
  if (!Number.isFinite(target.lat) || !Number.isFinite(target.lng) || Math.abs(target.lat) > 85 || Math.abs(target.lng) > 180) {
    throw new RangeError(`Property ${target.propertyId} has no usable position (${target.lat}, ${target.lng}); a synthetic roof cannot be placed.`);
  }
  // Mercator metres per ground metre at this latitude.
  const stretch = 1 / mercatorScaleFactor(target.lat);
  const assumed = !target.footprint || target.footprint.length < 4;
  const ring = assumed ? squareAround(target.lat, target.lng, DEFAULT_FOOTPRINT_M * stretch) : target.footprint!.map((point) => lngLatToMercator(point));

  const [minX, minY, maxX, maxY] = boxOf(ring);
  const margin = options.marginM * stretch;
  const perPixel = metresPerPixel * stretch;
  const width = Math.max(8, Math.ceil((maxX - minX + 2 * margin) / perPixel));
  const height = Math.max(8, Math.ceil((maxY - minY + 2 * margin) / perPixel));
  if (width > MAX_SIDE_PX || height > MAX_SIDE_PX) {
    throw new RangeError(`A synthetic roof for property ${target.propertyId} would be ${width} × ${height} px (the most is ${MAX_SIDE_PX}); its footprint is implausibly large — check it, or use a coarser resolution.`);
  }
  // Note: the box grows to whole pixels around the footprint's centre, so pixels stay square.
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const box: MercatorBox = [cx - (width * perPixel) / 2, cy - (height * perPixel) / 2, cx + (width * perPixel) / 2, cy + (height * perPixel) / 2];
  const toPx = ([x, y]: [number, number]): [number, number] => [(x - box[0]) / perPixel, (box[3] - y) / perPixel];
  const svg = roofSvg(ring.map(toPx), width, height, assumed, metresPerPixel);
  const png = await sharp(Buffer.from(svg)).removeAlpha().png().toBuffer();
  return { png, grid: { box, width, height }, width, height };
}

function roofSvg(ring: [number, number][], width: number, height: number, assumed: boolean, metresPerPixel: number): string {
  const d = ring.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${f(x)} ${f(y)}`).join('') + 'Z';
  const hatch = Math.max(6, Math.round(1.5 / metresPerPixel));
  const edge = Math.max(2, Math.round(Math.min(width, height) / 60));
  const axis = mainAxis(ring);
  const ridge = `M${f(axis.from[0])} ${f(axis.from[1])}L${f(axis.to[0])} ${f(axis.to[1])}`;
  const fontSize = Math.max(8, Math.min(22, Math.round(width / 22)));
  const label = width >= 120 ? `<text x="${edge * 3}" y="${edge * 3 + fontSize}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${fontSize}" font-weight="bold" fill="#b3001b">${SYNTHETIC_ROOF_LABEL}</text>` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><pattern id="hatch" width="${hatch}" height="${hatch}" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="${hatch}" height="${hatch}" fill="${BACKGROUND}"/><rect width="${Math.max(1, hatch / 6)}" height="${hatch}" fill="#b9b7b0"/></pattern></defs>` +
    `<rect width="${width}" height="${height}" fill="url(#hatch)"/>` +
    `<path d="${d}" fill="${SYNTHETIC_ROOF_FILL}" stroke="#3c3d40" stroke-width="${edge}" stroke-linejoin="round"${assumed ? ` stroke-dasharray="${edge * 3} ${edge * 2}"` : ''}/>` +
    `<path d="${ridge}" stroke="#a9abb0" stroke-width="${Math.max(1, edge / 2)}"/>` +
    `<rect x="${edge / 2}" y="${edge / 2}" width="${width - edge}" height="${height - edge}" fill="none" stroke="#b3001b" stroke-width="${edge}" stroke-dasharray="${edge * 4} ${edge * 3}"/>` +
    label +
    `</svg>`
  );
}

function squareAround(lat: number, lng: number, sideMercator: number): [number, number][] {
  const [x, y] = lngLatToMercator([lng, lat] as LngLat);
  const h = sideMercator / 2;
  return [
    [x - h, y - h],
    [x + h, y - h],
    [x + h, y + h],
    [x - h, y + h],
    [x - h, y - h],
  ];
}

function boxOf(ring: [number, number][]): MercatorBox {
  let box: MercatorBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of ring) box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)];
  return box;
}

/** A ridge along the footprint's longest edge direction, through the middle, short of the ends (a hip roof). */
function mainAxis(ring: [number, number][]): { from: [number, number]; to: [number, number] } {
  let dir: [number, number] = [1, 0];
  let longest = -1;
  for (let k = 0; k + 1 < ring.length; k += 1) {
    const dx = ring[k + 1]![0] - ring[k]![0];
    const dy = ring[k + 1]![1] - ring[k]![1];
    const length = Math.hypot(dx, dy);
    if (length > longest) [dir, longest] = [[dx / length, dy / length], length];
  }
  let [minU, maxU, minV, maxV] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of ring) {
    const u = x * dir[0] + y * dir[1];
    const v = -x * dir[1] + y * dir[0];
    [minU, maxU, minV, maxV] = [Math.min(minU, u), Math.max(maxU, u), Math.min(minV, v), Math.max(maxV, v)];
  }
  const inset = Math.min((maxV - minV) / 2, (maxU - minU) / 2);
  const v = (minV + maxV) / 2;
  const at = (u: number): [number, number] => [u * dir[0] - v * dir[1], u * dir[1] + v * dir[0]];
  return { from: at(minU + inset), to: at(maxU - inset) };
}

function f(value: number): string {
  return (Math.round(value * 100) / 100).toString();
}
