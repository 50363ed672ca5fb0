import type { ParseArgsConfig } from 'node:util';
import type { z } from 'zod';

/** Exit codes every command keeps to, so scripts can branch on them. */
export const EXIT = {
  ok: 0,
  /** Something failed, or the thing asked about is not running. */
  failure: 1,
  /** The command line was wrong; the usage was printed. */
  usage: 2,
  /** Understood and declined (a budget refusal). */
  refused: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT] | 130;

export interface OutputStream {
  write(text: string): unknown;
}

/** What a command may use of the outside world; tests pass their own. */
export interface CliContext {
  version: string;
  /** The folder of the built cli.js (out/main): it holds workers/<service>.js. */
  workersDir: string;
  /** The renderer build (out/renderer). */
  rendererDir: string;
  env: NodeJS.ProcessEnv;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Calls `handler` on each request to stop (SIGINT, SIGTERM); returns the unsubscribe. */
  onStopSignal(handler: (signal: string) => void): () => void;
}

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/**
 * One subcommand. The dispatcher parses `options` with node:util `parseArgs`, validates the
 * values (and positionals) with `args`, and handles `--help`; `run` only ever sees valid input.
 */
export interface CliCommand<A = unknown> {
  name: string;
  /** One line for `fishmouth help`. */
  summary: string;
  /** e.g. `fishmouth serve [--port N] [--data DIR]` */
  usage: string;
  /** Option descriptions and examples for `fishmouth <name> --help`. */
  help: string;
  options: OptionSpecs;
  allowPositionals?: boolean;
  args: z.ZodType<A, { positionals: string[] } & Record<string, unknown>>;
  run(args: A, ctx: CliContext): Promise<ExitCode>;
}

/** Keeps each command's argument type while letting the registry hold them together. */
export function defineCommand<A>(command: CliCommand<A>): CliCommand<unknown> {
  return command as unknown as CliCommand<unknown>;
}
