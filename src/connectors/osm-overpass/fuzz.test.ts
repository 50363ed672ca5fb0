import { describe, expect, it } from 'vitest';
import { propertyObservationSchema } from '../../core/domain/records';
import { fuzzParser } from '../../core/testing/fuzz';
import { tinyWorld } from '../../emulators/tiny-world';
import { overpassEmulator } from './emulator';
import { parseOsmXml } from './osm-xml';
import { parseOverpassJson, parseOverpassStatus, type OverpassBuildings } from './parse';
import { buildingsQuery } from './query';
import { overpassFixture, overpassFixtures } from './world.testkit';

/** Thousands of broken real answers and files: every one parses or fails with a typed, explained error. */

function everyRecordValid(result: unknown): void {
  const { observations, skipped } = result as OverpassBuildings;
  for (const observation of observations) propertyObservationSchema.parse(observation);
  for (const skip of skipped) {
    expect(skip.reason.length).toBeGreaterThan(5);
    expect(skip.count).toBeGreaterThan(0);
  }
}

/** The first `ways` building ways of a real answer with their nodes, in Overpass's own layout (small samples fuzz faster). */
function cutOut(text: string, ways: number): string {
  const elements = (JSON.parse(text) as { elements: { type: string; id: number; nodes?: number[] }[] }).elements;
  const kept = elements.filter((e) => e.type === 'way').slice(0, ways);
  const needed = new Set(kept.flatMap((w) => w.nodes ?? []));
  const body = [...kept, ...elements.filter((e) => e.type === 'node' && needed.has(e.id))].map((e) => JSON.stringify(e, null, 2)).join(',\n');
  return `{\n  "version": 0.6,\n  "generator": "Overpass API",\n  "osm3s": {\n    "timestamp_osm_base": "2017-10-20T23:31:01Z",\n    "copyright": "ODbL"\n  },\n  "elements": [\n\n${body}\n\n  ]\n}\n`;
}

describe.skipIf(!overpassFixtures.present)('Overpass parsers under fuzzing', () => {
  it('building answers (Piedmont ways, SF multipolygons with courtyards)', async () => {
    const piedmont = await fuzzParser(cutOut(overpassFixture('derived_piedmont_60_addressed_buildings_overpass.json').toString('utf8'), 12), (input) => parseOverpassJson(input), {
      runs: 1500,
      check: everyRecordValid,
    });
    // Both outcomes occur: the fuzzing reaches the assembly of buildings, not only the JSON reader.
    expect(piedmont.returned).toBeGreaterThan(150);
    expect(piedmont.typedErrors).toBeGreaterThan(150);

    const sf = JSON.parse(overpassFixture('osmnx_overpass-response-2_sf_parnassus_buildings.json').toString('utf8')) as { elements: { type: string; id: number; nodes?: number[]; members?: { ref: number }[] }[] };
    const relation = sf.elements.find((e) => e.id === 3830591)!;
    const memberWays = sf.elements.filter((e) => e.type === 'way' && relation.members!.some((m) => m.ref === e.id));
    const nodeIds = new Set(memberWays.flatMap((w) => w.nodes ?? []));
    const courtyard = JSON.stringify({ version: 0.6, osm3s: { timestamp_osm_base: '2017-10-20T23:50:02Z' }, elements: [relation, ...memberWays, ...sf.elements.filter((e) => e.type === 'node' && nodeIds.has(e.id))] }, null, 1);
    await fuzzParser(courtyard, (input) => parseOverpassJson(input), { runs: 1000, seed: 11, check: everyRecordValid });
  });

  it('gzip bytes, the remark, the error page, out geom and /api/status', async () => {
    const { gzipSync } = await import('node:zlib');
    await fuzzParser(gzipSync(cutOut(overpassFixture('derived_piedmont_60_addressed_buildings_overpass.json').toString('utf8'), 4)), (input) => parseOverpassJson(input), { runs: 500, seed: 3, check: everyRecordValid });
    await fuzzParser(overpassFixture('overpy_remark-runtime-error-01.json').toString('utf8'), (input) => parseOverpassJson(input), { runs: 500, seed: 5, check: everyRecordValid });
    await fuzzParser(overpassFixture('overpy_bad-request.html').toString('utf8'), (input) => parseOverpassJson(input), { runs: 300, seed: 6, check: everyRecordValid });
    await fuzzParser(overpassFixture('overpy_way-03.json').toString('utf8'), (input) => parseOverpassJson(input), { runs: 500, seed: 8, check: everyRecordValid });
    const route = JSON.parse(overpassFixture('overpy_relation-04.json').toString('utf8')) as { elements: { members: unknown[] }[] };
    route.elements[0]!.members = route.elements[0]!.members.slice(0, 12);
    await fuzzParser(JSON.stringify(route, null, 2), (input) => parseOverpassJson(input), { runs: 500, seed: 9, check: everyRecordValid });
    await fuzzParser(overpassFixture('osmnx_overpass-response-0_api_status.txt').toString('utf8'), (input) => parseOverpassStatus(input), {
      runs: 500,
      check: (status) => expect(Number.isInteger((status as { rateLimit: number }).rateLimit)).toBe(true),
    });
  });

  it('OSM XML files (West Oakland)', async () => {
    // The first 200 lines: nodes and the first ways, then closed again so the sample is whole.
    const lines = overpassFixture('osmnx_West-Oakland.osm').toString('utf8').split('\n');
    const end = lines.findIndex((line, i) => i > 500 && line.trim() === '</way>');
    const sample = [...lines.slice(0, end + 1), '</osm>'].join('\n');
    const report = await fuzzParser(Buffer.from(sample), (input) => parseOsmXml(input), { runs: 600, seed: 13, check: everyRecordValid });
    expect(report.returned).toBeGreaterThan(50);
  });
});

describe('Overpass emulator under fuzzed queries', () => {
  it('answers every mangled query with data or the 400 page, never a crash', async () => {
    const world = tinyWorld();
    const report = await fuzzParser(
      buildingsQuery({ bbox: world.bbox }, { onlyAddressed: true }),
      async (ql) => {
        const response = await overpassEmulator.handle({ method: 'GET', path: '/interpreter', query: new URLSearchParams({ data: ql }), headers: {}, body: Buffer.alloc(0) }, world);
        expect([200, 400]).toContain(response.status);
        if (response.status === 400) expect(response.body.toString()).toMatch(/Error<\/strong>: line \d+: (parse|static) error: /);
        return response;
      },
      { runs: 2000, seed: 17 },
    );
    expect(report.returned).toBe(2000);
  });
});
