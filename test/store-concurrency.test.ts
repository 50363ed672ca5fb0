import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareHlc } from '../src/core/hlc';
import { getDeviceId, listTerritories, openDatabase, pendingOutbox, runMigrations } from '../src/core/store';
import { bundleForChildren, runChildren, type ChildBundle } from './fixtures/children';
import type { StoreChildPlan } from './fixtures/store/store-child';

/**
 * Several processes (like the six services) write synced rows into one database at the same
 * moment. None may see SQLITE_BUSY, and nothing may be lost or duplicated.
 */

const WRITERS = 4;
const ROWS_EACH = 150;
const RENAMES_EACH = Math.ceil(ROWS_EACH / 5); // the child renames every fifth row it creates

describe('concurrent writers from several processes', () => {
  let bundle: ChildBundle<'store-child'>;
  let dataDir: string;
  beforeAll(async () => {
    bundle = await bundleForChildren({ 'store-child': 'test/fixtures/store/store-child.ts' }, 'store-tests');
    dataDir = mkdtempSync(join(tmpdir(), 'fm-concurrency-'));
  });
  afterAll(() => {
    bundle?.remove();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every row and outbox entry, in one strictly increasing order, with no busy errors', async () => {
    const host = openDatabase(dataDir);
    runMigrations(host);
    const deviceId = getDeviceId(host);

    const outcomes = await runChildren<{ ids: string[]; deviceId: string }>(
      bundle.files['store-child'],
      Array.from({ length: WRITERS }, (_, writer): StoreChildPlan => ({ mode: 'write', dataDir, count: ROWS_EACH, writer })),
    );

    for (const outcome of outcomes) {
      expect(outcome.errors).toEqual([]);
      expect(outcome.exitCode).toBe(0);
      expect(outcome.result.deviceId).toBe(deviceId);
      expect(outcome.result.ids).toHaveLength(ROWS_EACH);
    }

    const territories = listTerritories(host);
    expect(territories).toHaveLength(WRITERS * ROWS_EACH);
    const written = new Set(outcomes.flatMap((o) => o.result.ids));
    expect(new Set(territories.map((t) => t.id))).toEqual(written);
    expect(territories.filter((t) => t.name.endsWith('(renamed)'))).toHaveLength(WRITERS * RENAMES_EACH);

    const outbox = pendingOutbox(host, 100_000);
    expect(outbox).toHaveLength(WRITERS * (ROWS_EACH + RENAMES_EACH));
    expect(new Set(outbox.map((o) => o.opId)).size).toBe(outbox.length);
    for (let i = 1; i < outbox.length; i++) {
      expect(outbox[i]!.seq).toBeGreaterThan(outbox[i - 1]!.seq);
      // One device, one clock across processes: commit order and HLC order agree.
      expect(compareHlc(outbox[i - 1]!.hlc, outbox[i]!.hlc)).toBe(-1);
    }
    // Each row's current HLC is that of its last outbox entry.
    const lastHlc = new Map(outbox.map((o) => [o.rowId, o.hlc]));
    for (const territory of territories) expect(territory.hlc).toBe(lastHlc.get(territory.id));
    host.close();
  });
});
