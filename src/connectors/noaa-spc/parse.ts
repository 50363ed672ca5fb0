import { parse as parseCsv } from 'csv-parse/sync';
import { ConnectorError } from '../../core/http/errors';
import { stormReportSchema, type StormKind, type StormReport } from '../../core/domain/records';

/**
 * NOAA SPC daily storm report CSVs (https://www.spc.noaa.gov/climo/reports/YYMMDD_rpts_filtered_{hail,wind,torn}.csv)
 * → StormReport records. Pure.
 *
 * The files, as SPC publishes them (fixtures 180615_rpts_filtered_*.csv):
 *   hail:    Time,Size,Location,County,State,Lat,Lon,Comments      Size in hundredths of an inch (175 → 1.75")
 *   wind:    Time,Speed,Location,County,State,Lat,Lon,Comments     Speed in mph, or "UNK"
 *   tornado: Time,F_Scale,Location,County,State,Lat,Lon,Comments   "UNK", "EF1"…
 * Note: wind Speed is miles per hour (the real rows say so: Speed 63 beside "63 MPH WIND GUST", 60
 * beside "52-KT (60 MPH"); the domain keeps knots, so 1 mph = 0.868976 kt, rounded to 0.1 kt.
 *
 * Note (the 12Z–12Z day): a report day runs from 1200 UTC on the file's date to 1159 UTC the next
 * morning. Times are HHMM UTC; 1200–2359 fall on the file's date, 0000–1159 on the NEXT calendar
 * day. So "0011" in 180615_… is 2018-06-16T00:11Z.
 *
 * SPC ends its files with a newline, so a last row without one may be cut off mid-row: it is
 * rejected rather than read with half its comment or a shortened coordinate.
 *
 * A file with only its header line is a day with no reports of that kind: an empty, explicit
 * result. The combined YYMMDD_rpts_filtered.csv (three sections, each with its own header) is read
 * too: each header line switches the kind. A row that cannot be read is rejected with its line
 * number and reason; the rest of the file still counts. A body that is not an SPC report file at
 * all (an HTML page, another CSV) is a ConnectorError.
 */

export const SPC_SOURCE = 'noaa-spc';
export const SPC_ATTRIBUTION = 'NOAA Storm Prediction Center';

/** The file-name word SPC uses for each kind. */
export const SPC_FILE_KIND: Record<StormKind, string> = { hail: 'hail', wind: 'wind', tornado: 'torn' };

/** Each kind's header line, exactly as published. */
export const SPC_HEADERS: Record<StormKind, readonly string[]> = {
  hail: ['Time', 'Size', 'Location', 'County', 'State', 'Lat', 'Lon', 'Comments'],
  wind: ['Time', 'Speed', 'Location', 'County', 'State', 'Lat', 'Lon', 'Comments'],
  tornado: ['Time', 'F_Scale', 'Location', 'County', 'State', 'Lat', 'Lon', 'Comments'],
};

export const KNOTS_PER_MPH = 0.868976;

/** A report day, 'YYYY-MM-DD': the calendar date its 12Z–12Z period starts on. */
export type ReportDay = string;

export interface RejectedRow {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

export interface SpcParseResult {
  reports: StormReport[];
  rejected: RejectedRow[];
  /** Kinds whose header was present (a header-only file is a day without reports of that kind). */
  kinds: StormKind[];
}

export interface SpcParseOptions {
  reportDay: ReportDay;
  /** The kind the caller asked for; a file of another kind is refused rather than mislabelled. */
  expectedKind?: StormKind;
  /** Record source id; imports use 'import:spc'. */
  source?: string;
}

const REPORT_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseSpcReports(body: string, options: SpcParseOptions): SpcParseResult {
  const source = options.source ?? SPC_SOURCE;
  const dayStart = reportDayStart(options.reportDay);
  const text = body.replace(/^\uFEFF/, '');
  refuseHtml(text);

  let rows: Array<{ record: string[]; info: { lines: number } }>;
  try {
    rows = parseCsv(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true }) as unknown as typeof rows;
  } catch (error) {
    throw malformed(`the CSV could not be read (${(error as Error).message.slice(0, 200)})`);
  }

  const result: SpcParseResult = { reports: [], rejected: [], kinds: [] };
  let kind: StormKind | null = null;
  // SPC ends every file with a newline; without one the last line may have been cut off mid-row.
  const lastLine = /\n$/.test(text) ? Number.POSITIVE_INFINITY : text.split('\n').length;
  for (const { record: row, info } of rows) {
    const line = info.lines;
    if (line >= lastLine && kindOfHeader(row) === null && kind !== null) {
      result.rejected.push({ line, reason: 'the file ends part-way through this row (no final newline): it may have been cut off; download it again' });
      continue;
    }
    const headerKind = kindOfHeader(row);
    if (headerKind) {
      if (options.expectedKind && headerKind !== options.expectedKind) {
        throw malformed(`a ${options.expectedKind} report file was expected but line ${line} is the ${headerKind} header (${row.join(',')})`);
      }
      kind = headerKind;
      if (!result.kinds.includes(headerKind)) result.kinds.push(headerKind);
      continue;
    }
    if (kind === null) {
      throw malformed(`line ${line} comes before any SPC header line; expected "${SPC_HEADERS[options.expectedKind ?? 'hail'].join(',')}" first`);
    }
    const report = readRow(row, kind, dayStart, options.reportDay, source);
    if (typeof report === 'string') result.rejected.push({ line, reason: report });
    else result.reports.push(report);
  }
  if (result.kinds.length === 0) throw malformed('the file is empty: not even the header line is there');
  return result;
}

/** Midnight UTC of a report day; throws for a day that is not a real calendar date. */
export function reportDayStart(day: ReportDay): number {
  const match = REPORT_DAY.exec(day);
  const start = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== day) {
    throw new ConnectorError({ kind: 'malformed-body', source: SPC_SOURCE, message: `"${day}" is not a report day: give a date as YYYY-MM-DD.` });
  }
  return start;
}

/** The UTC instant of an SPC HHMM time within a 12Z–12Z report day (see the header note). */
export function spcTimeToUtc(reportDay: ReportDay, hhmm: string): string | null {
  return /^\d{4}$/.test(hhmm) ? spcTimeAt(reportDayStart(reportDay), hhmm) : null;
}

/** The report day (12Z–12Z) an instant falls in: 2018-06-16T03:00Z is in 2018-06-15's. */
export function reportDayOf(instantMs: number): ReportDay {
  return new Date(instantMs - 12 * 3_600_000).toISOString().slice(0, 10);
}

export function shiftReportDay(day: ReportDay, days: number): ReportDay {
  return new Date(reportDayStart(day) + days * 86_400_000).toISOString().slice(0, 10);
}

/** "180615" → "2018-06-15"; SPC's two-digit years are 20YY (its report archive starts in 2004). */
export function reportDayFromYymmdd(yymmdd: string): ReportDay | null {
  const match = /^(\d{2})(\d{2})(\d{2})$/.exec(yymmdd);
  if (!match) return null;
  const day = `20${match[1]}-${match[2]}-${match[3]}`;
  try {
    reportDayStart(day);
    return day;
  } catch {
    return null;
  }
}

export function yymmddOf(day: ReportDay): string {
  reportDayStart(day);
  return day.slice(2, 4) + day.slice(5, 7) + day.slice(8, 10);
}

/** The report day and kind in an SPC file name such as "180615_rpts_filtered_hail.csv"; null when the name says neither. */
export function spcFileNameFacts(fileName: string): { reportDay: ReportDay | null; kind: StormKind | null } {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const day = /^(\d{6})_rpts/.exec(base);
  const word = /_(hail|wind|torn)\.csv/i.exec(base)?.[1]?.toLowerCase();
  const kind = (Object.keys(SPC_FILE_KIND) as StormKind[]).find((k) => SPC_FILE_KIND[k] === word) ?? null;
  return { reportDay: day ? reportDayFromYymmdd(day[1]!) : null, kind };
}

function readRow(row: string[], kind: StormKind, dayStart: number, reportDay: ReportDay, source: string): StormReport | string {
  if (row.length < 7) return `expected ${SPC_HEADERS[kind].length} columns (${SPC_HEADERS[kind].join(',')}) but found ${row.length}`;
  // Note: SPC does not quote its Comments column; a comma inside a comment splits it, so the
  // columns past the seventh are joined back together.
  const [time = '', magnitude = '', location = '', county = '', state = '', latText = '', lonText = ''] = row.slice(0, 7).map((c) => c.trim());
  const commentParts = row.slice(7);
  const occurredAt = /^\d{4}$/.test(time) ? spcTimeAt(dayStart, time) : null;
  if (!occurredAt) return `Time "${time}" is not an HHMM time from 0000 to 2359`;
  const lat = Number(latText);
  const lng = Number(lonText);
  if (latText === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) return `Lat "${latText}" is not a latitude`;
  if (lonText === '' || !Number.isFinite(lng) || lng < -180 || lng > 180) return `Lon "${lonText}" is not a longitude`;

  let hailSizeInches: number | null = null;
  let windSpeedKnots: number | null = null;
  let tornadoScale: string | null = null;
  const unknown = magnitude === '' || magnitude.toUpperCase() === 'UNK';
  if (kind === 'hail' && !unknown) {
    if (!/^\d{1,4}$/.test(magnitude) || Number(magnitude) > 1000) return `Size "${magnitude}" is not a hail size in hundredths of an inch`;
    hailSizeInches = Number(magnitude) / 100;
  } else if (kind === 'wind' && !unknown) {
    if (!/^\d{1,3}$/.test(magnitude) || Number(magnitude) > 400) return `Speed "${magnitude}" is not a wind speed in mph`;
    windSpeedKnots = Math.round(Number(magnitude) * KNOTS_PER_MPH * 10) / 10;
  } else if (kind === 'tornado') {
    if (magnitude.length > 10) return `F_Scale "${magnitude.slice(0, 40)}" is not a tornado rating`;
    tornadoScale = magnitude === '' ? null : magnitude.toUpperCase();
  }

  const comments = commentParts.join(',').trim();
  const candidate = {
    source,
    sourceRecordId: `${reportDay}/${SPC_FILE_KIND[kind]}/${time}/${latText},${lonText}/${location.slice(0, 100)}`,
    kind,
    occurredAt,
    lat,
    lng,
    hailSizeInches,
    windSpeedKnots,
    tornadoScale,
    location: location || null,
    county: county || null,
    state: /^[A-Z]{2}$/.test(state) ? state : null,
    comments: comments ? comments.slice(0, 4000) : null,
  };
  const parsed = stormReportSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `${issue.path.join('.') || 'row'}: ${issue.message}`;
  }
  return parsed.data;
}

function spcTimeAt(dayStart: number, hhmm: string): string | null {
  const hours = Number(hhmm.slice(0, 2));
  const minutes = Number(hhmm.slice(2));
  if (hours > 23 || minutes > 59) return null;
  const nextDay = hours < 12 ? 1 : 0;
  return new Date(dayStart + ((nextDay * 24 + hours) * 60 + minutes) * 60_000).toISOString();
}

function kindOfHeader(row: string[]): StormKind | null {
  if (row[0]?.trim() !== 'Time') return null;
  const second = row[1]?.trim();
  if (second === 'Size') return 'hail';
  if (second === 'Speed') return 'wind';
  if (second === 'F_Scale') return 'tornado';
  return null;
}

function refuseHtml(text: string): void {
  const head = text.slice(0, 512).trimStart().toLowerCase();
  if (head.startsWith('<!doctype') || head.startsWith('<html') || head.startsWith('<?xml') || head.startsWith('<head')) {
    const title = /<title>([^<]{1,200})<\/title>/i.exec(text.slice(0, 4096))?.[1]?.trim();
    throw new ConnectorError({
      kind: 'html-error-page',
      source: SPC_SOURCE,
      message: `NOAA SPC answered with a web page${title ? ` ("${title}")` : ''} instead of a storm report CSV; the day may have no reports yet, or the address in Settings → Data sources is wrong.`,
    });
  }
}

function malformed(detail: string): ConnectorError {
  return new ConnectorError({ kind: 'malformed-body', source: SPC_SOURCE, message: `NOAA SPC storm reports could not be read: ${detail}.` });
}
