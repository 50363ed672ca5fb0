import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../ids';
import { openDatabase, runMigrations, writeSynced, type Db } from '../store';
import { costLedgerTable, type LedgerEntry } from './ledger';

/** A fresh, migrated database in a temp folder. */
export function spendTestDb(prefix = 'fm-spend-'): { db: Db; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = openDatabase(dir);
  runMigrations(db);
  return {
    db,
    dir,
    cleanup: () => {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LedgerRowSpec {
  day: string;
  at?: string;
  service?: string;
  source: string;
  operation?: string;
  paid?: boolean;
  costMicros?: number;
  listPriceMicros?: number;
  cacheHit?: boolean;
  outcome: LedgerEntry['outcome'];
  pool?: 'daily' | 'emergency' | null;
  priority?: 'high' | 'medium' | 'low' | null;
  territoryId?: string | null;
  batchId?: string | null;
  corrects?: string | null;
}

/**
 * Writes a ledger row exactly as given. Note: tests use this to state known rows (a paid charge,
 * a correction) without going through reservations; the app writes paid rows only by committing
 * a reservation.
 */
export function writeLedgerRow(db: Db, spec: LedgerRowSpec): LedgerEntry {
  const paid = spec.paid ?? false;
  return writeSynced(db, costLedgerTable, 'insert', {
    id: newId(),
    at: spec.at ?? `${spec.day}T12:00:00.000Z`,
    day: spec.day,
    service: spec.service ?? 'image-processor',
    source: spec.source,
    operation: spec.operation ?? 'imagery',
    request_id: null,
    property_id: null,
    batch_id: spec.batchId ?? null,
    territory_id: spec.territoryId ?? null,
    reservation_id: null,
    priority: spec.priority ?? (paid ? 'high' : null),
    pool: spec.pool === undefined ? (paid ? 'daily' : null) : spec.pool,
    paid,
    cost_micros: spec.costMicros ?? 0,
    list_price_micros: spec.listPriceMicros ?? 0,
    cache_hit: spec.cacheHit ?? false,
    latency_ms: 10,
    quality: spec.outcome === 'hit' ? 0.9 : null,
    outcome: spec.outcome,
    error_kind: null,
    message: null,
    corrects: spec.corrects ?? null,
  });
}
