import { describe, expect, it } from 'vitest';
import { geocodeResultSchema } from '../../core/domain/records';
import { ConnectorError } from '../../core/http/errors';
import { sharedFixtures } from '../../core/testing/fixtures';
import { NOMINATIM_ATTRIBUTION, parseNominatimReverse, parseNominatimSearch, readNominatimJson } from './parse';

const fixtures = sharedFixtures('osm-nominatim');

/** The osmnx file: query line, raw /search JSON line, blank line. */
function osmnxTriples(): { query: string; body: string }[] {
  const lines = fixtures.text('osmnx_nominatim-responses.txt').split('\n');
  const triples: { query: string; body: string }[] = [];
  for (let i = 0; i + 1 < lines.length; i += 3) if (lines[i]!.trim()) triples.push({ query: lines[i]!.trim(), body: lines[i + 1]! });
  return triples;
}

/** Today's Nominatim: ids as numbers (the old answers had strings). */
function withNumericIds(body: string): unknown {
  return (JSON.parse(body) as Record<string, unknown>[]).map((place) => ({ ...place, place_id: Number(place.place_id), osm_id: Number(place.osm_id) }));
}

describe.skipIf(!fixtures.present)('Nominatim search on the real samples', () => {
  it('reads every recorded osmnx answer (2017 string ids) into valid geocodes', () => {
    const triples = osmnxTriples();
    expect(triples.map((t) => t.query)).toContain('350 5th Ave, New York, NY');
    expect(triples).toHaveLength(8);
    for (const { query, body } of triples) {
      const results = parseNominatimSearch(readNominatimJson(body), query);
      expect(results, query).toHaveLength(1);
      expect(() => geocodeResultSchema.parse(results[0])).not.toThrow();
      expect(results[0]!.attribution).toBe(NOMINATIM_ATTRIBUTION);
    }
  });

  it('reads a building answer without an address block from its display name', () => {
    const triple = osmnxTriples().find((t) => t.query === '350 5th Ave, New York, NY')!;
    const [result] = parseNominatimSearch(readNominatimJson(triple.body), triple.query);
    expect(result).toMatchObject({
      query: '350 5th Ave, New York, NY',
      location: { lat: 40.67218135, lng: -73.9844516483024 },
      address: { houseNumber: '350', street: '5th Avenue', state: 'NY', postcode: '11215', city: null },
    });
    expect(result!.confidence).toBeCloseTo(0.85 + 0.0611, 3);
  });

  it('ranks a street-only match well below a house', () => {
    const triple = osmnxTriples().find((t) => t.query.startsWith('398 N. Sicily'))!;
    const [street] = parseNominatimSearch(readNominatimJson(triple.body), triple.query);
    expect(street!.address).toMatchObject({ houseNumber: null, state: 'AZ', postcode: '85226' });
    expect(street!.confidence).toBeLessThan(0.6);
    const city = osmnxTriples().find((t) => t.query === 'Piedmont, California, USA')!;
    expect(parseNominatimSearch(readNominatimJson(city.body), city.query)[0]!.confidence).toBeLessThan(0.3);
  });

  it('reads the same answers with numeric ids (the current format) identically', () => {
    for (const { query, body } of osmnxTriples()) {
      expect(parseNominatimSearch(withNumericIds(body), query)).toEqual(parseNominatimSearch(readNominatimJson(body), query));
    }
  });

  it('reads a jsonv2 answer (category, place_rank, address block) outside the US without inventing US parts', () => {
    const [ottawa] = parseNominatimSearch(readNominatimJson(fixtures.text('geocoder_osm_search.json')), 'Ottawa, Ontario');
    expect(ottawa).toMatchObject({ address: { city: 'Ottawa', state: null, postcode: null }, matchedAddress: 'Ottawa, Ontario, Canada' });
    expect(ottawa!.confidence).toBeCloseTo(0.15 + 0.0897, 3);
  });

  it('reads a Nominatim-compatible reverse answer (strings for ids and bounding box)', () => {
    const [place] = readNominatimJson(fixtures.text('geocoder_locationiq_reverse_nominatim_compatible.json')) as unknown[];
    const result = parseNominatimReverse(place, { lat: 45.4208, lng: -75.6901 }, '© OpenStreetMap contributors, ODbL 1.0; © LocationIQ');
    expect(result).toMatchObject({
      query: '45.4208,-75.6901',
      address: { houseNumber: '110', street: 'Laurier Avenue West', city: 'Ottawa', state: null, postcode: null },
      attribution: '© OpenStreetMap contributors, ODbL 1.0; © LocationIQ',
    });
    expect(result!.confidence).toBeGreaterThan(0.85);
  });
});

describe('Nominatim answers that are not places', () => {
  const point = { lat: 33.02, lng: -96.7 };
  const current = {
    place_id: 297_117_016,
    licence: 'Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright',
    osm_type: 'way',
    osm_id: 900_000_001,
    lat: '33.0200000',
    lon: '-96.7000000',
    category: 'building',
    type: 'house',
    place_rank: 30,
    importance: 0.00000999,
    addresstype: 'building',
    name: '',
    display_name: '1201, Maple Avenue, Plano, Collin County, Texas, 75074, United States',
    address: { house_number: '1201', road: 'Maple Avenue', city: 'Plano', county: 'Collin County', state: 'Texas', 'ISO3166-2-lvl4': 'US-TX', postcode: '75074', country: 'United States', country_code: 'us' },
    boundingbox: ['33.0199', '33.0201', '-96.7001', '-96.6999'],
  };

  it('reads a current jsonv2 house with its US state code', () => {
    expect(parseNominatimReverse(current, point)).toMatchObject({
      address: { houseNumber: '1201', street: 'Maple Avenue', city: 'Plano', state: 'TX', postcode: '75074', unit: null },
      confidence: 0.85,
    });
  });

  it('"Unable to geocode" is no result, an empty list is no match; neither is an error', () => {
    expect(parseNominatimReverse({ error: 'Unable to geocode' }, point)).toBeNull();
    expect(parseNominatimSearch([], '1 Nowhere Rd')).toEqual([]);
  });

  it('an error object is a refusal with its message', () => {
    const error = (() => {
      try {
        parseNominatimSearch({ error: { code: 400, message: 'Parameter q or structured parameters required.' } }, '');
      } catch (caught) {
        return caught as ConnectorError;
      }
    })();
    expect(error).toMatchObject({ kind: 'refused-by-source', source: 'nominatim' });
    expect(error!.message).toContain('structured parameters required');
  });

  it.each([
    ['a search answer that is an object', { places: [] }],
    ['coordinates out of range', [{ ...current, lat: '95.1' }]],
    ['coordinates that are not numbers', [{ ...current, lon: 'east' }]],
    ['a place without a name', [{ ...current, display_name: '' }]],
  ])('%s is a malformed-body naming the source', (_name, body) => {
    expect(() => parseNominatimSearch(body, 'q')).toThrow(ConnectorError);
    try {
      parseNominatimSearch(body, 'q');
    } catch (error) {
      expect(error).toMatchObject({ kind: 'malformed-body' });
      expect((error as Error).message).toContain('Nominatim');
    }
  });

  it('cut-off text is truncated, other junk malformed', () => {
    expect(() => readNominatimJson('[{"place_id":1,"lat":"33.0')).toThrow(expect.objectContaining({ kind: 'truncated' }));
    expect(() => readNominatimJson('<html>oops</html>')).toThrow(expect.objectContaining({ kind: 'malformed-body' }));
    expect(() => readNominatimJson('')).toThrow(expect.objectContaining({ kind: 'malformed-body' }));
  });
});
