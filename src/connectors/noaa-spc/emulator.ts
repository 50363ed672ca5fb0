import type { StormKind } from '../../core/domain/records';
import { htmlPage, textAnswer } from '../../emulators/respond';
import type { EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World, WorldStormReport } from '../../emulators/world';
import { KNOTS_PER_MPH, SPC_HEADERS, reportDayFromYymmdd, reportDayOf, shiftReportDay, type ReportDay } from './parse';

/**
 * NOAA SPC daily storm reports on loopback, from the World's storm reports grouped by 12Z–12Z
 * report day, in the exact CSV of each kind (header, HHMM UTC times, hail in hundredths of an
 * inch, wind in mph or UNK, unquoted comments, coordinates to two decimals as SPC prints them):
 *   /climo/reports/YYMMDD_rpts_filtered_{hail,wind,torn}.csv   (and the unfiltered _rpts_{kind}.csv)
 *   /climo/reports/YYMMDD_rpts_filtered.csv                    the three sections in one file
 *   /climo/reports/{today,yesterday}_filtered_{kind}.csv        (and {today,yesterday}_{kind}.csv)
 * Note: a day on which the World has no report of any kind answers SPC's 404 page, as the real
 * site does for days outside its archive; a day with reports of other kinds only answers the
 * header line, as SPC does for a quiet kind. Today and yesterday always answer a file.
 */

const KIND_OF_WORD: Record<string, StormKind> = { hail: 'hail', wind: 'wind', torn: 'tornado' };
const COMBINED_ORDER: StormKind[] = ['tornado', 'wind', 'hail'];

export const noaaSpcEmulator: EmulatorRoute = {
  source: 'noaa-spc',
  prefix: '/noaa-spc',
  handle(request, world) {
    const path = request.path;
    const dated = /^\/climo\/reports\/(\d{6})_rpts(?:_filtered)?(?:_(hail|wind|torn))?\.csv$/.exec(path);
    const relative = /^\/climo\/reports\/(today|yesterday)(?:_filtered)?_(hail|wind|torn)\.csv$/.exec(path);
    if (relative) {
      const today = reportDayOf(Date.now());
      const day = relative[1] === 'today' ? today : shiftReportDay(today, -1);
      return csvAnswer(spcReportCsv(world, day, [KIND_OF_WORD[relative[2]!]!]));
    }
    const day = dated ? reportDayFromYymmdd(dated[1]!) : null;
    if (!dated || !day) return spcNotFound();
    const byDay = reportsByDay(world).get(day);
    if (!byDay) return spcNotFound();
    const kinds = dated[2] ? [KIND_OF_WORD[dated[2]]!] : COMBINED_ORDER;
    return csvAnswer(spcReportCsv(world, day, kinds));
  },
};

/** The CSV SPC would publish for one report day: each kind's header and its rows in time order. */
export function spcReportCsv(world: World, day: ReportDay, kinds: readonly StormKind[]): string {
  const reports = reportsByDay(world).get(day) ?? [];
  const lines: string[] = [];
  for (const kind of kinds) {
    lines.push(SPC_HEADERS[kind].join(','));
    for (const report of reports) if (report.kind === kind) lines.push(spcRow(report));
  }
  return `${lines.join('\n')}\n`;
}

function spcRow(report: WorldStormReport): string {
  const at = new Date(report.occurredAt);
  const time = `${String(at.getUTCHours()).padStart(2, '0')}${String(at.getUTCMinutes()).padStart(2, '0')}`;
  const magnitude =
    report.kind === 'hail'
      ? String(Math.round((report.hailSizeInches ?? 0) * 100))
      : report.kind === 'wind'
        ? report.windSpeedKnots === null
          ? 'UNK'
          : String(Math.round(report.windSpeedKnots / KNOTS_PER_MPH))
        : (report.tornadoScale ?? 'UNK');
  // SPC prints names in capitals and never quotes: commas in names would shift columns, so none.
  const name = (text: string) => text.toUpperCase().replace(/[,\r\n"]/g, ' ').trim();
  const comments = report.comments.replace(/[\r\n]+/g, ' ').replace(/"/g, "'").trim();
  return [time, magnitude, name(report.place), name(report.county), report.state, coordinate(report.location.lat), coordinate(report.location.lng), comments].join(',');
}

const coordinate = (value: number) => String(Number(value.toFixed(2)));

const byDayCache = new WeakMap<World, Map<ReportDay, WorldStormReport[]>>();

function reportsByDay(world: World): Map<ReportDay, WorldStormReport[]> {
  let grouped = byDayCache.get(world);
  if (!grouped) {
    grouped = new Map();
    const sorted = [...world.stormReports()].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    for (const report of sorted) {
      const day = reportDayOf(Date.parse(report.occurredAt));
      const list = grouped.get(day) ?? [];
      list.push(report);
      grouped.set(day, list);
    }
    byDayCache.set(world, grouped);
  }
  return grouped;
}

function csvAnswer(csv: string): EmulatorResponse {
  return textAnswer(csv, { contentType: 'text/csv', gzip: true, headers: { 'cache-control': 'max-age=300' } });
}

function spcNotFound(): EmulatorResponse {
  return htmlPage(404, 'Storm Prediction Center: Page Not Found', 'The page you requested was not found on the SPC web site.');
}
