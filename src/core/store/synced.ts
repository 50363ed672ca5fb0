import type { z } from 'zod';
import { isUuid, newId } from '../ids';
import { nowIso, statement, writeTransaction, type Db, type SqlValue } from './database';
import { getDeviceId, nextHlc } from './device';
import { StoreError, parseRow } from './errors';

/**
 * Writes to tables that sync. Every mutation, in ONE transaction: stamps the row with a fresh
 * HLC and this device's id, writes it, and appends an outbox row describing the change. If
 * either write fails, neither happens.
 *
 *   writeSynced(db, table, 'insert', { id?, ...columns })  → the row as read back (validated)
 *   writeSynced(db, table, 'update', { id, ...changed })    → the row (StoreError 'not-found')
 *   writeSynced(db, table, 'delete', { id })                → the tombstoned row
 *
 * Outbox payloads hold the columns written, with JSON columns as values (not text): the full
 * row for an insert, the changed columns plus `updated_at` for an update, `{ deleted: 1,
 * updated_at }` for a delete. The outbox row carries the HLC and device id that won the write.
 */

export type SyncOp = 'insert' | 'update' | 'delete';

export interface SyncedTable<Row> {
  /** The SQL table name. */
  name: string;
  /** Columns the app writes, besides id, hlc, device_id (and updated_at, deleted when editable). */
  columns: readonly string[];
  /**
   * 'editable' rows carry `updated_at` and `deleted` and merge last-writer-wins by HLC;
   * 'append-only' rows (ledger, audit) are only ever inserted, so they never conflict.
   */
  kind: 'editable' | 'append-only';
  /** Parses a raw SQLite row into the domain row. */
  rowSchema: z.ZodType<Row>;
  /** Used in error messages, e.g. "territory". */
  label: string;
}

/** A column value: SQL scalars, booleans (stored 0/1), or objects and arrays (stored as JSON). */
export type ColumnValue = SqlValue | boolean | Record<string, unknown> | readonly unknown[] | undefined;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function writeSynced<Row>(db: Db, table: SyncedTable<Row>, op: SyncOp, values: { id?: string } & Record<string, ColumnValue>): Row {
  checkTable(table, op);
  const { id: givenId, ...columns } = values;
  const changed = Object.entries(columns).filter(([, value]) => value !== undefined) as [string, Exclude<ColumnValue, undefined>][];
  for (const [column] of changed) {
    if (!table.columns.includes(column)) {
      throw new StoreError('invalid-input', `A ${table.label} has no field "${column}".`);
    }
  }
  if (op === 'delete' && changed.length > 0) {
    throw new StoreError('invalid-input', `Deleting a ${table.label} takes only its id.`);
  }
  const id = op === 'insert' ? (givenId ?? newId()) : givenId;
  if (!isUuid(id)) throw new StoreError('invalid-input', `A ${table.label} id must be a UUID, got "${String(id)}".`);

  return writeTransaction(db, () => {
    const deviceId = getDeviceId(db);
    const hlc = nextHlc(db);
    const now = nowIso();
    const written: Record<string, unknown> = Object.fromEntries(changed);
    const sqlValues: Record<string, SqlValue> = Object.fromEntries(changed.map(([column, value]) => [column, toSql(value)]));
    if (table.kind === 'editable') {
      written.updated_at = now;
      sqlValues.updated_at = now;
      if (op === 'delete') {
        written.deleted = 1;
        sqlValues.deleted = 1;
      }
    }

    if (op === 'insert') {
      const names = ['id', ...Object.keys(sqlValues), 'hlc', 'device_id'];
      statement(db, `INSERT INTO ${table.name} (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`).run({
        ...sqlValues,
        id,
        hlc,
        device_id: deviceId,
      });
      written.id = id;
    } else {
      const assignments = [...Object.keys(sqlValues), 'hlc', 'device_id'].map((n) => `${n} = @${n}`).join(', ');
      const result = statement(db, `UPDATE ${table.name} SET ${assignments} WHERE id = @id AND deleted = 0`).run({
        ...sqlValues,
        id,
        hlc,
        device_id: deviceId,
      });
      if (result.changes === 0) {
        throw new StoreError('not-found', `That ${table.label} no longer exists; it may have been deleted on this or another device.`);
      }
    }

    statement(
      db,
      `INSERT INTO outbox (op_id, table_name, row_id, op, payload, hlc, device_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(newId(), table.name, id, op, JSON.stringify(written, jsonReplacer), hlc, deviceId, now);

    const row = statement(db, `SELECT * FROM ${table.name} WHERE id = ?`).get(id);
    return parseRow(table.rowSchema, row, table.label);
  });
}

function checkTable(table: SyncedTable<unknown>, op: SyncOp): void {
  for (const name of [table.name, ...table.columns]) {
    // Table and column names come from code, but they are spliced into SQL: refuse anything odd.
    if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain SQL identifier.`);
  }
  if (table.kind === 'append-only' && op !== 'insert') {
    throw new StoreError('invalid-input', `A ${table.label} is a permanent record and cannot be changed or deleted.`);
  }
}

function toSql(value: Exclude<ColumnValue, undefined>): SqlValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value as SqlValue;
  return JSON.stringify(value);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}
