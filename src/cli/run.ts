import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { EXIT, type CliCommand, type CliContext, type ExitCode } from './command';
import { COMMANDS } from './commands';

/**
 * Runs one `fishmouth` command line and returns its exit code. Human text goes to stdout, errors
 * to stderr; nothing here exits the process (the entry does, after the output is flushed).
 */
export async function runCli(argv: readonly string[], ctx: CliContext, commands: readonly CliCommand[] = COMMANDS): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    ctx.stderr.write(overview(commands));
    return EXIT.usage;
  }
  if (first === '--help' || first === '-h') {
    ctx.stdout.write(overview(commands));
    return EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    ctx.stdout.write(`${ctx.version}\n`);
    return EXIT.ok;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      ctx.stdout.write(overview(commands));
      return EXIT.ok;
    }
    const command = commands.find((c) => c.name === topic);
    if (!command) return unknownCommand(topic, ctx, commands);
    ctx.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) return unknownCommand(first, ctx, commands);

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usageError(command, (error as Error).message, ctx);
  }
  if (parsed.values.help) {
    ctx.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const { help: _help, ...values } = parsed.values;
  const args = command.args.safeParse({ ...values, positionals: parsed.positionals });
  if (!args.success) return usageError(command, describeArgsError(args.error), ctx);
  return command.run(args.data, ctx);
}

function describeArgsError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const key = issue.path[0];
      // Positional problems carry their own wording; option problems name the option.
      return key === undefined || key === 'positionals' ? issue.message : `--${String(key)} ${issue.message}`;
    })
    .join('; ');
}

function usageError(command: CliCommand, message: string, ctx: CliContext): ExitCode {
  ctx.stderr.write(`fishmouth ${command.name}: ${message}\nUsage: ${command.usage}\nRun \`fishmouth ${command.name} --help\` for details.\n`);
  return EXIT.usage;
}

function unknownCommand(name: string, ctx: CliContext, commands: readonly CliCommand[]): ExitCode {
  ctx.stderr.write(`fishmouth: unknown command "${name}".\n\n${overview(commands)}`);
  return EXIT.usage;
}

function overview(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Fish Mouth: roofing leads from free public data, with hard data budgets.',
    '',
    'Usage: fishmouth <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  show help for a command: fishmouth help <command>`,
    '',
    'Exit codes: 0 ok, 1 failure or not running, 2 wrong usage, 3 refused.',
    '',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  return `Usage: ${command.usage}\n\n${command.summary.charAt(0).toUpperCase()}${command.summary.slice(1)}.\n${command.help}\n`;
}
