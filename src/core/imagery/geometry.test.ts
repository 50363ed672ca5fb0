import { describe, expect, it } from 'vitest';
import type { LngLat } from '../domain/geo';
import { coversBox, cropRect, footprintBox, gridForBox, groundSpanM, haversineM, pixelToLngLat, ringToPixels, unionBox } from './geometry';
import { bboxToMercator, groundResolutionM, lngLatToMercator, mercatorToLngLat } from './mercator';
import type { ImageGrid, MercatorBox, RoofTarget } from './types';

// A 16 m × 12 m house in Frisco, Texas (33.2285 N), outline [lng, lat], closed. Note: laid out in
// Mercator metres × cos(lat), the ground metres of the projection every image uses.
const LAT = 33.2285;
const LNG = -96.8712;
const STRETCH = 1 / Math.cos((LAT * Math.PI) / 180);
const [HX, HY] = lngLatToMercator([LNG, LAT]);
const ground = (east: number, north: number): LngLat => mercatorToLngLat([HX + east * STRETCH, HY + north * STRETCH]);
const house: LngLat[] = [ground(0, 0), ground(16, 0), ground(16, 12), ground(0, 12), ground(0, 0)];
const centre = ground(8, 6);
const target: RoofTarget = { propertyId: 'p1', lat: centre[1], lng: centre[0], footprint: house };

function okGrid(box: MercatorBox, metres: number): ImageGrid {
  const plan = gridForBox(box, metres, { maxWidth: 4000, maxHeight: 4000 });
  if (plan.kind !== 'ok') throw new Error(plan.message);
  return plan.grid;
}

describe('haversineM', () => {
  it('measures a degree of latitude and a known city pair', () => {
    expect(haversineM({ lat: 33, lng: -97 }, { lat: 34, lng: -97 })).toBeCloseTo(111_195, -1);
    // Dallas City Hall → Fort Worth City Hall, about 49.7 km on the sphere.
    expect(haversineM({ lat: 32.7767, lng: -96.797 }, { lat: 32.7555, lng: -97.3308 }) / 1000).toBeCloseTo(49.9, 0);
    expect(haversineM({ lat: LAT, lng: LNG }, { lat: LAT, lng: LNG })).toBe(0);
  });

  it('gives the ground span of a box as its longer edge', () => {
    const [east, north] = house[2]!;
    // The projection's sphere is 0.1% larger than the mean Earth haversine uses: same metre, near enough.
    expect(groundSpanM([LNG, LAT, east, north])).toBeCloseTo(16, 1);
  });
});

describe('footprintBox', () => {
  it('bounds the outline and adds the margin in ground metres', () => {
    const box = footprintBox(target, 5);
    const grid = okGrid(box, 0.25);
    // 16 m + 2 × 5 m margin = 26 m of ground at 0.25 m a pixel.
    expect(grid.width).toBe(104);
    expect(grid.height).toBe(88);
    expect(groundResolutionM(grid)).toBeCloseTo(0.25, 3);
  });

  it('gives a point-only target a 30 m square', () => {
    const box = footprintBox({ ...target, footprint: null }, 0);
    const grid = okGrid(box, 0.3);
    expect(grid.width).toBe(100);
    expect(grid.height).toBe(100);
  });

  it('refuses a negative margin', () => {
    expect(() => footprintBox(target, -1)).toThrow(/margin/);
  });
});

describe('cropRect and ringToPixels', () => {
  // A 200 m tile at 0.25 m a pixel, its top-left corner 60 m west and 80 m north of the house's SW corner.
  const tileBox: MercatorBox = [HX - 60 * STRETCH, HY - 120 * STRETCH, HX + 140 * STRETCH, HY + 80 * STRETCH];
  const tile = okGrid(tileBox, 0.25);

  it('finds the house where it lies in the tile, and the outline inside its crop', () => {
    const crop = cropRect(tile, footprintBox(target, 3))!;
    expect(crop).not.toBeNull();
    expect(tile.width).toBe(800);
    // The house's west wall is 60 m (240 px) from the tile's west edge, 3 m margin → 228 px.
    // Its north wall is 80 − 12 = 68 m below the top, minus the margin → 65 m = 260 px.
    // 16 m + 2 × 3 m = 22 m = 88 px wide, 18 m = 72 px high.
    expect(crop).toEqual({ left: 228, top: 260, width: 88, height: 72 });

    const pixels = ringToPixels(tile, house, crop);
    for (const [col, row] of pixels) {
      expect(col).toBeGreaterThanOrEqual(0);
      expect(row).toBeGreaterThanOrEqual(0);
      expect(col).toBeLessThanOrEqual(crop.width);
      expect(row).toBeLessThanOrEqual(crop.height);
    }
    // The SW corner sits 3 m (12 px) in from the crop's left and 3 m up from its bottom.
    expect(pixels[0]![0]).toBeCloseTo(12, 3);
    expect(pixels[0]![1]).toBeCloseTo(72 - 12, 3);
    expect(pixels[2]![0]).toBeCloseTo(12 + 64, 3);
    expect(pixels[2]![1]).toBeCloseTo(12, 3);
  });

  it('round-trips the outline ground → pixels → ground to a centimetre', () => {
    const pixels = ringToPixels(tile, house);
    pixels.forEach((pixel, k) => {
      const [lng, lat] = pixelToLngLat(tile, pixel);
      expect(haversineM({ lat, lng }, { lat: house[k]![1], lng: house[k]![0] })).toBeLessThan(0.01);
    });
  });

  it('crops up to the very edge of the image, and not past it', () => {
    const whole = cropRect(tile, tile.box);
    expect(whole).toEqual({ left: 0, top: 0, width: tile.width, height: tile.height });
    const pixel = (tile.box[2] - tile.box[0]) / tile.width;
    const overhanging: MercatorBox = [tile.box[0] - pixel, tile.box[1], tile.box[0] + 10 * pixel, tile.box[1] + 10 * pixel];
    expect(cropRect(tile, overhanging)).toBeNull();
    const inCorner: MercatorBox = [tile.box[0], tile.box[1], tile.box[0] + 10 * pixel, tile.box[1] + 10 * pixel];
    expect(cropRect(tile, inCorner)).toEqual({ left: 0, top: tile.height - 10, width: 10, height: 10 });
  });

  it('says a tile that does not hold the roof does not cover it', () => {
    const elsewhere = okGrid(bboxToMercator([-96.9, 33.1, -96.899, 33.101]), 0.6);
    const roof = footprintBox(target, 3);
    expect(coversBox(elsewhere.box, roof)).toBe(false);
    expect(cropRect(elsewhere, roof)).toBeNull();
    expect(coversBox(tile.box, roof)).toBe(true);
    // Half on the tile: no crop, since a part-roof is useless.
    const half: MercatorBox = [tile.box[2] - 5, roof[1], tile.box[2] + 5, roof[3]];
    expect(coversBox(tile.box, half)).toBe(false);
    expect(cropRect(tile, half)).toBeNull();
  });
});

describe('gridForBox and unionBox', () => {
  it('sizes a batch image to the provider limit, and says when it cannot', () => {
    const a = footprintBox({ ...target, footprint: null }, 0);
    const b = footprintBox({ ...target, footprint: null, lat: target.lat + 0.01 }, 0);
    const both = unionBox([a, b])!;
    expect(coversBox(both, a) && coversBox(both, b)).toBe(true);
    const fits = gridForBox(both, 0.6, { maxWidth: 4000, maxHeight: 4000 });
    expect(fits.kind).toBe('ok');
    if (fits.kind === 'ok') {
      expect(coversBox(fits.grid.box, both)).toBe(true);
      expect(cropRect(fits.grid, a)).not.toBeNull();
      expect(cropRect(fits.grid, b)).not.toBeNull();
    }
    const tooFine = gridForBox(both, 0.1, { maxWidth: 4000, maxHeight: 4000 });
    expect(tooFine.kind).toBe('too-large');
    if (tooFine.kind === 'too-large') expect(tooFine.message).toMatch(/at most 4000 × 4000/);
    expect(unionBox([])).toBeNull();
  });

  it('refuses a nonsense resolution', () => {
    expect(() => gridForBox([0, 0, 10, 10], 0, { maxWidth: 10, maxHeight: 10 })).toThrow(/positive/);
  });
});
