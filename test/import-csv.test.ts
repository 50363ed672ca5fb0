import iconv from 'iconv-lite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countPendingOutbox, createTerritory, findPropertyByAddressKey, getProperty, openDatabase, runMigrations, type Db } from '../src/core/store';
import { ImportError, importFile, sniffDelimiter, type ImportReport } from '../src/imports';

/**
 * `fishmouth import csv` on the address lists people really have: written by Excel, Numbers,
 * LibreOffice or a CRM export, in odd encodings, with quoted commas, missing columns, blank lines,
 * duplicates and coordinates that are not on Earth.
 */

const root = mkdtempSync(join(tmpdir(), 'fm-import-csv-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let db: Db;
let dataDir: string;
let counter = 0;
beforeEach(() => {
  dataDir = mkdtempSync(join(root, 'data-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => db.close());

function file(name: string, content: string | Buffer): string {
  const path = join(root, `${++counter}-${name}`);
  writeFileSync(path, content);
  return path;
}

const importCsv = (path: string, extra: { territory?: { id: string; name: string } } = {}) => importFile(db, { kind: 'csv', path, ...extra });

function rejectedLines(report: ImportReport, kind: string): (number | null)[] {
  return report.rejections.find((group) => group.kind === kind)?.examples.map((e) => e.line) ?? [];
}

describe('messy CSV address lists', () => {
  it('reads an Excel export: UTF-8 with BOM, CRLF, quoted commas and its own column names', async () => {
    const csv = '\uFEFFStreet Address,Town,ST,Postal Code,Owner Occupied\r\n"1208 East 7th Street, Unit B",Austin,Texas,78702,Yes\r\n"410 Oak Ln",Round Rock,TX,78664-1234,no\r\n';
    const report = await importCsv(file('excel.csv', csv));
    expect(report).toMatchObject({ imported: 2, updated: 0, skipped: 0, rejected: 0, source: 'import:csv' });
    expect(report.notes[0]).toBe('Read as UTF-8 text with comma-separated columns.');
    expect(report.notes).toHaveLength(1); // every column was understood
    const unitB = findPropertyByAddressKey(db, '1208 E 7TH ST|78702')!;
    expect(unitB.address).toMatchObject({ unit: 'UNIT B', city: 'AUSTIN', state: 'TX' });
    expect(unitB.ownerOccupied).toBe(true);
    expect(findPropertyByAddressKey(db, '410 OAK LN|78664')!.ownerOccupied).toBe(false);
  });

  it('reads UTF-16 "Unicode text" (tab-separated) in both byte orders', async () => {
    const text = 'address\tcity\tstate\tzip\n12 Elm St\tSpringfield\tIL\t62701\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text.replace('12 Elm', '14 Elm'), 'utf-16be')]);
    const first = await importCsv(file('unicode-le.txt', le));
    expect(first.notes[0]).toBe('Read as UTF-16 (little-endian) text with tab-separated columns.');
    expect((await importCsv(file('unicode-be.txt', be))).notes[0]).toBe('Read as UTF-16 (big-endian) text with tab-separated columns.');
    expect(findPropertyByAddressKey(db, '12 ELM ST|62701')).not.toBeNull();
    expect(findPropertyByAddressKey(db, '14 ELM ST|62701')).not.toBeNull();
  });

  it('falls back to Windows-1252 when the file is not UTF-8, and sniffs semicolons', async () => {
    const text = 'Adresse;Stadt;State;ZIP\n501 Peñasco Rd;Cañon City;CO;81212\n';
    const report = await importCsv(file('excel-1252.csv', iconv.encode(text.replace('Adresse', 'address').replace('Stadt', 'city'), 'windows-1252')));
    expect(report.notes[0]).toBe('Read as Windows-1252 text with semicolon-separated columns.');
    expect(report.imported).toBe(1);
    const property = findPropertyByAddressKey(db, '501 PENASCO RD|81212')!;
    expect(property.address.city).toBe('CANON CITY');
  });

  it('reads one one-line address column, and a list with no header at all', async () => {
    const single = await importCsv(file('one-column.csv', 'Address\n"350 Fifth Avenue, New York, NY 10118"\n"1600 Pennsylvania Ave NW, Washington, DC 20500"\n'));
    expect(single).toMatchObject({ imported: 2, rejected: 0 });
    expect(findPropertyByAddressKey(db, '350 5TH AVE|10118')).not.toBeNull();
    const headerless = await importCsv(file('no-header.csv', '77 Lake Shore Dr, Chicago, IL 60611\n233 S Wacker Dr, Chicago, IL 60606\n'));
    expect(headerless).toMatchObject({ imported: 2, rejected: 0 });
    expect(headerless.notes).toContain('No header row: each row is read as one address.');
    expect(findPropertyByAddressKey(db, '233 S WACKER DR|60606')).not.toBeNull();
  });

  it('passes over blank lines, reads short rows, skips duplicates and rejects what cannot be placed, by line', async () => {
    const csv = [
      'address,city,state,zip,latitude,longitude',
      '100 Main St,Austin,TX,78701,30.2672,-97.7431',
      '',
      ',,,,,',
      '102 Main St,Austin,TX', // short row: no zip or coordinates, city and state suffice
      '100 MAIN STREET,austin,tx,78701,,', // the same house as line 2
      '104 Main St,,,,302.67,-97.74', // absurd latitude
      '106 Main St,,,,-97.74,30.26', // swapped
      '108 Main St,,,,0,0', // a placeholder
      'Main St,Austin,TX,78701,,', // no house number, no coordinates
      ',,,,30.2701,-97.7402', // coordinates only: a point is enough
      '110 Main St,Austin,TX,78701,30.27,', // a latitude without a longitude
      '112 Main St,Austin,TX,78701,,,extra,fields', // longer rows are fine
    ].join('\n');
    const report = await importCsv(file('messy.csv', csv));
    expect(report).toMatchObject({ imported: 4, updated: 0, skipped: 1, rejected: 5 });
    expect(report.skippedReasons).toEqual([{ reason: 'duplicate row in the file (same address or location as an earlier row)', count: 1 }]);
    expect(rejectedLines(report, 'absurd-coordinates')).toEqual([7, 8, 9]);
    expect(rejectedLines(report, 'incomplete-address')).toEqual([10]);
    expect(rejectedLines(report, 'invalid-value')).toEqual([12]);
    const reasons = report.rejections.flatMap((group) => group.examples.map((e) => e.reason));
    expect(reasons).toContain('line 7: latitude 302.67, longitude -97.74 is not on Earth');
    expect(reasons).toContain('line 8: latitude -97.74, longitude 30.26 is not on Earth (are latitude and longitude swapped?)');
    expect(reasons).toContain('line 9: coordinates 0, 0 are a placeholder, not a place');
    expect(reasons).toContain('line 12: has a latitude but no longitude');
    expect(findPropertyByAddressKey(db, '102 MAIN ST|AUSTIN TX')).not.toBeNull();
  });

  it('is idempotent: the second import of the same file imports and updates nothing and writes no outbox row', async () => {
    const path = file('twice.csv', 'address,city,state,zip,year built,value\n1 Elm St,Austin,TX,78701,1964,"$412,000"\n3 Elm St,Austin,TX,78701,N/A,\n');
    const first = await importCsv(path);
    expect(first).toMatchObject({ imported: 2, updated: 0 });
    expect(findPropertyByAddressKey(db, '1 ELM ST|78701')).toMatchObject({ yearBuilt: 1964, marketValueUsd: 412_000 });
    const outbox = countPendingOutbox(db);
    const second = await importCsv(path);
    expect(second).toMatchObject({ imported: 0, updated: 0, matched: 0, rejected: 0, skipped: 2 });
    expect(countPendingOutbox(db)).toBe(outbox);
    // A corrected file updates only what changed.
    const corrected = await importCsv(file('corrected.csv', 'address,city,state,zip,year built,value\n1 Elm St,Austin,TX,78701,1965,"$412,000"\n'));
    expect(corrected).toMatchObject({ imported: 0, updated: 1 });
  });

  it('reads a gzip file by its bytes whatever its name, and repairs ZIPs a spreadsheet shortened', async () => {
    const path = file('boston.csv', gzipSync('address,city,state,zip\n10 Beacon St,Boston,MA,2108\n'));
    expect(await importCsv(path)).toMatchObject({ imported: 1 });
    expect(findPropertyByAddressKey(db, '10 BEACON ST|02108')).not.toBeNull();
  });

  it('puts imported properties in the territory named', async () => {
    const territory = createTerritory(db, { name: 'East Austin', geometry: { type: 'Polygon', coordinates: [[[-97.8, 30.2], [-97.6, 30.2], [-97.6, 30.4], [-97.8, 30.4], [-97.8, 30.2]]] } });
    const report = await importCsv(file('territory.csv', 'address,zip\n9 Pine St,78702\n'), { territory: { id: territory.id, name: territory.name } });
    expect(report.territory).toEqual({ id: territory.id, name: 'East Austin' });
    expect(report.rejected).toBe(0);
    const property = findPropertyByAddressKey(db, '9 PINE ST|78702')!;
    expect(getProperty(db, property.id)!.territoryId).toBe(territory.id);
  });

  it('reads UTF-16 saved without a byte-order mark, and rejects a row with a stray quote by its line', async () => {
    const unmarked = await importCsv(file('no-bom.csv', iconv.encode('address,city,state,zip\n5 Ash St,Austin,TX,78701\n', 'utf-16le')));
    expect(unmarked).toMatchObject({ imported: 1, notes: ['Read as UTF-16 (little-endian) text with comma-separated columns.'] });
    const quoted = await importCsv(file('stray-quote.csv', 'address,city,state,zip\n7 Ash St,Austin,TX,78701\n9 Ash St,Austin,"TX"x,78701\n'));
    expect(quoted).toMatchObject({ imported: 1, rejected: 1 });
    expect(quoted.rejections[0]).toMatchObject({ kind: 'unreadable-row', examples: [{ line: 3, reason: 'line 3: text follows the closing " of a field (a stray quote mark?)' }] });
  });

  it('refuses a binary file and an empty one as a whole', async () => {
    const binary = await importCsv(file('sheet.csv', Buffer.concat([Buffer.from('address,zip\n'), Buffer.alloc(2000, 7)]))).catch((e: unknown) => e);
    expect((binary as ImportError).message).toContain('is not a text file');
    expect(((await importCsv(file('empty.csv', '')).catch((e: unknown) => e)) as ImportError).message).toContain('is empty');
  });

  it('refuses a file without an address column, saying which columns it wants', async () => {
    const error = await importCsv(file('wrong.csv', 'name,phone\nJane,555-0100\n')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).kind).toBe('wrong-format');
    expect((error as ImportError).message).toContain('address (or street, addr1), city, state, zip');
    expect((error as ImportError).message).toContain('name, phone');
  });
});

describe('sniffDelimiter', () => {
  it.each([
    ['a,b,c\n1,2,3\n', ','],
    ['a;b;c\n1;2;3\n', ';'],
    ['a\tb\tc\n1\t2\t3\n', '\t'],
    ['a|b\n1|2\n', '|'],
    ['address;city\n"12 Main St, Apt 4";Austin\n', ';'],
    ['address\n12 Main St\n', ','],
  ])('%j → %j', (sample, expected) => {
    expect(sniffDelimiter(sample)).toBe(expected);
  });
});
