import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './errors';

/**
 * Opening the one SQLite database. Every process (host and each service) opens its own
 * connection; WAL lets readers run beside the single writer, and the busy timeout makes a writer
 * wait its turn instead of failing with SQLITE_BUSY.
 *
 *   databasePath(dataDir)                 → <dataDir>/fishmouth.sqlite
 *   openDatabase(dataDir, { readonly? })  → Db (folder created; WAL, busy_timeout, foreign keys)
 *   writeTransaction(db, fn)              → fn's result, run under BEGIN IMMEDIATE
 */

export type Db = Database.Database;
export type SqlValue = string | number | bigint | Buffer | null;

export const DATABASE_FILE = 'fishmouth.sqlite';
export const BUSY_TIMEOUT_MS = 5000;

export interface OpenDatabaseOptions {
  /** Open an existing database for reading only (never creates it). */
  readonly?: boolean;
}

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

export function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): Db {
  const path = databasePath(dataDir);
  const readonly = options.readonly ?? false;
  let db: Db;
  try {
    if (!readonly) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Note: a dev checkout running under Electron points this at an Electron build of the addon
    // (scripts/postinstall.mjs fetches it); Node and packaged apps use the default binding.
    const nativeBinding = process.env.FISHMOUTH_SQLITE_BINDING || undefined;
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS, nativeBinding });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError(
      'cannot-open',
      readonly
        ? `Could not open the Fish Mouth database at ${path} for reading (${reason}); start Fish Mouth once to create it.`
        : `Could not open the Fish Mouth database at ${path} (${reason}); check that the folder is writable and has free space.`,
      { cause: error },
    );
  }
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Note: journal mode is stored in the file, so a read-only connection inherits WAL.
  if (!readonly) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs `fn` in a write transaction taken with BEGIN IMMEDIATE. Note: a deferred transaction that
 * reads and then writes fails with SQLITE_BUSY (no retry) when another process wrote in between;
 * taking the write lock up front makes it wait on the busy timeout instead. Nested calls become
 * savepoints of the outer transaction.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

const statementCache = new WeakMap<Db, Map<string, Database.Statement>>();

/** A prepared statement, cached per connection (preparing costs more than running). */
export function statement(db: Db, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (!cache) {
    cache = new Map();
    statementCache.set(db, cache);
  }
  let prepared = cache.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared;
}

export function nowIso(): string {
  return new Date().toISOString();
}
