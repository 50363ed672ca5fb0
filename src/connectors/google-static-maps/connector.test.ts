import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bboxToMercator, groundResolutionM, lngLatToMercator } from '../../core/imagery/mercator';
import { createDemoWorld } from '../../demo';
import { emulatedSource, failure, type EmulatedSource } from '../arcgis-parcels/emulator.testkit';
import { fetchGoogleSatellite, googleGrid, googleGroundResolution, googleZoomFor } from './connector';
import { googleStaticMapsEmulator } from './emulator';

const world = createDemoWorld({ properties: 60, asOf: '2025-06-01' });
const centre = world.buildingsIn(world.bbox)[10]!.centroid;
const apiKey = 'AIzaEmulatorKey0000';
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(googleStaticMapsEmulator, world);
});
afterAll(() => source.close());
beforeEach(() => source.emulators.setFaults('google-static-maps', null));

const requests = () => source.emulators.requests('google-static-maps');

describe('Google Static Maps geometry', () => {
  it('the grid is centred on the point with Google\'s ground resolution (256-px tiles, scale doubles pixels)', () => {
    const grid = googleGrid(centre, 20, 320, 200, 2);
    expect([grid.width, grid.height]).toEqual([640, 400]);
    const [x, y] = lngLatToMercator([centre.lng, centre.lat]);
    expect((grid.box[0] + grid.box[2]) / 2).toBeCloseTo(x, 6);
    expect((grid.box[1] + grid.box[3]) / 2).toBeCloseTo(y, 6);
    expect(groundResolutionM(grid)).toBeCloseTo(googleGroundResolution(centre.lat, 20, 2), 4);
    expect(googleGroundResolution(0, 0, 1)).toBeCloseTo(156_543.03392, 3);
  });

  it('googleZoomFor picks the closest zoom whose picture still covers the box', () => {
    const box = bboxToMercator([centre.lng - 0.0004, centre.lat - 0.0003, centre.lng + 0.0004, centre.lat + 0.0003]);
    const zoom = googleZoomFor(box, 640);
    const fits = (z: number) => {
      const grid = googleGrid(centre, z, 640, 640, 1);
      return grid.box[2] - grid.box[0] >= box[2] - box[0];
    };
    expect(fits(zoom)).toBe(true);
    expect(fits(zoom + 1)).toBe(false);
    expect(googleZoomFor([0, 0, 1, 1], 640)).toBe(21);
  });
});

describe('Google Static Maps satellite (against its emulator)', () => {
  it('asks with exactly the Static Maps parameters and gets a real picture of size × scale', async () => {
    const result = await fetchGoogleSatellite(source.db, { centre, zoom: 20, width: 300, height: 200, scale: 2, apiKey });
    const last = requests().at(-1)!;
    expect(last.path).toBe('/');
    expect(Object.fromEntries(new URLSearchParams(last.query))).toEqual({
      center: `${centre.lat.toFixed(6)},${centre.lng.toFixed(6)}`,
      zoom: '20',
      size: '300x200',
      scale: '2',
      maptype: 'satellite',
      format: 'png',
      key: apiKey,
    });
    expect(result.kind).toBe('image');
    if (result.kind !== 'image') return;
    expect(result.mime).toBe('image/png');
    expect(result.grid).toEqual(googleGrid(centre, 20, 300, 200, 2));
    expect(await sharp(result.bytes).metadata()).toMatchObject({ width: 600, height: 400 });
  });

  it('without a key nothing is sent, so nothing is billed', async () => {
    const before = requests().length;
    for (const key of [null, undefined, '  ']) {
      const error = await failure(fetchGoogleSatellite(source.db, { centre, zoom: 19, width: 100, height: 100, scale: 1, apiKey: key }));
      expect(error.kind).toBe('not-configured');
      expect(error.message).toMatch(/google-static-maps\.api-key.*Nothing was charged/);
    }
    expect(requests().length).toBe(before);
  });

  it('a rejected key is refused-by-source in words that say where to fix it, and the key never appears', async () => {
    const error = await failure(fetchGoogleSatellite(source.db, { centre, zoom: 19, width: 100, height: 100, scale: 1, apiKey: 'bad-key-123' }));
    expect(error).toMatchObject({ kind: 'refused-by-source', status: 403 });
    expect(error.message).toMatch(/The provided API key is invalid.*Settings → API keys/);
    expect(error.message).not.toContain('bad-key-123');
  });

  it('the grey "no imagery here" picture is a miss, not a roof', async () => {
    const result = await fetchGoogleSatellite(source.db, { centre, zoom: 21, width: 200, height: 200, scale: 1, apiKey });
    expect(result).toMatchObject({ kind: 'miss', message: expect.stringMatching(/no imagery here at zoom 21/) });
  });

  it.each([
    [{ kind: 'html-error-page', status: 200 } as const, 'html-error-page'],
    [{ kind: 'server-error', status: 500 } as const, 'server-error'],
    [{ kind: 'wrong-content-type', contentType: 'text/plain' } as const, 'wrong-content-type'],
    [{ kind: 'truncated' } as const, 'malformed-body'],
    [{ kind: 'hang' } as const, 'timeout'],
  ])('a %o answer fails as %s', async (fault, kind) => {
    source.emulators.setFaults('google-static-maps', { fault });
    const error = await failure(fetchGoogleSatellite(source.db, { centre, zoom: 19, width: 120, height: 120, scale: 1, apiKey, retries: 0, timeoutMs: 500 }));
    expect(error.kind).toBe(kind);
  });

  it('absurd requests are refused before any call', async () => {
    const before = requests().length;
    await expect(fetchGoogleSatellite(source.db, { centre: { lat: 91, lng: 0 }, zoom: 19, width: 100, height: 100, scale: 1, apiKey })).rejects.toThrow(/centre within/);
    await expect(fetchGoogleSatellite(source.db, { centre, zoom: 19, width: 641, height: 100, scale: 1, apiKey })).rejects.toThrow(/width is 1 to 640/);
    await expect(fetchGoogleSatellite(source.db, { centre, zoom: 19.5, width: 100, height: 100, scale: 1, apiKey })).rejects.toThrow(/zoom is a whole number/);
    expect(requests().length).toBe(before);
  });
});
