import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sharedFixtures } from '../../core/testing/fixtures';
import type { EmulatorResponse } from '../../emulators/route-types';
import { STORM_TEST_REPORTS, stormTestWorld } from '../noaa-spc/storm-world.testkit';
import { createDemoWorld } from '../../demo/world';
import { inBox } from '../../emulators/list-world';
import { nceiStormEventsEmulator } from './emulator';
import { latestDetailsFile, parseStormEventsListing } from './listing';
import { STORM_EVENTS_COLUMNS, parseStormEvents } from './parse';

const world = stormTestWorld();
const FOLDER = '/pub/data/swdi/stormevents/csvfiles/';
const ask = async (path: string): Promise<EmulatorResponse> =>
  nceiStormEventsEmulator.handle({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) }, world);

async function details2024(): Promise<Buffer> {
  const file = latestDetailsFile(parseStormEventsListing(String((await ask(FOLDER)).body)), 2024);
  const response = await ask(FOLDER + file.fileName);
  expect([response.status, response.headers?.['content-type']]).toEqual([200, 'application/x-gzip']);
  return response.body as Buffer;
}

describe('NCEI Storm Events emulator', () => {
  it('lists one details file per year in an Apache index', async () => {
    const listing = await ask(FOLDER);
    expect(String(listing.body)).toContain('<title>Index of /pub/data/swdi/stormevents/csvfiles</title>');
    expect(parseStormEventsListing(String(listing.body)).map((f) => f.fileName)).toEqual(['StormEvents_details-ftp_v1.0_d2024_c20240603.csv.gz']);
  });

  it("serves a gzip file the parser reads back as the World's reports", async () => {
    const { reports, rejected, rows } = await parseStormEvents(Readable.from([await details2024()]));
    expect(rejected).toEqual([]);
    expect(rows).toBe(STORM_TEST_REPORTS.length);
    const truth = [...STORM_TEST_REPORTS].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    expect(reports.map((r) => [r.kind, r.occurredAt, r.lat, r.lng, r.hailSizeInches, r.windSpeedKnots, r.tornadoScale, r.county, r.state, r.comments])).toEqual(
      truth.map((r) => [r.kind, r.occurredAt, r.location.lat, r.location.lng, r.hailSizeInches, r.windSpeedKnots, r.kind === 'tornado' ? r.tornadoScale : null, r.county.toUpperCase(), r.state, r.comments]),
    );
  });

  it('writes the real 51 columns, quoting the way NCEI does, times in local standard time', async () => {
    const lines = gunzipSync(await details2024()).toString('utf8').split('\n');
    expect(lines[0]).toBe(STORM_EVENTS_COLUMNS.join(','));
    expect(lines[0]!.split(',')).toHaveLength(51);
    // 2024-05-20T22:30Z is 16:30 CST-6.
    expect(lines[1]).toMatch(/^202405,20,1630,202405,20,1630,\d+,\d+,"TEXAS",48,2024,"May","Thunderstorm Wind","C",0,"COLLIN","FWD","20-MAY-24 16:30:00","CST-6",/);
    expect(lines[1]).toContain('"61.00","MG"');
  });

  it('parses to records of the same shape as the real 2019 file', async () => {
    const real = sharedFixtures('noaa-storm-events');
    if (!real.present) return;
    const actual = (await parseStormEvents(createReadStream(join(real.dir, 'derived_details_d2019_hail_only.csv')))).reports[0]!;
    const emulated = (await parseStormEvents(Readable.from([await details2024()]))).reports[0]!;
    expect(Object.keys(emulated).sort()).toEqual(Object.keys(actual).sort());
  });

  it("answers Apache's 404 for a superseded c-date and any other path", async () => {
    expect((await ask(`${FOLDER}StormEvents_details-ftp_v1.0_d2024_c20240101.csv.gz`)).status).toBe(404);
    expect((await ask(`${FOLDER}StormEvents_details-ftp_v1.0_d2019_c20240603.csv.gz`)).status).toBe(404);
    expect((await ask('/pub/data/other/')).status).toBe(404);
  });
});

describe('NCEI Storm Events emulator on the demo territory', () => {
  it("serves every demo storm report in its year's file, the parser reading back the World's facts", async () => {
    const demo = createDemoWorld({ properties: 2_000, asOf: '2025-06-01' });
    const askDemo = (path: string) => nceiStormEventsEmulator.handle({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) }, demo);
    const files = parseStormEventsListing(String((await askDemo(FOLDER)).body));
    expect(files.map((f) => f.year)).toEqual([2024, 2025]);
    const parsed = [];
    for (const file of files) {
      const result = await parseStormEvents(Readable.from([(await askDemo(FOLDER + file.fileName)).body as Buffer]), { bbox: demo.bbox });
      expect(result.rejectedCount).toBe(0);
      parsed.push(...result.reports);
    }
    const key = (kind: string, at: string, lat: number, lng: number, size: number | null, knots: number | null) => `${kind} ${Date.parse(at)} ${lat.toFixed(4)} ${lng.toFixed(4)} ${size} ${knots}`;
    expect(parsed.map((r) => key(r.kind, r.occurredAt, r.lat, r.lng, r.hailSizeInches, r.windSpeedKnots)).sort()).toEqual(
      demo
        .stormReports()
        .filter((r) => inBox(r.location, demo.bbox))
        .map((r) => key(r.kind, r.occurredAt, r.location.lat, r.location.lng, r.hailSizeInches, r.windSpeedKnots))
        .sort(),
    );
  });
});
