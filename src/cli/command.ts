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

export interface CommandOutput {
  /** With --json the document, else the text, each as one line on stdout. */
  print(document: unknown, text: string): void;
  /** A failure: with --json `{ ok: false, error: { kind, message } }` on stdout, else the message on stderr. */
  fail(kind: string, message: string, code?: ExitCode): ExitCode;
}

/** The one way a command prints its answer and its failures, so `--json` means the same everywhere. */
export function commandOutput(ctx: CliContext, json: boolean | undefined, label: string): CommandOutput {
  return {
    print: (document, text) => ctx.stdout.write(json ? `${JSON.stringify(document)}\n` : `${text}\n`),
    fail: (kind, message, code = EXIT.failure) => {
      if (json) ctx.stdout.write(`${JSON.stringify({ ok: false, error: { kind, message } })}\n`);
      else ctx.stderr.write(`${label}: ${message}\n`);
      return code;
    },
  };
}
