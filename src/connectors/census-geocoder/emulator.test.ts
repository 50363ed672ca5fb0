import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { sourcePolicy } from '../../core/cost/sources';
import { geocodeResultSchema } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { ConnectorError } from '../../core/http/errors';
import { applyEmulatorBaseUrls, startEmulators, type Emulators } from '../../emulators/server';
import { tinyWorld } from '../../emulators/tiny-world';
import { parseCensusBatch } from './batch';
import { geocodeCensusBatch, geocodeCensusOneLine } from './connector';
import { censusGeocoderEmulator } from './emulator';
import { parseCensusOneLine } from './parse';

/**
 * No real Census geocoder sample exists in ../shared/fixtures, so THIS is the format check: the
 * emulator's answers have the documented shape, and the parsers read them into results that agree
 * with the World.
 */

const world = tinyWorld();
const houses = world.buildingsIn(world.bbox);
const TRACT = '48085031611';
let emulators: Emulators;
const test = costTestDb('fm-census-geo-emu-');
const db = test.db;

beforeAll(async () => {
  emulators = await startEmulators({ world, routes: [censusGeocoderEmulator] });
  applyEmulatorBaseUrls(db, emulators.baseUrls);
});
afterAll(async () => {
  await emulators.close();
  test.cleanup();
});

const raw = (path: string, query: Record<string, string>) => httpRequest(sourcePolicy(db, 'census-geocoder')!, { path, query, expect: 'json', retries: 0 });

describe('Census geocoder emulator: one-line', () => {
  it('answers in the documented JSON shape', async () => {
    const { body } = await raw('/geographies/onelineaddress', { address: '1203 Maple Ave, Plano, TX 75074', benchmark: 'Public_AR_Current', vintage: 'Current_Current', format: 'json' });
    const result = (body as { result: { input: Record<string, Record<string, unknown>>; addressMatches: Record<string, unknown>[] } }).result;
    expect(result.input.address).toEqual({ address: '1203 Maple Ave, Plano, TX 75074' });
    expect(result.input.benchmark).toMatchObject({ benchmarkName: 'Public_AR_Current', id: '4', isDefault: true });
    expect(result.input.vintage).toMatchObject({ vintageName: 'Current_Current', id: '4' });
    const [match] = result.addressMatches;
    expect(match).toMatchObject({
      matchedAddress: '1203 MAPLE AVE, PLANO, TX, 75074',
      coordinates: { x: houses[1]!.centroid.lng, y: houses[1]!.centroid.lat },
      tigerLine: { side: 'L', tigerLineId: expect.stringMatching(/^\d+$/) },
      addressComponents: { streetName: 'MAPLE', suffixType: 'AVE', preDirection: '', city: 'PLANO', state: 'TX', zip: '75074', fromAddress: '1201', toAddress: '1299' },
    });
    expect(Object.keys(match!.addressComponents as object).sort()).toEqual(
      ['city', 'fromAddress', 'preDirection', 'preQualifier', 'preType', 'state', 'streetName', 'suffixDirection', 'suffixQualifier', 'suffixType', 'toAddress', 'zip'].sort(),
    );
    const tracts = (match!.geographies as Record<string, Record<string, unknown>[]>)['Census Tracts']!;
    expect(tracts[0]).toMatchObject({ GEOID: TRACT, STATE: '48', COUNTY: '085', TRACT: '031611', NAME: 'Census Tract 316.11', MTFCC: 'G5020' });
  });

  it('the connector reads it into the World’s house, with its tract for geographies', async () => {
    const [located] = await geocodeCensusOneLine(db, '1203 Maple Ave, Plano, TX 75074', { returntype: 'locations' });
    expect(located).toMatchObject({
      source: 'census-geocoder',
      location: houses[1]!.centroid,
      address: { houseNumber: '1203', street: 'MAPLE AVE', city: 'PLANO', state: 'TX', postcode: '75074' },
      confidence: 0.9,
      censusTract: null,
      attribution: 'US Census Bureau',
    });
    const [placed] = await geocodeCensusOneLine(db, '1203 Maple Avenue, Plano, Texas');
    expect(placed!.censusTract).toBe(TRACT);
    expect(await geocodeCensusOneLine(db, '77 Nowhere Rd, Plano, TX 75074')).toEqual([]);
  });

  it('refuses as the Census does: {"errors":[…]} with 400, and an HTML page for format=html', async () => {
    const refused = (query: Record<string, string>) => raw('/locations/onelineaddress', query).catch((error: ConnectorError) => error);
    expect(await refused({ address: '1 Main St', format: 'json' })).toMatchObject({ kind: 'http-status', status: 400, message: expect.stringContaining('Benchmark must be specified') });
    expect(await refused({ address: '1 Main St', benchmark: 'Nope', format: 'json' })).toMatchObject({ status: 400, message: expect.stringContaining('Invalid Benchmark') });
    expect(await refused({ address: 'x'.repeat(101), benchmark: '4', format: 'json' })).toMatchObject({ status: 400, message: expect.stringContaining('cannot exceed 100 characters') });
    expect(await raw('/geographies/onelineaddress', { address: '1 Main St', benchmark: '4', format: 'json' }).catch((e: ConnectorError) => e)).toMatchObject({ status: 400, message: expect.stringContaining('Vintage') });
    expect(await refused({ address: '1 Main St', benchmark: '4' })).toMatchObject({ kind: 'html-error-page' });
  });

  it('its answers parse into results of the same shape as the documented sample', async () => {
    const { body } = await raw('/locations/onelineaddress', { address: '1201 Maple Ave, Plano, TX 75074', benchmark: '4', format: 'json' });
    const fromEmulator = parseCensusOneLine(body, 'q')[0]!;
    expect(() => geocodeResultSchema.parse(fromEmulator)).not.toThrow();
    expect(Object.keys(fromEmulator).sort()).toEqual(Object.keys(geocodeResultSchema.shape).sort());
  });
});

describe('Census geocoder emulator: batch', () => {
  const addresses = [
    { id: 'a', street: '1201 Maple Avenue', city: 'Plano', state: 'TX', zip: '75074' },
    { id: 'b', street: '1205 Maple Ave', city: 'Plano', state: 'TX', zip: null },
    { id: 'c', street: '9 Nowhere Rd', city: 'Plano', state: 'TX', zip: '75074' },
    { id: 'd', street: '1211 MAPLE AVE', city: 'Plano', state: 'TX', zip: '75074' },
  ];

  it('answers quoted CSV lines, out of order, with the geographies columns', async () => {
    const { bodyText, lines } = await uploadRaw('/geographies/addressbatch', addresses, { vintage: 'Current_Current' });
    expect(lines.map((line) => line.slice(0, 4))).toEqual(['"d",', '"c",', '"b",', '"a",']);
    expect(lines[3]).toBe(
      `"a","1201 Maple Avenue, Plano, TX, 75074","Match","Exact","1201 MAPLE AVE, PLANO, TX, 75074","${houses[0]!.centroid.lng.toFixed(6)},${houses[0]!.centroid.lat.toFixed(6)}","${lines[3]!.split('","')[6]}","L","48","085","031611","${lines[3]!.split('","')[11]!.replace('"', '')}"`,
    );
    expect(lines[1]).toBe('"c","9 Nowhere Rd, Plano, TX, 75074","No_Match"');
    expect(lines[2]).toContain('"Non_Exact"');
    expect(parseCensusBatch(bodyText).rows).toHaveLength(4);
    const { lines: located } = await uploadRaw('/locations/addressbatch', addresses, {});
    expect(located[0]!.split('","')).toHaveLength(8);
  });

  it('the connector gives the rows back in the order sent, agreeing with the World', async () => {
    const rows = await geocodeCensusBatch(db, addresses);
    expect(rows.map((r) => [r.id, r.status, r.exact])).toEqual([
      ['a', 'match', true],
      ['b', 'match', false],
      ['c', 'no-match', null],
      ['d', 'match', true],
    ]);
    expect(rows[0]!.result).toMatchObject({ location: { lat: houses[0]!.centroid.lat, lng: houses[0]!.centroid.lng }, censusTract: TRACT, confidence: 0.95 });
    expect(rows[3]!.result!.address.houseNumber).toBe('1211');
  });

  it('splits more than 10,000 addresses into uploads of at most 10,000', async () => {
    const before = emulators.requests('census-geocoder').length;
    const many = Array.from({ length: 10_003 }, (_, i) => ({ id: `r${i}`, street: `${1201 + 2 * (i % 6)} Maple Ave`, city: 'Plano', state: 'TX', zip: i % 7 === 0 ? '75000' : '75074' }));
    const rows = await geocodeCensusBatch(db, many, { returntype: 'locations' });
    expect(emulators.requests('census-geocoder').length - before).toBe(2);
    expect(rows.map((r) => r.id)).toEqual(many.map((a) => a.id));
    expect(rows.filter((r) => r.status === 'no-match')).toHaveLength(many.filter((a) => a.zip === '75000').length);
  });

  it('refuses a batch without its file or benchmark, in plain text', async () => {
    const policy = sourcePolicy(db, 'census-geocoder')!;
    const error = await httpRequest(policy, { path: '/locations/addressbatch', multipart: { benchmark: 'Public_AR_Current' }, expect: 'text', retries: 0 }).catch((e: ConnectorError) => e);
    expect(error).toMatchObject({ kind: 'http-status', status: 400, message: expect.stringContaining('addressFile is required') });
  });
});

async function uploadRaw(path: string, addresses: { id: string; street: string; city: string; state: string; zip: string | null }[], extra: Record<string, string>) {
  const file = addresses.map((a) => [a.id, a.street, a.city, a.state, a.zip ?? ''].join(',')).join('\n');
  const response = await httpRequest(sourcePolicy(db, 'census-geocoder')!, {
    path,
    multipart: { addressFile: { filename: 'a.csv', content: file, contentType: 'text/csv' }, benchmark: 'Public_AR_Current', ...extra },
    expect: 'text',
    accept: ['text/plain'],
  });
  const bodyText = response.body as string;
  return { bodyText, lines: bodyText.trim().split('\n') };
}
