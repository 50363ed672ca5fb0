import type { QualityReport, RasterImage } from './types';

/**
 * How good an aerial image is, with no reference to compare against (browser-safe, pure). The
 * free-first chain compares `score` with the request's quality target; `notes` tell a person why.
 *
 * Every part is measured on luma (BT.601: 0.299 R + 0.587 G + 0.114 B, 0..255):
 *
 * * noDataShare — pixels that carry nothing: transparent (alpha 0), pure black (0,0,0) or pure
 *   white (255,255,255), the fills imagery servers put outside their coverage.
 * * cloudShare — bright (luma ≥ 200), low-saturation ((max − min) / max ≤ 0.15) pixels, counted
 *   only in blocks of about 32 m of ground (64 px when the resolution is unknown) that are at
 *   least 90% such pixels: cloud and haze come in sheets, while white roofs and concrete are
 *   smaller. Note: with 8 px blocks the UC Merced tiles read 15% "cloud" from white roofs alone.
 * * noise — Immerkær's fast noise estimate ("Fast Noise Variance Estimation", CVIU 1996):
 *   σ = √(π/2) · mean |I ∗ N| / 6 with N = [1 −2 1; −2 4 −2; 1 −2 1], which cancels smooth
 *   gradients. Note: edges leak into it, so as in Immerkær's follow-ups only the 70% of pixels
 *   with the weakest Sobel gradient are used. σ is in luma grey levels (noise of σ per RGB
 *   channel is 0.67 σ in luma). On the UC Merced tiles it reads 0.2–3.3, and 6.3 on one full of
 *   tree canopy (texture the gradient filter lets through); 5.4 more with σ = 8 noise added per
 *   channel. Score 1 up to σ = 1.5, 0 from σ = 16.
 * * sharpness — variance of the 4-neighbour Laplacian of luma, less what the noise alone gives
 *   it (20 σ², the kernel's squared weights), so grain is not mistaken for detail; saturated as
 *   1 − exp(−v / 400). The 14 UC Merced 0.3 m tiles score 0.37–1.0 (most 0.75–0.95); blurred
 *   with a Gaussian of σ = 1 px they drop to 0.15–0.64, with σ = 2 px to ≤ 0.1.
 * * resolution — from ground metres per pixel: 1 at ≤ 0.15 m, falling on a log scale to 0 at
 *   5 m (a roof is then a few pixels): 0.3 m → 0.80, 0.6 m (NAIP) → 0.60, 1 m → 0.46. Unknown:
 *   1 and left out of the score.
 * * score = (1 − noDataShare − cloudShare) · sharpness^0.5 · noise^0.25 · resolution^0.25:
 *   a geometric mean, so one bad part drags the whole down; the usable share scales it.
 * Blocks, shares and statistics count clear pixels only (not no-data, not cloud).
 */

export interface QualityOptions {
  /** True ground metres per pixel; omitted: the resolution part is not scored. */
  groundResolutionM?: number;
}

const BRIGHT_LUMA = 200;
const LOW_SATURATION = 0.15;
/** Cloud is judged in blocks of about 32 m of ground (64 px when the resolution is unknown). */
const CLOUD_BLOCK_M = 32;
const CLOUD_BLOCK_PX = 64;
const CLOUD_BLOCK_SHARE = 0.9;
const NOISE_PIXEL_SHARE = 0.7;
const CLEAN_SIGMA = 1.5;
const USELESS_SIGMA = 16;
const SHARPNESS_SCALE = 400;
const FINEST_M = 0.15;
const COARSEST_M = 5;
/** Fewer clear interior pixels than this and sharpness and noise cannot be measured. */
const MIN_MEASURED_PIXELS = 256;

const NO_DATA = 1;
const CLOUDY = 2;

export function assessImageQuality(image: RasterImage, options: QualityOptions = {}): QualityReport {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * channels) {
    throw new RangeError(`The image's pixels do not match its size: ${width} × ${height} × ${channels} needs ${width * height * channels} bytes, got ${data.length}.`);
  }
  const pixels = width * height;
  const block = options.groundResolutionM && options.groundResolutionM > 0 ? Math.min(256, Math.max(16, Math.round(CLOUD_BLOCK_M / options.groundResolutionM))) : CLOUD_BLOCK_PX;
  const { luma, mask, noData, cloud } = classify(image, block);
  const resolution = resolutionScore(options.groundResolutionM);
  const notes: string[] = [];
  const noDataShare = noData / pixels;
  const cloudShare = cloud / pixels;
  if (noDataShare >= 0.01) notes.push(noDataShare >= 0.995 ? 'no image data' : `${percent(noDataShare)} no data`);
  if (cloudShare >= 0.01) notes.push(`${percent(cloudShare)} cloud or haze`);

  const clear = clearInterior(mask, width, height);
  const sigma = noiseSigma(luma, clear, width, height);
  const laplacianVariance = laplacianVarianceOf(luma, clear, width, height);
  let sharpness = 0;
  let noise = 0;
  if (sigma === null || laplacianVariance === null) {
    if (noDataShare < 0.995) notes.push('too little clear ground to judge sharpness');
  } else {
    noise = clamp01(1 - (sigma - CLEAN_SIGMA) / (USELESS_SIGMA - CLEAN_SIGMA));
    sharpness = 1 - Math.exp(-Math.max(0, laplacianVariance - 20 * sigma * sigma) / SHARPNESS_SCALE);
    if (sharpness < 0.25) notes.push('image too blurry to judge');
    else if (sharpness < 0.5) notes.push('soft focus: fine roof detail is lost');
    if (noise < 0.5) notes.push(`grainy (noise ≈ ${sigma.toFixed(1)} grey levels)`);
  }
  if (options.groundResolutionM === undefined) notes.push('ground resolution unknown: not scored');
  else if (resolution < 0.6) notes.push(`coarse pixels (${formatMetres(options.groundResolutionM)} each): roofs show little detail`);

  const usable = clamp01(1 - noDataShare - cloudShare);
  const score = usable * Math.sqrt(sharpness) * noise ** 0.25 * (options.groundResolutionM === undefined ? 1 : resolution ** 0.25);
  return { score: round3(score), sharpness: round3(sharpness), noise: round3(noise), cloudShare: round3(cloudShare), noDataShare: round3(noDataShare), resolution: round3(resolution), notes };
}

/** Luma, and a mask of no-data and cloud pixels (cloud only in mostly-cloud blocks). */
function classify({ width, height, channels, data }: RasterImage, block: number): { luma: Float32Array; mask: Uint8Array; noData: number; cloud: number } {
  const pixels = width * height;
  const luma = new Float32Array(pixels);
  const mask = new Uint8Array(pixels);
  const bright = new Uint8Array(pixels);
  let noData = 0;
  for (let p = 0, o = 0; p < pixels; p += 1, o += channels) {
    const r = data[o]!;
    const g = data[o + 1]!;
    const b = data[o + 2]!;
    luma[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    const transparent = channels === 4 && data[o + 3] === 0;
    if (transparent || (r === 0 && g === 0 && b === 0) || (r === 255 && g === 255 && b === 255)) {
      mask[p] = NO_DATA;
      noData += 1;
      continue;
    }
    const max = Math.max(r, g, b);
    if (luma[p]! >= BRIGHT_LUMA && (max - Math.min(r, g, b)) / max <= LOW_SATURATION) bright[p] = 1;
  }
  let cloud = 0;
  for (let by = 0; by < height; by += block) {
    for (let bx = 0; bx < width; bx += block) {
      const yEnd = Math.min(height, by + block);
      const xEnd = Math.min(width, bx + block);
      let count = 0;
      let total = 0;
      for (let y = by; y < yEnd; y += 1) {
        for (let x = bx; x < xEnd; x += 1) {
          total += 1;
          count += bright[y * width + x]!;
        }
      }
      if (count < total * CLOUD_BLOCK_SHARE) continue;
      for (let y = by; y < yEnd; y += 1) {
        for (let x = bx; x < xEnd; x += 1) {
          const p = y * width + x;
          if (bright[p] === 1) {
            mask[p] = CLOUDY;
            cloud += 1;
          }
        }
      }
    }
  }
  return { luma, mask, noData, cloud };
}

/**
 * 1 where a pixel and its 8 neighbours are all clear (not no-data, not cloud): where a 3 × 3
 * kernel sees only real ground. Note: computed once for the three passes that need it.
 */
function clearInterior(mask: Uint8Array, width: number, height: number): Uint8Array {
  // Rows first, then columns: a pixel is clear across when it and its left and right are.
  const across = new Uint8Array(mask.length);
  for (let y = 0; y < height; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const p = y * width + x;
      across[p] = mask[p - 1] === 0 && mask[p] === 0 && mask[p + 1] === 0 ? 1 : 0;
    }
  }
  const clear = new Uint8Array(mask.length);
  for (let y = 1; y < height - 1; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const p = y * width + x;
      clear[p] = across[p - width]! & across[p]! & across[p + width]!;
    }
  }
  return clear;
}

/** Immerkær's σ over the clear interior pixels with the weakest gradients; null if too few. */
function noiseSigma(luma: Float32Array, clear: Uint8Array, width: number, height: number): number | null {
  // Note: two passes over a histogram of whole-number Sobel magnitudes (|gx| + |gy| ≤ 2040)
  // instead of sorting, so a 4,000 × 4,000 export costs no more than a few scans.
  const histogram = new Uint32Array(2042);
  let measured = 0;
  forEachClearInterior(luma, clear, width, height, (gradient) => {
    histogram[Math.min(2041, Math.floor(gradient))]! += 1;
    measured += 1;
  });
  if (measured < MIN_MEASURED_PIXELS) return null;
  const wanted = Math.max(1, Math.floor(measured * NOISE_PIXEL_SHARE));
  let threshold = 0;
  let below = 0;
  while (below + histogram[threshold]! < wanted) below += histogram[threshold++]!;
  // Bins under the threshold in full, then the threshold bin's first pixels up to `wanted`.
  let roomInThreshold = wanted - below;
  let sum = 0;
  forEachClearInterior(luma, clear, width, height, (gradient, response) => {
    const bin = Math.min(2041, Math.floor(gradient));
    if (bin < threshold) sum += response;
    else if (bin === threshold && roomInThreshold > 0) {
      sum += response;
      roomInThreshold -= 1;
    }
  });
  return (Math.sqrt(Math.PI / 2) * sum) / (6 * wanted);
}

/** Calls back with the Sobel magnitude and the |Immerkær response| of each clear interior pixel. */
function forEachClearInterior(luma: Float32Array, clear: Uint8Array, width: number, height: number, visit: (gradient: number, response: number) => void): void {
  for (let y = 1; y < height - 1; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const p = y * width + x;
      if (clear[p] === 0) continue;
      const a = luma[p - width - 1]!;
      const b = luma[p - width]!;
      const c = luma[p - width + 1]!;
      const d = luma[p - 1]!;
      const e = luma[p]!;
      const f = luma[p + 1]!;
      const g = luma[p + width - 1]!;
      const h = luma[p + width]!;
      const i = luma[p + width + 1]!;
      const gx = c + 2 * f + i - (a + 2 * d + g);
      const gy = g + 2 * h + i - (a + 2 * b + c);
      visit(Math.abs(gx) + Math.abs(gy), Math.abs(a - 2 * b + c - 2 * d + 4 * e - 2 * f + g - 2 * h + i));
    }
  }
}

function laplacianVarianceOf(luma: Float32Array, clear: Uint8Array, width: number, height: number): number | null {
  let count = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let y = 1; y < height - 1; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const p = y * width + x;
      if (clear[p] === 0) continue;
      const laplacian = luma[p - width]! + luma[p - 1]! + luma[p + 1]! + luma[p + width]! - 4 * luma[p]!;
      count += 1;
      sum += laplacian;
      sumSquares += laplacian * laplacian;
    }
  }
  if (count < MIN_MEASURED_PIXELS) return null;
  const mean = sum / count;
  return sumSquares / count - mean * mean;
}

function resolutionScore(groundResolutionM: number | undefined): number {
  if (groundResolutionM === undefined) return 1;
  if (!Number.isFinite(groundResolutionM) || groundResolutionM <= 0) throw new RangeError(`Ground resolution must be a positive number of metres per pixel, got ${groundResolutionM}.`);
  if (groundResolutionM <= FINEST_M) return 1;
  return clamp01(1 - Math.log(groundResolutionM / FINEST_M) / Math.log(COARSEST_M / FINEST_M));
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function formatMetres(metres: number): string {
  return `${metres < 1 ? metres.toFixed(2).replace(/0$/, '') : metres.toFixed(1)} m`;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
