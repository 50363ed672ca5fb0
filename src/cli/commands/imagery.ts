import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import sharp from 'sharp';
import { z } from 'zod';
import { BlobStore } from '../../core/blob-store';
import { resolveDataDir } from '../../core/data-dir';
import { DEFAULT_IMAGERY_SETTINGS, getImagerySettings, ImagerySettingsError, setImagerySettings, type ImagerySettingsPatch, type VersionedImagerySettings } from '../../core/imagery/imagery-settings';
import { getRoofImage, roofImageSummary, type RoofImageRecord } from '../../core/imagery/roof-images';
import { cacheStats, evictTiles, type CacheStats, type EvictionReport } from '../../core/imagery/tile-cache';
import { formatUsd } from '../../core/money';
import { openDatabase, parseRow, runMigrations, StoreError, type Db } from '../../core/store';
import { statement } from '../../core/store/database';
import { commandOutput, defineCommand, EXIT, type CliContext, type CommandOutput, type ExitCode } from '../command';
import { formatTable } from '../format';
import { DATA_HELP, dataOption } from '../options';

/**
 * `fishmouth imagery [cache] | evict | settings | roof ID`: the aerial imagery cache, Settings →
 * Imagery and one property's roof image, from the command line. Opens the data folder directly
 * (and migrates it, as the host does), like `sources` and `budget`.
 */

const ACTIONS = ['cache', 'evict', 'settings', 'roof'] as const;
type Action = (typeof ACTIONS)[number];
const SETTING_OPTIONS = ['ttl-days', 'quality', 'cap-mb', 'radius-m', 'max-batch', 'min-batch', 'margin-m', 'scale', 'paid', 'no-paid'] as const;
const MIB = 1024 ** 2;

/** Decimal text only: "0x10", "1e3" and "" are typos here, not numbers. Ranges are the settings' own. */
const numberText = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, 'must be a number, like 7 or 0.5')
  .transform(Number);

const rawArgs = z.object({
  json: z.boolean().optional(),
  data: dataOption.optional(),
  'ttl-days': numberText.optional(),
  quality: numberText.optional(),
  'cap-mb': numberText.optional(),
  'radius-m': numberText.optional(),
  'max-batch': numberText.optional(),
  'min-batch': numberText.optional(),
  'margin-m': numberText.optional(),
  scale: z.enum(['2', '4'], { message: 'must be 2 or 4' }).transform(Number).optional(),
  paid: z.boolean().optional(),
  'no-paid': z.boolean().optional(),
  reset: z.boolean().optional(),
  actor: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  out: z.string().trim().min(1, 'must name a file').optional(),
  positionals: z.array(z.string()),
});

const imageryArgs = rawArgs.superRefine((args, ctx) => {
  const [action = 'cache', id, ...extra] = args.positionals;
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (!(ACTIONS as readonly string[]).includes(action)) return issue('positionals', `unknown action "${action}" (use cache, evict, settings or roof)`);
  if (action === 'roof' && id === undefined) return issue('positionals', 'say which property, e.g. fishmouth imagery roof PROPERTY_ID');
  const unexpected = action === 'roof' ? extra[0] : id;
  if (unexpected !== undefined) issue('positionals', `unexpected argument "${unexpected}"`);
  const allowed: readonly string[] = action === 'settings' ? [...SETTING_OPTIONS, 'reset', 'actor'] : action === 'roof' ? ['out'] : [];
  for (const option of [...SETTING_OPTIONS, 'reset', 'actor', 'out'] as const) {
    if (args[option] !== undefined && !allowed.includes(option)) issue(option, `is not an option of imagery ${action}`);
  }
  if (args.paid && args['no-paid']) issue('paid', 'and --no-paid cannot be given together');
  const given = SETTING_OPTIONS.filter((option) => args[option] !== undefined);
  if (args.reset && given.length > 0) issue('reset', `restores every default, so it cannot be combined with --${given[0]}`);
});
type ImageryArgs = z.output<typeof imageryArgs>;

export const imageryCommand = defineCommand({
  name: 'imagery',
  summary: 'the aerial imagery cache, its settings, and each roof image',
  usage: 'fishmouth imagery [cache] | imagery evict | imagery settings [options] [--reset] | imagery roof PROPERTY_ID [--out FILE.png] [--json] [--data DIR]',
  help: [
    'Works on the data folder directly, with or without a running Fish Mouth.',
    '',
    '  imagery [cache]   cached aerial images: count, size against the cap, expired, by source;',
    '                    roof images by step, enhanced, flagged, cost; imagery batches',
    '  imagery evict     trim the cache to its cap, expired images first',
    '  imagery settings [options]   show the imagery settings; with options, change them',
    '    --ttl-days N      keep cached images N days (longer where the licence allows)',
    '    --quality Q       quality an image must reach, 0 to 1',
    '    --cap-mb N        cache size cap in MiB (at least 16)',
    '    --radius-m N      batch radius in metres',
    '    --max-batch N, --min-batch N   properties per batch',
    '    --margin-m N      ground margin around each roof, metres',
    '    --scale 2|4       enhancement scale',
    '    --paid, --no-paid may paid imagery be bought',
    '    --reset           restore every default',
    '    --actor NAME      who made the change (default: your user name)',
    '  imagery roof PROPERTY_ID [--out FILE.png]',
    '      the roof image record: sources, cost, resolution, quality, flags, processing log;',
    '      --out writes the enhanced picture (else the original crop) as PNG',
    '',
    '  --json            print exactly one JSON document',
    DATA_HELP,
    '',
    'Exit code: 0 done, 1 failure (unknown property, picture not kept), 2 wrong arguments or invalid settings.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    'ttl-days': { type: 'string' },
    quality: { type: 'string' },
    'cap-mb': { type: 'string' },
    'radius-m': { type: 'string' },
    'max-batch': { type: 'string' },
    'min-batch': { type: 'string' },
    'margin-m': { type: 'string' },
    scale: { type: 'string' },
    paid: { type: 'boolean' },
    'no-paid': { type: 'boolean' },
    reset: { type: 'boolean' },
    actor: { type: 'string' },
    out: { type: 'string' },
  },
  allowPositionals: true,
  args: imageryArgs,
  run: (args, ctx) => runImagery(args, ctx),
});

async function runImagery(args: ImageryArgs, ctx: CliContext): Promise<ExitCode> {
  const action = (args.positionals[0] ?? 'cache') as Action;
  const output = commandOutput(ctx, args.json, `fishmouth imagery ${action}`);
  const dataDir = resolveDataDir(args.data, ctx.env);
  let db: Db;
  try {
    db = openDatabase(dataDir);
    runMigrations(db);
  } catch (error) {
    return output.fail(error instanceof StoreError ? error.kind : 'cannot-open', error instanceof Error ? error.message : String(error), EXIT.failure);
  }
  try {
    switch (action) {
      case 'cache':
        return showCache(db, output);
      case 'evict': {
        const report = await evictTiles(db, new BlobStore({ db, dataDir }), {});
        output.print({ ok: true, ...report }, describeEviction(report, cacheStats(db).capBytes));
        return EXIT.ok;
      }
      case 'settings':
        return changeSettings(db, args, output);
      case 'roof':
        return await showRoof(db, new BlobStore({ db, dataDir }), args.positionals[1]!, args.out, output);
    }
  } catch (error) {
    if (error instanceof ImagerySettingsError) return output.fail(error.kind, error.message, error.kind === 'invalid-settings' ? EXIT.usage : EXIT.failure);
    return output.fail(error instanceof StoreError ? error.kind : 'failure', error instanceof Error ? error.message : String(error), EXIT.failure);
  } finally {
    db.close();
  }
}

const size = (bytes: number) => (bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`);
const count = (n: number) => n.toLocaleString('en-US');

function showCache(db: Db, output: CommandOutput): ExitCode {
  const cache = cacheStats(db);
  const roofImages = roofImageSummary(db);
  const batchRows = parseRow(
    z.array(z.object({ state: z.string(), n: z.number().int() })),
    statement(db, 'SELECT state, count(*) AS n FROM imagery_batches GROUP BY state ORDER BY state').all(),
    'imagery batches',
  );
  const batches = { total: batchRows.reduce((sum, row) => sum + row.n, 0), byState: Object.fromEntries(batchRows.map((row) => [row.state, row.n])) };
  const steps = Object.entries(roofImages.byStepKind).map(([kind, n]) => `${kind} ${count(n)}`).join(', ');
  output.print({ ok: true, cache, roofImages, batches }, [
    describeCache(cache),
    '',
    `Roof images: ${count(roofImages.total)} (${steps})`,
    `  enhanced ${count(roofImages.enhanced)}, low confidence ${count(roofImages.lowConfidence)}, manual review ${count(roofImages.manualReview)}, picture not kept (licence) ${count(roofImages.notStored)}`,
    `  mean quality ${roofImages.meanQuality === null ? '-' : roofImages.meanQuality.toFixed(2)}, imagery cost ${formatUsd(roofImages.costMicros)}`,
    `Imagery batches: ${count(batches.total)}${batchRows.length ? ` (${batchRows.map((row) => `${row.state} ${count(row.n)}`).join(', ')})` : ''}`,
  ].join('\n'));
  return EXIT.ok;
}

function describeCache(cache: CacheStats): string {
  const share = cache.capBytes > 0 ? ` (${((cache.bytes / cache.capBytes) * 100).toFixed(1)}%)` : '';
  const head = `Imagery cache: ${count(cache.tiles)} images, ${size(cache.bytes)} of ${size(cache.capBytes)} cap${share}, ${count(cache.expired)} expired`;
  if (cache.bySource.length === 0) return `${head}\n  (empty: images are cached as roofs are scanned)`;
  const table = formatTable(['SOURCE', 'IMAGES', 'SIZE'], cache.bySource.map((s) => [s.source, count(s.tiles), size(s.bytes)]), new Set([1, 2]));
  return `${head}\n\n${table}${cache.expired > 0 ? '\n\n`fishmouth imagery evict` removes the expired images.' : ''}`;
}

function describeEviction(report: EvictionReport, capBytes: number): string {
  const removed = report.expiredRemoved + report.lruRemoved;
  if (removed === 0) return `Nothing to remove: the cache holds ${size(report.bytesHeld)} of its ${size(capBytes)} cap and nothing has expired.`;
  return [
    `Removed ${count(removed)} cached images (${count(report.expiredRemoved)} expired, ${count(report.lruRemoved)} least recently used), freeing ${size(report.bytesFreed)}.`,
    `The cache now holds ${size(report.bytesHeld)} of its ${size(capBytes)} cap; ${count(report.blobsDeleted)} image files deleted.`,
  ].join('\n');
}

function changeSettings(db: Db, args: ImageryArgs, output: CommandOutput): ExitCode {
  const patch: ImagerySettingsPatch = args.reset ? { ...DEFAULT_IMAGERY_SETTINGS } : {};
  if (args['ttl-days'] !== undefined) patch.cacheTtlDays = args['ttl-days'];
  if (args.quality !== undefined) patch.qualityThreshold = args.quality;
  if (args['cap-mb'] !== undefined) patch.cacheCapBytes = Math.round(args['cap-mb'] * MIB);
  if (args['radius-m'] !== undefined) patch.batchRadiusM = args['radius-m'];
  if (args['max-batch'] !== undefined) patch.batchMaxSize = args['max-batch'];
  if (args['min-batch'] !== undefined) patch.batchMinSize = args['min-batch'];
  if (args['margin-m'] !== undefined) patch.roofMarginM = args['margin-m'];
  if (args.scale !== undefined) patch.enhanceScale = args.scale as 2 | 4;
  if (args.paid) patch.allowPaid = true;
  if (args['no-paid']) patch.allowPaid = false;
  if (Object.keys(patch).length === 0) {
    const settings = getImagerySettings(db);
    output.print({ ok: true, settings }, describeSettings('Imagery settings', settings));
    return EXIT.ok;
  }
  const actor = args.actor ?? defaultActor();
  const settings = setImagerySettings(db, patch, { actor });
  output.print({ ok: true, settings }, describeSettings(`${args.reset ? 'Reset' : 'Changed'} the imagery settings by ${actor}:`, settings));
  return EXIT.ok;
}

function describeSettings(title: string, s: VersionedImagerySettings): string {
  const changed = s.version === 0 ? 'defaults, never changed' : `version ${s.version}, changed by ${s.changedBy} at ${s.changedAt}`;
  return [
    `${title} (${changed})`,
    `  cache lifetime     ${s.cacheTtlDays} days (--ttl-days)`,
    `  quality threshold  ${s.qualityThreshold} (--quality)`,
    `  cache cap          ${size(s.cacheCapBytes)} (--cap-mb)`,
    `  batch radius       ${s.batchRadiusM} m (--radius-m)`,
    `  batch size         ${s.batchMinSize} to ${s.batchMaxSize} properties (--min-batch, --max-batch)`,
    `  roof margin        ${s.roofMarginM} m (--margin-m)`,
    `  enhancement        ×${s.enhanceScale} (--scale)`,
    `  paid imagery       ${s.allowPaid ? 'allowed' : 'never bought'} (--paid, --no-paid)`,
  ].join('\n');
}

async function showRoof(db: Db, blobs: BlobStore, propertyId: string, out: string | undefined, output: CommandOutput): Promise<ExitCode> {
  const record = getRoofImage(db, propertyId);
  if (record === null) return output.fail('not-found', `Property ${propertyId} has no roof image yet (or there is no such property); scan its area first.`, EXIT.failure);
  const text = describeRoof(record);
  if (out === undefined) {
    output.print({ ok: true, roofImage: record }, text);
    return EXIT.ok;
  }
  const sha = record.enhancedSha256 ?? record.imageSha256;
  if (!record.storable || sha === null) {
    const message = `The picture is not kept: the licence of ${record.sources.join(', ')} forbids storing it, so nothing was written to ${out}.`;
    output.print({ ok: false, roofImage: record, error: { kind: 'not-stored', message } }, `${text}\n\n${message}`);
    return EXIT.failure;
  }
  const blob = await blobs.get(sha);
  if (blob === null) return output.fail('not-found', `The ${record.enhancedSha256 ? 'enhanced' : 'original'} picture is recorded but no longer in the image store; scan the property again.`, EXIT.failure);
  // Note: enhanced pictures are PNG already; an original crop may be a JPEG, so it is re-encoded.
  const png = blob.mime === 'image/png' ? blob.bytes : await sharp(blob.bytes).png().toBuffer();
  await writeFile(out, png);
  const which = record.enhancedSha256 ? 'enhanced' : 'original';
  output.print({ ok: true, roofImage: record, written: { path: out, picture: which, bytes: png.byteLength } }, `${text}\n\nWrote the ${which} picture to ${out} (${size(png.byteLength)}).`);
  return EXIT.ok;
}

function describeRoof(r: RoofImageRecord): string {
  const q = r.qualityDetail;
  const pct = (share: number) => `${Math.round(share * 100)}%`;
  const enhanced = r.enhancedScale === null ? 'not enhanced' : `→ ${(r.groundResolutionM / r.enhancedScale).toFixed(2)} m/px (×${r.enhancedScale}, ${r.enhancedModel ?? 'unknown model'})`;
  return [
    `Roof image of property ${r.propertyId} (updated ${r.updatedAt}${r.runId ? `, run ${r.runId}` : ''})`,
    `  step ${r.stepKind} from ${r.sources.join(', ')}, cost ${formatUsd(r.costMicros)}${r.batchId ? `, batch ${r.batchId}` : ''}`,
    `  ground resolution ${r.groundResolutionM.toFixed(2)} m/px ${enhanced}; crop ${r.width}×${r.height} px`,
    `  captured ${r.capturedAt ?? 'unknown'}`,
    `  quality ${r.quality.toFixed(2)} (sharpness ${q.sharpness.toFixed(2)}, noise ${q.noise.toFixed(2)}, resolution ${q.resolution.toFixed(2)}, cloud ${pct(q.cloudShare)}, no data ${pct(q.noDataShare)})`,
    ...q.notes.map((note) => `    - ${note}`),
    `  low confidence ${r.lowConfidence ? 'YES' : 'no'}, manual review ${r.manualReview ? 'YES' : 'no'}`,
    `  picture ${r.storable ? 'kept' : 'not kept (the licence forbids storing it; only these facts are)'}`,
    'Processing log:',
    ...(r.log.length === 0 ? ['  (empty)'] : r.log.map((e) => `  ${e.at}  ${e.step}: ${e.message}`)),
  ].join('\n');
}

function defaultActor(): string {
  try {
    return `${userInfo().username} (command line)`;
  } catch {
    return 'command line';
  }
}
