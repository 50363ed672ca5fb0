import { parse as parseCsv } from 'csv-parse/sync';
import { normaliseAddress, parseOneLineAddress } from '../../core/address';
import { STREET_SUFFIXES } from '../../core/address/usps-tables';
import type { PostalAddress } from '../../core/domain/records';
import { addressIndexOf, type AddressedPlace } from '../../emulators/address-index';
import { htmlPage, jsonAnswer, notFound, textAnswer } from '../../emulators/respond';
import type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World } from '../../emulators/world';

/**
 * The US Census geocoder (https://geocoding.geo.census.gov/geocoder/) from a World's addressed
 * buildings and parcels:
 *   GET  /locations/onelineaddress  ?address&benchmark&format=json
 *   GET  /geographies/onelineaddress ?address&benchmark&vintage&format=json   (+ tract, county, state, block)
 *   POST /locations/addressbatch, /geographies/addressbatch   multipart: addressFile, benchmark[, vintage]
 * Refusals as the Census sends them: {"errors":[…],"status":"400"} for one-line requests, plain text for
 * batches; format other than json gets the HTML results page, as on the real site.
 *
 * Note: no real Census geocoder sample is in ../shared/fixtures, so this emulator's formats are
 * written from the Census Geocoding Services API documentation; its tests are the format check.
 */

const BENCHMARKS: Record<string, { id: string; name: string; description: string }> = {
  Public_AR_Current: { id: '4', name: 'Public_AR_Current', description: 'Public Address Ranges - Current Benchmark' },
  '4': { id: '4', name: 'Public_AR_Current', description: 'Public Address Ranges - Current Benchmark' },
  Public_AR_Census2020: { id: '2020', name: 'Public_AR_Census2020', description: 'Public Address Ranges - Census 2020 Benchmark' },
  '2020': { id: '2020', name: 'Public_AR_Census2020', description: 'Public Address Ranges - Census 2020 Benchmark' },
};
const VINTAGES: Record<string, { id: string; name: string; description: string }> = {
  Current_Current: { id: '4', name: 'Current_Current', description: 'Current Vintage - Current Benchmark' },
  '4': { id: '4', name: 'Current_Current', description: 'Current Vintage - Current Benchmark' },
  Census2020_Current: { id: '410', name: 'Census2020_Current', description: 'Census2020 Vintage - Current Benchmark' },
};
const MAX_BATCH = 10_000;

export const censusGeocoderEmulator: EmulatorRoute = {
  source: 'census-geocoder',
  prefix: '/census-geocoder',
  async handle(request: EmulatorRequest, world: World): Promise<EmulatorResponse> {
    const [, returntype, operation] = /^\/(locations|geographies)\/(onelineaddress|addressbatch)\/?$/.exec(request.path) ?? [];
    if (!returntype || !operation) return notFound(request.path);
    const geographies = returntype === 'geographies';
    if (operation === 'onelineaddress') return oneLine(request.query, world, geographies);
    if (request.method !== 'POST') return textAnswer('The batch geocoder takes a POST with a multipart addressFile.\n', { status: 405 });
    return batch(request, world, geographies);
  },
};

const refuse = (...errors: string[]) => jsonAnswer({ errors, status: '400' }, { status: 400 });

function oneLine(query: URLSearchParams, world: World, geographies: boolean): EmulatorResponse {
  const benchmark = BENCHMARKS[query.get('benchmark') ?? ''];
  if (!query.get('benchmark')) return refuse('Benchmark must be specified');
  if (!benchmark) return refuse('Invalid Benchmark');
  const vintage = geographies ? VINTAGES[query.get('vintage') ?? ''] : undefined;
  if (geographies && !query.get('vintage')) return refuse('Vintage must be specified');
  if (geographies && !vintage) return refuse('Invalid Vintage');
  const address = (query.get('address') ?? '').trim();
  if (!address || address.length > 100) return refuse('Address cannot be empty and cannot exceed 100 characters');
  if ((query.get('format') ?? 'html') !== 'json') return htmlPage(200, 'Census Geocoder', `Results for ${address}`);

  const matches = lookUp(parseOneLineAddress(address), world).map((place) => ({
    ...(geographies ? { geographies: geographiesOf(place) } : {}),
    tigerLine: { side: sideOf(place), tigerLineId: tigerLineIdOf(place) },
    coordinates: { x: place.location.lng, y: place.location.lat },
    addressComponents: componentsOf(place.normal),
    matchedAddress: matchedAddressOf(place.normal),
  }));
  const input: Record<string, unknown> = {
    address: { address },
    benchmark: { isDefault: benchmark.id === '4', benchmarkDescription: benchmark.description, id: benchmark.id, benchmarkName: benchmark.name },
  };
  if (vintage) input.vintage = { isDefault: vintage.id === '4', id: vintage.id, vintageName: vintage.name, vintageDescription: vintage.description };
  return jsonAnswer({ result: { input, addressMatches: matches } });
}

async function batch(request: EmulatorRequest, world: World, geographies: boolean): Promise<EmulatorResponse> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(request.body), { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
  } catch {
    return textAnswer('The request must be multipart/form-data with an addressFile.\n', { status: 400 });
  }
  const file = form.get('addressFile');
  if (!file || typeof file === 'string') return textAnswer('addressFile is required.\n', { status: 400 });
  const benchmark = form.get('benchmark');
  if (typeof benchmark !== 'string' || !BENCHMARKS[benchmark]) return textAnswer('A valid benchmark is required (e.g. Public_AR_Current).\n', { status: 400 });
  const vintage = form.get('vintage');
  if (geographies && (typeof vintage !== 'string' || !VINTAGES[vintage])) return textAnswer('A valid vintage is required (e.g. Current_Current).\n', { status: 400 });

  let rows: string[][];
  try {
    rows = parseCsv(await file.text(), { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch {
    return textAnswer('The address file could not be read as CSV.\n', { status: 400 });
  }
  if (rows.length > MAX_BATCH) return textAnswer(`The address file has ${rows.length} records; at most ${MAX_BATCH} are allowed.\n`, { status: 400 });

  const lines = rows.map(([id = '', street = '', city = '', state = '', zip = '']) => {
    const input = `${street.trim()}, ${city.trim()}, ${state.trim()}, ${zip.trim()}`;
    const wanted = normaliseAddress({ street, city, state, postcode: zip });
    const found = lookUp(wanted, world);
    if (found.length === 0) return csvLine([id, input, 'No_Match']);
    if (found.length > 1) return csvLine([id, input, 'Tie']);
    const place = found[0]!;
    // Non_Exact: the Census had to fill in or correct a part of the address.
    const exact = Boolean(wanted.postcode && wanted.city && !wanted.unit);
    const cells = [id, input, 'Match', exact ? 'Exact' : 'Non_Exact', matchedAddressOf(place.normal), `${place.location.lng.toFixed(6)},${place.location.lat.toFixed(6)}`, tigerLineIdOf(place), sideOf(place)];
    if (geographies) {
      const tract = place.tract;
      cells.push(tract?.stateFips ?? '', tract?.countyFips ?? '', tract?.tractCode ?? '', tract ? blockOf(place) : '');
    }
    return csvLine(cells);
  });
  // The Census answers batch lines in no particular order; reversing makes callers prove they match by id.
  return textAnswer(lines.reverse().join('\n') + '\n', { headers: { 'content-disposition': 'attachment; filename=GeocodeResults.csv' } });
}

const csvLine = (cells: string[]) => cells.map((cell) => `"${cell.replace(/"/g, '""')}"`).join(',');

function lookUp(wanted: PostalAddress, world: World): AddressedPlace[] {
  // The Census needs a house number and a street, and a ZIP or a city to place them.
  if (!wanted.houseNumber || !wanted.street || (!wanted.postcode && !wanted.city)) return [];
  return addressIndexOf(world).match(wanted);
}

function matchedAddressOf(normal: PostalAddress): string {
  return `${normal.houseNumber} ${normal.street}, ${normal.city ?? ''}, ${normal.state ?? ''}, ${normal.postcode ?? ''}`;
}

const DIRECTIONS = new Set(['N', 'S', 'E', 'W', 'NE', 'NW', 'SE', 'SW']);
const SUFFIXES = new Set(STREET_SUFFIXES.values());

function componentsOf(normal: PostalAddress): Record<string, string> {
  const tokens = (normal.street ?? '').split(' ');
  const preDirection = tokens.length > 2 && DIRECTIONS.has(tokens[0]!) ? tokens.shift()! : '';
  const suffixDirection = tokens.length > 2 && DIRECTIONS.has(tokens[tokens.length - 1]!) ? tokens.pop()! : '';
  const suffixType = tokens.length > 1 && SUFFIXES.has(tokens[tokens.length - 1]!) ? tokens.pop()! : '';
  const number = Number.parseInt(normal.houseNumber ?? '0', 10) || 0;
  const from = Math.floor(number / 100) * 100 + (number % 2);
  return {
    zip: normal.postcode ?? '',
    streetName: tokens.join(' '),
    preType: '',
    city: normal.city ?? '',
    preDirection,
    suffixDirection,
    fromAddress: String(from),
    state: normal.state ?? '',
    suffixType,
    toAddress: String(from + 98),
    suffixQualifier: '',
    preQualifier: '',
  };
}

/** The TIGER edge of a street block: one id per street and hundred-block. */
function tigerLineIdOf(place: AddressedPlace): string {
  const key = `${place.normal.street}|${Math.floor((Number.parseInt(place.normal.houseNumber ?? '0', 10) || 0) / 100)}|${place.normal.postcode}`;
  let hash = 2_166_136_261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16_777_619) >>> 0;
  return String(600_000_000 + (hash % 100_000_000));
}

const sideOf = (place: AddressedPlace) => ((Number.parseInt(place.normal.houseNumber ?? '0', 10) || 0) % 2 === 1 ? 'L' : 'R');
const blockOf = (place: AddressedPlace) => String(1000 + (place.id % 40));
const fipsCoordinate = (value: number, width: number) => `${value < 0 ? '-' : '+'}${Math.abs(value).toFixed(7).padStart(width, '0')}`;

function geographiesOf(place: AddressedPlace): Record<string, unknown[]> {
  const tract = place.tract;
  if (!tract) return { States: [], Counties: [], 'Census Tracts': [], '2020 Census Blocks': [] };
  const lat = fipsCoordinate(place.location.lat, 10);
  const lon = fipsCoordinate(place.location.lng, 11);
  const shared = { CENTLAT: lat, CENTLON: lon, INTPTLAT: lat, INTPTLON: lon, FUNCSTAT: 'S', AREAWATER: 0 };
  const basename = String(Number(tract.tractCode) / 100);
  const county = tract.name.split(',')[1]?.trim() ?? '';
  const block = blockOf(place);
  return {
    States: [{ ...shared, GEOID: tract.stateFips, STATE: tract.stateFips, NAME: tract.name.split(',')[2]?.trim() ?? '', MTFCC: 'G4000', OID: 27_490_331_000_000 + Number(tract.stateFips), AREALAND: 676_680_588_914 }],
    Counties: [{ ...shared, GEOID: `${tract.stateFips}${tract.countyFips}`, STATE: tract.stateFips, COUNTY: tract.countyFips, NAME: county, BASENAME: county.replace(/ County$/, ''), MTFCC: 'G4020', LSADC: '06', AREALAND: 2_178_840_000 }],
    'Census Tracts': [{ ...shared, GEOID: tract.geoid, STATE: tract.stateFips, COUNTY: tract.countyFips, TRACT: tract.tractCode, NAME: `Census Tract ${basename}`, BASENAME: basename, LSADC: 'CT', MTFCC: 'G5020', OID: 20_790_000_000_000 + Number(tract.tractCode), AREALAND: 2_400_000, OBJECTID: 10_000 + Number(tract.tractCode) % 50_000 }],
    '2020 Census Blocks': [{ ...shared, GEOID: `${tract.geoid}${block}`, STATE: tract.stateFips, COUNTY: tract.countyFips, TRACT: tract.tractCode, BLOCK: block, BLKGRP: block[0], NAME: `Block ${block}`, BASENAME: block, LSADC: 'BK', MTFCC: 'G5040', SUFFIX: '', AREALAND: 45_000 }],
  };
}
