import { z } from 'zod';
import { hlcSchema } from '../hlc';
import { nowIso, statement, type Db } from './database';
import { parseInput, parseRow } from './errors';
import { writeSynced, type SyncedTable } from './synced';

/**
 * The audit log: who did what that a manager may need to account for (opening the emergency
 * budget, changing a cap, deleting a territory). Append-only and synced.
 *
 *   appendAudit(db, { actor, action, details? }) → AuditEntry
 *   listAudit(db, { limit?, before? })          → AuditEntry[] (newest first)
 */

export const auditEntrySchema = z
  .object({
    id: z.string().uuid(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    details: z.string().transform((text) => JSON.parse(text) as Record<string, unknown>),
    hlc: hlcSchema,
    device_id: z.string().min(1),
  })
  .transform((row) => ({ id: row.id, at: row.at, actor: row.actor, action: row.action, details: row.details, hlc: row.hlc, deviceId: row.device_id }));
export type AuditEntry = z.output<typeof auditEntrySchema>;

export const auditTable: SyncedTable<AuditEntry> = {
  name: 'audit_log',
  columns: ['at', 'actor', 'action', 'details'],
  kind: 'append-only',
  rowSchema: auditEntrySchema,
  label: 'audit entry',
};

const newAuditSchema = z.object({
  actor: z.string().trim().min(1).max(200),
  action: z.string().trim().min(1).max(200),
  details: z.record(z.string(), z.unknown()).default({}),
});

export function appendAudit(db: Db, input: { actor: string; action: string; details?: Record<string, unknown> }): AuditEntry {
  const valid = parseInput(newAuditSchema, input, 'audit entry');
  return writeSynced(db, auditTable, 'insert', { at: nowIso(), actor: valid.actor, action: valid.action, details: valid.details });
}

export function listAudit(db: Db, options: { limit?: number; before?: string } = {}): AuditEntry[] {
  const limit = Math.max(1, Math.min(options.limit ?? 100, 10_000));
  const rows = options.before
    ? statement(db, 'SELECT * FROM audit_log WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?').all(options.before, limit)
    : statement(db, 'SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT ?').all(limit);
  return rows.map((row) => parseRow(auditEntrySchema, row, 'audit entry'));
}
