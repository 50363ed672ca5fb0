import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { z } from 'zod';

/**
 * The one logger: structured JSON lines through pino, one file per process under
 * `<dataDir>/logs/`, rotated daily or at 10 MB, seven old files kept, secrets redacted.
 *
 *   const log = await createLogger({ dataDir, name: 'orchestrator', level: 'info' })
 *   log.info({ runId }, 'run started');   log.child({ service: 'scraper' })
 *   await log.flushAndClose()              at shutdown (or closeLogger(log)); releases the file
 *   nullLogger                             logs nothing (tests)
 *
 * Files are named `<name>.<n>.log` (pino-roll numbers them; the highest is current).
 * Lines are written synchronously: the last line before a crash is the one we need most, and
 * our services log tens of lines a second at most.
 *
 * Note: pino-roll runs as a destination stream in this thread, not as a pino transport: a
 * transport starts a worker thread per logger, and we already run six services, some of them
 * in worker threads, where a nested transport worker is slow to start and can lose lines on exit.
 */

export type Logger = PinoLogger & {
  /** Writes out what is left and closes the file; the logger must not be used afterwards. */
  flushAndClose(): Promise<void>;
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CreateLoggerOptions {
  dataDir: string;
  /** File and `name` field, e.g. the service name: lower-case letters, digits and dashes. */
  name: string;
  level?: LogLevel | string;
}

const optionsSchema = z.object({
  dataDir: z.string().min(1),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'Use lower-case letters, digits and dashes for a log name'),
  level: z.enum(LOG_LEVELS).default('info'),
});

/** Keys whose values never reach a log file, at the top level and two levels down. */
const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'token',
  'accessToken',
  'refreshToken',
  'password',
  'authorization',
  'Authorization',
  'cookie',
  'secret',
  'clientSecret',
  'connectionString',
  'postgresUrl',
];
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

// pino-roll ships no type declarations; this is the part of its API we use.
interface PinoRollOptions {
  file: string;
  frequency?: 'daily' | 'hourly' | number;
  size?: string | number;
  mkdir?: boolean;
  extension?: string;
  limit?: { count?: number; removeOtherLogFiles?: boolean };
}
interface RollingStream extends DestinationStream {
  fd: number;
  destroyed: boolean;
  end(): void;
  once(event: 'ready' | 'close', listener: () => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
}
type PinoRoll = (options: PinoRollOptions & { sync?: boolean }) => Promise<RollingStream>;
const pinoRoll = createRequire(import.meta.url)('pino-roll') as PinoRoll;

export async function createLogger(options: CreateLoggerOptions): Promise<Logger> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new Error(`Cannot start logging: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const { dataDir, name, level } = parsed.data;
  const folder = join(dataDir, 'logs');
  mkdirSync(folder, { recursive: true });
  const destination = await pinoRoll({
    file: join(folder, name),
    extension: '.log',
    frequency: 'daily',
    size: '10m',
    mkdir: true,
    // Each name belongs to one process at a time, so files left by its earlier runs are ours to prune.
    limit: { count: 7, removeOtherLogFiles: true },
    sync: true,
  });
  if (destination.fd < 0) {
    await new Promise<void>((resolve, reject) => {
      destination.once('ready', resolve);
      destination.once('error', (error) => reject(new Error(`Cannot write logs to ${folder}: ${error.message}`)));
    });
  }
  const logger = pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid, name }, // no hostname: log files get attached to support emails
    },
    destination,
  );
  // Note: pino children are created with Object.create(parent), so they inherit this method.
  return Object.assign(logger, { flushAndClose: () => closeStream(destination) });
}

function closeStream(stream: RollingStream): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', resolve);
    stream.end();
  });
}

/** The same as `logger.flushAndClose()`, for callers that hold the logger as a value. */
export function closeLogger(logger: Logger): Promise<void> {
  return logger.flushAndClose();
}

export const nullLogger: Logger = Object.assign(pino({ level: 'silent' }), { flushAndClose: () => Promise.resolve() });
