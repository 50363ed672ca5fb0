import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { assessImageQuality } from './quality';
import type { RasterImage } from './types';

// UC Merced residential tiles: 256 × 256, 0.3 m (1 ft) a pixel, USGS public domain.
const DIR = '/work/shared/fixtures/aerial-imagery/ucmerced';
const TILES = readdirSync(DIR).filter((name) => name.endsWith('.png')).sort();
const GROUND_M = 0.3048;

async function raster(pipeline: Sharp): Promise<RasterImage> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
}

const tile = (name: string) => raster(sharp(join(DIR, name)));
const blurred = (name: string, sigma: number) => raster(sharp(join(DIR, name)).blur(sigma));

/** The image with Gaussian noise of `sigma` grey levels on every channel, from a fixed seed. */
function withNoise(image: RasterImage, sigma: number, seed = 1): RasterImage {
  let state = seed;
  const uniform = () => {
    state = (state * 16_807) % 2_147_483_647;
    return state / 2_147_483_647;
  };
  const data = image.data.map((value) => {
    const gaussian = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return Math.max(0, Math.min(255, Math.round(value + gaussian * sigma)));
  });
  return { ...image, data };
}

describe('assessImageQuality on real aerial tiles', () => {
  it('scores a clear residential tile as usable, with no cloud or no-data', async () => {
    const report = assessImageQuality(await tile('ucm_denseresidential16.png'), { groundResolutionM: GROUND_M });
    expect(report.score).toBeGreaterThan(0.75);
    expect(report.sharpness).toBeGreaterThan(0.75);
    expect(report.noise).toBeGreaterThan(0.9);
    expect(report.cloudShare).toBe(0);
    expect(report.noDataShare).toBe(0);
    expect(report.resolution).toBeCloseTo(0.8, 2);
    expect(report.notes).toEqual([]);
  });

  it('ranks every tile above its blurred copy, and says when it is too blurry', async () => {
    for (const name of TILES) {
      const sharpReport = assessImageQuality(await tile(name), { groundResolutionM: GROUND_M });
      const softReport = assessImageQuality(await blurred(name, 1), { groundResolutionM: GROUND_M });
      const blurReport = assessImageQuality(await blurred(name, 2), { groundResolutionM: GROUND_M });
      expect(sharpReport.score, name).toBeGreaterThan(softReport.score);
      expect(softReport.score, name).toBeGreaterThan(blurReport.score);
      expect(blurReport.sharpness, name).toBeLessThan(0.25);
      expect(blurReport.notes, name).toContain('image too blurry to judge');
    }
  });

  it('ranks a tile above its noisy copies, without taking grain for detail', async () => {
    for (const name of ['ucm_denseresidential01.png', 'ucm_mediumresidential38.png', 'ucm_mediumresidential12.png']) {
      const clean = await tile(name);
      const original = assessImageQuality(clean, { groundResolutionM: GROUND_M });
      const grainy = assessImageQuality(withNoise(clean, 8), { groundResolutionM: GROUND_M });
      const veryGrainy = assessImageQuality(withNoise(clean, 20), { groundResolutionM: GROUND_M });
      expect(original.score, name).toBeGreaterThan(grainy.score);
      expect(grainy.score, name).toBeGreaterThan(veryGrainy.score);
      expect(veryGrainy.noise, name).toBeLessThan(0.3);
      // Noise raises the raw Laplacian variance a lot; the estimate takes it back out.
      expect(Math.abs(veryGrainy.sharpness - original.sharpness), name).toBeLessThan(0.15);
      expect(veryGrainy.notes.some((note) => note.startsWith('grainy')), name).toBe(true);
    }
  });

  it('reports about half no data when half the tile is black fill', async () => {
    const image = await tile('ucm_mediumresidential64.png');
    image.data.fill(0, 0, (image.data.length / 2) | 0);
    const report = assessImageQuality(image, { groundResolutionM: GROUND_M });
    expect(report.noDataShare).toBeCloseTo(0.5, 2);
    expect(report.notes).toContain('50% no data');
    expect(report.score).toBeLessThan(0.5);
    // What is left is still judged: sharp.
    expect(report.sharpness).toBeGreaterThan(0.75);
  });

  it('counts transparent pixels as no data', async () => {
    const rgb = await tile('ucm_denseresidential21.png');
    const data = new Uint8Array(rgb.width * rgb.height * 4);
    for (let p = 0; p < rgb.width * rgb.height; p += 1) {
      data.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
      data[p * 4 + 3] = p % rgb.width < rgb.width / 4 ? 0 : 255;
    }
    const report = assessImageQuality({ ...rgb, channels: 4, data });
    expect(report.noDataShare).toBeCloseTo(0.25, 2);
    expect(report.notes).toContain('ground resolution unknown: not scored');
  });

  it('reports cloud on a white-out, and an empty image as no image data', async () => {
    // A cloud sheet: the tile seen through 85% white haze (bright, grey, not pure 255 fill).
    const image = await tile('ucm_denseresidential90.png');
    const hazy = { ...image, data: image.data.map((value) => Math.round(0.85 * 250 + 0.15 * value)) };
    const report = assessImageQuality(hazy, { groundResolutionM: GROUND_M });
    expect(report.cloudShare).toBeGreaterThan(0.9);
    expect(report.notes.some((note) => /cloud/.test(note))).toBe(true);
    expect(report.score).toBeLessThan(0.1);

    const blank: RasterImage = { width: 64, height: 64, channels: 3, data: new Uint8Array(64 * 64 * 3) };
    const empty = assessImageQuality(blank);
    expect(empty.score).toBe(0);
    expect(empty.noDataShare).toBe(1);
    expect(empty.notes).toContain('no image data');
  });

  it('scores the same tile lower as its pixels get coarser', async () => {
    const image = await tile('ucm_denseresidential37.png');
    const scores = [0.15, 0.3, 0.6, 1, 5].map((metres) => assessImageQuality(image, { groundResolutionM: metres }));
    for (let k = 1; k < scores.length; k += 1) expect(scores[k]!.score).toBeLessThan(scores[k - 1]!.score);
    expect(scores[2]!.resolution).toBeCloseTo(0.6, 1);
    expect(scores[3]!.notes.some((note) => note.startsWith('coarse pixels (1.0 m each)'))).toBe(true);
    expect(scores[4]!.score).toBe(0);
  });

  it('refuses pixels that do not match the stated size', () => {
    expect(() => assessImageQuality({ width: 10, height: 10, channels: 3, data: new Uint8Array(299) })).toThrow(/needs 300 bytes, got 299/);
  });
});
