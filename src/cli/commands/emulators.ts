import { z } from 'zod';
import { resolveDataDir } from '../../core/data-dir';
import { createDemoWorld, DEFAULT_DEMO_PROPERTIES, MAX_DEMO_PROPERTIES } from '../../demo';
import { openDatabase, runMigrations, type Db } from '../../core/store';
import { applyEmulatorBaseUrls, startEmulators, type AppliedBaseUrls, type Emulators } from '../../emulators/server';
import { tinyWorld } from '../../emulators/tiny-world';
import type { World } from '../../emulators/world';
import { commandOutput, defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { DATA_HELP, dataOption, portOption } from '../options';

/**
 * `fishmouth emulators [--port N] [--demo] [--apply] [--json]`: the loopback emulators of every
 * data source on one port, for trying connectors and the app by hand with no network. With
 * --apply the data folder's sources point at them until the command stops, then are restored.
 */

const emulatorsArgs = z.object({
  port: portOption.optional(),
  demo: z.boolean().optional(),
  properties: z
    .string()
    .regex(/^\d{1,7}$/, 'must be a whole number of properties')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(MAX_DEMO_PROPERTIES, `must be at most ${MAX_DEMO_PROPERTIES}`))
    .optional(),
  apply: z.boolean().optional(),
  data: dataOption.optional(),
  json: z.boolean().optional(),
  positionals: z.array(z.string()).max(0, 'emulators takes no arguments, only options'),
}).refine((args) => args.properties === undefined || args.demo, { message: '--properties needs --demo', path: ['properties'] });
type EmulatorsArgs = z.output<typeof emulatorsArgs>;

export const emulatorsCommand = defineCommand({
  name: 'emulators',
  summary: 'serve loopback emulators of every data source (for testing by hand, no network)',
  usage: 'fishmouth emulators [--port N] [--demo [--properties N]] [--apply] [--data DIR] [--json]',
  help: [
    'Serves every data source (Overpass, Nominatim, the Census geocoder…) on 127.0.0.1 under one',
    'port, each under its own path, answering in the real format from a built-in world.',
    '',
    '  --port N          the port to listen on (default: any free port)',
    `  --demo            serve the demo territory (default: a six-house test street)`,
    `  --properties N    houses in the demo territory (default ${DEFAULT_DEMO_PROPERTIES.toLocaleString('en-US')})`,
    '  --apply           point the data folder\'s sources at the emulators until stopped, then restore them',
    DATA_HELP,
    '  --json            print one JSON document ({ url, baseUrls, world }) once listening',
    '',
    'Stop it with Ctrl+C (SIGINT) or SIGTERM. Exit code: 0 stopped, 1 failure, 2 wrong arguments.',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    demo: { type: 'boolean' },
    properties: { type: 'string' },
    apply: { type: 'boolean' },
    data: { type: 'string' },
    json: { type: 'boolean' },
  },
  allowPositionals: true,
  args: emulatorsArgs,
  run: (args, ctx) => runEmulators(args, ctx),
});

/** The demo territory (the same seed as `fishmouth demo`), or the six-house test street. */
function chooseWorld(args: EmulatorsArgs): World {
  return args.demo ? createDemoWorld(args.properties === undefined ? {} : { properties: args.properties }) : tinyWorld();
}

async function runEmulators(args: EmulatorsArgs, ctx: CliContext): Promise<ExitCode> {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  const { fail } = commandOutput(ctx, args.json, 'fishmouth emulators');
  const world = chooseWorld(args);
  let emulators: Emulators;
  try {
    emulators = await startEmulators({ world, port: args.port ?? 0 });
  } catch (error) {
    return fail('listen-failed', `could not listen on 127.0.0.1:${args.port ?? 0} (${error instanceof Error ? error.message : String(error)}); choose another --port.`);
  }
  let db: Db | null = null;
  let applied: AppliedBaseUrls | null = null;
  try {
    if (args.apply) {
      db = openDatabase(resolveDataDir(args.data, ctx.env));
      runMigrations(db);
      applied = applyEmulatorBaseUrls(db, emulators.baseUrls);
    }
  } catch (error) {
    db?.close();
    await emulators.close();
    return fail('cannot-apply', `could not point the data folder's sources at the emulators: ${error instanceof Error ? error.message : String(error)}`);
  }

  if (args.json) {
    out(JSON.stringify({ ok: true, url: emulators.url, baseUrls: emulators.baseUrls, world: world.name, applied: applied?.applied ?? [] }));
  } else {
    out(`Emulators of ${Object.keys(emulators.baseUrls).length} sources on ${emulators.url}, serving "${world.name}":`);
    for (const [source, url] of Object.entries(emulators.baseUrls)) out(`  ${source.padEnd(20)} ${url}`);
    if (applied) out(`The data folder's sources (${applied.applied.join(', ')}) point here until this stops.`);
    out('Stop with Ctrl+C.');
  }

  const signal = await new Promise<string>((resolve) => {
    const unsubscribe = ctx.onStopSignal((name) => {
      unsubscribe();
      resolve(name);
    });
  });
  try {
    applied?.restore();
  } finally {
    db?.close();
    await emulators.close();
  }
  if (!args.json) out(`${signal}: emulators stopped${applied ? '; the sources\' addresses are restored' : ''}.`);
  return EXIT.ok;
}
