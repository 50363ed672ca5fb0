import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ConnectorError } from '../../core/http/errors';

/**
 * Proof that an imagery answer is a real picture: it decodes, has the size asked for, and is not
 * all no-data or one flat colour. Used by every imagery connector (NAIP, Google, Mapbox) before
 * anything is cached or billed as a hit.
 *
 *   inspectImage(bytes, { source, label, width, height }) → ImageInspection   (throws ConnectorError)
 */

export interface ImageInspection {
  mime: 'image/png' | 'image/jpeg' | 'image/tiff' | 'image/webp' | 'image/gif';
  width: number;
  height: number;
  /** Share of pixels that are no-data (transparent, or black in every band). */
  noDataShare: number;
  /** Standard deviation of brightness (0..255) over the data pixels: near 0 is a flat, empty picture. */
  brightnessSpread: number;
  /** Mean brightness (0..255) over the data pixels. */
  meanBrightness: number;
}

const MIMES: Record<string, ImageInspection['mime']> = { png: 'image/png', jpeg: 'image/jpeg', tiff: 'image/tiff', webp: 'image/webp', gif: 'image/gif' };
/** Statistics are read from a copy this wide at most: enough for shares and spreads, cheap at 4000 px. */
const SAMPLE_PX = 512;

export async function inspectImage(bytes: Buffer, expect: { source: string; label: string; width?: number; height?: number }): Promise<ImageInspection> {
  const bad = (message: string, cause?: unknown) => new ConnectorError({ kind: 'malformed-body', source: expect.source, message, ...(cause === undefined ? {} : { cause }), status: 200 });
  if (bytes.length === 0) throw bad(`${expect.label} sent an empty answer where an image was expected. Try again later; the service may be restarting.`);
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (error) {
    throw bad(`${expect.label} sent an answer that is not a readable image (${error instanceof Error ? error.message.slice(0, 120) : 'unknown format'}). Try again; if it persists the service may have changed its format.`, error);
  }
  const mime = meta.format ? MIMES[meta.format] : undefined;
  if (!mime || !meta.width || !meta.height) throw bad(`${expect.label} sent an image in an unexpected format (${meta.format ?? 'unknown'}).`);
  if ((expect.width !== undefined && meta.width !== expect.width) || (expect.height !== undefined && meta.height !== expect.height)) {
    throw bad(`${expect.label} sent a ${meta.width} × ${meta.height} image where ${expect.width} × ${expect.height} was asked for; its picture cannot be placed on the map.`);
  }
  let sample: { data: Buffer; info: OutputInfo };
  try {
    sample = await sharp(bytes)
      .resize({ width: Math.min(SAMPLE_PX, meta.width), height: Math.min(SAMPLE_PX, meta.height), fit: 'fill', kernel: 'nearest' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw bad(`${expect.label} sent an image that is cut off or damaged (${error instanceof Error ? error.message.slice(0, 120) : 'decode failed'}). Try again.`, error);
  }
  const { data, info } = sample;
  let noData = 0;
  let sum = 0;
  let sumSq = 0;
  const pixels = info.width * info.height;
  for (let o = 0; o < data.length; o += info.channels) {
    const r = data[o]!;
    const g = data[o + 1]!;
    const b = data[o + 2]!;
    if (data[o + 3] === 0 || (r === 0 && g === 0 && b === 0)) {
      noData += 1;
      continue;
    }
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += y;
    sumSq += y * y;
  }
  const valid = pixels - noData;
  const meanBrightness = valid > 0 ? sum / valid : 0;
  const brightnessSpread = valid > 1 ? Math.sqrt(Math.max(0, sumSq / valid - meanBrightness * meanBrightness)) : 0;
  return { mime, width: meta.width, height: meta.height, noDataShare: noData / pixels, brightnessSpread, meanBrightness };
}
