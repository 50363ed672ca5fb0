import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Micros } from '../money';
import { openDatabase, type Db } from '../store';
import { budgetDay } from './budget-day';
import { updateBudgetSettings } from './budget-settings';
import { fireBudgetAlerts } from './alerts';
import { costTestDb, writeLedgerRow } from './cost.testkit';
import type { BudgetAlert } from './spend-schemas';
import { SpendWatcher } from './spend-watch';

let dir: string;
let cleanup: () => void;
const connections: Db[] = [];
const watchers: SpendWatcher<number>[] = [];
beforeEach(() => {
  let db: Db;
  ({ db, dir, cleanup } = costTestDb('fm-watch-'));
  updateBudgetSettings(db, { timeZone: 'UTC', dailyMicros: 1_000_000 as Micros }, 'test');
  db.close();
});
afterEach(() => {
  watchers.splice(0).forEach((w) => w.stop());
  connections.splice(0).forEach((c) => c.close());
  cleanup();
});

function connect(): Db {
  const db = openDatabase(dir);
  connections.push(db);
  return db;
}

/** A watcher on its own connection that records what it reports. */
function watch() {
  const db = connect();
  const seen = { changes: [] as number[], alerts: [] as BudgetAlert[], errors: [] as unknown[] };
  const watcher = new SpendWatcher<number>({
    db,
    intervalMs: 10,
    snapshot: () => Number(db.prepare('SELECT coalesce(sum(cost_micros), 0) FROM cost_ledger').pluck().get()),
    onChange: (spent) => seen.changes.push(spent),
    onAlert: (alert) => seen.alerts.push(alert),
    onError: (error) => seen.errors.push(error),
  });
  watchers.push(watcher);
  watcher.start();
  return seen;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

const today = () => budgetDay(new Date(), 'UTC');
const charge = (db: Db, costMicros: number) =>
  writeLedgerRow(db, { day: today(), source: 'google-static-maps', paid: true, costMicros, listPriceMicros: costMicros, outcome: 'hit' });

describe('SpendWatcher', () => {
  it('reports spend written by another connection, and each alert once to every watcher', async () => {
    const first = watch();
    const second = watch();
    await until(() => first.changes.length > 0 && second.changes.length > 0, 'the first snapshots');
    expect(first.changes.at(-1)).toBe(0);

    // Another process (the CLI) charges the budget and records the alert itself.
    const cli = connect();
    charge(cli, 600_000);
    const firedByCli = fireBudgetAlerts(cli);
    expect(firedByCli.map((a) => a.thresholdPercent)).toEqual([50]);

    await until(() => first.changes.at(-1) === 600_000 && second.changes.at(-1) === 600_000, 'the new spend');
    await until(() => first.alerts.length === 1 && second.alerts.length === 1, 'the alert');

    // A crossing nobody recorded yet is recorded by exactly one watcher and shown by both.
    charge(cli, 200_000);
    await until(() => first.alerts.length === 2 && second.alerts.length === 2, 'the 80% alert');
    expect(first.alerts.map((a) => a.thresholdPercent)).toEqual([50, 80]);
    expect(second.alerts.map((a) => a.thresholdPercent)).toEqual([50, 80]);
    expect(cli.prepare("SELECT count(*) FROM audit_log WHERE action = 'budget.alert'").pluck().get()).toBe(2);
    expect(first.errors).toEqual([]);
  });

  it('does not repeat alerts recorded before it started', async () => {
    const cli = connect();
    charge(cli, 900_000);
    expect(fireBudgetAlerts(cli)).toHaveLength(2);
    const late = watch();
    await until(() => late.changes.length > 0, 'the first snapshot');
    charge(cli, 50_000);
    await until(() => late.changes.at(-1) === 950_000, 'the new spend');
    expect(late.alerts).toEqual([]);
  });

  it('notices a reservation expiring, which no write announces', async () => {
    const cli = connect();
    const soon = new Date(Date.now() + 300).toISOString();
    cli
      .prepare(
        `INSERT INTO budget_reservations (id, day, service, source, operation, priority, pool, amount_micros, holder, state, created_at, expires_at)
         VALUES ('r1', ?, 'scraper', 'google-static-maps', 'imagery', 'high', 'daily', 100000, 'dead process', 'open', ?, ?)`,
      )
      .run(today(), new Date().toISOString(), soon);
    const db = connect();
    let snapshots = 0;
    const watcher = new SpendWatcher<null>({ db, intervalMs: 10, timeCheckMs: 50, snapshot: () => null, onChange: () => snapshots++, onAlert: () => undefined, onError: () => undefined });
    watchers.push(watcher as unknown as SpendWatcher<number>);
    watcher.start();
    await until(() => snapshots === 1, 'the first snapshot');
    await until(() => snapshots === 2, 'the expiry');
  });
});
