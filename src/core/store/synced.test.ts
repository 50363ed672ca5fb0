import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareHlc, isHlc, parseHlc } from '../hlc';
import { isUuidV7 } from '../ids';
import { appendAudit, auditTable, listAudit } from './audit';
import { openDatabase, writeTransaction, type Db } from './database';
import { getDeviceId, nextHlc } from './device';
import { StoreError } from './errors';
import { runMigrations } from './migrations';
import { countPendingOutbox, markOutboxPushed, pendingOutbox } from './outbox';
import { writeSynced } from './synced';
import { createTerritory, deleteTerritory, getTerritory, listTerritories, renameTerritory, territoriesTable } from './territories';

const square = { type: 'Polygon' as const, coordinates: [[[-97.7, 30.2], [-97.6, 30.2], [-97.6, 30.3], [-97.7, 30.3], [-97.7, 30.2]]] };

let dataDir: string;
let db: Db;

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError');
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-synced-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});

afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('device identity', () => {
  it('is a UUIDv7 generated once and kept across reopening', () => {
    const id = getDeviceId(db);
    expect(isUuidV7(id)).toBe(true);
    db.close();
    db = openDatabase(dataDir);
    expect(getDeviceId(db)).toBe(id);
    const reader = openDatabase(dataDir, { readonly: true });
    expect(getDeviceId(reader)).toBe(id);
    reader.close();
  });

  it('issues increasing timestamps across connections and restarts, even when the wall clock lags', () => {
    const other = openDatabase(dataDir);
    const stamps: string[] = [];
    for (let i = 0; i < 20; i++) {
      const conn = i % 2 ? other : db;
      stamps.push(writeTransaction(conn, () => nextHlc(conn)));
    }
    other.close();
    for (let i = 1; i < stamps.length; i++) expect(compareHlc(stamps[i - 1]!, stamps[i]!)).toBe(-1);
    expect(parseHlc(stamps[0]!).deviceId).toBe(getDeviceId(db));
    expect(() => nextHlc(db)).toThrow(/inside writeTransaction/);
  });
});

describe('writeSynced', () => {
  it('writes the row and its outbox entry together, stamped with one HLC and this device', () => {
    const territory = createTerritory(db, { name: 'East Austin', geometry: square });
    expect(isUuidV7(territory.id)).toBe(true);
    expect(territory.deviceId).toBe(getDeviceId(db));
    expect(isHlc(territory.hlc)).toBe(true);
    const [entry, ...rest] = pendingOutbox(db);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      tableName: 'territories',
      rowId: territory.id,
      op: 'insert',
      hlc: territory.hlc,
      deviceId: territory.deviceId,
      pushedAt: null,
      payload: { id: territory.id, name: 'East Austin', geometry: square, created_at: territory.createdAt, updated_at: territory.updatedAt },
    });
    expect(isUuidV7(entry!.opId)).toBe(true);
  });

  it('records renames and deletes as outbox operations in order, and hides deleted rows', () => {
    const territory = createTerritory(db, { name: 'East Austin', geometry: square });
    const renamed = renameTerritory(db, territory.id, '  Mueller  ');
    expect(renamed.name).toBe('Mueller');
    expect(compareHlc(renamed.hlc, territory.hlc)).toBe(1);
    deleteTerritory(db, territory.id);
    expect(getTerritory(db, territory.id)).toBeNull();
    expect(listTerritories(db)).toEqual([]);

    const ops = pendingOutbox(db);
    expect(ops.map((o) => o.op)).toEqual(['insert', 'update', 'delete']);
    expect(ops[1]!.payload).toEqual({ name: 'Mueller', updated_at: renamed.updatedAt });
    expect(ops[2]!.payload).toMatchObject({ deleted: 1 });
    expect(ops.map((o) => o.seq)).toEqual([...ops.map((o) => o.seq)].sort((a, b) => a - b));

    expect(storeError(() => renameTerritory(db, territory.id, 'Again')).kind).toBe('not-found');
    expect(countPendingOutbox(db)).toBe(3);
  });

  it('writes neither the row nor the outbox entry when the outbox write fails', () => {
    db.exec("CREATE TEMP TRIGGER outbox_full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
    expect(() => createTerritory(db, { name: 'Lost', geometry: square })).toThrow(/disk full/);
    expect(listTerritories(db)).toEqual([]);
    expect(countPendingOutbox(db)).toBe(0);

    db.exec('DROP TRIGGER outbox_full');
    const kept = createTerritory(db, { name: 'Kept', geometry: square });
    db.exec("CREATE TEMP TRIGGER outbox_full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
    expect(() => renameTerritory(db, kept.id, 'Renamed')).toThrow(/disk full/);
    expect(getTerritory(db, kept.id)?.name).toBe('Kept');
    expect(countPendingOutbox(db)).toBe(1);
  });

  it('writes no outbox entry when the row write fails, and rolls back with an outer transaction', () => {
    const first = createTerritory(db, { name: 'One', geometry: square });
    expect(() => createTerritory(db, { id: first.id, name: 'Duplicate', geometry: square })).toThrow(/UNIQUE/);
    expect(countPendingOutbox(db)).toBe(1);

    expect(() =>
      writeTransaction(db, () => {
        createTerritory(db, { name: 'Two', geometry: square });
        createTerritory(db, { name: 'Three', geometry: square });
        throw new Error('the user cancelled the import');
      }),
    ).toThrow(/cancelled/);
    expect(listTerritories(db).map((t) => t.name)).toEqual(['One']);
    expect(countPendingOutbox(db)).toBe(1);
  });

  it('refuses invalid input with messages a person can act on', () => {
    expect(storeError(() => createTerritory(db, { name: '   ', geometry: square })).message).toContain('Give the territory a name');
    const open = { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] };
    expect(storeError(() => createTerritory(db, { name: 'Open ring', geometry: open })).message).toContain('end where it starts');
    expect(storeError(() => writeSynced(db, territoriesTable, 'update', { id: 'nope', name: 'x' })).kind).toBe('invalid-input');
    expect(storeError(() => writeSynced(db, territoriesTable, 'insert', { name: 'x', owner: 'me' })).message).toContain('no field "owner"');
    expect(countPendingOutbox(db)).toBe(0);
  });

  it('refuses to read back a row that was edited into the wrong shape outside the app', () => {
    const territory = createTerritory(db, { name: 'East Austin', geometry: square });
    db.prepare("UPDATE territories SET geometry = '{\"type\":\"Point\",\"coordinates\":[0,0]}' WHERE id = ?").run(territory.id);
    expect(storeError(() => listTerritories(db)).kind).toBe('invalid-row');
  });

  it('keeps append-only tables append-only', () => {
    const entry = appendAudit(db, { actor: 'manager', action: 'open-emergency-budget', details: { reason: 'storm' } });
    expect(listAudit(db)).toEqual([entry]);
    expect(pendingOutbox(db)[0]).toMatchObject({ tableName: 'audit_log', op: 'insert', payload: { details: { reason: 'storm' } } });
    expect(storeError(() => writeSynced(db, auditTable, 'delete', { id: entry.id })).kind).toBe('invalid-input');
  });
});

describe('outbox', () => {
  it('marks pushed operations once and no longer lists them', () => {
    createTerritory(db, { name: 'A', geometry: square });
    createTerritory(db, { name: 'B', geometry: square });
    const [first, second] = pendingOutbox(db);
    expect(markOutboxPushed(db, [first!.opId])).toBe(1);
    expect(markOutboxPushed(db, [first!.opId])).toBe(0);
    expect(pendingOutbox(db).map((o) => o.opId)).toEqual([second!.opId]);
  });
});
