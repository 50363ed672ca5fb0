import { sourcePolicy } from '../../core/cost/sources';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { pointSchema, type LatLng } from '../../core/domain/geo';
import type { GeocodeResult, PostalAddress } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { ConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { NOMINATIM_ATTRIBUTION, parseNominatimReverse, parseNominatimSearch } from './parse';

/**
 * Nominatim over HTTP (https://nominatim.org/release-docs/latest/api/):
 *
 *   searchNominatim(db, "123 Main St, Austin, TX", options)   → GeocodeResult[] (best first)
 *   searchNominatimAddress(db, postalAddress, options)       → GeocodeResult[] (structured query)
 *   reverseNominatim(db, { lat, lng }, options)              → GeocodeResult | null
 *
 * Always format=jsonv2 (json is parsed too), addressdetails=1, countrycodes=us.
 * Note: the usage policy's one request a second is enforced by the shared rate limiter in the
 * free-first chain, not here; what IS checked here is the other hard rule of the policy — an
 * identifying User-Agent ("stock User-Agents as set by http libraries will not do").
 */

const SOURCE = 'nominatim';
/** Nominatim returns at most 40 places however many are asked for. */
const MAX_LIMIT = 40;
const MAX_BYTES = 2 * 1024 * 1024;

export interface NominatimOptions {
  /** The policy in force (the chain passes ctx.policy); default: the catalogue's with the user's settings. */
  policy?: SourcePolicy;
  signal?: AbortSignal;
  /** Default 5. */
  limit?: number;
  timeoutMs?: number;
  retries?: number;
  format?: 'jsonv2' | 'json';
}

export async function searchNominatim(db: Db, query: string, options: NominatimOptions = {}): Promise<GeocodeResult[]> {
  const q = query.trim();
  if (q.length === 0 || q.length > 500) {
    throw new ConnectorError({ kind: 'http-status', source: SOURCE, message: 'Give Nominatim an address of 1 to 500 characters to search for.' });
  }
  return search(db, { q }, q, options);
}

/** A structured search: fewer wrong guesses than free text when the parts are known. */
export async function searchNominatimAddress(db: Db, address: PostalAddress, options: NominatimOptions = {}): Promise<GeocodeResult[]> {
  const street = [address.houseNumber, address.street].filter(Boolean).join(' ');
  const params: Record<string, string | undefined> = {
    street: street || undefined,
    city: address.city ?? undefined,
    state: address.state ?? undefined,
    postalcode: address.postcode ?? undefined,
  };
  const described = [street, address.city, [address.state, address.postcode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  if (!street && !address.postcode && !address.city) {
    throw new ConnectorError({ kind: 'http-status', source: SOURCE, message: 'Nominatim needs at least a street, a city or a ZIP code to search for.' });
  }
  return search(db, params, described, options);
}

export async function reverseNominatim(db: Db, point: LatLng, options: NominatimOptions = {}): Promise<GeocodeResult | null> {
  const checked = pointSchema.safeParse(point);
  if (!checked.success) {
    throw new ConnectorError({ kind: 'http-status', source: SOURCE, message: `(${point.lat}, ${point.lng}) is not a place on Earth: ${checked.error.issues[0]!.message}.` });
  }
  const policy = policyFor(db, options);
  const response = await httpRequest(policy, {
    path: '/reverse',
    // zoom=18: the building level (Nominatim's "building" detail).
    query: { lat: checked.data.lat, lon: checked.data.lng, format: options.format ?? 'jsonv2', addressdetails: 1, zoom: 18, 'accept-language': 'en' },
    expect: 'json',
    maxBytes: MAX_BYTES,
    ...requestOptions(options),
  });
  return parseNominatimReverse(response.body, checked.data, attributionOf(policy));
}

async function search(db: Db, params: Record<string, string | undefined>, described: string, options: NominatimOptions): Promise<GeocodeResult[]> {
  const policy = policyFor(db, options);
  const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(options.limit ?? 5)));
  const response = await httpRequest(policy, {
    path: '/search',
    query: { ...params, format: options.format ?? 'jsonv2', addressdetails: 1, countrycodes: 'us', limit, 'accept-language': 'en' },
    expect: 'json',
    maxBytes: MAX_BYTES,
    ...requestOptions(options),
  });
  return parseNominatimSearch(response.body, described, attributionOf(policy));
}

function requestOptions(options: NominatimOptions): { signal?: AbortSignal; timeoutMs?: number; retries?: number } {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
  };
}

// Library defaults that identify a tool, not an application: Nominatim blocks them.
const STOCK_AGENTS = /^(node(-fetch)?|undici|axios|got|curl|wget|python-requests|python-urllib|okhttp|java|go-http-client|mozilla\/5\.0)\b/i;

function policyFor(db: Db, options: NominatimOptions): SourcePolicy {
  const policy = options.policy ?? sourcePolicy(db, SOURCE);
  if (!policy) throw new ConnectorError({ kind: 'not-configured', source: SOURCE, message: 'Nominatim is missing from the data source catalogue; reinstall Fish Mouth.' });
  if (STOCK_AGENTS.test(policy.userAgent.trim())) {
    throw new ConnectorError({
      kind: 'not-configured',
      source: SOURCE,
      message: `Nominatim's usage policy requires a User-Agent that names the application, not "${policy.userAgent.slice(0, 60)}"; set one like "FishMouth/0.1 (you@example.com)" in Settings → Data sources.`,
    });
  }
  return policy;
}

/** The policy's credit, with the licence named as the ODbL asks ("© OpenStreetMap contributors, ODbL 1.0"). */
function attributionOf(policy: SourcePolicy): string {
  const declared = policy.licence.attribution ?? NOMINATIM_ATTRIBUTION;
  return /odbl/i.test(policy.licence.name) && !/odbl/i.test(declared) ? `${declared}, ODbL 1.0` : declared;
}
