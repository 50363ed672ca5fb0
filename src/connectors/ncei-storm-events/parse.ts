import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse as csvParser } from 'csv-parse';
import type { BBox } from '../../core/domain/geo';
import { stormReportSchema, type StormKind, type StormReport } from '../../core/domain/records';
import { ConnectorError } from '../../core/http/errors';
import { stormEventsTimeToUtc } from './time';
import { uspsForStateFips } from './states';

/**
 * NCEI Storm Events "details" bulk CSV (StormEvents_details-ftp_v1.0_dYYYY_cYYYYMMDD.csv.gz)
 * → StormReport records, streamed: a year is ~50 MB uncompressed, so rows are read one at a time
 * and only the ones asked for are kept. Gzip is recognised by its magic bytes.
 *
 * Kept: EVENT_TYPE "Hail", "Thunderstorm Wind" and "Tornado" (not "Marine Hail" or "Marine
 * Thunderstorm Wind": nothing to roof at sea) with BEGIN_LAT/BEGIN_LON inside the box and a begin
 * time inside the range, when given. MAGNITUDE is inches for hail and knots for wind (its
 * MAGNITUDE_TYPE says measured or estimated); TOR_F_SCALE is the rating ("EF1", "EFU").
 * BEGIN_DATE_TIME is local standard time of CZ_TIMEZONE and becomes UTC (see time.ts).
 *
 * A wanted row that cannot be read (no coordinates, an unknown time zone) is rejected with its
 * line and reason and counted; the rest of the file still counts. A file that is not a details
 * file, a cut gzip or a broken CSV is a ConnectorError.
 */

export const STORM_EVENTS_SOURCE = 'ncei-storm-events';
export const STORM_EVENTS_ATTRIBUTION = 'NOAA National Centers for Environmental Information, Storm Events Database';

/** The 51 columns of a details file, in order. */
export const STORM_EVENTS_COLUMNS = [
  'BEGIN_YEARMONTH', 'BEGIN_DAY', 'BEGIN_TIME', 'END_YEARMONTH', 'END_DAY', 'END_TIME', 'EPISODE_ID', 'EVENT_ID', 'STATE',
  'STATE_FIPS', 'YEAR', 'MONTH_NAME', 'EVENT_TYPE', 'CZ_TYPE', 'CZ_FIPS', 'CZ_NAME', 'WFO', 'BEGIN_DATE_TIME', 'CZ_TIMEZONE',
  'END_DATE_TIME', 'INJURIES_DIRECT', 'INJURIES_INDIRECT', 'DEATHS_DIRECT', 'DEATHS_INDIRECT', 'DAMAGE_PROPERTY', 'DAMAGE_CROPS',
  'SOURCE', 'MAGNITUDE', 'MAGNITUDE_TYPE', 'FLOOD_CAUSE', 'CATEGORY', 'TOR_F_SCALE', 'TOR_LENGTH', 'TOR_WIDTH', 'TOR_OTHER_WFO',
  'TOR_OTHER_CZ_STATE', 'TOR_OTHER_CZ_FIPS', 'TOR_OTHER_CZ_NAME', 'BEGIN_RANGE', 'BEGIN_AZIMUTH', 'BEGIN_LOCATION', 'END_RANGE',
  'END_AZIMUTH', 'END_LOCATION', 'BEGIN_LAT', 'BEGIN_LON', 'END_LAT', 'END_LON', 'EPISODE_NARRATIVE', 'EVENT_NARRATIVE', 'DATA_SOURCE',
] as const;
export type StormEventsColumn = (typeof STORM_EVENTS_COLUMNS)[number];

/** EVENT_TYPE values we keep, and the kind each becomes. */
export const STORM_EVENT_KINDS: Record<string, StormKind> = { Hail: 'hail', 'Thunderstorm Wind': 'wind', Tornado: 'tornado' };

const NEEDED: StormEventsColumn[] = ['EVENT_ID', 'EVENT_TYPE', 'STATE_FIPS', 'BEGIN_YEARMONTH', 'BEGIN_DATE_TIME', 'CZ_TIMEZONE', 'CZ_NAME', 'MAGNITUDE', 'TOR_F_SCALE', 'BEGIN_LAT', 'BEGIN_LON'];

/** Rejections kept with their reasons; past this only the count grows. */
export const MAX_REJECTIONS_LISTED = 200;

export interface StormEventsFilter {
  bbox?: BBox;
  /** ISO instants; a report counts when from ≤ occurredAt < to. */
  from?: string;
  to?: string;
  kinds?: readonly StormKind[];
  /** Record source id; imports use 'import:storm-events'. */
  source?: string;
  signal?: AbortSignal;
}

export interface StormEventsResult {
  reports: StormReport[];
  /** Data rows read. */
  rows: number;
  /** Rows of a wanted type, before the box and the dates. */
  matchedType: number;
  rejected: Array<{ line: number; reason: string }>;
  rejectedCount: number;
}

type Input = AsyncIterable<Buffer | string> | Readable;

export async function parseStormEvents(input: Input, filter: StormEventsFilter = {}): Promise<StormEventsResult> {
  const source = filter.source ?? STORM_EVENTS_SOURCE;
  const kinds = new Set(filter.kinds ?? ['hail', 'wind', 'tornado']);
  const from = filter.from ? Date.parse(filter.from) : Number.NEGATIVE_INFINITY;
  const to = filter.to ? Date.parse(filter.to) : Number.POSITIVE_INFINITY;
  const result: StormEventsResult = { reports: [], rows: 0, matchedType: 0, rejected: [], rejectedCount: 0 };
  const reject = (line: number, reason: string) => {
    result.rejectedCount += 1;
    if (result.rejected.length < MAX_REJECTIONS_LISTED) result.rejected.push({ line, reason });
  };

  const parser = csvParser({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  const feeding = pipeline(Readable.from(decompressed(input)), parser, filter.signal ? { signal: filter.signal } : {});
  feeding.catch(() => undefined); // the same failure reaches the loop below through the parser
  let columns: Map<string, number> | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!columns) {
        columns = readHeader(record);
        continue;
      }
      result.rows += 1;
      const kind = STORM_EVENT_KINDS[record[columns.get('EVENT_TYPE')!]?.trim() ?? ''];
      if (!kind || !kinds.has(kind)) continue;
      result.matchedType += 1;
      const report = readEvent(record, columns, kind, source);
      if (typeof report === 'string') {
        reject(info.lines, report);
        continue;
      }
      if (filter.bbox && !inside(filter.bbox, report.lat, report.lng)) continue;
      const at = Date.parse(report.occurredAt);
      if (at < from || at >= to) continue;
      result.reports.push(report);
    }
    await feeding;
  } catch (error) {
    throw readFailure(error, filter.signal);
  }
  if (!columns) throw malformed('the file is empty: not even the header line is there');
  return result;
}

function readHeader(record: string[]): Map<string, number> {
  const columns = new Map(record.map((name, index) => [name.trim().toUpperCase(), index]));
  const missing = NEEDED.filter((name) => !columns.has(name));
  if (missing.length > 0) {
    const looksLike = columns.has('LOCATION_INDEX') ? ' (this is a "locations" file)' : columns.has('FATALITY_ID') ? ' (this is a "fatalities" file)' : '';
    throw malformed(`this is not a Storm Events details file${looksLike}: the columns ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? '…' : ''} are missing. Use StormEvents_details-…csv.gz`);
  }
  return columns;
}

function readEvent(record: string[], columns: Map<string, number>, kind: StormKind, source: string): StormReport | string {
  const cell = (name: StormEventsColumn) => {
    const index = columns.get(name);
    return index === undefined ? '' : (record[index] ?? '').trim();
  };
  const eventId = cell('EVENT_ID');
  if (!/^\d{1,12}$/.test(eventId)) return `EVENT_ID "${eventId.slice(0, 30)}" is not an event number`;
  const latText = cell('BEGIN_LAT');
  const lonText = cell('BEGIN_LON');
  if (latText === '' || lonText === '') return `event ${eventId} has no BEGIN_LAT/BEGIN_LON`;
  const lat = Number(latText);
  const lng = Number(lonText);
  if (!Number.isFinite(lat) || lat < -90 || lat > 90 || !Number.isFinite(lng) || lng < -180 || lng > 180) {
    return `event ${eventId}: BEGIN_LAT/BEGIN_LON "${latText.slice(0, 20)}, ${lonText.slice(0, 20)}" is not a place`;
  }
  const time = stormEventsTimeToUtc(cell('BEGIN_DATE_TIME'), cell('CZ_TIMEZONE'), cell('BEGIN_YEARMONTH'));
  if ('invalid' in time) return `event ${eventId}: ${time.invalid}`;

  const magnitudeText = cell('MAGNITUDE');
  const magnitude = magnitudeText === '' ? null : Number(magnitudeText);
  if (magnitude !== null && (!Number.isFinite(magnitude) || magnitude < 0)) return `event ${eventId}: MAGNITUDE "${magnitudeText.slice(0, 20)}" is not a number`;
  const range = cell('BEGIN_RANGE');
  const azimuth = cell('BEGIN_AZIMUTH');
  const place = cell('BEGIN_LOCATION');
  const location = place && range && Number(range) > 0 && azimuth ? `${range} ${azimuth} ${place}` : place;
  const scale = cell('TOR_F_SCALE');
  const narrative = cell('EVENT_NARRATIVE');

  const parsed = stormReportSchema.safeParse({
    source,
    sourceRecordId: eventId,
    kind,
    occurredAt: time.utc,
    lat,
    lng,
    hailSizeInches: kind === 'hail' ? magnitude : null,
    windSpeedKnots: kind === 'wind' ? magnitude : null,
    tornadoScale: kind === 'tornado' && scale ? scale.slice(0, 10) : null,
    location: location ? location.slice(0, 200) : null,
    county: cell('CZ_NAME') ? cell('CZ_NAME').slice(0, 120) : null,
    state: uspsForStateFips(cell('STATE_FIPS')),
    comments: narrative ? narrative.slice(0, 4000) : null,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `event ${eventId}: ${issue.path.join('.') || 'row'} ${issue.message}`;
  }
  return parsed.data;
}

function inside([west, south, east, north]: BBox, lat: number, lng: number): boolean {
  return lng >= west && lng <= east && lat >= south && lat <= north;
}

/** The input as plain CSV bytes: gunzipped when it starts with the gzip magic. */
async function* decompressed(input: Input): AsyncGenerator<Buffer> {
  const iterator = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.from(next.value);
    }
  }
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
    yield* all();
    return;
  }
  const gunzip = createGunzip();
  const unpacking = pipeline(Readable.from(all()), gunzip);
  unpacking.catch(() => undefined); // the error also destroys `gunzip`, which the loop sees
  for await (const chunk of gunzip) yield chunk as Buffer;
  await unpacking;
}

function readFailure(error: unknown, signal: AbortSignal | undefined): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (signal?.aborted) {
    return new ConnectorError({ kind: 'cancelled', source: STORM_EVENTS_SOURCE, message: 'Reading the NCEI Storm Events file was cancelled; nothing was changed.' });
  }
  const code = (error as { code?: string }).code ?? '';
  const detail = error instanceof Error ? error.message.slice(0, 200) : String(error);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(detail)) {
    return new ConnectorError({ kind: 'truncated', source: STORM_EVENTS_SOURCE, message: 'The NCEI Storm Events file stops part-way (its gzip data is cut off). Download it again.', cause: error });
  }
  if (code.startsWith('Z_')) {
    return new ConnectorError({ kind: 'malformed-body', source: STORM_EVENTS_SOURCE, message: `The NCEI Storm Events file is damaged (${detail}). Download it again.`, cause: error });
  }
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new ConnectorError({ kind: 'truncated', source: STORM_EVENTS_SOURCE, message: `The NCEI Storm Events file stops part-way, inside a quoted field (${detail}). Download it again.`, cause: error });
  }
  return malformed(`the CSV could not be read (${detail})`, error);
}

function malformed(detail: string, cause?: unknown): ConnectorError {
  return new ConnectorError({ kind: 'malformed-body', source: STORM_EVENTS_SOURCE, message: `The NCEI Storm Events file could not be read: ${detail}.`, ...(cause === undefined ? {} : { cause }) });
}
