import { mercatorBoxToBBox, mercatorScaleFactor } from '../../core/imagery/mercator';
import type { ImageGrid, MercatorBox } from '../../core/imagery/types';

/**
 * How a box at a ground resolution becomes NAIP exportImage requests: the service refuses any
 * export wider or taller than its maxImageWidth / maxImageHeight (read from `?f=json`), so a
 * larger image is asked for as a grid of parts that tile the box exactly — shared edges, equal
 * metres per pixel, integer pixel offsets — and are stitched back into one image.
 *
 *   planNaipExports(box, groundMetresPerPixel, limits?) → NaipExportPlan
 */

export interface NaipExportLimits {
  maxImageWidth: number;
  maxImageHeight: number;
}

/** What the USGS NAIP service allows when its info cannot be read. */
export const DEFAULT_NAIP_LIMITS: NaipExportLimits = { maxImageWidth: 4000, maxImageHeight: 4000 };
/** Above this the request is a mistake (a county at 15 cm), not an image. */
export const MAX_NAIP_PARTS = 100;

export interface NaipExportPart {
  grid: ImageGrid;
  /** Where the part sits in the whole image, pixels. */
  left: number;
  top: number;
  column: number;
  row: number;
}

export interface NaipExportPlan {
  /** The whole image: the box at the resolution asked for (rounded to whole pixels). */
  grid: ImageGrid;
  columns: number;
  rows: number;
  parts: NaipExportPart[];
}

export function planNaipExports(box: MercatorBox, groundMetresPerPixel: number, limits: NaipExportLimits = DEFAULT_NAIP_LIMITS): NaipExportPlan {
  const [minX, minY, maxX, maxY] = box;
  if (![minX, minY, maxX, maxY].every(Number.isFinite) || maxX <= minX || maxY <= minY) {
    throw new RangeError(`A NAIP export needs a box with min < max, got [${box.join(', ')}].`);
  }
  if (!(groundMetresPerPixel > 0) || !Number.isFinite(groundMetresPerPixel)) {
    throw new RangeError(`A NAIP export needs a ground resolution above 0 m per pixel, got ${groundMetresPerPixel}.`);
  }
  const maxWidth = Math.floor(limits.maxImageWidth);
  const maxHeight = Math.floor(limits.maxImageHeight);
  if (!(maxWidth >= 1 && maxHeight >= 1)) throw new RangeError(`NAIP export limits must be at least 1 × 1 pixel, got ${limits.maxImageWidth} × ${limits.maxImageHeight}.`);

  const [, south, , north] = mercatorBoxToBBox(box);
  // Note: Mercator metres per pixel are ground metres stretched by 1 / cos(latitude).
  const mercatorPerPixel = groundMetresPerPixel / mercatorScaleFactor((south + north) / 2);
  const width = Math.max(1, Math.round((maxX - minX) / mercatorPerPixel));
  const height = Math.max(1, Math.round((maxY - minY) / mercatorPerPixel));
  const columns = Math.ceil(width / maxWidth);
  const rows = Math.ceil(height / maxHeight);
  if (columns * rows > MAX_NAIP_PARTS) {
    throw new RangeError(
      `That area at ${groundMetresPerPixel} m per pixel is ${width} × ${height} pixels, ${columns * rows} NAIP exports (the most is ${MAX_NAIP_PARTS}); ask for a smaller area or a coarser resolution.`,
    );
  }
  const xSplits = splits(width, columns);
  const ySplits = splits(height, rows);
  const xAt = (px: number) => (px === width ? maxX : minX + ((maxX - minX) * px) / width);
  const yAt = (py: number) => (py === height ? minY : maxY - ((maxY - minY) * py) / height);
  const parts: NaipExportPart[] = [];
  for (let row = 0; row < rows; row += 1) {
    for (let column = 0; column < columns; column += 1) {
      const left = xSplits[column]!;
      const right = xSplits[column + 1]!;
      const top = ySplits[row]!;
      const bottom = ySplits[row + 1]!;
      parts.push({ grid: { box: [xAt(left), yAt(bottom), xAt(right), yAt(top)], width: right - left, height: bottom - top }, left, top, column, row });
    }
  }
  return { grid: { box: [minX, minY, maxX, maxY], width, height }, columns, rows, parts };
}

/** Pixel offsets cutting `total` into `count` near-equal runs: [0, …, total]. */
function splits(total: number, count: number): number[] {
  const base = Math.floor(total / count);
  const extra = total % count;
  const out = [0];
  for (let k = 0; k < count; k += 1) out.push(out[k]! + base + (k < extra ? 1 : 0));
  return out;
}
