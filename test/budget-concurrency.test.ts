import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetStatus, expireOrphanedReservations, reserveBudget, updateBudgetSettings } from '../src/core/cost';
import { parseUsd } from '../src/core/money';
import { openDatabase, runMigrations, type Db } from '../src/core/store';
import type { ChildPlan } from './fixtures/budget/budget-child';
import { bundleForChildren, exitCodeOf, forkChild, nextMessage, type ChildBundle } from './fixtures/children';

/**
 * The promise of the product: never a cent over budget, whatever the concurrency or crashes.
 * Ten OS processes spend ONE small budget at once; four of them are SIGKILLed: two while holding
 * a reservation on purpose (amid the others' spending) and two at random moments mid-loop. Then
 * the ledger must show not one micro-dollar over any limit, every charge a child was granted and
 * committed, and the money the dead processes held must come back once their reservations time
 * out.
 */

const DAILY = parseUsd('0.50');
const SHARES = { high: 60, medium: 30, low: 10 } as const;
const TTL_MS = 4_000;
const HOLD_MICROS = 20_000;
const ROLES: ChildPlan['role'][] = ['spender', 'spender', 'spender', 'spender', 'spender', 'spender', 'doomed', 'doomed', 'victim', 'victim'];

interface Committed {
  child: number;
  reservationId: string;
  ledgerId: string;
  costMicros: number;
}

describe('budget reservations across processes', () => {
  let bundle: ChildBundle<'budget-child'>;
  let dataDir: string;
  let db: Db;
  beforeAll(async () => {
    bundle = await bundleForChildren({ 'budget-child': 'test/fixtures/budget/budget-child.ts' }, 'budget-tests');
    dataDir = mkdtempSync(join(tmpdir(), 'fm-budget-concurrency-'));
    db = openDatabase(dataDir);
    runMigrations(db);
    updateBudgetSettings(db, { dailyMicros: DAILY, prioritySharesPercent: { ...SHARES }, timeZone: 'UTC' }, 'concurrency test');
  });
  afterAll(() => {
    db?.close();
    bundle?.remove();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('never commits a micro-dollar over the limit, loses no granted charge, and frees what killed holders held', { timeout: 120_000 }, async () => {
    const seed = Date.now() % 1_000_000;
    const plans: ChildPlan[] = ROLES.map((role, index) => ({
      dataDir,
      role,
      index,
      seed: seed + index,
      minAmountMicros: 100,
      maxAmountMicros: 1_500,
      holdMicros: HOLD_MICROS,
      ttlMs: TTL_MS,
      stopAfterRefusals: 40,
      maxAttempts: 3_000,
    }));
    const run = await runChildren(bundle.files['budget-child'], plans);

    // Every child either finished cleanly or was killed by us; none hit an error.
    const victims = run.children.filter((c) => c.plan.role === 'victim');
    expect(victims.every((c) => c.killed), `seed ${seed}`).toBe(true);
    for (const child of run.children.filter((c) => !c.killed)) {
      expect(child.exitCode, `child ${child.plan.index}`).toBe(0);
      expect(child.done?.errors, `child ${child.plan.index}`).toEqual([]);
      // The budget was always readable: waits for the write lock never ran out.
      expect(child.done?.refusals['budget-unreadable'] ?? 0).toBe(0);
    }
    expect(run.children.filter((c) => c.killed).length).toBeGreaterThanOrEqual(3);
    expect(run.committed.length).toBeGreaterThan(50);

    // Not one micro-dollar over the day's limit, nor over any priority's share.
    const perDay = db.prepare("SELECT day, sum(cost_micros) AS total FROM cost_ledger WHERE paid = 1 GROUP BY day").all() as { day: string; total: number }[];
    for (const { day, total } of perDay) expect(total, `day ${day}, seed ${seed}`).toBeLessThanOrEqual(DAILY);
    const perPriority = db.prepare('SELECT day, priority, sum(cost_micros) AS total FROM cost_ledger WHERE paid = 1 GROUP BY day, priority').all() as { day: string; priority: keyof typeof SHARES; total: number }[];
    for (const { priority, total } of perPriority) expect(total, `${priority}, seed ${seed}`).toBeLessThanOrEqual((DAILY * SHARES[priority]) / 100);

    // Nothing granted is lost: every commit a child reported is in the ledger, at its amount.
    const ledger = new Map((db.prepare('SELECT id, cost_micros, reservation_id FROM cost_ledger WHERE paid = 1').all() as { id: string; cost_micros: number; reservation_id: string }[]).map((r) => [r.id, r]));
    for (const commit of run.committed) {
      expect(ledger.get(commit.ledgerId), `ledger row of child ${commit.child}`).toMatchObject({ cost_micros: commit.costMicros, reservation_id: commit.reservationId });
    }
    // The ledger and the committed reservations agree, row for row and in total.
    const committedReservations = db.prepare("SELECT id, committed_micros, ledger_id FROM budget_reservations WHERE state = 'committed'").all() as { id: string; committed_micros: number; ledger_id: string }[];
    expect(committedReservations.length).toBe(ledger.size);
    for (const reservation of committedReservations) expect(ledger.get(reservation.ledger_id)?.cost_micros).toBe(reservation.committed_micros);
    const ledgerSum = [...ledger.values()].reduce((sum, row) => sum + row.cost_micros, 0);
    expect(committedReservations.reduce((sum, r) => sum + r.committed_micros, 0)).toBe(ledgerSum);

    // Only the killed processes can still hold money, and it is counted as reserved.
    const now = new Date();
    const killedPids = new Set(run.children.filter((c) => c.killed).map((c) => c.pid));
    const stillOpen = db.prepare("SELECT amount_micros, holder, expires_at FROM budget_reservations WHERE state = 'open' AND expires_at > ?").all(now.toISOString()) as { amount_micros: number; holder: string; expires_at: string }[];
    for (const open of stillOpen) expect(killedPids.has(Number(/pid (\d+)$/.exec(open.holder)?.[1]))).toBe(true);
    const held = stillOpen.reduce((sum, r) => sum + r.amount_micros, 0);
    const before = budgetStatus(db, now);
    expect(before.daily.reservedMicros).toBe(held);
    expect(before.daily.committedMicros + before.daily.reservedMicros).toBeLessThanOrEqual(DAILY);

    // After the timeout their reservations expire and the money is available again.
    const lastExpiry = Math.max(now.getTime(), ...stillOpen.map((r) => Date.parse(r.expires_at)));
    await sleep(lastExpiry - Date.now() + 50);
    expireOrphanedReservations(db);
    expect(db.prepare("SELECT count(*) FROM budget_reservations WHERE state = 'open'").pluck().get()).toBe(0);
    const after = budgetStatus(db);
    expect(after.daily.reservedMicros).toBe(0);
    expect(after.daily.remainingMicros).toBe(before.daily.remainingMicros + held);
    expect(run.holds.map((h) => h.amountMicros)).toEqual([HOLD_MICROS, HOLD_MICROS]);
    for (const hold of run.holds) {
      expect(db.prepare('SELECT state FROM budget_reservations WHERE id = ?').pluck().get(hold.reservationId)).toBe('expired');
    }
    if (after.priorities.high.remainingMicros > 0) {
      const reclaim = reserveBudget(db, { service: 'test', source: 'google-static-maps', operation: 'static-map', amountMicros: after.priorities.high.remainingMicros, priority: 'high' });
      expect(reclaim.granted).toBe(true);
    }
  });
});

interface ChildRun {
  plan: ChildPlan;
  pid: number;
  killed: boolean;
  exitCode: number | null;
  done: { attempts: number; granted: number; refusals: Record<string, number>; errors: string[] } | null;
}

/**
 * Forks every child; lets the victims take their holds first (so a fast spender cannot use the
 * whole budget before a victim gets its hold), then starts the rest and kills the victims while
 * the others spend; doomed children are killed at a random moment after their first commit.
 */
async function runChildren(script: string, plans: ChildPlan[]): Promise<{ children: ChildRun[]; committed: Committed[]; holds: { reservationId: string; amountMicros: number }[] }> {
  const committed: Committed[] = [];
  const holds: { reservationId: string; amountMicros: number }[] = [];
  const processes: ChildProcess[] = plans.map((plan) => forkChild(script, plan));
  const runs: ChildRun[] = plans.map((plan, i) => ({ plan, pid: processes[i]!.pid!, killed: false, exitCode: null, done: null }));
  const isVictim = (i: number) => plans[i]!.role === 'victim';
  const kill = (i: number) => {
    if (runs[i]!.exitCode !== null || runs[i]!.killed) return;
    runs[i]!.killed = true;
    processes[i]!.kill('SIGKILL');
  };
  try {
    const ready = processes.map((child) => nextMessage(child, 'ready'));
    const exited = processes.map(async (child, i) => {
      runs[i]!.exitCode = await exitCodeOf(child);
    });
    await Promise.all(ready);

    let victimsHolding!: () => void;
    const allHolding = new Promise<void>((resolve) => (victimsHolding = resolve));
    const victimCount = plans.filter((_, i) => isVictim(i)).length;
    let othersCommitted = 0;
    processes.forEach((child, i) => {
      let commits = 0;
      child.on('message', (message: { type: string } & Record<string, unknown>) => {
        if (message.type === 'committed') {
          committed.push({ child: i, reservationId: String(message.reservationId), ledgerId: String(message.ledgerId), costMicros: Number(message.costMicros) });
          commits++;
          if (plans[i]!.role === 'doomed' && commits === 1) setTimeout(() => kill(i), Math.floor(Math.random() * 30));
          // Kill the victims, still holding, once the others are well under way.
          if (!isVictim(i) && ++othersCommitted === 20) plans.forEach((_, v) => isVictim(v) && kill(v));
        } else if (message.type === 'holding' || message.type === 'hold-refused') {
          if (message.type === 'holding') holds.push({ reservationId: String(message.reservationId), amountMicros: Number(message.amountMicros) });
          else kill(i);
          if (holds.length + plans.filter((_, v) => isVictim(v) && runs[v]!.killed).length === victimCount) victimsHolding();
        } else if (message.type === 'done') {
          runs[i]!.done = message as unknown as ChildRun['done'];
        }
      });
    });
    processes.forEach((child, i) => isVictim(i) && child.send({ type: 'go' }));
    await allHolding;
    processes.forEach((child, i) => !isVictim(i) && child.send({ type: 'go' }));
    // Should the others finish before 20 commits, the victims still die holding.
    await Promise.all(exited.filter((_, i) => !isVictim(i)));
    plans.forEach((_, v) => isVictim(v) && kill(v));
    await Promise.all(exited);
    return { children: runs, committed, holds };
  } finally {
    for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
