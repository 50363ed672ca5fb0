import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { updateBudgetSettings } from '../../core/cost/budget-settings';
import { budgetDay } from '../../core/cost/budget-day';
import { writeLedgerRow } from '../../core/cost/cost.testkit';
import type { Micros } from '../../core/money';
import { databasePath, openDatabase, runMigrations } from '../../core/store';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { spendCommand } from './spend';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-spend-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A data folder whose ledger holds a known yesterday and today (UTC budget days). */
function seededDataDir() {
  const dir = join(root, `data-${++counter}`);
  const db = openDatabase(dir);
  runMigrations(db);
  updateBudgetSettings(db, { timeZone: 'UTC', dailyMicros: 2_000_000 as Micros }, 'test');
  const today = budgetDay(new Date(), 'UTC');
  const yesterday = budgetDay(new Date(Date.now() - 86_400_000), 'UTC');
  writeLedgerRow(db, { day: yesterday, service: 'enrichment', source: 'attom', paid: true, costMicros: 150_000, listPriceMicros: 150_000, outcome: 'hit' });
  writeLedgerRow(db, { day: today, source: 'cache', cacheHit: true, outcome: 'hit', listPriceMicros: 2_000 });
  writeLedgerRow(db, { day: today, source: 'naip', outcome: 'hit', listPriceMicros: 2_000 });
  writeLedgerRow(db, { day: today, source: 'naip', outcome: 'miss' });
  writeLedgerRow(db, { day: today, source: 'google-static-maps', paid: true, costMicros: 500_000, listPriceMicros: 500_000, outcome: 'hit' });
  db.close();
  return { dir, today, yesterday };
}

async function run(args: string[]) {
  const ctx = testContext();
  const code = await runCli(['spend', ...args], ctx, [spendCommand]);
  return { code, out: ctx.out(), err: ctx.err() };
}

describe('fishmouth spend', () => {
  it('prints one JSON document: the report by source and today at a glance', async () => {
    const { dir, today } = seededDataDir();
    const result = await run(['--json', '--by', 'source', '--since', today, '--data', dir]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.err).toBe('');
    const doc = JSON.parse(result.out);
    expect(doc.ok).toBe(true);
    expect(doc.report.by).toBe('source');
    expect(doc.report.rows.map((r: { key: string; costMicros: number; attempts: number }) => [r.key, r.costMicros, r.attempts])).toEqual([
      ['google-static-maps', 500_000, 1],
      ['naip', 0, 2],
      ['cache', 0, 1],
    ]);
    expect(doc.report.totals).toMatchObject({ attempts: 4, paidCalls: 1, costMicros: 500_000, listPriceMicros: 504_000, savingsMicros: 4_000, freeSourceRate: 2 / 3 });
    expect(doc.today).toMatchObject({ day: today, timeZone: 'UTC', spentMicros: 500_000, limitMicros: 2_000_000, utilisation: 0.25, cacheHitRate: 1 / 3 });
    expect(doc.today.projectedMicros).toBeGreaterThanOrEqual(500_000);
  });

  it('groups by day over every day by default', async () => {
    const { dir, today, yesterday } = seededDataDir();
    const doc = JSON.parse((await run(['--json', '--data', dir])).out);
    expect(doc.report.rows.map((r: { key: string; costMicros: number }) => [r.key, r.costMicros])).toEqual([
      [yesterday, 150_000],
      [today, 500_000],
    ]);
  });

  it('prints a table and today in words without --json', async () => {
    const { dir } = seededDataDir();
    const result = await run(['--by', 'service', '--data', dir]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toMatch(/^Spend by service, all days/);
    expect(result.out).toMatch(/SERVICE\s+ATTEMPTS\s+PAID\s+COST\s+CACHE HITS\s+FREE RESULTS\s+LIST PRICE\s+SAVINGS\s+FREE RATE/);
    expect(result.out).toMatch(/image-processor\s+4\s+1\s+\$0\.50\s+1\s+1\s+\$0\.504\s+\$0\.004\s+67%/);
    expect(result.out).toMatch(/total\s+5\s+2\s+\$0\.65\s/);
    expect(result.out).toMatch(/Today \(\d{4}-\d{2}-\d{2}, UTC\): \$0\.50 spent of \$2\.00 \(25%\), \$0\.00 reserved, \$1\.50 left/);
    expect(result.out).toMatch(/Free-source rate 67%, cache-hit rate 33%; savings versus paying for every call \$0\.004\./);
  });

  it('refuses bad arguments with exit 2 and names the option', async () => {
    const { dir } = seededDataDir();
    const byWeek = await run(['--by', 'week', '--data', dir]);
    expect(byWeek.code).toBe(EXIT.usage);
    expect(byWeek.err).toMatch(/--by must be one of day, service, source, territory, batch/);
    const badDay = await run(['--since', '2025-02-30', '--data', dir]);
    expect(badDay.code).toBe(EXIT.usage);
    expect(badDay.err).toMatch(/--since that day does not exist on the calendar/);
    const inverted = await run(['--since', '2025-06-03', '--until', '2025-06-01', '--data', dir]);
    expect(inverted.code).toBe(EXIT.usage);
    expect(inverted.err).toMatch(/--since must not be after --until/);
  });

  it('says there is no database instead of reporting $0.00 for a mistyped folder, and creates nothing', async () => {
    const missing = join(root, 'no-such-folder');
    const result = await run(['--json', '--data', missing]);
    expect(result.code).toBe(EXIT.failure);
    expect(JSON.parse(result.out)).toMatchObject({ ok: false, error: { kind: 'no-database', message: expect.stringContaining('no Fish Mouth database') } });
    expect(existsSync(databasePath(missing))).toBe(false);
  });
});
