import { z } from 'zod';
import { hlcSchema } from '../hlc';
import { nowIso, statement, writeTransaction, type Db } from './database';
import { parseRow } from './errors';

/**
 * Reading the outbox for sync. Rows are appended by `writeSynced` only.
 *
 *   pendingOutbox(db, limit?)          → OutboxEntry[] not yet pushed, oldest first (by seq)
 *   countPendingOutbox(db)             → number
 *   markOutboxPushed(db, opIds, at?)   → how many were newly marked
 */

export const outboxEntrySchema = z
  .object({
    seq: z.number().int().positive(),
    op_id: z.string().uuid(),
    table_name: z.string().min(1),
    row_id: z.string().min(1),
    op: z.enum(['insert', 'update', 'delete']),
    payload: z.string(),
    hlc: hlcSchema,
    device_id: z.string().min(1),
    created_at: z.string(),
    pushed_at: z.string().nullable(),
  })
  .transform((row) => ({
    seq: row.seq,
    opId: row.op_id,
    tableName: row.table_name,
    rowId: row.row_id,
    op: row.op,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    hlc: row.hlc,
    deviceId: row.device_id,
    createdAt: row.created_at,
    pushedAt: row.pushed_at,
  }));
export type OutboxEntry = z.output<typeof outboxEntrySchema>;

export function pendingOutbox(db: Db, limit = 500): OutboxEntry[] {
  return statement(db, 'SELECT * FROM outbox WHERE pushed_at IS NULL ORDER BY seq LIMIT ?')
    .all(limit)
    .map((row) => parseRow(outboxEntrySchema, row, 'outbox'));
}

export function countPendingOutbox(db: Db): number {
  return Number(statement(db, 'SELECT count(*) FROM outbox WHERE pushed_at IS NULL').pluck().get());
}

export function markOutboxPushed(db: Db, opIds: readonly string[], at: string = nowIso()): number {
  const mark = statement(db, 'UPDATE outbox SET pushed_at = ? WHERE op_id = ? AND pushed_at IS NULL');
  return writeTransaction(db, () => opIds.reduce((count, opId) => count + mark.run(at, opId).changes, 0));
}
