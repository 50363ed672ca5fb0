import { z } from 'zod';
import { normaliseState } from '../../core/address';
import { pointSchema, type LatLng } from '../../core/domain/geo';
import { geocodeResultSchema, type GeocodeResult, type PostalAddress } from '../../core/domain/records';
import { parseJsonText } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';

/**
 * Nominatim `/search` and `/reverse` answers (format=json and jsonv2) → GeocodeResult. Pure.
 *
 *   readNominatimJson(text)                  → unknown (typed 'truncated' / 'malformed-body' errors)
 *   parseNominatimSearch(body, query, attribution?)   → GeocodeResult[] ([] only when Nominatim found nothing)
 *   parseNominatimReverse(body, point, attribution?)  → GeocodeResult | null (null: "Unable to geocode")
 *
 * Both id styles are read: the 2017-era strings ("place_id": "62353700") and today's numbers.
 * jsonv2 names the class `category`; json names it `class`.
 *
 * Confidence (0..1). Nominatim's `importance` says how prominent a place is (from Wikipedia
 * links), not how well it matched, so confidence comes from how PRECISE the place is —
 * `place_rank` (30 building/house, 26–27 street, 16–25 city…postcode, below: regions) — plus at most
 * 0.1 for importance:
 *   rank 30 with a house number → 0.85, rank 30 without (a building, a POI) → 0.7,
 *   26–29 (a street) → 0.45, 21–25 (suburb, postcode) → 0.25, 16–20 (town, city) → 0.15, below → 0.05.
 * Without `place_rank` (old json answers) the rank is inferred from class and type (building →
 * 30, highway → 26, place=city/town → 16, boundary → 12).
 */

const SOURCE = 'nominatim';
const LABEL = 'OpenStreetMap Nominatim';
/** Nominatim's data is OpenStreetMap's: ODbL, credited wherever it is shown. */
export const NOMINATIM_ATTRIBUTION = '© OpenStreetMap contributors, ODbL 1.0';

const idSchema = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]);
/** Nominatim sends coordinates as strings; a few compatible services send numbers. */
const coordinateSchema = z.union([z.number(), z.string().trim().regex(/^-?\d{1,3}(\.\d+)?$/).transform(Number)]);

const placeSchema = z.object({
  place_id: idSchema.optional(),
  licence: z.string().optional(),
  osm_type: z.enum(['node', 'way', 'relation', 'N', 'W', 'R']).optional(),
  osm_id: idSchema.optional(),
  lat: coordinateSchema,
  lon: coordinateSchema,
  display_name: z.string().trim().min(1).max(2000),
  class: z.string().optional(),
  category: z.string().optional(),
  type: z.string().optional(),
  place_rank: z.number().int().min(0).max(30).optional(),
  importance: z.number().finite().optional(),
  addresstype: z.string().optional(),
  name: z.string().nullable().optional(),
  address: z.record(z.string(), z.string()).optional(),
  boundingbox: z.array(z.union([z.string(), z.number()])).length(4).optional(),
});
export type NominatimPlace = z.infer<typeof placeSchema>;

/** `{"error":"Unable to geocode"}` (reverse, nothing there) or `{"error":{"code":400,"message":"…"}}`. */
const errorSchema = z.object({ error: z.union([z.string(), z.object({ code: z.number().optional(), message: z.string() })]) });

function malformed(message: string): ConnectorError {
  return new ConnectorError({ kind: 'malformed-body', source: SOURCE, message: `${LABEL} sent ${message}. Try again later; if it persists, check the source's address in Settings → Data sources.` });
}

/** JSON text (a file, a fixture) → value, with the same error kinds as the HTTP client. */
export function readNominatimJson(text: string): unknown {
  if (text.trim().length === 0) throw malformed('an empty answer');
  const parsed = parseJsonText(text.replace(/^\uFEFF/, ''));
  if (parsed.ok) return parsed.value;
  if (parsed.truncated) {
    throw new ConnectorError({ kind: 'truncated', source: SOURCE, message: `${LABEL} sent an incomplete answer (it stops part-way). The connection may have dropped; try again.` });
  }
  throw malformed(`an answer that is not JSON (${parsed.detail})`);
}

function refusalOf(body: unknown): ConnectorError | 'nothing-found' | null {
  const error = errorSchema.safeParse(body);
  if (!error.success) return null;
  const message = typeof error.data.error === 'string' ? error.data.error : error.data.error.message;
  if (/unable to geocode/i.test(message)) return 'nothing-found';
  return new ConnectorError({
    kind: 'refused-by-source',
    source: SOURCE,
    message: `${LABEL} refused the request: "${message.slice(0, 200)}". Check the address or coordinates searched for.`,
  });
}

export function parseNominatimSearch(body: unknown, query: string, attribution: string | null = NOMINATIM_ATTRIBUTION): GeocodeResult[] {
  const refusal = refusalOf(body);
  if (refusal === 'nothing-found') return [];
  if (refusal) throw refusal;
  if (!Array.isArray(body)) throw malformed('a search answer that is not a list of places');
  return body.map((place, index) => toGeocode(place, query, `place ${index + 1} of ${body.length}`, attribution));
}

export function parseNominatimReverse(body: unknown, point: LatLng, attribution: string | null = NOMINATIM_ATTRIBUTION): GeocodeResult | null {
  const refusal = refusalOf(body);
  if (refusal === 'nothing-found') return null;
  if (refusal) throw refusal;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw malformed('a reverse answer that is not one place');
  return toGeocode(body, `${point.lat},${point.lng}`, 'the place', attribution);
}

function toGeocode(raw: unknown, query: string, which: string, attribution: string | null): GeocodeResult {
  const parsed = placeSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw malformed(`${which} with a bad ${issue.path.join('.') || 'shape'} (${issue.message})`);
  }
  const place = parsed.data;
  const location = pointSchema.safeParse({ lat: place.lat, lng: place.lon });
  if (!location.success) throw malformed(`${which} at impossible coordinates (${place.lat}, ${place.lon})`);
  const address = postalAddressOf(place);
  const result = {
    source: SOURCE,
    query: query.trim().slice(0, 500) || '(empty query)',
    location: location.data,
    matchedAddress: place.display_name.slice(0, 500),
    address,
    confidence: confidenceOf(place, address),
    censusTract: null,
    attribution,
  };
  const checked = geocodeResultSchema.safeParse(result);
  if (!checked.success) throw malformed(`${which} that does not make a usable result (${checked.error.issues[0]!.message})`);
  return checked.data;
}

const STREET_KEYS = ['road', 'pedestrian', 'footway', 'street', 'residential', 'path', 'cycleway'];
const CITY_KEYS = ['city', 'town', 'village', 'hamlet', 'municipality', 'suburb'];

function text(value: string | undefined, max: number): string | null {
  const clean = value?.trim();
  return clean ? clean.slice(0, max) : null;
}

/** The US postal parts Nominatim gives; without an `address` block, what display_name says for sure. */
export function postalAddressOf(place: NominatimPlace): PostalAddress {
  const parts = place.address;
  if (parts) {
    const stateCode = /^US-([A-Z]{2})$/.exec(parts['ISO3166-2-lvl4'] ?? '')?.[1] ?? null;
    return {
      houseNumber: text(parts.house_number, 40),
      street: text(STREET_KEYS.map((key) => parts[key]).find(Boolean), 200),
      unit: text(parts.unit ?? parts.flats, 40),
      city: text(CITY_KEYS.map((key) => parts[key]).find(Boolean), 120),
      state: stateCode ?? (parts.country_code === 'us' || !parts.country_code ? normaliseState(parts.state) : null),
      postcode: usPostcode(parts.postcode),
    };
  }
  // "350, 5th Avenue, Park Slope, BK, Kings County, NYC, New York, 11215, United States of America"
  const pieces = place.display_name.split(',').map((piece) => piece.trim());
  const inUs = /^United States( of America)?$/i.test(pieces[pieces.length - 1] ?? '');
  const isHouse = place.class === 'building' || place.category === 'building' || place.type === 'house';
  const first = pieces[0] ?? '';
  const numbered = isHouse && /^\d+[A-Za-z]?$/.test(first) && pieces.length > 1;
  const statePiece = inUs ? [...pieces].reverse().find((piece) => normaliseState(piece) !== null && !/^\d/.test(piece)) : undefined;
  return {
    houseNumber: numbered ? first : null,
    street: numbered ? text(pieces[1], 200) : null,
    unit: null,
    city: null,
    state: statePiece ? normaliseState(statePiece) : null,
    postcode: inUs ? usPostcode([...pieces].reverse().find((piece) => /^\d{5}(-\d{4})?$/.test(piece))) : null,
  };
}

function usPostcode(value: string | undefined): string | null {
  const clean = value?.trim();
  return clean && /^\d{5}(-\d{4})?$/.test(clean) ? clean : null;
}

/** The rank Nominatim gives, or one inferred from class and type for answers without it. */
export function placeRankOf(place: NominatimPlace): number {
  if (place.place_rank !== undefined) return place.place_rank;
  const category = place.category ?? place.class ?? '';
  const type = place.type ?? '';
  if (category === 'building' || type === 'house' || category === 'amenity' || category === 'shop') return 30;
  if (category === 'highway') return 26;
  if (category === 'place') return { house: 30, neighbourhood: 22, suburb: 20, hamlet: 20, village: 19, town: 16, city: 16, county: 12, state: 8 }[type] ?? 18;
  if (category === 'boundary') return 12;
  return 18;
}

export function confidenceOf(place: NominatimPlace, address: PostalAddress): number {
  const rank = placeRankOf(place);
  const base = rank >= 30 ? (address.houseNumber ? 0.85 : 0.7) : rank >= 26 ? 0.45 : rank >= 21 ? 0.25 : rank >= 16 ? 0.15 : 0.05;
  const importance = Math.min(1, Math.max(0, place.importance ?? 0));
  return Math.round((base + 0.1 * importance) * 1000) / 1000;
}
