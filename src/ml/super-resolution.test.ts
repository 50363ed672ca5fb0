import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RasterImage } from '../core/imagery/types';
import { isMlError } from './errors';
import { loadSrModel } from './model-files';
import { writeSrModels } from './model-build';
import { openModelSession, type ModelSession } from './onnx-session';
import { enhanceImages, openSuperResolver } from './super-resolution';
import { planTiles } from './tiling';
import type { SuperResolver } from './types';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-sr-'));
const modelsDir = join(root, 'models');
const UCM = '/work/shared/fixtures/aerial-imagery/ucmerced/ucm_mediumresidential38.png';
let x2: SuperResolver;

beforeAll(async () => {
  await writeSrModels(modelsDir);
  x2 = await openSuperResolver({ scale: 2, modelsDir, intraOpThreads: 2 });
});
afterAll(async () => {
  await x2?.close();
  rmSync(root, { recursive: true, force: true });
});

async function crop(left: number, top: number, width: number, height: number): Promise<RasterImage> {
  const data = await sharp(UCM).extract({ left, top, width, height }).removeAlpha().raw().toBuffer();
  return { width, height, channels: 3, data: new Uint8Array(data) };
}

/** Largest and mean |difference| over the pixels at least `border` output pixels from the edge. */
function difference(a: RasterImage, b: RasterImage, border: number): { max: number; mean: number } {
  expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
  let max = 0;
  let sum = 0;
  let n = 0;
  for (let y = border; y < a.height - border; y++)
    for (let x = border; x < a.width - border; x++)
      for (let c = 0; c < a.channels; c++) {
        const i = (y * a.width + x) * a.channels + c;
        const d = Math.abs(a.data[i]! - b.data[i]!);
        max = Math.max(max, d);
        sum += d;
        n++;
      }
  return { max, mean: sum / n };
}

describe('super-resolution on ONNX Runtime', () => {
  it('reports its model and the CPU provider here, with licence and FLOPs', () => {
    expect(x2.provider).toBe('cpu');
    expect(x2.model).toMatchObject({ id: expect.stringMatching(/^esrgan-slim-x2@/), scale: 2, licence: 'MIT', source: expect.stringContaining('@upscalerjs/esrgan-slim@') });
    expect(x2.model.flopsPerInputPixel).toBeGreaterThan(200_000);
  });

  it('enhances images of any size, from 1×1 up, to exactly scale × the size', async () => {
    for (const [w, h] of [[1, 1], [3, 5], [17, 2], [130, 9]] as const) {
      const out = await x2.enhance(await crop(0, 0, w, h));
      expect([out.width, out.height, out.channels, out.data.length]).toEqual([w * 2, h * 2, 3, w * h * 12]);
    }
  });

  it('a tiled run matches one whole-image run away from the borders, with no seams', async () => {
    const image = await crop(20, 30, 200, 150);
    const whole = await x2.enhance(image, { tileSize: 256 });
    const progress: number[][] = [];
    const tiled = await x2.enhance(image, { tileSize: 64, overlap: 12, onProgress: (done, total) => progress.push([done, total]) });
    // 4 columns × 3 rows of 64-pixel tiles cover 200 × 150 with at least 12 pixels of overlap.
    expect(progress.at(-1)).toEqual([12, 12]);
    // Measured: at most 1 level apart anywhere, mean ≈ 0.01 (the feathering hides the tiles' zero padding).
    const inside = difference(whole, tiled, 0);
    expect(inside.mean).toBeLessThan(0.05);
    expect(inside.max).toBeLessThanOrEqual(2);
    // Seams: along the tile edges the tiled image is as close to the whole-image run as anywhere.
    const plan = planTiles(200, 150, 64, 12);
    expect(plan.columns).toHaveLength(4);
    // The middle of each overlap between neighbouring columns, in output pixels.
    const seamColumns = plan.columns.slice(1).map((x, i) => Math.floor((x + plan.columns[i]! + plan.tileWidth) / 2) * 2);
    let seamMax = 0;
    for (const x of seamColumns) for (let y = 0; y < tiled.height; y++) for (let c = 0; c < 3; c++) {
      const i = (y * tiled.width + x) * 3 + c;
      seamMax = Math.max(seamMax, Math.abs(whole.data[i]! - tiled.data[i]!));
    }
    expect(seamMax).toBeLessThanOrEqual(2);
  });

  it('keeps alpha as a mask: RGB through the model, alpha resized plainly', async () => {
    const rgb = await crop(0, 0, 20, 10);
    const rgba = new Uint8Array(20 * 10 * 4);
    for (let i = 0; i < 200; i++) {
      rgba.set(rgb.data.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = i % 20 < 10 ? 0 : 255;
    }
    const out = await x2.enhance({ width: 20, height: 10, channels: 4, data: rgba });
    const plain = await x2.enhance(rgb);
    expect(out.channels).toBe(4);
    for (let y = 0; y < 20; y++) {
      expect(out.data[(y * 40 + 19) * 4 + 3]).toBe(0);
      expect(out.data[(y * 40 + 20) * 4 + 3]).toBe(255);
    }
    expect(out.data[(5 * 40 + 30) * 4]).toBe(plain.data[(5 * 40 + 30) * 3]);
  });

  it('enhanceMany runs tiles of several images together and gives what enhance gives', async () => {
    const images = [await crop(0, 0, 48, 48), await crop(60, 60, 48, 48), await crop(120, 10, 48, 48)];
    const model = await loadSrModel(modelsDir, 2);
    const session = await openModelSession(model.bytes, { providers: ['cpu'] });
    const batches: number[] = [];
    const counting: ModelSession = { ...session, provider: session.provider, run: (data, dims) => (batches.push(dims[0]!), session.run(data, dims)), close: () => session.close() };
    const many = await enhanceImages(counting, 2, images, { tilesPerRun: 4 });
    expect(batches).toEqual([3]);
    // Memory stays bounded: a larger image goes through in runs of at most tilesPerRun tiles of tileSize.
    const shapes: string[] = [];
    const shaping: ModelSession = { ...counting, run: (data, dims) => (shapes.push(dims.join('x')), session.run(data, dims)) };
    await enhanceImages(shaping, 2, [await crop(0, 0, 250, 180)], { tileSize: 64, tilesPerRun: 2 });
    await session.close();
    expect(new Set(shapes)).toEqual(new Set(['2x3x54x60'])); // tiles of at most 64, evened out
    expect(shapes).toHaveLength(10); // 5 columns × 4 rows = 20 tiles
    for (const [i, image] of images.entries()) expect(difference(many[i]!, await x2.enhance(image), 0).max).toBe(0);
    expect(await x2.enhanceMany([])).toEqual([]);
  });

  it('stops between tile batches when cancelled, with an AbortError of kind cancelled', async () => {
    const controller = new AbortController();
    const image = await crop(0, 0, 200, 200);
    let seen = 0;
    const run = x2.enhance(image, { tileSize: 32, tilesPerRun: 1, signal: controller.signal, onProgress: (done) => ((seen = done), done === 2 && controller.abort()) });
    await expect(run).rejects.toMatchObject({ kind: 'cancelled', name: 'AbortError' });
    expect(seen).toBe(2);
    await expect(x2.enhance(image, { signal: AbortSignal.abort() })).rejects.toMatchObject({ kind: 'cancelled' });
    // The resolver still works after a cancelled call.
    expect((await x2.enhance(await crop(0, 0, 8, 8))).width).toBe(16);
  });

  it('refuses malformed images and options with a clear error', async () => {
    await expect(x2.enhance({ width: 4, height: 4, channels: 3, data: new Uint8Array(10) })).rejects.toMatchObject({ kind: 'unsupported-image', message: expect.stringMatching(/8-bit RGB or RGBA/) });
    await expect(x2.enhance(await crop(0, 0, 8, 8), { overlap: 64 })).rejects.toMatchObject({ kind: 'invalid-option' });
    // Checked before any work: ×2 of 9000 × 8000 is 288 Mpx, beyond what can be written as PNG.
    const huge = { width: 9000, height: 8000, channels: 3 as const, data: new Uint8Array(9000 * 8000 * 3) };
    await expect(x2.enhance(huge)).rejects.toMatchObject({ kind: 'unsupported-image', message: expect.stringMatching(/18000×16000 after ×2.*crop it/) });
  });

  it('says how to get the models when they are missing or altered, and falls back to the CPU without a GPU', async () => {
    await expect(openSuperResolver({ scale: 4, modelsDir: join(root, 'nowhere') })).rejects.toMatchObject({ kind: 'model-missing', message: expect.stringMatching(/npm run build/) });
    const altered = join(root, 'altered');
    await cp(modelsDir, altered, { recursive: true });
    writeFileSync(join(altered, 'esrgan-slim-x4.onnx'), 'not a model');
    const error = await openSuperResolver({ scale: 4, modelsDir: altered }).catch((e: unknown) => e);
    expect(isMlError(error, 'model-invalid')).toBe(true);

    const fallbacks: string[] = [];
    const x4 = await openSuperResolver({ scale: 4, modelsDir, providers: ['cuda', 'cpu'], onProviderFallback: (p) => fallbacks.push(p) });
    try {
      expect(x4.provider).toBe('cpu');
      expect(fallbacks).toEqual(['cuda']);
      const out = await x4.enhance(await crop(0, 0, 10, 6));
      expect([out.width, out.height]).toEqual([40, 24]);
    } finally {
      await x4.close();
    }
  });
});
