import type { ScanOptions, ScanStage } from '../../core/contracts/scan-api';
import type { enrichmentContract, EnrichResult, IncompleteProperty } from '../../core/contracts/enrichment-contract';
import type { scraperContract } from '../../core/contracts/scraper-contract';
import type { Logger } from '../../core/log';
import type { LinkedClient } from '../../core/rpc/linked-client';
import { RpcError } from '../../core/rpc/protocol';
import type { Db } from '../../core/store/database';
import {
  finishScanStep,
  getScanRun,
  listScanSteps,
  planScanSteps,
  releaseInterruptedSteps,
  setScanRunState,
  startScanStep,
  type ScanRun,
  type ScanStep,
} from '../../core/store/scan-runs';
import { enrichTiles, scrapeStepKeys, scrapeTaskOf, STAGE_CONCURRENCY, type ScrapePlanInput } from './scan-plan';
import { readRunOptions } from './scan-status';
import { scanSummary } from './scan-summary';

/**
 * Drives one scan run through its stages, from the store: each stage is planned as steps (rows),
 * then every step not yet done is run on the service that owns it, a few at a time. A step's row
 * is marked running before the call and done (with its result) after it, so after any crash the
 * run picks up at the first unfinished step; the services' work is idempotent, and a paid call
 * already committed is found in the store (and the ledger) rather than paid for again.
 *
 *   driveScan(deps, runId, signal) → resolves when the run is completed, cancelled or failed
 *
 * A service that goes away mid-step (crashed, restarting) is waited for and the step retried; a
 * step that fails for any other reason is recorded as failed and the scan goes on without it.
 */

export interface ScanRunnerDeps {
  db: Db;
  log: Logger;
  scraper: LinkedClient<typeof scraperContract>;
  enrichment: LinkedClient<typeof enrichmentContract>;
  /** Called as steps finish and the stage changes (the caller throttles what it pushes). */
  onProgress(runId: string, stage: ScanStage | null): void;
  /** Retries of a step whose service is unavailable (default 8, backing off from 250 ms to 5 s). */
  serviceRetries?: number;
}

type StepOutcome = { state: 'done' | 'failed' | 'skipped'; result?: unknown; error?: string };

export async function driveScan(deps: ScanRunnerDeps, runId: string, signal: AbortSignal): Promise<void> {
  const { db } = deps;
  const initial = getScanRun(db, runId);
  if (!initial) throw new RpcError('bad-input', `There is no scan ${runId}.`);
  releaseInterruptedSteps(db, runId);
  if (initial.state !== 'running') setScanRunState(db, runId, 'running');
  const run = getScanRun(db, runId)!;
  const { options } = readRunOptions(run);
  const plan: ScrapePlanInput = { bbox: run.bbox, options, county: options.county ?? null, permitPortal: options.permitPortal ?? null, createdAt: new Date(run.createdAt) };
  const common = { runId, territoryId: run.territoryId };

  try {
    await runStage(deps, run, 'scrape', scrapeStepKeys(plan), signal, async (step, stepSignal) => {
      const task = scrapeTaskOf(step.key, plan);
      if (!task) return { state: 'skipped', error: `this version of Fish Mouth does not know the step "${step.key}"` };
      const result = await deps.scraper.call('scraper.collect', { ...common, task }, { signal: stepSignal });
      if (result.outcome === 'ok') return { state: 'done', result };
      if (result.outcome === 'not-configured') return { state: 'skipped', result, error: result.message ?? `${result.source} is not set up` };
      return { state: 'failed', result, error: result.message ?? `${result.source} gave nothing` };
    });

    await runStage(deps, run, 'census', ['tracts'], signal, async (_step, stepSignal) => {
      const result = await deps.enrichment.call('enrichment.census', { ...common, bbox: run.bbox }, { signal: stepSignal });
      return result.outcome === 'unavailable' ? { state: 'failed', result, error: result.message ?? 'no census figures' } : { state: 'done', result };
    });

    const tiles = enrichTiles(run.bbox, options);
    await runStage(deps, run, 'enrich', tiles.map((tile) => tile.key), signal, async (step, stepSignal) => {
      const tile = tiles.find((candidate) => candidate.key === step.key);
      if (!tile) return { state: 'skipped', error: `unknown tile ${step.key}` };
      const result = await deps.enrichment.call('enrichment.enrich', { ...common, bbox: tile.bbox, completenessTarget: options.completenessTarget }, { signal: stepSignal });
      return { state: 'done', result };
    });

    const incomplete = incompleteProperties(db, runId);
    await runStage(deps, run, 'paid', [...incomplete.keys()], signal, async (step, stepSignal) => {
      const property = incomplete.get(step.key);
      if (!property || property.missing.length === 0) return { state: 'skipped', error: 'nothing is missing any more' };
      const result = await deps.enrichment.call(
        'enrichment.paid',
        {
          ...common,
          propertyId: property.propertyId,
          missing: property.missing,
          priority: options.priority,
          completenessTarget: options.completenessTarget,
          allowPaid: options.paidEnrichment,
        },
        { signal: stepSignal },
      );
      return result.outcome === 'failed' ? { state: 'failed', result, error: result.message ?? 'no facts found' } : { state: 'done', result };
    }, { ledgerRequestId: runId });

    let summary: Record<string, unknown> | null = null;
    await runStage(deps, run, 'summary', ['summary'], signal, async () => {
      summary = scanSummary(db, runId, run.bbox, options.completenessTarget, run.createdAt);
      return { state: 'done', result: summary };
    });
    if (signal.aborted) return finishCancelled(deps, runId);
    summary ??= (listScanSteps(db, runId, { stage: 'summary' })[0]?.result as Record<string, unknown> | undefined) ?? null;
    setScanRunState(db, runId, 'completed', summary ? { summary } : {});
    deps.onProgress(runId, null);
  } catch (error) {
    if (signal.aborted) return finishCancelled(deps, runId);
    const message = error instanceof Error ? error.message : String(error);
    deps.log.error({ err: error, runId }, 'scan failed');
    try {
      setScanRunState(db, runId, 'failed', { error: message });
    } finally {
      deps.onProgress(runId, null);
    }
  }
}

function finishCancelled(deps: ScanRunnerDeps, runId: string): void {
  releaseInterruptedSteps(deps.db, runId);
  const run = getScanRun(deps.db, runId);
  if (run && run.state !== 'cancelled' && run.state !== 'completed') setScanRunState(deps.db, runId, 'cancelled');
  deps.onProgress(runId, null);
}

/** The incomplete properties the enrich steps found, by property id (a property on a tile edge appears once). */
function incompleteProperties(db: Db, runId: string): Map<string, IncompleteProperty> {
  const found = new Map<string, IncompleteProperty>();
  for (const step of listScanSteps(db, runId, { stage: 'enrich', states: ['done'] })) {
    for (const property of (step.result as EnrichResult | null)?.incomplete ?? []) found.set(property.propertyId, property);
  }
  return new Map([...found.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

async function runStage(
  deps: ScanRunnerDeps,
  run: ScanRun,
  stage: ScanStage,
  keys: readonly string[],
  signal: AbortSignal,
  perform: (step: ScanStep, signal: AbortSignal) => Promise<StepOutcome>,
  stepOptions: { ledgerRequestId?: string } = {},
): Promise<void> {
  if (signal.aborted) throw new RpcError('cancelled', 'The scan was cancelled.');
  const { db } = deps;
  planScanSteps(db, run.id, stage, keys);
  const todo = listScanSteps(db, run.id, { stage, states: ['pending', 'failed'] });
  deps.onProgress(run.id, stage);
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !signal.aborted) {
      const step = todo[next++]!;
      startScanStep(db, run.id, stage, step.key, stepOptions);
      const outcome = await performWithRetries(deps, step, signal, perform);
      if (outcome === null) return; // cancelled: the step goes back to pending
      finishScanStep(db, run.id, stage, step.key, outcome);
      deps.onProgress(run.id, stage);
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAGE_CONCURRENCY[stage], Math.max(1, todo.length)) }, worker));
  if (signal.aborted) throw new RpcError('cancelled', 'The scan was cancelled.');
}

async function performWithRetries(
  deps: ScanRunnerDeps,
  step: ScanStep,
  signal: AbortSignal,
  perform: (step: ScanStep, signal: AbortSignal) => Promise<StepOutcome>,
): Promise<StepOutcome | null> {
  const retries = deps.serviceRetries ?? 8;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await perform(step, signal);
    } catch (error) {
      if (signal.aborted) return null;
      const kind = error instanceof RpcError ? error.kind : 'internal';
      const message = error instanceof Error ? error.message : String(error);
      if ((kind === 'service-unavailable' || kind === 'timeout') && attempt < retries) {
        deps.log.warn({ stage: step.stage, key: step.key, attempt: attempt + 1 }, `scan step waits for its service: ${message}`);
        await sleep(Math.min(5_000, 250 * 2 ** attempt), signal);
        continue;
      }
      deps.log.warn({ stage: step.stage, key: step.key, kind }, `scan step failed: ${message}`);
      return { state: 'failed', error: message };
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

export type { ScanOptions };
