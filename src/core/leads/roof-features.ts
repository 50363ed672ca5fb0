import { assessImageQuality } from '../imagery/quality';
import type { RasterImage } from '../imagery/types';
import type { RoofImageFeatures } from './types';

/**
 * What a roof picture shows of the roof's wear, measured only on pixels INSIDE the footprint
 * (browser-safe, pure):
 *
 *   computeRoofFeatures(image, footprint, { groundResolutionM }) → RoofImageFeatures
 *   roofMask(width, height, footprint)                            → 1 per pixel of roof
 *
 * The footprint is a ring of image pixels [[col, row], …] (an outline drawn onto the crop), a box
 * [x0, y0, x1, y1] of image pixels (roof_images.footprint_px), or null: then the middle half of
 * the width and of the height (a roof crop is centred on its roof). A pixel is roof when its
 * centre lies inside (even–odd rule), it carries data (not transparent, pure black or pure white:
 * the fills outside an imagery server's coverage), and it is at least EDGE_INSET_M inside the
 * outline. Note: footprints from OSM are often off by a little; the inset keeps eaves, cast
 * shadows and lawn at the edge from reading as dark streaks or moss. Lengths are in ground
 * metres, so the same roof measures alike at 0.075 m and at 0.6 m per pixel.
 *
 * Luma is BT.601 (0.299 R + 0.587 G + 0.114 B, 0..255), as in core/imagery/quality.ts.
 *
 * * roofPixels — roof pixels measured.
 * * darkStreakShare — share of roof pixels on dark lines: algae streaks and granule-loss trails
 *   run down the slope as lines about half a metre wide. Luma is first averaged over ~SMOOTH_M
 *   (sensor grain); at each roof pixel the mean along a line of STREAK_LINE_M is taken at
 *   LINE_ORIENTATIONS orientations (a line operator, as Ricci & Perfetti's for retinal vessels).
 *   The pixel is on a streak when its darkest line is at least depth = max(DARK_MIN_DELTA,
 *   DARK_FRACTION × reference) below the reference — the median roof luma within about
 *   REFERENCE_WINDOW_M, so a facet in shade is its own reference — and at least LINE_CONTRAST ×
 *   depth darker than the line across it: a line, not a blotch (a patch, a vent, a shadow). The
 *   slope's direction is not known, so a dark line in any direction counts. Lines mostly off the
 *   roof are not used.
 * * patchiness — blotchiness at about a metre: the roof is cut into blocks of PATCH_BLOCK_M;
 *   each block's mean luma is compared with the median of its 3 × 3 neighbouring blocks (so the
 *   step between facets does not count); r = RMS of those differences ÷ the roof's median luma;
 *   patchiness = 1 − exp(−r² / PATCH_SCALE²): 0 for an even roof, 0.63 at r = PATCH_SCALE.
 * * mossShare — share of roof pixels where green leads both red and blue by MOSS_MARGIN levels
 *   and by MOSS_RATIO: moss, lichen, and (a known confusion) branches hanging over the roof.
 * * meanLuma — mean luma of the roof pixels.
 * * sharpness — assessImageQuality's sharpness of the roof's bounding box (crop of the image).
 * * usable — at least MIN_ROOF_PIXELS roof pixels covering MIN_ROOF_AREA_M2, sharpness at least
 *   MIN_SHARPNESS (quality.ts's "too blurry to judge" floor), and under MAX_CLOUD_SHARE cloud in
 *   the roof's box. When not usable the other features are still measured but mean little.
 *
 * Figures: on the aerial emulator's 'satellite' renders at 0.15 m a composition-shingle roof reads
 * darkStreakShare 0.04–0.05 and patchiness 0.25–0.4 when 1–7 years old, 0.16 and 0.55 at 35
 * years (its renders are grainier than real photos, so a new roof is not 0); NAIP-look 0.6 m
 * renders read 0.00–0.05 and 0.16 new, 0.15 and 0.42 old (roof-features.test.ts).
 */

export type RoofFootprintPx = [number, number][] | [number, number, number, number] | null;

export interface RoofFeatureOptions {
  /** Ground metres per pixel of `image` (for an enhanced crop: the provider's pixels ÷ its scale). */
  groundResolutionM: number;
  /**
   * The picture's sharpness as judged on the provider's own pixels (roof_images quality). Note: a
   * ×4 enhanced crop reads soft per pixel however clear the source was, so the image-processor
   * passes the source's figure rather than have the enhanced pixels judged.
   */
  sourceSharpness?: number;
}

/** Roof pixels within this much of the outline are not measured (misregistered outlines, eaves). */
export const EDGE_INSET_M = 0.3;
/** Dark-pixel detection works on luma averaged over about this width (at least one pixel). */
const SMOOTH_M = 0.4;
/** The reference a pixel is compared with: the median roof luma in a window about this wide. */
const REFERENCE_WINDOW_M = 3;
export const DARK_MIN_DELTA = 20;
export const DARK_FRACTION = 0.2;
/** Streaks are found with lines this long at LINE_ORIENTATIONS orientations. */
export const STREAK_LINE_M = 1.2;
const LINE_ORIENTATIONS = 8;
/** A line must be this share of the depth darker than the line across it: a line, not a blotch. */
export const LINE_CONTRAST = 0.5;
export const PATCH_BLOCK_M = 1;
export const PATCH_SCALE = 0.25;
export const MOSS_MARGIN = 6;
export const MOSS_RATIO = 1.08;
export const MIN_ROOF_PIXELS = 256;
export const MIN_ROOF_AREA_M2 = 20;
export const MIN_SHARPNESS = 0.25;
export const MAX_CLOUD_SHARE = 0.25;

export function computeRoofFeatures(image: RasterImage, footprint: RoofFootprintPx, options: RoofFeatureOptions): RoofImageFeatures {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * channels) {
    throw new RangeError(`The image's pixels do not match its size: ${width} × ${height} × ${channels} needs ${width * height * channels} bytes, got ${data.length}.`);
  }
  const resolution = options.groundResolutionM;
  if (!Number.isFinite(resolution) || resolution <= 0) throw new RangeError(`Ground resolution must be a positive number of metres per pixel, got ${resolution}.`);

  const outline = roofMask(width, height, footprint);
  const bounds = maskBounds(outline, width, height);
  if (bounds === null) return emptyFeatures();
  // Everything below works in the outline's bounding box: `w × h` pixels from (left, top).
  const { left, top, right, bottom } = bounds;
  const w = right - left;
  const h = bottom - top;
  const luma = new Float32Array(w * h);
  const raw = new Uint8Array(w * h);
  let mossPixels = 0;
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const q = (top + y) * width + left + x;
      const o = q * channels;
      const r = data[o]!;
      const g = data[o + 1]!;
      const b = data[o + 2]!;
      const p = y * w + x;
      luma[p] = 0.299 * r + 0.587 * g + 0.114 * b;
      const noData = (channels === 4 && data[o + 3] === 0) || (r === 0 && g === 0 && b === 0) || (r === 255 && g === 255 && b === 255);
      raw[p] = outline[q] === 1 && !noData ? 1 : 0;
    }
  }
  const inset = Math.max(1, Math.round(EDGE_INSET_M / resolution));
  const mask = erode(raw, w, h, inset);
  let roofPixels = 0;
  let lumaSum = 0;
  for (let p = 0; p < mask.length; p += 1) {
    if (mask[p] === 0) continue;
    roofPixels += 1;
    lumaSum += luma[p]!;
    const o = ((top + Math.floor(p / w)) * width + left + (p % w)) * channels;
    const r = data[o]!;
    const g = data[o + 1]!;
    const b = data[o + 2]!;
    if (g - Math.max(r, b) >= MOSS_MARGIN && g >= MOSS_RATIO * r && g >= MOSS_RATIO * b) mossPixels += 1;
  }

  const crop = cropImage(image, bounds);
  const measured = assessImageQuality(crop, { groundResolutionM: resolution });
  const quality = options.sourceSharpness === undefined ? measured : { ...measured, sharpness: options.sourceSharpness };
  if (roofPixels === 0) return { ...emptyFeatures(), sharpness: quality.sharpness };

  const median = maskedMedian(luma, mask);
  const streakPixels = darkStreakPixels(luma, mask, w, h, resolution);
  const patchiness = patchinessOf(luma, mask, w, h, resolution, median);
  const usable = roofPixels >= MIN_ROOF_PIXELS && roofPixels * resolution * resolution >= MIN_ROOF_AREA_M2 && quality.sharpness >= MIN_SHARPNESS && quality.cloudShare < MAX_CLOUD_SHARE;
  return {
    version: 1,
    roofPixels,
    darkStreakShare: round4(streakPixels / roofPixels),
    patchiness: round4(patchiness),
    mossShare: round4(mossPixels / roofPixels),
    meanLuma: round4(lumaSum / roofPixels),
    sharpness: quality.sharpness,
    usable,
  };
}

function emptyFeatures(): RoofImageFeatures {
  return { version: 1, roofPixels: 0, darkStreakShare: 0, patchiness: 0, mossShare: 0, meanLuma: 0, sharpness: 0, usable: false };
}

/** 1 for each pixel whose centre lies inside the footprint (see the header for the three forms). */
export function roofMask(width: number, height: number, footprint: RoofFootprintPx): Uint8Array {
  const mask = new Uint8Array(width * height);
  if (footprint === null) {
    fillBox(mask, width, height, [width / 4, height / 4, (3 * width) / 4, (3 * height) / 4]);
  } else if (isBox(footprint)) {
    if (!footprint.every(Number.isFinite)) throw new RangeError(`A footprint box needs four finite pixel positions, got [${footprint.join(', ')}].`);
    fillBox(mask, width, height, footprint);
  } else {
    if (footprint.length < 3 || !footprint.every((point) => point.length === 2 && Number.isFinite(point[0]) && Number.isFinite(point[1]))) {
      throw new RangeError('A footprint outline needs at least three [column, row] pixel positions, all finite.');
    }
    fillRing(mask, width, height, footprint);
  }
  return mask;
}

function isBox(footprint: Exclude<RoofFootprintPx, null>): footprint is [number, number, number, number] {
  return footprint.length === 4 && footprint.every((value) => typeof value === 'number');
}

function fillBox(mask: Uint8Array, width: number, height: number, [a, b, c, d]: readonly number[]): void {
  // Pixel (x, y) is inside when its centre (x + 0.5, y + 0.5) is: x ≥ ⌈x0 − 0.5⌉ and x < ⌈x1 − 0.5⌉.
  const x0 = clampInt(Math.ceil(Math.min(a!, c!) - 0.5), 0, width);
  const x1 = clampInt(Math.ceil(Math.max(a!, c!) - 0.5), 0, width);
  const y0 = clampInt(Math.ceil(Math.min(b!, d!) - 0.5), 0, height);
  const y1 = clampInt(Math.ceil(Math.max(b!, d!) - 0.5), 0, height);
  for (let y = y0; y < y1; y += 1) mask.fill(1, y * width + x0, y * width + x1);
}

/** Scanline fill with the even–odd rule at pixel centres; an open ring is closed. */
function fillRing(mask: Uint8Array, width: number, height: number, ring: readonly [number, number][]): void {
  const points = ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1] ? ring.slice(0, -1) : ring;
  const crossings: number[] = [];
  for (let y = 0; y < height; y += 1) {
    const cy = y + 0.5;
    crossings.length = 0;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [xi, yi] = points[i]!;
      const [xj, yj] = points[j]!;
      if (yi > cy !== yj > cy) crossings.push(xi + ((cy - yi) * (xj - xi)) / (yj - yi));
    }
    crossings.sort((p, q) => p - q);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const x0 = clampInt(Math.ceil(crossings[k]! - 0.5), 0, width);
      const x1 = clampInt(Math.ceil(crossings[k + 1]! - 0.5), 0, width);
      if (x1 > x0) mask.fill(1, y * width + x0, y * width + x1);
    }
  }
}

function maskBounds(mask: Uint8Array, width: number, height: number): { left: number; top: number; right: number; bottom: number } | null {
  let left = width;
  let top = height;
  let right = 0;
  let bottom = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (mask[y * width + x] === 0) continue;
      left = Math.min(left, x);
      right = Math.max(right, x + 1);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y + 1);
    }
  }
  return right > left ? { left, top, right, bottom } : null;
}

function cropImage(image: RasterImage, { left, top, right, bottom }: { left: number; top: number; right: number; bottom: number }): RasterImage {
  const { width, channels, data } = image;
  const w = right - left;
  const out = new Uint8Array(w * (bottom - top) * channels);
  for (let y = top; y < bottom; y += 1) out.set(data.subarray((y * width + left) * channels, (y * width + right) * channels), (y - top) * w * channels);
  return { width: w, height: bottom - top, channels, data: out };
}

/** Keeps the pixels whose whole (2r + 1)² square is in the mask (outside the box counts as out). */
function erode(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const across = new Uint8Array(mask.length);
  for (let y = 0; y < h; y += 1) {
    let run = 0;
    // Note: a run length per row, then per column: O(pixels) whatever the radius.
    const rowRuns = new Int32Array(w);
    for (let x = w - 1; x >= 0; x -= 1) rowRuns[x] = run = mask[y * w + x] ? run + 1 : 0;
    run = 0;
    for (let x = 0; x < w; x += 1) {
      run = mask[y * w + x] ? run + 1 : 0;
      across[y * w + x] = run > r && rowRuns[x]! > r ? 1 : 0;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < w; x += 1) {
    const colRuns = new Int32Array(h);
    let run = 0;
    for (let y = h - 1; y >= 0; y -= 1) colRuns[y] = run = across[y * w + x] ? run + 1 : 0;
    run = 0;
    for (let y = 0; y < h; y += 1) {
      run = across[y * w + x] ? run + 1 : 0;
      out[y * w + x] = run > r && colRuns[y]! > r ? 1 : 0;
    }
  }
  return out;
}

/** Mean of `values` over masked pixels in the (2r + 1)² square around each pixel (integral images). */
function maskedBoxMean(values: Float32Array, mask: Uint8Array, w: number, h: number, r: number): Float32Array {
  if (r === 0) return values;
  const sums = new Float64Array((w + 1) * (h + 1));
  const counts = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const m = mask[y * w + x]!;
      const i = (y + 1) * (w + 1) + x + 1;
      sums[i] = (m ? values[y * w + x]! : 0) + sums[i - 1]! + sums[i - w - 1]! - sums[i - w - 2]!;
      counts[i] = m + counts[i - 1]! + counts[i - w - 1]! - counts[i - w - 2]!;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y += 1) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x += 1) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const a = y0 * (w + 1) + x0;
      const b = y0 * (w + 1) + x1;
      const c = y1 * (w + 1) + x0;
      const d = y1 * (w + 1) + x1;
      const n = counts[d]! - counts[b]! - counts[c]! + counts[a]!;
      out[y * w + x] = n > 0 ? (sums[d]! - sums[b]! - sums[c]! + sums[a]!) / n : values[y * w + x]!;
    }
  }
  return out;
}

/** Pixels on dark lines (the header's rule): a line operator on smoothed luma. */
function darkStreakPixels(luma: Float32Array, mask: Uint8Array, w: number, h: number, resolution: number): number {
  const smooth = maskedBoxMean(luma, mask, w, h, Math.floor(SMOOTH_M / resolution / 2));
  const reference = localMedians(smooth, mask, w, h, Math.max(2, Math.round(REFERENCE_WINDOW_M / resolution / 2)));
  const half = Math.max(2, Math.round(STREAK_LINE_M / resolution / 2));
  // Offsets of each orientation's line, nearest pixel per step (Bresenham-like sampling).
  const lines: Int32Array[] = [];
  const steps: [number, number][][] = [];
  for (let k = 0; k < LINE_ORIENTATIONS; k += 1) {
    const angle = (k * Math.PI) / LINE_ORIENTATIONS;
    const offsets: [number, number][] = [];
    for (let t = -half; t <= half; t += 1) offsets.push([Math.round(t * Math.cos(angle)), Math.round(t * Math.sin(angle))]);
    steps.push(offsets);
    lines.push(Int32Array.from(offsets, ([dx, dy]) => dy * w + dx));
  }
  const means = new Float32Array(LINE_ORIENTATIONS);
  let count = 0;
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const p = y * w + x;
      if (mask[p] === 0) continue;
      let darkest = 0;
      for (let k = 0; k < LINE_ORIENTATIONS; k += 1) {
        let sum = 0;
        let n = 0;
        const offsets = steps[k]!;
        for (let i = 0; i < offsets.length; i += 1) {
          const [dx, dy] = offsets[i]!;
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || nx >= w || ny < 0 || ny >= h) continue;
          const q = p + lines[k]![i]!;
          if (mask[q] === 0) continue;
          sum += smooth[q]!;
          n += 1;
        }
        // Note: a line mostly off the roof says nothing about the roof.
        means[k] = n >= offsets.length * 0.75 ? sum / n : Number.POSITIVE_INFINITY;
        if (means[k]! < means[darkest]!) darkest = k;
      }
      const along = means[darkest]!;
      const across = means[(darkest + LINE_ORIENTATIONS / 2) % LINE_ORIENTATIONS]!;
      if (!Number.isFinite(along)) continue;
      const ref = reference[p]!;
      const depth = Math.max(DARK_MIN_DELTA, DARK_FRACTION * ref);
      if (ref - along >= depth && across - along >= LINE_CONTRAST * depth) count += 1;
    }
  }
  return count;
}

/** Per pixel: the median of masked values in the window of two cells around the pixel's cell. */
function localMedians(values: Float32Array, mask: Uint8Array, w: number, h: number, cell: number): Float32Array {
  const cellsX = Math.ceil(w / cell);
  const cellsY = Math.ceil(h / cell);
  const medians = new Float32Array(cellsX * cellsY);
  const histogram = new Uint32Array(256);
  for (let cy = 0; cy < cellsY; cy += 1) {
    for (let cx = 0; cx < cellsX; cx += 1) {
      histogram.fill(0);
      let count = 0;
      const x1 = Math.min(w, Math.ceil((cx + 1.5) * cell));
      const y1 = Math.min(h, Math.ceil((cy + 1.5) * cell));
      for (let y = Math.max(0, Math.floor((cy - 0.5) * cell)); y < y1; y += 1) {
        for (let x = Math.max(0, Math.floor((cx - 0.5) * cell)); x < x1; x += 1) {
          if (mask[y * w + x] === 0) continue;
          histogram[Math.min(255, Math.max(0, Math.round(values[y * w + x]!)))]! += 1;
          count += 1;
        }
      }
      medians[cy * cellsX + cx] = count === 0 ? 0 : histogramMedian(histogram, count);
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) out[y * w + x] = medians[Math.floor(y / cell) * cellsX + Math.floor(x / cell)]!;
  }
  return out;
}

/** The header's patchiness: RMS of block means against their neighbours' median, relative, saturated. */
function patchinessOf(luma: Float32Array, mask: Uint8Array, w: number, h: number, resolution: number, median: number): number {
  const block = Math.max(2, Math.round(PATCH_BLOCK_M / resolution));
  const bx = Math.ceil(w / block);
  const by = Math.ceil(h / block);
  const means = new Float32Array(bx * by).fill(Number.NaN);
  for (let j = 0; j < by; j += 1) {
    for (let i = 0; i < bx; i += 1) {
      let sum = 0;
      let count = 0;
      for (let y = j * block; y < Math.min(h, (j + 1) * block); y += 1) {
        for (let x = i * block; x < Math.min(w, (i + 1) * block); x += 1) {
          if (mask[y * w + x] === 0) continue;
          sum += luma[y * w + x]!;
          count += 1;
        }
      }
      // Note: blocks mostly off the roof (its edge) would compare part-blocks with whole ones.
      if (count >= (block * block) / 2) means[j * bx + i] = sum / count;
    }
  }
  let squares = 0;
  let compared = 0;
  const neighbours: number[] = [];
  for (let j = 0; j < by; j += 1) {
    for (let i = 0; i < bx; i += 1) {
      const own = means[j * bx + i]!;
      if (Number.isNaN(own)) continue;
      neighbours.length = 0;
      for (let dj = -1; dj <= 1; dj += 1) {
        for (let di = -1; di <= 1; di += 1) {
          if ((di === 0 && dj === 0) || i + di < 0 || i + di >= bx || j + dj < 0 || j + dj >= by) continue;
          const other = means[(j + dj) * bx + i + di]!;
          if (!Number.isNaN(other)) neighbours.push(other);
        }
      }
      if (neighbours.length < 3) continue;
      neighbours.sort((a, b) => a - b);
      const middle = neighbours.length / 2;
      const local = neighbours.length % 2 === 1 ? neighbours[Math.floor(middle)]! : (neighbours[middle - 1]! + neighbours[middle]!) / 2;
      squares += (own - local) ** 2;
      compared += 1;
    }
  }
  if (compared === 0 || median <= 0) return 0;
  const relative = Math.sqrt(squares / compared) / median;
  return 1 - Math.exp(-((relative / PATCH_SCALE) ** 2));
}

function maskedMedian(values: Float32Array, mask: Uint8Array): number {
  const histogram = new Uint32Array(256);
  let count = 0;
  for (let p = 0; p < values.length; p += 1) {
    if (mask[p] === 0) continue;
    histogram[Math.min(255, Math.round(values[p]!))]! += 1;
    count += 1;
  }
  return count === 0 ? 0 : histogramMedian(histogram, count);
}

function histogramMedian(histogram: Uint32Array, count: number): number {
  const half = count / 2;
  let below = 0;
  for (let level = 0; level < 256; level += 1) {
    below += histogram[level]!;
    if (below >= half) return level;
  }
  return 255;
}

function clampInt(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
