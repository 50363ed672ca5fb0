import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { LngLat } from '../domain/geo';
import { ringToPixels } from '../imagery/geometry';
import { lngLatToMercator } from '../imagery/mercator';
import type { ImageGrid, RasterImage } from '../imagery/types';
import { renderAerial } from '../../emulators/aerial-render';
import { listWorld } from '../../emulators/list-world';
import type { WorldBuilding, WorldPropertyRecord } from '../../emulators/world';
import { computeRoofFeatures, roofMask } from './roof-features';

/**
 * Synthetic roofs at 0.1 m per pixel: a 12 m × 8 m roof (120 × 80 px) on a green lawn, two facets
 * (the south one in shade), shingle courses and a little grain, then one kind of wear painted on.
 */
const RES = 0.1;
const SIZE = 160;
const ROOF: [number, number, number, number] = [20, 40, 140, 120];

function hash01(a: number, b: number, salt: number): number {
  let h = Math.imul(a | 0, 0x27d4eb2d) ^ Math.imul(b | 0, 0x165667b1) ^ Math.imul(salt, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4_294_967_296;
}

type Paint = (x: number, y: number, rgb: [number, number, number]) => [number, number, number];

function roofImage(paint: Paint = (_x, _y, rgb) => rgb): RasterImage {
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y += 1) {
    for (let x = 0; x < SIZE; x += 1) {
      const grain = (hash01(x, y, 1) - 0.5) * 12;
      let rgb: [number, number, number];
      if (x >= ROOF[0] && x < ROOF[2] && y >= ROOF[1] && y < ROOF[3]) {
        const facet = y >= 80 ? 0.8 : 1;
        const course = y % 4 === 0 ? -12 : 0;
        const v = 130 * facet + course + grain;
        rgb = paint(x, y, [v + 4, v, v - 4]);
      } else {
        rgb = [80 + grain, 130 + grain, 60 + grain];
      }
      data.set(rgb.map((c) => Math.max(1, Math.min(254, Math.round(c)))), (y * SIZE + x) * 3);
    }
  }
  return { width: SIZE, height: SIZE, channels: 3, data };
}

const darken = (rgb: [number, number, number], by: number): [number, number, number] => [rgb[0] - by, rgb[1] - by, rgb[2] - by];

/** Dark streaks 0.5 m wide running down both slopes from the ridge, every 1.5 m. */
const streaked: Paint = (x, y, rgb) => ((x - ROOF[0]) % 15 < 5 && Math.abs(y - 80) > 4 ? darken(rgb, 45) : rgb);
/** Round blotches of lost granules (dark) and exposed mat (light), 1–2.4 m across. */
const patched: Paint = (x, y, rgb) => {
  for (let k = 0; k < 14; k += 1) {
    const cx = ROOF[0] + 8 + hash01(k, 0, 7) * 104;
    const cy = ROOF[1] + 8 + hash01(k, 1, 7) * 64;
    const r = 5 + hash01(k, 2, 7) * 7;
    if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) return darken(rgb, k % 3 === 0 ? -40 : 45);
  }
  return rgb;
};
/** Moss on the shaded (north-facing in the image's south) slope's lower half. */
const mossy: Paint = (x, y, rgb) => (y >= 100 && hash01(x >> 2, y >> 2, 3) < 0.7 ? [rgb[0] - 30, rgb[1] + 10, rgb[2] - 40] : rgb);

const options = { groundResolutionM: RES };

describe('roof features of synthetic roofs', () => {
  const clean = computeRoofFeatures(roofImage(), ROOF, options);

  it('a clean roof shows no streaks, patches or moss, though its facets differ and the lawn around it is green', () => {
    expect(clean.usable).toBe(true);
    expect(clean.darkStreakShare).toBeLessThan(0.01);
    expect(clean.patchiness).toBeLessThan(0.05);
    expect(clean.mossShare).toBe(0);
    expect(clean.meanLuma).toBeGreaterThan(100);
    expect(clean.meanLuma).toBeLessThan(130);
  });

  it('a streaked roof reads as streaked, not as moss', () => {
    const f = computeRoofFeatures(roofImage(streaked), ROOF, options);
    // Note: smoothing narrows each 0.5 m streak to its dark core: ~30% painted, about half found.
    expect(f.darkStreakShare).toBeGreaterThan(0.12);
    expect(f.darkStreakShare).toBeGreaterThan(clean.darkStreakShare + 0.1);
    expect(f.mossShare).toBe(0);
    expect(f.meanLuma).toBeLessThan(clean.meanLuma);
  });

  it('a patchy roof reads as patchy, and its round blotches are not streaks', () => {
    const f = computeRoofFeatures(roofImage(patched), ROOF, options);
    expect(f.patchiness).toBeGreaterThan(0.2);
    expect(f.patchiness).toBeGreaterThan(clean.patchiness + 0.2);
    expect(f.darkStreakShare).toBeLessThan(0.03);
    expect(f.mossShare).toBe(0);
  });

  it('a mossy roof reads as mossy', () => {
    const f = computeRoofFeatures(roofImage(mossy), ROOF, options);
    expect(f.mossShare).toBeGreaterThan(0.15);
    expect(f.mossShare).toBeLessThan(0.4);
    expect(f.darkStreakShare).toBeLessThan(0.03);
  });

  it('measures only inside the footprint: the same roof measured with the lawn inside its box reads as mossy', () => {
    const loose = computeRoofFeatures(roofImage(), [0, 0, SIZE, SIZE], options);
    expect(loose.mossShare).toBeGreaterThan(0.4);
    expect(loose.roofPixels).toBeGreaterThan(clean.roofPixels);
  });

  it('a ring, the equivalent box and no footprint at all (the middle of the crop) measure the same kind of roof', () => {
    const ring: [number, number][] = [[20, 40], [140, 40], [140, 120], [20, 120], [20, 40]];
    expect(computeRoofFeatures(roofImage(), ring, options)).toEqual(clean);
    const middle = computeRoofFeatures(roofImage(), null, options);
    expect(middle.roofPixels).toBeGreaterThan(0);
    expect(middle.mossShare).toBe(0);
  });

  it('a blurred picture is not usable', async () => {
    const image = roofImage(streaked);
    const blurred = await sharp(image.data, { raw: { width: SIZE, height: SIZE, channels: 3 } }).blur(3).raw().toBuffer();
    const f = computeRoofFeatures({ ...image, data: new Uint8Array(blurred) }, ROOF, options);
    expect(f.sharpness).toBeLessThan(0.25);
    expect(f.usable).toBe(false);
  });

  it('a roof a few pixels wide (coarse imagery) is not usable', () => {
    const f = computeRoofFeatures(roofImage(), [60, 60, 72, 70], options);
    expect(f.roofPixels).toBeLessThan(256);
    expect(f.usable).toBe(false);
  });

  it('pixels with no data (outside the provider coverage) are not roof', () => {
    const image = roofImage();
    for (let y = ROOF[1]; y < ROOF[3]; y += 1) image.data.fill(0, (y * SIZE + 80) * 3, (y * SIZE + ROOF[2]) * 3);
    const f = computeRoofFeatures(image, ROOF, options);
    expect(f.roofPixels).toBeLessThan(clean.roofPixels * 0.55);
    expect(f.darkStreakShare).toBeLessThan(0.01);
  });

  it('a footprint off the image measures nothing and is not usable', () => {
    const f = computeRoofFeatures(roofImage(), [500, 500, 600, 600], options);
    expect(f).toMatchObject({ roofPixels: 0, usable: false });
  });

  it('refuses pixels that do not match the size, an absurd resolution or an outline of two points', () => {
    expect(() => computeRoofFeatures({ width: 10, height: 10, channels: 3, data: new Uint8Array(5) }, null, options)).toThrow(RangeError);
    expect(() => computeRoofFeatures(roofImage(), null, { groundResolutionM: 0 })).toThrow(/positive/);
    expect(() => computeRoofFeatures(roofImage(), [[0, 0], [5, 5]], options)).toThrow(/three/);
  });

  it('fills an outline by pixel centres (even–odd), a triangle half its box', () => {
    const mask = roofMask(100, 100, [[0, 0], [100, 0], [0, 100]]);
    const inside = mask.reduce((a, b) => a + b, 0);
    expect(inside).toBeGreaterThan(4900);
    expect(inside).toBeLessThan(5100);
    expect(mask[0]).toBe(1);
    expect(mask[99 * 100 + 99]).toBe(0);
  });
});

describe('roof features of the aerial emulator renders', () => {
  const lat = 33.0;
  const lng = -96.7;
  const dLat = 1 / 111_320;
  const dLng = 1 / (111_320 * Math.cos((lat * Math.PI) / 180));
  const installed = [2023, 1993];
  const materials = ['Composition shingle', 'Metal'];

  /** Identical 14 m × 10 m houses 30 m apart; only their roofs' material and age differ. */
  function houses(): { world: ReturnType<typeof listWorld>; rings: { ring: LngLat[]; material: string; year: number }[] } {
    const buildings: WorldBuilding[] = [];
    const records: WorldPropertyRecord[] = [];
    const rings: { ring: LngLat[]; material: string; year: number }[] = [];
    materials.forEach((material, m) =>
      installed.forEach((year, a) => {
        const east = a * 30;
        const north = m * 30;
        const at = (e: number, n: number): LngLat => [lng + (east + e) * dLng, lat + (north + n) * dLat];
        const ring = [at(0, 0), at(14, 0), at(14, 10), at(0, 10), at(0, 0)];
        const centroid = { lat: lat + (north + 5) * dLat, lng: lng + (east + 7) * dLng };
        rings.push({ ring, material, year });
        buildings.push({ osmWayId: 40 + rings.length, nodeIds: [1, 2, 3, 4, 1], ring, centroid, tags: { building: 'house' } });
        records.push({
          recordId: String(rings.length),
          address: { houseNumber: String(100 + rings.length), street: 'Test St', unit: null, city: 'Plano', state: 'TX', postcode: '75074' },
          location: centroid,
          yearBuilt: 1993,
          roofMaterial: material,
          roofInstalledYear: year,
          marketValueUsd: 300_000,
          ownerOccupied: true,
          livingAreaSqft: 2_000,
          stories: 1,
        });
      }),
    );
    return { world: listWorld({ name: 'four houses', bbox: [lng - 0.001, lat - 0.001, lng + 0.002, lat + 0.002], buildings, propertyRecords: records }), rings };
  }

  for (const [style, resolution] of [['satellite', 0.15], ['naip', 0.6]] as const) {
    it(`an old roof streaks and patches more than a new one of the same material (${style}, ${resolution} m)`, async () => {
      const { world, rings } = houses();
      const [x0, y0] = lngLatToMercator([lng - 5 * dLng, lat - 5 * dLat]);
      const stretch = 1 / Math.cos((lat * Math.PI) / 180);
      const width = Math.round(60 / resolution);
      const height = Math.round(60 / resolution);
      const grid: ImageGrid = { box: [x0, y0, x0 + width * resolution * stretch, y0 + height * resolution * stretch], width, height };
      const png = await renderAerial(world, grid, style, { asOfYear: 2025 });
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const image: RasterImage = { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
      const features = rings.map(({ ring }) => computeRoofFeatures(image, ringToPixels(grid, ring), { groundResolutionM: resolution }));
      for (let m = 0; m < materials.length; m += 1) {
        const [young, old] = [features[m * 2]!, features[m * 2 + 1]!];
        expect(young.usable && old.usable).toBe(true);
        expect(old.darkStreakShare).toBeGreaterThan(young.darkStreakShare + 0.04);
        expect(old.patchiness).toBeGreaterThan(young.patchiness + 0.1);
        expect(old.mossShare).toBe(0);
      }
    });
  }
});
