import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatedSource, type EmulatedSource } from '../arcgis-parcels/emulator.testkit';
import { testWorld } from '../arcgis-parcels/world.testkit';
import { buildPermitQuery, fetchPermits, fetchSodaRows } from './connector';
import { socrataPermitsEmulator } from './emulator';
import { parseSodaRows } from './parse';
import { findPortal } from './portals';

/** The connector and parser read the emulator's answers and agree with the World's permits. */

const world = testWorld({ lotsPerStreet: 12, streets: 4 });
const demo = findPortal('demo')!;
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(socrataPermitsEmulator, world);
});
afterAll(() => source.close());

describe('Socrata permits emulator', () => {
  it('serves every roofing permit of the World through the roofing filter, paged, with the World\'s facts', async () => {
    const fetched = await fetchPermits(source.db, demo, world.bbox, { pageSize: 4 });
    const truth = world.permits().filter((permit) => permit.isRoofing);
    expect(fetched.permits.map((p) => p.permitNumber).sort()).toEqual(truth.map((p) => p.permitNumber).sort());
    // 12 roofing permits at 4 a page: three full pages, then an empty one ends the paging.
    expect(fetched.pages).toBe(Math.floor(truth.length / 4) + 1);
    for (const permit of truth) {
      const got = fetched.permits.find((p) => p.permitNumber === permit.permitNumber)!;
      expect(got.issuedAt).toBe(new Date(permit.issuedAt).toISOString());
      expect(got.isRoofing).toBe(true);
      expect(got.description).toBe(permit.description);
      expect(got.workClass).toBe(permit.workClass);
      expect(got.valuationUsd).toBe(permit.valuationUsd);
      expect(got.address).toEqual(permit.address);
      expect(got.location).toEqual(permit.location);
    }
  });

  it('serves every permit when not filtering for roofing, and each verdict matches the World', async () => {
    const fetched = await fetchPermits(source.db, demo, world.bbox, { roofingOnly: false, pageSize: 5 });
    expect(fetched.permits).toHaveLength(world.permits().length);
    for (const permit of world.permits()) expect(fetched.permits.find((p) => p.permitNumber === permit.permitNumber)!.isRoofing).toBe(permit.isRoofing);
  });

  it('stops at the first page shorter than $limit, with one request per page', async () => {
    const before = source.emulators.requests('socrata-permits').length;
    const { query } = buildPermitQuery(demo, world.bbox, { roofingOnly: false });
    const rows: unknown[] = [];
    const box: [number, number, number, number] = [world.bbox[0], world.bbox[1], world.bbox[0] + 0.003, world.bbox[3]];
    const truth = world.permits().filter((p) => p.location.lng <= box[2]);
    const paged = await fetchSodaRows(source.db, demo, { ...query, where: buildPermitQuery(demo, box, { roofingOnly: false }).query.where }, { pageSize: 5 }, (page) => rows.push(...page));
    expect(rows).toHaveLength(truth.length);
    expect(paged.pages).toBe(Math.ceil((truth.length + 1) / 5));
    expect(source.emulators.requests('socrata-permits').length - before).toBe(paged.pages);
  });

  it('filters by box and date with the SoQL the connector writes', async () => {
    const [w, s, , n] = world.bbox;
    const box: [number, number, number, number] = [w, s, w + 0.002, n];
    const since = '2024-05-01';
    const fetched = await fetchPermits(source.db, demo, box, { roofingOnly: false, since });
    const truth = world.permits().filter((p) => p.location.lng <= w + 0.002 && p.issuedAt >= '2024-05-01T05:00:00.000Z');
    expect(fetched.permits.map((p) => p.permitNumber).sort()).toEqual(truth.map((p) => p.permitNumber).sort());
    const asked = new URLSearchParams(source.emulators.requests('socrata-permits').at(-1)!.query);
    expect(asked.get('$where')).toBe(`within_box(location, ${n}, ${w}, ${s}, ${w + 0.002}) AND issue_date >= '2024-05-01T00:00:00'`);
  });

  it('asks only for mapped columns: contractor names are never fetched', async () => {
    const fetched = await fetchPermits(source.db, demo, world.bbox);
    const asked = new URLSearchParams(source.emulators.requests('socrata-permits').at(-1)!.query);
    expect(asked.get('$select')).not.toMatch(/contractor/);
    expect(JSON.stringify(fetched)).not.toMatch(/Contractor/);
  });

  it('sends the app token as X-App-Token', async () => {
    await fetchPermits(source.db, demo, world.bbox, { appToken: 'AbCdEf123456' });
    expect(source.emulators.requests('socrata-permits').at(-1)!.headers['x-app-token']).toBe('AbCdEf123456');
  });

  it('emulator rows look like the real SODA sample: an array of flat objects whose values are strings', async () => {
    const FIXTURE = fileURLToPath(new URL('../../../../shared/fixtures/socrata-permits/sodapy_bike_counts_page_2.json', import.meta.url));
    const res = await fetch(`${source.emulators.baseUrls['socrata-permits']}/resource/demo-perm.json?$select=:id,permit_number,issue_date,valuation&$limit=3`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const emulated = parseSodaRows(text, 'Demo');
    expect(emulated).toHaveLength(3);
    expect(text).toMatch(/\n,\{/);
    for (const row of emulated) for (const value of Object.values(row)) expect(typeof value).toBe('string');
    expect(String(emulated[0]!.issue_date)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    if (!existsSync(FIXTURE)) return console.warn(`shape comparison skipped: ${FIXTURE} is absent`);
    const real = parseSodaRows(readFileSync(FIXTURE, 'utf8'), 'Real');
    expect(String(real[0]!.date)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
  });
});
