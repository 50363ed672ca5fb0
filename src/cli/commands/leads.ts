import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { resolveDataDir } from '../../core/data-dir';
import { pointSchema, type LatLng } from '../../core/domain/geo';
import { EXPORT_FORMATS, exportLeads, leadExportRows, type ExportFormat } from '../../core/leads/lead-export';
import { assignLeads, countLeads, listLeads, MAX_LEADS_PER_PAGE, repNameSchema, type Lead, type LeadFilters } from '../../core/leads/leads-store';
import { LEAD_STATUSES, type LeadStatus } from '../../core/leads/types';
import { exportRows } from '../../core/leads/lead-lists';
import { RpcError } from '../../core/rpc/protocol';
import { openDatabase, runMigrations, StoreError, type Db } from '../../core/store';
import { findTerritory } from '../../workers/orchestrator/scan-territory';
import { commandOutput, defineCommand, EXIT, type CliContext, type CommandOutput, type ExitCode } from '../command';
import { formatTable } from '../format';
import { DATA_HELP, dataOption } from '../options';

/**
 * `fishmouth leads [list] | export | assign`: the ranked lead list of a territory or a rep, its
 * exports, and assignment. Opens the data folder directly (and migrates it, as the host does),
 * like `sources` and `budget`, so it works offline with or without a running Fish Mouth.
 */

const ACTIONS = ['list', 'export', 'assign'] as const;
type Action = (typeof ACTIONS)[number];
const FILTER_OPTIONS = ['territory', 'rep', 'unassigned', 'min-score', 'status', 'hail-since', 'min-roof-age', 'limit'] as const;
const ACTION_OPTIONS: Record<Action, readonly string[]> = {
  list: [...FILTER_OPTIONS, 'offset'],
  export: [...FILTER_OPTIONS, 'format', 'out'],
  assign: ['rep', 'unassign', 'actor'],
};
export const DEFAULT_LIST_LIMIT = 25;

/** Decimal text only: "0x10", "1e3" and "" are typos here, not numbers. */
export const numberText = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, 'must be a number, like 60 or 12.5')
  .transform(Number);
export const wholeNumberText = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max.toLocaleString('en-US')}`));

/** `LAT,LNG` as typed, e.g. 30.5083,-97.6789; refuses places off the Earth. */
export const latLngText = z.string().transform((text, ctx): LatLng => {
  const parts = text.split(',').map((part) => part.trim());
  const numbers = parts.map(Number);
  if (parts.length !== 2 || parts.some((part) => !/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(part))) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not LAT,LNG: give two numbers in degrees, e.g. 30.5083,-97.6789` });
    return z.NEVER;
  }
  const point = pointSchema.safeParse({ lat: numbers[0], lng: numbers[1] });
  if (!point.success) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a place: ${point.error.issues[0]!.message}` });
    return z.NEVER;
  }
  return point.data;
});

export const statusListText = z.string().transform((text, ctx): LeadStatus[] => {
  const names = text.split(',').map((s) => s.trim().toLowerCase().replace(/[ -]/g, '_')).filter(Boolean);
  const unknown = names.find((name) => !(LEAD_STATUSES as readonly string[]).includes(name));
  if (names.length === 0 || unknown !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${unknown === undefined ? 'must name a status' : `"${unknown}" is not a status`}; use ${LEAD_STATUSES.join(', ')} (comma-separated for several)` });
    return z.NEVER;
  }
  return [...new Set(names)] as LeadStatus[];
});

export const dayOrTimeText = z
  .string()
  .trim()
  .refine((text) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text) && !Number.isNaN(Date.parse(text)), 'must be a date such as 2024-04-01 (or an ISO-8601 time)')
  .transform((text) => new Date(text).toISOString());

const nameText = repNameSchema;

const rawArgs = z.object({
  json: z.boolean().optional(),
  data: dataOption.optional(),
  territory: z.string().trim().min(1, 'must name a territory').optional(),
  rep: nameText.optional(),
  unassigned: z.boolean().optional(),
  'min-score': numberText.pipe(z.number().min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100')).optional(),
  status: statusListText.optional(),
  'hail-since': dayOrTimeText.optional(),
  'min-roof-age': numberText.pipe(z.number().min(0, 'must be 0 or more years')).optional(),
  limit: wholeNumberText(1, MAX_LEADS_PER_PAGE).optional(),
  offset: wholeNumberText(0, 10_000_000).optional(),
  format: z.enum(EXPORT_FORMATS, { message: `must be ${EXPORT_FORMATS.join(', ')}` }).optional(),
  out: z.string().trim().min(1, 'must name a file').optional(),
  unassign: z.boolean().optional(),
  actor: nameText.optional(),
  positionals: z.array(z.string()),
});
type RawArgs = z.output<typeof rawArgs>;

const leadsArgs = rawArgs.superRefine((args, ctx) => {
  const [action = 'list', ...rest] = args.positionals;
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (!(ACTIONS as readonly string[]).includes(action)) return issue('positionals', `unknown action "${action}" (use list, export or assign)`);
  const allowed = ACTION_OPTIONS[action as Action];
  for (const option of new Set(Object.values(ACTION_OPTIONS).flat())) {
    if (args[option as keyof RawArgs] !== undefined && !allowed.includes(option)) issue(option, `is not an option of leads ${action}`);
  }
  if (action !== 'assign' && rest.length > 0) issue('positionals', `unexpected argument "${rest[0]}"`);
  if (action !== 'assign' && args.rep !== undefined && args.unassigned) issue('unassigned', 'and --rep cannot be given together');
  if (action === 'export') {
    if (args.out === undefined) issue('out', 'is required: the file to write, e.g. --out leads.csv');
    if (args.format === undefined && formatFromName(args.out) === null) issue('format', 'is required: csv, geojson or kml (or end --out with .csv, .geojson or .kml)');
  }
  if (action === 'assign') {
    if (rest.length === 0) issue('positionals', 'say which leads, e.g. fishmouth leads assign LEAD_ID … --rep NAME');
    if ((args.rep === undefined) === !args.unassign) issue('rep', 'is required (the rep to give the leads to), or --unassign to take them back — one of the two');
  }
});
type LeadsArgs = z.output<typeof leadsArgs>;

function formatFromName(file: string | undefined): ExportFormat | null {
  const match = /\.(csv|geojson|json|kml)$/i.exec(file ?? '');
  if (!match) return null;
  const ext = match[1]!.toLowerCase();
  return ext === 'json' ? 'geojson' : (ext as ExportFormat);
}

export const leadsCommand = defineCommand({
  name: 'leads',
  summary: 'the ranked leads of a territory or a rep, with the reason for each; export them; assign them to reps',
  usage: 'fishmouth leads [list] [filters] [--limit N] | leads export --format csv|geojson|kml --out FILE [filters] | leads assign LEAD_ID… --rep NAME [--json] [--data DIR]',
  help: [
    'Works on the data folder directly, offline, with or without a running Fish Mouth.',
    '',
    '  leads [list] [filters] [--limit N] [--offset N]',
    `      the best leads first (default ${DEFAULT_LIST_LIMIT}): rank, score, address, roof condition, roof age, hail, status, top reason`,
    '  leads export --format csv|geojson|kml --out FILE [filters] [--limit N]',
    '      every matching lead (or the best N) to a file, columns as in the README; the format may',
    '      also come from the file name (.csv, .geojson, .kml)',
    '  leads assign LEAD_ID… --rep NAME | --unassign [--actor NAME]',
    '      give leads to a rep, or take them back (recorded in the audit log)',
    '',
    'Filters:',
    '  --territory NAME  a saved territory (by name or id)',
    '  --rep NAME        leads assigned to this rep;  --unassigned  leads assigned to nobody',
    '  --min-score N     score at least N (0-100)',
    `  --status S[,S]    ${LEAD_STATUSES.join(', ')}`,
    '  --hail-since DATE hail reported on or after this date, e.g. 2024-03-01',
    '  --min-roof-age N  roof at least N years old',
    '',
    '  --json            print exactly one JSON document',
    DATA_HELP,
    '',
    'Exit code: 0 done, 1 failure, 2 wrong arguments.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    territory: { type: 'string' },
    rep: { type: 'string' },
    unassigned: { type: 'boolean' },
    'min-score': { type: 'string' },
    status: { type: 'string' },
    'hail-since': { type: 'string' },
    'min-roof-age': { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    unassign: { type: 'boolean' },
    actor: { type: 'string' },
  },
  allowPositionals: true,
  args: leadsArgs,
  run: (args, ctx) => runLeads(args, ctx),
});

/** Opens (and migrates) the data folder, or reports why not. */
export function openDataFolder(data: string | undefined, ctx: CliContext, fail: CommandOutput['fail']): Db | ExitCode {
  try {
    const db = openDatabase(resolveDataDir(data, ctx.env));
    runMigrations(db);
    return db;
  } catch (error) {
    return fail(error instanceof StoreError ? error.kind : 'cannot-open', error instanceof Error ? error.message : String(error), EXIT.failure);
  }
}

/** Maps the errors these commands meet to a kind, a message and an exit code. */
export function failWith(fail: CommandOutput['fail'], error: unknown): ExitCode {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RpcError) return fail(error.kind === 'bad-input' ? 'unknown-territory' : error.kind, message, EXIT.failure);
  if (error instanceof StoreError) return fail(error.kind, message, error.kind === 'invalid-input' ? EXIT.usage : EXIT.failure);
  if (error instanceof RangeError) return fail('invalid-input', message, EXIT.usage);
  return fail('failure', message, EXIT.failure);
}

async function runLeads(args: LeadsArgs, ctx: CliContext): Promise<ExitCode> {
  const [action = 'list', ...ids] = args.positionals as [Action?, ...string[]];
  const output = commandOutput(ctx, args.json, `fishmouth leads ${action}`);
  const db = openDataFolder(args.data, ctx, output.fail);
  if (typeof db === 'number') return db;
  try {
    if (action === 'assign') return runAssign(db, ids, args, output);
    const territory = args.territory ? findTerritory(db, args.territory) : null;
    const filters: Omit<LeadFilters, 'limit' | 'offset'> = {
      territoryId: territory?.id,
      assignedTo: args.unassigned ? null : args.rep,
      minScore: args['min-score'],
      statuses: args.status,
      hailSince: args['hail-since'],
      minRoofAgeYears: args['min-roof-age'],
    };
    if (action === 'export') return runExport(db, filters, args, territory?.name ?? null, output);
    const offset = args.offset ?? 0;
    const leads = listLeads(db, { ...filters, limit: args.limit ?? DEFAULT_LIST_LIMIT, offset });
    const total = countLeads(db, filters);
    const ranked = leads.map((lead, i) => ({ rank: offset + i + 1, ...lead }));
    output.print({ ok: true, territory: territory && { id: territory.id, name: territory.name }, total, offset, leads: ranked }, formatLeadTable(ranked, total, territory?.name ?? null));
    return EXIT.ok;
  } catch (error) {
    return failWith(output.fail, error);
  } finally {
    db.close();
  }
}

function runExport(db: Db, filters: Omit<LeadFilters, 'limit' | 'offset'>, args: LeadsArgs, territoryName: string | null, output: CommandOutput): ExitCode {
  const format = args.format ?? formatFromName(args.out)!;
  const out = resolve(args.out!);
  const rows = exportRows(db, filters, args.limit);
  const text = exportLeads(format, rows, territoryName ? `Fish Mouth leads: ${territoryName}` : 'Fish Mouth leads');
  // Note: written beside the target and renamed, so a failed export never leaves half a file.
  const temporary = `${out}.${process.pid}.partial`;
  try {
    writeFileSync(temporary, text, 'utf8');
    renameSync(temporary, out);
  } catch (error) {
    rmSync(temporary, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    return output.fail('cannot-write', `Could not write ${out} (${reason}); check that the folder exists and is writable.`, EXIT.failure);
  }
  output.print({ ok: true, format, out, count: rows.length }, `Wrote ${rows.length.toLocaleString('en-US')} lead${rows.length === 1 ? '' : 's'} to ${out} (${format}).`);
  return EXIT.ok;
}

function runAssign(db: Db, ids: string[], args: LeadsArgs, output: CommandOutput): ExitCode {
  const rep = args.unassign ? null : args.rep!;
  const actor = args.actor ?? defaultActor();
  const leads = assignLeads(db, ids, rep, actor);
  output.print(
    { ok: true, rep, actor, leads: leads.map((lead) => ({ id: lead.id, address: lead.address, assignedTo: lead.assignedTo })) },
    `${rep === null ? 'Unassigned' : `Assigned to ${rep}`}: ${leads.length} lead${leads.length === 1 ? '' : 's'} (by ${actor}).\n${leads.map((lead) => `  ${lead.id}  ${lead.address}`).join('\n')}`,
  );
  return EXIT.ok;
}

const TOP_REASON_WIDTH = 60;

export function formatLeadTable(leads: readonly (Lead & { rank: number })[], total: number, territoryName: string | null): string {
  const where = territoryName ? ` in ${territoryName}` : '';
  if (leads.length === 0) return total === 0 ? `No leads${where} match. A scan scores them: fishmouth scan --territory NAME.` : `No leads on this page (${total} match${where}).`;
  const rows = leads.map((lead) => [
    String(lead.rank),
    String(lead.score),
    lead.address.replace(/\s+/g, ' '),
    lead.conditionScore === null ? '-' : `${lead.conditionScore}/100`,
    lead.roofAgeYears === null ? '-' : `${Math.round(lead.roofAgeYears)} y`,
    lead.hailMaxInches === null ? '-' : `${lead.hailMaxInches} in${lead.hailLastAt ? ` ${lead.hailLastAt.slice(0, 10)}` : ''}`,
    lead.status.replace('_', ' '),
    truncate(lead.reasons[0]?.text ?? '-', TOP_REASON_WIDTH),
    lead.id,
  ]);
  const first = leads[0]!.rank;
  return [
    `Leads${where}: ${first}-${first + leads.length - 1} of ${total.toLocaleString('en-US')}, best first`,
    '',
    formatTable(['RANK', 'SCORE', 'ADDRESS', 'CONDITION', 'ROOF AGE', 'HAIL', 'STATUS', 'TOP REASON', 'LEAD ID'], rows, new Set([0, 1, 3, 4])),
  ].join('\n');
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

export function defaultActor(): string {
  try {
    return `${userInfo().username} (command line)`;
  } catch {
    return 'command line';
  }
}
