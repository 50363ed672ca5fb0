import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { sourcePolicy } from '../../core/cost/sources';
import { geocodeResultSchema } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { ConnectorError } from '../../core/http/errors';
import { sharedFixtures } from '../../core/testing/fixtures';
import { listWorld } from '../../emulators/list-world';
import { applyEmulatorBaseUrls, startEmulators, type Emulators } from '../../emulators/server';
import { tinyWorld } from '../../emulators/tiny-world';
import { reverseNominatim, searchNominatim, searchNominatimAddress } from './connector';
import { nominatimEmulator } from './emulator';
import { parseNominatimSearch, readNominatimJson } from './parse';

/** The parser reads the emulator's answers, and they agree with the World and with the real format. */

const world = tinyWorld();
// The same street with the second house's building lacking addr:* tags: its parcel still answers.
const thinOsm = listWorld({
  name: 'thin OSM',
  bbox: world.bbox,
  buildings: world.buildingsIn(world.bbox).map((b, i) => (i === 1 ? { ...b, tags: { building: 'house' } } : b)),
  parcels: world.parcelsIn(world.bbox),
  tracts: [...world.tracts()],
});
let emulators: Emulators;
let thin: Emulators;
const test = costTestDb('fm-nominatim-emu-');
const thinDb = costTestDb('fm-nominatim-thin-');
const db = test.db;

beforeAll(async () => {
  emulators = await startEmulators({ world, routes: [nominatimEmulator] });
  thin = await startEmulators({ world: thinOsm, routes: [nominatimEmulator] });
  applyEmulatorBaseUrls(db, emulators.baseUrls);
  applyEmulatorBaseUrls(thinDb.db, thin.baseUrls);
});
afterAll(async () => {
  await emulators.close();
  await thin.close();
  test.cleanup();
  thinDb.cleanup();
});

describe('Nominatim emulator', () => {
  it('finds a house by its one-line address, where the World has it', async () => {
    const building = world.buildingsIn(world.bbox)[1]!;
    const results = await searchNominatim(db, '1203 Maple Ave, Plano, TX 75074');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      source: 'nominatim',
      location: building.centroid,
      address: { houseNumber: '1203', street: 'Maple Avenue', city: 'Plano', state: 'TX', postcode: '75074' },
      matchedAddress: '1203, Maple Avenue, Plano, Collin County, Texas, 75074, United States',
      confidence: 0.85,
      attribution: '© OpenStreetMap contributors, ODbL 1.0',
    });
  });

  it('answers a structured search, and json as well as jsonv2', async () => {
    const structured = await searchNominatimAddress(db, { houseNumber: '1205', street: 'MAPLE AVENUE', unit: null, city: null, state: 'TX', postcode: '75074' });
    expect(structured.map((r) => r.address.houseNumber)).toEqual(['1205']);
    const json = await searchNominatim(db, '1205 Maple Avenue, Plano, Texas', { format: 'json' });
    expect(json).toEqual(structured.map((r) => ({ ...r, query: '1205 Maple Avenue, Plano, Texas' })));
  });

  it('a street without a number is a street-level match; an unknown address finds nothing', async () => {
    const [street] = await searchNominatim(db, 'Maple Avenue, Plano, TX');
    expect(street!.address.houseNumber).toBeNull();
    expect(street!.confidence).toBeLessThan(0.6);
    expect(await searchNominatim(db, '99 Nowhere Road, Plano, TX 75074')).toEqual([]);
    expect(await searchNominatim(db, '1203 Maple Ave, Plano, TX 75075')).toEqual([]);
  });

  it('reverse geocodes a point on a house to that house, and open ground to nothing', async () => {
    const building = world.buildingsIn(world.bbox)[3]!;
    const near = await reverseNominatim(db, { lat: building.centroid.lat + 0.00002, lng: building.centroid.lng });
    expect(near?.address.houseNumber).toBe(building.tags['addr:housenumber']);
    expect(await reverseNominatim(db, { lat: 33.0, lng: -96.6 })).toBeNull();
  });

  it('answers for a house OSM lacks from its parcel, as an interpolated house', async () => {
    const [result] = await searchNominatim(thinDb.db, '1203 Maple Ave, Plano, TX 75074');
    expect(result).toMatchObject({ address: { houseNumber: '1203' }, location: world.parcelsIn(world.bbox)[1]!.centroid });
  });

  it('refuses bad parameters with the 400 JSON error Nominatim sends', async () => {
    const policy = sourcePolicy(db, 'nominatim')!;
    const refused = async (query: Record<string, string>) =>
      httpRequest(policy, { path: '/search', query, expect: 'json', retries: 0 }).then(
        () => null,
        (error: ConnectorError) => error,
      );
    expect(await refused({})).toMatchObject({ kind: 'http-status', status: 400, message: expect.stringContaining('Nothing to search for') });
    expect(await refused({ q: '1 Main St', street: '1 Main St' })).toMatchObject({ status: 400, message: expect.stringContaining("cannot be used together with 'q'") });
    expect(await refused({ q: '1 Main St', format: 'xml' })).toMatchObject({ status: 400, message: expect.stringContaining("'format'") });
    expect(await refused({ q: '1 Main St', limit: 'ten' })).toMatchObject({ status: 400, message: expect.stringContaining("'limit'") });
  });

  it('asks with jsonv2, address details, US only and our User-Agent', async () => {
    await searchNominatim(db, '1201 Maple Ave, Plano, TX', { limit: 3 });
    const asked = emulators.requests('nominatim').at(-1)!;
    const query = new URLSearchParams(asked.query);
    expect(Object.fromEntries(query)).toMatchObject({ q: '1201 Maple Ave, Plano, TX', format: 'jsonv2', addressdetails: '1', countrycodes: 'us', limit: '3' });
    expect(asked.headers['user-agent']).toMatch(/^FishMouth\//);
  });
});

const fixtures = sharedFixtures('osm-nominatim');

describe.skipIf(!fixtures.present)('Nominatim emulator against the real format', () => {
  it('answers with every field the real jsonv2 answer has, and parses into results of the same shape', async () => {
    const policy = sourcePolicy(db, 'nominatim')!;
    const raw = await httpRequest(policy, { path: '/search', query: { q: '1201 Maple Ave, Plano, TX', format: 'jsonv2', addressdetails: 1 }, expect: 'json' });
    const emulated = (raw.body as Record<string, unknown>[])[0]!;
    const real = (readNominatimJson(fixtures.text('geocoder_osm_search.json')) as Record<string, unknown>[])[0]!;
    for (const key of Object.keys(real).filter((key) => key !== 'icon')) expect(emulated, key).toHaveProperty(key);
    expect(typeof emulated.lat).toBe(typeof real.lat);
    expect(Array.isArray(emulated.boundingbox)).toBe(true);

    const fromReal = parseNominatimSearch([real], 'Ottawa')[0]!;
    const fromEmulator = parseNominatimSearch(raw.body, '1201 Maple Ave')[0]!;
    expect(Object.keys(fromEmulator).sort()).toEqual(Object.keys(fromReal).sort());
    expect(Object.keys(fromEmulator.address).sort()).toEqual(Object.keys(fromReal.address).sort());
    expect(() => geocodeResultSchema.parse(fromEmulator)).not.toThrow();
  });
});
