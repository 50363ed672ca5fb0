import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUsd, type Micros } from '../money';
import { openDatabase, runMigrations, type Db } from '../store';
import type { ReserveRequest } from './reservations';

/** A fresh, migrated database in its own temp folder; `cleanup` closes and removes it. */
export function budgetTestDb(): { db: Db; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fm-budget-'));
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

export const usd = (text: string): Micros => parseUsd(text);

/** A reservation request for a paid imagery call; override what the test is about. */
export function imageryCall(amount: string, overrides: Partial<ReserveRequest> = {}): ReserveRequest {
  return { service: 'image-processor', source: 'google-static-maps', operation: 'static-map', amountMicros: usd(amount), ...overrides };
}
