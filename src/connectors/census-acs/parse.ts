import { htmlTitle, looksLikeHtml, parseJsonText } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';
import { censusAreaFiguresSchema, type CensusAreaFigures } from '../../core/domain/records';

/**
 * Census ACS 5-year API answers (https://api.census.gov/data/{vintage}/acs/acs5?get=…&for=…&in=…)
 * → CensusAreaFigures. Pure.
 *
 * The real format (fixture excerpt_real_response_acs5_2018_B19013_MD_counties_PARTIAL.json): a JSON
 * array of arrays, the first row the header, every value a string (or null), the geography columns
 * appended after the requested variables in hierarchy order — state, county, tract, block group;
 * a ZCTA answer has "zip code tabulation area" (before 2020 after "state" too).
 *
 * Note (sentinels): ACS marks estimates it cannot give with negative codes — -666666666 (too few
 * sample observations), -999999999 (too few to compute), -888888888 (not applicable),
 * -222222222 / -333333333 / -555555555 (margins that cannot be computed or are controlled). None
 * of our five variables can be negative, so every negative value, listed or not, is "unknown" and
 * arrives as null. A median year built of 0 (an area with no housing units in some vintages) is
 * null too. Top-coded medians arrive as Census prints them ("2000001" = $2,000,000 or more;
 * "1939" = 1939 or earlier).
 *
 * A variable we did not ask for (its column absent) is null. HTTP 204 (an empty body) is Census's
 * way of saying the geography has no rows: an explicit empty list. Census's refusals are text, not
 * JSON: "error: unknown variable 'X'" (HTTP 400) and an HTML "Invalid Key"/"Missing Key" page
 * (HTTP 200 after a redirect); both become ConnectorErrors that say what to do.
 */

export const ACS_SOURCE = 'census-acs';
export const ACS_ATTRIBUTION = 'US Census Bureau, American Community Survey 5-year estimates';
/** The vault name of the optional key (Settings → API keys). */
export const CENSUS_API_KEY_NAME = 'census.api-key';

export const ACS_VARIABLES = {
  medianHouseholdIncomeUsd: 'B19013_001E',
  medianYearBuilt: 'B25035_001E',
  medianHomeValueUsd: 'B25077_001E',
  ownerOccupiedUnits: 'B25003_002E',
  renterOccupiedUnits: 'B25003_003E',
} as const;
export type AcsField = keyof typeof ACS_VARIABLES;
const FIELDS = Object.keys(ACS_VARIABLES) as AcsField[];

export type AcsGeography = CensusAreaFigures['geography'];

/** The `for=` name Census uses for each geography. */
export const ACS_GEOGRAPHY_NAME: Record<AcsGeography, string> = {
  county: 'county',
  tract: 'tract',
  'block-group': 'block group',
  zcta: 'zip code tabulation area',
};

/** The columns whose codes, concatenated, make each geography's GEOID. */
const GEOID_PARTS: Record<AcsGeography, readonly string[]> = {
  county: ['state', 'county'],
  tract: ['state', 'county', 'tract'],
  'block-group': ['state', 'county', 'tract', 'block group'],
  zcta: ['zip code tabulation area'],
};
const GEOID_PART_DIGITS: Record<string, number> = { state: 2, county: 3, tract: 6, 'block group': 1, 'zip code tabulation area': 5 };

export const KEY_ADVICE = 'check Settings → API keys (Census API key)';

export interface AcsRejectedRow {
  /** 0-based index of the row in the answer, the header being row 0. */
  row: number;
  reason: string;
}

export interface AcsParseResult {
  figures: CensusAreaFigures[];
  rejected: AcsRejectedRow[];
}

export interface AcsParseOptions {
  vintage: number;
  geography: AcsGeography;
}

/** Reads a Census ACS answer body (text, as received). */
export function parseAcsResponse(body: string, options: AcsParseOptions): AcsParseResult {
  const text = body.replace(/^\uFEFF/, '').trim();
  // HTTP 204: the geography exists in the query grammar but has no rows.
  if (text === '') return { figures: [], rejected: [] };
  refuseTextAnswers(text);
  const json = parseJsonText(text);
  if (!json.ok && json.truncated) {
    throw new ConnectorError({ kind: 'truncated', source: ACS_SOURCE, message: 'The Census ACS answer stops part-way (the connection may have dropped); try again.' });
  }
  if (!json.ok) throw malformed(`the answer is not JSON (${json.detail})`);
  return parseAcsRows(json.value, options);
}

/** Reads an already-decoded Census ACS answer (an array of string arrays). */
export function parseAcsRows(json: unknown, options: AcsParseOptions): AcsParseResult {
  if (!Array.isArray(json) || json.length === 0) throw malformed('expected an array of rows with a header row first');
  const header = json[0];
  if (!isRow(header) || header.some((cell) => typeof cell !== 'string')) throw malformed('the first row is not a header of column names');
  const columns = header as string[];
  const at = (name: string) => columns.indexOf(name);

  const parts = GEOID_PARTS[options.geography];
  const missing = parts.filter((name) => at(name) < 0);
  if (missing.length > 0) {
    throw malformed(`a ${options.geography} answer needs the geography column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; the header is ${columns.join(',')}`);
  }
  const fieldColumns = FIELDS.map((field) => [field, at(ACS_VARIABLES[field])] as const);
  if (fieldColumns.every(([, index]) => index < 0)) {
    throw malformed(`none of the variables ${Object.values(ACS_VARIABLES).join(', ')} is in the header (${columns.join(',')})`);
  }
  const nameColumn = at('NAME');

  const result: AcsParseResult = { figures: [], rejected: [] };
  for (let index = 1; index < json.length; index++) {
    const row: unknown = json[index];
    const figures = readRow(row, columns.length, parts.map(at), nameColumn, fieldColumns, options);
    if (typeof figures === 'string') result.rejected.push({ row: index, reason: figures });
    else result.figures.push(figures);
  }
  return result;
}

/** An ACS value: null for sentinels and absent values, a whole number otherwise, or a reason. */
export function acsNumber(value: unknown): number | null | { invalid: string } {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' && typeof value !== 'number') return { invalid: `${JSON.stringify(value)?.slice(0, 40)} is not a number` };
  const text = String(value).trim();
  if (text === '' || text.toLowerCase() === 'null') return null;
  if (!/^-?\d+(\.\d+)?$/.test(text)) return { invalid: `"${text.slice(0, 40)}" is not a number` };
  const number = Number(text);
  if (number < 0) return null;
  return Math.round(number);
}

function readRow(
  row: unknown,
  width: number,
  partColumns: number[],
  nameColumn: number,
  fieldColumns: ReadonlyArray<readonly [AcsField, number]>,
  options: AcsParseOptions,
): CensusAreaFigures | string {
  if (!isRow(row)) return 'the row is not an array of values';
  if (row.length !== width) return `the row has ${row.length} values but the header has ${width}`;
  const parts = GEOID_PARTS[options.geography];
  let geoid = '';
  for (let i = 0; i < parts.length; i++) {
    const code = row[partColumns[i]!];
    const digits = GEOID_PART_DIGITS[parts[i]!]!;
    if (typeof code !== 'string' || !new RegExp(`^\\d{${digits}}$`).test(code)) return `${parts[i]} "${String(code).slice(0, 20)}" is not a ${digits}-digit code`;
    geoid += code;
  }
  const values: Partial<Record<AcsField, number | null>> = {};
  for (const [field, column] of fieldColumns) {
    if (column < 0) {
      values[field] = null;
      continue;
    }
    const value = acsNumber(row[column]);
    if (value !== null && typeof value === 'object') return `${ACS_VARIABLES[field]}: ${value.invalid}`;
    values[field] = field === 'medianYearBuilt' && value === 0 ? null : value;
  }
  const name = nameColumn >= 0 && typeof row[nameColumn] === 'string' ? (row[nameColumn] as string).trim() : '';
  const candidate = { geoid, geography: options.geography, name: name === '' ? null : name.slice(0, 300), vintage: options.vintage, ...values };
  const parsed = censusAreaFiguresSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path[0] as AcsField | undefined;
    const label = field && field in ACS_VARIABLES ? ACS_VARIABLES[field] : issue.path.join('.') || 'row';
    return `${label}: ${issue.message}`;
  }
  return parsed.data;
}

function isRow(value: unknown): value is unknown[] {
  return Array.isArray(value);
}

/** Census's refusals arrive as an HTML page or a line of text, never as JSON. */
function refuseTextAnswers(text: string): void {
  if (looksLikeHtml(text)) {
    const title = htmlTitle(text);
    if (/key/i.test(title ?? '') || /valid\s+<em>key<\/em>|api key|missing key|invalid key/i.test(text.slice(0, 8192))) {
      throw new ConnectorError({
        kind: 'refused-by-source',
        source: ACS_SOURCE,
        message: `The Census ACS API refused the API key${title ? ` ("${title}")` : ''}: ${KEY_ADVICE}. A new key works only after the link in the Census e-mail is clicked.`,
      });
    }
    throw new ConnectorError({
      kind: 'html-error-page',
      source: ACS_SOURCE,
      message: `The Census ACS API sent a web page${title ? ` ("${title}")` : ''} instead of data; the service may be down for maintenance. Try again later, and check its address in Settings → Data sources.`,
    });
  }
  if (/^error\s*:/i.test(text)) throw censusRefusal(text);
}

/** A Census "error: …" text, as a ConnectorError that names the problem. */
export function censusRefusal(text: string, status?: number): ConnectorError {
  const said = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  if (/\bkey\b/i.test(said)) {
    return new ConnectorError({ kind: 'refused-by-source', source: ACS_SOURCE, message: `The Census ACS API refused the API key ("${said}"): ${KEY_ADVICE}.`, ...(status ? { status } : {}) });
  }
  return new ConnectorError({
    kind: 'http-status',
    source: ACS_SOURCE,
    message: `The Census ACS API refused the request ("${said}"). The vintage, geography or variables may not exist for that year; try another vintage.`,
    ...(status ? { status } : {}),
  });
}

function malformed(detail: string): ConnectorError {
  return new ConnectorError({ kind: 'malformed-body', source: ACS_SOURCE, message: `The Census ACS answer could not be read: ${detail}.` });
}
