import { keyOfNormalised, normaliseAddress, parseOneLineAddress, type LooseAddress } from '../core/address';
import type { LatLng, Polygon } from '../core/domain/geo';
import type { PropertyObservation } from '../core/domain/records';
import type { ImportItem } from './report';

/**
 * A user's own address list (CSV rows, GeoJSON feature properties) → property observations.
 *
 * Columns are found by name, whatever the spelling: names are compared lower-case with
 * everything but letters and digits removed ("Postal Code", "postal_code" and "POSTALCODE" are one
 * name), against the aliases below. An address column holding a whole one-line address
 * ("12 Oak St, Austin, TX 78701") is split; explicit city/state/ZIP columns win over it.
 *
 * Record ids make re-importing idempotent across files: "addr:<address key>" when the address is
 * complete enough to key, else "loc:<lat>,<lng>" (6 decimals, ≈ 0.1 m), so the same house in two
 * spreadsheets is one source record.
 */

export const COLUMN_ALIASES = {
  address: ['address', 'addr', 'addr1', 'address1', 'addressline1', 'streetaddress', 'street', 'siteaddress', 'situsaddress', 'propertyaddress', 'fulladdress', 'singlelineaddress', 'oneline'],
  houseNumber: ['housenumber', 'houseno', 'housenum', 'number', 'streetnumber', 'stnum', 'stno', 'addrhousenumber'],
  streetName: ['streetname', 'stname', 'addrstreet', 'road'],
  unit: ['unit', 'apt', 'apartment', 'suite', 'address2', 'addr2', 'addressline2', 'unitnumber', 'aptnumber', 'addrunit'],
  city: ['city', 'town', 'municipality', 'locality', 'place', 'cityname', 'addrcity'],
  state: ['state', 'st', 'stateabbr', 'statecode', 'province', 'region', 'addrstate'],
  postcode: ['zip', 'zipcode', 'zip5', 'postalcode', 'postcode', 'postal', 'addrpostcode'],
  lat: ['lat', 'latitude', 'y', 'ycoord', 'ycoordinate'],
  lng: ['lon', 'lng', 'long', 'longitude', 'x', 'xcoord', 'xcoordinate'],
  yearBuilt: ['yearbuilt', 'yrbuilt', 'builtyear', 'year', 'startdate'],
  marketValue: ['marketvalue', 'value', 'homevalue', 'estimatedvalue', 'appraisedvalue', 'justvalue'],
  assessedValue: ['assessedvalue', 'assessed', 'assessment', 'totalassessed'],
  ownerOccupied: ['owneroccupied', 'owneroccupancy', 'ownerocc', 'homestead'],
  roofMaterial: ['roofmaterial', 'roof', 'rooftype', 'roofcover'],
  livingArea: ['livingarea', 'sqft', 'squarefeet', 'livingsqft', 'buildingsqft', 'heatedarea'],
  buildingType: ['buildingtype', 'propertytype', 'type', 'building'],
  levels: ['levels', 'stories', 'storeys', 'floors', 'buildinglevels'],
} as const;
export type AddressColumn = keyof typeof COLUMN_ALIASES;
export type RowValues = Partial<Record<AddressColumn, string>>;

export function headerKey(name: string): string {
  return name.replace(/^\uFEFF/, '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

const COLUMN_OF_KEY = new Map<string, AddressColumn>(
  (Object.entries(COLUMN_ALIASES) as [AddressColumn, readonly string[]][]).flatMap(([column, aliases]) => aliases.map((alias) => [alias, column] as const)),
);

/** Which column index holds what; the first column of each meaning wins. */
export function mapHeader(headers: readonly string[]): { columns: Map<AddressColumn, number>; ignored: string[] } {
  const columns = new Map<AddressColumn, number>();
  const ignored: string[] = [];
  headers.forEach((header, index) => {
    const column = COLUMN_OF_KEY.get(headerKey(header));
    if (column !== undefined && !columns.has(column)) columns.set(column, index);
    else if (header.trim() !== '') ignored.push(header.trim());
  });
  return { columns, ignored };
}

export function columnOfName(name: string): AddressColumn | undefined {
  return COLUMN_OF_KEY.get(headerKey(name));
}

/** Placeholders spreadsheets use for "no value". */
const NO_VALUE = /^(n\/?a|none|null|nil|unknown|-+|\?+|#n\/a)$/i;

function present(value: string | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' || NO_VALUE.test(trimmed) ? null : trimmed;
}

export interface RowContext {
  source: string;
  observedAt: string;
  /** "line 12", "feature 3": how messages name the row. */
  where: string;
  line: number | null;
  /** A footprint and/or location from the row's geometry (GeoJSON), used instead of lat/lng columns. */
  geometry?: { location: LatLng; footprint: Polygon | null };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function number(label: string, text: string | null): Parsed<number | null> {
  if (text === null) return { ok: true, value: null };
  const cleaned = text.replace(/[$,\s]/g, '');
  const value = Number(cleaned);
  return cleaned !== '' && Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: `${label} "${text}" is not a number` };
}

function wholeDollars(label: string, text: string | null): Parsed<number | null> {
  const parsed = number(label, text);
  if (!parsed.ok || parsed.value === null) return parsed;
  return parsed.value >= 0 && parsed.value <= 10_000_000_000 ? { ok: true, value: Math.round(parsed.value) } : { ok: false, reason: `${label} ${text} is not a plausible amount of dollars` };
}

function yearOf(text: string | null): Parsed<number | null> {
  if (text === null) return { ok: true, value: null };
  const match = /^(\d{4})(?:[-/]\d{1,2}(?:[-/]\d{1,2})?)?$/.exec(text) ?? /^\d{1,2}\/\d{1,2}\/(\d{4})$/.exec(text);
  const year = match ? Number(match[1]) : Number.NaN;
  return year >= 1600 && year <= new Date().getUTCFullYear() + 2 ? { ok: true, value: year } : { ok: false, reason: `year built "${text}" is not a year` };
}

function yesNo(text: string | null): Parsed<boolean | null> {
  if (text === null) return { ok: true, value: null };
  if (/^(y|yes|true|t|1|owner|owner[- ]occupied|homestead|h)$/i.test(text)) return { ok: true, value: true };
  if (/^(n|no|false|f|0|renter|rental|absentee|tenant|non[- ]?owner)$/i.test(text)) return { ok: true, value: false };
  return { ok: false, reason: `owner-occupied "${text}" is not yes or no` };
}

/** Reads the coordinate columns; absurd ones are named, with a hint when the two look swapped. */
export function coordinatesOf(values: RowValues): Parsed<LatLng | null> {
  const latText = present(values.lat);
  const lngText = present(values.lng);
  if (latText === null && lngText === null) return { ok: true, value: null };
  if (latText === null || lngText === null) return { ok: false, reason: `has a ${latText === null ? 'longitude' : 'latitude'} but no ${latText === null ? 'latitude' : 'longitude'}` };
  const lat = Number(latText);
  const lng = Number(lngText);
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return { ok: false, reason: `coordinates "${latText}, ${lngText}" are not numbers` };
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) {
    const swapped = Math.abs(lat) > 90 && Math.abs(lat) <= 180 && Math.abs(lng) <= 90 ? ' (are latitude and longitude swapped?)' : '';
    return { ok: false, reason: `latitude ${latText}, longitude ${lngText} is not on Earth${swapped}` };
  }
  if (lat === 0 && lng === 0) return { ok: false, reason: 'coordinates 0, 0 are a placeholder, not a place' };
  return { ok: true, value: { lat, lng } };
}

function addressOf(values: RowValues): LooseAddress {
  const line = present(values.address);
  const explicit = { unit: present(values.unit), city: present(values.city), state: present(values.state), postcode: present(values.postcode) };
  let address: LooseAddress;
  if (line !== null && present(values.houseNumber) !== null) address = { houseNumber: present(values.houseNumber), street: line };
  else if (line !== null && explicit.city === null && explicit.state === null && explicit.postcode === null && /,|\b\d{5}(-\d{4})?\s*$/.test(line)) {
    address = parseOneLineAddress(line);
  } else if (line !== null) address = { street: line };
  else address = { houseNumber: present(values.houseNumber), street: present(values.streetName) };
  return {
    ...address,
    unit: explicit.unit ?? address.unit ?? null,
    city: explicit.city ?? address.city ?? null,
    state: explicit.state ?? address.state ?? null,
    postcode: explicit.postcode ?? address.postcode ?? null,
  };
}

/** One row → a property observation, or a rejection naming the row and what is wrong. */
export function observationFromRow(values: RowValues, ctx: RowContext): Extract<ImportItem, { type: 'property' | 'rejected' }> & { recordId?: string } {
  const reject = (kind: 'absurd-coordinates' | 'incomplete-address' | 'invalid-value', reason: string) => ({ type: 'rejected' as const, kind, line: ctx.line, reason: `${ctx.where}: ${reason}` });
  let location: LatLng | null = ctx.geometry?.location ?? null;
  if (!ctx.geometry) {
    const coordinates = coordinatesOf(values);
    if (!coordinates.ok) return reject(/not on Earth|placeholder/.test(coordinates.reason) ? 'absurd-coordinates' : 'invalid-value', coordinates.reason);
    location = coordinates.value;
  }
  const address = normaliseAddress(addressOf(values));
  const key = keyOfNormalised(address);
  const recordId = key !== null ? `addr:${key}` : location !== null ? `loc:${location.lat.toFixed(6)},${location.lng.toFixed(6)}` : null;
  if (recordId === null) {
    const whole = [address.houseNumber, address.street, address.city, address.state, address.postcode].filter(Boolean).join(' ');
    const given = whole.length > 80 ? `${whole.slice(0, 77)}…` : whole;
    return reject(
      'incomplete-address',
      given
        ? `"${given}" needs a house number, a street, and a ZIP or a city with its state (or coordinates) to be placed`
        : 'has no address and no coordinates',
    );
  }
  const facts = {
    yearBuilt: yearOf(present(values.yearBuilt)),
    marketValueUsd: wholeDollars('value', present(values.marketValue)),
    assessedValueUsd: wholeDollars('assessed value', present(values.assessedValue)),
    ownerOccupied: yesNo(present(values.ownerOccupied)),
    livingArea: number('living area', present(values.livingArea)),
    levels: number('levels', present(values.levels)),
  };
  for (const parsed of Object.values(facts)) if (!parsed.ok) return reject('invalid-value', parsed.reason);
  const known = <T>(parsed: Parsed<T>): T => (parsed.ok ? parsed.value : (null as T));
  const livingArea = known(facts.livingArea);
  const observation: PropertyObservation = {
    source: ctx.source,
    sourceRecordId: recordId,
    observedAt: ctx.observedAt,
    address,
    location,
    footprint: ctx.geometry?.footprint ?? null,
    buildingType: present(values.buildingType)?.slice(0, 80) ?? null,
    levels: known(facts.levels),
    yearBuilt: known(facts.yearBuilt),
    roofMaterial: present(values.roofMaterial)?.slice(0, 80) ?? null,
    parcelId: null,
    landUse: null,
    assessedValueUsd: known(facts.assessedValueUsd),
    marketValueUsd: known(facts.marketValueUsd),
    ownerOccupied: known(facts.ownerOccupied),
    livingAreaSqft: livingArea === null ? null : Math.round(livingArea),
    attribution: null,
  };
  return { type: 'property', observation, line: ctx.line, recordId };
}
