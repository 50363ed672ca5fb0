import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configureSource } from '../../core/cost/sources';
import { ConnectorError, type ConnectorErrorKind } from '../../core/http/errors';
import type { Fault } from '../../emulators/faults';
import type { EmulatorRoute } from '../../emulators/route-types';
import { findCounty } from './counties';
import { fetchParcels } from './connector';
import { arcgisParcelsEmulator } from './emulator';
import { emulatedSource, failure, type EmulatedSource } from './emulator.testkit';
import { testWorld } from './world.testkit';

/** The real HTTP client against the emulator on loopback, through every kind of fault. */

const world = testWorld({ lotsPerStreet: 6, streets: 2 });
const demo = findCounty('demo')!;
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(arcgisParcelsEmulator, world);
});
afterAll(() => source.close());
afterEach(() => source.emulators.setFaults('arcgis-parcels', null));

describe('ArcGIS parcels connector: faults', () => {
  it('waits out a 429 with Retry-After and then gets every parcel', async () => {
    source.emulators.setFaults('arcgis-parcels', { fault: { kind: 'rate-limited', retryAfter: 1 }, times: 1 });
    const fetched = await fetchParcels(source.db, demo, world.bbox);
    expect(fetched.parcels).toHaveLength(12);
    const asked = source.emulators.requests('arcgis-parcels');
    // The metadata request was asked twice: once refused, once answered.
    expect(asked.filter((r) => r.query === '?f=json').length).toBeGreaterThanOrEqual(2);
  });

  it('retries a passing 503 and succeeds', async () => {
    source.emulators.setFaults('arcgis-parcels', { fault: { kind: 'server-error', status: 503 }, times: 2 });
    expect((await fetchParcels(source.db, demo, world.bbox)).parcels).toHaveLength(12);
  });

  const cases: Array<[string, Fault, ConnectorErrorKind, RegExp]> = [
    ['a lasting 502', { kind: 'server-error', status: 502 }, 'server-error', /server error \(HTTP 502/],
    ['an HTML maintenance page', { kind: 'html-error-page' }, 'html-error-page', /web page .*instead of data/],
    ['a body cut in half', { kind: 'truncated' }, 'truncated', /incomplete answer/],
    ['a garbled body', { kind: 'malformed' }, 'malformed-body', /not valid JSON/],
    ['a wrong content type', { kind: 'wrong-content-type', contentType: 'image/png' }, 'wrong-content-type', /answered with image\/png/],
  ];
  for (const [what, fault, kind, message] of cases) {
    it(`turns ${what} into a typed '${kind}' error that names the county`, async () => {
      source.emulators.setFaults('arcgis-parcels', { fault });
      const error = await failure(fetchParcels(source.db, demo, world.bbox, { retries: 1 }));
      expect(error.kind).toBe(kind);
      expect(error.source).toBe('arcgis-parcels');
      expect(error.message).toContain('County parcels (Demo County (emulator))');
      expect(error.message).toMatch(message);
    });
  }

  it('gives up on a server that never answers, as a timeout', async () => {
    source.emulators.setFaults('arcgis-parcels', { fault: { kind: 'hang' } });
    const error = await failure(fetchParcels(source.db, demo, world.bbox, { timeoutMs: 300, retries: 0 }));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/did not answer within 0.3 s/);
  });

  it('stops when the caller cancels', async () => {
    source.emulators.setFaults('arcgis-parcels', { latencyMs: 2_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect((await failure(fetchParcels(source.db, demo, world.bbox, { signal: controller.signal }))).kind).toBe('cancelled');
  });

  it('fails mid-paging with a typed error, not a short list', async () => {
    // A layer whose second page is cut off: metadata, count and the first page pass.
    const cutSecondPage: EmulatorRoute = {
      ...arcgisParcelsEmulator,
      async handle(request, w) {
        const answer = await arcgisParcelsEmulator.handle(request, w);
        if (Number(request.query.get('resultOffset') ?? 0) === 0) return answer;
        const body = String(answer.body);
        return { ...answer, gzip: false, body: body.slice(0, body.length / 2) };
      },
    };
    const cut = await emulatedSource(cutSecondPage, world);
    try {
      const error = await failure(fetchParcels(cut.db, demo, world.bbox, { pageSize: 4, retries: 0 }));
      expect(error.kind).toBe('truncated');
      expect(cut.emulators.requests('arcgis-parcels').map((r) => new URLSearchParams(r.query).get('resultOffset'))).toEqual([null, null, '0', '4']);
    } finally {
      await cut.close();
    }
  });

  it('says what to set when a county has no layer address or the source is off', async () => {
    const madison = findCounty('madison-ms')!;
    const error = await failure(fetchParcels(source.db, madison, world.bbox));
    expect(error).toMatchObject({ kind: 'not-configured', message: expect.stringMatching(/Madison County, MS\) has no layer address yet.*Settings → Data sources/) });
    configureSource(source.db, 'arcgis-parcels', { enabled: false, baseUrl: source.emulators.baseUrls['arcgis-parcels'] }, { actor: 'test' });
    try {
      expect((await failure(fetchParcels(source.db, demo, world.bbox))).message).toMatch(/turned off in Settings → Data sources/);
    } finally {
      configureSource(source.db, 'arcgis-parcels', { baseUrl: source.emulators.baseUrls['arcgis-parcels'], requestsPerSecond: 1000, burst: 1000 }, { actor: 'test' });
    }
  });

  it('paces further pages through the shared rate limit and reports a daily cap as rate-limited', async () => {
    configureSource(source.db, 'arcgis-parcels', { baseUrl: source.emulators.baseUrls['arcgis-parcels'], requestsPerSecond: 1000, burst: 1000, dailyCap: 3 }, { actor: 'test' });
    try {
      const error = await failure(fetchParcels(source.db, demo, world.bbox, { pageSize: 2, firstRequestAcquired: false }));
      expect(error.kind).toBe('rate-limited');
      expect(error.message).toMatch(/County parcels \(Demo County \(emulator\)\)/);
    } finally {
      configureSource(source.db, 'arcgis-parcels', { baseUrl: source.emulators.baseUrls['arcgis-parcels'], requestsPerSecond: 1000, burst: 1000 }, { actor: 'test' });
    }
  });
});
