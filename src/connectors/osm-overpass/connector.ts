import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import { bboxSchema, polygonSchema } from '../../core/domain/geo';
import type { PropertyObservation } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { ConnectorError, isConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import type { SkipCount } from './osm-elements';
import { DEFAULT_MAX_ANSWER_BYTES, OVERPASS_SOURCE, parseOverpassJson, parseOverpassStatus, type OverpassStatus } from './parse';
import { buildingsQuery, DEFAULT_QUERY_TIMEOUT_SECONDS, type BuildingArea } from './query';

/**
 * OpenStreetMap buildings from the Overpass API, the real way: ONE POST of form field `data` to
 * {base}/interpreter (base https://overpass-api.de/api by default, configurable in Settings → Data
 * sources) with the query from query.ts, read by parse.ts. One request per area, so the free-first
 * chain's single rate-limit token covers it.
 *
 *   fetchBuildings(db, { bbox } | { polygon }, { signal, onlyAddressed? }) → { observations, skipped, osmBase }
 *   fetchOverpassStatus(db, { signal })                                   → OverpassStatus (/status)
 *
 * Overpass says "no free slot for your address" with 429 and "overloaded" with 504; both arrive
 * as typed errors with the wait when known (Retry-After, or the next free slot from /status).
 * An answer Overpass marks with a remark is refused rather than stored as the whole area.
 */

export interface FetchBuildingsOptions {
  signal?: AbortSignal;
  /** Only buildings with addr:housenumber (filtered by Overpass, so the answer is smaller). */
  onlyAddressed?: boolean;
  /** Overpass's own time limit for the query, seconds (default 180); the HTTP wait is 30 s longer. */
  queryTimeoutSeconds?: number;
  /** How long to wait for the answer, ms (default: the query's time limit plus 30 s). */
  timeoutMs?: number;
  /** Largest answer accepted (default 50 MB). */
  maxBytes?: number;
  retries?: number;
  /** The policy in force (the chain passes ctx.policy); default: read from the database. */
  policy?: SourcePolicy;
}

export interface FetchedBuildings {
  observations: PropertyObservation[];
  skipped: SkipCount[];
  /** The moment of the OSM data the answer reflects. */
  osmBase: string | null;
  url: string;
  latencyMs: number;
  bytes: number;
}

export async function fetchBuildings(db: Db, area: BuildingArea, options: FetchBuildingsOptions = {}): Promise<FetchedBuildings> {
  const checkedArea = checkArea(area);
  const policy = overpassPolicy(db, options.policy);
  const queryTimeoutSeconds = options.queryTimeoutSeconds ?? DEFAULT_QUERY_TIMEOUT_SECONDS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const query = buildingsQuery(checkedArea, { timeoutSeconds: queryTimeoutSeconds, onlyAddressed: options.onlyAddressed ?? false });
  let response;
  try {
    response = await httpRequest(policy, {
      path: '/interpreter',
      method: 'POST',
      form: { data: query },
      expect: 'json',
      timeoutMs: options.timeoutMs ?? (queryTimeoutSeconds + 30) * 1000,
      maxBytes,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
    });
  } catch (error) {
    throw await explain(db, policy, error, options.signal);
  }
  const parsed = parseOverpassJson(response.body, { onlyAddressed: options.onlyAddressed ?? false, maxBytes });
  if (!parsed.complete) {
    throw new ConnectorError({
      kind: 'refused-by-source',
      source: OVERPASS_SOURCE,
      message: `OpenStreetMap Overpass flagged its answer ("${parsed.remark!.slice(0, 200)}"), so it may not hold every building of the area; nothing was kept. Scan a smaller area, or try again later.`,
    });
  }
  return { observations: parsed.observations, skipped: parsed.skipped, osmBase: parsed.osmBase, url: response.url, latencyMs: response.latencyMs, bytes: response.bytes };
}

export async function fetchOverpassStatus(db: Db, options: { signal?: AbortSignal; policy?: SourcePolicy } = {}): Promise<OverpassStatus> {
  const policy = overpassPolicy(db, options.policy);
  const response = await httpRequest(policy, { path: '/status', expect: 'text', accept: ['text/plain'], timeoutMs: 15_000, retries: 0, ...(options.signal ? { signal: options.signal } : {}) });
  return parseOverpassStatus(String(response.body));
}

function overpassPolicy(db: Db, given: SourcePolicy | undefined): SourcePolicy {
  const policy = given ?? sourcePolicy(db, OVERPASS_SOURCE);
  if (!policy) throw new ConnectorError({ kind: 'not-configured', source: OVERPASS_SOURCE, message: 'The OpenStreetMap Overpass source is not in the source catalogue; reinstall Fish Mouth.' });
  return policy;
}

/** Refuses areas Overpass would choke on, before any request (zod at the boundary). */
function checkArea(area: BuildingArea): BuildingArea {
  const parsed = 'bbox' in area ? bboxSchema.safeParse(area.bbox) : polygonSchema.safeParse(area.polygon);
  if (!parsed.success) {
    throw new ConnectorError({ kind: 'http-status', source: OVERPASS_SOURCE, message: `OpenStreetMap buildings not requested: the area is not usable (${parsed.error.issues[0]?.message ?? 'invalid shape'}). Draw or name the territory again.` });
  }
  return area;
}

/** Overpass's own meaning for the statuses it uses, on top of the client's generic message. */
async function explain(db: Db, policy: SourcePolicy, error: unknown, signal: AbortSignal | undefined): Promise<unknown> {
  if (!isConnectorError(error)) return error;
  const retry = (retryAfterMs: number | undefined) => (retryAfterMs === undefined ? {} : { retryAfterMs });
  if (error.kind === 'rate-limited') {
    const retryAfterMs = error.retryAfterMs ?? (await nextSlotMs(db, policy, signal));
    const wait = retryAfterMs === undefined ? '' : ` The next slot frees in about ${Math.ceil(retryAfterMs / 1000)} s.`;
    return new ConnectorError({
      kind: 'rate-limited',
      source: OVERPASS_SOURCE,
      status: 429,
      ...retry(retryAfterMs),
      cause: error,
      message: `OpenStreetMap Overpass has no free query slot for this address right now (HTTP 429).${wait} Fish Mouth pauses the source and tries again; if it repeats, lower its rate in Settings → Data sources.`,
    });
  }
  if (error.status === 504 && (error.kind === 'server-error' || error.kind === 'html-error-page')) {
    return new ConnectorError({
      kind: 'server-error',
      source: OVERPASS_SOURCE,
      status: 504,
      ...retry(error.retryAfterMs),
      cause: error,
      message: 'OpenStreetMap Overpass is overloaded and gave up on the query (HTTP 504 Gateway Timeout). Try again in a few minutes, or scan a smaller area.',
    });
  }
  if (error.kind === 'http-status' && error.status === 400) {
    return new ConnectorError({
      kind: 'http-status',
      source: OVERPASS_SOURCE,
      status: 400,
      cause: error,
      message: `OpenStreetMap Overpass could not read Fish Mouth's query (HTTP 400). Check the Overpass address in Settings → Data sources points at an Overpass API (…/api); if it does, please report this. ${error.message}`,
    });
  }
  return error;
}

/** Seconds to the next free slot, from /status; undefined when the server does not say. */
async function nextSlotMs(db: Db, policy: SourcePolicy, signal: AbortSignal | undefined): Promise<number | undefined> {
  try {
    const status = await fetchOverpassStatus(db, { policy, ...(signal ? { signal } : {}) });
    if (status.rateLimit === 0 || status.slotsAvailableNow > 0) return undefined;
    const soonest = status.slotFreeInSeconds[0];
    return soonest === undefined ? undefined : soonest * 1000;
  } catch {
    // The status page is advice only: without it the 429 still stands, just without a wait.
    return undefined;
  }
}
