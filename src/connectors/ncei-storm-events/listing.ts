import { htmlTitle, looksLikeHtml } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';

/**
 * The NCEI bulk folder (https://www.ncei.noaa.gov/pub/data/swdi/stormevents/csvfiles/) is an
 * Apache directory listing: an HTML table of links. NCEI republishes a year's file whenever the
 * data are revised, with a new creation date in the name (…_d2019_c20240117.csv.gz), and removes
 * the old one, so the name must be looked up: the newest c-date for the year is the one to use.
 * Pure.
 */

export const STORM_EVENTS_FOLDER = '/pub/data/swdi/stormevents/csvfiles/';

export type StormEventsFileKind = 'details' | 'locations' | 'fatalities';

export interface StormEventsFile {
  fileName: string;
  kind: StormEventsFileKind;
  /** The data year (dYYYY). */
  year: number;
  /** When NCEI created the file (cYYYYMMDD), 'YYYY-MM-DD'. */
  createdOn: string;
}

const FILE_NAME = /^StormEvents_(details|locations|fatalities)-ftp_v1\.0_d(\d{4})_c(\d{4})(\d{2})(\d{2})\.csv\.gz$/;

/** The facts in a bulk file's name; null for any other name. */
export function stormEventsFileFacts(fileName: string): StormEventsFile | null {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const match = FILE_NAME.exec(base);
  if (!match) return null;
  return { fileName: base, kind: match[1] as StormEventsFileKind, year: Number(match[2]), createdOn: `${match[3]}-${match[4]}-${match[5]}` };
}

export function stormEventsFileName(kind: StormEventsFileKind, year: number, createdOn: string): string {
  return `StormEvents_${kind}-ftp_v1.0_d${year}_c${createdOn.replace(/-/g, '')}.csv.gz`;
}

/** Every bulk file linked from the listing page. Refuses a page that is not such a listing. */
export function parseStormEventsListing(html: string): StormEventsFile[] {
  const files = new Map<string, StormEventsFile>();
  for (const match of html.matchAll(/<a\s[^>]*href\s*=\s*"([^"]{1,300})"/gi)) {
    const facts = stormEventsFileFacts(safeDecode(match[1]!.split('?')[0]!));
    if (facts) files.set(facts.fileName, facts);
  }
  // Another page (a maintenance notice, a login page) links no bulk files and is no index.
  if (files.size === 0 && !/<title>\s*Index of/i.test(html.slice(0, 4096))) {
    const title = looksLikeHtml(html) ? htmlTitle(html) : null;
    throw new ConnectorError({
      kind: looksLikeHtml(html) ? 'html-error-page' : 'malformed-body',
      source: 'ncei-storm-events',
      message: `The NCEI Storm Events folder did not answer with its file listing${title ? ` but with a page titled "${title}"` : ''}; try again later, and check its address in Settings → Data sources.`,
    });
  }
  return [...files.values()];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The newest details file of a year, or a clear error when the year is not published. */
export function latestDetailsFile(files: readonly StormEventsFile[], year: number): StormEventsFile {
  const candidates = files.filter((file) => file.kind === 'details' && file.year === year).sort((a, b) => b.createdOn.localeCompare(a.createdOn));
  const latest = candidates[0];
  if (!latest) {
    const years = [...new Set(files.filter((f) => f.kind === 'details').map((f) => f.year))].sort((a, b) => a - b);
    const range = years.length > 0 ? ` (it has ${years[0]}–${years[years.length - 1]})` : '';
    throw new ConnectorError({
      kind: 'http-status',
      status: 404,
      source: 'ncei-storm-events',
      message: `NCEI has not published Storm Events details for ${year}${range}; the newest months appear a few months late.`,
    });
  }
  return latest;
}
