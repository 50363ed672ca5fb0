import { describe, expect, it } from 'vitest';
import { createDemoWorld } from '../../demo/world';
import { censusAcsEmulator } from './emulator';
import { parseAcsResponse } from './parse';
import { ACS_TEST_TRACTS, acsTestWorld } from './world.testkit';
import { sharedFixtures } from '../../core/testing/fixtures';
import type { EmulatorResponse } from '../../emulators/route-types';

const world = acsTestWorld();
const GET = 'NAME,B19013_001E,B25035_001E,B25077_001E,B25003_002E,B25003_003E';

async function ask(path: string, query: Record<string, string>): Promise<EmulatorResponse> {
  return censusAcsEmulator.handle({ method: 'GET', path, query: new URLSearchParams(query), headers: {}, body: Buffer.alloc(0) }, world);
}
const text = (response: EmulatorResponse) => String(response.body);

describe('Census ACS emulator', () => {
  it("answers a county's tracts that the parser reads back as the World's figures", async () => {
    const response = await ask('/2022/acs/acs5', { get: GET, for: 'tract:*', in: 'state:48 county:085' });
    expect(response.status).toBe(200);
    const { figures, rejected } = parseAcsResponse(text(response), { vintage: 2022, geography: 'tract' });
    expect(rejected).toEqual([]);
    expect(figures).toEqual(ACS_TEST_TRACTS.filter((t) => t.countyFips === '085').map((t) => t.figures));
  });

  it('takes the nesting as one or several `in` parameters', async () => {
    const split = await censusAcsEmulator.handle(
      { method: 'GET', path: '/2022/acs/acs5', query: new URLSearchParams(`get=${GET}&for=tract:*&in=state:48&in=county:121`), headers: {}, body: Buffer.alloc(0) },
      world,
    );
    expect(parseAcsResponse(text(split), { vintage: 2022, geography: 'tract' }).figures.map((f) => f.geoid)).toEqual(['48121021704']);
  });

  it('writes the real layout: header first, strings, geography columns last, one row per line, sentinels for withheld medians', async () => {
    const body = text(await ask('/2022/acs/acs5', { get: GET, for: 'tract:*', in: 'state:48 county:085' }));
    const lines = body.split('\n');
    expect(lines[0]).toBe('[["NAME","B19013_001E","B25035_001E","B25077_001E","B25003_002E","B25003_003E","state","county","tract"],');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('["Census Tract 9801.00, Collin County, Texas","-666666666","-666666666","-666666666","0","0","48","085","980100"]]');
  });

  it('has the same shape as the real answer: the real excerpt and the emulator parse to records with the same fields', async () => {
    const real = sharedFixtures('census-acs');
    const emulated = parseAcsResponse(text(await ask('/2018/acs/acs5', { get: 'NAME,B19013_001E', for: 'county:*', in: 'state:48' })), { vintage: 2018, geography: 'county' });
    expect(emulated.figures.map((f) => f.geoid)).toEqual(['48085', '48121']);
    expect(emulated.figures[0]).toMatchObject({ name: 'Collin County, Texas', medianYearBuilt: null });
    if (!real.present) return;
    const actual = parseAcsResponse(real.text('excerpt_real_response_acs5_2018_B19013_MD_counties_PARTIAL.json'), { vintage: 2018, geography: 'county' });
    expect(Object.keys(emulated.figures[0]!).sort()).toEqual(Object.keys(actual.figures[0]!).sort());
    expect(text(await ask('/2018/acs/acs5', { get: 'NAME,B19013_001E', for: 'county:*', in: 'state:48' })).split('\n')[0]).toBe('[["NAME","B19013_001E","state","county"],');
  });

  it('aggregates counties and ZCTAs from the tracts', async () => {
    const counties = parseAcsResponse(text(await ask('/2022/acs/acs5', { get: GET, for: 'county:*', in: 'state:48' })), { vintage: 2022, geography: 'county' }).figures;
    const collin = counties.find((c) => c.geoid === '48085')!;
    expect(collin.ownerOccupiedUnits).toBe(1_412 + 903);
    expect(collin.medianHouseholdIncomeUsd).toBeGreaterThan(71_030);
    expect(collin.medianHouseholdIncomeUsd).toBeLessThan(96_250);
    const zctas = parseAcsResponse(text(await ask('/2022/acs/acs5', { get: GET, for: 'zip code tabulation area:*' })), { vintage: 2022, geography: 'zcta' }).figures;
    expect(zctas.map((z) => [z.geoid, z.name])).toEqual([
      ['75034', 'ZCTA5 75034'],
      ['75074', 'ZCTA5 75074'],
    ]);
    expect(zctas[0]!.medianHomeValueUsd).toBe(455_000);
  });

  it('refuses like Census: unknown variables, geographies, vintages, keys; 204 for no rows', async () => {
    const unknown = await ask('/2022/acs/acs5', { get: 'NAME,B19013_001X', for: 'tract:*', in: 'state:48' });
    expect([unknown.status, text(unknown)]).toEqual([400, "error: error: unknown variable 'B19013_001X'"]);
    const hierarchy = await ask('/2022/acs/acs5', { get: GET, for: 'tract:*' });
    expect([hierarchy.status, text(hierarchy)]).toEqual([400, 'error: unknown/unsupported geography heirarchy']);
    expect((await ask('/2031/acs/acs5', { get: GET, for: 'county:*', in: 'state:48' })).status).toBe(404);
    const key = await ask('/2022/acs/acs5', { get: GET, for: 'county:*', in: 'state:48', key: 'not-a-key' });
    expect([key.status, key.headers?.location]).toEqual([302, '/census-acs/invalid_key.html']);
    const page = await ask('/invalid_key.html', {});
    expect(text(page)).toContain('<title>Invalid Key</title>');
    expect(() => parseAcsResponse(text(page), { vintage: 2022, geography: 'county' })).toThrow(/refused the API key/);
    const none = await ask('/2022/acs/acs5', { get: GET, for: 'tract:*', in: 'state:06' });
    expect([none.status, text(none)]).toEqual([204, '']);
  });
});

describe('Census ACS emulator on the demo territory', () => {
  it("serves the demo's tracts and their county, names in the 2023 style", async () => {
    const demo = createDemoWorld({ properties: 2_000, asOf: '2025-06-01' });
    const [first] = demo.tracts();
    const ask2 = (query: Record<string, string>) =>
      censusAcsEmulator.handle({ method: 'GET', path: '/2023/acs/acs5', query: new URLSearchParams(query), headers: {}, body: Buffer.alloc(0) }, demo);
    const tracts = parseAcsResponse(text(await ask2({ get: GET, for: 'tract:*', in: `state:${first!.stateFips} county:${first!.countyFips}` })), { vintage: 2023, geography: 'tract' });
    expect(tracts.rejected).toEqual([]);
    expect(tracts.figures).toEqual(demo.tracts().map((t) => t.figures));
    const [county] = parseAcsResponse(text(await ask2({ get: GET, for: 'county:*', in: `state:${first!.stateFips}` })), { vintage: 2023, geography: 'county' }).figures;
    expect(county!.name).toBe(first!.name.split('; ').slice(1).join('; '));
  });
});
