import { sourcePolicy } from '../core/cost/sources';
import type { Db } from '../core/store';
import { readAddressCsv } from './csv-addresses';
import { inspectFile, readWholeFile } from './file-input';
import { readAddressGeoJson } from './geojson-addresses';
import { ImportTally, type ImportReport } from './report';
import {
  MAX_WHOLE_FILE_BYTES,
  asImportError,
  readArcgisFile,
  readOsmXmlFile,
  readOverpassFile,
  readSocrataFile,
  readSpcFile,
  readStormEventsFile,
  type SourceFileResult,
} from './source-files';
import { writeItems, type WriteOptions } from './writer';

/**
 * `fishmouth import KIND FILE`: one file a user downloaded, into the store.
 *
 *   importFile(db, { kind, path, territory?, reportDay?, county?, portal?, onBatch?, signal? }) → ImportReport
 *
 * Throws ImportError when the file as a whole cannot be read (missing, compressed in a format we
 * do not unpack, the wrong kind of file, damaged); a bad row never stops an import, it is counted
 * as rejected with its reason. Rows are written in batches, one transaction each (writer.ts), and
 * every repository is idempotent: importing the same file twice imports and updates nothing the
 * second time, and an import killed mid-file completes when run again.
 */

export const IMPORT_KINDS = ['overpass', 'osm', 'geojson', 'csv', 'spc', 'storm-events', 'arcgis', 'socrata'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_KIND_HELP: Record<ImportKind, string> = {
  overpass: 'an Overpass API [out:json] answer of buildings (.json, gzip accepted)',
  osm: 'an OpenStreetMap XML extract (.osm or .osm.gz; unpack .osm.bz2 first)',
  geojson: 'a GeoJSON FeatureCollection of address points or building outlines',
  csv: 'an address list: columns address/street, city, state, zip and/or lat, lon',
  spc: 'an SPC daily storm report CSV (e.g. 180615_rpts_filtered_hail.csv)',
  'storm-events': 'an NCEI Storm Events details file (StormEvents_details-…csv.gz)',
  arcgis: 'a county parcel layer query answer (f=json or f=geojson)',
  socrata: 'building permit rows from a Socrata portal (…/resource/ID.json)',
};

export interface ImportRequest extends Omit<WriteOptions, 'territoryId'> {
  kind: ImportKind;
  path: string;
  /** The territory the imported properties belong to (those without one yet). */
  territory?: { id: string; name: string } | null;
  reportDay?: string;
  county?: string;
  portal?: string;
  now?: () => Date;
}

const RECORDS: Record<ImportKind, ImportReport['records']> = {
  overpass: 'properties',
  osm: 'properties',
  geojson: 'properties',
  csv: 'properties',
  arcgis: 'properties',
  spc: 'storm-reports',
  'storm-events': 'storm-reports',
  socrata: 'permits',
};

export async function importFile(db: Db, request: ImportRequest): Promise<ImportReport> {
  const file = await inspectFile(request.path);
  const observedAt = (request.now?.() ?? new Date()).toISOString();
  const options = { observedAt, reportDay: request.reportDay, county: request.county, portal: request.portal };
  const tally = new ImportTally();
  try {
    const read = await openReader(request.kind, file, options);
    await writeItems(db, read.items, tally, {
      territoryId: request.territory?.id ?? null,
      batchSize: request.batchSize,
      onBatch: request.onBatch,
      signal: request.signal,
    });
    return {
      kind: request.kind,
      file: request.path,
      records: RECORDS[request.kind],
      source: read.source,
      territory: request.territory ?? null,
      ...tally.counts(),
      skippedReasons: tally.skippedReasons(),
      rejections: tally.rejectionGroups(),
      notes: read.notes,
      attribution: read.attribution ?? sourcePolicy(db, read.source)?.licence.attribution ?? null,
    };
  } catch (error) {
    throw asImportError(error, file);
  }
}

async function openReader(kind: ImportKind, file: Awaited<ReturnType<typeof inspectFile>>, options: { observedAt: string; reportDay?: string; county?: string; portal?: string }): Promise<SourceFileResult> {
  switch (kind) {
    case 'csv': {
      const notes: string[] = [];
      return { items: readAddressCsv(file, { source: 'import:csv', observedAt: options.observedAt, notes }), source: 'import:csv', attribution: null, notes };
    }
    case 'geojson': {
      const notes: string[] = [];
      const bytes = await readWholeFile(file, { maxBytes: MAX_WHOLE_FILE_BYTES });
      return { items: readAddressGeoJson(file, bytes, { source: 'import:geojson', observedAt: options.observedAt, notes }), source: 'import:geojson', attribution: null, notes };
    }
    case 'overpass':
      return readOverpassFile(file, options);
    case 'osm':
      return readOsmXmlFile(file, options);
    case 'spc':
      return readSpcFile(file, options);
    case 'storm-events':
      return readStormEventsFile(file);
    case 'arcgis':
      return readArcgisFile(file, options);
    case 'socrata':
      return readSocrataFile(file, options);
    default: {
      const unknown: never = kind;
      throw new Error(`unknown import kind ${String(unknown)}`);
    }
  }
}
