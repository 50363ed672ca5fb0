import { z } from 'zod';
import { pointSchema } from '../../core/domain/geo';
import { geocodeResultSchema, type GeocodeResult, type PostalAddress } from '../../core/domain/records';
import { parseJsonText } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';

/**
 * US Census geocoder one-line answers (`/locations/onelineaddress` and
 * `/geographies/onelineaddress`, format=json) → GeocodeResult. Pure.
 *
 *   readCensusJson(text)                         → unknown (typed 'truncated' / 'malformed-body')
 *   parseCensusOneLine(body, query, attribution?) → GeocodeResult[] ([]: the Census found no match)
 *
 * The answer: { result: { input: {…}, addressMatches: [{ matchedAddress, coordinates: {x, y},
 * tigerLine: {tigerLineId, side}, addressComponents: {fromAddress, toAddress, preDirection,
 * streetName, suffixType, suffixDirection, city, state, zip, …}, geographies?: { "Census Tracts":
 * [{ GEOID, STATE, COUNTY, TRACT, … }], … } }] } }. A layer that failed on the Census side is an
 * entry `{ "status": "Layer query encountered an error…" }` and is ignored.
 *
 * Confidence (0..1): every Census match is a house number placed on a TIGER street range, so
 * a single match → 0.9; several matches for one address (the Census could not choose) → 0.6 each.
 * Batch rows (batch.ts): Match/Exact → 0.95, Match/Non_Exact → 0.75, Tie → no result.
 */

export const CENSUS_GEOCODER_SOURCE = 'census-geocoder';
export const CENSUS_GEOCODER_LABEL = 'US Census geocoder';
export const CENSUS_ATTRIBUTION = 'US Census Bureau';

const text = z.string().max(500);
const componentsSchema = z
  .object({
    fromAddress: text.optional(),
    toAddress: text.optional(),
    preQualifier: text.optional(),
    preDirection: text.optional(),
    preType: text.optional(),
    streetName: text.optional(),
    suffixType: text.optional(),
    suffixDirection: text.optional(),
    suffixQualifier: text.optional(),
    city: text.optional(),
    state: text.optional(),
    zip: text.optional(),
  })
  .partial();

const matchSchema = z.object({
  matchedAddress: z.string().trim().min(1).max(500),
  coordinates: z.object({ x: z.number().finite(), y: z.number().finite() }),
  tigerLine: z.object({ tigerLineId: z.union([z.string(), z.number()]).optional(), side: z.string().optional() }).optional(),
  addressComponents: componentsSchema.optional(),
  geographies: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).optional(),
});
type CensusMatch = z.infer<typeof matchSchema>;

const answerSchema = z.object({ result: z.object({ input: z.unknown().optional(), addressMatches: z.array(z.unknown()) }) });
/** `{"errors":["Address cannot be empty and cannot exceed 100 characters"],"status":"400"}` */
const errorsSchema = z.object({ errors: z.array(z.string()).min(1), status: z.union([z.string(), z.number()]).optional() });

export function censusMalformed(message: string): ConnectorError {
  return new ConnectorError({
    kind: 'malformed-body',
    source: CENSUS_GEOCODER_SOURCE,
    message: `The ${CENSUS_GEOCODER_LABEL} sent ${message}. Try again later; if it persists, check the source's address in Settings → Data sources.`,
  });
}

export function readCensusJson(text: string): unknown {
  if (text.trim().length === 0) throw censusMalformed('an empty answer');
  const parsed = parseJsonText(text.replace(/^\uFEFF/, ''));
  if (parsed.ok) return parsed.value;
  if (parsed.truncated) {
    throw new ConnectorError({ kind: 'truncated', source: CENSUS_GEOCODER_SOURCE, message: `The ${CENSUS_GEOCODER_LABEL} sent an incomplete answer (it stops part-way). The connection may have dropped; try again.` });
  }
  throw censusMalformed(`an answer that is not JSON (${parsed.detail})`);
}

export function parseCensusOneLine(body: unknown, query: string, attribution: string | null = CENSUS_ATTRIBUTION): GeocodeResult[] {
  const refused = errorsSchema.safeParse(body);
  if (refused.success) {
    throw new ConnectorError({
      kind: 'refused-by-source',
      source: CENSUS_GEOCODER_SOURCE,
      message: `The ${CENSUS_GEOCODER_LABEL} refused the request: "${refused.data.errors.join('; ').slice(0, 300)}". Check the address (at most 100 characters, street and city or ZIP).`,
    });
  }
  const answer = answerSchema.safeParse(body);
  if (!answer.success) throw censusMalformed('an answer without result.addressMatches');
  const matches = answer.data.result.addressMatches;
  const confidence = matches.length === 1 ? 0.9 : 0.6;
  return matches.map((raw, index) => {
    const parsed = matchSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw censusMalformed(`match ${index + 1} of ${matches.length} with a bad ${issue.path.join('.') || 'shape'} (${issue.message})`);
    }
    const match = parsed.data;
    return censusGeocode({
      query,
      lng: match.coordinates.x,
      lat: match.coordinates.y,
      matchedAddress: match.matchedAddress,
      address: addressOfMatch(match),
      confidence,
      censusTract: tractOf(match),
      attribution,
      which: `match ${index + 1}`,
    });
  });
}

export interface CensusGeocodeParts {
  query: string;
  lat: number;
  lng: number;
  matchedAddress: string;
  address: PostalAddress;
  confidence: number;
  censusTract: string | null;
  attribution: string | null;
  which: string;
}

/** A checked GeocodeResult, or 'malformed-body' naming what was wrong. */
export function censusGeocode(parts: CensusGeocodeParts): GeocodeResult {
  const checked = checkedCensusGeocode(parts);
  if (typeof checked === 'string') throw censusMalformed(`${parts.which} ${checked}`);
  return checked;
}

/** A checked GeocodeResult, or why it is not one ("at impossible coordinates …"). */
export function checkedCensusGeocode(parts: Omit<CensusGeocodeParts, 'which'>): GeocodeResult | string {
  const location = pointSchema.safeParse({ lat: parts.lat, lng: parts.lng });
  if (!location.success) return `at impossible coordinates (${parts.lng}, ${parts.lat})`;
  const result = geocodeResultSchema.safeParse({
    source: CENSUS_GEOCODER_SOURCE,
    query: parts.query.trim().slice(0, 500) || '(empty query)',
    location: location.data,
    matchedAddress: parts.matchedAddress.slice(0, 500),
    address: parts.address,
    confidence: parts.confidence,
    censusTract: parts.censusTract,
    attribution: parts.attribution,
  });
  return result.success ? result.data : `that does not make a usable result (${result.error.issues[0]!.message})`;
}

function clean(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function addressOfMatch(match: CensusMatch): PostalAddress {
  const fromText = addressOfMatchedText(match.matchedAddress);
  const parts = match.addressComponents;
  if (!parts) return fromText;
  const street = [parts.preQualifier, parts.preDirection, parts.preType, parts.streetName, parts.suffixType, parts.suffixDirection, parts.suffixQualifier]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return {
    // Note: fromAddress/toAddress are the street segment's range, not the house: the number comes from matchedAddress.
    houseNumber: fromText.houseNumber,
    street: street || fromText.street,
    unit: null,
    city: clean(parts.city) ?? fromText.city,
    state: /^[A-Z]{2}$/.test(parts.state?.trim() ?? '') ? parts.state!.trim() : fromText.state,
    postcode: /^\d{5}$/.test(parts.zip?.trim() ?? '') ? parts.zip!.trim() : fromText.postcode,
  };
}

/** "4600 SILVER HILL RD, WASHINGTON, DC, 20233" → its parts (the Census writes every match this way). */
export function addressOfMatchedText(matched: string): PostalAddress {
  const pieces = matched.split(',').map((piece) => piece.trim());
  const [streetLine = '', city, state, zip] = pieces;
  const numbered = /^(\d+[A-Z]?(?:-\d+)?)\s+(.+)$/.exec(streetLine);
  return {
    houseNumber: numbered ? numbered[1]!.slice(0, 40) : null,
    street: (numbered ? numbered[2]! : streetLine).slice(0, 200) || null,
    unit: null,
    city: city ? city.slice(0, 120) : null,
    state: state && /^[A-Z]{2}$/.test(state) ? state : null,
    postcode: zip && /^\d{5}(-\d{4})?$/.test(zip) ? zip : null,
  };
}

function tractOf(match: CensusMatch): string | null {
  const layers = match.geographies;
  if (!layers) return null;
  for (const entry of layers['Census Tracts'] ?? []) {
    const geoid = entry.GEOID;
    if (typeof geoid === 'string' && /^\d{11}$/.test(geoid)) return geoid;
  }
  // Without the tract layer, a block's 15-digit GEOID starts with its tract's.
  for (const [name, entries] of Object.entries(layers)) {
    if (!/Census Blocks$/.test(name)) continue;
    for (const entry of entries) if (typeof entry.GEOID === 'string' && /^\d{15}$/.test(entry.GEOID)) return entry.GEOID.slice(0, 11);
  }
  return null;
}
