import type { OrchestratorApiContract } from '../../core/contracts/orchestrator-api';
import { scanContract, scanOptionsSchema, type PropertyPoints, type ScanStage, type ScanStatus } from '../../core/contracts/scan-api';
import { enrichmentContract, imageProcessorContract, leadGeneratorContract, scraperContract } from '../../core/contracts/service-contracts';
import type { BBox } from '../../core/domain/geo';
import type { ServiceContext } from '../../core/host/service-runtime';
import type { HandlerContext, Handlers } from '../../core/rpc/peer';
import { describeZodError, RpcError } from '../../core/rpc/protocol';
import { ZodError } from 'zod';
import { StoreError } from '../../core/store';
import { statement, type Db } from '../../core/store/database';
import { createScanRun, getScanRun, listScanRuns, setScanRunState } from '../../core/store/scan-runs';
import { driveScan, type ScanRunnerDeps } from './scan-runner';
import { scanStatus, storeRunOptions } from './scan-status';
import { boxAround, findTerritory } from './scan-territory';

type ScanHandlers = Pick<Handlers<OrchestratorApiContract>, keyof typeof scanContract.methods>;

const PROGRESS_EVERY_MS = 250;
const DEFAULT_POINTS = 20_000;

/**
 * Territory scans over RPC. The orchestrator owns every run it drives (one at a time per run id);
 * runs left `running` or `planned` by a crash are picked up again when it starts. Starting a scan
 * of a territory (or box) that already has an unfinished scan resumes that one rather than
 * starting over, so `fishmouth scan` killed and run again carries on where it stopped.
 */
export function scanHandlers(ctx: ServiceContext): ScanHandlers {
  const driver = new ScanDriver(ctx);
  driver.resumeInterrupted();
  return {
    'scan.start': (target) =>
      asRpc(() => {
        const options = scanOptionsSchema.parse(target.options ?? {});
        let territoryId: string | null = null;
        let territoryName: string | null = null;
        let bbox: BBox;
        if (target.territory !== undefined) {
          const territory = findTerritory(ctx.db, target.territory);
          territoryId = territory.id;
          territoryName = territory.name;
          bbox = boxAround(territory.geometry, `Territory "${territory.name}"`);
        } else {
          bbox = target.bbox!;
        }
        const unfinished = listScanRuns(ctx.db, { states: ['planned', 'running', 'paused', 'failed'], ...(territoryId ? { territoryId } : {}) }).find(
          (run) => (territoryId ? run.territoryId === territoryId : run.territoryId === null && sameBox(run.bbox, bbox)),
        );
        if (unfinished) {
          driver.drive(unfinished.id);
          return driver.status(unfinished.id);
        }
        const run = createScanRun(ctx.db, { bbox, territoryId, options: storeRunOptions(options, territoryName) });
        ctx.log.info({ runId: run.id, territoryId, bbox }, 'scan planned');
        driver.drive(run.id);
        return driver.status(run.id);
      }),
    'scan.status': ({ runId }) => asRpc(() => driver.status(runId)),
    'scan.list': ({ limit }) => asRpc(() => ({ scans: listScanRuns(ctx.db, { limit: limit ?? 20 }).map((run) => driver.status(run.id)) })),
    'scan.cancel': ({ runId }) => asRpc(() => driver.cancel(runId)),
    'scan.resume': ({ runId }) =>
      asRpc(() => {
        const run = getScanRun(ctx.db, runId);
        if (!run) throw new RpcError('bad-input', `There is no scan ${runId} in this data folder.`);
        if (run.state === 'completed' || run.state === 'cancelled') throw new RpcError('refused', `This scan is ${run.state}; start a new scan instead.`);
        driver.drive(runId);
        return driver.status(runId);
      }),
    'scan.wait': ({ runId }, call) => driver.wait(runId, call),
    'scan.properties': ({ bbox, limit }) => asRpc(() => propertyPoints(ctx.db, bbox, limit ?? DEFAULT_POINTS)),
  };
}

class ScanDriver {
  private readonly active = new Map<string, { controller: AbortController; stage: ScanStage | null; done: Promise<void> }>();
  private readonly waiters = new Map<string, Set<(status: ScanStatus) => void>>();
  private readonly lastPush = new Map<string, number>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly deps: ScanRunnerDeps;

  constructor(private readonly ctx: ServiceContext) {
    this.deps = {
      db: ctx.db,
      log: ctx.log,
      scraper: ctx.serviceLink('scraper', scraperContract),
      enrichment: ctx.serviceLink('enrichment', enrichmentContract),
      images: ctx.serviceLink('image-processor', imageProcessorContract),
      leads: ctx.serviceLink('lead-generator', leadGeneratorContract),
      onProgress: (runId, stage) => this.progress(runId, stage),
    };
  }

  status(runId: string): ScanStatus {
    const live = this.active.get(runId);
    return scanStatus(this.ctx.db, runId, live ? { stage: live.stage } : null);
  }

  resumeInterrupted(): void {
    for (const run of listScanRuns(this.ctx.db, { states: ['planned', 'running'] })) {
      this.ctx.log.info({ runId: run.id }, 'resuming an interrupted scan');
      this.drive(run.id);
    }
  }

  drive(runId: string): void {
    if (this.active.has(runId)) return;
    const controller = new AbortController();
    const entry = { controller, stage: null as ScanStage | null, done: Promise.resolve() };
    this.active.set(runId, entry);
    entry.done = driveScan(this.deps, runId, controller.signal)
      .catch((error: unknown) => this.ctx.log.error({ err: error, runId }, 'scan driver stopped'))
      .finally(() => {
        this.active.delete(runId);
        this.push(runId);
      });
  }

  cancel(runId: string): ScanStatus {
    const run = getScanRun(this.ctx.db, runId);
    if (!run) throw new RpcError('bad-input', `There is no scan ${runId} in this data folder.`);
    const live = this.active.get(runId);
    if (live) live.controller.abort();
    else if (run.state !== 'completed' && run.state !== 'cancelled') setScanRunState(this.ctx.db, runId, 'cancelled');
    this.push(runId);
    return this.status(runId);
  }

  async wait(runId: string, call: HandlerContext): Promise<ScanStatus> {
    const report = (status: ScanStatus) => {
      const total = status.stages.reduce((sum, stage) => sum + stage.total, 0);
      const finished = status.stages.reduce((sum, stage) => sum + stage.done + stage.failed + stage.skipped, 0);
      call.progress({ stage: status.stage ?? status.state, done: finished, total, message: status.message });
    };
    const first = asRpc(() => this.status(runId));
    report(first);
    if (!this.active.has(runId)) return first;
    return new Promise<ScanStatus>((resolve, reject) => {
      const listeners = this.waiters.get(runId) ?? new Set();
      this.waiters.set(runId, listeners);
      const listener = (status: ScanStatus) => {
        report(status);
        if (!this.active.has(runId)) {
          listeners.delete(listener);
          resolve(status);
        }
      };
      listeners.add(listener);
      call.signal.addEventListener('abort', () => {
        listeners.delete(listener);
        reject(new RpcError('cancelled', 'Stopped waiting for the scan; it goes on.'));
      });
    });
  }

  /** Throttled: at most one push per run every PROGRESS_EVERY_MS, and always the last state. */
  private progress(runId: string, stage: ScanStage | null): void {
    const live = this.active.get(runId);
    const stageChanged = live !== undefined && live.stage !== stage;
    if (live) live.stage = stage;
    const since = Date.now() - (this.lastPush.get(runId) ?? 0);
    if (stageChanged || since >= PROGRESS_EVERY_MS) return this.push(runId);
    if (!this.pending.has(runId)) {
      this.pending.set(runId, setTimeout(() => this.push(runId), PROGRESS_EVERY_MS - since));
    }
  }

  private push(runId: string): void {
    clearTimeout(this.pending.get(runId));
    this.pending.delete(runId);
    this.lastPush.set(runId, Date.now());
    let status: ScanStatus;
    try {
      status = this.status(runId);
    } catch (error) {
      this.ctx.log.error({ err: error, runId }, 'reading scan progress failed');
      return;
    }
    this.ctx.broadcast(scanContract, 'scan.progress', status);
    for (const listener of [...(this.waiters.get(runId) ?? [])]) listener(status);
  }
}

function sameBox(a: BBox, b: BBox): boolean {
  return a.every((value, index) => Math.abs(value - b[index]!) < 1e-9);
}

/** Properties in a box as map points, the most complete first when there are more than `limit`. */
export function propertyPoints(db: Db, bbox: BBox, limit: number): PropertyPoints {
  const [west, south, east, north] = bbox;
  const rows = statement(
    db,
    `SELECT id, lat, lng, house_number, street, year_built, completeness, field_sources
       FROM properties
      WHERE deleted = 0 AND lat BETWEEN ? AND ? AND lng BETWEEN ? AND ?
      ORDER BY rid LIMIT ?`,
  ).all(south, north, west, east, limit + 1) as Array<{
    id: string;
    lat: number;
    lng: number;
    house_number: string | null;
    street: string | null;
    year_built: number | null;
    completeness: number;
    field_sources: string;
  }>;
  const truncated = rows.length > limit;
  return {
    type: 'FeatureCollection',
    truncated,
    features: rows.slice(0, limit).map((row) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [row.lng, row.lat] },
      properties: {
        id: row.id,
        address: row.house_number && row.street ? `${row.house_number} ${row.street}` : (row.street ?? null),
        yearBuilt: row.year_built,
        completeness: row.completeness,
        facts: row.field_sources.includes('"property-records"') ? 'paid' : row.field_sources.includes('"local-estimate"') ? 'estimate' : 'free',
      },
    })),
  };
}

/** Store and budget refusals become RPC errors a person can act on. */
function asRpc<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RpcError) throw error;
    if (error instanceof StoreError) throw new RpcError(error.kind === 'not-found' || error.kind === 'invalid-input' ? 'bad-input' : 'internal', error.message);
    if (error instanceof ZodError) throw new RpcError('bad-input', describeZodError(error, 'params.options'));
    throw error;
  }
}
