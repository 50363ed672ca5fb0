import { gzipSync } from 'node:zlib';
import { htmlPage } from '../../emulators/respond';
import type { EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World, WorldStormReport } from '../../emulators/world';
import { STORM_EVENTS_FOLDER, stormEventsFileFacts, stormEventsFileName } from './listing';
import { STORM_EVENTS_COLUMNS, type StormEventsColumn } from './parse';
import { stormEventsState } from './states';
import { stormEventsBeginColumns } from './time';

/**
 * The NCEI Storm Events bulk folder on loopback:
 *   /pub/data/swdi/stormevents/csvfiles/                         the Apache directory listing
 *   /pub/data/swdi/stormevents/csvfiles/StormEvents_details-ftp_v1.0_dYYYY_cYYYYMMDD.csv.gz
 * One details file per year that has World storm reports, in the real 51-column layout: numbers
 * unquoted where NCEI leaves them bare, every other value quoted, empty values bare; hail
 * MAGNITUDE in inches, wind in knots (measured "MG" when known), times in the zone's local
 * standard time. A wrong c-date (a superseded file) answers Apache's 404 page, as NCEI does.
 * Note: the creation date is fixed per year (the day after the year's last report, or 31 Dec), so
 * the listing is the same on every run.
 */

const EVENT_TYPE: Record<WorldStormReport['kind'], string> = { hail: 'Hail', wind: 'Thunderstorm Wind', tornado: 'Tornado' };
// NCEI leaves these bare; everything else non-empty is quoted.
const BARE: ReadonlySet<StormEventsColumn> = new Set(['BEGIN_YEARMONTH', 'BEGIN_DAY', 'BEGIN_TIME', 'END_YEARMONTH', 'END_DAY', 'END_TIME', 'EPISODE_ID', 'EVENT_ID', 'STATE_FIPS', 'YEAR', 'CZ_FIPS']);
const FIRST_EVENT_ID = 900_001;

interface YearFile {
  year: number;
  fileName: string;
  reports: Array<{ report: WorldStormReport; eventId: number }>;
}

export const nceiStormEventsEmulator: EmulatorRoute = {
  source: 'ncei-storm-events',
  prefix: '/ncei-storm-events',
  handle(request, world) {
    const folder = STORM_EVENTS_FOLDER;
    const files = yearFiles(world);
    if (request.path === folder || request.path === folder.slice(0, -1)) return listingPage([...files.values()]);
    if (!request.path.startsWith(folder)) return apacheNotFound(request.path);
    const facts = stormEventsFileFacts(request.path.slice(folder.length));
    const file = facts && facts.kind === 'details' ? files.get(facts.year) : undefined;
    if (!file || file.fileName !== facts?.fileName) return apacheNotFound(request.path);
    // Already a .gz file: served as bytes, the way Apache serves it (no Content-Encoding).
    return { status: 200, headers: { 'content-type': 'application/x-gzip' }, body: gzipSync(detailsCsv(file)) };
  },
};

/** The details CSV of one year, as NCEI writes it. */
export function detailsCsv(file: Pick<YearFile, 'reports'>): string {
  const lines = [STORM_EVENTS_COLUMNS.join(',')];
  for (const { report, eventId } of file.reports) {
    const row = detailsRow(report, eventId);
    lines.push(STORM_EVENTS_COLUMNS.map((column) => formatCell(column, row[column] ?? '')).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function detailsRow(report: WorldStormReport, eventId: number): Partial<Record<StormEventsColumn, string>> {
  const zone = standardZone(report.location.lng);
  const begin = stormEventsBeginColumns(report.occurredAt, zone);
  const state = stormEventsState(report.state);
  const lat = String(Number(report.location.lat.toFixed(4)));
  const lng = String(Number(report.location.lng.toFixed(4)));
  const place = report.place.toUpperCase();
  const magnitude =
    report.kind === 'hail' ? (report.hailSizeInches ?? 0).toFixed(2) : report.kind === 'wind' && report.windSpeedKnots !== null ? report.windSpeedKnots.toFixed(2) : '';
  const wfo = /\(([A-Z]{3})\)\s*$/.exec(report.comments)?.[1] ?? '';
  return {
    ...begin,
    END_YEARMONTH: begin.BEGIN_YEARMONTH,
    END_DAY: begin.BEGIN_DAY,
    END_TIME: begin.BEGIN_TIME,
    EPISODE_ID: String(eventId - 700_000),
    EVENT_ID: String(eventId),
    STATE: state?.name ?? report.state,
    STATE_FIPS: String(state?.fips ?? 99),
    EVENT_TYPE: EVENT_TYPE[report.kind],
    CZ_TYPE: 'C',
    CZ_FIPS: '0',
    CZ_NAME: report.county.toUpperCase(),
    WFO: wfo,
    CZ_TIMEZONE: zone,
    END_DATE_TIME: begin.BEGIN_DATE_TIME,
    INJURIES_DIRECT: '0',
    INJURIES_INDIRECT: '0',
    DEATHS_DIRECT: '0',
    DEATHS_INDIRECT: '0',
    DAMAGE_PROPERTY: '0.00K',
    DAMAGE_CROPS: '0.00K',
    SOURCE: 'Trained Spotter',
    MAGNITUDE: magnitude,
    MAGNITUDE_TYPE: report.kind === 'wind' && magnitude !== '' ? 'MG' : '',
    TOR_F_SCALE: report.kind === 'tornado' ? (report.tornadoScale ?? 'EFU') : '',
    TOR_LENGTH: report.kind === 'tornado' ? '0.5' : '',
    TOR_WIDTH: report.kind === 'tornado' ? '50' : '',
    BEGIN_RANGE: '0',
    BEGIN_AZIMUTH: 'N',
    BEGIN_LOCATION: place,
    END_RANGE: '0',
    END_AZIMUTH: 'N',
    END_LOCATION: place,
    BEGIN_LAT: lat,
    BEGIN_LON: lng,
    END_LAT: lat,
    END_LON: lng,
    EPISODE_NARRATIVE: 'Thunderstorms produced large hail and damaging winds across the area.',
    EVENT_NARRATIVE: report.comments,
    DATA_SOURCE: 'CSV',
  };
}

/** The county's standard-time zone as NCEI names it, from the longitude (close enough for the emulated places). */
function standardZone(lng: number): string {
  if (lng > -87.5) return 'EST-5';
  if (lng > -101) return 'CST-6';
  if (lng > -114.5) return 'MST-7';
  if (lng > -141) return 'PST-8';
  return lng > -154 ? 'AKST-9' : 'HST-10';
}

function formatCell(column: StormEventsColumn, value: string): string {
  if (value === '' || BARE.has(column)) return value;
  return `"${value.replace(/"/g, '""').replace(/[\r\n]+/g, ' ')}"`;
}

const yearCache = new WeakMap<World, Map<number, YearFile>>();

function yearFiles(world: World): Map<number, YearFile> {
  let files = yearCache.get(world);
  if (files) return files;
  files = new Map();
  const sorted = [...world.stormReports()].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  sorted.forEach((report, index) => {
    const year = new Date(Date.parse(report.occurredAt) + hoursOf(standardZone(report.location.lng)) * 3_600_000).getUTCFullYear();
    const file = files!.get(year) ?? { year, fileName: '', reports: [] };
    file.reports.push({ report, eventId: FIRST_EVENT_ID + index });
    files!.set(year, file);
  });
  for (const file of files.values()) {
    const last = Date.parse(file.reports[file.reports.length - 1]!.report.occurredAt);
    const created = new Date(Math.min(last + 86_400_000, Date.UTC(file.year, 11, 31))).toISOString().slice(0, 10);
    file.fileName = stormEventsFileName('details', file.year, created);
  }
  yearCache.set(world, files);
  return files;
}

const hoursOf = (zone: string) => Number(/-?\d+$/.exec(zone)![0]);

function listingPage(files: YearFile[]): EmulatorResponse {
  const title = `Index of ${STORM_EVENTS_FOLDER.slice(0, -1)}`;
  const rows = files
    .sort((a, b) => a.year - b.year)
    .map((file) => {
      const created = stormEventsFileFacts(file.fileName)!.createdOn;
      const size = `${Math.max(1, Math.round(detailsCsv(file).length / 4096))}K`;
      return `<tr><td valign="top"><img src="/icons/compressed.gif" alt="[   ]"></td><td><a href="${file.fileName}">${file.fileName}</a></td><td align="right">${created} 10:31  </td><td align="right">${size.padStart(4)}</td><td>&nbsp;</td></tr>`;
    });
  const body = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>${title}</title>
 </head>
 <body>
<h1>${title}</h1>
  <table>
   <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th><th><a href="?C=D;O=A">Description</a></th></tr>
   <tr><th colspan="5"><hr></th></tr>
<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/pub/data/swdi/stormevents/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td><td>&nbsp;</td></tr>
${rows.join('\n')}
<tr><td valign="top"><img src="/icons/folder.gif" alt="[DIR]"></td><td><a href="legacy/">legacy/</a></td><td align="right">2021-08-03 10:49  </td><td align="right">  - </td><td>&nbsp;</td></tr>
   <tr><th colspan="5"><hr></th></tr>
</table>
</body></html>
`;
  return { status: 200, headers: { 'content-type': 'text/html;charset=ISO-8859-1' }, body };
}

function apacheNotFound(path: string): EmulatorResponse {
  return htmlPage(404, '404 Not Found', `The requested URL ${path} was not found on this server.`);
}
