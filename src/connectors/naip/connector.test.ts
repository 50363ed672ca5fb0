import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bboxToMercator, lngLatToMercator } from '../../core/imagery/mercator';
import type { MercatorBox } from '../../core/imagery/types';
import { createDemoWorld } from '../../demo';
import { emulatedSource, failure, type EmulatedSource } from '../arcgis-parcels/emulator.testkit';
import { exportNaipImage, fetchNaipCaptureDate, fetchNaipMosaic, fetchNaipServiceInfo, forgetNaipServiceInfo } from './connector';
import { naipEmulator } from './emulator';
import { parseExportJson } from './parse';

const world = createDemoWorld({ properties: 120, asOf: '2025-06-01' });
const centre = world.buildingsIn(world.bbox)[40]!.centroid;
const [cx, cy] = lngLatToMercator([centre.lng, centre.lat]);
/** About 120 m square of the demo town. */
const box: MercatorBox = [cx - 70, cy - 70, cx + 70, cy + 70];
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(naipEmulator, world);
});
afterAll(() => source.close());
beforeEach(() => {
  source.emulators.setFaults('naip', null);
  forgetNaipServiceInfo();
});

const lastQuery = () => new URLSearchParams(source.emulators.requests('naip').at(-1)!.query);

describe('NAIP exportImage (against its emulator)', () => {
  it('asks with the parameters the ImageServer takes and gets a real PNG of the asked size', async () => {
    const result = await exportNaipImage(source.db, { box, width: 200, height: 200 });
    const request = source.emulators.requests('naip').at(-1)!;
    expect(request.path).toBe('/exportImage');
    expect(Object.fromEntries(lastQuery())).toEqual({
      bbox: box.map((v) => String(Math.round(v * 1000) / 1000)).join(','),
      bboxSR: '3857',
      imageSR: '3857',
      size: '200,200',
      format: 'png',
      pixelType: 'U8',
      noData: '0',
      interpolation: 'RSP_BilinearInterpolation',
      adjustAspectRatio: 'false',
      f: 'image',
    });
    expect(result.kind).toBe('image');
    if (result.kind !== 'image') return;
    expect(result.mime).toBe('image/png');
    expect(result.grid).toEqual({ box, width: 200, height: 200 });
    expect(await sharp(result.bytes).metadata()).toMatchObject({ width: 200, height: 200, format: 'png' });
    expect(result.noDataShare).toBe(0);
  });

  it('reads the export limit from the service info', async () => {
    expect(await fetchNaipServiceInfo(source.db)).toMatchObject({ maxImageWidth: 4000, maxImageHeight: 4000, name: 'USGSNAIPImagery' });
    expect(source.emulators.requests('naip').at(-1)).toMatchObject({ path: '/', query: '?f=json' });
  });

  it('an ArcGIS error object sent with HTTP 200 becomes a typed error with the service\'s words', async () => {
    const error = await failure(exportNaipImage(source.db, { box, width: 4100, height: 300 }));
    expect(error.kind).toBe('http-status');
    expect(error.message).toMatch(/refused the image export: "Error exporting image — The requested image exceeds the size limit/);
    source.emulators.setFaults('naip', { fault: { kind: 'malformed', body: '{"error":{"code":499,"message":"Token Required","details":[]}}' } });
    expect((await failure(exportNaipImage(source.db, { box, width: 50, height: 50 }))).kind).toBe('refused-by-source');
  });

  it('an area outside NAIP coverage is a miss with a reason, not an error', async () => {
    const ocean = bboxToMercator([-40.01, 30, -40, 30.01]);
    const result = await exportNaipImage(source.db, { box: ocean, width: 64, height: 64 });
    expect(result).toMatchObject({ kind: 'miss', message: expect.stringMatching(/no imagery for this area.*continental United States/) });
  });

  it.each([
    [{ kind: 'html-error-page', status: 200 } as const, 'html-error-page'],
    [{ kind: 'server-error', status: 500 } as const, 'server-error'],
    [{ kind: 'wrong-content-type', contentType: 'application/octet-stream' } as const, 'wrong-content-type'],
    [{ kind: 'truncated' } as const, 'malformed-body'],
    [{ kind: 'hang' } as const, 'timeout'],
  ])('a %o answer fails as %s with a message naming NAIP', async (fault, kind) => {
    source.emulators.setFaults('naip', { fault });
    const error = await failure(exportNaipImage(source.db, { box, width: 80, height: 80, retries: 0, timeoutMs: 500 }));
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(/NAIP/);
  });

  it('f=json answers an href the image can be fetched from', async () => {
    const url = new URL(`${source.emulators.baseUrls.naip}/exportImage`);
    url.search = new URLSearchParams({ bbox: box.join(','), bboxSR: '3857', imageSR: '3857', size: '120,90', format: 'png', f: 'json' }).toString();
    const answer = parseExportJson(await (await fetch(url)).json(), 'NAIP');
    expect(answer).toMatchObject({ width: 120, height: 90 });
    expect(answer.extent[0]).toBeCloseTo(box[0], 6);
    const image = Buffer.from(await (await fetch(answer.href)).arrayBuffer());
    expect(await sharp(image).metadata()).toMatchObject({ width: 120, height: 90, format: 'png' });
  });

  it('the capture date is the latest acquisition the catalogue lists for the area', async () => {
    expect(await fetchNaipCaptureDate(source.db, box)).toBe('2022-07-14');
    expect(Object.fromEntries(lastQuery())).toMatchObject({ where: '1=1', geometryType: 'esriGeometryEnvelope', inSR: '3857', returnGeometry: 'false', f: 'json' });
    expect(lastQuery().get('outFields')).toContain('acquisition_date');
    expect(await fetchNaipCaptureDate(source.db, bboxToMercator([-80, 40, -79.99, 40.01]))).toBeNull();
  });
});

describe('NAIP mosaic', () => {
  it('splits a large request into parts within the limit and stitches the same picture as one export', async () => {
    const parts: number[] = [];
    const mosaic = await fetchNaipMosaic(source.db, { box, groundMetresPerPixel: 0.6, limits: { maxImageWidth: 120, maxImageHeight: 100 }, onPart: ({ index }) => parts.push(index) });
    expect(mosaic.kind).toBe('image');
    if (mosaic.kind !== 'image') return;
    expect(mosaic.parts).toBeGreaterThanOrEqual(4);
    expect(parts).toEqual([...Array(mosaic.parts).keys()]);
    expect(mosaic.requests).toBe(mosaic.parts + 1); // the parts and one catalogue query
    expect(mosaic.capturedAt).toBe('2022-07-14');
    for (const request of source.emulators.requests('naip').slice(-mosaic.requests, -1)) {
      const [w, h] = new URLSearchParams(request.query).get('size')!.split(',').map(Number);
      expect(w).toBeLessThanOrEqual(120);
      expect(h).toBeLessThanOrEqual(100);
    }
    const whole = await exportNaipImage(source.db, { box: mosaic.grid.box, width: mosaic.grid.width, height: mosaic.grid.height });
    expect(whole.kind).toBe('image');
    if (whole.kind !== 'image') return;
    const a = await sharp(mosaic.bytes).removeAlpha().raw().toBuffer();
    const b = await sharp(whole.bytes).removeAlpha().raw().toBuffer();
    expect(a.length).toBe(b.length);
    let diff = 0;
    for (let k = 0; k < a.length; k += 1) diff += Math.abs(a[k]! - b[k]!);
    // Only the soft edge at each seam differs (each part is blurred on its own).
    expect(diff / a.length).toBeLessThan(1);
  });

  it('reads the limit from the service when not told, and a failing catalogue leaves the image with a warning', async () => {
    let seen = 0;
    const mosaic = await fetchNaipMosaic(source.db, {
      box,
      groundMetresPerPixel: 0.6,
      retries: 0,
      onPart: () => {
        seen += 1;
        source.emulators.setFaults('naip', { fault: { kind: 'server-error', status: 503 } });
      },
    });
    expect(seen).toBe(1);
    expect(source.emulators.requests('naip').slice(-3).map((request) => request.path)).toEqual(['/', '/exportImage', '/query']);
    expect(mosaic).toMatchObject({ kind: 'image', capturedAt: null, warnings: [expect.stringMatching(/capture date is unknown.*server error/)] });
  });
});
