import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../core/http/errors';
import { sharedFixtures } from '../../core/testing/fixtures';
import { acsNumber, parseAcsResponse } from './parse';

const fixtures = sharedFixtures('census-acs');
const MARYLAND = 'excerpt_real_response_acs5_2018_B19013_MD_counties_PARTIAL.json';

const HEADER = ['NAME', 'B19013_001E', 'B25035_001E', 'B25077_001E', 'B25003_002E', 'B25003_003E', 'state', 'county', 'tract'];

function caught(attempt: () => unknown): ConnectorError {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error('expected a ConnectorError');
}

describe.skipIf(!fixtures.present)('Census ACS: the real Maryland counties answer (partial excerpt)', () => {
  it('reads each county with its GEOID from state + county and its median household income', () => {
    const body = fixtures.text(MARYLAND);
    const { figures, rejected } = parseAcsResponse(body, { vintage: 2018, geography: 'county' });
    expect(rejected).toEqual([]);
    expect(figures).toHaveLength(9);
    expect(figures[0]).toEqual({
      geoid: '24047',
      geography: 'county',
      name: 'Worcester County, Maryland',
      vintage: 2018,
      medianHouseholdIncomeUsd: 61145,
      // Not requested in that call: unknown, not zero.
      medianYearBuilt: null,
      medianHomeValueUsd: null,
      ownerOccupiedUnits: null,
      renterOccupiedUnits: null,
    });
    expect(figures.find((f) => f.geoid === '24027')?.medianHouseholdIncomeUsd).toBe(117730);
    expect(new Set(figures.map((f) => f.geoid)).size).toBe(9);
  });

  it('refuses that answer read as tracts: it has no tract column', () => {
    const body = fixtures.text(MARYLAND);
    expect(caught(() => parseAcsResponse(body, { vintage: 2018, geography: 'tract' })).message).toMatch(/needs the geography column "tract"/);
  });
});

describe('Census ACS: the format rules', () => {
  it('reads tracts with all five variables and turns every sentinel into null', () => {
    const body = JSON.stringify([
      HEADER,
      ['Census Tract 1.01, Travis County, Texas', '78250', '1984', '412300', '1180', '622', '48', '453', '000101'],
      ['Census Tract 9800, Travis County, Texas', '-666666666', '-999999999', '-888888888', '0', '0', '48', '453', '980000'],
      ['Census Tract 2, Travis County, Texas', '-222222222', '0', '2000001', null, '-333333333', '48', '453', '000200'],
    ]).replace(/\],\[/g, '],\n[');
    const { figures, rejected } = parseAcsResponse(body, { vintage: 2022, geography: 'tract' });
    expect(rejected).toEqual([]);
    expect(figures.map((f) => f.geoid)).toEqual(['48453000101', '48453980000', '48453000200']);
    expect(figures[0]).toMatchObject({ medianHouseholdIncomeUsd: 78250, medianYearBuilt: 1984, medianHomeValueUsd: 412300, ownerOccupiedUnits: 1180, renterOccupiedUnits: 622 });
    expect(figures[1]).toMatchObject({ medianHouseholdIncomeUsd: null, medianYearBuilt: null, medianHomeValueUsd: null, ownerOccupiedUnits: 0, renterOccupiedUnits: 0 });
    expect(figures[2]).toMatchObject({ medianHouseholdIncomeUsd: null, medianYearBuilt: null, medianHomeValueUsd: 2000001, ownerOccupiedUnits: null, renterOccupiedUnits: null });
  });

  it('reads ZCTAs, with or without the state column of older vintages', () => {
    const vars = HEADER.slice(0, 6);
    const modern = JSON.stringify([[...vars, 'zip code tabulation area'], ['ZCTA5 78701', '98000', '1999', '550000', '2100', '9000', '78701']]);
    const older = JSON.stringify([[...vars, 'state', 'zip code tabulation area'], ['ZCTA5 78701', '98000', '1999', '550000', '2100', '9000', '48', '78701']]);
    expect(parseAcsResponse(modern, { vintage: 2022, geography: 'zcta' }).figures[0]).toMatchObject({ geoid: '78701', name: 'ZCTA5 78701' });
    expect(parseAcsResponse(older, { vintage: 2018, geography: 'zcta' }).figures[0]!.geoid).toBe('78701');
  });

  it('takes an empty answer (HTTP 204) as an area with no rows', () => {
    expect(parseAcsResponse('', { vintage: 2022, geography: 'tract' })).toEqual({ figures: [], rejected: [] });
  });

  it('rejects unreadable rows with their index and reason, and keeps the rest', () => {
    const body = JSON.stringify([
      HEADER,
      ['A', '1', '1990', '1', '1', '1', '48', '453', '000101'],
      ['B', 'lots', '1990', '1', '1', '1', '48', '453', '000102'],
      ['C', '1', '1990', '1', '1', '48', '453', '000103'],
      ['D', '1', '1990', '1', '1', '1', '48', '45', '000104'],
      ['E', '1', '2999', '1', '1', '1', '48', '453', '000105'],
      'not a row',
    ]);
    const { figures, rejected } = parseAcsResponse(body, { vintage: 2022, geography: 'tract' });
    expect(figures.map((f) => f.name)).toEqual(['A']);
    expect(rejected).toEqual([
      { row: 2, reason: 'B19013_001E: "lots" is not a number' },
      { row: 3, reason: 'the row has 8 values but the header has 9' },
      { row: 4, reason: 'county "45" is not a 3-digit code' },
      { row: 5, reason: expect.stringMatching(/^B25035_001E: /) },
      { row: 6, reason: 'the row is not an array of values' },
    ]);
  });

  it("turns Census's refusals into errors that say what to do", () => {
    const invalidKey = `<html><head><title>Invalid Key</title></head><body><div class="flex-container content"><h1>Invalid Key</h1>
      <p>A valid <em>key</em> must be included with each data API request. You included a key with this request, however, it is not valid.</p></div></body></html>`;
    const key = caught(() => parseAcsResponse(invalidKey, { vintage: 2022, geography: 'tract' }));
    expect(key.kind).toBe('refused-by-source');
    expect(key.message).toContain('check Settings → API keys (Census API key)');

    const textKey = caught(() => parseAcsResponse('error: Invalid Key. Please check your key and try again.', { vintage: 2022, geography: 'tract' }));
    expect(textKey.kind).toBe('refused-by-source');

    const unknown = caught(() => parseAcsResponse("error: error: unknown variable 'B19013_001X'", { vintage: 2022, geography: 'tract' }));
    expect(unknown.kind).toBe('http-status');
    expect(unknown.message).toContain("unknown variable 'B19013_001X'");

    const maintenance = caught(() => parseAcsResponse('<!DOCTYPE html><html><head><title>Service Unavailable</title></head></html>', { vintage: 2022, geography: 'tract' }));
    expect(maintenance.kind).toBe('html-error-page');
    expect(maintenance.message).toContain('"Service Unavailable"');
  });

  it('refuses answers that are not the ACS format', () => {
    expect(caught(() => parseAcsResponse('{"rows":[]}', { vintage: 2022, geography: 'tract' })).message).toMatch(/header row first/);
    expect(caught(() => parseAcsResponse('[["NAME","B01001_001E","state","county","tract"]]', { vintage: 2022, geography: 'tract' })).message).toMatch(/none of the variables/);
    expect(caught(() => parseAcsResponse('[["NAME","B19013_001E"', { vintage: 2022, geography: 'tract' })).kind).toBe('truncated');
    expect(caught(() => parseAcsResponse('NAME,B19013_001E', { vintage: 2022, geography: 'tract' })).kind).toBe('malformed-body');
  });

  it('reads ACS numbers', () => {
    expect(acsNumber('61145')).toBe(61145);
    expect(acsNumber('-666666666')).toBeNull();
    expect(acsNumber('-1')).toBeNull();
    expect(acsNumber(null)).toBeNull();
    expect(acsNumber('12.5')).toBe(13);
    expect(acsNumber('1e9')).toEqual({ invalid: '"1e9" is not a number' });
  });
});
