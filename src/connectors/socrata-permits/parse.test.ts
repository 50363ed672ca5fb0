import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../core/http/errors';
import { floatingToUtc, utcToFloating } from './floating-time';
import { isRoofingPermit, parseSodaRows, permitsFromRows, socrataRefusal, type SodaRow } from './parse';
import { findPortal, portalListSchema, SEED_PORTALS, type PortalConfig } from './portals';

// The real samples live beside the checkout (see ../shared/fixtures/socrata-permits/SOURCES.md).
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/socrata-permits', import.meta.url));
const present = existsSync(FIXTURES);
if (!present) console.warn(`socrata-permits acceptance tests skipped: the real samples folder ${FIXTURES} is absent.`);
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const portal = (id: string): PortalConfig => findPortal(id)!;

describe.skipIf(!present)('Socrata: real SODA answers', () => {
  it('reads a full real page: 1000 rows in SODA\'s comma-first layout, every value a string', () => {
    const rows = parseSodaRows(fixture('sodapy_bike_counts_page_1.json'), 'Bike counts');
    expect(rows).toHaveLength(1000);
    expect(rows[0]).toEqual({ id: '100009424', date: '2016-09-21T15:45:00.000', counts: '100', status: '0' });
    expect(rows.every((row) => Object.values(row).every((value) => typeof value === 'string'))).toBe(true);
  });

  it('reads the short last page (1 row) that ends paging', () => {
    expect(parseSodaRows(fixture('sodapy_bike_counts_page_2.json'), 'Bike counts')).toEqual([{ id: '100009424', date: '2016-10-02T01:45:00.000', counts: '3', status: '0' }]);
  });

  it('reads the real floating timestamps in the portal\'s zone', () => {
    const rows = parseSodaRows(fixture('sodapy_bike_counts_page_1.json'), 'Bike counts');
    // 15:45 wall-clock in Chicago in September (CDT, UTC−5) is 20:45 UTC.
    expect(floatingToUtc(String(rows[0]!.date), 'America/Chicago')).toBe('2016-09-21T20:45:00.000Z');
    expect(floatingToUtc(String(rows[0]!.date), 'America/Los_Angeles')).toBe('2016-09-21T22:45:00.000Z');
  });

  it('turns the real 403 body into a refusal that says what to check', () => {
    const body = fixture('sodapy_403_response_json.txt');
    for (const error of [socrataRefusal(403, JSON.parse(body), 'Chicago permits'), catchError(() => parseSodaRows(body, 'Chicago permits'))]) {
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error.kind).toBe('refused-by-source');
      expect(error.message).toMatch(/Chicago permits refused access: "You must be logged in to access this resource".*app token in Settings → API keys/);
    }
  });
});

function catchError(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected an error');
}

describe('Socrata permits: mapping', () => {
  // Hand-written in the shape of Chicago's published schema: no real permit rows were captured.
  const chicagoRows: SodaRow[] = [
    {
      ':id': 'row-abcd.efgh',
      permit_: '100812345',
      permit_type: 'PERMIT - EASY PERMIT PROCESS',
      issue_date: '2024-03-10T00:00:00.000',
      work_description: 'TEAR OFF AND REROOF 25 SQUARES, 2 LAYERS',
      reported_cost: '12500',
      street_number: '1234',
      street_direction: 'N',
      street_name: 'MILWAUKEE',
      latitude: '41.9066',
      longitude: '-87.6709',
      contact_1_name: 'A Person',
    },
    { ':id': 'row-2', permit_: '100812346', permit_type: 'PERMIT - SIGNS', issue_date: '2024-03-11T09:15:00.000', work_description: 'ROOF SIGN, ILLUMINATED', street_number: '55', street_name: 'STATE', latitude: '0', longitude: '0' },
    { ':id': 'row-3', issue_date: 'soon', work_description: 'ROOF', latitude: '41.9', longitude: '-87.6' },
    { ':id': 'row-4', permit_: '100812348', work_description: 'new roof' },
  ];

  it('maps rows through the portal mapping: UTC dates, whole dollars, roofing verdicts, contacts left out', () => {
    const { permits, rejected } = permitsFromRows(chicagoRows, { portal: portal('chicago-il') });
    expect(permits[0]).toEqual({
      source: 'socrata-permits',
      sourceRecordId: 'chicago-il:100812345',
      permitNumber: '100812345',
      // Midnight in Chicago on 10 March 2024 (CST, before that morning's DST change) is 06:00 UTC.
      issuedAt: '2024-03-10T06:00:00.000Z',
      description: 'TEAR OFF AND REROOF 25 SQUARES, 2 LAYERS',
      workClass: 'PERMIT - EASY PERMIT PROCESS',
      isRoofing: true,
      valuationUsd: 12_500,
      address: { houseNumber: '1234', street: 'N MILWAUKEE', unit: null, city: null, state: 'IL', postcode: null },
      location: { lat: 41.9066, lng: -87.6709 },
    });
    expect(permits[1]).toMatchObject({ isRoofing: false, location: null, valuationUsd: null });
    // No permit number: kept by its row id; an unreadable date is null, not a guess.
    expect(permits[2]).toMatchObject({ sourceRecordId: 'chicago-il:row:row-3', issuedAt: null, address: { street: null }, location: { lat: 41.9, lng: -87.6 } });
    expect(rejected).toEqual([{ index: 3, reason: expect.stringMatching(/neither a street address nor a location/) }]);
    expect(JSON.stringify(permits)).not.toMatch(/A Person/);
  });

  it('reads Location and Point columns and a whole street line', () => {
    const boston = permitsFromRows(
      [{ permitnumber: 'A1', issued_date: '2017-07-01T10:00:00', description: 'Renovations - Exterior', comments: 'Strip and re-roof', address: '12 Beacon St', zip: '2108', city: 'Boston', location: { latitude: '42.3581', longitude: '-71.0636', human_address: '{}' } }],
      { portal: portal('boston-ma') },
    ).permits[0]!;
    expect(boston).toMatchObject({ isRoofing: true, description: 'Renovations - Exterior — Strip and re-roof', address: { houseNumber: '12', street: 'Beacon St', postcode: null, state: 'MA' }, location: { lat: 42.3581, lng: -71.0636 }, issuedAt: '2017-07-01T14:00:00.000Z' });
    const sf = permitsFromRows([{ permit_number: '2019', issued_date: '2019-01-05T08:00:00.000', description: 'reroofing', street_number: '1', street_name: 'Market', street_suffix: 'St', location: { type: 'Point', coordinates: [-122.39, 37.79] } }], { portal: portal('san-francisco-ca') }).permits[0]!;
    expect(sf).toMatchObject({ address: { street: 'Market St' }, location: { lat: 37.79, lng: -122.39 }, issuedAt: '2019-01-05T16:00:00.000Z', isRoofing: true });
  });

  it('tells roofing work from work on a roof', () => {
    const chicago = portal('chicago-il');
    expect(isRoofingPermit(chicago, null, 'Re-roof existing garage')).toBe(true);
    expect(isRoofingPermit(chicago, null, 'Install roof-mounted solar PV system')).toBe(false);
    expect(isRoofingPermit(chicago, null, 'Replace rooftop units (RTU) on roof')).toBe(false);
    expect(isRoofingPermit(chicago, null, 'Solar panels after tear-off of shingles')).toBe(true);
    expect(isRoofingPermit(chicago, null, 'Kitchen remodel')).toBe(false);
    expect(isRoofingPermit(portal('demo'), 're-roof', null)).toBe(true);
  });

  it('converts floating times across DST edges and back', () => {
    expect(floatingToUtc('2024-11-03T01:30:00.000', 'America/Chicago')).toBe('2024-11-03T06:30:00.000Z'); // the first 01:30 (CDT)
    expect(floatingToUtc('2024-07-04', 'America/New_York')).toBe('2024-07-04T04:00:00.000Z');
    expect(floatingToUtc('2024-02-30T00:00:00', 'America/Chicago')).toBeNull();
    expect(floatingToUtc('2024-05-01T12:00:00Z', 'America/Chicago')).toBe('2024-05-01T12:00:00.000Z');
    expect(utcToFloating('2024-03-10T06:00:00.000Z', 'America/Chicago')).toBe('2024-03-10T00:00:00.000');
  });

  it('says what is wrong with a body instead of returning no rows', () => {
    expect(() => parseSodaRows('{"rows": []}', 'P')).toThrow(/not a list of SODA rows/);
    expect(() => parseSodaRows('[{"a":"1"},', 'P')).toThrow(expect.objectContaining({ kind: 'truncated' }));
    expect(() => parseSodaRows('[1, 2]', 'P')).toThrow(/row 1 is not an object/);
    const noColumn = socrataRefusal(400, { code: 'query.soql.no-such-column', error: true, message: 'No such column: roof_type' }, 'Demo permits');
    expect(noColumn).toMatchObject({ kind: 'refused-by-source', message: expect.stringMatching(/No such column: roof_type.*field mapping or roofing filter/) });
  });

  it('refuses a portal list that breaks the contract', () => {
    const bad = portalListSchema.safeParse([{ ...SEED_PORTALS[0], datasetId: 'permits', timeZone: 'Mars/Olympus' }]);
    expect(bad.error!.issues.map((i) => i.message)).toEqual(expect.arrayContaining([expect.stringMatching(/ydr8-5enu/), expect.stringMatching(/IANA time zone/)]));
  });
});
