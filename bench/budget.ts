import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { budgetDay, commitReservation, costLedgerTable, reserveBudget, updateBudgetSettings } from '../src/core/cost';
import type { Micros } from '../src/core/money';
import { openDatabase, runMigrations, writeSynced, type Db } from '../src/core/store';
import { statement } from '../src/core/store/database';
import { childPlan, finishChild, readyForGo, runChildren } from '../test/fixtures/children';
import { median, printReport, progress, ratio } from './lib/report';

/**
 * bench/budget: reservations per second across 2, 4 and 8 processes sharing one SQLite file, and
 * the overspend each implementation lets through, for
 *   - atomic: reserveBudget + commitReservation (check and insert in ONE BEGIN IMMEDIATE), and
 *   - naive (the anchor): read the day's total, then insert the charge in a separate write, as in
 *     litellm's old check-then-increment path; it is faster and it overspends under concurrency.
 * Same workload for both, in the same run: each process makes `attempts` reserve-and-commit
 * attempts of seeded random amounts against a budget sized at half the total demand, so about
 * half are refused near the end, where the race matters. Figures are medians of `reps` runs.
 *
 *   node bench/lib/run.mjs budget [--attempts N] [--reps N] [--processes 2,4,8] [--call-ms N]
 *
 * --call-ms pauses that long between the check and the charge, as a real paid call would (the
 * provider's latency); the default 0 measures the budget machinery alone, the worst case for
 * the atomic path's speed and the best case for the naive path's overspend.
 */

type Implementation = 'atomic' | 'naive';

interface ChildPlan {
  dataDir: string;
  implementation: Implementation;
  attempts: number;
  seed: number;
  limitMicros: number;
  callMs: number;
}

interface ChildResult {
  attempts: number;
  granted: number;
  refused: number;
}

const MIN_AMOUNT = 100;
const MAX_AMOUNT = 1_500;

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One paid call through the real budget: reserve, then commit at the reserved amount. */
async function atomicCharge(db: Db, amount: number, callMs: number): Promise<boolean> {
  const result = reserveBudget(db, { service: 'bench', source: 'google-static-maps', operation: 'static-map', amountMicros: amount, priority: 'high' });
  if (!result.granted) return false;
  if (callMs > 0) await sleep(callMs);
  commitReservation(db, result.reservation.id, { costMicros: amount, ledger: { cacheHit: false, outcome: 'hit' } });
  return true;
}

/**
 * The anchor: check-then-increment. The read and the insert are separate transactions, so two
 * processes can both read "room left" and both insert. Note: the insert goes through the same
 * synced-row path as a real commit (HLC, outbox), so the speed comparison is like for like.
 */
async function naiveCharge(db: Db, amount: number, limitMicros: number, callMs: number): Promise<boolean> {
  const day = budgetDay(new Date(), 'UTC');
  const spent = Number(statement(db, 'SELECT coalesce(sum(cost_micros), 0) FROM cost_ledger WHERE day = ? AND paid = 1').pluck().get(day));
  if (spent + amount > limitMicros) return false;
  if (callMs > 0) await sleep(callMs);
  writeSynced(db, costLedgerTable, 'insert', {
    at: new Date().toISOString(),
    day,
    service: 'bench',
    source: 'google-static-maps',
    operation: 'static-map',
    priority: 'high',
    pool: 'daily',
    paid: true,
    cost_micros: amount,
    list_price_micros: amount,
    cache_hit: false,
    outcome: 'hit',
  });
  return true;
}

async function runChild(plan: ChildPlan): Promise<void> {
  const db = openDatabase(plan.dataDir);
  const random = seededRandom(plan.seed);
  await readyForGo();
  const result: ChildResult = { attempts: 0, granted: 0, refused: 0 };
  for (let i = 0; i < plan.attempts; i++) {
    const amount = MIN_AMOUNT + Math.floor(random() * (MAX_AMOUNT - MIN_AMOUNT + 1));
    const ok = plan.implementation === 'atomic' ? await atomicCharge(db, amount, plan.callMs) : await naiveCharge(db, amount, plan.limitMicros, plan.callMs);
    result.attempts++;
    if (ok) result.granted++;
    else result.refused++;
  }
  db.close();
  await finishChild(result);
}

interface RunFigures {
  processes: number;
  wallMs: number;
  attempts: number;
  granted: number;
  attemptsPerSecond: number;
  grantedPerSecond: number;
  limitMicros: number;
  committedMicros: number;
  overspendMicros: number;
}

async function measure(implementation: Implementation, processes: number, attempts: number, seed: number, callMs: number): Promise<RunFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), `fm-bench-budget-${implementation}-`));
  try {
    const db = openDatabase(dataDir);
    runMigrations(db);
    const expectedDemand = processes * attempts * ((MIN_AMOUNT + MAX_AMOUNT) / 2);
    const limitMicros = Math.round(expectedDemand / 2);
    // Per-call and per-request caps out of the way: the bench measures the daily pool.
    updateBudgetSettings(db, { dailyMicros: limitMicros as Micros, prioritySharesPercent: { high: 100, medium: 0, low: 0 }, timeZone: 'UTC' }, 'bench');
    const plans = Array.from({ length: processes }, (_, i): ChildPlan => ({ dataDir, implementation, attempts, seed: seed + i, limitMicros, callMs }));
    let started = 0;
    let wallMs = 0;
    const outcomes = await runChildren<ChildResult>(process.argv[1]!, plans, {
      leadingArgs: ['--child'],
      onGo: () => (started = performance.now()),
      onDone: () => (wallMs = performance.now() - started),
    });
    const results = outcomes.map((o) => o.result);
    const committedMicros = Number(statement(db, 'SELECT coalesce(sum(cost_micros), 0) FROM cost_ledger WHERE paid = 1').pluck().get());
    db.close();
    const total = results.reduce((sum, r) => sum + r.attempts, 0);
    const granted = results.reduce((sum, r) => sum + r.granted, 0);
    return {
      processes,
      wallMs: Math.round(wallMs),
      attempts: total,
      granted,
      attemptsPerSecond: Math.round((total / wallMs) * 1000),
      grantedPerSecond: Math.round((granted / wallMs) * 1000),
      limitMicros,
      committedMicros,
      overspendMicros: Math.max(0, committedMicros - limitMicros),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function summarise(runs: RunFigures[]) {
  return {
    attemptsPerSecond: median(runs.map((r) => r.attemptsPerSecond)),
    grantedPerSecond: median(runs.map((r) => r.grantedPerSecond)),
    overspendMicros: { median: median(runs.map((r) => r.overspendMicros)), max: Math.max(...runs.map((r) => r.overspendMicros)) },
    runs,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { child: { type: 'string' }, attempts: { type: 'string', default: '300' }, reps: { type: 'string', default: '3' }, processes: { type: 'string', default: '2,4,8' }, 'call-ms': { type: 'string', default: '0' } },
  });
  if (values.child) return runChild(childPlan<ChildPlan>());

  const attempts = Number(values.attempts);
  const reps = Number(values.reps);
  const counts = values.processes.split(',').map(Number);
  const callMs = Number(values['call-ms']);
  const bad = (n: number, max: number) => !Number.isInteger(n) || n < 0 || n > max;
  if (bad(attempts, 1e6) || attempts < 1 || bad(reps, 100) || reps < 1 || bad(callMs, 10_000) || counts.some((n) => bad(n, 64) || n < 1)) {
    process.stderr.write('Usage: node bench/lib/run.mjs budget [--attempts N] [--reps N] [--processes 2,4,8] [--call-ms N]\n');
    process.exit(2);
  }

  // Warm-up, not reported: the first processes of a run pay for cold file caches.
  for (const implementation of ['atomic', 'naive'] as const) await measure(implementation, 2, 50, 7, 0);

  const results = [];
  for (const processes of counts) {
    const byImplementation: Record<Implementation, RunFigures[]> = { atomic: [], naive: [] };
    for (let rep = 0; rep < reps; rep++) {
      // Alternate which goes first, so neither always runs on a warmer machine.
      const order: Implementation[] = rep % 2 === 0 ? ['atomic', 'naive'] : ['naive', 'atomic'];
      for (const implementation of order) {
        const figures = await measure(implementation, processes, attempts, 1_000 * rep + processes, callMs);
        byImplementation[implementation].push(figures);
        progress(`${implementation} × ${processes} processes, rep ${rep + 1}: ${figures.attemptsPerSecond} attempts/s, overspend ${figures.overspendMicros} µ$`);
      }
    }
    const atomic = summarise(byImplementation.atomic);
    const naive = summarise(byImplementation.naive);
    results.push({ processes, atomic, naive, atomicToNaiveSpeed: ratio(atomic.attemptsPerSecond, naive.attemptsPerSecond) });
  }

  printReport('budget', {
    description: 'reserve+commit attempts per second on one SQLite file, and micro-dollars committed over the daily limit',
    anchor: 'naive: read the day total, then insert the charge in a separate write (check-then-increment)',
    config: { attemptsPerProcess: attempts, reps, processes: counts, callMs, amountMicros: [MIN_AMOUNT, MAX_AMOUNT], limit: 'half the expected demand' },
    results,
    overspendMicros: {
      atomicMax: Math.max(...results.map((r) => r.atomic.overspendMicros.max)),
      naiveMax: Math.max(...results.map((r) => r.naive.overspendMicros.max)),
    },
  });
}

await main();
