import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { groundResolutionM, lngLatToMercator } from '../../core/imagery/mercator';
import { createDemoWorld } from '../../demo';
import { emulatedSource, failure, type EmulatedSource } from '../arcgis-parcels/emulator.testkit';
import { fetchMapboxSatellite, mapboxGrid, mapboxGroundResolution, mapboxZoomFor } from './connector';
import { bboxToMercator } from '../../core/imagery/mercator';
import { mapboxStaticEmulator } from './emulator';

const world = createDemoWorld({ properties: 60, asOf: '2025-06-01' });
const centre = world.buildingsIn(world.bbox)[20]!.centroid;
const accessToken = 'pk.emulatorToken0000';
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(mapboxStaticEmulator, world);
});
afterAll(() => source.close());
beforeEach(() => source.emulators.setFaults('mapbox-static-images', null));

const requests = () => source.emulators.requests('mapbox-static-images');

describe('Mapbox Static Images satellite (against its emulator)', () => {
  it('asks on the style path with the token in the query and gets a real @2x picture', async () => {
    const result = await fetchMapboxSatellite(source.db, { centre, zoom: 18.5, width: 400, height: 300, accessToken });
    const last = requests().at(-1)!;
    expect(last.path).toBe(`/mapbox/satellite-v9/static/${centre.lng.toFixed(6)},${centre.lat.toFixed(6)},18.5,0/400x300@2x`);
    expect(Object.fromEntries(new URLSearchParams(last.query))).toEqual({ access_token: accessToken, attribution: 'false', logo: 'false' });
    expect(result.kind).toBe('image');
    if (result.kind !== 'image') return;
    expect(result.mime).toBe('image/jpeg');
    expect(await sharp(result.bytes).metadata()).toMatchObject({ width: 800, height: 600 });
    const [x] = lngLatToMercator([centre.lng, centre.lat]);
    expect((result.grid.box[0] + result.grid.box[2]) / 2).toBeCloseTo(x, 6);
    // 512-px tiles: zoom z here is Google's z + 1.
    expect(groundResolutionM(result.grid)).toBeCloseTo(mapboxGroundResolution(centre.lat, 18.5, true), 4);
    expect(groundResolutionM(mapboxGrid(centre, 19, 100, 100, false))).toBeCloseTo((156_543.03392 * Math.cos((centre.lat * Math.PI) / 180)) / 2 ** 20, 4);
  });

  it('mapboxZoomFor picks the closest zoom (to a hundredth) whose picture still covers the box', () => {
    const box = bboxToMercator([centre.lng - 0.0004, centre.lat - 0.0003, centre.lng + 0.0004, centre.lat + 0.0003]);
    const zoom = mapboxZoomFor(box, 640);
    const span = (z: number) => {
      const grid = mapboxGrid(centre, z, 640, 640, true);
      return grid.box[2] - grid.box[0];
    };
    expect(span(zoom)).toBeGreaterThanOrEqual(box[2] - box[0]);
    expect(span(zoom + 0.01)).toBeLessThan(box[2] - box[0]);
  });

  it('without a token nothing is sent, so nothing is billed', async () => {
    const before = requests().length;
    const error = await failure(fetchMapboxSatellite(source.db, { centre, zoom: 18, width: 100, height: 100, accessToken: '' }));
    expect(error.kind).toBe('not-configured');
    expect(error.message).toMatch(/mapbox\.access-token.*Nothing was charged/);
    expect(requests().length).toBe(before);
  });

  it('an invalid token is refused-by-source with Mapbox\'s own words', async () => {
    const error = await failure(fetchMapboxSatellite(source.db, { centre, zoom: 18, width: 100, height: 100, accessToken: 'bad.token' }));
    expect(error).toMatchObject({ kind: 'refused-by-source', status: 401 });
    expect(error.message).toMatch(/Not Authorized - Invalid Token.*Settings → API keys/);
    expect(error.message).not.toContain('bad.token');
  });

  it('a 422 (parameters out of range) is an http-status error quoting Mapbox', async () => {
    // Note: the connector refuses sizes over 1280 itself, so the 422 is provoked with a raw request.
    const response = await fetch(`${source.emulators.baseUrls['mapbox-static-images']}/mapbox/satellite-v9/static/-96.87,33.22,23,0/100x100?access_token=x`);
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ message: 'Zoom level must be between 0-22.' });
    await expect(fetchMapboxSatellite(source.db, { centre, zoom: 23, width: 100, height: 100, accessToken })).rejects.toThrow(/zoom is 0 to 22/);
  });

  it.each([
    [{ kind: 'html-error-page', status: 502 } as const, 'html-error-page'],
    [{ kind: 'rate-limited', retryAfter: 7 } as const, 'rate-limited'],
    [{ kind: 'truncated' } as const, 'malformed-body'],
  ])('a %o answer fails as %s', async (fault, kind) => {
    source.emulators.setFaults('mapbox-static-images', { fault });
    const error = await failure(fetchMapboxSatellite(source.db, { centre, zoom: 18, width: 120, height: 120, accessToken, retries: 0 }));
    expect(error.kind).toBe(kind);
  });
});
