import { sourcePolicy } from '../../core/cost/sources';
import type { SourcePolicy } from '../../core/cost/source-policy';
import type { GeocodeResult } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { ConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { censusBatchFile, MAX_BATCH_ROWS, parseCensusBatch, type CensusBatchAddress, type CensusBatchRow } from './batch';
import { CENSUS_ATTRIBUTION, CENSUS_GEOCODER_LABEL, CENSUS_GEOCODER_SOURCE, parseCensusOneLine } from './parse';

/**
 * The US Census geocoder over HTTP (Geocoding Services API; free, no key):
 *
 *   geocodeCensusOneLine(db, "4600 Silver Hill Rd, Washington, DC 20233", { returntype? }) → GeocodeResult[]
 *   geocodeCensusBatch(db, addresses, { returntype? })   → CensusBatchRow[] in the order given
 *
 * benchmark=Public_AR_Current; with returntype 'geographies' (the default: the tract is what
 * enrichment needs) also vintage=Current_Current, so each result carries its census tract.
 * A batch of more than 10,000 addresses is sent as several uploads of at most 10,000, one after
 * another (each is one call against the daily cap, and the chain's rate limiter spaces them).
 */

export type CensusReturnType = 'locations' | 'geographies';

export interface CensusGeocoderOptions {
  /** The policy in force (the chain passes ctx.policy); default: the catalogue's with the user's settings. */
  policy?: SourcePolicy;
  returntype?: CensusReturnType;
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
}

const BENCHMARK = 'Public_AR_Current';
const VINTAGE = 'Current_Current';
const MAX_ADDRESS_CHARS = 100;
/** A batch of 10,000 takes the Census minutes to answer. */
const BATCH_TIMEOUT_MS = 10 * 60_000;

export async function geocodeCensusOneLine(db: Db, address: string, options: CensusGeocoderOptions = {}): Promise<GeocodeResult[]> {
  const text = address.trim();
  if (text.length === 0 || text.length > MAX_ADDRESS_CHARS) {
    throw new ConnectorError({ kind: 'http-status', source: CENSUS_GEOCODER_SOURCE, message: `The ${CENSUS_GEOCODER_LABEL} takes a one-line address of 1 to ${MAX_ADDRESS_CHARS} characters (${text.length} given).` });
  }
  const policy = policyFor(db, options);
  const returntype = options.returntype ?? 'geographies';
  const response = await httpRequest(policy, {
    path: `/${returntype}/onelineaddress`,
    query: { address: text, benchmark: BENCHMARK, vintage: returntype === 'geographies' ? VINTAGE : undefined, format: 'json' },
    expect: 'json',
    maxBytes: 4 * 1024 * 1024,
    ...requestOptions(options),
  });
  return parseCensusOneLine(response.body, text, attributionOf(policy));
}

export async function geocodeCensusBatch(db: Db, addresses: readonly CensusBatchAddress[], options: CensusGeocoderOptions = {}): Promise<CensusBatchRow[]> {
  const policy = policyFor(db, options);
  const returntype = options.returntype ?? 'geographies';
  const rows: CensusBatchRow[] = [];
  for (let start = 0; start < addresses.length; start += MAX_BATCH_ROWS) {
    rows.push(...(await geocodeChunk(policy, addresses.slice(start, start + MAX_BATCH_ROWS), returntype, options)));
  }
  return rows;
}

async function geocodeChunk(policy: SourcePolicy, chunk: readonly CensusBatchAddress[], returntype: CensusReturnType, options: CensusGeocoderOptions): Promise<CensusBatchRow[]> {
  const file = censusBatchFile(chunk);
  const multipart: Record<string, string | { filename: string; content: string; contentType: string }> = {
    addressFile: { filename: 'addresses.csv', content: file, contentType: 'text/csv' },
    benchmark: BENCHMARK,
  };
  if (returntype === 'geographies') multipart.vintage = VINTAGE;
  const response = await httpRequest(policy, {
    path: `/${returntype}/addressbatch`,
    method: 'POST',
    multipart,
    expect: 'text',
    // The Census labels the results text/plain (an attachment GeocodeResults.csv).
    accept: ['text/plain', 'text/csv', 'application/csv'],
    maxBytes: 16 * 1024 * 1024,
    ...requestOptions(options),
    timeoutMs: options.timeoutMs ?? BATCH_TIMEOUT_MS,
  });
  const answer = parseCensusBatch(response.body as string, attributionOf(policy));
  const byId = new Map(answer.rows.map((row) => [row.id, row]));
  const missing = chunk.filter((address) => !byId.has(address.id));
  if (missing.length > 0) {
    const rejected = answer.rejected.length > 0 ? `; ${answer.rejected.length} line(s) could not be read, first: line ${answer.rejected[0]!.line}, ${answer.rejected[0]!.reason}` : '';
    throw new ConnectorError({
      kind: answer.rejected.length > 0 ? 'malformed-body' : 'truncated',
      source: CENSUS_GEOCODER_SOURCE,
      message: `The ${CENSUS_GEOCODER_LABEL} answered for ${chunk.length - missing.length} of the ${chunk.length} addresses sent (missing e.g. id ${missing[0]!.id})${rejected}. Try the batch again.`,
    });
  }
  return chunk.map((address) => byId.get(address.id)!);
}

function requestOptions(options: CensusGeocoderOptions): { signal?: AbortSignal; timeoutMs?: number; retries?: number } {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
  };
}

function policyFor(db: Db, options: CensusGeocoderOptions): SourcePolicy {
  const policy = options.policy ?? sourcePolicy(db, CENSUS_GEOCODER_SOURCE);
  if (!policy) throw new ConnectorError({ kind: 'not-configured', source: CENSUS_GEOCODER_SOURCE, message: 'The US Census geocoder is missing from the data source catalogue; reinstall Fish Mouth.' });
  return policy;
}

function attributionOf(policy: SourcePolicy): string {
  return policy.licence.attribution ?? CENSUS_ATTRIBUTION;
}
