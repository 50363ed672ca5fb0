import type { RasterImage } from '../../src/core/imagery/types';

/**
 * Full-reference image quality, as super-resolution papers report it, for bench/sr-quality:
 *
 *   psnr(reference, test, { crop, on })  → dB on 0..255; Infinity when the images are identical
 *   ssim(reference, test, { crop })      → mean SSIM on luma Y (1 when identical)
 *   lumaPlane(image, crop)               → BT.601 Y, studio range 16..235 (MATLAB rgb2ycbcr)
 *
 * SSIM is Wang, Bovik, Sheikh & Simoncelli 2004: an 11×11 Gaussian window (σ 1.5), K1 0.01,
 * K2 0.03, L 255, the map over 'valid' window positions only, averaged. Note: as in BasicSR's
 * calculate_ssim and most SR tables, there is no automatic downsampling (Wang's MATLAB script
 * downsamples images larger than 256 px first), so figures compare with those tables.
 * `crop` drops that many pixels from every edge first (papers crop `scale` pixels, where an
 * upscaler has no neighbours to work from). Alpha, if any, is ignored.
 */

export type MetricChannels = 'rgb' | 'y';

export interface MetricOptions {
  /** Pixels dropped from each edge before measuring (default 0). */
  crop?: number;
}

export interface PsnrOptions extends MetricOptions {
  /** 'rgb': mean squared error over R, G and B (default); 'y': over BT.601 luma. */
  on?: MetricChannels;
}

const PEAK = 255;
const WINDOW_SIZE = 11;
const WINDOW_SIGMA = 1.5;
const C1 = (0.01 * PEAK) ** 2;
const C2 = (0.03 * PEAK) ** 2;

/** A grey plane of doubles, row-major. */
export interface Plane {
  width: number;
  height: number;
  data: Float64Array;
}

function checkPair(reference: RasterImage, test: RasterImage, crop: number): void {
  if (reference.width !== test.width || reference.height !== test.height) {
    throw new Error(`Images differ in size: reference ${reference.width}×${reference.height}, test ${test.width}×${test.height}`);
  }
  if (!Number.isInteger(crop) || crop < 0 || reference.width - 2 * crop < 1 || reference.height - 2 * crop < 1) {
    throw new Error(`Border crop ${crop} leaves nothing of a ${reference.width}×${reference.height} image`);
  }
}

/** BT.601 luma as MATLAB's rgb2ycbcr computes it (16..235), without rounding. */
export function lumaPlane(image: RasterImage, crop = 0): Plane {
  const width = image.width - 2 * crop;
  const height = image.height - 2 * crop;
  const data = new Float64Array(width * height);
  const { channels } = image;
  for (let y = 0; y < height; y++) {
    let source = ((y + crop) * image.width + crop) * channels;
    const row = y * width;
    for (let x = 0; x < width; x++, source += channels) {
      data[row + x] = 16 + (65.481 * image.data[source]! + 128.553 * image.data[source + 1]! + 24.966 * image.data[source + 2]!) / 255;
    }
  }
  return { width, height, data };
}

export function psnr(reference: RasterImage, test: RasterImage, options: PsnrOptions = {}): number {
  const crop = options.crop ?? 0;
  checkPair(reference, test, crop);
  let squaredError = 0;
  let count = 0;
  if (options.on === 'y') {
    const a = lumaPlane(reference, crop).data;
    const b = lumaPlane(test, crop).data;
    for (let i = 0; i < a.length; i++) squaredError += (a[i]! - b[i]!) ** 2;
    count = a.length;
  } else {
    const width = reference.width - 2 * crop;
    const height = reference.height - 2 * crop;
    for (let y = 0; y < height; y++) {
      let p = ((y + crop) * reference.width + crop) * reference.channels;
      let q = ((y + crop) * test.width + crop) * test.channels;
      for (let x = 0; x < width; x++, p += reference.channels, q += test.channels) {
        for (let c = 0; c < 3; c++) squaredError += (reference.data[p + c]! - test.data[q + c]!) ** 2;
      }
    }
    count = width * height * 3;
  }
  const mse = squaredError / count;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((PEAK * PEAK) / mse);
}

/** The normalised 1-D Gaussian the 11×11 window is the outer product of. */
export function gaussianWindow1d(size = WINDOW_SIZE, sigma = WINDOW_SIGMA): Float64Array {
  const weights = new Float64Array(size);
  const middle = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    weights[i] = Math.exp(-((i - middle) ** 2) / (2 * sigma * sigma));
    sum += weights[i]!;
  }
  for (let i = 0; i < size; i++) weights[i]! /= sum;
  return weights;
}

/** Separable filtering, 'valid' positions only: the output is (w − k + 1) × (h − k + 1). */
function filterValid(plane: Plane, weights: Float64Array): Plane {
  const k = weights.length;
  const outWidth = plane.width - k + 1;
  const outHeight = plane.height - k + 1;
  const rows = new Float64Array(outWidth * plane.height);
  for (let y = 0; y < plane.height; y++) {
    const base = y * plane.width;
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (let i = 0; i < k; i++) sum += weights[i]! * plane.data[base + x + i]!;
      rows[y * outWidth + x] = sum;
    }
  }
  const data = new Float64Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (let i = 0; i < k; i++) sum += weights[i]! * rows[(y + i) * outWidth + x]!;
      data[y * outWidth + x] = sum;
    }
  }
  return { width: outWidth, height: outHeight, data };
}

function product(a: Plane, b: Plane): Plane {
  const data = new Float64Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i]! * b.data[i]!;
  return { width: a.width, height: a.height, data };
}

/** Mean SSIM of two grey planes of the same size (values on 0..255). */
export function ssimOfPlanes(a: Plane, b: Plane): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('Planes differ in size');
  if (a.width < WINDOW_SIZE || a.height < WINDOW_SIZE) {
    throw new Error(`SSIM needs at least ${WINDOW_SIZE}×${WINDOW_SIZE} pixels after the crop; got ${a.width}×${a.height}`);
  }
  const window = gaussianWindow1d();
  const muA = filterValid(a, window).data;
  const muB = filterValid(b, window).data;
  const aa = filterValid(product(a, a), window).data;
  const bb = filterValid(product(b, b), window).data;
  const ab = filterValid(product(a, b), window).data;
  let sum = 0;
  for (let i = 0; i < muA.length; i++) {
    const ma = muA[i]!;
    const mb = muB[i]!;
    const varA = aa[i]! - ma * ma;
    const varB = bb[i]! - mb * mb;
    const cov = ab[i]! - ma * mb;
    sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (varA + varB + C2));
  }
  return sum / muA.length;
}

/** Mean SSIM on BT.601 luma, after dropping `crop` pixels from each edge. */
export function ssim(reference: RasterImage, test: RasterImage, options: MetricOptions = {}): number {
  const crop = options.crop ?? 0;
  checkPair(reference, test, crop);
  return ssimOfPlanes(lumaPlane(reference, crop), lumaPlane(test, crop));
}
