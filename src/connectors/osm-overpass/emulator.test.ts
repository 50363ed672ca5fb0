import { describe, expect, it } from 'vitest';
import type { BBox } from '../../core/domain/geo';
import type { PropertyObservation } from '../../core/domain/records';
import type { EmulatorRequest, EmulatorResponse } from '../../emulators/route-types';
import { tinyWorld } from '../../emulators/tiny-world';
import type { World } from '../../emulators/world';
import { overpassEmulator } from './emulator';
import { parseOsmXml } from './osm-xml';
import { describeOverpassErrorPage, parseOverpassJson, parseOverpassStatus } from './parse';
import { buildingsQuery } from './query';
import { overpassFixture, overpassFixtures, worldFromOverpassAnswer } from './world.testkit';

/** The emulator answers like Overpass: the parser reads its answers and agrees with the World and with the real samples. */

const ask = async (world: World, request: Partial<EmulatorRequest> & { path: string }): Promise<EmulatorResponse> =>
  overpassEmulator.handle({ method: 'GET', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0), ...request }, world);
const get = (world: World, ql: string) => ask(world, { path: '/interpreter', query: new URLSearchParams({ data: ql }) });
const text = (response: EmulatorResponse) => response.body.toString();
const sameButWhen = (observations: PropertyObservation[]) => observations.map(({ observedAt: _when, ...rest }) => rest);

describe('Overpass emulator on the tiny street', () => {
  const world = tinyWorld();

  it('answers a buildings query in the real JSON layout, read back into the World', async () => {
    const response = await get(world, buildingsQuery({ bbox: world.bbox }));
    expect(response.status).toBe(200);
    expect(response.headers!['content-type']).toBe('application/json');
    const body = text(response);
    expect(body).toMatch(/^\{\n {2}"version": 0\.6,\n {2}"generator": "Overpass API [^"]+",\n {2}"osm3s": \{\n {4}"timestamp_osm_base": "\d{4}-\d\d-\d\dT\d\d:\d\d:00Z",/);
    expect(body).toMatch(/"lat": 33\.0199400,/); // seven decimals, as Overpass prints them
    const parsed = parseOverpassJson(body);
    expect(parsed.complete).toBe(true);
    expect(parsed.skipped).toEqual([]);
    const truth = world.buildingsIn(world.bbox);
    expect(parsed.observations.map((o) => o.sourceRecordId)).toEqual(truth.map((b) => `way/${b.osmWayId}`));
    expect(parsed.observations.map((o) => [o.address.houseNumber, o.address.street, o.address.state, o.address.postcode, o.yearBuilt])).toEqual(
      truth.map((b) => [b.tags['addr:housenumber'], b.tags['addr:street'], 'TX', '75074', Number(b.tags['start_date'])]),
    );
    for (const [i, o] of parsed.observations.entries()) {
      expect(o.location!.lat).toBeCloseTo(truth[i]!.centroid.lat, 6);
      expect(o.location!.lng).toBeCloseTo(truth[i]!.centroid.lng, 6);
    }
  });

  it('takes the query as POST form, raw POST body or GET, and filters by area, polygon and tags', async () => {
    const ql = buildingsQuery({ bbox: [-96.7001, 33.0199, -96.6995, 33.0201] });
    const viaGet = parseOverpassJson(text(await get(world, ql)));
    const viaForm = parseOverpassJson(
      text(await ask(world, { method: 'POST', path: '/interpreter', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(new URLSearchParams({ data: ql }).toString()) })),
    );
    const viaRaw = parseOverpassJson(text(await ask(world, { method: 'POST', path: '/interpreter', body: Buffer.from(ql) })));
    expect(viaGet.observations.map((o) => o.sourceRecordId)).toEqual(['way/900000001', 'way/900000002', 'way/900000003']);
    expect(sameButWhen(viaForm.observations)).toEqual(sameButWhen(viaGet.observations));
    expect(sameButWhen(viaRaw.observations)).toEqual(sameButWhen(viaGet.observations));

    const triangle = { type: 'Polygon' as const, coordinates: [[[-96.7001, 33.0198], [-96.6997, 33.0198], [-96.7001, 33.0202], [-96.7001, 33.0198]] as [number, number][]] };
    const inPolygon = parseOverpassJson(text(await get(world, buildingsQuery({ polygon: triangle }))));
    expect(inPolygon.observations.map((o) => o.sourceRecordId)).toEqual(['way/900000001', 'way/900000002']);

    const tagged = `[out:json];way["building"]["roof:material"="metal"](${33.01},${-96.71},${33.03},${-96.69});out body;>;out skel qt;`;
    expect(parseOverpassJson(text(await get(world, tagged))).observations.map((o) => o.roofMaterial)).toEqual(['metal', 'metal', 'metal']);
  });

  it('answers OSM XML when the query does not ask for JSON, read the same by the XML reader', async () => {
    const bbox: BBox = world.bbox;
    const json = parseOverpassJson(text(await get(world, buildingsQuery({ bbox }))));
    const xmlAnswer = await get(world, buildingsQuery({ bbox }).replace('[out:json]', '[out:xml]'));
    expect(xmlAnswer.headers!['content-type']).toBe('application/osm3s+xml');
    const xml = await parseOsmXml(Buffer.from(text(xmlAnswer)));
    expect(xml.osmBase).toBe(json.osmBase);
    expect(xml.observations).toEqual(json.observations);
  });

  it('refuses malformed queries with the real 400 OSM3S page', async () => {
    const queries = [
      '[out:json];way["building"](33.01,-96.71,33.03,-96.69)out;',
      '[out:json];way["building"](33.01,-96.71,33.03);out;',
      '[out:json];way["building"](95,-96.71,96,-96.69);out;',
      '[out:json];way["building"](poly:"33.01 -96.71 33.02");out;',
      '[out:json];way["building"(33.01,-96.71,33.03,-96.69);out;',
      '[out:json];way["building](33.01,-96.71,33.03,-96.69);out;',
      '[out:pdf];way["building"](33.01,-96.71,33.03,-96.69);out;',
      '[out:json];way["building"];out;',
      '',
    ];
    for (const ql of queries) {
      const response = await get(world, ql);
      expect(response.status, ql).toBe(400);
      expect(response.headers!['content-type']).toContain('text/html');
      expect(text(response)).toContain('<title>OSM3S Response</title>');
      expect(describeOverpassErrorPage(text(response)), ql).toMatch(/^line \d+: (parse|static) error: /);
    }
    expect(describeOverpassErrorPage(text(await get(world, '[out:json];way["building"](33.01,-96.71,33.03,-96.69)out;')))).toBe("line 1: parse error: ';' expected - 'out' found.");
  });

  it('says it ran out of memory, in a remark, when the answer exceeds [maxsize:]', async () => {
    const response = await get(world, buildingsQuery({ bbox: world.bbox }, { maxSizeBytes: 1000 }));
    expect(response.status).toBe(200);
    expect(() => parseOverpassJson(text(response))).toThrow(expect.objectContaining({ kind: 'refused-by-source', message: expect.stringMatching(/out of memory.*smaller area/) }));
  });

  it('serves /api/status in the real text format, and 404 elsewhere', async () => {
    const status = parseOverpassStatus(text(await ask(world, { path: '/status' })));
    expect(status).toMatchObject({ rateLimit: 2, slotsAvailableNow: 2, slotFreeInSeconds: [], runningQueries: 0 });
    expect((await ask(world, { path: '/map' })).status).toBe(404);
  });
});

describe.skipIf(!overpassFixtures.present)('Overpass emulator against the real Piedmont sample', () => {
  it('answers a World made of the real buildings with the same records as the real answer', async () => {
    const real = overpassFixture('derived_piedmont_60_addressed_buildings_overpass.json').toString('utf8');
    const world = worldFromOverpassAnswer('Piedmont sample', real);
    const fromReal = parseOverpassJson(real);
    const fromEmulator = parseOverpassJson(text(await get(world, buildingsQuery({ bbox: world.bbox }))));
    const byId = (list: PropertyObservation[]) => sameButWhen([...list].sort((a, b) => a.sourceRecordId.localeCompare(b.sourceRecordId)));
    expect(fromEmulator.observations).toHaveLength(60);
    expect(byId(fromEmulator.observations)).toEqual(byId(fromReal.observations));
    expect(Object.keys(fromEmulator).sort()).toEqual(Object.keys(fromReal).sort());
  });
});
