import type { ScanStage } from '../../core/contracts/scan-api';
import { RpcError } from '../../core/rpc/protocol';
import type { Db } from '../../core/store/database';
import { finishScanStep, listScanSteps, planScanSteps, startScanStep, type ScanRun } from '../../core/store/scan-runs';
import type { Tile } from './scan-plan';
import { STAGE_CONCURRENCY } from './scan-plan';
import type { ScanRunnerDeps } from './scan-runner';

/**
 * Running a scan's steps: plan them (idempotent), then run every one not yet done — a few at a
 * time, in the planned order — marking each running before its call and finished after, and
 * waiting for a service that is restarting rather than failing the step. And the gate that says
 * when a tile's facts are all in, so its enrichment can start while other tiles are still being
 * collected.
 */

export type StepOutcome = { state: 'done' | 'failed' | 'skipped'; result?: unknown; error?: string };
export type PerformStep = (key: string, signal: AbortSignal) => Promise<StepOutcome>;

export interface StepRunner {
  deps: ScanRunnerDeps;
  run: ScanRun;
  signal: AbortSignal;
}

export interface RunStepsOptions {
  /** Recorded on each step before its call (the paid stage: the ledger request of its charges). */
  ledgerRequestId?: string;
  /** Told of every step that ends (done, failed or skipped), including ones ended before. */
  onFinished?: (key: string) => void;
}

export async function runSteps(runner: StepRunner, stage: ScanStage, keys: readonly string[], perform: PerformStep, options: RunStepsOptions = {}): Promise<void> {
  const { deps, run, signal } = runner;
  if (signal.aborted) throw new RpcError('cancelled', 'The scan was cancelled.');
  const { db } = deps;
  planScanSteps(db, run.id, stage, keys);
  const order = new Map(keys.map((key, index) => [key, index]));
  const steps = listScanSteps(db, run.id, { stage });
  for (const step of steps) if (step.state === 'done' || step.state === 'skipped') options.onFinished?.(step.key);
  const todo = steps
    .filter((step) => (step.state === 'pending' || step.state === 'failed') && order.has(step.key))
    .sort((a, b) => order.get(a.key)! - order.get(b.key)!);
  if (todo.length === 0) return;
  deps.onProgress(run.id, stage);
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !signal.aborted) {
      const step = todo[next++]!;
      await whenNotBusy(() => startScanStep(db, run.id, stage, step.key, options.ledgerRequestId ? { ledgerRequestId: options.ledgerRequestId } : {}), signal);
      const outcome = await performWithRetries(deps, stage, step.key, signal, perform);
      if (outcome === null) return; // cancelled: the step goes back to pending
      await whenNotBusy(() => finishScanStep(db, run.id, stage, step.key, outcome), signal);
      options.onFinished?.(step.key);
      deps.onProgress(run.id, stage);
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAGE_CONCURRENCY[stage], todo.length) }, worker));
  if (signal.aborted) throw new RpcError('cancelled', 'The scan was cancelled.');
}

async function performWithRetries(deps: ScanRunnerDeps, stage: ScanStage, key: string, signal: AbortSignal, perform: PerformStep): Promise<StepOutcome | null> {
  const retries = deps.serviceRetries ?? 8;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await perform(key, signal);
    } catch (error) {
      if (signal.aborted) return null;
      const kind = error instanceof RpcError ? error.kind : 'internal';
      const message = error instanceof Error ? error.message : String(error);
      if ((kind === 'service-unavailable' || kind === 'timeout') && attempt < retries) {
        deps.log.warn({ stage, key, attempt: attempt + 1 }, `scan step waits for its service: ${message}`);
        await sleep(Math.min(5_000, 250 * 2 ** attempt), signal);
        continue;
      }
      deps.log.warn({ stage, key, kind }, `scan step failed: ${message}`);
      return { state: 'failed', error: message };
    }
  }
}

/**
 * A tile is ready for enrichment when the buildings and parcels of the tile and of its eight
 * neighbours have been collected (or given up on: a failed step does not hold the scan up).
 * Note: permits are not waited for. A roof permit that arrives later can only complete a property
 * the enrichment found incomplete, and the paid stage — after every collection step — looks at
 * each such property again before buying anything.
 */
export class TileGate {
  private readonly finishedKeys = new Set<string>();
  private readonly planned: Set<string>;
  private readonly waiting = new Set<() => void>();

  constructor(db: Db, runId: string, private readonly tiles: readonly Tile[], scrapeKeys: readonly string[], private readonly signal: AbortSignal) {
    this.planned = new Set(scrapeKeys);
    for (const step of listScanSteps(db, runId, { stage: 'scrape', states: ['done', 'failed', 'skipped'] })) this.finishedKeys.add(step.key);
    signal.addEventListener('abort', () => this.wake(), { once: true });
  }

  finished(key: string): void {
    this.finishedKeys.add(key);
    this.wake();
  }

  async ready(tile: Tile): Promise<void> {
    const needs = this.needsOf(tile);
    while (!needs.every((key) => this.finishedKeys.has(key))) {
      if (this.signal.aborted) throw new RpcError('cancelled', 'The scan was cancelled.');
      await new Promise<void>((resolve) => this.waiting.add(resolve));
    }
  }

  private needsOf(tile: Tile): string[] {
    const around = this.tiles.filter((other) => Math.abs(other.row - tile.row) <= 1 && Math.abs(other.col - tile.col) <= 1);
    const keys = around.flatMap((other) => [`buildings:${other.key}`, `parcels:${other.key}`]);
    return keys.filter((key) => this.planned.has(key));
  }

  private wake(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const resolve of waiting) resolve();
  }
}

/**
 * Runs a small write of the step table, trying again while the database stays busy past its busy
 * timeout (the scraper and enrichment write hard during a scan): a step's bookkeeping must not be
 * lost to a moment of contention.
 */
export async function whenNotBusy<T>(write: () => T, signal: AbortSignal, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return write();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= attempts || signal.aborted) throw error;
      await sleep(100 * attempt, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
