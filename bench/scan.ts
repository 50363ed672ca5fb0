import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectToHost } from '../src/cli/commands/scan';
import type { ScanStage, ScanStatus } from '../src/core/contracts/scan-api';
import { FishMouthHost } from '../src/core/host/host';
import { createWorkerThreadAdapter } from '../src/core/host/worker-thread-adapter';
import { unlockHeadlessSecrets } from '../src/core/secrets';
import { openDatabase, runMigrations, type Db } from '../src/core/store';
import { DEMO_SCAN_OPTIONS, DEMO_TERRITORY_NAME, prepareDemoStore } from '../src/demo/session';
import { createDemoWorld } from '../src/demo/world';
import { startEmulators } from '../src/emulators/server';
import { median, printReport, progress, ratio } from './lib/report';

/**
 * bench/scan: properties per second through a whole territory scan of the demo town — the real
 * host, its six services as worker threads, the real connectors against the loopback emulators
 * (in this process), the real store — at 2,000 and 100,000 properties, beside the physical anchor
 * measured in the same run: the SQLite insert rate of the same property rows into the same table
 * (its indexes and R*Tree triggers) in ONE transaction.
 *
 *   node bench/lib/run.mjs scan [--sizes 2000,100000] [--reps 3] [--big-reps 1]
 *
 * Figures per size (medians of the reps):
 *   scraper      properties / (last collection step done − scan start)
 *   enrichment   properties / (last enrich step done − first census step seen running)
 *   end to end   properties / (scan complete − scan start), paid stage and summary included
 *   anchor       property rows / second, inserted in one transaction
 * The scraper and the enrichment overlap (two threads), so their rates do not add up; the end
 * to end rate is what a rep waits for. Needs `npm run build` (the services run from out/main).
 */

const WORKERS_DIR = resolve('out/main');
const BIG = 10_000;
/** Note: scans now also fetch roof imagery and score leads; this bench measures collection and enrichment (bench/pipeline measures the rest). */
const COLLECTION_ONLY = { imagery: false, leads: false } as const;

interface RepFigures {
  seconds: number;
  scraperPerSecond: number;
  enrichmentPerSecond: number;
  endToEndPerSecond: number;
  anchorRowsPerSecond: number;
  stages: Record<string, { firstSeenS: number | null; lastDoneS: number | null; steps: number }>;
  paidSteps: number;
  spendMicros: number;
  savingsMicros: number;
}

async function scanOnce(properties: number): Promise<RepFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'fishmouth-bench-scan-'));
  const world = createDemoWorld({ properties });
  const emulators = await startEmulators({ world });
  const db = openDatabase(dir);
  let host: FishMouthHost | null = null;
  try {
    runMigrations(db);
    prepareDemoStore(db, world, emulators.baseUrls, { dataDir: dir, env: {} });
    const unlocked = unlockHeadlessSecrets(dir, {});
    if (unlocked.kind === 'error') throw new Error(unlocked.message);
    host = new FishMouthHost({ spawn: createWorkerThreadAdapter(), dataDir: dir, mode: 'headless', workersDir: WORKERS_DIR, version: '0.0.0-bench', logLevel: 'warn', secrets: unlocked.unlock });
    await host.start();
    const link = connectToHost(host);
    const firstSeen = new Map<ScanStage, number>();
    const began = performance.now();
    link.api.onScanProgress((status) => {
      for (const stage of status.stages) if (stage.running + stage.done + stage.failed + stage.skipped > 0 && !firstSeen.has(stage.stage)) firstSeen.set(stage.stage, performance.now() - began);
    });
    const started = await link.api.startScan({ territory: DEMO_TERRITORY_NAME, options: { ...DEMO_SCAN_OPTIONS, ...COLLECTION_ONLY } });
    let lastNote = 0;
    const status: ScanStatus = await link.client.call('scan.wait', { runId: started.runId }, {
      onProgress: (step) => {
        if (performance.now() - lastNote < 5_000) return;
        lastNote = performance.now();
        progress(`  ${properties.toLocaleString('en-US')}: ${step.message ?? step.stage}`);
      },
    });
    const seconds = (performance.now() - began) / 1000;
    link.close();
    if (status.state !== 'completed' || !status.summary) throw new Error(`The scan ended ${status.state}: ${status.message}`);

    const createdAt = Date.parse(status.createdAt);
    const stageTimes = db.prepare('SELECT stage, max(updated_at) AS last, count(*) AS steps FROM scan_steps WHERE run_id = ? GROUP BY stage').all(status.runId) as Array<{ stage: string; last: string; steps: number }>;
    const lastDone = (stage: string) => {
      const row = stageTimes.find((entry) => entry.stage === stage);
      return row ? (Date.parse(row.last) - createdAt) / 1000 : null;
    };
    const stages = Object.fromEntries(
      stageTimes.map((row) => [row.stage, { firstSeenS: round((firstSeen.get(row.stage as ScanStage) ?? Number.NaN) / 1000) ?? null, lastDoneS: round(lastDone(row.stage)), steps: row.steps }]),
    );
    const scrapeEnd = lastDone('scrape')!;
    const enrichEnd = lastDone('enrich')!;
    const enrichStart = (firstSeen.get('census') ?? 0) / 1000;
    return {
      seconds: round(seconds)!,
      scraperPerSecond: round(properties / scrapeEnd)!,
      enrichmentPerSecond: round(properties / Math.max(0.001, enrichEnd - enrichStart))!,
      endToEndPerSecond: round(properties / seconds)!,
      anchorRowsPerSecond: round(insertAnchor(db))!,
      stages,
      paidSteps: stageTimes.find((entry) => entry.stage === 'paid')?.steps ?? 0,
      spendMicros: status.summary.spendMicros,
      savingsMicros: status.summary.savingsMicros,
    };
  } finally {
    await host?.stop();
    await emulators.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The scan's property rows, inserted again into a fresh store's properties table in ONE transaction. */
function insertAnchor(source: Db): number {
  const rows = source.prepare('SELECT * FROM properties ORDER BY rid').all() as Array<Record<string, unknown>>;
  const dir = mkdtempSync(join(tmpdir(), 'fishmouth-bench-anchor-'));
  const db = openDatabase(dir);
  try {
    runMigrations(db);
    const columns = Object.keys(rows[0] ?? {}).filter((column) => column !== 'rid');
    const insert = db.prepare(`INSERT INTO properties (${columns.join(', ')}) VALUES (${columns.map((column) => `@${column}`).join(', ')})`);
    const started = performance.now();
    db.transaction(() => {
      for (const row of rows) {
        const { rid: _rid, ...values } = row;
        insert.run(values);
      }
    }).immediate();
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Math.round(value * 100) / 100;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, reps: { type: 'string' }, 'big-reps': { type: 'string' } } });
  const sizes = (values.sizes ?? '2000,100000').split(',').map((size) => Number(size.trim()));
  const reps = Number(values.reps ?? 3);
  const bigReps = Number(values['big-reps'] ?? 1);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1) || !Number.isInteger(reps) || reps < 1 || !Number.isInteger(bigReps) || bigReps < 1) {
    throw new Error('Usage: node bench/lib/run.mjs scan [--sizes 2000,100000] [--reps 3] [--big-reps 1]');
  }
  if (!existsSync(join(WORKERS_DIR, 'workers', 'orchestrator.js'))) throw new Error('The services are not built: run `npm run build` first.');

  const results = [];
  for (const size of sizes) {
    const count = size >= BIG ? bigReps : reps;
    progress(`scan of ${size.toLocaleString('en-US')} properties: a warm-up, then ${count} rep(s)`);
    if (size < BIG) await scanOnce(size);
    const runs: RepFigures[] = [];
    for (let rep = 0; rep < count; rep += 1) {
      runs.push(await scanOnce(size));
      progress(`  rep ${rep + 1}: ${runs.at(-1)!.seconds} s`);
    }
    const pick = (key: keyof Omit<RepFigures, 'stages'>) => round(median(runs.map((run) => run[key] as number)))!;
    const middle = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
    const figures = {
      properties: size,
      reps: count,
      medianSeconds: pick('seconds'),
      propertiesPerSecond: { scraper: pick('scraperPerSecond'), enrichment: pick('enrichmentPerSecond'), endToEnd: pick('endToEndPerSecond') },
      anchor: { name: 'SQLite insert of the same property rows, one transaction', rowsPerSecond: pick('anchorRowsPerSecond') },
      ratioToAnchor: {
        scraper: ratio(pick('scraperPerSecond'), pick('anchorRowsPerSecond')),
        enrichment: ratio(pick('enrichmentPerSecond'), pick('anchorRowsPerSecond')),
        endToEnd: ratio(pick('endToEndPerSecond'), pick('anchorRowsPerSecond')),
      },
      paidSteps: middle.paidSteps,
      spendMicros: middle.spendMicros,
      savingsMicros: middle.savingsMicros,
      stagesOfMedianRep: middle.stages,
    };
    results.push(figures);
  }
  printReport('scan', { sizes: results });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench/scan: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
