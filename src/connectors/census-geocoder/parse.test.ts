import { describe, expect, it } from 'vitest';
import { geocodeResultSchema } from '../../core/domain/records';
import { ConnectorError } from '../../core/http/errors';
import { censusBatchFile, parseCensusBatch } from './batch';
import { parseCensusOneLine, readCensusJson } from './parse';

/**
 * No real Census geocoder sample is in ../shared/fixtures: these answers are written in the format
 * of the Census Geocoding Services API documentation (its own example address), and the emulator
 * tests check the emulator answers the same way.
 */

const LOCATIONS = {
  result: {
    input: {
      address: { address: '4600 Silver Hill Rd, Washington, DC 20233' },
      benchmark: { isDefault: true, benchmarkDescription: 'Public Address Ranges - Current Benchmark', id: '4', benchmarkName: 'Public_AR_Current' },
    },
    addressMatches: [
      {
        tigerLine: { side: 'L', tigerLineId: '76355984' },
        coordinates: { x: -76.92748724230096, y: 38.84601622386617 },
        addressComponents: {
          zip: '20233',
          streetName: 'SILVER HILL',
          preType: '',
          city: 'WASHINGTON',
          preDirection: '',
          suffixDirection: '',
          fromAddress: '4600',
          state: 'DC',
          suffixType: 'RD',
          toAddress: '4700',
          suffixQualifier: '',
          preQualifier: '',
        },
        matchedAddress: '4600 SILVER HILL RD, WASHINGTON, DC, 20233',
      },
    ],
  },
};

const tractLayer = { GEOID: '24033802405', STATE: '24', COUNTY: '033', TRACT: '802405', NAME: 'Census Tract 8024.05', BASENAME: '8024.05', MTFCC: 'G5020', CENTLAT: '+38.8472318', CENTLON: '-076.9248521' };
const GEOGRAPHIES = {
  result: {
    ...LOCATIONS.result,
    addressMatches: [
      {
        ...LOCATIONS.result.addressMatches[0]!,
        geographies: {
          'Census Tracts': [tractLayer],
          // A layer the Census failed to query comes back as a status entry.
          'Incorporated Places': [{ status: 'Layer query encountered an error: java.lang.RuntimeException: Failed to return' }],
          '2020 Census Blocks': [{ GEOID: '240338024051003', BLOCK: '1003' }],
        },
      },
    ],
  },
};

describe('Census one-line answers', () => {
  it('reads a locations match: point, matched address, parts, house number from the matched text', () => {
    const [result] = parseCensusOneLine(LOCATIONS, '4600 Silver Hill Rd, Washington, DC 20233');
    expect(result).toEqual({
      source: 'census-geocoder',
      query: '4600 Silver Hill Rd, Washington, DC 20233',
      location: { lat: 38.84601622386617, lng: -76.92748724230096 },
      matchedAddress: '4600 SILVER HILL RD, WASHINGTON, DC, 20233',
      address: { houseNumber: '4600', street: 'SILVER HILL RD', unit: null, city: 'WASHINGTON', state: 'DC', postcode: '20233' },
      confidence: 0.9,
      censusTract: null,
      attribution: 'US Census Bureau',
    });
    expect(() => geocodeResultSchema.parse(result)).not.toThrow();
  });

  it('reads the tract of a geographies match, ignoring layers the Census failed to query', () => {
    expect(parseCensusOneLine(GEOGRAPHIES, 'q')[0]!.censusTract).toBe('24033802405');
    const blocksOnly = structuredClone(GEOGRAPHIES);
    delete (blocksOnly.result.addressMatches[0]!.geographies as Record<string, unknown>)['Census Tracts'];
    expect(parseCensusOneLine(blocksOnly, 'q')[0]!.censusTract).toBe('24033802405');
  });

  it('no match is an empty list; several matches are less sure each', () => {
    expect(parseCensusOneLine({ result: { input: {}, addressMatches: [] } }, 'q')).toEqual([]);
    const two = { result: { addressMatches: [LOCATIONS.result.addressMatches[0], { ...LOCATIONS.result.addressMatches[0], matchedAddress: '4600 SILVER HILL RD, SUITLAND, MD, 20746' }] } };
    expect(parseCensusOneLine(two, 'q').map((r) => r.confidence)).toEqual([0.6, 0.6]);
  });

  it('an errors body is a refusal with the Census message', () => {
    expect(() => parseCensusOneLine({ errors: ['Address cannot be empty and cannot exceed 100 characters'], status: '400' }, '')).toThrow(
      expect.objectContaining({ kind: 'refused-by-source', message: expect.stringContaining('cannot exceed 100 characters') }),
    );
  });

  it.each([
    ['no result', { answer: 1 }],
    ['coordinates as text', { result: { addressMatches: [{ ...LOCATIONS.result.addressMatches[0], coordinates: { x: '-76.9', y: '38.8' } }] } }],
    ['coordinates out of range', { result: { addressMatches: [{ ...LOCATIONS.result.addressMatches[0], coordinates: { x: -276.9, y: 38.8 } }] } }],
  ])('%s is a malformed-body naming the Census geocoder', (_name, body) => {
    expect(() => parseCensusOneLine(body, 'q')).toThrow(expect.objectContaining({ kind: 'malformed-body', message: expect.stringContaining('US Census geocoder') }));
  });

  it('cut-off JSON text is truncated', () => {
    expect(() => readCensusJson(JSON.stringify(LOCATIONS).slice(0, 200))).toThrow(expect.objectContaining({ kind: 'truncated' }));
    expect(readCensusJson(JSON.stringify(LOCATIONS))).toEqual(LOCATIONS);
  });
});

const BATCH_LOCATIONS = [
  '"3","350 Fifth Avenue, New York, NY, 10118","Match","Exact","350 5TH AVE, NEW YORK, NY, 10118","-73.985428,40.748817","59659656","R"',
  '"2","79 Nowhere Lane, Faketown, IL, ","No_Match"',
  '"1","100 Main St, Springfield, , ","Tie"',
  '"4","12 Elm St, Anytown, TX, 75001","Match","Non_Exact","12 ELM ST, ADDISON, TX, 75001","-96.83,32.96","12345","L"',
  '',
].join('\n');

describe('Census batch files', () => {
  it('writes the upload as id,street,city,state,zip with quotes only where needed', () => {
    expect(
      censusBatchFile([
        { id: '1', street: '4600 Silver Hill Rd', city: 'Washington', state: 'DC', zip: '20233' },
        { id: 'b-2', street: '12 Elm St, Apt "B"', city: null, state: 'TX', zip: null },
      ]),
    ).toBe('1,4600 Silver Hill Rd,Washington,DC,20233\nb-2,"12 Elm St, Apt ""B""",,TX,\n');
  });

  it('refuses uploads the Census would refuse: empty, over 10,000, repeated ids', () => {
    expect(() => censusBatchFile([])).toThrow(ConnectorError);
    const many = Array.from({ length: 10_001 }, (_, i) => ({ id: String(i), street: '1 A St', city: 'X', state: 'TX', zip: null }));
    expect(() => censusBatchFile(many)).toThrow(/at most 10,000/);
    expect(() => censusBatchFile([many[0]!, many[0]!])).toThrow(/unique/);
  });

  it('reads Match (Exact, Non_Exact), No_Match and Tie lines', () => {
    const { rows, rejected } = parseCensusBatch(BATCH_LOCATIONS);
    expect(rejected).toEqual([]);
    expect(rows.map((r) => [r.id, r.status, r.exact])).toEqual([
      ['3', 'match', true],
      ['2', 'no-match', null],
      ['1', 'tie', null],
      ['4', 'match', false],
    ]);
    expect(rows[0]).toMatchObject({
      input: '350 Fifth Avenue, New York, NY, 10118',
      tigerLineId: '59659656',
      side: 'R',
      result: { location: { lat: 40.748817, lng: -73.985428 }, address: { houseNumber: '350', street: '5TH AVE', city: 'NEW YORK', state: 'NY', postcode: '10118' }, confidence: 0.95, censusTract: null },
    });
    expect(rows[3]!.result!.confidence).toBe(0.75);
  });

  it('reads the geographies columns as the census tract', () => {
    const { rows } = parseCensusBatch('"3","350 Fifth Avenue, New York, NY, 10118","Match","Exact","350 5TH AVE, NEW YORK, NY, 10118","-73.985428,40.748817","59659656","R","36","061","005000","1002"\n');
    expect(rows[0]!.result!.censusTract).toBe('36061005000');
  });

  it('rejects unreadable lines with their line number, keeps the rest', () => {
    const text = `${BATCH_LOCATIONS}"5","x","Match","Exact","5 A ST, X, TX, 75001","east,north","1","L"\n"6","y","Maybe"\n"3","dup","No_Match"\n`;
    const { rows, rejected } = parseCensusBatch(text);
    expect(rows).toHaveLength(4);
    expect(rejected).toEqual([
      { line: 5, id: '5', reason: 'a match without "longitude,latitude" coordinates' },
      { line: 6, id: '6', reason: '"Maybe" is not Match, No_Match or Tie' },
      { line: 7, id: '3', reason: 'id 3 appears twice' },
    ]);
  });

  it('nothing readable, an HTML page, or a cut-off quote is a typed error', () => {
    expect(() => parseCensusBatch('"1","x","Maybe"\n')).toThrow(expect.objectContaining({ kind: 'malformed-body' }));
    expect(() => parseCensusBatch('')).toThrow(expect.objectContaining({ kind: 'malformed-body' }));
    expect(() => parseCensusBatch('<!DOCTYPE html><html><head><title>Service Unavailable</title></head></html>')).toThrow(
      expect.objectContaining({ kind: 'html-error-page', message: expect.stringContaining('Service Unavailable') }),
    );
    expect(() => parseCensusBatch(BATCH_LOCATIONS.slice(0, BATCH_LOCATIONS.indexOf('NEW YORK, NY, 10118"')))).toThrow(expect.objectContaining({ kind: 'truncated' }));
  });
});
