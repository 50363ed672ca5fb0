import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { KNOWN_API_KEYS, rotateAfterDaysSchema, secretNameSchema, type ApiKeyList, type ApiKeySummary } from '../../core/contracts/secrets-api';
import { resolveDataDir } from '../../core/data-dir';
import { loadHeadlessMasterKey, openSecretVault, SecretsError, type HeadlessKey, type SecretsUnlock } from '../../core/secrets';
import { databasePath, openDatabase, runMigrations, StoreError, type Db } from '../../core/store';
import { defineCommand, EXIT, type CliContext, type ExitCode } from '../command';
import { formatTable } from '../format';
import { DATA_HELP, dataOption } from '../options';

/** Who changed a key, as the audit log records it. */
const CLI_ACTOR = 'cli';
/** The desktop app's sealed master key (src/main/secret-file.ts); keys set here cannot be read there. */
const DESKTOP_KEY_FILE = 'master-key.enc';

type KeysAction = { action: 'list' } | { action: 'set'; name: string } | { action: 'delete'; name: string };

const actionSchema = z.array(z.string()).transform((positionals, ctx): KeysAction => {
  const [action, name, ...extra] = positionals;
  const issue = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (action === 'list') return name === undefined ? { action } : issue('list takes no name');
  if (action !== 'set' && action !== 'delete') return issue(action === undefined ? 'say what to do: list, set NAME or delete NAME' : `unknown action "${action.slice(0, 20)}": use list, set or delete`);
  if (name === undefined) return issue(`${action} needs the key's name, e.g. google-static-maps.api-key`);
  if (extra.length > 0) {
    return issue(
      action === 'set'
        ? 'the value is read from standard input, never from the command line (arguments stay in shell history and show in `ps`)'
        : 'delete takes one name',
    );
  }
  const checked = secretNameSchema.safeParse(name);
  return checked.success ? { action, name } : issue(`that is not a key name: a name ${checked.error.issues[0]?.message}`);
});

const keysArgs = z
  .object({
    json: z.boolean().optional(),
    data: dataOption.optional(),
    'rotate-after-days': z
      .string()
      .regex(/^\d{1,4}$/, 'must be a whole number of days from 1 to 365')
      .transform(Number)
      .pipe(rotateAfterDaysSchema)
      .optional(),
    positionals: actionSchema,
  })
  .refine((args) => args['rotate-after-days'] === undefined || args.positionals.action === 'set', {
    message: 'only applies to `keys set`',
    path: ['rotate-after-days'],
  });
type KeysArgs = z.output<typeof keysArgs>;

/** Reads the value of key `name`: standard input in the real command, a string in tests. */
export type SecretInput = (name: string, ctx: CliContext) => Promise<string>;

/** Standard input was too long, failed, or the prompt was cancelled. */
export class SecretInputError extends Error {
  override name = 'SecretInputError';
}

const MAX_INPUT_BYTES = 64 * 1024;

/**
 * At a terminal: a prompt that does not echo what is pasted. Piped: everything up to the end of
 * input (the vault trims it and refuses more than one line).
 */
export const readSecretFromStdin: SecretInput = (name, ctx) =>
  process.stdin.isTTY ? promptWithoutEcho(process.stdin, name, ctx) : readToEnd(process.stdin);

function readToEnd(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer | string) => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += bytes.length;
      if (size > MAX_INPUT_BYTES) {
        stream.removeAllListeners('data');
        reject(new SecretInputError('standard input holds more than 64 KiB; pipe in the key alone. Nothing was saved.'));
        return;
      }
      chunks.push(bytes);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', (error: Error) => reject(new SecretInputError(`cannot read standard input (${error.message}). Nothing was saved.`)));
  });
}

function promptWithoutEcho(stdin: NodeJS.ReadStream, name: string, ctx: CliContext): Promise<string> {
  ctx.stderr.write(`Paste the value for ${name} (it is not shown), then press Enter: `);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (settle: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      ctx.stderr.write('\n');
      settle();
    };
    const onData = (text: string) => {
      for (const char of text) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish(() => resolve(value));
        if (char === '\u0003') return finish(() => reject(new SecretInputError('cancelled; nothing was saved.')));
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else value += char;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** Builds the `keys` command; tests pass their own standard input. */
export function makeKeysCommand(readValue: SecretInput = readSecretFromStdin) {
  return defineCommand({
    name: 'keys',
    summary: 'save, list and delete the API keys of paid and keyed data sources',
    usage: 'fishmouth keys list [--json] | keys set NAME [--rotate-after-days N] [--json] | keys delete NAME [--json]  [--data DIR]',
    help: [
      'Keys are stored encrypted (AES-256-GCM) in the database under this machine\'s master key:',
      '$FISHMOUTH_MASTER_KEY (base64 of 32 bytes) if set, else <data>/master.key (mode 0600, made on first use).',
      'No running host is needed. See docs/SECRETS.md.',
      '',
      '  list              names, masked hints (last 4 characters at most), age, and rotation reminders',
      '  set NAME          reads the value from standard input: paste it at the prompt (not shown), or',
      '                    pipe it in: fishmouth keys set mapbox.access-token < token.txt',
      '                    Never put a value on the command line.',
      '  delete NAME       removes the key',
      '',
      `  NAME              ${KNOWN_API_KEYS.map((k) => k.name).join(', ')},`,
      '                    or your own source.kind name',
      '  --rotate-after-days N   remind to rotate after N days (1–365; default 30, or the key\'s current period)',
      '  --json            print one JSON document (never a value)',
      DATA_HELP,
      '',
      'Exit code: 0 done, 1 failed (or no such key to delete), 2 wrong arguments.',
    ].join('\n'),
    options: {
      json: { type: 'boolean' },
      data: { type: 'string' },
      'rotate-after-days': { type: 'string' },
    },
    allowPositionals: true,
    args: keysArgs,
    run: (args, ctx) => runKeys(args, ctx, readValue),
  });
}

export const keysCommand = makeKeysCommand();

async function runKeys(args: KeysArgs, ctx: CliContext, readValue: SecretInput): Promise<ExitCode> {
  const dataDir = resolveDataDir(args.data, ctx.env);
  const fail = (message: string): ExitCode => {
    ctx.stderr.write(`fishmouth keys: ${message}\n`);
    return EXIT.failure;
  };
  const command = args.positionals;
  let db: Db | null = null;
  try {
    if (command.action === 'list') {
      const found = loadHeadlessMasterKey({ dataDir, env: ctx.env, create: false });
      const unlock: SecretsUnlock = found
        ? { kind: 'unlocked', key: found.key }
        : { kind: 'locked', reason: 'this data folder has no master key yet (one is made when a key is first saved)' };
      const list: ApiKeyList = existsSync(databasePath(dataDir))
        ? openSecretVault((db = openStore(dataDir)), unlock).list()
        : { unlocked: unlock.kind === 'unlocked', lockedReason: unlock.kind === 'locked' ? unlock.reason : null, keys: [] };
      ctx.stdout.write(args.json ? `${JSON.stringify({ dataDir, ...list })}\n` : formatKeyList(list, dataDir));
      return EXIT.ok;
    }

    if (command.action === 'delete') {
      const deleted = existsSync(databasePath(dataDir))
        ? openSecretVault((db = openStore(dataDir)), { kind: 'locked', reason: 'not needed to delete' }).delete(command.name, CLI_ACTOR)
        : false;
      if (args.json) ctx.stdout.write(`${JSON.stringify({ dataDir, name: command.name, deleted })}\n`);
      else if (deleted) ctx.stdout.write(`Deleted ${command.name}.\n`);
      return deleted ? EXIT.ok : fail(`there is no key named ${command.name} in ${dataDir}.`);
    }

    const found = loadHeadlessMasterKey({ dataDir, env: ctx.env, create: true })!;
    if (existsSync(join(dataDir, DESKTOP_KEY_FILE)) && found.source === 'key-file') {
      ctx.stderr.write(
        `Note: ${dataDir} is also the desktop app's data folder. Keys saved here are for the headless host (\`fishmouth serve\`); the desktop app cannot read them: save them in its Settings → API keys.\n`,
      );
    }
    const value = await readValue(command.name, ctx);
    const saved = openSecretVault((db = openStore(dataDir)), { kind: 'unlocked', key: found.key }).set(
      { name: command.name, value, rotateAfterDays: args['rotate-after-days'] },
      CLI_ACTOR,
    );
    if (args.json) ctx.stdout.write(`${JSON.stringify({ dataDir, masterKey: describeKeySource(found), key: saved })}\n`);
    else ctx.stdout.write(formatSaved(saved, found));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof SecretsError || error instanceof StoreError || error instanceof SecretInputError) return fail(error.message);
    throw error;
  } finally {
    db?.close();
  }
}

function openStore(dataDir: string): Db {
  const db = openDatabase(dataDir);
  try {
    runMigrations(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function describeKeySource(found: HeadlessKey): { source: HeadlessKey['source']; path: string | null; created: boolean } {
  return { source: found.source, path: found.path, created: found.created };
}

function formatSaved(saved: ApiKeySummary, found: HeadlessKey): string {
  const lines = [
    `Saved ${saved.name} (${saved.hint}), encrypted. Rotation reminder after ${saved.rotateAfterDays} days (${saved.rotationDueAt.slice(0, 10)}).`,
  ];
  if (found.created) {
    lines.push(
      `Made a new master key at ${found.path} (mode 0600). Back it up with the database: without it the saved keys cannot be read.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function formatKeyList(list: ApiKeyList, dataDir: string): string {
  if (list.keys.length === 0) {
    return [
      `No API keys saved in ${dataDir}.`,
      'Add one with: fishmouth keys set NAME   (then paste the value; or pipe it in from a file)',
      `Known names: ${KNOWN_API_KEYS.map((k) => k.name).join(', ')}`,
      '',
    ].join('\n');
  }
  const status = (key: ApiKeySummary) => (key.problem ? 'UNREADABLE' : key.rotationDue ? 'ROTATION DUE' : 'ok');
  const rows = list.keys.map((key) => [key.name, key.hint ?? '-', key.updatedAt.slice(0, 10), `${key.ageDays} d`, `${key.rotateAfterDays} d`, status(key)]);
  const lines = [formatTable(['NAME', 'HINT', 'UPDATED', 'AGE', 'ROTATE', 'STATUS'], rows, new Set([3, 4])), ''];
  const due = list.keys.filter((k) => k.rotationDue);
  if (due.length > 0) {
    lines.push(`${due.length} key${due.length === 1 ? ' is' : 's are'} due for rotation: make a new one at the provider, then \`fishmouth keys set NAME\`.`);
  }
  for (const key of list.keys.filter((k) => k.problem && list.unlocked)) lines.push(`${key.name}: ${key.problem}`);
  if (!list.unlocked) lines.push(`Values cannot be read: ${list.lockedReason}.`);
  return `${lines.join('\n')}${lines.at(-1) === '' ? '' : '\n'}`;
}
