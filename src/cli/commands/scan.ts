import { z } from 'zod';
import { createFishMouthApi, type FishMouthApi } from '../../core/contracts/api';
import { orchestratorApiContract } from '../../core/contracts/orchestrator-api';
import type { ScanOptionsInput, ScanStatus, ScanSummary, ScanTarget } from '../../core/contracts/scan-api';
import { resolveDataDir } from '../../core/data-dir';
import { parseBBox } from '../../core/domain/geo';
import { formatUsd } from '../../core/money';
import { LinkedClient } from '../../core/rpc/linked-client';
import { portTransport } from '../../core/rpc/node-transports';
import { RpcPeer } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import type { RawPort } from '../../core/host/spawn';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { formatDuration, formatTable } from '../format';
import { fetchHostHealth } from '../health-client';
import { createHeadlessHost, type HostFactory, type ServeableHost } from '../headless-host';
import { DATA_HELP, dataOption, logLevelOption } from '../options';
import { readServeRecord } from '../serve-record';

/**
 * `fishmouth scan`: scans a territory (or a box) through the whole pipeline — the six services
 * start headless, the orchestrator plans and drives the scan, and the summary is printed.
 * Killed at any point (even SIGKILL), the same command carries on where the scan stopped:
 * starting a scan of a territory with an unfinished one resumes that one.
 */

const scanArgs = z
  .object({
    territory: z.string().trim().min(1, 'must name a territory').optional(),
    bbox: z
      .string()
      .transform((text, ctx) => {
        try {
          return parseBBox(text);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    county: z.string().trim().min(1).optional(),
    permits: z.string().trim().min(1).optional(),
    'no-paid': z.boolean().optional(),
    'no-imagery': z.boolean().optional(),
    'no-paid-imagery': z.boolean().optional(),
    priority: z.enum(['high', 'medium', 'low'], { message: 'must be high, medium or low' }).optional(),
    'storm-days': z.string().regex(/^\d{1,2}$/, 'must be a whole number of days').transform(Number).optional(),
    json: z.boolean().optional(),
    data: dataOption.optional(),
    'log-level': logLevelOption.default('warn'),
    positionals: z.array(z.string()).max(0, 'scan takes no other arguments'),
  })
  .refine((args) => (args.territory === undefined) !== (args.bbox === undefined), { message: 'give --territory NAME or --bbox=W,S,E,N (one of them)', path: ['territory'] });
type ScanArgs = z.output<typeof scanArgs>;

export function makeScanCommand(createHost: HostFactory = createHeadlessHost) {
  return defineCommand({
    name: 'scan',
    summary: 'collect every property of a territory: free sources first, paid records only for gaps, under the budget',
    usage: 'fishmouth scan --territory NAME | --bbox=W,S,E,N [--county ID] [--permits PORTAL] [--no-paid] [--no-imagery | --no-paid-imagery] [--priority P] [--json] [--data DIR]',
    help: [
      'Starts the services headless, scans, prints the summary and stops. The scan collects buildings',
      '(OpenStreetMap), parcels (the county layer), permits (the city portal) and storm reports (NOAA SPC',
      'and NCEI), finds census tracts and their ACS figures, estimates missing values, and buys a',
      'property record only for properties still below 75% complete, within the budget. Then every roof',
      'gets an image: NAIP (one request per geographic batch of up to 25 houses), enhanced ×4 on this',
      'machine, and paid imagery only where the free picture falls short and the budget allows.',
      '',
      '  --territory NAME  a saved territory (by name or id)',
      '  --bbox=W,S,E,N    or a box in degrees, e.g. --bbox=-96.88,33.22,-96.86,33.24 (with "=": a',
      '                    western longitude starts with a dash)',
      '  --county ID       the county parcel layer to read (see `fishmouth sources`); none: no parcels',
      '  --permits PORTAL  the permit portal to read; none: no permits',
      '  --no-paid         never buy property records (gaps are estimated locally)',
      '  --no-imagery      skip roof images',
      '  --no-paid-imagery never buy imagery (roofs NAIP cannot show stay low confidence)',
      '  --priority P      budget priority of paid calls: high, medium (default) or low',
      '  --storm-days N    days of SPC storm reports to read (default 7)',
      '  --json            print one JSON document: { ok, scan }',
      DATA_HELP,
      '',
      'Interrupted (Ctrl+C, a crash, a kill), the same command resumes the scan where it stopped,',
      'with no duplicate properties and no second charge for a record already bought.',
      'Exit code: 0 scan complete, 1 failed or could not start, 2 wrong arguments, 130 stopped.',
    ].join('\n'),
    options: {
      territory: { type: 'string' },
      bbox: { type: 'string' },
      county: { type: 'string' },
      permits: { type: 'string' },
      'no-paid': { type: 'boolean' },
      'no-imagery': { type: 'boolean' },
      'no-paid-imagery': { type: 'boolean' },
      priority: { type: 'string' },
      'storm-days': { type: 'string' },
      json: { type: 'boolean' },
      data: { type: 'string' },
      'log-level': { type: 'string' },
    },
    args: scanArgs,
    run: (args, ctx) => runScanCommand(args, ctx, createHost),
  });
}

export const scanCommand = makeScanCommand();

async function runScanCommand(args: ScanArgs, ctx: CliContext, createHost: HostFactory): Promise<ExitCode> {
  const dataDir = resolveDataDir(args.data, ctx.env);
  const { fail } = commandOutput(ctx, args.json, 'fishmouth scan');
  const busy = await runningHostOn(dataDir);
  if (busy) return fail('already-running', busy);
  const options: ScanOptionsInput = {
    ...(args.county ? { county: args.county } : {}),
    ...(args.permits ? { permitPortal: args.permits } : {}),
    ...(args['no-paid'] ? { paidEnrichment: false } : {}),
    ...(args['no-imagery'] ? { imagery: false } : {}),
    ...(args['no-paid-imagery'] ? { paidImagery: false } : {}),
    ...(args.priority ? { priority: args.priority } : {}),
    ...(args['storm-days'] ? { stormDays: args['storm-days'] } : {}),
  };
  const target: ScanTarget = args.territory ? { territory: args.territory, options } : { bbox: args.bbox!, options };

  const created = await createHost({ dataDir, workersDir: ctx.workersDir, version: ctx.version, logLevel: args['log-level'], env: ctx.env });
  if (created.kind === 'error') return fail('cannot-start', created.message);
  try {
    await created.host.start();
    const link = connectToHost(created.host);
    const outcome = await scanOnHost(link, target, ctx, { quiet: Boolean(args.json) }).finally(() => link.close());
    if (outcome.kind === 'stopped') {
      ctx.stderr.write(`${outcome.signal}: stopped. Run the same command again to resume the scan where it stopped.\n`);
      return 130;
    }
    if (outcome.kind === 'error') return fail(outcome.error.kind, outcome.error.message);
    const status = outcome.status;
    if (args.json) ctx.stdout.write(`${JSON.stringify({ ok: status.state === 'completed', scan: status })}\n`);
    else ctx.stdout.write(`${formatScan(status)}\n`);
    return status.state === 'completed' ? EXIT.ok : EXIT.failure;
  } catch (error) {
    return fail('cannot-start', `Fish Mouth could not start: ${(error as Error).message}`);
  } finally {
    await created.host.stop();
    await created.close();
  }
}

/** A `fishmouth serve` (or another scan) using the same data folder, described; null when there is none. */
export async function runningHostOn(dataDir: string): Promise<string | null> {
  const record = readServeRecord(dataDir);
  if (record.kind !== 'found' || record.record.pid === process.pid) return null;
  const answer = await fetchHostHealth(record.record.url, 1_500);
  if (answer.kind !== 'answered' || answer.status.dataDir !== dataDir) return null;
  return `Fish Mouth is running on data folder ${dataDir} (pid ${record.record.pid}, ${record.record.url}); start the scan from the app there, or stop it first.`;
}

export type ScanOnHost =
  | { kind: 'done'; status: ScanStatus }
  | { kind: 'stopped'; signal: string }
  | { kind: 'error'; error: { kind: string; message: string } };

/** The app's API on a started host, over a client port of the orchestrator (as a window gets). */
export interface HostApi {
  api: FishMouthApi;
  client: LinkedClient<typeof orchestratorApiContract>;
  close(): void;
}

export function connectToHost(host: ServeableHost): HostApi {
  const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator', waitForLinkMs: 30_000 });
  const disconnect = host.connectClient((port: RawPort) => client.attach(new RpcPeer(portTransport(port), { remoteName: 'the orchestrator' })));
  return {
    api: createFishMouthApi(client, 'websocket'),
    client,
    close: () => {
      disconnect();
      client.detach();
    },
  };
}

/**
 * Starts (or resumes) a scan through the orchestrator's own API, as the app does, and follows it
 * to the end with progress lines on stderr. A stop signal ends the wait (the scan stays resumable).
 */
export async function scanOnHost(link: HostApi, target: ScanTarget, ctx: CliContext, options: { quiet: boolean }): Promise<ScanOnHost> {
  const { api, client } = link;
  const waiting = new AbortController();
  let stopSignal: string | null = null;
  const unsubscribe = ctx.onStopSignal((signal) => {
    stopSignal = signal;
    waiting.abort();
  });
  try {
    const started = await api.startScan(target);
    if (!options.quiet) ctx.stderr.write(`Scan ${started.runId}${started.territoryName ? ` of ${started.territoryName}` : ''}: ${started.message}\n`);
    // One line a second at most, and one at every change of stage.
    let last = { stage: '', line: '', at: 0 };
    const status = await client.call('scan.wait', { runId: started.runId }, {
      signal: waiting.signal,
      onProgress: (progress) => {
        const line = progress.message ?? `${progress.stage}: ${progress.done}`;
        const stage = progress.stage ?? '';
        const now = Date.now();
        if (options.quiet || line === last.line || (stage === last.stage && now - last.at < 1_000)) return;
        last = { stage, line, at: now };
        ctx.stderr.write(`  ${line}\n`);
      },
    });
    return { kind: 'done', status };
  } catch (error) {
    if (stopSignal) return { kind: 'stopped', signal: stopSignal };
    if (error instanceof RpcError) return { kind: 'error', error: { kind: error.kind, message: error.message } };
    throw error;
  } finally {
    unsubscribe();
  }
}

const whole = (n: number) => n.toLocaleString('en-US');

function leadLines(s: ScanSummary): string[] {
  const l = s.leads;
  if (!l) return [];
  const lines = [
    `  Leads          ${whole(l.leads)} scored (${whole(l.hot)} at 70 or more; mean ${l.meanScore ?? '–'}); ${l.freeShare === null ? '' : `${Math.round(l.freeShare * 100)}% from free sources only; `}${l.spendPerLeadMicros === null ? '' : `${formatUsd(l.spendPerLeadMicros)} per lead`}`,
    `  Versus paying  a paid image and a property record for every property would cost ${formatUsd(l.payForEverythingMicros)}: saved ${formatUsd(l.savingsVersusPayingMicros)}`,
  ];
  if (l.top.length > 0) {
    lines.push('', '  Top leads');
    l.top.forEach((lead, index) => lines.push(`  ${String(index + 1).padStart(3)}. ${String(lead.score).padStart(3)}  ${lead.address}${lead.reasons.length > 0 ? ` — ${lead.reasons.join('; ')}` : ''}`));
  }
  return lines;
}

function imageryLines(s: ScanSummary): string[] {
  const i = s.imagery;
  if (!i) return [];
  const kinds = (['cache', 'free', 'paid', 'fallback'] as const)
    .filter((kind) => (i.byKind[kind] ?? 0) > 0)
    .map((kind) => `${whole(i.byKind[kind]!)} ${{ cache: 'from cache', free: 'NAIP', paid: 'paid', fallback: 'synthetic' }[kind]}`);
  return [
    `  Roof images    ${whole(i.roofImages)} (${kinds.join(', ') || 'none'}); ${whole(i.enhanced)} enhanced; mean quality ${i.meanQuality === null ? '–' : i.meanQuality.toFixed(2)}`,
    `  Imagery        ${whole(i.requests)} requests for ${whole(i.requestsWithoutBatching)} roofs in ${whole(i.batches)} batches; ${formatUsd(i.costMicros)}${i.manualReview > 0 ? `; ${whole(i.manualReview)} need manual review` : ''}`,
  ];
}

/** The summary as a rep reads it: what was found, what it cost, what it saved, source by source. */
export function formatScan(status: ScanStatus): string {
  const where = status.territoryName ?? status.bbox.join(', ');
  const took = status.finishedAt ? ` in ${formatDuration(Date.parse(status.finishedAt) - Date.parse(status.createdAt))}` : '';
  if (status.state !== 'completed' || !status.summary) return `Scan of ${where}: ${status.state}${took}. ${status.message}`;
  const s: ScanSummary = status.summary;
  const lines = [
    `Scan of ${where}: complete${took}.`,
    '',
    `  Properties     ${whole(s.properties)} (${whole(s.complete)} complete, ${whole(s.incomplete)} incomplete${s.averageCompleteness === null ? '' : `; average completeness ${Math.round(s.averageCompleteness * 100)}%`})`,
    `  Values         ${whole(s.estimatedValues)} estimated locally from census tract figures (low confidence)`,
    `  Paid records   ${whole(s.paidRecords)} bought, ${whole(s.paidRefused)} refused by the budget or settings`,
    `  Census tracts  ${whole(s.tracts)}`,
    `  Storm reports  ${whole(s.stormReports)} in and around the territory (${whole(s.hailReports)} hail${s.maxHailInches === null ? '' : `, largest ${s.maxHailInches} in`})`,
    `  Permits        ${whole(s.permits)} (${whole(s.roofingPermits)} roofing)`,
    ...imageryLines(s),
    ...leadLines(s),
    `  Spend          ${formatUsd(s.spendMicros)}; buying every fact would have cost ${formatUsd(s.listPriceMicros)}: saved ${formatUsd(s.savingsMicros)}`,
    '',
    formatTable(
      ['SOURCE', 'CALLS', 'HITS', 'MISSES', 'ERRORS', 'REFUSED', 'FALLBACKS', 'PAID', 'COST'],
      s.sources.map((source) => [
        source.source,
        whole(source.attempts),
        whole(source.hits),
        whole(source.misses),
        whole(source.errors),
        whole(source.refused),
        whole(source.fallbacks),
        whole(source.paidCalls),
        formatUsd(source.costMicros),
      ]),
      new Set([1, 2, 3, 4, 5, 6, 7, 8]),
    ),
  ];
  if (s.warnings.length > 0) lines.push('', 'Warnings:', ...s.warnings.slice(0, 10).map((warning) => `  - ${warning}`));
  return lines.join('\n');
}
