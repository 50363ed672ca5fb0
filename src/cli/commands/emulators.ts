import { z } from 'zod';
import { resolveDataDir } from '../../core/data-dir';
import { openDatabase, runMigrations, type Db } from '../../core/store';
import { applyEmulatorBaseUrls, startEmulators, type AppliedBaseUrls, type Emulators } from '../../emulators/server';
import { tinyWorld } from '../../emulators/tiny-world';
import type { World } from '../../emulators/world';
import { defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { DATA_HELP, dataOption, portOption } from '../options';

/**
 * `fishmouth emulators [--port N] [--demo] [--apply] [--json]`: the loopback emulators of every
 * data source on one port, for trying connectors and the app by hand with no network. With
 * --apply the data folder's sources point at them until the command stops, then are restored.
 */

const emulatorsArgs = z.object({
  port: portOption.optional(),
  demo: z.boolean().optional(),
  apply: z.boolean().optional(),
  data: dataOption.optional(),
  json: z.boolean().optional(),
  positionals: z.array(z.string()).max(0, 'emulators takes no arguments, only options'),
});
type EmulatorsArgs = z.output<typeof emulatorsArgs>;

export const emulatorsCommand = defineCommand({
  name: 'emulators',
  summary: 'serve loopback emulators of every data source (for testing by hand, no network)',
  usage: 'fishmouth emulators [--port N] [--demo] [--apply] [--data DIR] [--json]',
  help: [
    'Serves every data source (Overpass, Nominatim, the Census geocoder…) on 127.0.0.1 under one',
    'port, each under its own path, answering in the real format from a built-in world.',
    '',
    '  --port N          the port to listen on (default: any free port)',
    '  --demo            serve the demo territory (when not yet available: the tiny test street, said so)',
    '  --apply           point the data folder\'s sources at the emulators until stopped, then restore them',
    DATA_HELP,
    '  --json            print one JSON document ({ url, baseUrls, world }) once listening',
    '',
    'Stop it with Ctrl+C (SIGINT) or SIGTERM. Exit code: 0 stopped, 1 failure, 2 wrong arguments.',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    demo: { type: 'boolean' },
    apply: { type: 'boolean' },
    data: { type: 'string' },
    json: { type: 'boolean' },
  },
  allowPositionals: true,
  args: emulatorsArgs,
  run: (args, ctx) => runEmulators(args, ctx),
});

/**
 * The world to serve. Note: the demo territory generator (src/demo) is wired here once it
 * exists; until then --demo serves the tiny street and says so.
 */
function chooseWorld(demo: boolean): { world: World; note: string | null } {
  const world = tinyWorld();
  return { world, note: demo ? 'The demo territory generator is not available in this build; serving the tiny test street instead.' : null };
}

async function runEmulators(args: EmulatorsArgs, ctx: CliContext): Promise<ExitCode> {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  const fail = (kind: string, message: string): ExitCode => {
    if (args.json) out(JSON.stringify({ ok: false, error: { kind, message } }));
    else ctx.stderr.write(`fishmouth emulators: ${message}\n`);
    return EXIT.failure;
  };
  const { world, note } = chooseWorld(args.demo ?? false);
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
    out(JSON.stringify({ ok: true, url: emulators.url, baseUrls: emulators.baseUrls, world: world.name, note, applied: applied?.applied ?? [] }));
  } else {
    if (note) out(note);
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
