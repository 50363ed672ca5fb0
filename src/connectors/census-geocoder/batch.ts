import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import type { GeocodeResult } from '../../core/domain/records';
import { htmlTitle, looksLikeHtml } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';
import { addressOfMatchedText, CENSUS_ATTRIBUTION, CENSUS_GEOCODER_LABEL, CENSUS_GEOCODER_SOURCE, censusMalformed, checkedCensusGeocode } from './parse';

/**
 * The Census geocoder's BATCH files (`/locations/addressbatch`, `/geographies/addressbatch`):
 *
 *   censusBatchFile(addresses)           → the upload: "id,street,city,state,zip" lines, no header
 *   parseCensusBatch(text, attribution?) → { rows, rejected }
 *
 * Each answer line (in no particular order) is quoted CSV:
 *   "id","input address","Match","Exact"|"Non_Exact","MATCHED ADDRESS","lon,lat","tigerLineId","L"|"R"
 *     [,"state FIPS","county FIPS","tract","block"]   (geographies only)
 *   "id","input address","No_Match"
 *   "id","input address","Tie"
 * A line that cannot be read is rejected with its line number and reason, never dropped silently;
 * an answer with no readable line at all is an error.
 */

export const MAX_BATCH_ROWS = 10_000;

export interface CensusBatchAddress {
  /** Unique within the batch; it comes back on the answer line. */
  id: string;
  street: string;
  city: string | null;
  state: string | null;
  zip: string | null;
}

export type CensusMatchStatus = 'match' | 'no-match' | 'tie';

export interface CensusBatchRow {
  id: string;
  /** The address as the Census read it back. */
  input: string;
  status: CensusMatchStatus;
  /** Match lines: whether the Census matched every part as given. */
  exact: boolean | null;
  result: GeocodeResult | null;
  tigerLineId: string | null;
  side: 'L' | 'R' | null;
}

export interface CensusBatchAnswer {
  rows: CensusBatchRow[];
  rejected: { line: number; id: string | null; reason: string }[];
}

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string | null): string {
  const text = (value ?? '').replace(/[\r\n]+/g, ' ').trim();
  return /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function censusBatchFile(addresses: readonly CensusBatchAddress[]): string {
  if (addresses.length === 0) throw new ConnectorError({ kind: 'http-status', source: CENSUS_GEOCODER_SOURCE, message: `A batch for the ${CENSUS_GEOCODER_LABEL} needs at least one address.` });
  if (addresses.length > MAX_BATCH_ROWS) {
    throw new ConnectorError({ kind: 'http-status', source: CENSUS_GEOCODER_SOURCE, message: `The ${CENSUS_GEOCODER_LABEL} takes at most ${MAX_BATCH_ROWS.toLocaleString('en-US')} addresses a batch (${addresses.length.toLocaleString('en-US')} given); split the list.` });
  }
  const seen = new Set<string>();
  for (const address of addresses) {
    if (!/^[\w.-]{1,64}$/.test(address.id) || seen.has(address.id)) {
      throw new ConnectorError({ kind: 'http-status', source: CENSUS_GEOCODER_SOURCE, message: `Batch id "${address.id.slice(0, 70)}" must be unique and use letters, digits, '.', '_' or '-' (at most 64).` });
    }
    seen.add(address.id);
  }
  return addresses.map((a) => [a.id, a.street, a.city, a.state, a.zip].map(field).join(',')).join('\n') + '\n';
}

const STATUS: Record<string, CensusMatchStatus> = { Match: 'match', No_Match: 'no-match', Tie: 'tie' };

export function parseCensusBatch(text: string, attribution: string | null = CENSUS_ATTRIBUTION): CensusBatchAnswer {
  if (looksLikeHtml(text)) {
    const title = htmlTitle(text);
    throw new ConnectorError({
      kind: 'html-error-page',
      source: CENSUS_GEOCODER_SOURCE,
      message: `The ${CENSUS_GEOCODER_LABEL} sent a web page${title ? ` ("${title}")` : ''} instead of batch results. The service may be down; try again later.`,
    });
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true, trim: false }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') {
      throw new ConnectorError({ kind: 'truncated', source: CENSUS_GEOCODER_SOURCE, message: `The ${CENSUS_GEOCODER_LABEL} sent incomplete batch results (${detail}). Try the batch again.` });
    }
    throw censusMalformed(`batch results that are not CSV (${detail.slice(0, 200)})`);
  }
  const answer: CensusBatchAnswer = { rows: [], rejected: [] };
  const seen = new Set<string>();
  for (const { record, info } of records) {
    const line = info.lines;
    const id = record[0]?.trim() || null;
    const reject = (reason: string) => answer.rejected.push({ line, id, reason });
    if (!id) {
      reject('no id in the first column');
      continue;
    }
    if (seen.has(id)) {
      reject(`id ${id} appears twice`);
      continue;
    }
    const status = STATUS[record[2]?.trim() ?? ''];
    if (!status) {
      reject(`"${(record[2] ?? '').slice(0, 40)}" is not Match, No_Match or Tie`);
      continue;
    }
    const input = (record[1] ?? '').trim();
    if (status !== 'match') {
      seen.add(id);
      answer.rows.push({ id, input, status, exact: null, result: null, tigerLineId: null, side: null });
      continue;
    }
    const row = matchRow(id, input, record, attribution);
    if (typeof row === 'string') reject(row);
    else {
      answer.rows.push(row);
      seen.add(id);
    }
  }
  if (answer.rows.length === 0 && answer.rejected.length > 0) {
    const first = answer.rejected[0]!;
    throw censusMalformed(`batch results with no readable line (line ${first.line}: ${first.reason})`);
  }
  if (answer.rows.length === 0) throw censusMalformed('empty batch results');
  return answer;
}

/** A Match line as a row, or why it cannot be read. */
function matchRow(id: string, input: string, record: string[], attribution: string | null): CensusBatchRow | string {
  const [, , , exactness = '', matched = '', coordinates = '', tigerLineId = '', side = '', state, county, tract] = record.map((cell) => cell.trim());
  if (exactness !== 'Exact' && exactness !== 'Non_Exact') return `a match whose precision is "${exactness.slice(0, 20)}", not Exact or Non_Exact`;
  const lonLat = /^(-?\d{1,3}(?:\.\d+)?),(-?\d{1,2}(?:\.\d+)?)$/.exec(coordinates);
  if (!lonLat) return 'a match without "longitude,latitude" coordinates';
  if (side !== 'L' && side !== 'R') return `a match on side "${side.slice(0, 5)}", not L or R`;
  if (!matched) return 'a match without its matched address';
  const geoid = state !== undefined && county !== undefined && tract !== undefined ? `${state}${county}${tract}` : '';
  const exact = exactness === 'Exact';
  const result = checkedCensusGeocode({
    query: input || id,
    lng: Number(lonLat[1]),
    lat: Number(lonLat[2]),
    matchedAddress: matched,
    address: addressOfMatchedText(matched),
    confidence: exact ? 0.95 : 0.75,
    censusTract: /^\d{11}$/.test(geoid) ? geoid : null,
    attribution,
  });
  if (typeof result === 'string') return `a match ${result}`;
  return { id, input, status: 'match', exact, result, tigerLineId: /^\d+$/.test(tigerLineId) ? tigerLineId : null, side };
}
