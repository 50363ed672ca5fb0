import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { propertyObservationSchema } from '../../core/domain/records';
import { sharedFixtures } from '../../core/testing/fixtures';
import { parseOsmXml } from './osm-xml';
import { parseOverpassJson } from './parse';

const { present, dir: FIXTURES } = sharedFixtures('osm-overpass');
const scratch = mkdtempSync(join(tmpdir(), 'fishmouth-osm-xml-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!present)('OSM XML on the real West Oakland extract', () => {
  const file = join(FIXTURES, 'osmnx_West-Oakland.osm');

  it('streams the file into building observations', async () => {
    const result = await parseOsmXml(file);
    expect(result.observations).toHaveLength(23);
    // 43 roads and other ways, and 23 route and other relations.
    expect(result.skipped).toEqual([{ reason: 'not a building (road, land use or other feature)', count: 66 }]);
    expect(result.elementCounts).toEqual({ nodes: 446, ways: 66, relations: 23 });
    const association = result.observations.find((o) => o.sourceRecordId === 'way/310612861')!;
    expect(association.address).toEqual({ houseNumber: '1666', street: '7th Street', unit: null, city: 'Oakland', state: null, postcode: null });
    expect(association.buildingType).toBe('retail');
    for (const o of result.observations) {
      expect(propertyObservationSchema.safeParse(o).success).toBe(true);
      // Inside the extract's <bounds> (with the slack of buildings that cross its edge).
      expect(o.location!.lat).toBeGreaterThan(37.805);
      expect(o.location!.lat).toBeLessThan(37.81);
    }
    // No osm_base in an Osmosis extract: the newest edit in the file is when the data was observed.
    expect(result.osmBase).toBeNull();
    expect(result.observations[0]!.observedAt).toMatch(/^20\d\d-/);
  });

  it('gives the same observations from a path, bytes, gzip bytes and a stream of small chunks', async () => {
    const bytes = readFileSync(file);
    const fromPath = await parseOsmXml(file, { inputLabel: 'x' });
    expect(await parseOsmXml(bytes, { inputLabel: 'x' })).toEqual(fromPath);
    expect(await parseOsmXml(gzipSync(bytes), { inputLabel: 'x' })).toEqual(fromPath);
    async function* trickle() {
      // 7-byte chunks split multi-byte characters and tags alike.
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    expect(await parseOsmXml(trickle(), { inputLabel: 'x' })).toEqual(fromPath);
  });

  it('agrees with the JSON parser on the same elements', async () => {
    const xml = await parseOsmXml(file);
    const json = parseOverpassJson(overpassJsonOf(readFileSync(file, 'utf8')));
    expect(json.observations).toEqual(xml.observations);
    expect(Object.keys(json.observations[0]!).sort()).toEqual(Object.keys(xml.observations[0]!).sort());
  });

  it('refuses the .bz2 copy with what to do instead', async () => {
    for (const input of [join(FIXTURES, 'osmnx_West-Oakland.osm.bz2'), readFileSync(join(FIXTURES, 'osmnx_West-Oakland.osm.bz2'))]) {
      await expect(parseOsmXml(input)).rejects.toMatchObject({ kind: 'malformed-body', message: expect.stringMatching(/bzip2.*decompress it first/) });
    }
  });
});

describe('OSM XML refusals', () => {
  const write = (name: string, text: string | Buffer) => {
    const path = join(scratch, name);
    writeFileSync(path, text);
    return path;
  };

  it('says clearly what is wrong with a file', async () => {
    const cases: [string | Buffer, RegExp][] = [
      [write('missing.osm', '') + '.nope', /cannot be read \(ENOENT\)/],
      [write('empty.osm', ''), /is empty/],
      [write('cut.osm', '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="1" lon="1">'), /not well-formed XML/],
      [write('page.osm', '<!DOCTYPE html><html><body>Log in</body></html>'), /web page/],
      [write('change.osc', '<osmChange version="0.6"><create/></osmChange>'), /change file/],
      [write('gpx.osm', '<gpx version="1.1"></gpx>'), /root is <gpx>/],
      [write('absurd.osm', '<osm><node id="5" lat="123" lon="1"/></osm>'), /node 5 at latitude 123.*not on Earth/],
      [write('x.osm.pbf', 'whatever'), /PBF/],
      [write('timeout.osm', '<osm><remark> runtime error: Query timed out in "query" at line 1 after 25 seconds. </remark></osm>'), /stopped the query.*smaller area/],
    ];
    for (const [input, message] of cases) await expect(parseOsmXml(input), String(input)).rejects.toMatchObject({ source: 'osm-overpass', message: expect.stringMatching(message) });
  });

  it('skips deleted and broken elements, counting the broken ones', async () => {
    const xml = `<osm version="0.6">
      <node id="1" lat="30" lon="-97"/><node id="2" lat="30" lon="-96.9999"/><node id="3" lat="30.0001" lon="-96.9999"/><node id="4" lat="30.0001" lon="-97"/>
      <node id="9" lat="" lon="-97"/>
      <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="building" v="house"/><tag k="addr:housenumber" v="5"/><tag k="addr:state" v="tx"/></way>
      <way id="11" action="delete"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="building" v="yes"/></way>
    </osm>`;
    const result = await parseOsmXml(Buffer.from(xml), { observedAt: '2024-01-01T00:00:00Z' });
    expect(result.observations.map((o) => [o.sourceRecordId, o.address.state, o.observedAt])).toEqual([['way/10', 'TX', '2024-01-01T00:00:00Z']]);
    expect(result.skipped).toEqual([{ reason: 'OSM element the app cannot read', count: 1 }]);
  });
});

/** The same elements as an Overpass [out:json] answer, built with plain regular expressions (the file is regular). */
function overpassJsonOf(xml: string): string {
  const attr = (text: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(text)?.[1];
  const tagsOf = (body: string) => Object.fromEntries([...body.matchAll(/<tag k="([^"]*)" v="([^"]*)"\/>/g)].map((m) => [m[1], m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&apos;/g, "'")]));
  const elements: unknown[] = [];
  for (const m of xml.matchAll(/<node ([^>]*?)(\/>|>([\s\S]*?)<\/node>)/g)) {
    elements.push({ type: 'node', id: Number(attr(` ${m[1]}`, 'id')), lat: Number(attr(` ${m[1]}`, 'lat')), lon: Number(attr(` ${m[1]}`, 'lon')), timestamp: attr(` ${m[1]}`, 'timestamp'), tags: tagsOf(m[3] ?? '') });
  }
  for (const m of xml.matchAll(/<way ([^>]*)>([\s\S]*?)<\/way>/g)) {
    elements.push({ type: 'way', id: Number(attr(` ${m[1]}`, 'id')), timestamp: attr(` ${m[1]}`, 'timestamp'), nodes: [...m[2]!.matchAll(/<nd ref="(\d+)"/g)].map((n) => Number(n[1])), tags: tagsOf(m[2]!) });
  }
  return JSON.stringify({ version: 0.6, generator: 'test', elements });
}
