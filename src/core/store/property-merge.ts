/**
 * How one property's facts are merged from many sources, and how complete they are. Pure.
 *
 * Source precedence, per field (best first). A new value replaces the one in hand when its source
 * ranks the same or better than the source of the value in hand (same rank: the newer one wins,
 * which is how a source corrects itself); a known value is never replaced by null; an equal value
 * from a better source takes over the provenance. A source not in a field's list ranks last.
 *
 *   address parts       user, parcels, records, osm, permits, file, geocoder
 *   location            user, osm, records, parcels, geocoder, file, permits   (OSM = the roof's centroid)
 *   footprint           user, osm, records, file, parcels   (a parcel outline is the lot, not the roof)
 *   building type       user, osm, parcels, records, file
 *   levels              user, records, osm, parcels, file
 *   year built          user, parcels, records, osm, file   (the assessor's year beats a mapper's)
 *   roof material       user, records, osm, parcels, file
 *   roof installed year user, records, permits
 *   parcel id, land use user, parcels, records
 *   assessed value      user, parcels, records, file
 *   market value        user, records, parcels, file
 *   owner-occupied      user, parcels, records, file
 *   living area         user, parcels, records, osm, file
 *
 * The last roofing permit's date is not ranked: the latest permit date always wins (permits.ts).
 *
 * Completeness is the weighted share of the CRITICAL fields known (weights sum to 1):
 *   address (a matching key) 0.20 · location 0.15 · year built or roof age 0.25 · value (assessed
 *   or market) 0.15 · owner-occupied 0.15 · census income of its area 0.10.
 * A scan buys targeted paid enrichment below 0.75, for the missing critical fields only.
 */

export type SourceFamily = 'user' | 'parcels' | 'records' | 'osm' | 'permits' | 'geocoder' | 'file' | 'other';

/** The family of a source id from the catalogue or an import kind ("import:arcgis" → parcels). */
export function sourceFamily(source: string): SourceFamily {
  const id = source.startsWith('import:') ? source.slice('import:'.length) : source;
  switch (id) {
    case 'user':
      return 'user';
    case 'arcgis-parcels':
    case 'arcgis':
      return 'parcels';
    case 'property-records':
      return 'records';
    case 'osm-overpass':
    case 'overpass':
    case 'osm':
      return 'osm';
    case 'socrata-permits':
    case 'socrata':
      return 'permits';
    case 'nominatim':
    case 'census-geocoder':
      return 'geocoder';
    case 'csv':
    case 'geojson':
    case 'user-files':
      return 'file';
    default:
      return 'other';
  }
}

export type MergedField =
  | 'houseNumber'
  | 'street'
  | 'unit'
  | 'city'
  | 'state'
  | 'postcode'
  | 'location'
  | 'footprint'
  | 'buildingType'
  | 'levels'
  | 'yearBuilt'
  | 'roofMaterial'
  | 'roofInstalledYear'
  | 'parcelId'
  | 'landUse'
  | 'assessedValueUsd'
  | 'marketValueUsd'
  | 'ownerOccupied'
  | 'livingAreaSqft';

const ADDRESS: readonly SourceFamily[] = ['user', 'parcels', 'records', 'osm', 'permits', 'file', 'geocoder'];

export const FIELD_PRECEDENCE: Record<MergedField, readonly SourceFamily[]> = {
  houseNumber: ADDRESS,
  street: ADDRESS,
  unit: ADDRESS,
  city: ADDRESS,
  state: ADDRESS,
  postcode: ADDRESS,
  location: ['user', 'osm', 'records', 'parcels', 'geocoder', 'file', 'permits'],
  footprint: ['user', 'osm', 'records', 'file', 'parcels'],
  buildingType: ['user', 'osm', 'parcels', 'records', 'file'],
  levels: ['user', 'records', 'osm', 'parcels', 'file'],
  yearBuilt: ['user', 'parcels', 'records', 'osm', 'file'],
  roofMaterial: ['user', 'records', 'osm', 'parcels', 'file'],
  roofInstalledYear: ['user', 'records', 'permits'],
  parcelId: ['user', 'parcels', 'records'],
  landUse: ['user', 'parcels', 'records'],
  assessedValueUsd: ['user', 'parcels', 'records', 'file'],
  marketValueUsd: ['user', 'records', 'parcels', 'file'],
  ownerOccupied: ['user', 'parcels', 'records', 'file'],
  livingAreaSqft: ['user', 'parcels', 'records', 'osm', 'file'],
};

/** Lower is better; a family not listed ranks after every listed one. */
export function sourceRank(field: MergedField, source: string): number {
  const list = FIELD_PRECEDENCE[field];
  const index = list.indexOf(sourceFamily(source));
  return index === -1 ? list.length : index;
}

export type FieldValues = Partial<Record<MergedField, unknown>>;

export interface MergeResult {
  /** New values for the fields that change (value or provenance). */
  values: FieldValues;
  /** The provenance map after the merge. */
  fieldSources: Record<string, string>;
  /** Fields whose VALUE changes (provenance-only changes are not listed). */
  changed: MergedField[];
}

/**
 * Merges one source's values into what is known. `current` holds the values in hand (null =
 * unknown), `incoming` the source's (null = it does not know).
 */
export function mergeFields(current: FieldValues, currentSources: Readonly<Record<string, string>>, incoming: FieldValues, source: string): MergeResult {
  const values: FieldValues = {};
  const fieldSources = { ...currentSources };
  const changed: MergedField[] = [];
  for (const field of Object.keys(FIELD_PRECEDENCE) as MergedField[]) {
    const next = incoming[field];
    if (next === null || next === undefined) continue;
    const held = current[field];
    const heldSource = currentSources[field];
    const better = heldSource === undefined ? true : sourceRank(field, source) <= sourceRank(field, heldSource);
    if (held === null || held === undefined) {
      values[field] = next;
      fieldSources[field] = source;
      changed.push(field);
    } else if (sameValue(held, next)) {
      if (heldSource === undefined || sourceRank(field, source) < sourceRank(field, heldSource)) fieldSources[field] = source;
    } else if (better) {
      values[field] = next;
      fieldSources[field] = source;
      changed.push(field);
    }
  }
  return { values, fieldSources, changed };
}

/** Deep equality of JSON-like values, whatever the order of object keys. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  return aKeys.length === bKeys.length && aKeys.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

export const CRITICAL_FIELD_WEIGHTS = {
  address: 0.2,
  location: 0.15,
  yearBuiltOrRoofAge: 0.25,
  value: 0.15,
  ownerOccupied: 0.15,
  censusIncome: 0.1,
} as const;
export type CriticalField = keyof typeof CRITICAL_FIELD_WEIGHTS;

/** Enrichment buys paid data for a property below this completeness (and within budget). */
export const COMPLETENESS_TARGET = 0.75;

/** The facts completeness looks at. */
export interface CompletenessFacts {
  addressKey: string | null;
  location: unknown;
  yearBuilt: number | null;
  roofInstalledYear: number | null;
  lastRoofPermitAt: string | null;
  assessedValueUsd: number | null;
  marketValueUsd: number | null;
  ownerOccupied: boolean | null;
  /** Does the property's census area have a median household income on file? */
  censusIncomeKnown: boolean;
}

export function missingCriticalFields(facts: CompletenessFacts): CriticalField[] {
  const known: Record<CriticalField, boolean> = {
    address: facts.addressKey !== null,
    location: facts.location !== null && facts.location !== undefined,
    yearBuiltOrRoofAge: facts.yearBuilt !== null || facts.roofInstalledYear !== null || facts.lastRoofPermitAt !== null,
    value: facts.assessedValueUsd !== null || facts.marketValueUsd !== null,
    ownerOccupied: facts.ownerOccupied !== null,
    censusIncome: facts.censusIncomeKnown,
  };
  return (Object.keys(CRITICAL_FIELD_WEIGHTS) as CriticalField[]).filter((field) => !known[field]);
}

/** 0..1, rounded to 0.01 so that float noise never looks like a change. */
export function computeCompleteness(facts: CompletenessFacts): number {
  const missing = new Set(missingCriticalFields(facts));
  const known = (Object.keys(CRITICAL_FIELD_WEIGHTS) as CriticalField[]).filter((field) => !missing.has(field));
  return Math.round(known.reduce((sum, field) => sum + CRITICAL_FIELD_WEIGHTS[field], 0) * 100) / 100;
}
