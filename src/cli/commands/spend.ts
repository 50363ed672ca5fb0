import { existsSync } from 'node:fs';
import { z } from 'zod';
import { budgetDay } from '../../core/cost/budget-day';
import { getBudgetSettings } from '../../core/cost/budget-settings';
import { getEmergencyOpening } from '../../core/cost/emergency';
import { spendReport, spendSummary } from '../../core/cost/spend';
import { SPEND_GROUPINGS, spendDaySchema, type SpendFigures, type SpendReport, type SpendSummary } from '../../core/cost/spend-schemas';
import { resolveDataDir } from '../../core/data-dir';
import { formatUsd, micros } from '../../core/money';
import { databasePath, openDatabase, runMigrations, StoreError, type Db } from '../../core/store';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { formatTable } from '../format';
import { DATA_HELP, dataOption } from '../options';

/**
 * `fishmouth spend`: the spend report from the cost ledger, grouped by day, service, source,
 * territory or batch, with today's summary. Reads the data folder directly (no host needed).
 */

const spendArgs = z
  .object({
    json: z.boolean().optional(),
    data: dataOption.optional(),
    since: spendDaySchema.optional(),
    until: spendDaySchema.optional(),
    by: z.enum(SPEND_GROUPINGS, { message: `must be one of ${SPEND_GROUPINGS.join(', ')}` }).optional(),
    positionals: z.array(z.string()).max(0, 'spend takes no other arguments'),
  })
  .refine((args) => !args.since || !args.until || args.since <= args.until, { message: 'must not be after --until', path: ['since'] });
type SpendArgs = z.output<typeof spendArgs>;

export const spendCommand = defineCommand({
  name: 'spend',
  summary: 'report data spend from the cost ledger: by day, service, source, territory or batch',
  usage: 'fishmouth spend [--by day|service|source|territory|batch] [--since DATE] [--until DATE] [--json] [--data DIR]',
  help: [
    'Reads the cost ledger of the data folder, with or without a running Fish Mouth.',
    '',
    '  --by G            group by day (default), service, source, territory or batch',
    '  --since DATE      first budget day to include, YYYY-MM-DD (default: the first one)',
    '  --until DATE      last budget day to include, YYYY-MM-DD (default: the last one)',
    "  --json            print one JSON document: { ok, report, today } (today's summary)",
    DATA_HELP,
    '',
    'Columns: attempts (every try, free or paid, hit or miss), paid calls made, cost, cache hits,',
    'results from free sources, what every attempt would have cost at list price, and the savings',
    '(list price minus cost). Amounts are integer micro-dollars in JSON (1 USD = 1,000,000).',
    'Exit code: 0 done, 1 no database or failure, 2 wrong arguments.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    by: { type: 'string' },
  },
  args: spendArgs,
  run: (args, ctx) => runSpend(args, ctx),
});

async function runSpend(args: SpendArgs, ctx: CliContext): Promise<ExitCode> {
  const dataDir = resolveDataDir(args.data, ctx.env);
  const { fail } = commandOutput(ctx, args.json, 'fishmouth spend');
  // A report never creates a database: a mistyped --data should say so, not show $0.00.
  if (!existsSync(databasePath(dataDir))) {
    return fail('no-database', `There is no Fish Mouth database in ${dataDir}; start Fish Mouth once, or pass the right --data folder.`);
  }
  let db: Db;
  try {
    db = openDatabase(dataDir);
    runMigrations(db);
  } catch (error) {
    return fail(error instanceof StoreError ? error.kind : 'cannot-open', (error as Error).message);
  }
  try {
    const report = spendReport(db, { by: args.by ?? 'day', since: args.since, until: args.until });
    const today = todaySummary(db);
    if (args.json) ctx.stdout.write(`${JSON.stringify({ ok: true, report, today })}\n`);
    else ctx.stdout.write(`${formatReport(report)}\n\n${formatToday(today)}\n`);
    return EXIT.ok;
  } catch (error) {
    return fail(error instanceof StoreError ? error.kind : 'failure', (error as Error).message);
  } finally {
    db.close();
  }
}

function todaySummary(db: Db): SpendSummary {
  const now = new Date();
  const settings = getBudgetSettings(db);
  const day = budgetDay(now, settings.timeZone);
  const limit = settings.dailyMicros + (getEmergencyOpening(db, day)?.amountMicros ?? 0);
  return spendSummary(db, { day, timeZone: settings.timeZone, limitMicros: micros(limit), now });
}

const HEADINGS: Record<SpendReport['by'], string> = { day: 'DAY', service: 'SERVICE', source: 'SOURCE', territory: 'TERRITORY', batch: 'BATCH' };

/** The report as a table, totals last. */
export function formatReport(report: SpendReport): string {
  const range = report.since || report.until ? `${report.since ?? 'the first day'} to ${report.until ?? 'the last day'}` : 'all days';
  if (report.rows.length === 0) return `No ledger entries for ${range}.`;
  const cells = (label: string, f: SpendFigures) => [
    label,
    String(f.attempts),
    String(f.paidCalls),
    formatUsd(f.costMicros),
    String(f.cacheHits),
    String(f.freeResults),
    formatUsd(f.listPriceMicros),
    formatUsd(f.savingsMicros),
    formatRate(f.freeSourceRate),
  ];
  const table = formatTable(
    [HEADINGS[report.by], 'ATTEMPTS', 'PAID', 'COST', 'CACHE HITS', 'FREE RESULTS', 'LIST PRICE', 'SAVINGS', 'FREE RATE'],
    [...report.rows.map((row) => cells(row.label, row)), cells('total', report.totals)],
    new Set([1, 2, 3, 4, 5, 6, 7, 8]),
  );
  return `Spend by ${report.by}, ${range}\n\n${table}`;
}

/** Today's line: spent against the limit, reserved, projection, rates and savings. */
export function formatToday(today: SpendSummary): string {
  return [
    `Today (${today.day}, ${today.timeZone}): ${formatUsd(today.spentMicros)} spent of ${formatUsd(today.limitMicros)} (${formatRate(today.utilisation)}), ` +
      `${formatUsd(today.reservedMicros)} reserved, ${formatUsd(today.remainingMicros)} left; projected ${formatUsd(today.projectedMicros)} by the end of the day.`,
    `Free-source rate ${formatRate(today.freeSourceRate)}, cache-hit rate ${formatRate(today.cacheHitRate)}; ` +
      `savings versus paying for every call ${formatUsd(today.savingsMicros)}.`,
  ].join('\n');
}

function formatRate(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`;
}
