import type { BBox } from '../../core/domain/geo';
import type { BuildingPermit } from '../../core/domain/records';
import { takeRateToken } from '../../core/http/rate-token';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import { httpRequest } from '../../core/http/client';
import { ConnectorError, isConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { parseSodaRows, permitsFromRows, socrataRefusal, SOCRATA_SOURCE_ID, type PermitRejection, type SodaRow } from './parse';
import { mappedColumns, type PortalConfig } from './portals';

/**
 * Building permits from a city's Socrata portal over SODA, the real way:
 *
 *   GET {portal}/resource/{dataset}.json?$select=…&$where=…&$order=:id&$limit=1000&$offset=N
 *   X-App-Token: {the 'socrata.app-token' secret, when the user has one}
 *
 *   buildPermitQuery(portal, bbox, options) → the SoQL ($select/$where/$order) sent
 *   fetchSodaRows(db, portal, query, options) → every row, page by page (stops at a short page)
 *   fetchPermits(db, portal, bbox, options) → BuildingPermit[] (roofing ones by default)
 *
 * $select names only mapped columns (no applicant, contractor or owner names). Paging is ordered
 * by the system :id so pages neither overlap nor skip. Every further page takes its own token of
 * the source's shared rate limit (the chain takes the first).
 */

export const SOCRATA_APP_TOKEN_SECRET = 'socrata.app-token';

export interface SocrataCallOptions {
  /** The app token; anonymous requests work but are throttled harder. */
  appToken?: string | null;
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
  policy?: SourcePolicy;
  firstRequestAcquired?: boolean;
  maxRateWaitMs?: number;
}

export interface FetchPermitsOptions extends SocrataCallOptions {
  /** Only permits the portal's roofing filter finds (default true). */
  roofingOnly?: boolean;
  /** Earliest issue date, 'YYYY-MM-DD' in the portal's local time. */
  since?: string;
  /** Rows per request ($limit), default 1000, at most 50,000 (SODA 2.0's ceiling). */
  pageSize?: number;
  /** Stop (with a warning) after this many rows; default 50,000. */
  maxRows?: number;
  onProgress?: (progress: { rows: number; pages: number }) => void;
}

export interface SodaQuery {
  select: string;
  where: string | null;
  order: string;
}

export interface PermitFetch {
  portal: string;
  query: SodaQuery;
  permits: BuildingPermit[];
  rejected: PermitRejection[];
  warnings: string[];
  pages: number;
  requests: number;
  complete: boolean;
}

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 50_000;

export function portalPolicy(db: Db, portal: PortalConfig, policy?: SourcePolicy): SourcePolicy {
  const inForce = policy ?? sourcePolicy(db, SOCRATA_SOURCE_ID);
  if (!inForce) throw new ConnectorError({ kind: 'not-configured', source: SOCRATA_SOURCE_ID, message: 'Building permits are not in the source catalogue; reinstall Fish Mouth.' });
  const name = `Building permits (${portal.label})`;
  if (portal.baseUrl) return { ...inForce, name, baseUrl: portal.baseUrl };
  if (!inForce.baseUrl) throw new ConnectorError({ kind: 'not-configured', source: SOCRATA_SOURCE_ID, message: `${name} has no portal address; set the Building permits address in Settings → Data sources.` });
  return { ...inForce, name };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function buildPermitQuery(portal: PortalConfig, bbox: BBox | null, options: Pick<FetchPermitsOptions, 'roofingOnly' | 'since'> = {}): { query: SodaQuery; warnings: string[] } {
  const f = portal.fields;
  const clauses: string[] = [];
  const warnings: string[] = [];
  if (options.roofingOnly ?? true) clauses.push(`(${portal.roofing.where})`);
  if (bbox) {
    const [west, south, east, north] = bbox;
    if (f.location) clauses.push(`within_box(${f.location}, ${north}, ${west}, ${south}, ${east})`);
    else if (f.latitude && f.longitude) clauses.push(`${f.latitude} between ${south} and ${north} AND ${f.longitude} between ${west} and ${east}`);
    else warnings.push(`${portal.label} publishes no location column, so permits of the whole portal were asked for, not only the box.`);
  }
  if (options.since !== undefined) {
    if (!DAY.test(options.since)) throw new ConnectorError({ kind: 'not-configured', source: SOCRATA_SOURCE_ID, message: `"${options.since}" is not a date; give the earliest issue date as YYYY-MM-DD.` });
    clauses.push(`${f.issuedAt} >= '${options.since}T00:00:00'`);
  }
  return { query: { select: [':id', ...mappedColumns(f)].join(','), where: clauses.length > 0 ? clauses.join(' AND ') : null, order: ':id' }, warnings };
}

/** Re-reads the client's HTTP refusals as Socrata's, with advice about tokens and columns. */
function asSocrataError(error: unknown, label: string): unknown {
  if (!isConnectorError(error) || error.status === undefined || error.kind === 'rate-limited' || error.status >= 500) return error;
  if (error.status !== 400 && error.status !== 401 && error.status !== 403 && error.status !== 404) return error;
  const said = /\(HTTP \d+: "(.*)"\)/.exec(error.message)?.[1];
  if (error.status === 404) {
    return new ConnectorError({ kind: 'http-status', source: SOCRATA_SOURCE_ID, status: 404, message: `${label}: the dataset was not found${said ? ` ("${said}")` : ''}; check its dataset id and the portal address in Settings → Data sources.` });
  }
  return socrataRefusal(error.status, { message: said ?? '', ...(error.status === 400 ? { code: 'query' } : {}) }, label);
}

export async function fetchSodaRows(
  db: Db,
  portal: PortalConfig,
  query: SodaQuery,
  options: Omit<FetchPermitsOptions, 'roofingOnly' | 'since'> = {},
  onPage?: (rows: SodaRow[]) => void,
): Promise<{ pages: number; rows: number; complete: boolean }> {
  const policy = portalPolicy(db, portal, options.policy);
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(options.pageSize ?? DEFAULT_PAGE)));
  const maxRows = options.maxRows ?? 50_000;
  const headers: Record<string, string> = options.appToken ? { 'x-app-token': options.appToken } : {};
  let tokenHeld = options.firstRequestAcquired ?? true;
  let pages = 0;
  let rows = 0;
  for (let offset = 0; ; offset += limit) {
    if (!tokenHeld) {
      await takeRateToken(db, policy, options);
    }
    tokenHeld = false;
    let body: unknown;
    try {
      const response = await httpRequest(policy, {
        path: `resource/${portal.datasetId}.json`,
        query: { $select: query.select, ...(query.where ? { $where: query.where } : {}), $order: query.order, $limit: limit, $offset: offset },
        headers,
        expect: 'json',
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.retries === undefined ? {} : { retries: options.retries }),
      });
      body = response.body;
    } catch (error) {
      throw asSocrataError(error, policy.name);
    }
    const page = parseSodaRows(body, policy.name);
    pages += 1;
    rows += page.length;
    onPage?.(page);
    // SODA has no "more" flag: a page shorter than $limit is the last one.
    if (page.length < limit) return { pages, rows, complete: true };
    if (rows >= maxRows) return { pages, rows, complete: false };
  }
}

export async function fetchPermits(db: Db, portal: PortalConfig, bbox: BBox | null, options: FetchPermitsOptions = {}): Promise<PermitFetch> {
  const { query, warnings } = buildPermitQuery(portal, bbox, options);
  const result: PermitFetch = { portal: portal.id, query, permits: [], rejected: [], warnings, pages: 0, requests: 0, complete: true };
  const seen = new Set<string>();
  let offset = 0;
  const paged = await fetchSodaRows(db, portal, query, options, (rows) => {
    const mapped = permitsFromRows(rows, { portal });
    for (const permit of mapped.permits) {
      if (seen.has(permit.sourceRecordId)) continue;
      seen.add(permit.sourceRecordId);
      result.permits.push(permit);
    }
    result.rejected.push(...mapped.rejected.map((rejection) => ({ ...rejection, index: rejection.index + offset })));
    offset += rows.length;
    options.onProgress?.({ rows: offset, pages: result.pages + 1 });
    result.pages += 1;
  });
  result.requests = paged.pages;
  result.complete = paged.complete;
  if (!paged.complete) result.warnings.push(`${portal.label}: stopped after ${paged.rows.toLocaleString('en-US')} permits; scan a smaller area or a later start date to get them all.`);
  return result;
}
