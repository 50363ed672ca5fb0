import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTerritory, findPropertyByAddressKey, openDatabase, runMigrations } from '../../core/store';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { importCommand } from './import';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-import-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

function csvFile(content: string): string {
  const path = join(root, `list-${++counter}.csv`);
  writeFileSync(path, content);
  return path;
}

async function run(args: string[]) {
  const ctx = testContext();
  const code = await runCli(['import', ...args], ctx, [importCommand]);
  return { code, out: ctx.out(), err: ctx.err() };
}

const LIST = 'address,city,state,zip,lat,lon\n12 Oak St,Austin,TX,78701,,\n12 oak street,austin,tx,78701,,\n14 Oak St,,,,95.1,-97.7\n';

describe('fishmouth import', () => {
  it('prints one JSON document with the counts and the reasons, and changes nothing the second time', async () => {
    const data = join(root, 'data-json');
    const file = csvFile(LIST);
    const first = await run(['csv', file, '--json', '--data', data]);
    expect(first.code).toBe(EXIT.ok);
    expect(first.err).toBe('');
    const doc = JSON.parse(first.out);
    expect(doc).toMatchObject({ ok: true, report: { kind: 'csv', records: 'properties', imported: 1, updated: 0, skipped: 1, rejected: 1 } });
    expect(doc.report.rejections[0]).toMatchObject({ kind: 'absurd-coordinates', count: 1, examples: [{ line: 4 }] });
    const second = JSON.parse((await run(['csv', file, '--json', '--data', data])).out);
    expect(second.report).toMatchObject({ imported: 0, updated: 0, skipped: 2, rejected: 1 });
  });

  it('prints a readable summary, and files the properties under a territory by name', async () => {
    const data = join(root, 'data-text');
    const db = openDatabase(data);
    runMigrations(db);
    createTerritory(db, { name: 'Downtown', geometry: { type: 'Polygon', coordinates: [[[-97.8, 30.2], [-97.7, 30.2], [-97.7, 30.3], [-97.8, 30.3], [-97.8, 30.2]]] } });
    db.close();
    const result = await run(['csv', csvFile(LIST), '--territory', 'downtown', '--data', data]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain('into Downtown');
    expect(result.out).toContain('imported 1, updated 0, matched 0, skipped 1, rejected 1');
    expect(result.out).toContain('line 4: latitude 95.1, longitude -97.7 is not on Earth');
    const check = openDatabase(data);
    expect(findPropertyByAddressKey(check, '12 OAK ST|78701')!.territoryId).not.toBeNull();
    check.close();
  });

  it('says what is wrong with the command line, the territory or the file', async () => {
    const usage = await run(['xlsx', 'list.xlsx']);
    expect(usage.code).toBe(EXIT.usage);
    expect(usage.err).toContain('"xlsx" is not a kind of file Fish Mouth imports');
    expect((await run(['csv'])).err).toContain('give the file to import');
    expect((await run(['csv', 'a.csv', '--report-day', '2018-06-15'])).err).toContain('--report-day is for spc files only');

    const data = join(root, 'data-errors');
    const territory = await run(['csv', csvFile(LIST), '--territory', 'Nowhere', '--json', '--data', data]);
    expect(territory.code).toBe(EXIT.failure);
    expect(JSON.parse(territory.out).error).toMatchObject({ kind: 'unknown-territory' });
    const missing = await run(['csv', join(root, 'missing.csv'), '--data', data]);
    expect(missing.code).toBe(EXIT.failure);
    expect(missing.err).toContain('There is no file at');
  });
});
