import { describe, expect, it } from 'vitest';
import { bboxToMercator, groundResolutionM, lngLatToMercator, mercatorBoxToBBox, mercatorToLngLat } from './mercator';

describe('Web Mercator', () => {
  it('round-trips a Texas house to the millimetre', () => {
    const point: [number, number] = [-97.123_456, 32.987_654];
    const [lng, lat] = mercatorToLngLat(lngLatToMercator(point));
    expect(lng).toBeCloseTo(point[0], 9);
    expect(lat).toBeCloseTo(point[1], 9);
  });

  it('matches the published EPSG:3857 coordinates of a known point', () => {
    // EPSG:3857 spans ±20037508.34 m in x (half the equator); y of 33°N is 3895303.96 m (PROJ).
    const [x, y] = lngLatToMercator([-97, 33]);
    expect(x).toBeCloseTo((-97 / 180) * 20_037_508.342_789, 0);
    expect(y).toBeCloseTo(3_895_303.96, 0);
  });

  it('gives true ground metres per pixel, shrunk by cos(latitude)', () => {
    const box = bboxToMercator([-97.01, 32.99, -97.0, 33.0]);
    const width = 1000;
    const mercatorPerPixel = (box[2] - box[0]) / width;
    expect(groundResolutionM({ box, width })).toBeCloseTo(mercatorPerPixel * Math.cos((32.995 * Math.PI) / 180), 3);
    const back = mercatorBoxToBBox(box);
    expect(back[0]).toBeCloseTo(-97.01, 9);
    expect(back[3]).toBeCloseTo(33.0, 9);
  });
});
