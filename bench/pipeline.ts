import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectToHost } from '../src/cli/commands/scan';
import { SCAN_STAGES, type ScanStatus, type ScanSummary } from '../src/core/contracts/scan-api';
import { FishMouthHost } from '../src/core/host/host';
import { createWorkerThreadAdapter } from '../src/core/host/worker-thread-adapter';
import { unlockHeadlessSecrets } from '../src/core/secrets';
import { openDatabase, runMigrations, type Db } from '../src/core/store';
import { DEMO_SCAN_OPTIONS, DEMO_TERRITORY_NAME, prepareDemoStore } from '../src/demo/session';
import { createDemoWorld } from '../src/demo/world';
import { startEmulators } from '../src/emulators/server';
import { PeakSampler, recordStepStarts, stageTimings, type StageTiming } from './lib/pipeline-probes';
import { median, printReport, progress, ratio } from './lib/report';
import { superResolutionAnchor, type SrAnchorFigures } from './lib/sr-anchor';

/**
 * bench/pipeline: the whole scan of the demo town — collection, census, enrichment, paid
 * records, roof imagery (fetched, cropped, enhanced, scored) and lead scores — on the real host
 * with its six services as worker threads, against the loopback emulators (in this process),
 * at 2,000 and 20,000 properties.
 *
 *   node bench/lib/run.mjs pipeline [--sizes 2000,20000] [--reps 3] [--big-reps 1] [--anchor-crops 48]
 *
 * Figures per size (medians of the reps):
 *   properties / second per stage   properties / (first step started → last step done); scrape,
 *                                   census and enrich overlap (two threads), so these do not add up
 *   properties / second end to end  properties / (scan created → completed)
 *   peak memory                     per service (host status, polled every 250 ms: a worker
 *                                   thread's own heap + external memory) and this process's RSS
 *   money                           spend per lead, against the pay-for-everything anchor (a paid
 *                                   image and a paid record for every property, today's prices),
 *                                   share of leads served by free sources only
 *   imagery                         requests vs roofs, hot leads
 *   speed anchor                    ONNX super-resolution of the scan's own crops, measured directly
 *   --warm-up 0: no unreported warm-up scan before sizes under 10,000
 *   --max-minutes M: cancel a scan after M minutes and report what its finished steps measured (marked partial)
 * Needs `npm run build` (the services run from out/main; the models from models/).
 */

const WORKERS_DIR = resolve('out/main');
const BIG = 10_000;
const SAMPLE_MS = 250;

interface RepFigures {
  /** False when --max-minutes cancelled the scan: its stage figures are of the steps done by then. */
  completed: boolean;
  seconds: number;
  endToEndPerSecond: number | null;
  /** Properties the imagery stage's finished steps covered (all of them in a completed scan). */
  imageryProperties: number;
  loadAverage: { start: number; end: number };
  stages: StageTiming[];
  perStage: Record<string, number | null>;
  peakMemoryBytes: Record<string, number>;
  memorySamples: number;
  summary: ScanSummary | null;
  anchor: SrAnchorFigures | null;
}

async function scanOnce(properties: number, anchorCrops: number, maxMinutes: number | null): Promise<RepFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'fishmouth-bench-pipeline-'));
  const world = createDemoWorld({ properties });
  const emulators = await startEmulators({ world });
  const db = openDatabase(dir);
  let host: FishMouthHost | null = null;
  let sampler: PeakSampler | null = null;
  try {
    runMigrations(db);
    recordStepStarts(db);
    prepareDemoStore(db, world, emulators.baseUrls, { dataDir: dir, env: {} });
    const unlocked = unlockHeadlessSecrets(dir, {});
    if (unlocked.kind === 'error') throw new Error(unlocked.message);
    // Note: the host asks each service for its memory every healthIntervalMs (2 s by default); at 250 ms the samples below see fresh figures.
    host = new FishMouthHost({
      spawn: createWorkerThreadAdapter(),
      dataDir: dir,
      mode: 'headless',
      workersDir: WORKERS_DIR,
      version: '0.0.0-bench',
      logLevel: 'warn',
      secrets: unlocked.unlock,
      supervision: { healthIntervalMs: SAMPLE_MS },
    });
    await host.start();
    const running = host;
    sampler = new PeakSampler(() => ({
      ...Object.fromEntries(running.status().services.map((service) => [service.name, service.memoryBytes])),
      benchProcessRss: process.memoryUsage().rss,
    }), SAMPLE_MS);
    const link = connectToHost(host);
    const loadStart = loadavg()[0]!;
    const began = performance.now();
    const started = await link.api.startScan({ territory: DEMO_TERRITORY_NAME, options: DEMO_SCAN_OPTIONS });
    // Note: a time cap cancels the scan (the orchestrator finishes the steps in flight as cancelled); scan.wait then ends 'cancelled'.
    const cap = maxMinutes === null ? null : setTimeout(() => {
      progress(`  ${properties.toLocaleString('en-US')}: ${maxMinutes} min reached, cancelling the scan (figures of the steps done so far)`);
      void link.api.cancelScan(started.runId).catch(() => undefined);
    }, maxMinutes * 60_000);
    let lastNote = 0;
    const status: ScanStatus = await link.client.call('scan.wait', { runId: started.runId }, {
      onProgress: (step) => {
        if (performance.now() - lastNote < 5_000) return;
        lastNote = performance.now();
        progress(`  ${properties.toLocaleString('en-US')}: ${step.message ?? step.stage}`);
      },
    });
    const wall = (performance.now() - began) / 1000;
    if (cap) clearTimeout(cap);
    const loadEnd = loadavg()[0]!;
    link.close();
    const peakMemoryBytes = sampler.stop();
    const memorySamples = sampler.samples;
    sampler = null;
    const completed = status.state === 'completed' && status.summary !== null;
    if (!completed && !(status.state === 'cancelled' && maxMinutes !== null)) throw new Error(`The scan ended ${status.state}: ${status.message}`);

    const stages = stageTimings(db, status.runId, status.createdAt).sort((a, b) => SCAN_STAGES.indexOf(a.stage as never) - SCAN_STAGES.indexOf(b.stage as never));
    const seconds = completed && status.finishedAt ? (Date.parse(status.finishedAt) - Date.parse(status.createdAt)) / 1000 : wall;
    const imageryProperties = (db.prepare("SELECT coalesce(sum(json_extract(result, '$.properties')), 0) FROM scan_steps WHERE run_id = ? AND stage = 'imagery' AND key <> 'plan' AND state = 'done'").pluck().get(status.runId) as number) ?? 0;
    // A cut stage's rate counts only what its finished steps covered (imagery: their properties; other stages: not known, so none).
    const cutStage = completed ? null : stages.find((stage) => stage.lastDoneS !== null && !stageFinished(db, status.runId, stage.stage))?.stage ?? null;
    const coveredBy = (stage: string) => (stage === cutStage ? (stage === 'imagery' ? imageryProperties : null) : properties);
    await host.stop();
    host = null;
    // The anchor runs with the services stopped, so it has the cores to itself.
    const anchor = await superResolutionAnchor(db, dir, { crops: anchorCrops });
    return {
      completed,
      seconds: round(seconds)!,
      endToEndPerSecond: completed ? round(properties / seconds) : null,
      imageryProperties,
      loadAverage: { start: round(loadStart)!, end: round(loadEnd)! },
      stages: stages.map((stage) => ({ ...stage, firstStartS: round(stage.firstStartS), lastDoneS: round(stage.lastDoneS), seconds: round(stage.seconds) })),
      perStage: Object.fromEntries(stages.map((stage) => {
        const covered = coveredBy(stage.stage);
        return [stage.stage, stage.seconds && covered !== null ? round(covered / stage.seconds) : null];
      })),
      peakMemoryBytes,
      memorySamples,
      summary: status.summary,
      anchor,
    };
  } finally {
    sampler?.stop();
    await host?.stop();
    await emulators.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every step of the stage ended (done, failed or skipped). */
function stageFinished(db: Db, runId: string, stage: string): boolean {
  return db.prepare("SELECT count(*) FROM scan_steps WHERE run_id = ? AND stage = ? AND state NOT IN ('done', 'failed', 'skipped')").pluck().get(runId, stage) === 0;
}

function round(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Math.round(value * 100) / 100;
}

const MB = 1024 * 1024;

function sizeFigures(size: number, runs: RepFigures[]) {
  const pickOf = (values: Array<number | null | undefined>) => {
    const present = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
    return present.length ? round(median(present)) : null;
  };
  const middle = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
  const summary = middle.summary;
  const imagery = summary?.imagery;
  const leads = summary?.leads;
  const stageNames = SCAN_STAGES.filter((stage) => runs.some((run) => stage in run.perStage));
  const memoryNames = [...new Set(runs.flatMap((run) => Object.keys(run.peakMemoryBytes)))];
  const imageryPerSecond = pickOf(runs.map((run) => run.perStage.imagery));
  const anchorPerSecond = pickOf(runs.map((run) => run.anchor?.cropsPerSecond));
  const endToEnd = pickOf(runs.map((run) => run.endToEndPerSecond));
  return {
    properties: size,
    reps: runs.length,
    completed: runs.every((run) => run.completed),
    ...(runs.every((run) => run.completed) ? {} : { partial: `cancelled at --max-minutes: rates are of the steps finished by then (the imagery stage's over the ${middle.imageryProperties.toLocaleString('en-US')} properties its finished steps covered); no summary, so no money, imagery or lead totals` }),
    loadAverageOfMedianRep: middle.loadAverage,
    medianSeconds: pickOf(runs.map((run) => run.seconds)),
    propertiesPerSecond: {
      endToEnd,
      byStage: Object.fromEntries(stageNames.map((stage) => [stage, pickOf(runs.map((run) => run.perStage[stage]))])),
      note: 'per stage: properties / (first step started → last step done); scrape, census and enrich overlap, so the stage rates do not add up',
    },
    stagesOfMedianRep: middle.stages,
    peakMemoryMB: {
      ...Object.fromEntries(memoryNames.map((name) => [name, round(median(runs.map((run) => run.peakMemoryBytes[name] ?? Number.NaN).filter(Number.isFinite)) / MB)])),
      note: "services: each worker thread's own heap + external memory (host status, sampled every 250 ms); benchProcessRss: the one process holding all six threads and the emulators",
      samplesOfMedianRep: middle.memorySamples,
    },
    money: !summary ? null : {
      spendMicros: summary.spendMicros,
      imageryCostMicros: imagery?.costMicros ?? null,
      spendPerLeadMicros: leads?.spendPerLeadMicros ?? null,
      anchor: 'pay for everything: a paid satellite image and a paid property record for every property, at today\'s prices',
      payForEverythingMicros: leads?.payForEverythingMicros ?? null,
      payForEverythingPerPropertyMicros: leads && summary.properties ? Math.round(leads.payForEverythingMicros / summary.properties) : null,
      savingsVersusPayingMicros: leads?.savingsVersusPayingMicros ?? null,
      spendVersusPayingForEverything: leads ? ratio(summary.spendMicros, leads.payForEverythingMicros) : null,
      freeShare: leads?.freeShare ?? null,
      paidRecords: summary.paidRecords,
      paidRefused: summary.paidRefused,
    },
    imagery: imagery
      ? {
          roofImages: imagery.roofImages,
          requests: imagery.requests,
          requestsWithoutBatching: imagery.requestsWithoutBatching,
          requestsPerRoof: ratio(imagery.requests, imagery.roofImages),
          batches: imagery.batches,
          byKind: imagery.byKind,
          enhanced: imagery.enhanced,
          lowConfidence: imagery.lowConfidence,
          manualReview: imagery.manualReview,
          meanQuality: imagery.meanQuality,
        }
      : null,
    leads: leads ? { leads: leads.leads, hot: leads.hot, hotShare: ratio(leads.hot, leads.leads), meanScore: leads.meanScore } : null,
    speedAnchor: {
      ...(middle.anchor ?? { name: 'ONNX super-resolution of the scan\'s crops', note: 'no enhanced crop was kept' }),
      cropsPerSecondMedian: anchorPerSecond,
      imageryStageVersusAnchor: imageryPerSecond !== null && anchorPerSecond ? ratio(imageryPerSecond, anchorPerSecond) : null,
      endToEndVersusAnchor: anchorPerSecond && endToEnd !== null ? ratio(endToEnd, anchorPerSecond) : null,
    },
    warnings: summary?.warnings ?? [],
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, reps: { type: 'string' }, 'big-reps': { type: 'string' }, 'anchor-crops': { type: 'string' }, 'warm-up': { type: 'string' }, 'max-minutes': { type: 'string' } } });
  const sizes = (values.sizes ?? '2000,20000').split(',').map((size) => Number(size.trim()));
  const reps = Number(values.reps ?? 3);
  const bigReps = Number(values['big-reps'] ?? 1);
  const anchorCrops = Number(values['anchor-crops'] ?? 48);
  const warmUp = (values['warm-up'] ?? '1') !== '0';
  const maxMinutes = values['max-minutes'] === undefined ? null : Number(values['max-minutes']);
  if (maxMinutes !== null && !(maxMinutes > 0)) throw new Error('--max-minutes takes a number of minutes above 0');
  if (sizes.some((size) => !Number.isInteger(size) || size < 1) || [reps, bigReps, anchorCrops].some((count) => !Number.isInteger(count) || count < 1)) {
    throw new Error('Usage: node bench/lib/run.mjs pipeline [--sizes 2000,20000] [--reps 3] [--big-reps 1] [--anchor-crops 48] [--warm-up 0] [--max-minutes M]');
  }
  if (!existsSync(join(WORKERS_DIR, 'workers', 'orchestrator.js'))) throw new Error('The services are not built: run `npm run build` first.');

  const results = [];
  for (const size of sizes) {
    const count = size >= BIG ? bigReps : reps;
    progress(`pipeline of ${size.toLocaleString('en-US')} properties: ${size < BIG && warmUp ? 'a warm-up, then ' : ''}${count} rep(s)`);
    if (size < BIG && warmUp) await scanOnce(size, 1, maxMinutes);
    const runs: RepFigures[] = [];
    for (let rep = 0; rep < count; rep += 1) {
      runs.push(await scanOnce(size, anchorCrops, maxMinutes));
      progress(`  rep ${rep + 1}: ${runs.at(-1)!.seconds} s${runs.at(-1)!.completed ? '' : ' (cancelled at the time cap)'}`);
    }
    results.push(sizeFigures(size, runs));
  }
  printReport('pipeline', { sizes: results });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench/pipeline: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
