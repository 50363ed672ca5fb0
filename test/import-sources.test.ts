import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  countPendingOutbox,
  countProperties,
  findPropertyByAddressKey,
  getProperty,
  openDatabase,
  permitsForProperty,
  propertySources,
  runMigrations,
  stormReportsInBBox,
  type Db,
} from '../src/core/store';
import { sharedFixtures } from '../src/core/testing/fixtures';
import { ImportError, importFile, type ImportKind, type ImportReport } from '../src/imports';

/**
 * `fishmouth import` of files downloaded from the real sources, read by those sources' own
 * parsers: the real samples in ../shared/fixtures, and files written here where no real sample
 * exists (GeoJSON address lists, building permit rows).
 */

const root = mkdtempSync(join(tmpdir(), 'fm-import-sources-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let db: Db;
beforeEach(() => {
  db = openDatabase(mkdtempSync(join(root, 'data-')));
  runMigrations(db);
});
afterEach(() => db.close());

let counter = 0;
function file(name: string, content: string | Buffer): string {
  const path = join(root, `${++counter}-${name}`);
  writeFileSync(path, content);
  return path;
}

async function importTwice(kind: ImportKind, path: string, extra: { reportDay?: string } = {}): Promise<[ImportReport, ImportReport]> {
  const first = await importFile(db, { kind, path, ...extra });
  const outbox = countPendingOutbox(db);
  const second = await importFile(db, { kind, path, ...extra });
  expect(second).toMatchObject({ imported: 0, updated: 0, matched: 0 });
  expect(countPendingOutbox(db)).toBe(outbox);
  return [first, second];
}

async function importError(kind: ImportKind, path: string): Promise<ImportError> {
  const error = await importFile(db, { kind, path }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImportError);
  return error as ImportError;
}

const osm = sharedFixtures('osm-overpass');
describe.skipIf(!osm.present)('OpenStreetMap files (real samples)', () => {
  it('imports the 60 addressed Piedmont buildings of an Overpass answer once, with the ODbL attribution', async () => {
    const [first, second] = await importTwice('overpass', join(osm.dir, 'derived_piedmont_60_addressed_buildings_overpass.json'));
    expect(first).toMatchObject({ records: 'properties', source: 'osm-overpass', imported: 60, rejected: 0, attribution: '© OpenStreetMap contributors, ODbL 1.0' });
    expect(second.skippedReasons).toEqual([{ reason: 'unchanged since an earlier import', count: 60 }]);
    expect(countProperties(db)).toBe(60);
  });

  it('reads a gzipped answer by its bytes even when its name says .json', async () => {
    const path = join(root, 'parnassus.json');
    copyFileSync(join(osm.dir, 'osmnx_overpass-response-2_sf_parnassus_buildings.json.gz'), path);
    const report = await importFile(db, { kind: 'overpass', path });
    expect(report.imported).toBeGreaterThan(500);
    expect(report.rejected).toBe(0);
  });

  it('imports an OSM XML extract, and refuses .osm.bz2 with how to unpack it', async () => {
    const [first] = await importTwice('osm', join(osm.dir, 'osmnx_West-Oakland.osm'));
    expect(first).toMatchObject({ imported: 23, skippedReasons: [{ reason: 'not a building (road, land use or other feature)', count: 66 }] });
    const error = await importError('osm', join(osm.dir, 'osmnx_West-Oakland.osm.bz2'));
    expect(error.kind).toBe('unsupported-compression');
    expect(error.message).toContain('bunzip2');
  });

  it('refuses an Overpass error page and a query that died, saying why', async () => {
    expect((await importError('overpass', join(osm.dir, 'overpy_bad-request.html'))).message).toContain("parse error: ';' expected");
    expect((await importError('overpass', join(osm.dir, 'overpy_remark-runtime-error-01.json'))).message).toContain('Query timed out');
    const cut = file('cut.json.gz', gzipSync(readFileSync(join(osm.dir, 'derived_piedmont_60_addressed_buildings_overpass.json'))).subarray(0, 2_000));
    expect((await importError('overpass', cut)).kind).toBe('damaged-file');
  });

  it('adds a spreadsheet of the same houses to the OSM properties: every source id is kept', async () => {
    await importFile(db, { kind: 'overpass', path: join(osm.dir, 'derived_piedmont_60_addressed_buildings_overpass.json') });
    const [house] = db.prepare('SELECT id, house_number, street, postcode FROM properties ORDER BY rid LIMIT 1').all() as { id: string; house_number: string; street: string; postcode: string }[];
    const csv = `address,zip,year built,owner occupied\n"${house!.house_number} ${house!.street}",${house!.postcode},1927,yes\n`;
    const report = await importFile(db, { kind: 'csv', path: file('crm.csv', csv) });
    expect(report).toMatchObject({ imported: 0, updated: 1 });
    expect(getProperty(db, house!.id)).toMatchObject({ yearBuilt: 1927, ownerOccupied: true });
    expect(propertySources(db, house!.id).map((s) => s.source).sort()).toEqual(['import:csv', 'osm-overpass']);
  });
});

const spc = sharedFixtures('noaa-spc');
describe.skipIf(!spc.present)('SPC storm reports (real samples)', () => {
  it('imports the 2018-06-15 hail reports once, dated by the file name', async () => {
    const [first] = await importTwice('spc', join(spc.dir, '180615_rpts_filtered_hail.csv'));
    expect(first).toMatchObject({ records: 'storm-reports', source: 'noaa-spc', imported: 20, rejected: 0, attribution: 'NOAA Storm Prediction Center' });
    expect(stormReportsInBBox(db, [-90.5, 44, -89, 45.5]).some((r) => r.location === 'MOSINEE' && r.hailSizeInches === 1)).toBe(true);
  });

  it('asks for the report day when a renamed file does not tell it', async () => {
    const path = join(root, 'hail.csv');
    copyFileSync(join(spc.dir, '180615_rpts_filtered_hail.csv'), path);
    const error = await importError('spc', path);
    expect(error.kind).toBe('missing-option');
    expect(error.message).toContain('--report-day');
    expect(await importFile(db, { kind: 'spc', path, reportDay: '2018-06-15' })).toMatchObject({ imported: 20 });
  });
});

const ncei = sharedFixtures('noaa-storm-events');
describe.skipIf(!ncei.present)('NCEI Storm Events (real sample)', () => {
  it('imports the hail, wind and tornado events of the 2019 details file once, streaming the gzip', async () => {
    const [first] = await importTwice('storm-events', join(ncei.dir, 'StormEvents_details-ftp_v1.0_d2019_c20190617.csv.gz'));
    expect(first).toMatchObject({ records: 'storm-reports', source: 'ncei-storm-events' });
    expect(first.imported).toBeGreaterThan(1_000);
    expect(first.skippedReasons[0]!.reason).toBe('event type other than hail, thunderstorm wind or tornado');
  });
});

const parcels = sharedFixtures('arcgis-parcels');
describe.skipIf(!parcels.present)('county parcel pages (real samples)', () => {
  it('finds the county by its fields and imports its parcels once', async () => {
    const [washington] = await importTwice('arcgis', join(parcels.dir, 'oa-machine_us-mn-washington-0-allfields.json'));
    expect(washington).toMatchObject({ source: 'arcgis-parcels', imported: 1, rejected: 0 });
    expect(washington.notes[0]).toBe('Read with the field mapping of Washington County, MN.');
    const [kent] = await importTwice('arcgis', join(parcels.dir, 'pyesridump_us-mi-kent_us-mi-kent-0.json'));
    expect(kent.imported).toBe(15);
    expect(kent.notes.join(' ')).toContain('cannot convert');
  });
});

const socrata = sharedFixtures('socrata-permits');
describe('building permit rows', () => {
  it.skipIf(!socrata.present)('refuses SODA rows that are not permits of a configured portal', async () => {
    const error = await importError('socrata', join(socrata.dir, 'sodapy_bike_counts_page_1.json'));
    expect(error.kind).toBe('missing-option');
    expect(error.message).toContain('--portal');
  });

  it('imports a portal download, links the roofing permit to its house and dates the roof', async () => {
    await importFile(db, { kind: 'csv', path: file('houses.csv', 'address,city,state,zip\n2101 Demo St,Demo City,TX,78701\n') });
    const rows = [
      { permit_number: 'R-1', issue_date: '2021-04-02T00:00:00.000', description: 'Re-roof, tear off and replace shingles', work_class: 'Re-Roof', valuation: '14500', street_number: '2101', street_name: 'DEMO ST', city: 'Demo City', state: 'TX', zip_code: '78701' },
      { permit_number: 'K-2', issue_date: '2022-08-15T00:00:00.000', description: 'Kitchen remodel', work_class: 'Remodel', street_number: '2101', street_name: 'DEMO ST', zip_code: '78701' },
      { issue_date: '2022-08-15T00:00:00.000', description: 'No number, no id' },
    ];
    const path = file('permits.json', JSON.stringify(rows));
    const [first] = await importTwice('socrata', path);
    expect(first).toMatchObject({ records: 'permits', source: 'socrata-permits', imported: 2, rejected: 1 });
    const property = findPropertyByAddressKey(db, '2101 DEMO ST|78701')!;
    expect(property.lastRoofPermitAt).toBe('2021-04-02T05:00:00.000Z'); // Central time, in UTC
    expect(permitsForProperty(db, property.id).map((p) => [p.permitNumber, p.isRoofing])).toEqual([
      ['K-2', false],
      ['R-1', true],
    ]);
  });
});

describe('GeoJSON address lists', () => {
  it('imports points and outlines, and rejects what is not a place, by feature number', async () => {
    const features = [
      { type: 'Feature', geometry: { type: 'Point', coordinates: [-97.7431, 30.2672] }, properties: { 'addr:housenumber': '100', 'addr:street': 'Congress Avenue', 'addr:postcode': '78701' } },
      {
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [[[-97.74, 30.27], [-97.7398, 30.27], [-97.7398, 30.2701], [-97.74, 30.2701], [-97.74, 30.27]]] },
        properties: { Address: '200 Lavaca St', City: 'Austin', State: 'TX', YearBuilt: 1984 },
      },
      { type: 'Feature', geometry: { type: 'Point', coordinates: [302.1, 30.2] }, properties: { address: '1 Nowhere' } },
      { type: 'Feature', geometry: { type: 'LineString', coordinates: [[-97.7, 30.2], [-97.71, 30.21]] }, properties: {} },
      { type: 'Feature', geometry: { type: 'Point', coordinates: [-97.7431, 30.2672] }, properties: { 'addr:housenumber': '100', 'addr:street': 'Congress Ave', 'addr:postcode': '78701' } },
      { type: 'Feature', geometry: null, properties: { address: '300 Guadalupe St', zip: '78701', lat: 30.27, lon: -97.745 } },
    ];
    const path = file('addresses.geojson', JSON.stringify({ type: 'FeatureCollection', features }));
    const [first] = await importTwice('geojson', path);
    expect(first).toMatchObject({ source: 'import:geojson', imported: 3, skipped: 1, rejected: 2 });
    expect(first.rejections.map((g) => [g.kind, g.examples.map((e) => e.line)])).toEqual([
      ['absurd-coordinates', [3]],
      ['invalid-value', [4]],
    ]);
    const lavaca = findPropertyByAddressKey(db, '200 LAVACA ST|AUSTIN TX')!;
    expect(lavaca).toMatchObject({ yearBuilt: 1984 });
    expect(lavaca.footprint).not.toBeNull();
    expect(findPropertyByAddressKey(db, '300 GUADALUPE ST|78701')!.location).toEqual({ lat: 30.27, lng: -97.745 });
  });

  it('says which command reads an Overpass answer given as GeoJSON', async () => {
    const error = await importError('geojson', file('overpass.json', JSON.stringify({ elements: [] })));
    expect(error.message).toContain('fishmouth import overpass');
  });
});

describe('files that cannot be imported at all', () => {
  it('names the missing file and the compression it does not unpack', async () => {
    expect((await importError('csv', join(root, 'nope.csv'))).kind).toBe('file-not-found');
    expect((await importError('csv', file('list.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])))).message).toContain('unzip it');
  });
});
