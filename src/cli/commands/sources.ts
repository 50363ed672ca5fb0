import { userInfo } from 'node:os';
import { z } from 'zod';
import {
  baseUrlSchema,
  burstSchema,
  dailyCapSchema,
  ratePerSecondSchema,
  sourceIdSchema,
  userAgentSchema,
  type SourceSettings,
  type SourceSettingsList,
  type SourceSettingsPatch,
} from '../../core/contracts/sources-api';
import { changeSourceSettings, listSourceSettings } from '../../core/cost/source-settings';
import { SourcePolicyError } from '../../core/cost/source-policy';
import { resolveDataDir } from '../../core/data-dir';
import { openDatabase, runMigrations, StoreError, type Db } from '../../core/store';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { formatTable } from '../format';
import { DATA_HELP, dataOption } from '../options';

/**
 * `fishmouth sources [list]` and `fishmouth sources set ID …`: Settings → Data sources from the
 * command line. Opens the data folder directly (and migrates it, as the host does), like
 * `budget`; every service reads the settings afresh on its next call, so a running Fish Mouth
 * picks a change up without a restart.
 */

const SETTING_OPTIONS = ['rate', 'burst', 'daily-cap', 'base-url', 'user-agent', 'enable', 'disable'] as const;

/** Decimal text only: "0x10", "1e3" and "" are typos here, not numbers. */
const numberText = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, 'must be a number, like 2 or 0.5')
  .transform(Number);

/** A whole number of requests a day, or "none" for no cap. */
const dailyCapText = z
  .string()
  .trim()
  .transform((text, ctx) => {
    if (text.toLowerCase() === 'none') return null;
    const parsed = numberText.pipe(dailyCapSchema.unwrap()).safeParse(text);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'must be a whole number of requests a day, or none' });
    return z.NEVER;
  });

const rawArgs = z.object({
  json: z.boolean().optional(),
  data: dataOption.optional(),
  rate: numberText.pipe(ratePerSecondSchema).optional(),
  burst: numberText.pipe(burstSchema).optional(),
  'daily-cap': dailyCapText.optional(),
  'base-url': baseUrlSchema.optional(),
  'user-agent': userAgentSchema.optional(),
  enable: z.boolean().optional(),
  disable: z.boolean().optional(),
  reset: z.boolean().optional(),
  actor: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  positionals: z.array(z.string()),
});

const sourcesArgs = rawArgs.superRefine((args, ctx) => {
  const [action = 'list', id, ...extra] = args.positionals;
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (action !== 'list' && action !== 'set') return issue('positionals', `unknown action "${action}" (use list or set)`);
  if (action === 'list') {
    if (id !== undefined) issue('positionals', `unexpected argument "${id}"`);
    for (const option of [...SETTING_OPTIONS, 'reset', 'actor'] as const) if (args[option] !== undefined) issue(option, 'is an option of sources set, not sources list');
    return;
  }
  if (id === undefined) return issue('positionals', 'say which source to set, e.g. fishmouth sources set naip --rate 1 (fishmouth sources lists them)');
  const checkedId = sourceIdSchema.safeParse(id);
  if (!checkedId.success) issue('positionals', `the source id ${checkedId.error.issues[0]?.message}`);
  if (extra.length > 0) issue('positionals', `unexpected argument "${extra[0]}"`);
  if (args.enable && args.disable) issue('enable', 'and --disable cannot be given together');
  const settings = SETTING_OPTIONS.filter((option) => args[option] !== undefined);
  if (args.reset && settings.length > 0) issue('reset', `restores every default, so it cannot be combined with --${settings[0]}`);
  if (!args.reset && settings.length === 0) {
    issue('positionals', `sources set needs at least one of --rate, --burst, --daily-cap, --base-url, --user-agent, --enable, --disable, or --reset`);
  }
});
type SourcesArgs = z.output<typeof sourcesArgs>;

export const sourcesCommand = defineCommand({
  name: 'sources',
  summary: "list the data sources with their rate limits and today's use; change or reset one",
  usage: 'fishmouth sources [list] | sources set ID [--rate N] [--burst N] [--daily-cap N|none] [--base-url URL] [--user-agent UA] [--enable|--disable] [--reset] [--json] [--data DIR]',
  help: [
    'Works on the data folder directly, with or without a running Fish Mouth.',
    '',
    '  sources [list]',
    "      every source: kind, on/off, rate, daily cap, today's requests, address (* = changed from the default)",
    '  sources set ID [options]',
    '      change only the settings given (a new settings version, recorded in the audit log)',
    '    --rate N          requests a second, e.g. 1 or 0.5 (at most 1000)',
    '    --burst N         requests that may go at once after a pause (1-1000)',
    '    --daily-cap N     requests a budget day (0 stops the source for today; none removes the cap)',
    '    --base-url URL    the http(s) address to call, e.g. a local emulator',
    '    --user-agent UA   how Fish Mouth identifies itself to the source',
    '    --enable, --disable   use the source, or never call it',
    '    --reset           restore every default of the source',
    '    --actor NAME      who made the change (default: your user name)',
    '',
    '  --json            print exactly one JSON document',
    DATA_HELP,
    '',
    'Licences are the providers\' terms and cannot be changed. Exit code: 0 done, 1 failure, 2 wrong arguments.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    'daily-cap': { type: 'string' },
    'base-url': { type: 'string' },
    'user-agent': { type: 'string' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
    reset: { type: 'boolean' },
    actor: { type: 'string' },
  },
  allowPositionals: true,
  args: sourcesArgs,
  run: (args, ctx) => runSources(args, ctx),
});

async function runSources(args: SourcesArgs, ctx: CliContext): Promise<ExitCode> {
  const [action = 'list', id] = args.positionals;
  const { print, fail } = commandOutput(ctx, args.json, `fishmouth sources ${action}`);

  let db: Db;
  try {
    db = openDatabase(resolveDataDir(args.data, ctx.env));
    runMigrations(db);
  } catch (error) {
    return fail(error instanceof StoreError ? error.kind : 'cannot-open', error instanceof Error ? error.message : String(error), EXIT.failure);
  }
  try {
    if (action === 'list') {
      const list = listSourceSettings(db);
      print({ ok: true, ...list }, formatList(list));
      return EXIT.ok;
    }
    const actor = args.actor ?? defaultActor();
    const saved = changeSourceSettings(db, id!, args.reset ? null : patchOf(args), { actor });
    print({ ok: true, source: saved }, `${args.reset ? 'Reset' : 'Changed'} ${saved.label} (${saved.id}), settings version ${saved.settingsVersion}, by ${actor}:\n${describeSource(saved)}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof SourcePolicyError && (error.kind === 'unknown-source' || error.kind === 'invalid-override')) return fail(error.kind, error.message, EXIT.usage);
    const kind = error instanceof SourcePolicyError || error instanceof StoreError ? error.kind : 'failure';
    return fail(kind, error instanceof Error ? error.message : String(error), EXIT.failure);
  } finally {
    db.close();
  }
}

function patchOf(args: SourcesArgs): SourceSettingsPatch {
  const patch: SourceSettingsPatch = {};
  if (args.rate !== undefined) patch.ratePerSecond = args.rate;
  if (args.burst !== undefined) patch.burst = args.burst;
  if (args['daily-cap'] !== undefined) patch.dailyCap = args['daily-cap'];
  if (args['base-url'] !== undefined) patch.baseUrl = args['base-url'];
  if (args['user-agent'] !== undefined) patch.userAgent = args['user-agent'];
  if (args.enable) patch.enabled = true;
  if (args.disable) patch.enabled = false;
  return patch;
}

const count = (n: number) => n.toLocaleString('en-US');
const rate = (s: SourceSettings) => (s.ratePerSecond === null ? '-' : `${s.ratePerSecond}/s`);
const cap = (s: SourceSettings) => (s.dailyCap === null ? 'none' : count(s.dailyCap));

function formatList(list: SourceSettingsList): string {
  const mark = (s: SourceSettings, field: SourceSettings['customised'][number], text: string) => (s.customised.includes(field) ? `${text}*` : text);
  const rows = list.sources.map((s) => [
    s.id,
    s.kind,
    mark(s, 'enabled', s.enabled ? 'yes' : 'no'),
    mark(s, 'ratePerSecond', rate(s)),
    mark(s, 'burst', s.burst === null ? '-' : String(s.burst)),
    mark(s, 'dailyCap', cap(s)),
    s.kind === 'local' ? '-' : count(s.usage.requests),
    mark(s, 'baseUrl', s.baseUrl ?? (s.kind === 'local' ? '-' : 'set per territory')),
  ]);
  return [
    `Data sources for ${list.day} (${list.timeZone}), settings version ${list.settingsVersion}${list.changedBy ? `, last changed by ${list.changedBy} at ${list.changedAt}` : ''}`,
    '',
    formatTable(['ID', 'KIND', 'ENABLED', 'RATE', 'BURST', 'DAILY CAP', 'USED TODAY', 'BASE URL'], rows, new Set([3, 4, 5, 6])),
    '',
    '* changed from the default; `fishmouth sources set ID --reset` restores it.',
  ].join('\n');
}

function describeSource(s: SourceSettings): string {
  return [
    `  ${s.enabled ? 'enabled' : 'disabled'}, ${rate(s)} (burst ${s.burst ?? '-'}), daily cap ${cap(s)}, ${count(s.usage.requests)} used today`,
    `  address ${s.baseUrl ?? '-'}`,
    `  User-Agent ${s.userAgent}`,
    s.customised.length === 0 ? '  all defaults' : `  changed from the default: ${s.customised.join(', ')}`,
  ].join('\n');
}

function defaultActor(): string {
  try {
    return `${userInfo().username} (command line)`;
  } catch {
    return 'command line';
  }
}
