import { describe, expect, it } from 'vitest';
import { propertyObservationSchema, type PropertyObservation } from '../../core/domain/records';
import { ConnectorError } from '../../core/http/errors';
import { sharedFixtures } from '../../core/testing/fixtures';
import { OSM_ATTRIBUTION } from './observation';
import { describeOverpassErrorPage, parseOverpassJson, parseOverpassStatus } from './parse';

// The real samples live beside the checkout (see ../shared/fixtures/osm-overpass/SOURCES.md).
const { present, bytes: fixture } = sharedFixtures('osm-overpass');

const byId = (observations: PropertyObservation[], id: string): PropertyObservation => {
  const found = observations.find((o) => o.sourceRecordId === id);
  if (!found) throw new Error(`${id} not among the observations`);
  return found;
};

describe.skipIf(!present)('Overpass JSON on the real samples', () => {
  it('reads every Piedmont building, with its address, footprint and attribution', () => {
    const result = parseOverpassJson(fixture('osmnx_overpass-response-1_piedmont_ca_buildings.json.gz'));
    // 4,700 building ways plus City Hall, a multipolygon whose outline way carries no tags.
    expect(result.observations).toHaveLength(4_701);
    expect(result.observations.filter((o) => o.address.houseNumber !== null)).toHaveLength(3_807);
    expect(result.skipped).toEqual([]);
    expect(result.osmBase).toBe('2017-10-20T23:31:01Z');
    expect(result.complete).toBe(true);
    expect(result.elementCounts).toEqual({ nodes: 29_390, ways: 4_701, relations: 1 });

    const magnolia = byId(result.observations, 'way/28861558');
    expect(magnolia.address).toEqual({ houseNumber: '740', street: 'Magnolia Avenue', unit: null, city: 'Piedmont', state: null, postcode: '94611' });
    expect(magnolia.buildingType).toBe('yes');
    expect(magnolia.footprint!.coordinates[0]).toHaveLength(11);
    expect(magnolia.location!.lat).toBeCloseTo(37.8228, 3);
    expect(magnolia.location!.lng).toBeCloseTo(-122.2346, 3);
    expect(magnolia.attribution).toBe(OSM_ATTRIBUTION);
    expect(magnolia.observedAt).toBe('2017-10-20T23:31:01Z');

    const cityHall = byId(result.observations, 'relation/3349739');
    expect(cityHall.address.houseNumber).toBe('120');
    expect(cityHall.address.street).toBe('Vista Avenue');
    expect(cityHall.footprint!.coordinates).toHaveLength(1);

    for (const observation of result.observations) expect(propertyObservationSchema.safeParse(observation).success).toBe(true);
    // Every location sits in the Piedmont box the query asked for (with a little slack for edges).
    for (const { location } of result.observations) {
      expect(location!.lat).toBeGreaterThan(37.80);
      expect(location!.lat).toBeLessThan(37.84);
    }
  });

  it('keeps only addressed buildings when asked, counting the rest', () => {
    const result = parseOverpassJson(fixture('osmnx_overpass-response-1_piedmont_ca_buildings.json.gz'), { onlyAddressed: true });
    expect(result.observations).toHaveLength(3_807);
    expect(result.skipped).toEqual([{ reason: 'building has no house number', count: 894 }]);
  });

  it('reads San Francisco buildings with states, levels and courtyards', () => {
    const gz = parseOverpassJson(fixture('osmnx_overpass-response-2_sf_parnassus_buildings.json.gz'));
    const plain = parseOverpassJson(fixture('osmnx_overpass-response-2_sf_parnassus_buildings.json').toString('utf8'));
    expect(plain).toEqual(gz);
    // 615 building ways (one is also a courtyard of the Doelger Building) and 2 multipolygons.
    expect(gz.observations).toHaveLength(617);

    const dentistry = byId(gz.observations, 'way/86333738');
    expect(dentistry.address).toEqual({ houseNumber: '707', street: 'Parnassus Avenue', unit: null, city: 'San Francisco', state: 'CA', postcode: '94122' });
    expect(dentistry.levels).toBe(4);

    const ucHall = byId(gz.observations, 'relation/3830591');
    expect(ucHall.buildingType).toBe('university');
    expect(ucHall.levels).toBe(6);
    expect(ucHall.footprint!.coordinates).toHaveLength(2); // outline and one courtyard
    const doelger = byId(gz.observations, 'relation/3585003');
    expect(doelger.footprint!.coordinates).toHaveLength(2);
    expect(gz.observations.filter((o) => o.address.state === 'CA').length).toBeGreaterThanOrEqual(325);
  });

  it('reads the small Piedmont cut-out the emulator is modelled on', () => {
    const result = parseOverpassJson(fixture('derived_piedmont_60_addressed_buildings_overpass.json').toString('utf8'));
    expect(result.observations).toHaveLength(60);
    expect(result.observations.every((o) => o.address.houseNumber !== null && o.address.postcode === '94611')).toBe(true);
  });

  it('reads `out meta center` and `out geom` answers from overpy', () => {
    const kiosk = parseOverpassJson(fixture('overpy_way-03.json').toString('utf8'));
    expect(kiosk.observations.map((o) => [o.sourceRecordId, o.buildingType])).toEqual([['way/225576797', 'kiosk']]);
    expect(kiosk.observations[0]!.location!.lat).toBeCloseTo(41.8955, 3);

    const motorway = parseOverpassJson(fixture('overpy_relation-04.json').toString('utf8'));
    expect(motorway.observations).toEqual([]);
    expect(motorway.skipped).toEqual([{ reason: 'not a building (road, land use or other feature)', count: 1 }]);
  });

  it('refuses a runtime-error remark with advice, never an empty success', () => {
    const attempt = () => parseOverpassJson(fixture('overpy_remark-runtime-error-01.json').toString('utf8'));
    expect(attempt).toThrow(ConnectorError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConnectorError).kind).toBe('refused-by-source');
      expect((error as ConnectorError).message).toMatch(/Query timed out.*smaller area/);
    }
  });

  it('turns the OSM3S 400 page into an html-error-page naming the syntax error', () => {
    const page = fixture('overpy_bad-request.html').toString('utf8');
    expect(describeOverpassErrorPage(page)).toBe("line 2: parse error: ';' expected - 'out' found.");
    expect(() => parseOverpassJson(page)).toThrow(expect.objectContaining({ kind: 'html-error-page', message: expect.stringContaining("';' expected") }));
  });

  it('reads /api/status', () => {
    expect(parseOverpassStatus(fixture('osmnx_overpass-response-0_api_status.txt').toString('utf8'))).toEqual({
      connectedAs: '8675309',
      currentTime: '1970-01-01T00:00:00Z',
      rateLimit: 3,
      slotsAvailableNow: 3,
      slotFreeInSeconds: [],
      runningQueries: 0,
    });
  });
});

describe('Overpass JSON edge cases', () => {
  const answer = (elements: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ version: 0.6, generator: 'Overpass API', osm3s: { timestamp_osm_base: '2024-05-01T10:00:00Z', copyright: 'ODbL' }, elements, ...extra });
  const square = (id: number, first: number, tags: Record<string, string> = { building: 'house' }) => [
    { type: 'way', id, nodes: [first, first + 1, first + 2, first + 3, first], tags },
    { type: 'node', id: first, lat: 30.0, lon: -97.0 },
    { type: 'node', id: first + 1, lat: 30.0, lon: -96.9999 },
    { type: 'node', id: first + 2, lat: 30.0001, lon: -96.9999 },
    { type: 'node', id: first + 3, lat: 30.0001, lon: -97.0 },
  ];

  it('normalises state names and ZIP+4, and reads plain years only', () => {
    const [way, ...nodes] = square(1, 10);
    const tags = { building: 'house', 'addr:housenumber': '12', 'addr:street': 'Elm St', 'addr:unit': '2B', 'addr:state': 'Texas', 'addr:postcode': '78701-1234', 'building:levels': '2', 'roof:material': 'asphalt', start_date: '1987' };
    const [o] = parseOverpassJson(answer([{ ...way, tags }, ...nodes])).observations;
    expect(o!.address).toEqual({ houseNumber: '12', street: 'Elm St', unit: '2B', city: null, state: 'TX', postcode: '78701' });
    expect([o!.levels, o!.roofMaterial, o!.yearBuilt]).toEqual([2, 'asphalt', 1987]);
    const [vague] = parseOverpassJson(answer([{ ...way, tags: { building: 'yes', start_date: '1920s', 'addr:state': 'Ontario', 'addr:postcode': 'K1A 0B1' } }, ...nodes])).observations;
    expect([vague!.yearBuilt, vague!.address.state, vague!.address.postcode]).toEqual([null, null, null]);
  });

  it('skips and counts buildings with missing nodes, open or degenerate rings', () => {
    const [good, ...nodes] = square(1, 10);
    const elements = [
      good,
      ...nodes,
      { type: 'way', id: 2, nodes: [10, 11, 99, 10], tags: { building: 'yes' } },
      { type: 'way', id: 3, nodes: [10, 11, 12, 13], tags: { building: 'yes' } },
      { type: 'way', id: 4, nodes: [10, 11, 10], tags: { building: 'yes' } },
      { type: 'way', id: 5, nodes: [10, 11, 11, 10], tags: { building: 'yes' } },
      { type: 'way', id: 6, nodes: [10, 11], tags: { highway: 'residential' } },
      { type: 'way', id: 'seven', nodes: [], tags: {} },
    ];
    const result = parseOverpassJson(answer(elements));
    expect(result.observations.map((o) => o.sourceRecordId)).toEqual(['way/1']);
    expect(result.skipped).toEqual([
      { reason: 'building way whose nodes are missing from the data', count: 1 },
      { reason: 'building way: ring has fewer than four corners', count: 1 },
      { reason: 'building way: ring has fewer than three distinct corners', count: 1 },
      { reason: 'building way: ring is not closed', count: 1 },
      { reason: 'not a building (road, land use or other feature)', count: 1 },
      { reason: 'OSM element the app cannot read', count: 1 },
    ]);
  });

  it('joins a multipolygon outline split over several ways', () => {
    const nodes = [
      { type: 'node', id: 1, lat: 40, lon: -75 },
      { type: 'node', id: 2, lat: 40, lon: -74.999 },
      { type: 'node', id: 3, lat: 40.001, lon: -74.999 },
      { type: 'node', id: 4, lat: 40.001, lon: -75 },
    ];
    const relation = { type: 'relation', id: 9, members: [{ type: 'way', ref: 100, role: 'outer' }, { type: 'way', ref: 101, role: 'outer' }], tags: { type: 'multipolygon', building: 'yes' } };
    const ways = [
      { type: 'way', id: 100, nodes: [1, 2, 3] },
      { type: 'way', id: 101, nodes: [1, 4, 3] }, // drawn the other way round
    ];
    const result = parseOverpassJson(answer([relation, ...ways, ...nodes]));
    expect(result.observations.map((o) => [o.sourceRecordId, o.footprint!.coordinates[0]!.length])).toEqual([['relation/9', 5]]);
    expect(result.skipped).toEqual([]);
  });

  it('refuses absurd coordinates', () => {
    const [way, n1, ...rest] = square(1, 10);
    expect(() => parseOverpassJson(answer([way, { ...(n1 as object), lat: 95 }, ...rest]))).toThrow(expect.objectContaining({ kind: 'malformed-body', message: expect.stringMatching(/node 10 at latitude 95.*not on Earth/) }));
  });

  it('marks an answer with an unexplained remark as incomplete', () => {
    const result = parseOverpassJson(answer(square(1, 10), { remark: 'runtime remark: Timeout is 180 and maxsize is 536870912.' }));
    expect(result.complete).toBe(false);
    expect(result.remark).toMatch(/Timeout is 180/);
    expect(() => parseOverpassJson(answer(square(1, 10), { remark: 'runtime error: Query ran out of memory in "query" at line 1.' }))).toThrow(expect.objectContaining({ kind: 'refused-by-source', message: expect.stringMatching(/smaller area/) }));
  });

  it('refuses what is not an Overpass answer, clearly', () => {
    const cases: [unknown, string][] = [
      ['{"elements": [', 'truncated'],
      ['not json', 'malformed-body'],
      ['{"version": 0.6}', 'malformed-body'],
      [null, 'malformed-body'],
      ['<?xml version="1.0"?><osm version="0.6"></osm>', 'malformed-body'],
      [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), 'truncated'],
    ];
    for (const [input, kind] of cases) expect(() => parseOverpassJson(input), String(input)).toThrow(expect.objectContaining({ kind, source: 'osm-overpass' }));
    expect(() => parseOverpassJson(answer([]), { maxBytes: 20 })).toThrow(expect.objectContaining({ kind: 'too-large', message: expect.stringMatching(/smaller area/) }));
  });

  it('accepts an honestly empty area', () => {
    const result = parseOverpassJson(answer([]));
    expect([result.observations, result.skipped, result.complete]).toEqual([[], [], true]);
  });

  it('reads a busy /api/status', () => {
    const text = ['Connected as: 1', 'Current time: 2024-01-01T00:00:00Z', 'Announced endpoint: none', 'Rate limit: 2', 'Slot available after: 2024-01-01T00:00:40Z, in 40 seconds.', 'Slot available after: 2024-01-01T00:00:12Z, in 12 seconds.', 'Currently running queries (pid, space limit, time limit, start time):', '123\t536870912\t180\t2024-01-01T00:00:00Z', ''].join('\n');
    expect(parseOverpassStatus(text)).toMatchObject({ rateLimit: 2, slotsAvailableNow: 0, slotFreeInSeconds: [12, 40], runningQueries: 1 });
    expect(() => parseOverpassStatus('<html>nope</html>')).toThrow(expect.objectContaining({ kind: 'malformed-body' }));
  });
});
