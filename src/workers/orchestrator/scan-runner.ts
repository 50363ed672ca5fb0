import type { ScanStage } from '../../core/contracts/scan-api';
import { scanImageryRequestId, scanPaidRequestId, type enrichmentContract, type EnrichResult, type IncompleteProperty } from '../../core/contracts/enrichment-contract';
import type { imageProcessorContract, ImageryPlan } from '../../core/contracts/imagery-contract';
import type { leadGeneratorContract, LeadsPlan } from '../../core/contracts/leads-contract';
import type { scraperContract } from '../../core/contracts/scraper-contract';
import type { Logger } from '../../core/log';
import type { LinkedClient } from '../../core/rpc/linked-client';
import { RpcError } from '../../core/rpc/protocol';
import type { Db } from '../../core/store/database';
import { getScanRun, listScanSteps, releaseInterruptedSteps, setScanRunState, type ScanRun } from '../../core/store/scan-runs';
import { scrapeStepKeys, scrapeTaskOf, tilesOf, type ScrapePlanInput } from './scan-plan';
import { readRunOptions } from './scan-status';
import { runSteps, TileGate, whenNotBusy, type StepOutcome, type StepRunner } from './scan-steps';
import { scanSummary } from './scan-summary';

/**
 * Drives one scan run, from the store: each stage is planned as steps (rows), and every step not
 * yet done is run on the service that owns it. A step's row is marked running before the call
 * and done (with its result) after it, so after any crash the run picks up at the first
 * unfinished step; the services' work is idempotent, and a paid call already committed is found
 * in the store (and the ledger) rather than paid for again.
 *
 *   driveScan(deps, runId, signal) → resolves when the run is completed, cancelled or failed
 *
 * The scraper and the enrichment service work at the same time (two threads, two cores): a tile
 * is enriched — census tracts, then joins, estimates and completeness — as soon as its own
 * buildings and parcels and those of the tiles around it are in (a house on a tile's edge may
 * come with its neighbour's parcels). The paid stage follows every collection step, for the
 * properties the enrichment left incomplete (each looked at again first: a late permit may have
 * dated its roof), then the imagery stage: the territory's roofs in geographic batches, one
 * imagery request per batch (see core/contracts/imagery-contract.ts), then the summary.
 */

export interface ScanRunnerDeps {
  db: Db;
  log: Logger;
  scraper: LinkedClient<typeof scraperContract>;
  enrichment: LinkedClient<typeof enrichmentContract>;
  images: LinkedClient<typeof imageProcessorContract>;
  leads: LinkedClient<typeof leadGeneratorContract>;
  /** Called as steps finish and the stage changes (the caller throttles what it pushes). */
  onProgress(runId: string, stage: ScanStage | null): void;
  /** Retries of a step whose service is unavailable (default 8, backing off from 250 ms to 5 s). */
  serviceRetries?: number;
}

export async function driveScan(deps: ScanRunnerDeps, runId: string, signal: AbortSignal): Promise<void> {
  const { db } = deps;
  const initial = getScanRun(db, runId);
  if (!initial) throw new RpcError('bad-input', `There is no scan ${runId}.`);
  await whenNotBusy(() => releaseInterruptedSteps(db, runId), NEVER);
  if (initial.state !== 'running') await whenNotBusy(() => setScanRunState(db, runId, 'running'), NEVER);
  const run = getScanRun(db, runId)!;
  const { options } = readRunOptions(run);
  const plan: ScrapePlanInput = { bbox: run.bbox, options, county: options.county ?? null, permitPortal: options.permitPortal ?? null, createdAt: new Date(run.createdAt) };
  const common = { runId, territoryId: run.territoryId };
  const runner: StepRunner = { deps, run, signal };

  try {
    const tiles = tilesOf(run.bbox, options.tileDegrees);
    const scrapeKeys = scrapeStepKeys(plan);
    const gate = new TileGate(db, run.id, tiles, scrapeKeys, signal);
    const scraping = runSteps(runner, 'scrape', scrapeKeys, async (key, stepSignal) => {
      const task = scrapeTaskOf(key, plan);
      if (!task) return { state: 'skipped', error: `this version of Fish Mouth does not know the step "${key}"` };
      const result = await deps.scraper.call('scraper.collect', { ...common, task }, { signal: stepSignal });
      if (result.outcome === 'ok') return { state: 'done', result };
      if (result.outcome === 'not-configured') return { state: 'skipped', result, error: result.message ?? `${result.source} is not set up` };
      return { state: 'failed', result, error: result.message ?? `${result.source} gave nothing` };
    }, { onFinished: (key) => gate.finished(key) });

    const enriching = (async () => {
      for (const tile of tiles) {
        await gate.ready(tile);
        await runSteps(runner, 'census', [tile.key], async (_key, stepSignal) => {
          const result = await deps.enrichment.call('enrichment.census', { ...common, bbox: tile.bbox }, { signal: stepSignal });
          return result.outcome === 'unavailable' ? { state: 'failed', result, error: result.message ?? 'no census figures' } : { state: 'done', result };
        });
        await runSteps(runner, 'enrich', [tile.key], async (_key, stepSignal) => {
          const result = await deps.enrichment.call('enrichment.enrich', { ...common, bbox: tile.bbox, completenessTarget: options.completenessTarget }, { signal: stepSignal });
          return { state: 'done', result };
        });
      }
    })();
    await Promise.all([scraping, enriching]);

    const incomplete = incompleteProperties(db, runId);
    await runSteps(runner, 'paid', [...incomplete.keys()], async (key, stepSignal): Promise<StepOutcome> => {
      const property = incomplete.get(key);
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
    }, { ledgerRequestId: scanPaidRequestId(runId) });

    if (options.imagery) await imageryStage(runner, common, options);
    if (options.leads) await leadsStage(runner, common);

    let summary: Record<string, unknown> | null = null;
    await runSteps(runner, 'summary', ['summary'], async () => {
      summary = scanSummary(db, runId, run.bbox, options.completenessTarget, run.createdAt);
      return { state: 'done', result: summary };
    });
    if (signal.aborted) return finishCancelled(deps, runId);
    summary ??= (listScanSteps(db, runId, { stage: 'summary' })[0]?.result as Record<string, unknown> | undefined) ?? null;
    const final = summary;
    await whenNotBusy(() => setScanRunState(db, runId, 'completed', final ? { summary: final } : {}), NEVER);
    deps.onProgress(runId, null);
  } catch (error) {
    if (signal.aborted) return finishCancelled(deps, runId);
    const message = error instanceof Error ? error.message : String(error);
    deps.log.error({ err: error, runId }, 'scan failed');
    try {
      await whenNotBusy(() => setScanRunState(db, runId, 'failed', { error: message }), NEVER);
    } finally {
      deps.onProgress(runId, null);
    }
  }
}

async function finishCancelled(deps: ScanRunnerDeps, runId: string): Promise<void> {
  await whenNotBusy(() => {
    releaseInterruptedSteps(deps.db, runId);
    const run = getScanRun(deps.db, runId);
    if (run && run.state !== 'cancelled' && run.state !== 'completed') setScanRunState(deps.db, runId, 'cancelled');
  }, NEVER);
  deps.onProgress(runId, null);
}

/**
 * Roof images: the plan (batches and singles, kept by the image-processor so a resumed run
 * finds the same batches) is itself a step; then one step per batch or single property.
 */
async function imageryStage(runner: StepRunner, common: { runId: string; territoryId: string | null }, options: ReturnType<typeof readRunOptions>['options']): Promise<void> {
  const { deps, run } = runner;
  let plan: ImageryPlan | null = null;
  await runSteps(runner, 'imagery', ['plan'], async (_key, stepSignal) => {
    plan = await deps.images.call('imagery.plan', { ...common, bbox: run.bbox }, { signal: stepSignal });
    return { state: 'done', result: plan };
  });
  plan ??= (listScanSteps(deps.db, run.id, { stage: 'imagery' }).find((step) => step.key === 'plan')?.result as ImageryPlan | undefined) ?? null;
  if (!plan) return;
  const keys = (plan as ImageryPlan).steps.map((step) => step.key);
  await runSteps(runner, 'imagery', keys, async (key, stepSignal): Promise<StepOutcome> => {
    const result = await deps.images.call(
      'imagery.acquire',
      { ...common, key, priority: options.priority, allowPaid: options.paidImagery, enhance: true },
      { signal: stepSignal },
    );
    if (result.properties > 0 && result.failed === result.properties) return { state: 'failed', result, error: result.message ?? 'no roof image could be made' };
    return { state: 'done', result };
  }, { ledgerRequestId: scanImageryRequestId(run.id) });
}

/** Roof condition and lead scores: a plan of stable property chunks (a step), then one step per chunk. */
async function leadsStage(runner: StepRunner, common: { runId: string; territoryId: string | null }): Promise<void> {
  const { deps, run } = runner;
  let plan: LeadsPlan | null = null;
  await runSteps(runner, 'leads', ['plan'], async (_key, stepSignal) => {
    plan = await deps.leads.call('leads.plan', { ...common, bbox: run.bbox }, { signal: stepSignal });
    return { state: 'done', result: plan };
  });
  plan ??= (listScanSteps(deps.db, run.id, { stage: 'leads' }).find((step) => step.key === 'plan')?.result as LeadsPlan | undefined) ?? null;
  if (!plan) return;
  await runSteps(runner, 'leads', (plan as LeadsPlan).steps, async (key, stepSignal): Promise<StepOutcome> => {
    const result = await deps.leads.call('leads.score', { ...common, bbox: run.bbox, key }, { signal: stepSignal });
    return { state: 'done', result };
  });
}

/** The bookkeeping at the end of a run goes through even when the run itself was cancelled. */
const NEVER = new AbortController().signal;

/** The incomplete properties the enrich steps found, by property id (a property on a tile edge appears once). */
function incompleteProperties(db: Db, runId: string): Map<string, IncompleteProperty> {
  const found = new Map<string, IncompleteProperty>();
  for (const step of listScanSteps(db, runId, { stage: 'enrich', states: ['done'] })) {
    for (const property of (step.result as EnrichResult | null)?.incomplete ?? []) found.set(property.propertyId, property);
  }
  return new Map([...found.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export type { ScanRun };
