import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { resolveDataDir } from '../../core/data-dir';
import { SERVICE_NAMES, type ServiceName } from '../../core/contracts/services';
import { HeadlessServerError, startHeadlessServer, type HeadlessServer } from '../../headless/server';
import { isLoopbackAddress } from '../../headless/security';
import { defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { fetchHostHealth } from '../health-client';
import { createHeadlessHost, type HostFactory } from '../headless-host';
import { bindAddressOption, DATA_HELP, dataOption, logLevelOption, portOption } from '../options';
import { readServeRecord, removeServeRecord, writeServeRecord } from '../serve-record';

export const DEFAULT_PORT = 4317;

const serveArgs = z.object({
  port: portOption.default(DEFAULT_PORT),
  host: bindAddressOption.default('127.0.0.1'),
  data: dataOption.optional(),
  'log-level': logLevelOption.default('info'),
  positionals: z.array(z.string()).max(0, 'serve takes no other arguments'),
});
type ServeArgs = z.output<typeof serveArgs>;

/** Builds the `serve` command; tests pass a factory that makes a fake host. */
export function makeServeCommand(createHost: HostFactory = createHeadlessHost) {
  return defineCommand({
    name: 'serve',
    summary: 'run Fish Mouth without a window and open it in any browser',
    usage: 'fishmouth serve [--port N] [--host ADDR] [--data DIR] [--log-level L]',
    help: [
      'Starts the six services and serves the app at http://127.0.0.1:PORT/ with a per-launch access',
      'token in the address it prints. Stop it with Ctrl+C (SIGINT) or SIGTERM.',
      '',
      `  --port N          the port to listen on (default ${DEFAULT_PORT}; 0 = any free port)`,
      '  --host ADDR       the address to listen on (default 127.0.0.1; anything else exposes the app',
      '                    to your network, protected by the token alone)',
      DATA_HELP,
      '  --log-level L     trace, debug, info (default), warn, error, fatal or silent',
      '',
      'Exit code: 0 stopped cleanly, 1 could not start, 2 wrong arguments or the port is taken.',
    ].join('\n'),
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      data: { type: 'string' },
      'log-level': { type: 'string' },
    },
    args: serveArgs,
    run: (args, ctx) => runServe(args, ctx, createHost),
  });
}

export const serveCommand = makeServeCommand();

async function runServe(args: ServeArgs, ctx: CliContext, createHost: HostFactory): Promise<ExitCode> {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  const fail = (line: string) => ctx.stderr.write(`${line}\n`);
  const dataDir = resolveDataDir(args.data, ctx.env);

  const previous = readServeRecord(dataDir);
  if (previous.kind === 'found' && previous.record.pid !== process.pid) {
    const answer = await fetchHostHealth(previous.record.url, 1_500);
    if (answer.kind === 'answered' && answer.status.dataDir === dataDir) {
      fail(`Fish Mouth is already running on data folder ${dataDir} (pid ${previous.record.pid}, ${previous.record.url}).`);
      fail('Use that one (`fishmouth status`), stop it first, or pick another folder with --data DIR.');
      return EXIT.failure;
    }
  }

  if (!existsSync(join(ctx.rendererDir, 'index.html'))) {
    fail(`Fish Mouth is not built yet: run \`npm run build\` (no page in ${ctx.rendererDir}).`);
    return EXIT.failure;
  }
  const created = await createHost({ dataDir, workersDir: ctx.workersDir, version: ctx.version, logLevel: args['log-level'], env: ctx.env });
  if (created.kind === 'error') {
    fail(created.message);
    return EXIT.failure;
  }
  const host = created.host;
  if (!isLoopbackAddress(args.host)) {
    fail(
      `Warning: listening on ${args.host} makes Fish Mouth reachable from other machines; the access token is then the only protection. Prefer 127.0.0.1 with an SSH tunnel.`,
    );
  }

  // Note: the port is taken before any service starts, so a busy port fails fast and leaves nothing running.
  let server: HeadlessServer;
  try {
    server = await startHeadlessServer({ host, rendererDir: ctx.rendererDir, port: args.port, bindAddress: args.host, logger: created.logger });
  } catch (error) {
    await created.close();
    if (error instanceof HeadlessServerError) {
      fail(`Fish Mouth could not start: ${error.message}`);
      return error.kind === 'listen-failed' ? EXIT.failure : EXIT.usage;
    }
    throw error;
  }

  let forceStop: (signal: string) => void = () => {};
  const forced = new Promise<ExitCode>((resolve) => {
    forceStop = (signal) => {
      fail(`${signal} again: stopping at once.`);
      resolve(130);
    };
  });
  const stopRequested = new Promise<string>((resolve) => {
    let requests = 0;
    const unsubscribe = ctx.onStopSignal((signal) => {
      requests += 1;
      if (requests === 1) {
        out(`${signal}: stopping… (send it again to force)`);
        resolve(signal);
      } else {
        forceStop(signal);
        unsubscribe();
      }
    });
  });

  const shutDown = async (): Promise<void> => {
    removeServeRecord(dataDir);
    await server.close();
    await host.stop();
    await created.close();
  };

  out(`Fish Mouth ${ctx.version}, headless. Data folder: ${dataDir}`);
  out(`starting ${SERVICE_NAMES.length} services…`);
  const began = performance.now();
  const announced = new Set<ServiceName>();
  const unsubscribeProgress = host.onStatus((status) => {
    for (const service of status.services) {
      if (service.state === 'ready' && !announced.has(service.name)) {
        announced.add(service.name);
        out(`  ${service.name} ready`);
      }
    }
  });

  const started = await Promise.race([
    host.start().then(
      () => ({ kind: 'started' as const }),
      (error: unknown) => ({ kind: 'failed' as const, message: (error as Error)?.message ?? String(error) }),
    ),
    stopRequested.then(() => ({ kind: 'stop' as const })),
  ]);
  unsubscribeProgress();
  if (started.kind !== 'started') {
    if (started.kind === 'failed') fail(`Fish Mouth could not start: ${started.message}`);
    const code = await Promise.race([shutDown().then(() => (started.kind === 'failed' ? EXIT.failure : EXIT.ok)), forced]);
    out('stopped');
    return code;
  }
  out(`ready in ${((performance.now() - began) / 1000).toFixed(1)} s`);

  writeServeRecord({
    app: 'fishmouth',
    pid: process.pid,
    port: server.port,
    bindAddress: server.bindAddress,
    url: server.baseUrl,
    token: server.token,
    dataDir,
    version: ctx.version,
    startedAt: new Date().toISOString(),
  });
  out(`Open ${server.url} in a browser`);
  out('Press Ctrl+C to stop.');

  await stopRequested;
  const code = await Promise.race([shutDown().then(() => EXIT.ok), forced]);
  out(code === EXIT.ok ? 'stopped' : 'stopped by force');
  return code;
}
