import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { resolveDataDir } from '../../core/data-dir';
import { listTerritories, openDatabase, runMigrations, StoreError, type Db } from '../../core/store';
import { IMPORT_KINDS, IMPORT_KIND_HELP, ImportError, importFile, type ImportKind, type ImportReport } from '../../imports';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { DATA_HELP, dataOption } from '../options';

/**
 * `fishmouth import KIND FILE`: a file the user downloaded by hand, into the data folder (opened
 * directly and migrated, like `sources`; a running Fish Mouth sees the rows on its next read).
 * Counts imported, updated, matched, skipped and rejected, with reasons; importing twice changes
 * nothing. Ctrl-C stops after the batch being written; importing again finishes the file.
 */

const importArgs = z
  .object({
    json: z.boolean().optional(),
    data: dataOption.optional(),
    territory: z.string().trim().min(1, 'must name a territory').max(200).optional(),
    'report-day': z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2018-06-15').optional(),
    county: z.string().trim().min(1).max(64).optional(),
    portal: z.string().trim().min(1).max(64).optional(),
    positionals: z.array(z.string()),
  })
  .superRefine((args, ctx) => {
    const [kind, file, ...extra] = args.positionals;
    const issue = (message: string) => ctx.addIssue({ code: 'custom', path: ['positionals'], message });
    if (kind === undefined) return issue(`say what kind of file to import: ${IMPORT_KINDS.join(', ')}`);
    if (!(IMPORT_KINDS as readonly string[]).includes(kind)) return issue(`"${kind}" is not a kind of file Fish Mouth imports; use one of ${IMPORT_KINDS.join(', ')}`);
    if (file === undefined) return issue(`give the file to import, e.g. fishmouth import ${kind} ~/Downloads/list.${kind === 'csv' ? 'csv' : 'json'}`);
    if (extra.length > 0) issue(`unexpected argument "${extra[0]}" (one file per import)`);
    if (args['report-day'] && kind !== 'spc') ctx.addIssue({ code: 'custom', path: ['report-day'], message: 'is for spc files only' });
    if (args.county && kind !== 'arcgis') ctx.addIssue({ code: 'custom', path: ['county'], message: 'is for arcgis files only' });
    if (args.portal && kind !== 'socrata') ctx.addIssue({ code: 'custom', path: ['portal'], message: 'is for socrata files only' });
  })
  .transform((args) => ({ ...args, kind: args.positionals[0] as ImportKind, file: args.positionals[1]! }));
type ImportArgs = z.output<typeof importArgs>;

export const importCommand = defineCommand({
  name: 'import',
  summary: 'import a downloaded file: addresses (csv, geojson), OSM buildings, storm reports, parcels or permits',
  usage: `fishmouth import <${IMPORT_KINDS.join('|')}> FILE [--territory NAME] [--json] [--data DIR]`,
  help: [
    'Kinds of file (gzip accepted for every kind, whatever the file is called):',
    ...IMPORT_KINDS.map((kind) => `  ${kind.padEnd(13)} ${IMPORT_KIND_HELP[kind]}`),
    '',
    '  --territory NAME  put the imported properties in this territory (those not in one yet)',
    '  --report-day DATE spc: the day of the reports when the file name does not say (YYYY-MM-DD)',
    '  --county ID       arcgis: the county whose field mapping reads the file (default: found by its fields)',
    '  --portal ID       socrata: the permit portal whose field mapping reads the file (default: found by its columns)',
    '  --json            print one JSON document: { ok, report }',
    DATA_HELP,
    '',
    'Addresses are normalised (USPS style) and matched with what is already known, so a house seen',
    'in OpenStreetMap, a parcel layer and your list is one property that keeps every source id.',
    'Importing the same file again changes nothing. Rows that cannot be used are counted as rejected,',
    'with the line and the reason; the import goes on.',
    'Exit code: 0 imported (even with rejected rows), 1 the file could not be imported, 2 wrong arguments, 130 stopped.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    territory: { type: 'string' },
    'report-day': { type: 'string' },
    county: { type: 'string' },
    portal: { type: 'string' },
  },
  allowPositionals: true,
  args: importArgs,
  run: (args, ctx) => runImport(args, ctx),
});

async function runImport(args: ImportArgs, ctx: CliContext): Promise<ExitCode> {
  const { fail } = commandOutput(ctx, args.json, 'fishmouth import');
  let db: Db;
  try {
    db = openDatabase(resolveDataDir(args.data, ctx.env));
    runMigrations(db);
  } catch (error) {
    return fail(error instanceof StoreError ? error.kind : 'cannot-open', (error as Error).message);
  }
  const stop = new AbortController();
  const unsubscribe = ctx.onStopSignal(() => stop.abort());
  try {
    let territory: { id: string; name: string } | null = null;
    if (args.territory) {
      const territories = listTerritories(db);
      const found = territories.find((t) => t.name.toLowerCase() === args.territory!.toLowerCase());
      if (!found) {
        const known = territories.length ? `known: ${territories.map((t) => t.name).join(', ')}` : 'none are drawn yet; draw one on the map first';
        return fail('unknown-territory', `There is no territory named "${args.territory}" (${known}).`);
      }
      territory = { id: found.id, name: found.name };
    }
    const report = await importFile(db, {
      kind: args.kind,
      path: resolve(args.file),
      territory,
      reportDay: args['report-day'],
      county: args.county,
      portal: args.portal,
      signal: stop.signal,
    });
    if (args.json) ctx.stdout.write(`${JSON.stringify({ ok: true, report })}\n`);
    else ctx.stdout.write(`${formatImportReport(report)}\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ImportError) return fail(error.kind, error.message, error.kind === 'cancelled' ? 130 : EXIT.failure);
    if (error instanceof StoreError) return fail(error.kind, error.message);
    throw error;
  } finally {
    unsubscribe();
    db.close();
  }
}

const RECORD_WORDS: Record<ImportReport['records'], string> = { properties: 'properties', 'storm-reports': 'storm reports', permits: 'building permits' };

/** The report as a person reads it: counts first, then why rows were skipped or rejected. */
export function formatImportReport(report: ImportReport): string {
  const lines = [
    `Imported ${RECORD_WORDS[report.records]} from ${basename(report.file)} (${report.kind}, source ${report.source})${report.territory ? ` into ${report.territory.name}` : ''}:`,
    `  imported ${report.imported}, updated ${report.updated}, matched ${report.matched}, skipped ${report.skipped}, rejected ${report.rejected}`,
  ];
  if (report.matched > 0) lines.push('  (matched: already known from another source; its id is now kept too)');
  if (report.skippedReasons.length > 0) {
    lines.push('Skipped:');
    for (const skip of report.skippedReasons) lines.push(`  ${String(skip.count).padStart(6)}  ${skip.reason}`);
  }
  if (report.rejections.length > 0) {
    lines.push('Rejected:');
    for (const group of report.rejections) {
      lines.push(`  ${String(group.count).padStart(6)}  ${group.kind}`);
      for (const example of group.examples) lines.push(`          ${example.reason}`);
      if (group.count > group.examples.length) lines.push(`          … and ${group.count - group.examples.length} more`);
    }
  }
  for (const note of report.notes) lines.push(`Note: ${note}`);
  if (report.attribution) lines.push(`Data: ${report.attribution}`);
  return lines.join('\n');
}
