import { Hlc, isHlc, type HlcTimestamp } from '../hlc';
import { isUuid, newId } from '../ids';
import { nowIso, statement, writeTransaction, type Db } from './database';
import { StoreError } from './errors';

/**
 * This device's identity and clock, both kept in the `meta` table.
 *
 *   getDeviceId(db)          → the UUIDv7 generated the first time this database was used
 *   nextHlc(db)              → a fresh sync timestamp (call inside a write transaction)
 *   receiveRemoteHlc(db, ts) → merge a timestamp from another device (call inside one too)
 *
 * Note: the last issued timestamp is persisted, and read under the write lock before each new
 * one, so the six processes of one device, and the same device after a restart, share one
 * strictly increasing order.
 */

const deviceIds = new WeakMap<Db, string>();
const clocks = new WeakMap<Db, Hlc>();
const HLC_KEY = 'hlc_last';

export function getDeviceId(db: Db): string {
  const cached = deviceIds.get(db);
  if (cached) return cached;
  let id = readMeta(db, 'device_id');
  if (id === undefined) {
    if (db.readonly) throw new StoreError('not-found', 'This database has no device id yet; start Fish Mouth once to set it up.');
    writeTransaction(db, () => {
      const created = nowIso();
      statement(db, 'INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('device_id', newId());
      statement(db, 'INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('created_at', created);
    });
    id = readMeta(db, 'device_id');
  }
  if (!isUuid(id)) {
    throw new StoreError('invalid-row', `The device id stored in this database ("${String(id)}") is not a UUID; the database may have been edited by another tool.`);
  }
  deviceIds.set(db, id);
  return id;
}

export function nextHlc(db: Db): HlcTimestamp {
  requireWriteTransaction(db, 'nextHlc');
  const clock = clockFor(db);
  const last = readMeta(db, HLC_KEY);
  if (last !== undefined && isHlc(last)) clock.observe(last);
  const stamp = clock.now();
  writeMeta(db, HLC_KEY, stamp);
  return stamp;
}

/** Throws HlcError 'clock-drift' when the remote clock is too far ahead. */
export function receiveRemoteHlc(db: Db, remote: HlcTimestamp): HlcTimestamp {
  requireWriteTransaction(db, 'receiveRemoteHlc');
  const clock = clockFor(db);
  const last = readMeta(db, HLC_KEY);
  if (last !== undefined && isHlc(last)) clock.observe(last);
  const stamp = clock.receive(remote);
  writeMeta(db, HLC_KEY, stamp);
  return stamp;
}

function clockFor(db: Db): Hlc {
  let clock = clocks.get(db);
  if (!clock) {
    clock = new Hlc({ deviceId: getDeviceId(db) });
    clocks.set(db, clock);
  }
  return clock;
}

function requireWriteTransaction(db: Db, what: string): void {
  if (!db.inTransaction) throw new Error(`${what} must run inside writeTransaction, or two processes could issue the same timestamp.`);
}

function readMeta(db: Db, key: string): string | undefined {
  const value: unknown = statement(db, 'SELECT value FROM meta WHERE key = ?').pluck().get(key);
  return typeof value === 'string' ? value : undefined;
}

function writeMeta(db: Db, key: string, value: string): void {
  statement(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
