import { tempDataDir } from '../../../test/helpers';
import { newId } from '../ids';
import { parseUsd, type Micros } from '../money';
import { openDatabase, runMigrations, writeSynced, type Db } from '../store';
import { costLedgerTable, type LedgerEntry } from './ledger';
import type { ReserveRequest } from './reservations';

/** Shared by the cost tests: a real migrated database, dollar amounts, known requests and ledger rows. */

/** A fresh, migrated database in its own temp folder; `cleanup` closes and removes it. */
export function costTestDb(prefix = 'fm-cost-'): { db: Db; dir: string; cleanup(): void } {
  const data = tempDataDir(prefix);
  const db = openDatabase(data.dir);
  runMigrations(db);
  return {
    db,
    dir: data.dir,
    cleanup: () => {
      if (db.open) db.close();
      data.cleanup();
    },
  };
}

export const usd = (text: string): Micros => parseUsd(text);

/** A reservation request for a paid imagery call; override what the test is about. */
export function imageryCall(amount: string, overrides: Partial<ReserveRequest> = {}): ReserveRequest {
  return { service: 'image-processor', source: 'google-static-maps', operation: 'static-map', amountMicros: usd(amount), ...overrides };
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
