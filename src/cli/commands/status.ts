import { z } from 'zod';
import { resolveDataDir } from '../../core/data-dir';
import { defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { formatDuration, formatServiceTable } from '../format';
import { fetchHostHealth } from '../health-client';
import { DATA_HELP, dataOption, portOption } from '../options';
import { readServeRecord } from '../serve-record';
import { openDatabase, type Db } from '../../core/store';
import { readMlRuntime } from '../../ml/runtime-record';

const statusArgs = z.object({
  json: z.boolean().optional(),
  data: dataOption.optional(),
  port: portOption.pipe(z.number().min(1, 'must be a real port (1–65535)')).optional(),
  positionals: z.array(z.string()).max(0, 'status takes no other arguments'),
});

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'show the services of the running headless host',
  usage: 'fishmouth status [--json] [--data DIR] [--port N]',
  help: [
    'Asks the headless host running on the data folder for its service table.',
    '',
    '  --json            print the host status as one JSON document',
    DATA_HELP,
    '  --port N          ask the host on this port of 127.0.0.1 instead of the one in <data>/serve.json',
    '',
    'Exit code: 0 all services ready, 1 not running or not healthy, 2 wrong arguments.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    data: { type: 'string' },
    port: { type: 'string' },
  },
  args: statusArgs,
  run: (args, ctx) => runStatus(args, ctx),
});

async function runStatus(args: z.output<typeof statusArgs>, ctx: CliContext): Promise<ExitCode> {
  const dataDir = resolveDataDir(args.data, ctx.env);
  const notRunning = (reason: string): ExitCode => {
    const message = `Fish Mouth is not running (no headless host found for data folder ${dataDir}).`;
    if (args.json) ctx.stdout.write(`${JSON.stringify({ running: false, dataDir, message, reason })}\n`);
    else ctx.stderr.write(`${message}\n  ${reason}\n`);
    return EXIT.failure;
  };

  let baseUrl: string;
  if (args.port !== undefined) {
    baseUrl = `http://127.0.0.1:${args.port}/`;
  } else {
    const found = readServeRecord(dataDir);
    if (found.kind === 'none') return notRunning('No serve.json in the data folder: start one with `fishmouth serve`.');
    if (found.kind === 'invalid') return notRunning(`serve.json cannot be read (${found.message}).`);
    baseUrl = found.record.url;
  }

  const answer = await fetchHostHealth(baseUrl);
  if (answer.kind !== 'answered') return notRunning(`${answer.message.charAt(0).toUpperCase()}${answer.message.slice(1)}.`);
  const status = answer.status;
  // serve.json may outlive its host, and a new host on another folder may now hold that port.
  if (args.port === undefined && status.dataDir !== dataDir) {
    return notRunning(`The host at ${baseUrl} serves another data folder (${status.dataDir}).`);
  }

  const ml = mlRuntimeOf(status.dataDir);
  if (args.json) {
    ctx.stdout.write(`${JSON.stringify({ running: true, ...status, ml })}\n`);
  } else {
    const uptime = formatDuration(Date.now() - Date.parse(status.startedAt));
    ctx.stdout.write(
      [
        `Fish Mouth ${status.version} (${status.mode}) at ${baseUrl}: ${status.healthy ? 'all services ready' : 'NOT healthy'}, up ${uptime}`,
        `Data folder: ${status.dataDir}`,
        '',
        formatServiceTable(status),
        '',
        mlLine(ml),
        '',
      ].join('\n'),
    );
  }
  return status.healthy ? EXIT.ok : EXIT.failure;
}

/** What ml-inference recorded of its models at start (the data folder's meta row), or null. */
function mlRuntimeOf(dataDir: string): ReturnType<typeof readMlRuntime> {
  let db: Db | null = null;
  try {
    db = openDatabase(dataDir, { readonly: true });
    return readMlRuntime(db);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

function mlLine(ml: ReturnType<typeof readMlRuntime>): string {
  if (!ml) return 'Models: not loaded yet.';
  if (ml.problem) return `Models: ${ml.problem}`;
  const provider = { cuda: 'CUDA GPU', dml: 'DirectML GPU', coreml: 'Core ML', cpu: 'CPU' }[ml.provider ?? 'cpu'];
  return `Models: ${ml.models.map((model) => model.id).join(', ')} on ${provider}${ml.providerNote ? ` (${ml.providerNote})` : ''}`;
}
