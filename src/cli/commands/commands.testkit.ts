import { openDatabase, type Db } from '../../core/store';
import type { CliCommand } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';

/** Shared by the command tests: running one command as a user would, and reading its data folder after. */

export interface CommandRun {
  code: number;
  out: string;
  err: string;
  /** stdout read as JSON (for `--json`). */
  json(): any;
}

/** Runs `fishmouth <command.name> <args>` with only that command known, its output recorded. */
export async function runCommand(command: CliCommand, args: string[]): Promise<CommandRun> {
  const ctx = testContext();
  const code = await runCli([command.name, ...args], ctx, [command]);
  return { code, out: ctx.out(), err: ctx.err(), json: () => JSON.parse(ctx.out()) };
}

/** Opens the data folder's database for `fn` and closes it after, as the command left it (no migrations). */
export function withDb<T>(data: string, fn: (db: Db) => T): T {
  const db = openDatabase(data);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
