import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { configureSource } from '../../core/cost/sources';
import type { Polygon } from '../../core/domain/geo';
import { ConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { listWorld } from '../../emulators/list-world';
import { textAnswer } from '../../emulators/respond';
import type { EmulatorRoute } from '../../emulators/route-types';
import { applyEmulatorBaseUrls, startEmulators, type Emulators, type Fault } from '../../emulators/server';
import { tinyWorld } from '../../emulators/tiny-world';
import type { WorldBuilding } from '../../emulators/world';
import { fetchBuildings, fetchOverpassStatus, type FetchBuildingsOptions } from './connector';
import { overpassEmulator } from './emulator';
import { OSM_ATTRIBUTION } from './observation';
import { buildingsQuery, type BuildingArea } from './query';

/** fetchBuildings against the Overpass emulator on loopback: the real request, and every failure as a typed error. */

const street = tinyWorld();
const garage: WorldBuilding = {
  osmWayId: 900_000_100,
  nodeIds: [9_100_000_001, 9_100_000_002, 9_100_000_003, 9_100_000_004, 9_100_000_001],
  ring: [
    [-96.6999, 33.0196],
    [-96.6998, 33.0196],
    [-96.6998, 33.0197],
    [-96.6999, 33.0197],
    [-96.6999, 33.0196],
  ],
  centroid: { lat: 33.01965, lng: -96.69985 },
  tags: { building: 'garage' },
};
const world = listWorld({ name: 'Maple Avenue with a garage', bbox: street.bbox, buildings: [...street.buildingsIn(street.bbox), garage] });
const BUSY_STATUS = 'Connected as: 2130706433\nCurrent time: 2024-01-01T00:00:00Z\nRate limit: 2\nSlot available after: 2024-01-01T00:00:37Z, in 37 seconds.\nSlot available after: 2024-01-01T00:01:10Z, in 70 seconds.\nCurrently running queries (pid, space limit, time limit, start time):\n';
const TIMED_OUT = '{"version":0.6,"generator":"Overpass API","osm3s":{"timestamp_osm_base":"2017-03-17T22:05:02Z","copyright":"ODbL"},"elements":[],"remark":"runtime error: Query timed out in \\"query\\" at line 4 after 2 seconds."}';

let answerOverride: ((path: string) => ReturnType<EmulatorRoute['handle']> | null) | null = null;
const route: EmulatorRoute = { ...overpassEmulator, handle: (request, w) => answerOverride?.(request.path) ?? overpassEmulator.handle(request, w) };

let emulators: Emulators;
let db: Db;
let cleanup: () => void;
const everything: BuildingArea = { bbox: street.bbox };

beforeAll(async () => {
  emulators = await startEmulators({ world, routes: [route] });
  ({ db, cleanup } = costTestDb('fm-overpass-'));
  applyEmulatorBaseUrls(db, emulators.baseUrls);
  // Fast retries in tests: the client never retries faster than the source's own rate.
  configureSource(db, 'osm-overpass', { baseUrl: emulators.baseUrls['osm-overpass']!, requestsPerSecond: 50, burst: 5 }, { actor: 'test' });
});
afterAll(async () => {
  await emulators.close();
  cleanup();
});
afterEach(() => {
  emulators.setFaults('osm-overpass', null);
  answerOverride = null;
});

async function failure(fault: Fault | null, options: FetchBuildingsOptions = {}, area: BuildingArea = everything): Promise<ConnectorError> {
  if (fault) emulators.setFaults('osm-overpass', { fault });
  const error = await fetchBuildings(db, area, { retries: 0, timeoutMs: 2_000, ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  expect((error as ConnectorError).source).toBe('osm-overpass');
  return error as ConnectorError;
}

describe('fetchBuildings', () => {
  it('POSTs the real Overpass query and returns every building with its address and attribution', async () => {
    const result = await fetchBuildings(db, everything);
    expect(result.observations).toHaveLength(7);
    expect(result.skipped).toEqual([]);
    expect(result.osmBase).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
    expect(result.observations.every((o) => o.source === 'osm-overpass' && o.attribution === OSM_ATTRIBUTION)).toBe(true);
    expect(result.observations.find((o) => o.sourceRecordId === 'way/900000001')!.address).toEqual({ houseNumber: '1201', street: 'Maple Avenue', unit: null, city: 'Plano', state: 'TX', postcode: '75074' });

    const asked = emulators.requests('osm-overpass').at(-1)!;
    expect([asked.method, asked.path]).toEqual(['POST', '/interpreter']);
    expect(asked.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(asked.headers['user-agent']).toMatch(/^FishMouth\//);
  });

  it('asks Overpass for addressed buildings only, in a polygon, when told', async () => {
    const polygon: Polygon = { type: 'Polygon', coordinates: [[[-96.7002, 33.0195], [-96.6996, 33.0195], [-96.6996, 33.0205], [-96.7002, 33.0205], [-96.7002, 33.0195]]] };
    const result = await fetchBuildings(db, { polygon }, { onlyAddressed: true });
    expect(result.observations.map((o) => o.address.houseNumber)).toEqual(['1201', '1203', '1205']);
    expect(buildingsQuery({ polygon }, { onlyAddressed: true })).toContain('way["building"]["addr:housenumber"](poly:"33.0195 -96.7002 33.0195 -96.6996 33.0205 -96.6996 33.0205 -96.7002")');
    const all = await fetchBuildings(db, { polygon });
    expect(all.observations.map((o) => o.buildingType)).toContain('garage');
  });

  it('refuses an absurd or oversized area before asking anything', async () => {
    const before = emulators.requests('osm-overpass').length;
    expect((await failure(null, {}, { bbox: [-97, 95, -96, 96] as never })).message).toMatch(/area is not usable/);
    expect((await failure(null, {}, { bbox: [-100, 30, -90, 40] })).message).toMatch(/at most 1.5°/);
    expect(emulators.requests('osm-overpass')).toHaveLength(before);
  });

  it('maps 429 with Retry-After to rate-limited with the wait', async () => {
    const error = await failure({ kind: 'rate-limited', retryAfter: 7 });
    expect([error.kind, error.status, error.retryAfterMs]).toEqual(['rate-limited', 429, 7_000]);
    expect(error.message).toMatch(/no free query slot.*about 7 s/);
  });

  it('reads the next free slot from /api/status when a 429 gives no Retry-After', async () => {
    answerOverride = (path) => (path === '/status' ? textAnswer(BUSY_STATUS) : path === '/interpreter' ? textAnswer('rate_limited', { status: 429 }) : null);
    const error = await failure(null);
    expect([error.kind, error.retryAfterMs]).toEqual(['rate-limited', 37_000]);
    const status = await fetchOverpassStatus(db);
    expect(status.slotFreeInSeconds).toEqual([37, 70]);
  });

  it('maps 504 (overloaded), as text or as a page, to a server error that says to try later', async () => {
    for (const fault of [{ kind: 'server-error', status: 504, retryAfter: 30 }, { kind: 'html-error-page', status: 504 }] as Fault[]) {
      const error = await failure(fault);
      expect([error.kind, error.status]).toEqual(['server-error', 504]);
      expect(error.message).toMatch(/overloaded.*Try again in a few minutes/);
    }
    expect((await failure({ kind: 'server-error', status: 504, retryAfter: 30 })).retryAfterMs).toBe(30_000);
  });

  it('turns every other failure into its typed error', async () => {
    const cases: [Fault, ConnectorError['kind']][] = [
      [{ kind: 'server-error', status: 503 }, 'server-error'],
      [{ kind: 'html-error-page' }, 'html-error-page'],
      [{ kind: 'truncated' }, 'truncated'],
      [{ kind: 'malformed' }, 'malformed-body'],
      [{ kind: 'wrong-content-type', contentType: 'image/png' }, 'wrong-content-type'],
      [{ kind: 'hang' }, 'timeout'],
    ];
    for (const [fault, kind] of cases) expect((await failure(fault, { timeoutMs: 500 })).kind, fault.kind).toBe(kind);
  });

  it('refuses an answer whose remark says the query died, rather than keeping an empty area', async () => {
    answerOverride = (path) => (path === '/interpreter' ? textAnswer(TIMED_OUT, { contentType: 'application/json' }) : null);
    const error = await failure(null);
    expect(error.kind).toBe('refused-by-source');
    expect(error.message).toMatch(/Query timed out.*smaller area/);
  });

  it('retries a passing server error and then answers', async () => {
    emulators.setFaults('osm-overpass', { fault: { kind: 'server-error', status: 502 }, times: 1 });
    const before = emulators.requests('osm-overpass').length;
    const result = await fetchBuildings(db, everything, { retries: 2 });
    expect(result.observations).toHaveLength(7);
    expect(emulators.requests('osm-overpass').length - before).toBe(2);
  });

  it('stops when the caller cancels', async () => {
    emulators.setFaults('osm-overpass', { fault: { kind: 'hang' } });
    const controller = new AbortController();
    const pending = fetchBuildings(db, everything, { signal: controller.signal, retries: 0 });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('says so when the source is turned off', async () => {
    configureSource(db, 'osm-overpass', { baseUrl: emulators.baseUrls['osm-overpass']!, requestsPerSecond: 50, burst: 5, enabled: false }, { actor: 'test' });
    try {
      expect((await failure(null)).kind).toBe('not-configured');
    } finally {
      configureSource(db, 'osm-overpass', { baseUrl: emulators.baseUrls['osm-overpass']!, requestsPerSecond: 50, burst: 5 }, { actor: 'test' });
    }
  });
});
