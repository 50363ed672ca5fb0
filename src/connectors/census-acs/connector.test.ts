import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { ConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { applyEmulatorBaseUrls, startEmulators, type Emulators, type Fault } from '../../emulators/server';
import { acsQuery, fetchAcsFigures, type AcsFigureRequest } from './connector';
import { censusAcsEmulator } from './emulator';
import { ACS_TEST_TRACTS, acsTestWorld } from './world.testkit';

/** The Census ACS connector against its emulator on loopback: the real request, and every failure as a typed error. */

let emulators: Emulators;
let db: Db;
let cleanup: () => void;
const KEY = 'f'.repeat(40);
const collinTracts: AcsFigureRequest = { vintage: 2022, geography: 'tract', state: '48', county: '085' };

beforeAll(async () => {
  emulators = await startEmulators({ world: acsTestWorld(), routes: [censusAcsEmulator] });
  ({ db, cleanup } = costTestDb('fm-acs-'));
  applyEmulatorBaseUrls(db, emulators.baseUrls);
});
afterAll(async () => {
  await emulators.close();
  cleanup();
});
afterEach(() => emulators.setFaults('census-acs', null));

async function failure(request: AcsFigureRequest, fault?: Fault, options: { timeoutMs?: number; retries?: number } = {}): Promise<ConnectorError> {
  if (fault) emulators.setFaults('census-acs', { fault });
  const error = await fetchAcsFigures(db, request, { retries: 0, timeoutMs: 2_000, ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('fetchAcsFigures', () => {
  it("asks Census's real query and returns the tracts' figures", async () => {
    const result = await fetchAcsFigures(db, collinTracts);
    expect(result.figures).toEqual(ACS_TEST_TRACTS.filter((t) => t.countyFips === '085').map((t) => t.figures));
    const [asked] = emulators.requests('census-acs').slice(-1);
    expect(asked!.path).toBe('/2022/acs/acs5');
    const query = new URLSearchParams(asked!.query);
    expect(query.get('get')).toBe('NAME,B19013_001E,B25035_001E,B25077_001E,B25003_002E,B25003_003E');
    expect(query.get('for')).toBe('tract:*');
    expect(query.get('in')).toBe('state:48 county:085');
    expect(query.has('key')).toBe(false);
    expect(asked!.headers['user-agent']).toMatch(/^FishMouth\//);
  });

  it('passes the key when there is one, and never returns it', async () => {
    const result = await fetchAcsFigures(db, { ...collinTracts, apiKey: KEY });
    expect(new URLSearchParams(emulators.requests('census-acs').at(-1)!.query).get('key')).toBe(KEY);
    expect(result.url).not.toContain(KEY);
    expect(result.url).toContain('key=REDACTED');
  });

  it('reads counties and chosen ZCTAs', async () => {
    const counties = await fetchAcsFigures(db, { vintage: 2022, geography: 'county', state: '48' });
    expect(counties.figures.map((c) => c.geoid)).toEqual(['48085', '48121']);
    const zctas = await fetchAcsFigures(db, { vintage: 2022, geography: 'zcta', zctas: ['75034'] });
    expect(zctas.figures.map((z) => z.geoid)).toEqual(['75034']);
  });

  it('returns an explicit empty list when Census has no rows for the area (HTTP 204)', async () => {
    expect((await fetchAcsFigures(db, { vintage: 2022, geography: 'tract', state: '06' })).figures).toEqual([]);
  });

  it('says to check the key in Settings when Census refuses it', async () => {
    const error = await failure({ ...collinTracts, apiKey: 'wrong' });
    expect(error.kind).toBe('refused-by-source');
    expect(error.message).toContain('check Settings → API keys (Census API key)');
    expect(error.message).not.toContain('wrong');
  });

  it("quotes Census's own reason when it refuses the request", async () => {
    // The emulated World has no block groups; Census answers an unknown nesting this way.
    const refused = await failure({ vintage: 2022, geography: 'block-group', state: '48', county: '085' });
    expect([refused.kind, refused.status]).toEqual(['http-status', 400]);
    expect(refused.message).toBe('The Census ACS API refused the request ("error: unknown/unsupported geography heirarchy"). The vintage, geography or variables may not exist for that year; try another vintage.');
    const unpublished = await failure({ vintage: 2031, geography: 'county', state: '48' });
    expect([unpublished.kind, unpublished.status]).toEqual(['http-status', 404]);
  });

  it('refuses requests Census would refuse before sending them', () => {
    expect(() => acsQuery({ vintage: 2022, geography: 'tract' })).toThrow(/within a state/);
    expect(() => acsQuery({ vintage: 2022, geography: 'tract', state: 'TX' })).toThrow(/two-digit FIPS/);
    expect(() => acsQuery({ vintage: 2005, geography: 'county', state: '48' })).toThrow(/first is 2009/);
    expect(acsQuery({ vintage: 2022, geography: 'zcta' }).for).toBe('zip code tabulation area:*');
  });

  it('waits out a 429 with Retry-After and a 5xx, then answers', async () => {
    emulators.setFaults('census-acs', { fault: { kind: 'rate-limited', retryAfter: 1 }, times: 1 });
    const before = emulators.requests('census-acs').length;
    expect((await fetchAcsFigures(db, collinTracts, { retries: 2 })).figures).toHaveLength(3);
    expect(emulators.requests('census-acs').length - before).toBe(2);
    emulators.setFaults('census-acs', { fault: { kind: 'server-error', status: 503 }, times: 1 });
    expect((await fetchAcsFigures(db, collinTracts, { retries: 2 })).figures).toHaveLength(3);
  });

  it('turns every other failure into a typed error', async () => {
    expect((await failure(collinTracts, { kind: 'rate-limited', retryAfter: 30 })).kind).toBe('rate-limited');
    expect((await failure(collinTracts, { kind: 'server-error', status: 502 })).kind).toBe('server-error');
    const page = await failure(collinTracts, { kind: 'html-error-page', title: 'Census Data API: Maintenance' });
    expect([page.kind, page.message]).toEqual(['html-error-page', expect.stringContaining('"Census Data API: Maintenance"')]);
    expect((await failure(collinTracts, { kind: 'truncated' })).kind).toBe('truncated');
    expect((await failure(collinTracts, { kind: 'wrong-content-type', contentType: 'application/octet-stream' })).kind).toBe('wrong-content-type');
    expect((await failure(collinTracts, { kind: 'malformed', body: '<<<not json>>>' })).kind).toBe('malformed-body');
    expect((await failure(collinTracts, { kind: 'hang' }, { timeoutMs: 300 })).kind).toBe('timeout');
  });
});
