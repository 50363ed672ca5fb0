import { connectToHost, type HostApi } from '../src/cli/commands/scan';
import type { ScanOptionsInput, ScanStatus } from '../src/core/contracts/scan-api';
import { scanPaidRequestId } from '../src/core/contracts/enrichment-contract';
import { updateBudgetSettings } from '../src/core/cost/budget-settings';
import { FishMouthHost } from '../src/core/host/host';
import { createWorkerThreadAdapter } from '../src/core/host/worker-thread-adapter';
import { unlockHeadlessSecrets } from '../src/core/secrets';
import { openDatabase, runMigrations, type Db } from '../src/core/store';
import { DEMO_SCAN_OPTIONS, DEMO_TERRITORY_NAME, prepareDemoStore } from '../src/demo/session';
import { createDemoWorld, type DemoWorld } from '../src/demo/world';
import { startEmulators, type Emulators } from '../src/emulators/server';
import { tempDataDir, waitFor, WORKERS_DIR } from './helpers';

/**
 * A demo territory on loopback emulators, a data folder prepared for it, and the real host with
 * its six services as worker threads: what the scan tests drive. `npm test` builds the workers.
 */

export interface DemoScanRig {
  world: DemoWorld;
  dir: string;
  db: Db;
  emulators: Emulators;
  host: FishMouthHost | null;
  link: HostApi | null;
  startHost(): Promise<HostApi>;
  /** Starts the demo scan (the demo's options, and any given) and returns its run id. */
  startScan(options?: ScanOptionsInput): Promise<string>;
  /** Waits for the run to end (polling the store, so it survives an orchestrator restart). */
  finished(runId: string, timeoutMs?: number): Promise<ScanStatus>;
  close(): Promise<void>;
}

export async function demoScanRig(options: { properties: number; dailyBudgetMicros?: number }): Promise<DemoScanRig> {
  const data = tempDataDir('fishmouth-scan-');
  const world = createDemoWorld({ properties: options.properties });
  const emulators = await startEmulators({ world });
  const db = openDatabase(data.dir);
  runMigrations(db);
  prepareDemoStore(db, world, emulators.baseUrls, { dataDir: data.dir, env: {} });
  if (options.dailyBudgetMicros !== undefined) updateBudgetSettings(db, { dailyMicros: options.dailyBudgetMicros as never }, 'test');

  const rig: DemoScanRig = {
    world,
    dir: data.dir,
    db,
    emulators,
    host: null,
    link: null,
    async startHost() {
      const unlocked = unlockHeadlessSecrets(data.dir, {});
      if (unlocked.kind === 'error') throw new Error(unlocked.message);
      rig.host = new FishMouthHost({
        spawn: createWorkerThreadAdapter(),
        dataDir: data.dir,
        mode: 'headless',
        workersDir: WORKERS_DIR,
        version: '0.0.0-test',
        logLevel: 'warn',
        secrets: unlocked.unlock,
        supervision: { restartBaseMs: 50, restartMaxMs: 500 },
      });
      await rig.host.start();
      rig.link = connectToHost(rig.host);
      return rig.link;
    },
    async startScan(options = {}) {
      const link = rig.link ?? (await rig.startHost());
      const status = await link.api.startScan({ territory: DEMO_TERRITORY_NAME, options: { ...DEMO_SCAN_OPTIONS, ...options } });
      return status.runId;
    },
    async finished(runId, timeoutMs = 180_000) {
      await waitFor(() => {
        const state = db.prepare('SELECT state FROM scan_runs WHERE id = ?').pluck().get(runId);
        return state === 'completed' || state === 'failed' || state === 'cancelled';
      }, `scan ${runId} to end`, timeoutMs);
      return rig.link!.api.getScan(runId);
    },
    async close() {
      rig.link?.close();
      await rig.host?.stop();
      await emulators.close();
      db.close();
      data.cleanup();
    },
  };
  return rig;
}

/** Paid property-record ledger rows of a run, per property. */
export function paidRows(db: Db, runId: string): Array<{ property_id: string; outcome: string; cost_micros: number; error_kind: string | null }> {
  return db
    .prepare(`SELECT property_id, outcome, cost_micros, error_kind FROM cost_ledger WHERE request_id = ? AND source = 'property-records' ORDER BY at`)
    .all(scanPaidRequestId(runId)) as Array<{ property_id: string; outcome: string; cost_micros: number; error_kind: string | null }>;
}

/** Properties the enrich stage found incomplete (the paid stage's candidates). */
export function incompleteAtEnrich(db: Db, runId: string): Set<string> {
  const ids = new Set<string>();
  for (const text of db.prepare(`SELECT result FROM scan_steps WHERE run_id = ? AND stage = 'enrich' AND state = 'done'`).pluck().all(runId) as string[]) {
    for (const property of (JSON.parse(text) as { incomplete: Array<{ propertyId: string }> }).incomplete) ids.add(property.propertyId);
  }
  return ids;
}

/** No property twice: one property per OSM building, and as many properties as houses. */
export function duplicateFacts(db: Db): { properties: number; osmRecords: number; osmProperties: number } {
  return {
    properties: Number(db.prepare('SELECT count(*) FROM properties WHERE deleted = 0').pluck().get()),
    osmRecords: Number(db.prepare(`SELECT count(*) FROM property_sources WHERE source = 'osm-overpass'`).pluck().get()),
    osmProperties: Number(db.prepare(`SELECT count(DISTINCT property_id) FROM property_sources WHERE source = 'osm-overpass'`).pluck().get()),
  };
}
