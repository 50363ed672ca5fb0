import { parseOneLineAddress, normaliseAddress } from '../../core/address';
import { addressIndexOf, countyName, stateName, type AddressedPlace } from '../../emulators/address-index';
import { jsonAnswer, notFound, textAnswer } from '../../emulators/respond';
import type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World } from '../../emulators/world';

/**
 * Nominatim as the public instance answers (v4.x), from a World's addressed buildings and parcels:
 * GET /search (free-form `q` or structured street/city/state/postalcode), GET /reverse, GET /status.
 * format=jsonv2 (the default) or json, addressdetails, limit (capped at 40), countrycodes. Bad
 * parameters get the 400 JSON error object Nominatim sends; a reverse lookup with nothing near
 * gets {"error":"Unable to geocode"}. Ids are numbers, as today (old answers had strings).
 */

const LICENCE = 'Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright';
const FORMATS = ['json', 'jsonv2'];
const STRUCTURED = ['amenity', 'street', 'city', 'county', 'state', 'country', 'postalcode'];
/** How far from a house /reverse still answers with it (zoom 18 is building level). */
const REVERSE_METERS = 60;

export const nominatimEmulator: EmulatorRoute = {
  source: 'nominatim',
  prefix: '/nominatim',
  handle(request: EmulatorRequest, world: World): EmulatorResponse {
    if (request.method !== 'GET' && request.method !== 'POST') return error(405, 'Method not allowed.');
    switch (request.path.replace(/\.php$/, '')) {
      case '/search':
        return search(request.query, world);
      case '/reverse':
        return reverse(request.query, world);
      case '/status':
        return request.query.get('format') === 'json' ? jsonAnswer({ status: 0, message: 'OK', data_updated: '2024-06-01T00:00:00+00:00' }) : textAnswer('OK');
      default:
        return notFound(request.path);
    }
  },
};

function error(status: number, message: string): EmulatorResponse {
  return jsonAnswer({ error: { code: status, message } }, { status });
}

function common(query: URLSearchParams): { format: string; details: boolean } | EmulatorResponse {
  const format = query.get('format') ?? 'jsonv2';
  if (!FORMATS.includes(format)) {
    // Note: the real service also speaks xml, geojson and geocodejson; the emulator does not.
    return error(400, `Parameter 'format' must be one of: ${FORMATS.join(', ')} (this emulator serves no other).`);
  }
  const details = query.get('addressdetails');
  if (details !== null && details !== '0' && details !== '1') return error(400, "Parameter 'addressdetails' must be 0 or 1.");
  return { format, details: details === '1' };
}

function search(query: URLSearchParams, world: World): EmulatorResponse {
  const settings = common(query);
  if ('status' in settings) return settings;
  const limitText = query.get('limit') ?? '10';
  if (!/^\d+$/.test(limitText)) return error(400, "Parameter 'limit' must be a number.");
  const limit = Math.max(1, Math.min(40, Number(limitText)));
  const q = query.get('q');
  const structured = STRUCTURED.filter((name) => query.get(name));
  if (q !== null && structured.length > 0) {
    return error(400, "Structured query parameters(amenity, street, city, county, state, postalcode, country) cannot be used together with 'q' parameter.");
  }
  if (!q?.trim() && structured.length === 0) return error(400, 'Nothing to search for.');
  const countries = query.get('countrycodes');
  if (countries && !countries.toLowerCase().split(',').includes('us')) return jsonAnswer([]);
  if (query.get('country') && !/^(us|usa|united states( of america)?)$/i.test(query.get('country')!)) return jsonAnswer([]);

  const wanted = q?.trim()
    ? parseOneLineAddress(q)
    : normaliseAddress({ street: query.get('street'), city: query.get('city'), state: query.get('state'), postcode: query.get('postalcode') });
  const index = addressIndexOf(world);
  const houses = wanted.houseNumber && wanted.street ? index.match(wanted) : [];
  const found = houses.length > 0 ? houses.map((place) => placeJson(place, settings, 'house')) : wanted.street ? index.matchStreet(wanted).map((place) => placeJson(place, settings, 'street')) : [];
  return jsonAnswer(found.slice(0, limit));
}

function reverse(query: URLSearchParams, world: World): EmulatorResponse {
  const settings = common(query);
  if ('status' in settings) return settings;
  const latText = query.get('lat');
  const lonText = query.get('lon');
  if (latText === null || lonText === null) return error(400, 'Need coordinates or OSM object to lookup.');
  const lat = Number(latText);
  const lon = Number(lonText);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return error(400, 'Invalid coordinates');
  const place = addressIndexOf(world).nearest({ lat, lng: lon }, REVERSE_METERS);
  return place ? jsonAnswer(placeJson(place, settings, 'house')) : jsonAnswer({ error: 'Unable to geocode' });
}

const round7 = (value: number) => value.toFixed(7);

function placeJson(place: AddressedPlace, settings: { format: string; details: boolean }, level: 'house' | 'street'): Record<string, unknown> {
  const { address } = place;
  const county = countyName(place.tract);
  const state = stateName(address.state);
  const house = level === 'house';
  const display = [house ? address.houseNumber : null, address.street, address.city, county, state, address.postcode, 'United States'].filter(Boolean).join(', ');
  // Buildings are OSM ways; parcel-only houses come back as TIGER-style interpolations on the street way.
  const category = house ? (place.from === 'building' ? 'building' : 'place') : 'highway';
  const type = house ? 'house' : 'residential';
  const half = house ? 0.0001 : 0.002;
  const answer: Record<string, unknown> = {
    place_id: 100_000_000 + place.id + (house ? 0 : 50_000_000),
    licence: LICENCE,
    osm_type: 'way',
    osm_id: house ? place.id : 800_000_000 + (place.id % 50_000_000),
    lat: round7(place.location.lat),
    lon: round7(place.location.lng),
    [settings.format === 'jsonv2' ? 'category' : 'class']: category,
    type,
    place_rank: house ? 30 : 26,
    importance: house ? 0.00000999 : 0.05338,
    addresstype: house ? (place.from === 'building' ? 'building' : 'place') : 'road',
    name: house ? '' : address.street,
    display_name: display,
  };
  if (settings.details) {
    answer.address = Object.fromEntries(
      Object.entries({
        house_number: house ? address.houseNumber : null,
        road: address.street,
        city: address.city,
        county,
        state,
        'ISO3166-2-lvl4': address.state ? `US-${address.state}` : null,
        postcode: address.postcode,
        country: 'United States',
        country_code: 'us',
      }).filter(([, value]) => value !== null),
    );
  }
  answer.boundingbox = [round7(place.location.lat - half), round7(place.location.lat + half), round7(place.location.lng - half), round7(place.location.lng + half)];
  return answer;
}
