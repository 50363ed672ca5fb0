import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleForChildren, runChildren, type ChildBundle } from '../../../test/fixtures/children';
import type { StoreChildPlan } from '../../../test/fixtures/store/store-child';
import { databasePath, openDatabase, type Db } from './database';
import { StoreError } from './errors';
import { MIGRATIONS, SCHEMA_VERSION, runMigrations, schemaVersion, type Migration, type MigrationReport } from './migrations';
import { createTerritory, listTerritories } from './territories';

const square = { type: 'Polygon' as const, coordinates: [[[-97.7, 30.2], [-97.6, 30.2], [-97.6, 30.3], [-97.7, 30.3], [-97.7, 30.2]]] };

let dataDir: string;
const open: Db[] = [];
function openDb(): Db {
  const db = openDatabase(dataDir);
  open.push(db);
  return db;
}

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError');
}

afterEach(() => {
  while (open.length) open.pop()!.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates the folder and the file with WAL, busy timeout and foreign keys', () => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'fm-store-')), 'nested', 'data');
    const db = openDb();
    expect(db.name).toBe(databasePath(dataDir));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it('refuses to open a missing database read-only, with a message saying what to do', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fm-store-'));
    const error = storeError(() => openDatabase(dataDir, { readonly: true }));
    expect(error.kind).toBe('cannot-open');
    expect(error.message).toContain('start Fish Mouth once');
  });
});

describe('runMigrations', () => {
  it('builds the whole schema on an empty database, and is a no-op the second time', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fm-store-'));
    const db = openDb();
    expect(schemaVersion(db)).toBe(0);
    expect(runMigrations(db)).toEqual({ from: 0, to: SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version) });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['meta', 'outbox', 'sync_state', 'blobs', 'territories', 'audit_log', 'schema_migrations']));
    expect(runMigrations(db)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
  });

  it('upgrades an older database and keeps its data', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fm-store-'));
    const old = openDatabase(dataDir);
    runMigrations(old, { migrations: MIGRATIONS.slice(0, 1) });
    const made = createTerritory(old, { name: 'East Austin', geometry: square });
    old.close();

    const db = openDb();
    expect(schemaVersion(db)).toBe(1);
    expect(runMigrations(db)).toEqual({ from: 1, to: SCHEMA_VERSION, applied: MIGRATIONS.slice(1).map((m) => m.version) });
    expect(listTerritories(db)).toEqual([made]);
    expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(1);
    db.prepare("INSERT INTO audit_log (id, at, actor, action, hlc, device_id) VALUES ('a', 'now', 'x', 'y', 'h', 'd')").run();
  });

  it('refuses a database written by a newer Fish Mouth and leaves it untouched', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fm-store-'));
    const future: Migration = { version: SCHEMA_VERSION + 1, name: 'from the future', sql: 'CREATE TABLE from_the_future (id TEXT PRIMARY KEY) STRICT;' };
    const newer = openDatabase(dataDir);
    runMigrations(newer, { migrations: [...MIGRATIONS, future] });
    newer.close();

    const db = openDb();
    const error = storeError(() => runMigrations(db));
    expect(error.kind).toBe('database-newer');
    expect(error.message).toContain('Update Fish Mouth');
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION + 1);
  });

  it('refuses a database whose applied migration differs from this build', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fm-store-'));
    const db = openDb();
    const edited = MIGRATIONS.map((m) => (m.version === 2 ? { ...m, sql: m.sql.replace('actor TEXT NOT NULL', 'actor TEXT') } : m));
    runMigrations(db, { migrations: edited });
    expect(storeError(() => runMigrations(db)).kind).toBe('migration-changed');
    // Re-indenting is not a change.
    const reindented = MIGRATIONS.map((m) => ({ ...m, sql: m.sql.replace(/\n\s+/g, '\n\t') }));
    const fresh = join(dataDir, 'second');
    const other = openDatabase(fresh);
    open.push(other);
    runMigrations(other, { migrations: reindented });
    expect(runMigrations(other).applied).toEqual([]);
  });

  it('rolls back a failing migration completely', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fm-store-'));
    const db = openDb();
    const broken: Migration = { version: SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);' };
    const error = storeError(() => runMigrations(db, { migrations: [...MIGRATIONS, broken] }));
    expect(error.kind).toBe('migration-failed');
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
  });
});

describe('runMigrations from several processes at once', () => {
  let bundle: ChildBundle<'store-child'>;
  beforeAll(async () => {
    bundle = await bundleForChildren({ 'store-child': 'test/fixtures/store/store-child.ts' }, 'store-tests');
  });
  afterAll(() => bundle?.remove());

  it('applies each version exactly once and every process ends up current', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fm-store-'));
    const outcomes = await runChildren<MigrationReport>(bundle.files['store-child'], [0, 1, 2, 3].map((): StoreChildPlan => ({ mode: 'migrate', dataDir })));
    for (const outcome of outcomes) {
      expect(outcome.errors).toEqual([]);
      expect(outcome.exitCode).toBe(0);
      expect(outcome.result.to).toBe(SCHEMA_VERSION);
    }
    const appliedByAll = outcomes.flatMap((o) => o.result.applied).sort();
    expect(appliedByAll).toEqual(MIGRATIONS.map((m) => m.version));
    const check = new Database(databasePath(dataDir), { readonly: true });
    expect(check.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    check.close();
  });

  it('applies a slow migration once while the other processes wait for it', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fm-store-'));
    const outcomes = await runChildren<MigrationReport>(bundle.files['store-child'], [0, 1, 2, 3].map((): StoreChildPlan => ({ mode: 'migrate-slow-first', dataDir })));
    for (const outcome of outcomes) expect(outcome.errors).toEqual([]);
    const appliedByAll = outcomes.flatMap((o) => o.result.applied).sort();
    expect(appliedByAll).toEqual([1, ...MIGRATIONS.map((m) => m.version + 1)]);
    const check = new Database(databasePath(dataDir), { readonly: true });
    expect(check.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(300_000);
    check.close();
  });
});
