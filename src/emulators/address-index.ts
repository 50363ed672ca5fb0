import { normaliseAddress } from '../core/address';
import { STATE_CODES } from '../core/address/usps-tables';
import type { LatLng } from '../core/domain/geo';
import type { PostalAddress } from '../core/domain/records';
import { metersBetween } from './list-world';
import type { World, WorldTract } from './world';

/**
 * Every addressed place of a World, for the geocoder emulators (Nominatim, the Census geocoder):
 * buildings with addr:* tags first, then parcel site addresses OSM lacks (as a TIGER-style
 * interpolated house, the way Nominatim and the Census answer for US addresses OSM lacks).
 * Built once per World and kept while the World lives.
 */

export interface AddressedPlace {
  /** Stable within the World: osm way id for buildings, a synthetic id for parcels. */
  id: number;
  from: 'building' | 'parcel';
  location: LatLng;
  /** As the World gives it. */
  address: PostalAddress;
  /** USPS-normalised, for matching. */
  normal: PostalAddress;
  tract: WorldTract | null;
}

export interface AddressIndex {
  places: readonly AddressedPlace[];
  /** Places whose house number and street match the query's, narrowed by ZIP, city and state when given. */
  match(query: PostalAddress): AddressedPlace[];
  /** Places on the query's street (no house number), one per street and ZIP. */
  matchStreet(query: PostalAddress): AddressedPlace[];
  nearest(point: LatLng, maxMeters: number): AddressedPlace | null;
}

const cache = new WeakMap<World, AddressIndex>();
const PARCEL_ID_BASE = 700_000_000;

export function addressIndexOf(world: World): AddressIndex {
  const cached = cache.get(world);
  if (cached) return cached;
  const places: AddressedPlace[] = [];
  const byStreet = new Map<string, AddressedPlace[]>();
  const add = (place: Omit<AddressedPlace, 'normal' | 'tract'>) => {
    const normal = normaliseAddress(place.address);
    if (!normal.houseNumber || !normal.street) return;
    const key = `${normal.houseNumber} ${normal.street}`;
    if (byStreet.get(key)?.some((other) => sameLocality(other.normal, normal))) return;
    const full: AddressedPlace = { ...place, normal, tract: world.tractAt(place.location) };
    places.push(full);
    byStreet.set(key, [...(byStreet.get(key) ?? []), full]);
  };
  for (const building of world.buildingsIn(world.bbox)) {
    const tags = building.tags;
    if (!tags['addr:housenumber'] || !tags['addr:street']) continue;
    add({
      id: building.osmWayId,
      from: 'building',
      location: building.centroid,
      address: {
        houseNumber: tags['addr:housenumber'],
        street: tags['addr:street'],
        unit: tags['addr:unit'] ?? null,
        city: tags['addr:city'] ?? null,
        state: /^[A-Z]{2}$/.test(tags['addr:state'] ?? '') ? tags['addr:state']! : null,
        postcode: /^\d{5}(-\d{4})?$/.test(tags['addr:postcode'] ?? '') ? tags['addr:postcode']! : null,
      },
    });
  }
  world.parcelsIn(world.bbox).forEach((parcel, index) => add({ id: PARCEL_ID_BASE + index, from: 'parcel', location: parcel.centroid, address: parcel.siteAddress }));

  const streets = new Map<string, AddressedPlace>();
  for (const place of places) {
    const key = `${place.normal.street}|${place.normal.postcode ?? place.normal.city}`;
    if (!streets.has(key)) streets.set(key, place);
  }
  const index: AddressIndex = {
    places,
    match: (query) => (byStreet.get(`${query.houseNumber} ${query.street}`) ?? []).filter((place) => localityFits(place.normal, query)),
    matchStreet: (query) => [...streets.values()].filter((place) => place.normal.street === query.street && localityFits(place.normal, query)),
    nearest(point, maxMeters) {
      let best: AddressedPlace | null = null;
      let bestMeters = maxMeters;
      const pad = maxMeters / 100_000;
      for (const place of places) {
        // A cheap box test first: most places are far away.
        if (Math.abs(place.location.lat - point.lat) > pad || Math.abs(place.location.lng - point.lng) > pad * 2) continue;
        const meters = metersBetween(point, place.location);
        if (meters <= bestMeters) [best, bestMeters] = [place, meters];
      }
      return best;
    },
  };
  cache.set(world, index);
  return index;
}

function sameLocality(a: PostalAddress, b: PostalAddress): boolean {
  return a.postcode === b.postcode && a.city === b.city;
}

/** Every locality part the query gives must agree; parts it leaves out match anything. */
function localityFits(place: PostalAddress, query: PostalAddress): boolean {
  if (query.postcode && place.postcode && query.postcode.slice(0, 5) !== place.postcode.slice(0, 5)) return false;
  if (query.city && place.city && query.city !== place.city) return false;
  if (query.state && place.state && query.state !== place.state) return false;
  return true;
}

const STATE_NAME_BY_CODE: ReadonlyMap<string, string> = (() => {
  const names = new Map<string, string>();
  for (const [name, code] of STATE_CODES) {
    // The full name is the longest spelling that is not the code or an old abbreviation.
    if (name.length > 4 && !name.startsWith('US ') && name.length > (names.get(code)?.length ?? 0)) names.set(code, name);
  }
  return names;
})();

/** "TX" → "Texas" (the name geocoders print). */
export function stateName(code: string | null): string | null {
  const name = code ? STATE_NAME_BY_CODE.get(code) : undefined;
  return name ? name.toLowerCase().replace(/\b[a-z]/g, (ch) => ch.toUpperCase()).replace(/\bOf\b/, 'of') : null;
}

/** "Collin County" from a tract named "Census Tract 316.11, Collin County, Texas". */
export function countyName(tract: WorldTract | null): string | null {
  return tract?.name.split(',')[1]?.trim() || null;
}
