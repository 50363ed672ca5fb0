import { describe, expect, it } from 'vitest';
import { sharedFixtures } from '../../core/testing/fixtures';
import type { EmulatorResponse } from '../../emulators/route-types';
import { createDemoWorld } from '../../demo/world';
import { KNOTS_PER_MPH, parseSpcReports, reportDayOf, yymmddOf } from './parse';
import { noaaSpcEmulator } from './emulator';
import { STORM_TEST_REPORTS, stormTestWorld } from './storm-world.testkit';

const world = stormTestWorld();
const ask = async (path: string): Promise<EmulatorResponse> =>
  noaaSpcEmulator.handle({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) }, world);
const text = (response: EmulatorResponse) => String(response.body);
const mph = (knots: number | null) => (knots === null ? null : Math.round(knots / KNOTS_PER_MPH));

describe('NOAA SPC emulator', () => {
  it("serves each kind of a report day that the parser reads back as the World's reports", async () => {
    const day = '2024-05-20';
    const inDay = STORM_TEST_REPORTS.filter((r) => r.occurredAt >= '2024-05-20T12:00' && r.occurredAt < '2024-05-21T12:00');
    for (const [word, kind] of [['hail', 'hail'], ['wind', 'wind'], ['torn', 'tornado']] as const) {
      const response = await ask(`/climo/reports/240520_rpts_filtered_${word}.csv`);
      expect([response.status, response.headers?.['content-type']]).toEqual([200, 'text/csv']);
      const { reports, rejected } = parseSpcReports(text(response), { reportDay: day, expectedKind: kind });
      expect(rejected).toEqual([]);
      const truth = inDay.filter((r) => r.kind === kind).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      expect(reports.map((r) => [r.occurredAt, r.lat, r.lng, r.hailSizeInches, mph(r.windSpeedKnots), r.tornadoScale, r.location, r.county, r.state, r.comments])).toEqual(
        truth.map((r) => [
          r.occurredAt,
          Number(r.location.lat.toFixed(2)),
          Number(r.location.lng.toFixed(2)),
          r.hailSizeInches,
          mph(r.windSpeedKnots),
          kind === 'tornado' ? (r.tornadoScale ?? 'UNK') : null,
          r.place.toUpperCase(),
          r.county.toUpperCase(),
          r.state,
          r.comments,
        ]),
      );
    }
  });

  it('writes what SPC writes: the header, HHMM times past midnight, hundredths of an inch, mph or UNK', async () => {
    expect(text(await ask('/climo/reports/240520_rpts_filtered_hail.csv'))).toBe(
      [
        'Time,Size,Location,County,State,Lat,Lon,Comments',
        '2241,175,PLANO,COLLIN,TX,33.02,-96.7,Golf ball size hail, roofs damaged. (FWD)',
        '2305,275,2 N PLANO,COLLIN,TX,33.05,-96.69,Baseball size hail, reported via social media, with photos. (FWD)',
        '0020,88,3 NE ALLEN,COLLIN,TX,33.08,-96.66,Nickel size hail. (FWD)',
        '0310,125,OKLAHOMA CITY,OKLAHOMA,OK,35.47,-97.52,(OUN)',
        '',
      ].join('\n'),
    );
    expect(text(await ask('/climo/reports/240520_rpts_filtered_wind.csv')).split('\n').slice(1, 3)).toEqual([
      '2230,70,2 N PLANO,COLLIN,TX,33.01,-96.73,Measured gust at a home weather station. (FWD)',
      '0002,UNK,2 N PLANO,COLLIN,TX,33.06,-96.68,Large tree limbs down on Elm Street. (FWD)',
    ]);
  });

  it('parses to records of the same shape as the real 2018-06-15 file', async () => {
    const real = sharedFixtures('noaa-spc');
    if (!real.present) return;
    const actual = parseSpcReports(real.text('180615_rpts_filtered_hail.csv'), { reportDay: '2018-06-15' }).reports[0]!;
    const emulated = parseSpcReports(text(await ask('/climo/reports/240520_rpts_filtered_hail.csv')), { reportDay: '2024-05-20' }).reports[0]!;
    expect(Object.keys(emulated).sort()).toEqual(Object.keys(actual).sort());
    expect(real.text('180615_rpts_filtered_hail.csv').split('\n')[0]).toBe(text(await ask('/climo/reports/240520_rpts_filtered_hail.csv')).split('\n')[0]);
  });

  it('serves the combined file, a header-only file for a quiet kind, and the 404 page for a day without reports', async () => {
    const combined = parseSpcReports(text(await ask('/climo/reports/240520_rpts_filtered.csv')), { reportDay: '2024-05-20' });
    expect(combined.kinds).toEqual(['tornado', 'wind', 'hail']);
    expect(combined.reports).toHaveLength(7);
    expect(text(await ask('/climo/reports/240602_rpts_filtered_hail.csv'))).toBe('Time,Size,Location,County,State,Lat,Lon,Comments\n');
    const missing = await ask('/climo/reports/240521_rpts_filtered_hail.csv');
    expect(missing.status).toBe(404);
    expect(text(missing)).toContain('<title>Storm Prediction Center: Page Not Found</title>');
    expect((await ask('/climo/reports/241341_rpts_filtered_hail.csv')).status).toBe(404);
  });

  it("always serves today's and yesterday's files", async () => {
    const today = await ask('/climo/reports/today_filtered_torn.csv');
    expect([today.status, text(today).split('\n')[0]]).toEqual([200, 'Time,F_Scale,Location,County,State,Lat,Lon,Comments']);
    expect((await ask('/climo/reports/yesterday_hail.csv')).status).toBe(200);
  });
});

describe('NOAA SPC emulator on the demo territory', () => {
  it("serves every demo storm report on its report day, the parser reading back the World's facts", async () => {
    const demo = createDemoWorld({ properties: 2_000, asOf: '2025-06-01' });
    const truth = [...demo.stormReports()];
    const days = [...new Set(truth.map((r) => reportDayOf(Date.parse(r.occurredAt))))];
    expect(days.length).toBeGreaterThanOrEqual(3);
    const parsed = [];
    for (const day of days) {
      const response = await noaaSpcEmulator.handle({ method: 'GET', path: `/climo/reports/${yymmddOf(day)}_rpts_filtered.csv`, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) }, demo);
      const result = parseSpcReports(String(response.body), { reportDay: day });
      expect(result.rejected).toEqual([]);
      parsed.push(...result.reports);
    }
    const key = (kind: string, at: string, lat: number, lng: number, size: number | null) => `${kind} ${Date.parse(at)} ${lat.toFixed(2)} ${lng.toFixed(2)} ${size}`;
    expect(parsed.map((r) => key(r.kind, r.occurredAt, r.lat, r.lng, r.hailSizeInches)).sort()).toEqual(
      truth.map((r) => key(r.kind, r.occurredAt, r.location.lat, r.location.lng, r.hailSizeInches)).sort(),
    );
  });
});
