import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCommand, EXIT } from './command';
import { testContext } from './context.testkit';
import { runCli } from './run';

describe('fishmouth command line', () => {
  it('lists the commands for --help and help, on stdout', async () => {
    for (const argv of [['--help'], ['help'], ['-h']]) {
      const ctx = testContext();
      expect(await runCli(argv, ctx)).toBe(EXIT.ok);
      expect(ctx.out()).toContain('serve');
      expect(ctx.out()).toContain('status');
      expect(ctx.err()).toBe('');
    }
  });

  it('prints the usage on stderr with exit 2 when no command is given', async () => {
    const ctx = testContext();
    expect(await runCli([], ctx)).toBe(EXIT.usage);
    expect(ctx.err()).toContain('Usage: fishmouth <command>');
  });

  it('refuses an unknown command with the usage and exit 2', async () => {
    const ctx = testContext();
    expect(await runCli(['launch'], ctx)).toBe(EXIT.usage);
    expect(ctx.err()).toContain('unknown command "launch"');
    expect(ctx.out()).toBe('');
  });

  it('shows help for each command', async () => {
    for (const argv of [['serve', '--help'], ['help', 'serve'], ['status', '-h'], ['help', 'status']]) {
      const ctx = testContext();
      expect(await runCli(argv, ctx), argv.join(' ')).toBe(EXIT.ok);
      expect(ctx.out()).toMatch(new RegExp(`^Usage: fishmouth ${argv.includes('serve') ? 'serve' : 'status'} `));
    }
  });

  it('reports bad options of a command with its usage and exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['serve', '--port', 'abc'], '--port must be a whole number'],
      [['serve', '--port', '70000'], '--port must be at most 65535'],
      [['serve', '--log-level', 'loud'], '--log-level'],
      [['serve', '--colour'], "Unknown option '--colour'"],
      [['serve', 'now'], 'serve takes no other arguments'],
      [['status', '--port', '0'], '--port must be a real port'],
      [['status', '--json=yes'], '--json'],
    ];
    for (const [argv, message] of cases) {
      const ctx = testContext();
      expect(await runCli(argv, ctx), argv.join(' ')).toBe(EXIT.usage);
      expect(ctx.err(), argv.join(' ')).toContain(message);
      expect(ctx.err()).toContain(`Usage: fishmouth ${argv[0]}`);
      expect(ctx.out()).toBe('');
    }
  });

  it('runs a newly registered command without any change to the dispatcher', async () => {
    const budget = defineCommand({
      name: 'budget',
      summary: 'show the day budget',
      usage: 'fishmouth budget [--json]',
      help: '  --json  as JSON',
      options: { json: { type: 'boolean' } },
      args: z.object({ json: z.boolean().default(false), positionals: z.array(z.string()).max(0) }),
      run: async (args, ctx) => {
        ctx.stdout.write(args.json ? '{"limitMicros":10000000}\n' : '$10.00\n');
        return EXIT.refused;
      },
    });
    const ctx = testContext();
    expect(await runCli(['budget', '--json'], ctx, [budget])).toBe(EXIT.refused);
    expect(JSON.parse(ctx.out())).toEqual({ limitMicros: 10_000_000 });
  });
});
