import { userInfo } from 'node:os';
import { z } from 'zod';
import {
  budgetStatus,
  commitReservation,
  isValidTimeZone,
  openEmergencyBudget,
  releaseReservation,
  reserveBudget,
  updateBudgetSettings,
  type BudgetSettings,
  type BudgetStatus,
  type Priority,
} from '../../core/cost';
import { resolveDataDir } from '../../core/data-dir';
import { formatUsd, safeParseUsd, type Micros } from '../../core/money';
import { openDatabase, runMigrations, StoreError, type Db } from '../../core/store';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { formatTable } from '../format';
import { DATA_HELP, dataOption } from '../options';

/**
 * `fishmouth budget set|status|reserve|emergency`: the budget from outside the app. Each opens
 * the database itself (and migrates it, as the host does), so it works with or without a running
 * host; reservations are atomic across processes, so it is safe beside one.
 */

const ACTIONS = ['set', 'status', 'reserve', 'emergency'] as const;
type Action = (typeof ACTIONS)[number];

/** Which options each action takes; anything else is a usage error, not silently ignored. */
const ACTION_OPTIONS: Record<Action, readonly string[]> = {
  set: ['daily', 'emergency', 'per-call', 'per-request', 'time-zone', 'actor'],
  status: [],
  reserve: ['service', 'amount', 'priority', 'source', 'operation', 'request'],
  emergency: ['reason', 'actor'],
};

const usdOption = z.string().transform((text, ctx) => {
  const parsed = safeParseUsd(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.error.message });
    return z.NEVER;
  }
  return parsed.value;
});

const nameOption = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

const rawArgs = z.object({
  json: z.boolean().optional(),
  data: dataOption.optional(),
  daily: usdOption.optional(),
  emergency: usdOption.optional(),
  'per-call': usdOption.optional(),
  'per-request': usdOption.optional(),
  'time-zone': z.string().refine(isValidTimeZone, 'must be an IANA time zone such as America/Chicago or UTC').optional(),
  actor: nameOption.optional(),
  service: nameOption.optional(),
  amount: usdOption.pipe(z.custom<Micros>((n) => typeof n === 'number' && n > 0, 'must be more than $0')).optional(),
  priority: z.enum(['high', 'medium', 'low'], { message: 'must be high, medium or low' }).optional(),
  source: nameOption.optional(),
  operation: nameOption.optional(),
  request: nameOption.optional(),
  reason: z.string().trim().min(3, 'must say why (at least 3 characters)').max(1_000, 'must be under 1,000 characters').optional(),
  positionals: z.array(z.string()),
});
type RawArgs = z.output<typeof rawArgs>;

const budgetArgs = rawArgs.superRefine((args, ctx) => {
  const [action, ...extra] = args.positionals;
  if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) {
    ctx.addIssue({ code: 'custom', path: ['positionals'], message: action === undefined ? 'say what to do: set, status, reserve or emergency' : `unknown action "${action}" (use set, status, reserve or emergency)` });
    return;
  }
  if (extra.length > 0) ctx.addIssue({ code: 'custom', path: ['positionals'], message: `unexpected argument "${extra[0]}"` });
  const allowed = ACTION_OPTIONS[action as Action];
  for (const option of Object.keys(ACTION_OPTIONS).flatMap((a) => ACTION_OPTIONS[a as Action])) {
    if (args[option as keyof RawArgs] !== undefined && !allowed.includes(option)) {
      ctx.addIssue({ code: 'custom', path: [option], message: `is not an option of budget ${action}` });
    }
  }
  if (action === 'set' && !['daily', 'emergency', 'per-call', 'per-request', 'time-zone'].some((o) => args[o as keyof RawArgs] !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['positionals'], message: 'budget set needs at least one of --daily, --emergency, --per-call, --per-request, --time-zone' });
  }
  if (action === 'reserve') {
    if (args.service === undefined) ctx.addIssue({ code: 'custom', path: ['service'], message: 'is required: the service the charge is for' });
    if (args.amount === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is required: the charge in dollars, e.g. 0.50' });
  }
  if (action === 'emergency' && args.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required: why the emergency budget is needed' });
});
type BudgetArgs = z.output<typeof budgetArgs>;

export const budgetCommand = defineCommand({
  name: 'budget',
  summary: 'see and set the data budget, charge it, open the emergency budget',
  usage: 'fishmouth budget set|status|reserve|emergency [options] [--json] [--data DIR]',
  help: [
    'Works on the data folder directly, with or without a running Fish Mouth.',
    '',
    '  budget set --daily USD [--emergency USD] [--per-call USD] [--per-request USD] [--time-zone TZ] [--actor NAME]',
    '      change the limits (a new settings version, recorded in the audit log)',
    '  budget status',
    "      today's limits, committed, reserved and remaining, per pool and per priority",
    '  budget reserve --service NAME --amount USD [--priority high|medium|low] [--source S] [--operation O] [--request ID]',
    '      reserve AND commit a real charge of that amount as one ledger row (source "manual",',
    '      operation "cli-charge" unless given); priority defaults to medium',
    '  budget emergency --reason TEXT [--actor NAME]',
    "      open today's emergency budget (once a day; recorded in the audit log)",
    '',
    '  --json            print exactly one JSON document',
    DATA_HELP,
    '',
    'Amounts are dollars: 10, 0.50, $1,250.00 (at most 6 decimal places).',
    'Exit code: 0 done, 1 failure, 2 wrong arguments, 3 the budget refused the charge.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    daily: { type: 'string' },
    emergency: { type: 'string' },
    'per-call': { type: 'string' },
    'per-request': { type: 'string' },
    'time-zone': { type: 'string' },
    actor: { type: 'string' },
    service: { type: 'string' },
    amount: { type: 'string' },
    priority: { type: 'string' },
    source: { type: 'string' },
    operation: { type: 'string' },
    request: { type: 'string' },
    reason: { type: 'string' },
  },
  allowPositionals: true,
  args: budgetArgs,
  run: (args, ctx) => runBudget(args, ctx),
});

async function runBudget(args: BudgetArgs, ctx: CliContext): Promise<ExitCode> {
  const action = args.positionals[0] as Action;
  const dataDir = resolveDataDir(args.data, ctx.env);
  const { print, fail } = commandOutput(ctx, args.json, `fishmouth budget ${action}`);

  let db: Db;
  try {
    db = openDatabase(dataDir);
    runMigrations(db);
  } catch (error) {
    return fail(error instanceof StoreError ? error.kind : 'cannot-open', error instanceof Error ? error.message : String(error), EXIT.failure);
  }
  try {
    switch (action) {
      case 'set':
        return runSet(db, args, print);
      case 'status': {
        const status = budgetStatus(db);
        print(status, formatStatus(status));
        return EXIT.ok;
      }
      case 'reserve':
        return runReserve(db, args, print, fail);
      case 'emergency': {
        const opening = openEmergencyBudget(db, { actor: args.actor ?? defaultActor(), reason: args.reason! });
        print(
          { ok: true, ...opening },
          opening.alreadyOpen
            ? `The emergency budget for ${opening.day} was already opened by ${opening.actor} at ${opening.openedAt} (${opening.reason}).`
            : `Opened the emergency budget for ${opening.day}: ${formatUsd(opening.amountMicros)} more, by ${opening.actor} (${opening.reason}). Recorded in the audit log.`,
        );
        return EXIT.ok;
      }
    }
  } catch (error) {
    if (error instanceof StoreError && error.kind === 'invalid-input') return fail(error.kind, error.message, EXIT.usage);
    return fail(error instanceof StoreError ? error.kind : 'failure', error instanceof Error ? error.message : String(error), EXIT.failure);
  } finally {
    db.close();
  }
}

type Print = (document: unknown, text: string) => void;

function runSet(db: Db, args: BudgetArgs, print: Print): ExitCode {
  const patch: Partial<BudgetSettings> = {};
  if (args.daily !== undefined) patch.dailyMicros = args.daily;
  if (args.emergency !== undefined) patch.emergencyMicros = args.emergency;
  if (args['per-call'] !== undefined) patch.perCallCapMicros = args['per-call'];
  if (args['per-request'] !== undefined) patch.perRequestCapMicros = args['per-request'];
  if (args['time-zone'] !== undefined) patch.timeZone = args['time-zone'];
  const actor = args.actor ?? defaultActor();
  const settings = updateBudgetSettings(db, patch, actor);
  print(
    { ok: true, settings },
    [
      `Budget settings version ${settings.version} saved by ${actor}:`,
      `  daily ${formatUsd(settings.dailyMicros)}, emergency ${formatUsd(settings.emergencyMicros)}, per call ${formatUsd(settings.perCallCapMicros)}, per request ${formatUsd(settings.perRequestCapMicros)}`,
      `  priority shares high ${settings.prioritySharesPercent.high}% / medium ${settings.prioritySharesPercent.medium}% / low ${settings.prioritySharesPercent.low}%, days start at midnight ${settings.timeZone}`,
    ].join('\n'),
  );
  return EXIT.ok;
}

function runReserve(db: Db, args: BudgetArgs, print: Print, fail: (kind: string, message: string, code: ExitCode) => ExitCode): ExitCode {
  const priority: Priority = args.priority ?? 'medium';
  const result = reserveBudget(db, {
    service: args.service!,
    source: args.source ?? 'manual',
    operation: args.operation ?? 'cli-charge',
    amountMicros: args.amount!,
    priority,
    requestId: args.request ?? null,
    holder: `fishmouth budget reserve (pid ${process.pid})`,
  });
  if (!result.granted) {
    print({ granted: false, refusal: result.refusal }, `Refused (${result.refusal.kind}): ${result.refusal.message}`);
    return EXIT.refused;
  }
  const { reservation } = result;
  let committed: ReturnType<typeof commitReservation>;
  try {
    committed = commitReservation(db, reservation.id, { costMicros: reservation.amountMicros, ledger: { cacheHit: false, outcome: 'hit', message: 'charged with fishmouth budget reserve' } });
  } catch (error) {
    releaseReservation(db, reservation.id, 'the CLI charge could not be committed');
    return fail('commit-failed', error instanceof Error ? error.message : String(error), EXIT.failure);
  }
  const status = budgetStatus(db);
  print(
    { granted: true, reservation: { ...reservation, state: 'committed' }, entry: committed.entry, status },
    [
      `Charged ${formatUsd(committed.entry.costMicros)} to ${reservation.service} (${reservation.source} ${reservation.operation}), ${priority} priority, ${reservation.pool} pool.`,
      `Ledger entry ${committed.entry.id} on ${committed.entry.day}. Today: ${formatUsd(status.total.committedMicros as Micros)} committed, ${formatUsd(status.total.remainingMicros as Micros)} left.`,
    ].join('\n'),
  );
  return EXIT.ok;
}

function formatStatus(status: BudgetStatus): string {
  const usd = (n: number) => formatUsd(n as Micros);
  const row = (label: string, f: { limitMicros: number; committedMicros: number; reservedMicros: number; remainingMicros: number }) => [
    label,
    usd(f.limitMicros),
    usd(f.committedMicros),
    usd(f.reservedMicros),
    usd(f.remainingMicros),
  ];
  const emergency = status.emergency;
  const rows = [
    row('daily', status.daily),
    ...(['high', 'medium', 'low'] as const).map((p) => row(`  ${p} (${status.priorities[p].sharePercent}%)`, status.priorities[p])),
    emergency.open ? row('emergency', emergency) : ['emergency', 'closed', '-', '-', '-'],
    row('total', status.total),
  ];
  return [
    `Budget for ${status.day} (${status.timeZone}), settings version ${status.settingsVersion}`,
    '',
    formatTable(['POOL', 'LIMIT', 'COMMITTED', 'RESERVED', 'REMAINING'], rows, new Set([1, 2, 3, 4])),
    '',
    `Per call at most ${usd(status.perCallCapMicros)}; per request at most ${usd(status.perRequestCapMicros)}.`,
    emergency.open
      ? `Emergency budget opened by ${emergency.openedBy} at ${emergency.openedAt}: ${emergency.reason}`
      : `Emergency budget (${usd(emergency.configuredMicros)}) is closed; a manager opens it with \`fishmouth budget emergency --reason TEXT\`.`,
  ].join('\n');
}

function defaultActor(): string {
  try {
    return `${userInfo().username} (command line)`;
  } catch {
    return 'command line';
  }
}
