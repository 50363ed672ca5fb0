import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, runMigrations } from '../src/core/store';
import { importFile } from '../src/imports';
import { bundleForChildren, exitCodeOf, forkChild, nextMessage, type ChildBundle } from './fixtures/children';
import type { ImportChildPlan } from './fixtures/imports/import-child';

/**
 * An import killed mid-file (SIGKILL: no handler runs, no cleanup) leaves only whole batches —
 * every property with its source record and its outbox row, nothing half-written — and running
 * the same import again completes it without duplicating a row.
 */

const ROWS = 6_000;
const BATCH = 250;

describe('an import killed mid-file', () => {
  let bundle: ChildBundle<'import-child'>;
  let root: string;
  beforeAll(async () => {
    bundle = await bundleForChildren({ 'import-child': 'test/fixtures/imports/import-child.ts' }, 'import-tests');
    root = mkdtempSync(join(tmpdir(), 'fm-import-kill-'));
  });
  afterAll(() => {
    bundle?.remove();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('keeps whole batches only, and the rerun completes it with no duplicate', async () => {
    const dataDir = join(root, 'data');
    const setup = openDatabase(dataDir);
    runMigrations(setup);
    setup.close();
    const lines = ['address,city,state,zip'];
    for (let n = 1; n <= ROWS; n++) lines.push(`${n} Main St,Austin,TX,78701`);
    const path = join(root, 'big-list.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);

    const plan: ImportChildPlan = { dataDir, kind: 'csv', path, batchSize: BATCH };
    const child = forkChild(bundle.files['import-child'], plan);
    await nextMessage(child, 'batch');
    await nextMessage(child, 'batch');
    child.kill('SIGKILL');
    await exitCodeOf(child);
    expect(child.signalCode).toBe('SIGKILL');

    const db = openDatabase(dataDir);
    const count = (sql: string) => Number(db.prepare(sql).pluck().get());
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const committed = count('SELECT count(*) FROM properties');
    expect(committed).toBeGreaterThanOrEqual(2 * BATCH);
    expect(committed).toBeLessThan(ROWS);
    expect(committed % BATCH).toBe(0);
    expect(count('SELECT count(*) FROM property_sources')).toBe(committed);
    expect(count("SELECT count(*) FROM outbox WHERE table_name = 'properties'")).toBe(committed);

    const rerun = await importFile(db, { kind: 'csv', path, batchSize: BATCH });
    expect(rerun).toMatchObject({ imported: ROWS - committed, updated: 0, rejected: 0, skipped: committed });
    expect(count('SELECT count(*) FROM properties')).toBe(ROWS);
    expect(count('SELECT count(DISTINCT address_key) FROM properties')).toBe(ROWS);
    expect(count('SELECT count(*) FROM property_sources')).toBe(ROWS);
    expect(count("SELECT count(*) FROM outbox WHERE table_name = 'properties'")).toBe(ROWS);
    db.close();
  });
});
