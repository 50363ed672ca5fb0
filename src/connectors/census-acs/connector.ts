import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import type { CensusAreaFigures } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { ConnectorError, isConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { ACS_GEOGRAPHY_NAME, ACS_SOURCE, ACS_VARIABLES, KEY_ADVICE, censusRefusal, parseAcsResponse, type AcsGeography, type AcsRejectedRow } from './parse';

/**
 * Census ACS 5-year figures, the real way: one GET
 *   {base}/{vintage}/acs/acs5?get=NAME,B19013_001E,B25035_001E,B25077_001E,B25003_002E,B25003_003E
 *     &for=tract:*&in=state:SS county:CCC           (tracts of a county, or of a state without county)
 *     &for=county:*&in=state:SS                     (counties of a state)
 *     &for=zip code tabulation area:ZZZZZ,…         (ZCTAs; not nested in states since 2020)
 *     [&key=KEY]
 * The key is optional (Census allows a few hundred keyless calls a day per address); the caller
 * reads it from the vault (`ctx.secrets.get(CENSUS_API_KEY_NAME)`) and passes it in. It is never
 * logged: the address returned leaves it out.
 *
 * One request, so the free-first chain's rate-limit token covers it.
 */

export interface AcsFigureRequest {
  /** ACS 5-year release year, e.g. 2022 for 2018–2022. */
  vintage: number;
  geography: AcsGeography;
  /** Two-digit state FIPS; required for tracts, block groups and counties. */
  state?: string;
  /** Three-digit county FIPS; narrows tracts and block groups. */
  county?: string;
  /** Five-digit ZCTAs to ask for (geography 'zcta'); all of them when omitted (a large answer). */
  zctas?: readonly string[];
  apiKey?: string | null;
}

export interface AcsCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
  /** The policy in force (the chain passes ctx.policy); default: read from the database. */
  policy?: SourcePolicy;
}

export interface AcsFetch {
  figures: CensusAreaFigures[];
  rejected: AcsRejectedRow[];
  /** The address asked, without the key. */
  url: string;
  latencyMs: number;
  bytes: number;
}

export async function fetchAcsFigures(db: Db, request: AcsFigureRequest, options: AcsCallOptions = {}): Promise<AcsFetch> {
  const policy = options.policy ?? sourcePolicy(db, ACS_SOURCE);
  if (!policy) throw new ConnectorError({ kind: 'not-configured', source: ACS_SOURCE, message: 'The Census ACS source is not in the source catalogue; reinstall Fish Mouth.' });
  const query = acsQuery(request);
  try {
    const response = await httpRequest(policy, {
      path: `/${request.vintage}/acs/acs5`,
      query: { ...query, ...(request.apiKey ? { key: request.apiKey } : {}) },
      expect: 'text',
      // Census refuses keys with an HTML page and requests with plain text; the parser reads both.
      accept: ['application/json', 'text/json', 'text/plain', 'text/html'],
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
    });
    if (response.headers['x-datawebapi-keyerror']) {
      throw new ConnectorError({ kind: 'refused-by-source', source: ACS_SOURCE, message: `The Census ACS API refused the API key: ${KEY_ADVICE}.` });
    }
    const parsed = parseAcsResponse(String(response.body), { vintage: request.vintage, geography: request.geography });
    return { ...parsed, url: withoutKey(response.url), latencyMs: response.latencyMs, bytes: response.bytes };
  } catch (error) {
    throw explain(error);
  }
}

/** The query of a request (without the key); refuses combinations Census would refuse. */
export function acsQuery(request: AcsFigureRequest): Record<string, string> {
  const get = ['NAME', ...Object.values(ACS_VARIABLES)].join(',');
  const name = ACS_GEOGRAPHY_NAME[request.geography];
  if (!Number.isInteger(request.vintage) || request.vintage < 2009 || request.vintage > 2100) {
    throw invalid(`${request.vintage} is not an ACS 5-year vintage; the first is 2009`);
  }
  if (request.state !== undefined && !/^\d{2}$/.test(request.state)) throw invalid(`state "${request.state}" is not a two-digit FIPS code (Texas is 48)`);
  if (request.county !== undefined && !/^\d{3}$/.test(request.county)) throw invalid(`county "${request.county}" is not a three-digit FIPS code (Collin County, Texas is 085)`);
  switch (request.geography) {
    case 'zcta': {
      const zctas = request.zctas ?? [];
      const bad = zctas.find((zcta) => !/^\d{5}$/.test(zcta));
      if (bad !== undefined) throw invalid(`"${bad}" is not a five-digit ZCTA`);
      return { get, for: `${name}:${zctas.length > 0 ? zctas.join(',') : '*'}` };
    }
    case 'county':
      if (!request.state) throw invalid('counties are asked for within a state: give its FIPS code');
      return { get, for: `${name}:${request.county ?? '*'}`, in: `state:${request.state}` };
    case 'tract':
    case 'block-group': {
      if (!request.state) throw invalid(`${request.geography === 'tract' ? 'tracts' : 'block groups'} are asked for within a state: give its FIPS code`);
      if (request.geography === 'block-group' && !request.county) throw invalid('block groups are asked for within a county: give its FIPS code');
      const within = [`state:${request.state}`, ...(request.county ? [`county:${request.county}`] : [])];
      return { get, for: `${name}:*`, in: within.join(' ') };
    }
  }
}

/** Census puts the reason for a 400 in its text body; the client quotes it in the message. */
function explain(error: unknown): unknown {
  if (!isConnectorError(error) || error.kind !== 'http-status' || error.status !== 400) return error;
  const said = /"(error:[^"]*)"/i.exec(error.message)?.[1] ?? error.message;
  return censusRefusal(said, 400);
}

function withoutKey(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.searchParams.has('key')) parsed.searchParams.set('key', 'REDACTED');
    return parsed.toString();
  } catch {
    return url.replace(/([?&]key=)[^&]*/i, '$1REDACTED');
  }
}

function invalid(detail: string): ConnectorError {
  return new ConnectorError({ kind: 'http-status', source: ACS_SOURCE, message: `Census ACS request not sent: ${detail}.` });
}
