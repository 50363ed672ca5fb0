import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The printed address; Note: `%` too, as the host URL-encodes the token. */
const URL_PATTERN = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w%-]+/;
const START_TIMEOUT_MS = 60_000;

export interface CliResult {
  code: number;
  /** stdout, followed by stderr when the command failed. */
  stdout: string;
}

/** A host (`fishmouth serve`, or `fishmouth demo --serve`) running on its own temporary data folder. */
export interface HostHandle {
  /** The address the host printed, token included. */
  url: string;
  /** The temporary data folder the host uses. */
  dataDir: string;
  process: ChildProcess;
  /** Everything the host printed so far, stdout and stderr interleaved. */
  readonly output: string;
  /** SIGTERM, waits for the exit and removes the data folder; returns the exit code. Safe to call twice. */
  stop(): Promise<number | null>;
}

export interface ServeHandle extends HostHandle {
  /** Runs the CLI as a user would, in its own process, against the host's data folder. */
  cli(...args: string[]): Promise<CliResult>;
}

/**
 * Starts `fishmouth serve --port 0` on a fresh temporary data folder, as a user would, and reads
 * the URL it prints.
 */
export async function startServe(dataDirPrefix = 'fishmouth-e2e-'): Promise<ServeHandle> {
  const host = await startHost(['serve', '--port', '0'], { dataDirPrefix, timeoutMs: START_TIMEOUT_MS });
  // Note: assigned onto the handle, not spread, so `output` stays a live getter.
  return Object.assign(host, { cli: (...args: string[]) => fishmouthCli(host.dataDir, ...args) });
}

export interface HostOptions {
  /** Prefix of the temporary data folder's name. */
  dataDirPrefix: string;
  /** How long to wait for the printed URL before stopping the host and failing. */
  timeoutMs: number;
}

/**
 * Runs `fishmouth <args> --data <fresh temp folder>` and waits for the URL it prints (serve, or
 * demo --serve once its scan is done). Note: the host is stopped and its folder removed when no
 * URL comes, so a failed start leaves nothing running.
 */
export async function startHost(args: string[], options: HostOptions): Promise<HostHandle> {
  const command = `fishmouth ${args.join(' ')}`;
  const dataDir = mkdtempSync(join(tmpdir(), options.dataDirPrefix));
  const child = spawn(process.execPath, ['bin/fishmouth.js', ...args, '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let stopped: Promise<number | null> | null = null;
  const stop = (): Promise<number | null> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    })();
    return stopped;
  };

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${command} printed no URL within ${options.timeoutMs / 1000} s:\n${output}`)),
        options.timeoutMs,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = output.match(URL_PATTERN);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${command} exited early (${code}):\n${output}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    dataDir,
    process: child,
    get output() {
      return output;
    },
    stop,
  };
}

/** Runs `fishmouth <args> --data <dataDir>` in its own process; a non-zero exit is a result, not a throw. */
export async function fishmouthCli(dataDir: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout } = await run(process.execPath, ['bin/fishmouth.js', ...args, '--data', dataDir]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}
