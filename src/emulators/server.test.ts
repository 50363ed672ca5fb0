import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../core/cost/cost.testkit';
import { configureSource, sourcePolicy } from '../core/cost/sources';
import { defineSourcePolicy, type SourcePolicy } from '../core/cost/source-policy';
import { ConnectorError, httpRequest, type ConnectorErrorKind, type HttpRequest } from '../core/http';
import type { Fault } from './faults';
import { jsonAnswer, textAnswer } from './respond';
import type { EmulatorRoute } from './route-types';
import { applyEmulatorBaseUrls, startEmulators, type Emulators } from './server';
import { tinyWorld } from './tiny-world';

/** The loopback server: routing by prefix, each fault as the client sees it, gzip, base URLs. */

const buildingsRoute: EmulatorRoute = {
  source: 'osm-overpass',
  prefix: '/overpass',
  handle(request, world) {
    if (request.path !== '/interpreter') return textAnswer('unknown endpoint', { status: 404 });
    return jsonAnswer({ count: world.buildingsIn(world.bbox).length, padding: 'x'.repeat(2000) }, { gzip: true });
  },
};
const csvRoute: EmulatorRoute = {
  source: 'noaa-spc',
  prefix: '/spc',
  handle: () => textAnswer('Time,Size,Location\n1200,175,PLANO\n', { contentType: 'text/csv' }),
};

let emulators: Emulators;
let policy: SourcePolicy;

beforeAll(async () => {
  emulators = await startEmulators({ world: tinyWorld(), routes: [buildingsRoute, csvRoute] });
  policy = defineSourcePolicy({
    id: 'osm-overpass',
    name: 'Emulated Overpass',
    kind: 'free',
    baseUrl: emulators.baseUrls['osm-overpass']!,
    rateLimit: { requestsPerSecond: 100, burst: 10 },
    dailyCap: null,
    price: null,
    licence: { name: 'ODbL', storable: true, cacheable: true, cacheTtlMs: null, offlineUse: true, bulkDownload: false, attribution: '© OpenStreetMap contributors', url: null },
  });
});
afterAll(() => emulators.close());
afterEach(() => emulators.setFaults('osm-overpass', null));

const ask = (request: Partial<HttpRequest> = {}) => httpRequest(policy, { path: '/interpreter', expect: 'json', retries: 0, timeoutMs: 2_000, ...request });

async function kindUnder(fault: Fault, request: Partial<HttpRequest> = {}): Promise<ConnectorError> {
  emulators.setFaults('osm-overpass', { fault });
  const error = await ask(request).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('emulator server', () => {
  it('serves each route under its prefix, gzipped when the route asks and the client accepts', async () => {
    const response = await ask();
    expect(response.body).toMatchObject({ count: 6 });
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.bytes).toBeGreaterThan(2000);
    const csv = await httpRequest({ ...policy, baseUrl: emulators.baseUrls['noaa-spc']! }, { path: '/any', expect: 'text', accept: ['text/csv'] });
    expect(csv.body).toContain('PLANO');
  });

  it('answers unknown paths with a 404 page, like a web server', async () => {
    const error = await ask({ path: '/../nothing-here' }).catch((caught: ConnectorError) => caught);
    expect(error).toMatchObject({ kind: 'http-status', status: 404 });
  });

  it('records what each source was asked, with our User-Agent', async () => {
    await ask({ query: { data: '[out:json];' } });
    const last = emulators.requests('osm-overpass').at(-1)!;
    expect(last.path).toBe('/interpreter');
    expect(last.query).toBe('?data=%5Bout%3Ajson%5D%3B');
    expect(last.headers['user-agent']).toBe(policy.userAgent);
  });

  const cases: [Fault, ConnectorErrorKind][] = [
    [{ kind: 'rate-limited', retryAfter: 7 }, 'rate-limited'],
    [{ kind: 'server-error', status: 502 }, 'server-error'],
    [{ kind: 'html-error-page' }, 'html-error-page'],
    [{ kind: 'html-error-page', status: 503, title: 'Overpass is down' }, 'html-error-page'],
    [{ kind: 'truncated' }, 'truncated'],
    [{ kind: 'malformed' }, 'malformed-body'],
    [{ kind: 'wrong-content-type' }, 'wrong-content-type'],
    [{ kind: 'hang' }, 'timeout'],
  ];
  it.each(cases)('fault %j reaches the client as %s', async (fault, kind) => {
    const error = await kindUnder(fault, { timeoutMs: 300 });
    expect(error.kind).toBe(kind);
    expect(error.message).toContain('Emulated Overpass');
    if (fault.kind === 'rate-limited') expect(error.retryAfterMs).toBeGreaterThan(6000);
    if (fault.kind === 'html-error-page' && fault.title) expect(error.message).toContain(fault.title);
  });

  it('a fault served a set number of times, then the real answer: the client retries through it', async () => {
    emulators.setFaults('osm-overpass', { fault: { kind: 'server-error' }, times: 2 });
    const before = emulators.requests('osm-overpass').length;
    const response = await ask({ retries: 3 });
    expect(response.body).toMatchObject({ count: 6 });
    expect(emulators.requests('osm-overpass').length - before).toBe(3);
  });

  it('latency delays the answer but still serves it', async () => {
    emulators.setFaults('osm-overpass', { latencyMs: 50 });
    expect((await ask()).body).toMatchObject({ count: 6 });
  });

  it('refuses faults for a source it does not serve', () => {
    expect(() => emulators.setFaults('no-such-source', { fault: { kind: 'hang' } })).toThrow(/osm-overpass/);
  });
});

describe('applyEmulatorBaseUrls', () => {
  it('points the catalogued sources at the emulators, keeps their other settings, and restores them', () => {
    const { db, cleanup } = costTestDb('fm-emu-');
    try {
      configureSource(db, 'osm-overpass', { requestsPerSecond: 3 }, { actor: 'manager' });
      const applied = applyEmulatorBaseUrls(db, { ...emulators.baseUrls, 'not-a-source': 'http://127.0.0.1:1/x' });
      expect(applied.applied.sort()).toEqual(['noaa-spc', 'osm-overpass']);
      expect(applied.skipped).toEqual(['not-a-source']);
      expect(sourcePolicy(db, 'osm-overpass')).toMatchObject({ baseUrl: emulators.baseUrls['osm-overpass'], rateLimit: { requestsPerSecond: 3 } });
      applied.restore();
      expect(sourcePolicy(db, 'osm-overpass')).toMatchObject({ baseUrl: 'https://overpass-api.de/api', rateLimit: { requestsPerSecond: 3 } });
      expect(sourcePolicy(db, 'noaa-spc')!.baseUrl).toBe('https://www.spc.noaa.gov');
    } finally {
      cleanup();
    }
  });
});
