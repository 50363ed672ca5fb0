import { takeRateToken } from '../../core/http/rate-token';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import type { StormKind, StormReport } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { ConnectorError, isConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { SPC_FILE_KIND, SPC_SOURCE, parseSpcReports, reportDayOf, reportDayStart, shiftReportDay, yymmddOf, type RejectedRow, type ReportDay } from './parse';

/**
 * NOAA SPC daily storm reports, the real way: one GET per kind of
 *   {base}/climo/reports/YYMMDD_rpts_filtered_{hail,wind,torn}.csv
 *   {base}/climo/reports/{today,yesterday}_filtered_{kind}.csv     (the running and the last report day)
 * Report days run 12Z to 12Z (parse.ts); 'today' is the one running now.
 *
 * Note: SPC answers 404 (its HTML "Page Not Found") for a day it has no file for. That is not a
 * failure of the scan: the file comes back `published: false` with no reports, and the typed error
 * is kept beside it (`isNoReportsError` recognises it). Every other failure throws.
 *
 * Rate: the free-first chain takes one token of the source's shared limit before calling in; the
 * second and third kinds each take their own.
 */

export type SpcDay = ReportDay | 'today' | 'yesterday';

export interface SpcCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
  /** The policy in force (the chain passes ctx.policy); default: read from the database. */
  policy?: SourcePolicy;
  /** The caller already holds a rate-limit token for the first request (the chain does). Default true. */
  firstRequestAcquired?: boolean;
  /** Longest wait for each further token (default 30 s). */
  maxRateWaitMs?: number;
  /** The clock that decides which report day is 'today'. */
  now?: () => Date;
}

export interface SpcFile {
  kind: StormKind;
  /** The address asked. */
  path: string;
  /** False when SPC has no file for the day (HTTP 404): no reports, not an error. */
  published: boolean;
  reports: StormReport[];
  rejected: RejectedRow[];
  /** The 404 as a typed error, when `published` is false. */
  missing?: ConnectorError;
}

export interface SpcFetch {
  reportDay: ReportDay;
  files: SpcFile[];
  /** Every kind's reports together, in the files' order. */
  reports: StormReport[];
}

const ALL_KINDS: readonly StormKind[] = ['hail', 'wind', 'tornado'];

export async function fetchSpcReports(db: Db, day: SpcDay, kinds: readonly StormKind[] = ALL_KINDS, options: SpcCallOptions = {}): Promise<SpcFetch> {
  const policy = options.policy ?? sourcePolicy(db, SPC_SOURCE);
  if (!policy) throw new ConnectorError({ kind: 'not-configured', source: SPC_SOURCE, message: 'NOAA SPC is not in the source catalogue; reinstall Fish Mouth.' });
  const reportDay = resolveReportDay(day, (options.now ?? (() => new Date()))());
  const files: SpcFile[] = [];
  let tokenHeld = options.firstRequestAcquired ?? true;
  for (const kind of [...new Set(kinds)]) {
    if (!tokenHeld) await takeRateToken(db, policy, options);
    tokenHeld = false;
    const path = spcReportPath(day, reportDay, kind);
    try {
      const response = await httpRequest(policy, {
        path,
        expect: 'text',
        // SPC serves text/csv; some mirrors say text/plain or application/octet-stream.
        accept: ['text/csv', 'text/plain', 'application/csv', 'application/octet-stream'],
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.retries === undefined ? {} : { retries: options.retries }),
      });
      const parsed = parseSpcReports(String(response.body), { reportDay, expectedKind: kind });
      files.push({ kind, path, published: true, reports: parsed.reports, rejected: parsed.rejected });
    } catch (error) {
      if (!isNoReportsError(error)) throw error;
      files.push({ kind, path, published: false, reports: [], rejected: [], missing: error });
    }
  }
  return { reportDay, files, reports: files.flatMap((file) => file.reports) };
}

/** SPC's answer for a day it has no file for: HTTP 404 (or 410). The scan takes it as "no reports". */
export function isNoReportsError(error: unknown): error is ConnectorError {
  return isConnectorError(error) && error.source === SPC_SOURCE && (error.kind === 'http-status' || error.kind === 'html-error-page') && (error.status === 404 || error.status === 410);
}

/** The report day a request means (an explicit day is checked to be a real date). */
export function resolveReportDay(day: SpcDay, now: Date): ReportDay {
  const running = reportDayOf(now.getTime());
  if (day === 'today') return running;
  if (day === 'yesterday') return shiftReportDay(running, -1);
  reportDayStart(day);
  return day;
}

export function spcReportPath(day: SpcDay, reportDay: ReportDay, kind: StormKind): string {
  const word = SPC_FILE_KIND[kind];
  if (day === 'today' || day === 'yesterday') return `/climo/reports/${day}_filtered_${word}.csv`;
  return `/climo/reports/${yymmddOf(reportDay)}_rpts_filtered_${word}.csv`;
}

