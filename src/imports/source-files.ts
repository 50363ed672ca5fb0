import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { decodeText } from '../core/http/body';
import { ConnectorError } from '../core/http/errors';
import { ARCGIS_SOURCE_ID, SEED_COUNTIES, countyForFields, findCounty, parseFeaturePage, parseGeoJsonPage, type CountyConfig } from '../connectors/arcgis-parcels';
import { STORM_EVENTS_ATTRIBUTION, STORM_EVENTS_SOURCE, parseStormEvents } from '../connectors/ncei-storm-events/parse';
import { SPC_ATTRIBUTION, SPC_SOURCE, parseSpcReports, spcFileNameFacts } from '../connectors/noaa-spc/parse';
import { OSM_ATTRIBUTION, OVERPASS_SOURCE, parseOsmXml, parseOverpassJson, type OverpassBuildings } from '../connectors/osm-overpass';
import { SOCRATA_SOURCE_ID, parseSodaRows, permitsFromRows, type SodaRow } from '../connectors/socrata-permits/parse';
import { SEED_PORTALS, findPortal, mappedColumns, type PortalConfig } from '../connectors/socrata-permits/portals';
import { ImportError } from './errors';
import { readWholeFile, type InputFile } from './file-input';
import type { ImportItem } from './report';

/**
 * Files downloaded from the sources the app also fetches live, read with those sources' own
 * parsers (src/connectors/<source>/parse.ts). Records keep the source's id ('osm-overpass',
 * 'noaa-spc', …) and its own record ids, so a file imported by hand and the same data fetched by
 * a scan are one record, not two.
 *
 * Read whole (JSON has no row boundaries): Overpass JSON, ArcGIS pages, SODA rows, SPC day files.
 * Streamed: OSM XML and NCEI Storm Events details files.
 */

export interface SourceFileResult {
  items: Iterable<ImportItem> | AsyncIterable<ImportItem>;
  source: string;
  attribution: string | null;
  notes: string[];
}

export interface SourceFileOptions {
  /** SPC: the report day when the file name does not tell it (YYYY-MM-DD). */
  reportDay?: string;
  /** ArcGIS: which county's field mapping reads the file. */
  county?: string;
  /** Socrata: which portal's field mapping reads the file. */
  portal?: string;
  observedAt: string;
}

/** Whole-file formats are refused above this size (unpacked). */
export const MAX_WHOLE_FILE_BYTES = 512 * 1024 * 1024;

/** A connector's typed error, as the import's own error with the connector's message. */
export function asImportError(error: unknown, file: InputFile): unknown {
  if (!(error instanceof ConnectorError)) return error;
  const kind = error.kind === 'truncated' ? 'damaged-file' : error.kind === 'too-large' ? 'too-large' : error.kind === 'cancelled' ? 'cancelled' : 'wrong-format';
  return new ImportError(kind, error.message.includes(basename(file.path)) ? error.message : `${file.label}: ${error.message}`, { cause: error });
}

function osmItems(result: OverpassBuildings): SourceFileResult {
  const notes: string[] = [];
  if (!result.complete) notes.push(`The answer carries a remark and may not hold the whole area: ${result.remark}`);
  if (result.osmBase) notes.push(`OpenStreetMap data as of ${result.osmBase}.`);
  const items: ImportItem[] = [
    ...result.observations.map((observation): ImportItem => ({ type: 'property', observation, line: null })),
    ...result.skipped.map((skip): ImportItem => ({ type: 'skipped', reason: skip.reason, count: skip.count })),
  ];
  return { items, source: OVERPASS_SOURCE, attribution: OSM_ATTRIBUTION, notes };
}

export async function readOverpassFile(file: InputFile, options: SourceFileOptions): Promise<SourceFileResult> {
  const bytes = await readWholeFile(file, { maxBytes: MAX_WHOLE_FILE_BYTES });
  return osmItems(parseOverpassJson(bytes, { inputLabel: file.label, maxBytes: MAX_WHOLE_FILE_BYTES, observedAt: undefined, now: () => new Date(options.observedAt) }));
}

export async function readOsmXmlFile(file: InputFile, options: SourceFileOptions): Promise<SourceFileResult> {
  return osmItems(await parseOsmXml(file.path, { inputLabel: file.label, now: () => new Date(options.observedAt) }));
}

export async function readSpcFile(file: InputFile, options: SourceFileOptions): Promise<SourceFileResult> {
  const facts = spcFileNameFacts(basename(file.path));
  const reportDay = options.reportDay ?? facts.reportDay;
  if (!reportDay) {
    throw new ImportError(
      'missing-option',
      `${file.label} does not say which day its reports are from (SPC names its files like 180615_rpts_filtered_hail.csv): give the day with --report-day YYYY-MM-DD, the date its 12Z–12Z period starts.`,
    );
  }
  const text = decodeText(await readWholeFile(file, { maxBytes: MAX_WHOLE_FILE_BYTES }), null);
  const parsed = parseSpcReports(text, { reportDay, source: SPC_SOURCE, ...(facts.kind ? { expectedKind: facts.kind } : {}) });
  const items: ImportItem[] = [
    ...parsed.reports.map((report): ImportItem => ({ type: 'storm', report, line: null })),
    ...parsed.rejected.map((row): ImportItem => ({ type: 'rejected', kind: 'source-rule', line: row.line, reason: `line ${row.line}: ${row.reason}` })),
  ];
  return { items, source: SPC_SOURCE, attribution: SPC_ATTRIBUTION, notes: [`Reports of the SPC day starting ${reportDay} 12Z.`] };
}

export async function readStormEventsFile(file: InputFile): Promise<SourceFileResult> {
  // The parser unpacks gzip by its magic bytes itself, so it gets the raw file.
  const parsed = await parseStormEvents(createReadStream(file.path), { source: STORM_EVENTS_SOURCE });
  const items: ImportItem[] = [
    ...parsed.reports.map((report): ImportItem => ({ type: 'storm', report, line: null })),
    ...parsed.rejected.map((row): ImportItem => ({ type: 'rejected', kind: 'source-rule', line: row.line, reason: `line ${row.line}: ${row.reason}` })),
  ];
  const unlisted = parsed.rejectedCount - parsed.rejected.length;
  for (let i = 0; i < unlisted; i++) items.push({ type: 'rejected', kind: 'source-rule', line: null, reason: 'rejected by the Storm Events reader (details beyond the first ones not kept)' });
  const ignored = parsed.rows - parsed.matchedType;
  if (ignored > 0) items.push({ type: 'skipped', reason: 'event type other than hail, thunderstorm wind or tornado', count: ignored });
  return { items, source: STORM_EVENTS_SOURCE, attribution: STORM_EVENTS_ATTRIBUTION, notes: [`${parsed.rows} event rows read.`] };
}

function fieldNamesOf(document: Record<string, unknown>): string[] {
  if (Array.isArray(document.fields)) return document.fields.map((f) => String((f as { name?: unknown }).name ?? '')).filter(Boolean);
  const first = Array.isArray(document.features) ? (document.features[0] as { attributes?: unknown; properties?: unknown } | undefined) : undefined;
  const attributes = first?.attributes ?? first?.properties;
  return attributes && typeof attributes === 'object' ? Object.keys(attributes) : [];
}

export async function readArcgisFile(file: InputFile, options: SourceFileOptions): Promise<SourceFileResult> {
  const text = decodeText(await readWholeFile(file, { maxBytes: MAX_WHOLE_FILE_BYTES }), null).replace(/^\uFEFF/, '');
  let document: Record<string, unknown> = {};
  try {
    document = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // The parser below reports what is wrong with the text (truncated, HTML, not JSON).
  }
  let county: CountyConfig | null;
  if (options.county) {
    county = findCounty(options.county);
    if (!county) throw new ImportError('missing-option', `There is no county "${options.county}" configured; known: ${SEED_COUNTIES.map((c) => c.id).join(', ')}.`);
  } else {
    county = countyForFields(fieldNamesOf(document));
    if (!county) {
      throw new ImportError(
        'missing-option',
        `${file.label}'s fields do not match any configured county's parcel layer: name the county with --county ID (known: ${SEED_COUNTIES.map((c) => c.id).join(', ')}), or add yours in Settings → Data sources.`,
      );
    }
  }
  const ctx = { county, observedAt: options.observedAt };
  const page = document.type === 'FeatureCollection' ? parseGeoJsonPage(text, ctx) : parseFeaturePage(text, ctx);
  const notes = [`Read with the field mapping of ${county.label}.`, ...page.warnings];
  if (page.exceededTransferLimit) notes.push('This file is one page of a larger answer (exceededTransferLimit): download the following pages with resultOffset and import them too.');
  const items: ImportItem[] = [
    ...page.parcels.map((parcel): ImportItem => ({ type: 'property', observation: parcel.observation, line: null })),
    ...page.rejected.map((r): ImportItem => ({ type: 'rejected', kind: 'source-rule', line: r.index + 1, reason: `feature ${r.index + 1}${r.objectId === null ? '' : ` (object ${r.objectId})`}: ${r.reason}` })),
  ];
  return { items, source: ARCGIS_SOURCE_ID, attribution: county.attribution ?? 'Parcel data courtesy of the county', notes };
}

/** The portal whose mapped columns the rows carry most of (rows omit null columns, so no exact test). */
function portalForRows(rows: readonly SodaRow[]): PortalConfig | null {
  const present = new Set(rows.slice(0, 200).flatMap((row) => Object.keys(row)));
  let best: { portal: PortalConfig; share: number } | null = null;
  for (const portal of SEED_PORTALS) {
    const f = portal.fields;
    if (!present.has(f.permitNumber) || !present.has(f.issuedAt)) continue;
    const columns = mappedColumns(f);
    const share = columns.filter((c) => present.has(c)).length / columns.length;
    if (share >= 0.6 && (!best || share > best.share)) best = { portal, share };
  }
  return best?.portal ?? null;
}

export async function readSocrataFile(file: InputFile, options: SourceFileOptions): Promise<SourceFileResult> {
  const text = decodeText(await readWholeFile(file, { maxBytes: MAX_WHOLE_FILE_BYTES }), null).replace(/^\uFEFF/, '');
  const rows = parseSodaRows(text, file.label);
  let portal: PortalConfig | null;
  if (options.portal) {
    portal = findPortal(options.portal);
    if (!portal) throw new ImportError('missing-option', `There is no permit portal "${options.portal}" configured; known: ${SEED_PORTALS.map((p) => p.id).join(', ')}.`);
  } else {
    portal = portalForRows(rows);
    if (!portal && rows.length > 0) {
      throw new ImportError(
        'missing-option',
        `${file.label}'s columns do not match any configured permit portal: name it with --portal ID (known: ${SEED_PORTALS.map((p) => p.id).join(', ')}), or add yours in Settings → Data sources.`,
      );
    }
  }
  if (!portal) return { items: [], source: SOCRATA_SOURCE_ID, attribution: null, notes: ['The file holds no rows.'] };
  const { permits, rejected } = permitsFromRows(rows, { portal });
  const items: ImportItem[] = [
    ...permits.map((permit): ImportItem => ({ type: 'permit', permit, line: null })),
    ...rejected.map((r): ImportItem => ({ type: 'rejected', kind: 'source-rule', line: r.index + 1, reason: `row ${r.index + 1}: ${r.reason}` })),
  ];
  const roofing = permits.filter((p) => p.isRoofing).length;
  return { items, source: SOCRATA_SOURCE_ID, attribution: 'Permit data courtesy of the publishing city or county', notes: [`Read with the field mapping of ${portal.label}; ${roofing} of ${permits.length} permits are roofing work.`] };
}
