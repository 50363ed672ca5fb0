import { Readable } from 'node:stream';
import { takeRateToken } from '../../core/http/rate-token';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import { bboxSchema, type BBox } from '../../core/domain/geo';
import type { StormKind } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { ConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { STORM_EVENTS_FOLDER, latestDetailsFile, parseStormEventsListing, type StormEventsFile } from './listing';
import { STORM_EVENTS_SOURCE, parseStormEvents, type StormEventsResult } from './parse';

/**
 * NCEI Storm Events for a year, the real way:
 *   1. GET {base}/pub/data/swdi/stormevents/csvfiles/       the folder listing: the newest c-date of the year
 *   2. GET {base}/pub/data/swdi/stormevents/csvfiles/StormEvents_details-ftp_v1.0_dYYYY_cYYYYMMDD.csv.gz
 * then unpack and read it as a stream, keeping hail, thunderstorm wind and tornado reports in the
 * box (and date range). Note: the compressed file (10–20 MB for a recent year) is held in memory
 * while it is read; its ~50 MB of CSV never is.
 *
 * Rate: the free-first chain takes one token before calling in (the listing); the download takes
 * its own.
 */

export interface StormEventsRequest {
  year: number;
  bbox?: BBox;
  /** ISO instants; from ≤ occurredAt < to. */
  from?: string;
  to?: string;
  kinds?: readonly StormKind[];
}

export interface StormEventsCallOptions {
  signal?: AbortSignal;
  /** Per request; the download of a year may take a while on a slow line (default 5 minutes). */
  timeoutMs?: number;
  retries?: number;
  /** The policy in force (the chain passes ctx.policy); default: read from the database. */
  policy?: SourcePolicy;
  /** The caller already holds a rate-limit token for the first request (the chain does). Default true. */
  firstRequestAcquired?: boolean;
  maxRateWaitMs?: number;
  /** Largest compressed file accepted (default 200 MB). */
  maxBytes?: number;
}

export interface StormEventsFetch extends StormEventsResult {
  file: StormEventsFile;
  /** Compressed bytes downloaded. */
  bytes: number;
}

const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
const MAX_FILE_BYTES = 200 * 1024 * 1024;

export async function fetchStormEvents(db: Db, request: StormEventsRequest, options: StormEventsCallOptions = {}): Promise<StormEventsFetch> {
  const policy = options.policy ?? sourcePolicy(db, STORM_EVENTS_SOURCE);
  if (!policy) throw new ConnectorError({ kind: 'not-configured', source: STORM_EVENTS_SOURCE, message: 'NCEI Storm Events is not in the source catalogue; reinstall Fish Mouth.' });
  checkRequest(request);
  const common = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
  };

  if (!(options.firstRequestAcquired ?? true)) await takeRateToken(db, policy, options);
  const listing = await httpRequest(policy, { path: STORM_EVENTS_FOLDER, expect: 'text', accept: ['text/html'], timeoutMs: options.timeoutMs ?? 60_000, ...common });
  const file = latestDetailsFile(parseStormEventsListing(String(listing.body)), request.year);

  await takeRateToken(db, policy, options);
  const download = await httpRequest(policy, {
    path: `${STORM_EVENTS_FOLDER}${file.fileName}`,
    expect: 'bytes',
    accept: ['application/x-gzip', 'application/gzip', 'application/octet-stream', 'text/csv'],
    timeoutMs: options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? MAX_FILE_BYTES,
    ...common,
  });
  const bytes = download.body as Buffer;
  const parsed = await parseStormEvents(Readable.from([bytes]), {
    ...(request.bbox ? { bbox: request.bbox } : {}),
    ...(request.from ? { from: request.from } : {}),
    ...(request.to ? { to: request.to } : {}),
    ...(request.kinds ? { kinds: request.kinds } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...parsed, file, bytes: bytes.length };
}

function checkRequest(request: StormEventsRequest): void {
  const refuse = (detail: string) => new ConnectorError({ kind: 'http-status', source: STORM_EVENTS_SOURCE, message: `NCEI Storm Events request not sent: ${detail}.` });
  if (!Number.isInteger(request.year) || request.year < 1950 || request.year > 2100) throw refuse(`${request.year} is not a year of the database (it starts in 1950)`);
  if (request.bbox && !bboxSchema.safeParse(request.bbox).success) throw refuse(`[${request.bbox.join(', ')}] is not a territory box (W, S, E, N in degrees)`);
  for (const [name, value] of [['from', request.from], ['to', request.to]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw refuse(`${name} "${value}" is not a time`);
  }
}

