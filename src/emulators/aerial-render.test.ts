import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { LngLat } from '../core/domain/geo';
import { lngLatToMercator } from '../core/imagery/mercator';
import type { ImageGrid, MercatorBox } from '../core/imagery/types';
import { createDemoWorld } from '../demo';
import { renderAerial } from './aerial-render';
import { listWorld } from './list-world';
import type { WorldBuilding, WorldPropertyRecord } from './world';

const lat = 33.0;
const lng = -96.7;
const dLat = 1 / 111_320;
const dLng = 1 / (111_320 * Math.cos((lat * Math.PI) / 180));

/** Three identical 14 m × 10 m houses 40 m apart; only their roofs' material and age differ. */
function threeHouses(): { world: ReturnType<typeof listWorld>; rings: LngLat[][] } {
  const roofs: [string, number][] = [
    ['Composition shingle', 2023],
    ['Composition shingle', 1992],
    ['Metal', 2023],
  ];
  const buildings: WorldBuilding[] = [];
  const records: WorldPropertyRecord[] = [];
  const rings: LngLat[][] = [];
  roofs.forEach(([material, installed], k) => {
    const east = k * 40;
    const at = (e: number, n: number): LngLat => [lng + (east + e) * dLng, lat + n * dLat];
    const ring = [at(0, 0), at(14, 0), at(14, 10), at(0, 10), at(0, 0)];
    const centroid = { lat: lat + 5 * dLat, lng: lng + (east + 7) * dLng };
    rings.push(ring);
    buildings.push({ osmWayId: 4, nodeIds: [1, 2, 3, 4, 1], ring, centroid, tags: { building: 'house' } });
    records.push({
      recordId: String(k),
      address: { houseNumber: String(100 + k), street: 'Test St', unit: null, city: 'Plano', state: 'TX', postcode: '75074' },
      location: centroid,
      yearBuilt: 1992,
      roofMaterial: material,
      roofInstalledYear: installed,
      marketValueUsd: 300_000,
      ownerOccupied: true,
      livingAreaSqft: 2_000,
      stories: 1,
    });
  });
  return { world: listWorld({ name: 'three houses', bbox: [lng - 0.001, lat - 0.001, lng + 0.002, lat + 0.001], buildings, propertyRecords: records }), rings };
}

async function raw(png: Buffer): Promise<Buffer> {
  return sharp(png).removeAlpha().raw().toBuffer();
}

/** Mean and spread of brightness well inside a house's box (2.5 m in); `facet`: only its north slope (no ridge, no facet edge). */
async function roofStats(png: Buffer, grid: ImageGrid, ring: LngLat[], facet = false): Promise<{ mean: number; spread: number }> {
  const data = await raw(png);
  const [x0, south] = lngLatToMercator(ring[0]!);
  const [x1, y1] = lngLatToMercator(ring[2]!);
  const y0 = facet ? (south + y1) / 2 + 1 / Math.cos((lat * Math.PI) / 180) : south;
  const top = facet ? 1.5 : 2.5;
  const mpp = (grid.box[2] - grid.box[0]) / grid.width;
  const inset = 2.5 / mpp;
  const values: number[] = [];
  for (let py = Math.ceil((grid.box[3] - y1) / mpp + top / mpp); py < (grid.box[3] - y0) / mpp; py += 1) {
    for (let px = Math.ceil((x0 - grid.box[0]) / mpp + inset); px < (x1 - grid.box[0]) / mpp - inset; px += 1) {
      const o = (py * grid.width + px) * 3;
      values.push(0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!);
    }
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, spread: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}

function boxAround(point: LngLat, halfM: number): MercatorBox {
  const [x, y] = lngLatToMercator(point);
  return [x - halfM, y - halfM, x + halfM, y + halfM];
}

describe('synthetic aerial render', () => {
  const { world, rings } = threeHouses();
  const box: MercatorBox = (() => {
    const [a0, b0] = lngLatToMercator([lng - 8 * dLng, lat - 8 * dLat]);
    const [a1, b1] = lngLatToMercator([lng + 102 * dLng, lat + 18 * dLat]);
    return [a0, b0, a1, b1];
  })();
  const grid: ImageGrid = { box, width: Math.round((box[2] - box[0]) / 0.18), height: Math.round((box[3] - box[1]) / 0.18) };

  it('the same box gives the same pixels, at the size asked for', async () => {
    const a = await renderAerial(world, grid, 'satellite', { asOfYear: 2025 });
    const b = await renderAerial(world, grid, 'satellite', { asOfYear: 2025 });
    expect(a.equals(b)).toBe(true);
    expect(await sharp(a).metadata()).toMatchObject({ width: grid.width, height: grid.height, format: 'png' });
  });

  it('roofs are coloured by material: metal reads lighter than asphalt shingle', async () => {
    const png = await renderAerial(world, grid, 'satellite', { asOfYear: 2025 });
    const shingle = await roofStats(png, grid, rings[0]!);
    const metal = await roofStats(png, grid, rings[2]!);
    expect(metal.mean).toBeGreaterThan(shingle.mean + 30);
  });

  it('an old roof shows streaks and patches: a rougher texture than the same roof new', async () => {
    for (const style of ['satellite', 'naip'] as const) {
      const g: ImageGrid = style === 'naip' ? { box, width: Math.round(grid.width / 3), height: Math.round(grid.height / 3) } : grid;
      const png = await renderAerial(world, g, style, { asOfYear: 2025 });
      const fresh = await roofStats(png, g, rings[0]!, true);
      const old = await roofStats(png, g, rings[1]!, true);
      expect(old.spread).toBeGreaterThan(fresh.spread * 1.5);
    }
  });

  it('overlapping boxes agree where they overlap (batch, crop and mosaic parts show the same roofs)', async () => {
    const demo = createDemoWorld({ properties: 150, asOf: '2025-06-01' });
    const c = demo.buildingsIn(demo.bbox)[70]!.centroid;
    const whole = boxAround([c.lng, c.lat], 60);
    const size = 200; // 0.6 Mercator m per pixel
    const big = await raw(await renderAerial(demo, { box: whole, width: size, height: size }, 'satellite'));
    // The lower-right quarter, asked for on its own: another centre latitude, another box.
    const part: MercatorBox = [whole[0] + 60, whole[1], whole[2], whole[1] + 60];
    const small = await raw(await renderAerial(demo, { box: part, width: 100, height: 100 }, 'satellite'));
    let diff = 0;
    for (let y = 0; y < 100; y += 1) {
      for (let x = 0; x < 100; x += 1) {
        for (let ch = 0; ch < 3; ch += 1) diff += Math.abs(big[((y + 100) * size + x + 100) * 3 + ch]! - small[(y * 100 + x) * 3 + ch]!);
      }
    }
    expect(diff / (100 * 100 * 3)).toBeLessThan(0.5);
  });

  it('refuses sizes it cannot draw', async () => {
    await expect(renderAerial(world, { box, width: 0, height: 10 }, 'naip')).rejects.toThrow(/1 to 8000/);
    await expect(renderAerial(world, { box: [box[2], box[1], box[0], box[3]], width: 10, height: 10 }, 'naip')).rejects.toThrow(/min < max/);
  });
});
