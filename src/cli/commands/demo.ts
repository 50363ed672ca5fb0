import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { openDatabase, runMigrations, type Db } from '../../core/store';
import { createDemoWorld, DEFAULT_DEMO_PROPERTIES, DEFAULT_DEMO_SEED, MAX_DEMO_PROPERTIES } from '../../demo/world';
import { DEMO_SCAN_OPTIONS, DEMO_TERRITORY_NAME, prepareDemoStore, type PreparedDemoStore } from '../../demo/session';
import { startEmulators, type Emulators } from '../../emulators/server';
import { HeadlessServerError, startHeadlessServer, type HeadlessServer } from '../../headless/server';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { createHeadlessHost, type HostCreation, type HostFactory } from '../headless-host';
import { dataOption, logLevelOption, portOption } from '../options';
import { connectToHost, formatScan, runningHostOn, scanOnHost, type HostApi } from './scan';

/**
 * `fishmouth demo`: the whole product on this machine, with no internet. It builds the demo town
 * (a deterministic synthetic territory north of Dallas), serves it from loopback emulators that
 * answer like OpenStreetMap, the county, the permit portal, the Census, NOAA and a paid records
 * API, starts the six services, scans the territory through the real pipeline — free sources
 * first, a paid record only where a property stays incomplete, charged against the budget — and
 * prints what was found, spent and saved. With --serve the app stays up to look at the result.
 */

const wholeNumber = (label: string) => z.string().regex(/^\d+$/, `${label} must be a whole number`).transform(Number);

const demoArgs = z.object({
  properties: wholeNumber('--properties')
    .pipe(z.number().int().min(1, 'must be at least 1').max(MAX_DEMO_PROPERTIES, `must be at most ${MAX_DEMO_PROPERTIES.toLocaleString('en-US')}`))
    .optional(),
  seed: wholeNumber('--seed').pipe(z.number().int().max(2 ** 31 - 1)).optional(),
  data: dataOption.optional(),
  json: z.boolean().optional(),
  serve: z.boolean().optional(),
  port: portOption.optional(),
  'log-level': logLevelOption.default('warn'),
  positionals: z.array(z.string()).max(0, 'demo takes no other arguments'),
});
type DemoArgs = z.output<typeof demoArgs>;

export function makeDemoCommand(createHost: HostFactory = createHeadlessHost) {
  return defineCommand({
    name: 'demo',
    summary: 'scan the built-in demo territory end to end on loopback emulators (no internet needed)',
    usage: 'fishmouth demo [--properties N] [--seed N] [--data DIR] [--json] [--serve [--port N]]',
    help: [
      'Builds the demo town, serves it from loopback emulators of every data source, scans it through',
      'the whole pipeline and prints the summary: properties, calls per source, spend and savings.',
      '',
      `  --properties N    houses in the demo town (default ${DEFAULT_DEMO_PROPERTIES.toLocaleString('en-US')}; up to ${MAX_DEMO_PROPERTIES.toLocaleString('en-US')})`,
      `  --seed N          another town (default ${DEFAULT_DEMO_SEED}); the same seed gives the same town`,
      '  --data DIR        keep the demo in this data folder (default: a temporary folder, removed after)',
      '  --json            print one JSON document: { ok, world, scan }',
      '  --serve           keep the app running afterwards: open the printed address to see the town',
      '  --port N          with --serve, the port (default any free port)',
      '',
      'Sources are pointed at the emulators only for the run and put back afterwards.',
      'Exit code: 0 scan complete, 1 failed, 2 wrong arguments, 130 stopped.',
    ].join('\n'),
    options: {
      properties: { type: 'string' },
      seed: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean' },
      serve: { type: 'boolean' },
      port: { type: 'string' },
      'log-level': { type: 'string' },
    },
    args: demoArgs,
    run: (args, ctx) => runDemo(args, ctx, createHost),
  });
}

export const demoCommand = makeDemoCommand();

async function runDemo(args: DemoArgs, ctx: CliContext, createHost: HostFactory): Promise<ExitCode> {
  const say = (line: string) => {
    if (!args.json) ctx.stdout.write(`${line}\n`);
  };
  const { fail } = commandOutput(ctx, args.json, 'fishmouth demo');
  if (args.serve && !existsSync(join(ctx.rendererDir, 'index.html'))) return fail('not-built', `Fish Mouth is not built yet: run \`npm run build\` (no page in ${ctx.rendererDir}).`);
  const temporary = args.data === undefined;
  const dataDir = temporary ? mkdtempSync(join(tmpdir(), 'fishmouth-demo-')) : resolve(args.data!);
  if (!temporary) {
    const busy = await runningHostOn(dataDir);
    if (busy) return fail('already-running', busy);
  }

  const began = performance.now();
  const world = createDemoWorld({ ...(args.properties ? { properties: args.properties } : {}), ...(args.seed !== undefined ? { seed: args.seed } : {}) });
  say(`Demo town: ${world.name}, ${world.propertyCount.toLocaleString('en-US')} houses (seed ${world.seed}, as of ${world.asOf}).`);
  say(`Data folder: ${dataDir}${temporary ? ' (temporary)' : ''}`);

  let emulators: Emulators | null = null;
  let db: Db | null = null;
  let prepared: PreparedDemoStore | null = null;
  let created: HostCreation | null = null;
  let server: HeadlessServer | null = null;
  let link: HostApi | null = null;
  try {
    emulators = await startEmulators({ world });
    say(`Emulators of ${Object.keys(emulators.baseUrls).length} sources on ${emulators.url}`);
    db = openDatabase(dataDir);
    runMigrations(db);
    prepared = prepareDemoStore(db, world, emulators.baseUrls, { dataDir, env: ctx.env });
    created = await createHost({ dataDir, workersDir: ctx.workersDir, version: ctx.version, logLevel: args['log-level'], env: ctx.env });
    if (created.kind === 'error') return fail('cannot-start', created.message);
    await created.host.start();
    say('Services ready; scanning…');

    link = connectToHost(created.host);
    const outcome = await scanOnHost(link, { territory: DEMO_TERRITORY_NAME, options: DEMO_SCAN_OPTIONS }, ctx, { quiet: Boolean(args.json) });
    if (outcome.kind === 'stopped') {
      ctx.stderr.write(`${outcome.signal}: stopped.${temporary ? '' : ' Run the same command again to resume the scan.'}\n`);
      return 130;
    }
    if (outcome.kind === 'error') return fail(outcome.error.kind, outcome.error.message);
    const status = outcome.status;
    const worldFacts = { name: world.name, properties: world.propertyCount, seed: world.seed, asOf: world.asOf, bbox: world.bbox, emulators: emulators.url };
    if (args.json) ctx.stdout.write(`${JSON.stringify({ ok: status.state === 'completed', world: worldFacts, scan: status, elapsedMs: Math.round(performance.now() - began) })}\n`);
    else say(`\n${formatScan(status)}`);
    if (status.state !== 'completed') return EXIT.failure;

    if (args.serve) {
      try {
        server = await startHeadlessServer({ host: created.host, rendererDir: ctx.rendererDir, port: args.port ?? 0, logger: created.logger });
      } catch (error) {
        if (error instanceof HeadlessServerError) return fail('cannot-serve', `The app could not be served: ${error.message}`);
        throw error;
      }
      say(`\nOpen ${server.url} in a browser to see the town on the map. Press Ctrl+C to stop.`);
      if (args.json) ctx.stderr.write(`Open ${server.url} in a browser. Press Ctrl+C to stop.\n`);
      await new Promise<void>((done) => {
        const unsubscribe = ctx.onStopSignal(() => {
          unsubscribe();
          done();
        });
      });
    }
    return EXIT.ok;
  } finally {
    await server?.close();
    link?.close();
    if (created?.kind === 'ready') {
      await created.host.stop();
      await created.close();
    }
    // Put the data-source settings back: a kept folder must not point at an emulator that is gone.
    prepared?.restore();
    db?.close();
    await emulators?.close();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  }
}
