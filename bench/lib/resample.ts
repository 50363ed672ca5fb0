import sharp, { type OutputInfo } from 'sharp';
import type { RasterImage } from '../../src/core/imagery/types';

/**
 * The classical resamplers the super-resolution benches compare the model with:
 *
 *   cropToMultiple(image, m)              → top-left crop so both sides divide by m
 *   downsample(image, factor, method)     → the low-resolution input an upscaler gets
 *   resampleWithSharp(image, w, h, k)     → sharp's resize with kernel 'cubic' or 'lanczos3'
 *   resampleSeparable(image, w, h, k)     → separable Catmull-Rom or Lanczos-3, pixel-centre aligned
 *
 * Note: sharp 0.35 (libvips 8.18) ignores the kernel when ENLARGING: vips_resize upsizes with
 * its affine "bicubic" interpolator for every kernel but nearest/linear, so 'cubic' and
 * 'lanczos3' give identical pixels (checked by sr-quality each run). resampleSeparable is the
 * textbook filter (as Pillow's resize computes it), so a real Lanczos-3 is compared too.
 */

export type DownsampleMethod = 'cubic' | 'box';
export type SeparableKernel = 'catmull-rom' | 'lanczos3';

export function cropToMultiple(image: RasterImage, multiple: number): RasterImage {
  const width = image.width - (image.width % multiple);
  const height = image.height - (image.height % multiple);
  if (width === image.width && height === image.height) return image;
  const data = new Uint8Array(width * height * image.channels);
  for (let y = 0; y < height; y++) {
    data.set(image.data.subarray(y * image.width * image.channels, (y * image.width + width) * image.channels), y * width * image.channels);
  }
  return { width, height, channels: image.channels, data };
}

function fromSharp(data: Buffer, info: OutputInfo): RasterImage {
  if (info.channels !== 3 && info.channels !== 4) throw new Error(`sharp returned ${info.channels} channels`);
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export async function resampleWithSharp(image: RasterImage, width: number, height: number, kernel: 'cubic' | 'lanczos3'): Promise<RasterImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .resize(width, height, { kernel, fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return fromSharp(data, info);
}

/**
 * The low-resolution input: 'cubic' is sharp's resize with kernel 'cubic' (libvips vips_resize,
 * Catmull-Rom; with its default gap of 2 a ×4 reduction is a 2×2 box shrink, then an
 * antialiased cubic reduce by 2 — close to MATLAB's imresize bicubic, the degradation
 * ESRGAN-slim was trained on); 'box' is the exact mean of each factor × factor block.
 */
export async function downsample(image: RasterImage, factor: number, method: DownsampleMethod): Promise<RasterImage> {
  if (image.width % factor !== 0 || image.height % factor !== 0) throw new Error(`Crop to a multiple of ${factor} first`);
  const width = image.width / factor;
  const height = image.height / factor;
  if (method === 'cubic') return resampleWithSharp(image, width, height, 'cubic');
  const { channels } = image;
  const data = new Uint8Array(width * height * channels);
  const area = factor * factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = (y * factor + dy) * image.width;
          for (let dx = 0; dx < factor; dx++) sum += image.data[(row + x * factor + dx) * channels + c]!;
        }
        data[(y * width + x) * channels + c] = Math.round(sum / area);
      }
    }
  }
  return { width, height, channels, data };
}

const KERNELS: Record<SeparableKernel, { support: number; weight: (x: number) => number }> = {
  // Keys' cubic with a = −0.5 (Catmull-Rom), the "bicubic" of MATLAB, Pillow and libvips.
  'catmull-rom': {
    support: 2,
    weight: (x) => {
      const t = Math.abs(x);
      if (t < 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
      if (t < 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
      return 0;
    },
  },
  lanczos3: {
    support: 3,
    weight: (x) => {
      if (x === 0) return 1;
      if (Math.abs(x) >= 3) return 0;
      const px = Math.PI * x;
      return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
    },
  },
};

interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array[];
}

/** Pillow's precompute_coeffs: pixel centres aligned, the kernel stretched when reducing, clipped and renormalised at the edges. */
function taps(inSize: number, outSize: number, kernel: SeparableKernel): Taps {
  const { support: base, weight } = KERNELS[kernel];
  const scale = inSize / outSize;
  const stretch = Math.max(scale, 1);
  const support = base * stretch;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let x = 0; x < outSize; x++) {
    const centre = (x + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const w = new Float64Array(hi - lo);
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      w[i - lo] = weight((i - centre + 0.5) / stretch);
      sum += w[i - lo]!;
    }
    for (let i = 0; i < w.length; i++) w[i]! /= sum;
    first[x] = lo;
    count[x] = hi - lo;
    weights.push(w);
  }
  return { first, count, weights };
}

export function resampleSeparable(image: RasterImage, width: number, height: number, kernel: SeparableKernel): RasterImage {
  const { channels } = image;
  const across = taps(image.width, width, kernel);
  const down = taps(image.height, height, kernel);
  // Note: the horizontal pass stays in floating point so rounding happens once, at the end.
  const rows = new Float64Array(width * image.height * channels);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const w = across.weights[x]!;
      const start = (y * image.width + across.first[x]!) * channels;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let i = 0; i < across.count[x]!; i++) sum += w[i]! * image.data[start + i * channels + c]!;
        rows[(y * width + x) * channels + c] = sum;
      }
    }
  }
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const w = down.weights[y]!;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let i = 0; i < down.count[y]!; i++) sum += w[i]! * rows[((down.first[y]! + i) * width + x) * channels + c]!;
        data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(sum)));
      }
    }
  }
  return { width, height, channels, data };
}
