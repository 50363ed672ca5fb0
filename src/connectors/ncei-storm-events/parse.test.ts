import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../core/http/errors';
import { sharedFixtures } from '../../core/testing/fixtures';
import { latestDetailsFile, parseStormEventsListing, stormEventsFileFacts } from './listing';
import { parseStormEvents, type StormEventsResult } from './parse';
import { stormEventsBeginColumns, stormEventsTimeToUtc } from './time';

const fixtures = sharedFixtures('noaa-storm-events');
const FIXTURES = fixtures.dir;
const DETAILS = join(FIXTURES, 'StormEvents_details-ftp_v1.0_d2019_c20190617.csv.gz');

async function caught(attempt: Promise<unknown>): Promise<ConnectorError> {
  const error = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe.skipIf(!fixtures.present)('NCEI Storm Events: the real 2019 details file (Jan–Mar, created 2019-06-17)', () => {
  let all: StormEventsResult;
  beforeAll(async () => {
    all = await parseStormEvents(createReadStream(DETAILS));
  });

  it('streams all 15,447 events and keeps the 573 hail, 729 thunderstorm wind and 183 tornado reports', () => {
    const result = all;
    expect(result.rows).toBe(15_447);
    expect(result.rejectedCount).toBe(0);
    const count = (kind: string) => result.reports.filter((r) => r.kind === kind).length;
    expect([count('hail'), count('wind'), count('tornado')]).toEqual([573, 729, 183]);
    expect(result.matchedType).toBe(573 + 729 + 183);
    expect(new Set(result.reports.map((r) => r.sourceRecordId)).size).toBe(result.reports.length);
  });

  it('reads a hail report with its size in inches and its local standard time as UTC', () => {
    const reports = all.reports.filter((r) => r.kind === 'hail');
    expect(reports.find((r) => r.sourceRecordId === '801698')).toEqual({
      source: 'ncei-storm-events',
      sourceRecordId: '801698',
      kind: 'hail',
      // 09-MAR-19 17:51:00 CST-6
      occurredAt: '2019-03-09T23:51:00.000Z',
      lat: 33.31,
      lng: -89.18,
      hailSizeInches: 1,
      windSpeedKnots: null,
      tornadoScale: null,
      location: '1 SW ACKERMAN',
      county: 'CHOCTAW',
      state: 'MS',
      comments: 'Nickel to quarter size hail fell in Ackerman.',
    });
    expect(Math.max(...reports.map((r) => r.hailSizeInches ?? 0))).toBe(4.5);
  });

  it('reads wind in knots and tornado ratings as published', () => {
    const { reports } = all;
    expect(reports.find((r) => r.sourceRecordId === '814097')).toMatchObject({ kind: 'wind', windSpeedKnots: 52, occurredAt: '2019-03-09T14:10:00.000Z', state: 'AR', location: 'CADDO GAP' });
    const ratings = new Set(reports.filter((r) => r.kind === 'tornado').map((r) => r.tornadoScale));
    expect([...ratings].sort()).toEqual(['EF0', 'EF1', 'EF2', 'EF3', 'EF4', 'EFU']);
  });

  it('keeps only reports inside the box and the date range', async () => {
    // North-east Mississippi / north-west Alabama, where the 2019-03-09 line of storms passed.
    const bbox = [-90, 33, -88.6, 34.4] as [number, number, number, number];
    const expected = all.reports.filter((r) => r.lng >= -90 && r.lng <= -88.6 && r.lat >= 33 && r.lat <= 34.4);
    const boxed = await parseStormEvents(createReadStream(DETAILS), { bbox });
    expect(boxed.reports).toEqual(expected);
    expect(boxed.reports.length).toBeGreaterThan(0);
    const march = await parseStormEvents(createReadStream(DETAILS), { bbox, from: '2019-03-09T00:00:00Z', to: '2019-03-10T12:00:00Z' });
    expect(march.reports.length).toBeGreaterThan(0);
    expect(march.reports.every((r) => r.occurredAt >= '2019-03-09' && r.occurredAt < '2019-03-10T12')).toBe(true);
  });

  it('reads the uncompressed hail-only subset like the gzip file', async () => {
    const subset = await parseStormEvents(createReadStream(join(FIXTURES, 'derived_details_d2019_hail_only.csv')));
    const onlyHail = await parseStormEvents(createReadStream(DETAILS), { kinds: ['hail'] });
    expect(subset.rows).toBe(573);
    expect(subset.reports).toEqual(onlyHail.reports);
    expect(onlyHail.reports).toEqual(all.reports.filter((r) => r.kind === 'hail'));
  });

  it('refuses the locations and fatalities files, naming what they are', async () => {
    const locations = await caught(parseStormEvents(createReadStream(join(FIXTURES, 'StormEvents_locations-ftp_v1.0_d2019_c20190617.csv.gz'))));
    expect(locations.message).toMatch(/not a Storm Events details file \(this is a "locations" file\)/);
    const fatalities = await caught(parseStormEvents(createReadStream(join(FIXTURES, 'StormEvents_fatalities-ftp_v1.0_d2019_c20190617.csv.gz'))));
    expect(fatalities.kind).toBe('malformed-body');
  });

  it('says a gzip cut part-way is truncated', async () => {
    const bytes = fixtures.bytes('StormEvents_details-ftp_v1.0_d2019_c20190617.csv.gz');
    const cut = await caught(parseStormEvents(Readable.from([bytes.subarray(0, 100_000)])));
    expect(cut.kind).toBe('truncated');
    expect(cut.message).toMatch(/Download it again/);
  });
});

describe('NCEI Storm Events: the format rules', () => {
  it('turns local standard time into UTC by CZ_TIMEZONE', () => {
    expect(stormEventsTimeToUtc('09-MAR-19 17:51:00', 'CST-6', '201903')).toEqual({ utc: '2019-03-09T23:51:00.000Z' });
    expect(stormEventsTimeToUtc('31-DEC-19 20:00:00', 'EST-5', '201912')).toEqual({ utc: '2020-01-01T01:00:00.000Z' });
    expect(stormEventsTimeToUtc('01-JAN-19 02:00:00', 'GST10', '201901')).toEqual({ utc: '2018-12-31T16:00:00.000Z' });
    expect(stormEventsTimeToUtc('15-JUL-98 14:00:00', 'CSt', '')).toEqual({ utc: '1998-07-15T20:00:00.000Z' });
    expect(stormEventsTimeToUtc('15-JUL-98 14:00:00', 'XYZ', '199807')).toEqual({ invalid: 'CZ_TIMEZONE "XYZ" is not a time zone we know' });
    expect(stormEventsTimeToUtc('31-FEB-19 14:00:00', 'CST-6', '201902')).toEqual({ invalid: 'BEGIN_DATE_TIME "31-FEB-19 14:00:00" is not a real date' });
  });

  it('writes begin columns that read back to the same instant', () => {
    const columns = stormEventsBeginColumns('2019-03-09T23:51:00.000Z', 'CST-6');
    expect(columns).toEqual({ BEGIN_YEARMONTH: '201903', BEGIN_DAY: '9', BEGIN_TIME: '1751', BEGIN_DATE_TIME: '09-MAR-19 17:51:00', YEAR: '2019', MONTH_NAME: 'March' });
    expect(stormEventsTimeToUtc(columns.BEGIN_DATE_TIME, 'CST-6', columns.BEGIN_YEARMONTH)).toEqual({ utc: '2019-03-09T23:51:00.000Z' });
  });

  it('rejects wanted rows it cannot place, with their line and reason', async () => {
    const header = 'EVENT_ID,EVENT_TYPE,STATE_FIPS,BEGIN_YEARMONTH,BEGIN_DATE_TIME,CZ_TIMEZONE,CZ_NAME,MAGNITUDE,TOR_F_SCALE,BEGIN_LAT,BEGIN_LON';
    const csv = [
      header,
      '1,"Hail",28,201903,"09-MAR-19 17:51:00","CST-6","CHOCTAW","1.00",,"33.31","-89.18"',
      '2,"Hail",28,201903,"09-MAR-19 17:51:00","CST-6","CHOCTAW","1.00",,,',
      '3,"Winter Storm",28,201903,"09-MAR-19 17:51:00","CST-6","CHOCTAW",,,,',
      '4,"Tornado",28,201903,"09-MAR-19 17:51:00","ZZZ","CHOCTAW",,"EF1","33.3","-89.1"',
    ].join('\n');
    const result = await parseStormEvents(Readable.from([csv]));
    expect(result.rows).toBe(4);
    expect(result.reports.map((r) => r.sourceRecordId)).toEqual(['1']);
    expect(result.rejected).toEqual([
      { line: 3, reason: 'event 2 has no BEGIN_LAT/BEGIN_LON' },
      { line: 5, reason: 'event 4: CZ_TIMEZONE "ZZZ" is not a time zone we know' },
    ]);
  });

  it('refuses an empty input and an unclosed quote at the end', async () => {
    expect((await caught(parseStormEvents(Readable.from([])))).message).toMatch(/not even the header line/);
    const header = 'EVENT_ID,EVENT_TYPE,STATE_FIPS,BEGIN_YEARMONTH,BEGIN_DATE_TIME,CZ_TIMEZONE,CZ_NAME,MAGNITUDE,TOR_F_SCALE,BEGIN_LAT,BEGIN_LON';
    expect((await caught(parseStormEvents(Readable.from([`${header}\n1,"Hail,28`])))).kind).toBe('truncated');
  });

  it('finds the newest details file of a year in the Apache listing', () => {
    const html = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html><head><title>Index of /pub/data/swdi/stormevents/csvfiles</title></head><body><h1>Index of /pub/data/swdi/stormevents/csvfiles</h1>
<table><tr><th><a href="?C=N;O=D">Name</a></th></tr>
<tr><td><a href="/pub/data/swdi/stormevents/">Parent Directory</a></td></tr>
<tr><td><a href="StormEvents_details-ftp_v1.0_d2019_c20190617.csv.gz">StormEvents_details-ftp_v1.0_d2019_c20190617.csv.gz</a></td><td align="right">2019-06-17 11:02  </td><td align="right">2.5M</td></tr>
<tr><td><a href="StormEvents_details-ftp_v1.0_d2019_c20240117.csv.gz">StormEvents_details-ftp_v1.0_d2019_c20240117.csv.gz</a></td><td align="right">2024-01-17 10:31  </td><td align="right">11M</td></tr>
<tr><td><a href="StormEvents_locations-ftp_v1.0_d2019_c20240117.csv.gz">StormEvents_locations-ftp_v1.0_d2019_c20240117.csv.gz</a></td></tr>
<tr><td><a href="StormEvents_details-ftp_v1.0_d2018_c20240216.csv.gz">StormEvents_details-ftp_v1.0_d2018_c20240216.csv.gz</a></td></tr>
<tr><td><a href="legacy/">legacy/</a></td></tr></table></body></html>`;
    const files = parseStormEventsListing(html);
    expect(files).toHaveLength(4);
    expect(latestDetailsFile(files, 2019).fileName).toBe('StormEvents_details-ftp_v1.0_d2019_c20240117.csv.gz');
    expect(() => latestDetailsFile(files, 2031)).toThrow(/has not published Storm Events details for 2031 \(it has 2018–2019\)/);
    expect(stormEventsFileFacts('/x/StormEvents_details-ftp_v1.0_d2019_c20190617.csv.gz')).toEqual({
      fileName: 'StormEvents_details-ftp_v1.0_d2019_c20190617.csv.gz',
      kind: 'details',
      year: 2019,
      createdOn: '2019-06-17',
    });
  });
});
