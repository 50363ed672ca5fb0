import { statement, type Db } from '../store/database';
import { fireBudgetAlerts, listNewBudgetAlerts } from './alerts';
import { budgetDay } from './budget-day';
import { getBudgetSettings } from './budget-settings';
import type { BudgetAlert } from './spend-schemas';

/**
 * Notices spend changes made by ANY process sharing the database (services, the CLI, another
 * host) and reports them: a fresh snapshot when spend or the budget changed, and each new alert.
 *
 *   const watcher = new SpendWatcher({ db, snapshot, onChange, onAlert, onError });
 *   watcher.start(); … watcher.refresh() after this connection's own writes; watcher.stop();
 *
 * Note: why a short interval here and not in the renderer. SQLite has no cross-process change
 * notification (update hooks see only their own connection), and the CLI writes the ledger with
 * no link to any service, so the database is the one channel every writer shares. `PRAGMA
 * data_version` changes whenever ANOTHER connection commits; reading it costs a few microseconds
 * and no disk I/O (it lives in the WAL index in shared memory). One orchestrator doing that
 * every 250 ms, then pushing to every window and browser, replaces N clients each making RPC
 * round trips, and the renderer stays purely event-driven. Writes this connection makes itself
 * do not move data_version, hence `refresh()`.
 *
 * A cheap fingerprint (newest ledger row, open reservations, settings and price versions,
 * emergency openings, the budget day) decides whether anything spend-related changed, since
 * data_version also moves for unrelated tables. It is also re-read every few seconds regardless,
 * because two changes need no write at all: an orphaned reservation expiring, and midnight.
 */

export interface SpendWatcherOptions<S> {
  db: Db;
  /** Builds what `onChange` receives; called only when the fingerprint changed. */
  snapshot(now: Date): S;
  onChange(snapshot: S): void;
  onAlert(alert: BudgetAlert): void;
  onError(error: unknown): void;
  /** How often data_version is read. Default 250 ms. */
  intervalMs?: number;
  /** How often the fingerprint is re-read even when data_version is still. Default 5 s. */
  timeCheckMs?: number;
}

export class SpendWatcher<S> {
  private timer: ReturnType<typeof setInterval> | null = null;
  private dataVersion: number | null = null;
  private fingerprint: string | null = null;
  private lastFullCheck = 0;
  private lastAlertRowid: number;

  constructor(private readonly options: SpendWatcherOptions<S>) {
    // Alerts recorded before this watcher started were shown by whoever was watching then.
    this.lastAlertRowid = Number(statement(options.db, 'SELECT coalesce(max(rowid), 0) FROM budget_alerts').pluck().get());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 250);
    this.timer.unref?.();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Checks now, whatever data_version says (after this connection's own writes). */
  refresh(): void {
    this.check(true);
  }

  private tick(): void {
    this.check(false);
  }

  private check(force: boolean): void {
    const { db } = this.options;
    // The service closes its connection on the way out; there is nothing left to watch.
    if (!db.open) return this.stop();
    try {
      const version = Number(statement(db, 'PRAGMA data_version').pluck().get());
      const now = new Date();
      const due = now.getTime() - this.lastFullCheck >= (this.options.timeCheckMs ?? 5000);
      if (!force && !due && version === this.dataVersion) return;
      this.dataVersion = version;
      this.lastFullCheck = now.getTime();

      const fingerprint = spendFingerprint(db, now);
      if (fingerprint !== this.fingerprint) {
        // Crossings caused by writers that do not check alerts themselves are recorded here.
        fireBudgetAlerts(db, { now });
        this.options.onChange(this.options.snapshot(now));
        this.fingerprint = fingerprint;
      }
      // Alerts recorded by any process (this one just now, or the CLI) are reported once here.
      for (const { rowid, alert } of listNewBudgetAlerts(db, this.lastAlertRowid)) {
        this.lastAlertRowid = Math.max(this.lastAlertRowid, rowid);
        this.options.onAlert(alert);
      }
    } catch (error) {
      // The fingerprint is left as it was, so the next tick tries again.
      this.dataVersion = null;
      this.options.onError(error);
    }
  }
}

/** Changes whenever anything a spend summary or budget status depends on changes. */
export function spendFingerprint(db: Db, now: Date): string {
  const settings = getBudgetSettings(db);
  const day = budgetDay(now, settings.timeZone);
  const nowText = now.toISOString();
  const one = (sql: string, ...params: unknown[]) => statement(db, sql).raw().get(...params);
  return JSON.stringify([
    day,
    settings.version,
    one('SELECT max(rowid) FROM cost_ledger'),
    one(
      "SELECT count(*), coalesce(sum(amount_micros), 0), max(rowid) FROM budget_reservations WHERE state = 'open' AND day = ? AND expires_at > ?",
      day,
      nowText,
    ),
    one('SELECT max(rowid) FROM budget_reservations'),
    one('SELECT count(*), max(opened_at) FROM budget_emergency WHERE day = ?', day),
    one('SELECT max(version) FROM price_tables'),
  ]);
}
