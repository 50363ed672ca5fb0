import type { LatLng } from '../../core/domain/geo';
import type { PostalAddress, PropertyObservation } from '../../core/domain/records';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import { httpRequest } from '../../core/http/client';
import { ConnectorError, isConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { parsePropertyDetail, PROPERTY_RECORDS_SOURCE_ID, type PropertyRecord } from './parse';

/**
 * The paid property-records API (ATTOM-style), for targeted enrichment only: one call per
 * property whose critical facts (year built / roof age, value, owner-occupancy) are missing after
 * every free source, made by the free-first chain's paid step after a budget reservation
 * (step.ts). Each call is billed by the vendor, hit or miss.
 *
 *   lookupPropertyByAddress(db, address, { apiKey }) → PropertyLookup
 *     GET {base}/propertyapi/v1.0.0/property/detail?address1=123 MAIN ST&address2=PLANO, TX 75074
 *   lookupPropertyAt(db, point, { apiKey, radiusMiles })  → PropertyLookup
 *     GET {base}/propertyapi/v1.0.0/property/detail?latitude=…&longitude=…&radius=…
 *   header  apikey: {the 'property-records.api-key' secret}
 *
 * A missing key is refused here, before any call, so nothing is billed for it.
 */

export const PROPERTY_RECORDS_API_KEY_SECRET = 'property-records.api-key';
const DETAIL_PATH = 'propertyapi/v1.0.0/property/detail';

export interface PropertyLookupOptions {
  /** The API key (read by the caller from the secret store); null/undefined refuses without calling. */
  apiKey: string | null | undefined;
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
  policy?: SourcePolicy;
  now?: () => Date;
}

export type PropertyLookup =
  | { kind: 'found'; record: PropertyRecord; observation: PropertyObservation; latencyMs: number }
  | { kind: 'no-match'; message: string; latencyMs: number };

function policyInForce(db: Db, policy?: SourcePolicy): SourcePolicy {
  const inForce = policy ?? sourcePolicy(db, PROPERTY_RECORDS_SOURCE_ID);
  if (!inForce) throw new ConnectorError({ kind: 'not-configured', source: PROPERTY_RECORDS_SOURCE_ID, message: 'Property records are not in the source catalogue; reinstall Fish Mouth.' });
  return inForce;
}

/** ATTOM's two address lines: street, then "CITY, ST ZIP". */
export function addressLines(address: PostalAddress): { address1: string; address2: string } | null {
  if (!address.street) return null;
  const address1 = [address.houseNumber, address.street, address.unit ? `#${address.unit}` : null].filter(Boolean).join(' ');
  const region = [address.state, address.postcode].filter(Boolean).join(' ');
  const address2 = [address.city, region].filter((part) => part && part.length > 0).join(', ');
  // Without a city or ZIP the vendor cannot place a street line (and still bills the call).
  if (!address.houseNumber || address2.length === 0 || (!address.city && !address.postcode)) return null;
  return { address1, address2 };
}

async function detail(db: Db, query: Record<string, string>, options: PropertyLookupOptions): Promise<PropertyLookup> {
  const policy = policyInForce(db, options.policy);
  const apiKey = options.apiKey?.trim();
  if (!apiKey) {
    throw new ConnectorError({ kind: 'not-configured', source: PROPERTY_RECORDS_SOURCE_ID, message: `${policy.name} needs an API key: add "property-records.api-key" in Settings → API keys. Nothing was charged.` });
  }
  const observedAt = (options.now?.() ?? new Date()).toISOString();
  let body: unknown;
  let latencyMs: number;
  try {
    const response = await httpRequest(policy, {
      path: DETAIL_PATH,
      query,
      headers: { apikey: apiKey },
      expect: 'json',
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      // Note: a paid call is retried only for failures the vendor does not bill (network, 5xx, 429).
      ...(options.retries === undefined ? {} : { retries: options.retries }),
    });
    body = response.body;
    latencyMs = response.latencyMs;
  } catch (error) {
    // The vendor answers "no such property" with HTTP 400 and a SuccessWithoutResult status.
    if (isConnectorError(error) && error.status === 400 && /withoutresult/i.test(error.message)) {
      return { kind: 'no-match', message: `${policy.name} has no property at that address.`, latencyMs: 0 };
    }
    if (isConnectorError(error) && (error.status === 401 || error.status === 403)) {
      throw new ConnectorError({ kind: 'refused-by-source', source: PROPERTY_RECORDS_SOURCE_ID, status: error.status, message: `${policy.name} refused the API key (HTTP ${error.status}); check "property-records.api-key" in Settings → API keys and the account's subscription.` });
    }
    throw error;
  }
  const parsed = parsePropertyDetail(body, { observedAt, attribution: policy.licence.attribution, label: policy.name });
  if (parsed.kind === 'no-match') return { kind: 'no-match', message: parsed.message, latencyMs };
  const record = parsed.records[0]!;
  return { kind: 'found', record, observation: record.observation, latencyMs };
}

export async function lookupPropertyByAddress(db: Db, address: PostalAddress, options: PropertyLookupOptions): Promise<PropertyLookup> {
  const lines = addressLines(address);
  if (!lines) {
    throw new ConnectorError({ kind: 'not-configured', source: PROPERTY_RECORDS_SOURCE_ID, message: 'Property records need a house number, street and city or ZIP to look a property up; this address is incomplete, so no paid call was made.' });
  }
  return detail(db, lines, options);
}

export async function lookupPropertyAt(db: Db, point: LatLng, options: PropertyLookupOptions & { radiusMiles?: number }): Promise<PropertyLookup> {
  const radius = Math.min(1, Math.max(0.005, options.radiusMiles ?? 0.02));
  return detail(db, { latitude: point.lat.toFixed(6), longitude: point.lng.toFixed(6), radius: String(radius) }, options);
}
