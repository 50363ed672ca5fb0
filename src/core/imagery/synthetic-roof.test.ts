import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { LngLat } from '../domain/geo';
import { groundResolutionM, lngLatToMercator } from './mercator';
import { renderSyntheticRoof, SYNTHETIC_ROOF_FILL } from './synthetic-roof';
import type { ImageGrid, RoofTarget } from './types';

/** An L-shaped house in Texas, about 16 m × 12 m. */
const lat = 33.2285;
const lng = -96.8712;
const dLat = 1 / 111_320;
const dLng = 1 / (111_320 * Math.cos((lat * Math.PI) / 180));
const at = (east: number, north: number): LngLat => [lng + east * dLng, lat + north * dLat];
const footprint: LngLat[] = [at(0, 0), at(16, 0), at(16, 7), at(8, 7), at(8, 12), at(0, 12), at(0, 0)];
const target: RoofTarget = { propertyId: 'p-1', lat: lat + 6 * dLat, lng: lng + 8 * dLng, footprint };

async function pixelAt(png: Buffer, grid: ImageGrid, point: LngLat): Promise<[number, number, number]> {
  const [x, y] = lngLatToMercator(point);
  const px = Math.floor(((x - grid.box[0]) / (grid.box[2] - grid.box[0])) * grid.width);
  const py = Math.floor(((grid.box[3] - y) / (grid.box[3] - grid.box[1])) * grid.height);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const o = (py * info.width + px) * info.channels;
  return [data[o]!, data[o + 1]!, data[o + 2]!];
}

const roofRgb = [1, 3, 5].map((k) => parseInt(SYNTHETIC_ROOF_FILL.slice(k, k + 2), 16));
const isRoof = (rgb: number[]) => rgb.every((c, k) => Math.abs(c - roofRgb[k]!) <= 3);

describe('synthetic roof fallback', () => {
  it('draws the footprint where its grid says, at the asked resolution, with the margin around it', async () => {
    const roof = await renderSyntheticRoof(target, { marginM: 5 });
    expect(await sharp(roof.png).metadata()).toMatchObject({ width: roof.width, height: roof.height, format: 'png' });
    expect(groundResolutionM(roof.grid)).toBeCloseTo(0.15, 3);
    // 16 m + 2 × 5 m wide at 0.15 m/px.
    expect(roof.width).toBeGreaterThanOrEqual(Math.floor(26 / 0.15));
    expect(roof.width).toBeLessThanOrEqual(Math.ceil(26 / 0.15) + 1);
    // Inside both wings of the L: roof; in the L's notch and in the margin: not roof.
    expect(isRoof(await pixelAt(roof.png, roof.grid, at(4, 9)))).toBe(true);
    expect(isRoof(await pixelAt(roof.png, roof.grid, at(12, 3)))).toBe(true);
    expect(isRoof(await pixelAt(roof.png, roof.grid, at(13, 10)))).toBe(false);
    expect(isRoof(await pixelAt(roof.png, roof.grid, at(-3, 6)))).toBe(false);
  });

  it('is clearly not a photograph: a red marked border, and the same picture every time', async () => {
    const a = await renderSyntheticRoof(target, { marginM: 4, groundMetresPerPixel: 0.3 });
    const b = await renderSyntheticRoof(target, { marginM: 4, groundMetresPerPixel: 0.3 });
    expect(a.png.equals(b.png)).toBe(true);
    const { data, info } = await sharp(a.png).raw().toBuffer({ resolveWithObject: true });
    const [r, g, bl] = [data[0]!, data[1]!, data[2]!];
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(60);
    expect(bl).toBeLessThan(60);
    expect(info.channels).toBe(3);
  });

  it('a property known only by its point gets a default-size roof around that point', async () => {
    const roof = await renderSyntheticRoof({ propertyId: 'p-2', lat, lng, footprint: null }, { marginM: 3 });
    expect(isRoof(await pixelAt(roof.png, roof.grid, [lng + 2 * dLng, lat + 2 * dLat]))).toBe(true);
    expect(roof.width).toBeCloseTo(18 / 0.15, -1);
  });

  it('refuses absurd input with a reason', async () => {
    await expect(renderSyntheticRoof({ ...target, lat: Number.NaN }, { marginM: 3 })).rejects.toThrow(/no usable position/);
    await expect(renderSyntheticRoof({ ...target, footprint: [at(0, 0), at(2000, 0), at(2000, 2000), at(0, 0)] }, { marginM: 3 })).rejects.toThrow(/implausibly large/);
  });
});
