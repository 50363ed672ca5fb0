import type { Lead } from './leads-store';
import type { Visit } from './visits-store';

/**
 * Lead lists for other tools (pure): CSV (RFC 4180), GeoJSON and KML, all with the same stable
 * columns in the same order, documented in the README ("Leads: lists, routes, visits, exports").
 * A new column is only ever appended, so spreadsheets and scripts built on an export keep working.
 *
 *   leadExportRows(leads, latestVisits?) → LeadExportRow[] (rank = position in `leads`)
 *   leadsCsv(rows) · leadsGeoJson(rows) · leadsKml(rows, name?) → the file's text
 */

export const EXPORT_COLUMNS = [
  'rank',
  'lead_id',
  'address',
  'lat',
  'lng',
  'score',
  'condition',
  'roof_age_years',
  'hail_max_in',
  'hail_last_at',
  'status',
  'assigned_to',
  'top_reasons',
  'scored_at',
  'reason_codes',
  'probability',
  'condition_confidence',
  'property_id',
  'territory_id',
  'model_id',
  'last_visit_at',
  'last_visit_outcome',
  'last_visit_note',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
export type LeadExportRow = Record<ExportColumn, string | number | null>;

export const EXPORT_FORMATS = ['csv', 'geojson', 'kml'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Reasons shown in `top_reasons` (the scorer lists them most important first). */
const TOP_REASONS = 3;

const round = (value: number | null, places: number) => (value === null ? null : Number(value.toFixed(places)));

export function leadExportRows(leads: readonly Lead[], latestVisits: ReadonlyMap<string, Visit> = new Map()): LeadExportRow[] {
  return leads.map((lead, index) => {
    const visit = latestVisits.get(lead.id) ?? null;
    return {
      rank: index + 1,
      lead_id: lead.id,
      address: lead.address,
      // Note: 6 decimals is ~0.1 m, finer than any door; it keeps the files short and stable.
      lat: round(lead.lat, 6),
      lng: round(lead.lng, 6),
      score: lead.score,
      condition: lead.conditionScore,
      roof_age_years: round(lead.roofAgeYears, 1),
      hail_max_in: round(lead.hailMaxInches, 2),
      hail_last_at: lead.hailLastAt,
      status: lead.status,
      assigned_to: lead.assignedTo,
      top_reasons: lead.reasons.slice(0, TOP_REASONS).map((r) => r.text).join('; ') || null,
      scored_at: lead.scoredAt,
      reason_codes: lead.reasons.map((r) => r.code).join('|') || null,
      probability: round(lead.probability, 4),
      condition_confidence: round(lead.conditionConfidence, 2),
      property_id: lead.propertyId,
      territory_id: lead.territoryId,
      model_id: lead.modelId,
      last_visit_at: visit?.visitedAt ?? null,
      last_visit_outcome: visit?.outcome ?? null,
      last_visit_note: visit?.note ?? null,
    };
  });
}

/** Columns of free text a person typed or a source sent, which a spreadsheet must not run. */
const FREE_TEXT: ReadonlySet<ExportColumn> = new Set(['address', 'assigned_to', 'top_reasons', 'last_visit_note']);

/**
 * RFC 4180: CRLF line ends, a header row, fields with a comma, quote, CR or LF in double quotes
 * (a quote doubled). Null is an empty field. Note: free text starting with = + - @ (or a tab/CR)
 * gets a leading apostrophe so Excel and Sheets show it instead of running it as a formula.
 */
export function leadsCsv(rows: readonly LeadExportRow[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const row of rows) lines.push(EXPORT_COLUMNS.map((column) => csvField(row[column], FREE_TEXT.has(column))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(value: string | number | null, freeText: boolean): string {
  if (value === null) return '';
  let text = String(value);
  if (freeText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A FeatureCollection of Points ([lng, lat]); each feature's properties are the columns, in order. */
export function leadsGeoJson(rows: readonly LeadExportRow[]): string {
  const features = rows.map((row) => ({
    type: 'Feature' as const,
    id: row.lead_id,
    geometry: { type: 'Point' as const, coordinates: [row.lng, row.lat] },
    properties: Object.fromEntries(EXPORT_COLUMNS.map((column) => [column, row[column]])),
  }));
  return `${JSON.stringify({ type: 'FeatureCollection', features }, null, 1)}\n`;
}

/** KML 2.2 (Google Earth, My Maps): one Placemark per lead, its columns as ExtendedData. */
export function leadsKml(rows: readonly LeadExportRow[], documentName = 'Fish Mouth leads'): string {
  const placemarks = rows.map((row) =>
    [
      '    <Placemark>',
      `      <name>${xml(`${row.rank}. ${row.address ?? ''} (${row.score})`)}</name>`,
      `      <description>${xml(String(row.top_reasons ?? ''))}</description>`,
      '      <ExtendedData>',
      ...EXPORT_COLUMNS.map((column) => `        <Data name="${column}"><value>${xml(row[column] === null ? '' : String(row[column]))}</value></Data>`),
      '      </ExtendedData>',
      `      <Point><coordinates>${row.lng},${row.lat}</coordinates></Point>`,
      '    </Placemark>',
    ].join('\n'),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<kml xmlns="http://www.opengis.net/kml/2.2">',
    '  <Document>',
    `    <name>${xml(documentName)}</name>`,
    ...placemarks,
    '  </Document>',
    '</kml>',
    '',
  ].join('\n');
}

/**
 * Escapes markup and drops the control characters XML 1.0 cannot carry at all. Note: a CR is
 * written as &#13; because XML parsers turn a literal CRLF into LF.
 */
function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

export function exportLeads(format: ExportFormat, rows: readonly LeadExportRow[], name?: string): string {
  switch (format) {
    case 'csv':
      return leadsCsv(rows);
    case 'geojson':
      return leadsGeoJson(rows);
    case 'kml':
      return leadsKml(rows, name);
  }
}
