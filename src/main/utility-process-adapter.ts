import { StringDecoder } from 'node:string_decoder';
import type { ForkOptions, MessagePortMain, UtilityProcess } from 'electron';
import type { ExitInfo, RawPort, ServiceHandle, SpawnAdapter } from '../core/host/spawn';
import { serviceEnvironment } from './launch-options';

/*
 * The desktop app's spawn adapter: each service is an Electron utility process (a Node.js child
 * that Chromium's process model manages, with MessagePortMain for ports). Electron itself is
 * injected (`utilityProcess.fork`, `MessageChannelMain`) so this file carries only type imports
 * and is tested in plain Node with a fake process (utility-process-adapter.test.ts).
 */

/** The part of an Electron `UtilityProcess` the adapter uses. */
export type UtilityChild = Pick<UtilityProcess, 'pid' | 'stdout' | 'stderr' | 'postMessage' | 'kill' | 'on'>;

export interface UtilityProcessRuntime {
  fork(modulePath: string, args: string[], options: ForkOptions): UtilityChild;
  createChannel(): [MessagePortMain, MessagePortMain];
}

/** pino-compatible: the main process log receives each line a service prints. */
export interface ServiceOutputLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface UtilityProcessAdapterOptions {
  log: ServiceOutputLog;
  /** The app's environment, inherited by services minus what `serviceEnvironment` removes. */
  parentEnv?: NodeJS.ProcessEnv;
  /** How long a killed process may take to report its exit before we report it ourselves. */
  killGraceMs?: number;
  /** How long an exit report waits for the last stderr lines to arrive. */
  stderrDrainMs?: number;
}

const STDERR_TAIL_LINES = 12;
const STDERR_TAIL_CHARS = 1500;

export function createUtilityProcessAdapter(runtime: UtilityProcessRuntime, options: UtilityProcessAdapterOptions): SpawnAdapter {
  const killGraceMs = options.killGraceMs ?? 5000;
  const stderrDrainMs = options.stderrDrainMs ?? 250;
  return {
    kind: 'utility-process',
    createChannel(): [RawPort, RawPort] {
      return runtime.createChannel();
    },
    spawn({ service, entryFile, env }): ServiceHandle {
      const child = runtime.fork(entryFile, [], {
        // Shown in the OS task manager and in app.getAppMetrics().
        serviceName: `Fish Mouth ${service}`,
        stdio: 'pipe',
        env: serviceEnvironment(options.parentEnv ?? process.env, env),
      });
      let pid: number | null = child.pid ?? null;
      let killedByHost = false;
      let fatalError: string | null = null;
      let exited: ExitInfo | null = null;
      let exitPending = false;
      const exitHandlers: Array<(info: ExitInfo) => void> = [];
      const stderrTail: string[] = [];
      let stderrEnded = child.stderr === null;
      let onStderrEnd: (() => void) | null = null;

      const fields = () => ({ service, pid });
      pipeLines(child.stdout, (line) => options.log.info({ ...fields(), stream: 'stdout' }, line));
      pipeLines(
        child.stderr,
        (line) => {
          stderrTail.push(line);
          if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
          options.log.warn({ ...fields(), stream: 'stderr' }, line);
        },
        () => {
          stderrEnded = true;
          onStderrEnd?.();
        },
      );

      const report = (code: number | null) => {
        if (exited || exitPending) return;
        exitPending = true;
        const settle = () => {
          if (exited) return;
          exited = { code, reason: describeExit(code, killedByHost, fatalError, stderrTail) };
          for (const handler of exitHandlers) handler(exited);
        };
        // The last stderr lines (a crash's stack trace) often arrive just after 'exit'.
        if (stderrEnded || killedByHost) {
          settle();
          return;
        }
        const timer = setTimeout(settle, stderrDrainMs);
        onStderrEnd = () => {
          clearTimeout(timer);
          settle();
        };
      };

      child.on('spawn', () => {
        pid = child.pid ?? pid;
      });
      child.on('error', (type, location) => {
        fatalError = `${type} at ${location}`;
      });
      child.on('exit', (code) => report(code));

      return {
        get pid() {
          return pid;
        },
        send(message, ports = []) {
          // A message to a process that has ended has nowhere to go; its exit is already reported.
          if (exited || exitPending) return;
          child.postMessage(message, ports as MessagePortMain[]);
        },
        onMessage(handler) {
          // Utility processes send plain messages to main; ports only ever flow the other way.
          child.on('message', (data: unknown) => handler(data, []));
        },
        onExit(handler) {
          exitHandlers.push(handler);
          if (exited) handler(exited);
        },
        kill() {
          if (exited || exitPending || killedByHost) return;
          killedByHost = true;
          if (!child.kill()) return;
          // Electron reports 'exit' for a killed process; should it not, the supervisor must
          // still learn that the process is gone.
          setTimeout(() => report(null), killGraceMs).unref?.();
        },
      };
    },
  };
}

function describeExit(code: number | null, killedByHost: boolean, fatalError: string | null, stderrTail: string[]): string {
  if (killedByHost) return 'killed';
  const base = fatalError ? `fatal error: ${fatalError}` : code === 0 ? 'exited normally' : `exited with code ${code ?? 'unknown'}`;
  if (code === 0 || stderrTail.length === 0) return base;
  let tail = stderrTail.join('\n');
  if (tail.length > STDERR_TAIL_CHARS) tail = `…${tail.slice(-STDERR_TAIL_CHARS)}`;
  return `${base}; last output: ${tail}`;
}

/** Calls `onLine` for each complete line of a child's output stream. */
function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void, onEnd?: () => void): void {
  if (!stream) return;
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  const emit = (text: string) => {
    const lines = (buffered + text).split(/\r?\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  };
  stream.on('data', (chunk: Buffer | string) => emit(typeof chunk === 'string' ? chunk : decoder.write(chunk)));
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    emit(decoder.end());
    if (buffered.trim()) onLine(buffered);
    buffered = '';
    onEnd?.();
  };
  stream.on('end', end);
  stream.on('close', end);
}
