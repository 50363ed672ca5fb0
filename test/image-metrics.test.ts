import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { lumaPlane, psnr, ssim, ssimOfPlanes, type Plane } from '../bench/lib/image-metrics';
import type { RasterImage } from '../src/core/imagery/types';

// The metrics behind bench/sr-quality's PSNR/SSIM tables (bench/lib/image-metrics.ts).

function rgbImage(width: number, height: number, pixel: (x: number, y: number, c: number) => number): RasterImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(pixel(x, y, c))));
    }
  }
  return { width, height, channels: 3, data };
}

/** A roof-like texture: smooth shading, stripes and fine detail, so blur visibly removes something. */
const textured = rgbImage(96, 80, (x, y, c) => 128 + 50 * Math.sin(x / 4 + c) * Math.cos(y / 6) + ((x * 7 + y * 3 + c * 5) % 24) - 12 + (x % 8 < 2 ? 30 : 0));

function seededGaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

async function blurred(image: RasterImage, sigma: number): Promise<RasterImage> {
  const { data, info } = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).blur(sigma).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
}

/**
 * SSIM written out the slow, obvious way: for every valid 11×11 window position, Gaussian-weighted
 * means, variances and covariance from the 2-D weights directly (no separable filtering).
 */
function naiveSsim(a: Plane, b: Plane): number {
  const weights: number[][] = [];
  let total = 0;
  for (let i = 0; i < 11; i++) {
    weights.push([]);
    for (let j = 0; j < 11; j++) {
      const w = Math.exp(-((i - 5) ** 2 + (j - 5) ** 2) / (2 * 1.5 * 1.5));
      weights[i]!.push(w);
      total += w;
    }
  }
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let count = 0;
  for (let top = 0; top + 11 <= a.height; top++) {
    for (let left = 0; left + 11 <= a.width; left++) {
      let ma = 0;
      let mb = 0;
      for (let i = 0; i < 11; i++) {
        for (let j = 0; j < 11; j++) {
          const w = weights[i]![j]! / total;
          ma += w * a.data[(top + i) * a.width + left + j]!;
          mb += w * b.data[(top + i) * b.width + left + j]!;
        }
      }
      let va = 0;
      let vb = 0;
      let cov = 0;
      for (let i = 0; i < 11; i++) {
        for (let j = 0; j < 11; j++) {
          const w = weights[i]![j]! / total;
          const da = a.data[(top + i) * a.width + left + j]! - ma;
          const db = b.data[(top + i) * b.width + left + j]! - mb;
          va += w * da * da;
          vb += w * db * db;
          cov += w * da * db;
        }
      }
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      count++;
    }
  }
  return sum / count;
}

function plane(width: number, height: number, value: (x: number, y: number) => number): Plane {
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  return { width, height, data };
}

describe('PSNR', () => {
  it('is infinite for identical images, on RGB and on luma', () => {
    expect(psnr(textured, textured)).toBe(Number.POSITIVE_INFINITY);
    expect(psnr(textured, textured, { on: 'y', crop: 4 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('gives 20·log10(255/d) for a uniform error of d, and the luma error is d·219/255', () => {
    const base = rgbImage(32, 32, () => 100);
    const shifted = rgbImage(32, 32, () => 105);
    expect(psnr(base, shifted)).toBeCloseTo(20 * Math.log10(255 / 5), 10);
    expect(psnr(base, shifted, { on: 'y' })).toBeCloseTo(20 * Math.log10(255 / ((5 * 219) / 255)), 10);
  });

  it('measures Gaussian noise of σ 8 at about 30.07 dB', () => {
    const noise = seededGaussian(7);
    const grey = rgbImage(200, 200, () => 128);
    const noisy = rgbImage(200, 200, () => 128 + 8 * noise());
    // Note: rounding to integers adds 1/12 to the variance: 20·log10(255/√(64 + 1/12)) = 30.06 dB.
    expect(psnr(grey, noisy)).toBeGreaterThan(29.9);
    expect(psnr(grey, noisy)).toBeLessThan(30.25);
  });

  it('ignores differences inside the cropped border', () => {
    const edged = rgbImage(textured.width, textured.height, (x, y, c) => {
      const inBorder = x < 4 || y < 4 || x >= textured.width - 4 || y >= textured.height - 4;
      return textured.data[(y * textured.width + x) * 3 + c]! + (inBorder ? 60 : 0);
    });
    expect(psnr(textured, edged)).toBeLessThan(30);
    expect(psnr(textured, edged, { crop: 4 })).toBe(Number.POSITIVE_INFINITY);
    expect(ssim(textured, edged, { crop: 4 })).toBe(1);
  });

  it('refuses images of different sizes, and crops that leave nothing, with a clear message', () => {
    const small = rgbImage(16, 16, () => 0);
    expect(() => psnr(textured, small)).toThrow(/differ in size/);
    expect(() => psnr(small, small, { crop: 8 })).toThrow(/leaves nothing/);
    expect(() => ssim(small, small, { crop: 4 })).toThrow(/at least 11×11/);
  });
});

describe('SSIM', () => {
  it('is exactly 1 for identical images', () => {
    expect(ssim(textured, textured)).toBe(1);
  });

  it('orders blur levels: more blur, lower SSIM and lower PSNR', async () => {
    const levels = await Promise.all([0.8, 1.5, 3].map((sigma) => blurred(textured, sigma)));
    const scores = levels.map((image) => ssim(textured, image, { crop: 4 }));
    const psnrs = levels.map((image) => psnr(textured, image, { crop: 4 }));
    expect(scores[0]!).toBeLessThan(1);
    expect(scores[0]!).toBeGreaterThan(scores[1]!);
    expect(scores[1]!).toBeGreaterThan(scores[2]!);
    expect(psnrs[0]!).toBeGreaterThan(psnrs[1]!);
    expect(psnrs[1]!).toBeGreaterThan(psnrs[2]!);
  });

  it('matches a direct window-by-window computation and an independent NumPy/SciPy value', () => {
    // Note: the reference value came from NumPy 2.4 + SciPy 1.17 on the same formulas:
    //   y, x = np.mgrid[0:40, 0:48]; a = floor(128 + 60 sin(x/5) cos(y/7)) + (7x + 3y) % 16
    //   b = clip(a + (31x + 57y) % 81 − 40, 0, 255); w = outer(g, g), g ∝ exp(−(i−5)²/4.5), i = 0..10
    //   correlate2d(·, w, 'valid') for the means and moments, then the SSIM map's mean.
    const a = plane(48, 40, (x, y) => Math.floor(128 + 60 * Math.sin(x / 5) * Math.cos(y / 7)) + ((x * 7 + y * 3) % 16));
    const b = plane(48, 40, (x, y) => Math.max(0, Math.min(255, a.data[y * 48 + x]! + ((x * 31 + y * 57) % 81) - 40)));
    const fast = ssimOfPlanes(a, b);
    expect(fast).toBeCloseTo(naiveSsim(a, b), 12);
    expect(fast).toBeCloseTo(0.3526501803082297, 10);
  });

  it('is computed on BT.601 luma (MATLAB rgb2ycbcr: black 16, white 235)', () => {
    const black = rgbImage(11, 11, () => 0);
    const white = rgbImage(11, 11, () => 255);
    expect(lumaPlane(black).data[0]).toBeCloseTo(16, 10);
    expect(lumaPlane(white).data[0]).toBeCloseTo(235, 10);
    // A pure-blue change moves luma little, so SSIM stays higher than for the same green change.
    const blueShift = rgbImage(textured.width, textured.height, (x, y, c) => textured.data[(y * textured.width + x) * 3 + c]! + (c === 2 ? ((x + y) % 2) * 40 : 0));
    const greenShift = rgbImage(textured.width, textured.height, (x, y, c) => textured.data[(y * textured.width + x) * 3 + c]! + (c === 1 ? ((x + y) % 2) * 40 : 0));
    expect(ssim(textured, blueShift)).toBeGreaterThan(ssim(textured, greenShift));
  });
});
