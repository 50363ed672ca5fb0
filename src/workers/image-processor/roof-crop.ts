import sharp from 'sharp';
import { cropRect, footprintBox, ringToPixels } from '../../core/imagery/geometry';
import type { ImageGrid, MercatorBox, PixelRect, RasterImage, RoofTarget } from '../../core/imagery/types';

/**
 * Pixels in and out of the image-processor: decoding provider images, cutting one roof out of a
 * batch image, and where the footprint lies in that cut.
 */

export async function decodeImage(bytes: Uint8Array): Promise<RasterImage> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * Note: not ml/image-io's encodePng — importing image-io (and with it geotiff) into this worker
 * kept the image-processor thread from ever becoming ready (seen once in CI; cause not traced).
 */
export async function encodePng(image: RasterImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), { raw: { width: image.width, height: image.height, channels: image.channels } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** Resamples an image (Lanczos) to a new size. */
export async function resizeRaster(image: RasterImage, width: number, height: number): Promise<RasterImage> {
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), { raw: { width: image.width, height: image.height, channels: image.channels } })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: image.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Copies a rectangle out of an image (rows are contiguous, so this is one copy per row). */
export function cropRaster(image: RasterImage, rect: PixelRect): RasterImage {
  const { channels } = image;
  const out = new Uint8Array(rect.width * rect.height * channels);
  const rowBytes = rect.width * channels;
  for (let row = 0; row < rect.height; row += 1) {
    const from = ((rect.top + row) * image.width + rect.left) * channels;
    out.set(image.data.subarray(from, from + rowBytes), row * rowBytes);
  }
  return { width: rect.width, height: rect.height, channels, data: out };
}

export interface RoofCrop {
  image: RasterImage;
  /** The crop's own grid (its pixels on the ground). */
  grid: ImageGrid;
  /** The footprint's bounding box in crop pixels [x0, y0, x1, y1], or null for a point-only property. */
  footprintPx: [number, number, number, number] | null;
}

/** The roof of `target` out of a larger image, or null when the image does not hold it. */
export function cropRoof(image: RasterImage, grid: ImageGrid, target: RoofTarget, marginM: number): RoofCrop | null {
  const box: MercatorBox = footprintBox(target, marginM);
  const rect = cropRect(grid, box);
  if (!rect || rect.width < 2 || rect.height < 2) return null;
  const sx = (grid.box[2] - grid.box[0]) / grid.width;
  const sy = (grid.box[3] - grid.box[1]) / grid.height;
  const cropGrid: ImageGrid = {
    box: [grid.box[0] + rect.left * sx, grid.box[3] - (rect.top + rect.height) * sy, grid.box[0] + (rect.left + rect.width) * sx, grid.box[3] - rect.top * sy],
    width: rect.width,
    height: rect.height,
  };
  return { image: cropRaster(image, rect), grid: cropGrid, footprintPx: footprintPixels(cropGrid, target) };
}

export function footprintPixels(grid: ImageGrid, target: RoofTarget): [number, number, number, number] | null {
  if (!target.footprint || target.footprint.length === 0) return null;
  const pixels = ringToPixels(grid, target.footprint);
  const xs = pixels.map(([x]) => x);
  const ys = pixels.map(([, y]) => y);
  const clamp = (value: number, max: number) => Math.max(0, Math.min(max, Math.round(value)));
  return [clamp(Math.min(...xs), grid.width), clamp(Math.min(...ys), grid.height), clamp(Math.max(...xs), grid.width), clamp(Math.max(...ys), grid.height)];
}

/** Scales a pixel box with the image (after super-resolution). */
export function scaleBox(box: [number, number, number, number] | null, scale: number): [number, number, number, number] | null {
  return box ? [box[0] * scale, box[1] * scale, box[2] * scale, box[3] * scale] : null;
}
