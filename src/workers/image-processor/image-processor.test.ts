import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { mlInferenceContract } from '../../core/contracts/ml-contract';
import { DEFAULT_IMAGERY_SETTINGS } from '../../core/imagery/imagery-settings';
import { bboxToMercator } from '../../core/imagery/mercator';
import type { ImageGrid, RasterImage, RoofTarget } from '../../core/imagery/types';
import type { LinkedClient } from '../../core/rpc/linked-client';
import { openDatabase, runMigrations, type Db } from '../../core/store';
import { addHouse } from '../../core/store/store.testkit';
import { EnhanceQueue } from './enhance-queue';
import { planImagery } from './plan';
import { cropRoof } from './roof-crop';

/** The image-processor's own parts: where a roof lands in its crop, shared enhancement runs, and a plan made once per run. */

function solid(width: number, height: number): RasterImage {
  return { width, height, channels: 3, data: new Uint8Array(width * height * 3).fill(90) };
}

describe('cropping one roof out of a batch image', () => {
  // A 0.6 m grid over a small box in Texas, and a 12 m × 10 m house inside it.
  const grid: ImageGrid = { box: bboxToMercator([-97.7, 30.5, -97.698, 30.502]), width: 320, height: 370 };
  const ring: [number, number][] = [
    [-97.6992, 30.5008],
    [-97.69908, 30.5008],
    [-97.69908, 30.50089],
    [-97.6992, 30.50089],
    [-97.6992, 30.5008],
  ];
  const target: RoofTarget = { propertyId: 'p1', lat: 30.500845, lng: -97.69914, footprint: ring };

  it('puts the footprint inside the crop with the margin on every side', () => {
    const crop = cropRoof(solid(grid.width, grid.height), grid, target, 6)!;
    expect(crop).not.toBeNull();
    const [x0, y0, x1, y1] = crop.footprintPx!;
    const metresPerPixel = (grid.box[2] - grid.box[0]) / grid.width * Math.cos((30.501 * Math.PI) / 180);
    const marginPx = 6 / metresPerPixel;
    // The footprint's box sits a margin away from each edge of the crop (within a pixel of rounding).
    expect(x0).toBeGreaterThanOrEqual(Math.floor(marginPx) - 1);
    expect(y0).toBeGreaterThanOrEqual(Math.floor(marginPx) - 1);
    expect(crop.image.width - x1).toBeGreaterThanOrEqual(Math.floor(marginPx) - 1);
    expect(crop.image.height - y1).toBeGreaterThanOrEqual(Math.floor(marginPx) - 1);
    // 12 m × 10 m at ~0.52 m per pixel.
    expect((x1 - x0) * metresPerPixel).toBeGreaterThan(10);
    expect((x1 - x0) * metresPerPixel).toBeLessThan(14);
    expect(crop.image.data.length).toBe(crop.image.width * crop.image.height * 3);
  });

  it('refuses a roof the image does not hold', () => {
    const far: RoofTarget = { ...target, lng: -97.5, footprint: null };
    expect(cropRoof(solid(grid.width, grid.height), grid, far, 6)).toBeNull();
  });
});

describe('the enhancement queue', () => {
  it('sends the crops that arrive together in one ml.enhance call and answers each its own', async () => {
    const calls: number[] = [];
    const ml = {
      call: async (_method: string, params: { images: RasterImage[]; scale: number }) => {
        calls.push(params.images.length);
        return { images: params.images.map((image) => ({ ...image, width: image.width * params.scale })), model: 'esrgan-slim-x4', provider: 'cpu', ms: 1 };
      },
    } as unknown as LinkedClient<typeof mlInferenceContract>;
    const queue = new EnhanceQueue(ml, { scale: 4, gatherMs: 5 }, new AbortController().signal);
    const results = await Promise.all([solid(3, 2), solid(5, 2), solid(7, 2)].map((image) => queue.enhance(image)));
    expect(calls).toEqual([3]);
    expect(results.map((result) => result.image.width)).toEqual([12, 20, 28]);
  });

  it('passes a failure to every crop of the call', async () => {
    const ml = { call: async () => Promise.reject(new Error('model missing')) } as unknown as LinkedClient<typeof mlInferenceContract>;
    const queue = new EnhanceQueue(ml, { scale: 4, gatherMs: 1 }, new AbortController().signal);
    const outcomes = await Promise.allSettled([queue.enhance(solid(2, 2)), queue.enhance(solid(2, 2))]);
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
  });
});

describe('the imagery plan of a scan', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fm-imagery-plan-'));
    db = openDatabase(dir);
    runMigrations(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const house = (_n: number, lat: number, lng: number): string => addHouse(db, { lat, lng });


  it('batches a street of houses, sends a far house alone, and gives the same plan when asked again', () => {
    const street = Array.from({ length: 30 }, (_, i) => house(i, 30.5, -97.7 + i * 0.0002));
    const lone = house(99, 30.6, -97.6);
    const bbox: [number, number, number, number] = [-97.8, 30.4, -97.5, 30.7];
    const first = planImagery(db, { runId: 'run-1', bbox }, DEFAULT_IMAGERY_SETTINGS);
    expect(first.properties).toBe(31);
    expect(first.batches).toBe(2); // 30 houses: no batch above 25
    expect(first.steps.filter((step) => step.key.startsWith('batch:')).every((step) => step.members <= 25 && step.members >= 3)).toBe(true);
    expect(first.steps).toContainEqual({ key: `single:${lone}`, members: 1 });
    const members = db.prepare(`SELECT property_id FROM imagery_batch_members`).pluck().all() as string[];
    expect(new Set(members)).toEqual(new Set(street));

    const again = planImagery(db, { runId: 'run-1', bbox }, DEFAULT_IMAGERY_SETTINGS);
    expect(again).toEqual(first);
    expect(db.prepare('SELECT count(*) FROM imagery_batches').pluck().get()).toBe(2);
  });
});
