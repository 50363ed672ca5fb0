import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MasterKey } from '../../core/secrets';
import { listAudit, openDatabase } from '../../core/store';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { makeKeysCommand, SecretInputError } from './keys';

const GOOGLE = 'AIzaSyD-example-not-a-real-key-WXYZ';

describe('fishmouth keys', () => {
  let dataDir: string;
  let stdin: string | Error;
  const keys = makeKeysCommand(async () => {
    if (stdin instanceof Error) throw stdin;
    return stdin;
  });
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const ctx = testContext({ env });
    const code = await runCli([...args, '--data', dataDir], ctx, [keys]);
    return { code, out: ctx.out(), err: ctx.err() };
  };
  const logFiles = () => {
    const folder = join(dataDir, 'logs');
    return existsSync(folder) ? readdirSync(folder).map((f) => readFileSync(join(folder, f), 'utf8')).join('\n') : '';
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-keys-'));
    stdin = '';
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sets a key from standard input; list --json shows the hint and never the value', async () => {
    stdin = `${GOOGLE}\n`;
    const set = await run(['keys', 'set', 'google-static-maps.api-key', '--rotate-after-days', '28']);
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/Saved google-static-maps\.api-key \(••••WXYZ\), encrypted\. Rotation reminder after 28 days/);
    expect(set.out).toMatch(/Made a new master key at .*master\.key \(mode 0600\)/);
    if (process.platform !== 'win32') expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);

    const list = await run(['keys', 'list', '--json']);
    expect(list.code).toBe(0);
    const doc = JSON.parse(list.out);
    expect(doc).toMatchObject({ dataDir, unlocked: true, keys: [{ name: 'google-static-maps.api-key', hint: '••••WXYZ', rotateAfterDays: 28, rotationDue: false, problem: null }] });
    for (const output of [set.out, set.err, list.out, list.err, logFiles()]) {
      expect(output).not.toContain(GOOGLE);
      expect(output).not.toContain(GOOGLE.slice(0, 12));
    }

    const db = openDatabase(dataDir);
    try {
      const audit = listAudit(db);
      expect(audit.map((a) => [a.actor, a.action, a.details])).toEqual([['cli', 'api key set', { name: 'google-static-maps.api-key', rotateAfterDays: 28 }]]);
      expect(JSON.stringify(db.prepare('SELECT * FROM audit_log').all())).not.toContain(GOOGLE.slice(0, 12));
    } finally {
      db.close();
    }
  });

  it('lists in a table, marking keys due for rotation, and deletes', async () => {
    stdin = 'census-key-0000000001';
    await run(['keys', 'set', 'census.api-key', '--rotate-after-days', '1']);
    const db = openDatabase(dataDir);
    db.prepare("UPDATE secrets SET updated_at = '2020-01-01T00:00:00.000Z'").run();
    db.close();

    const list = await run(['keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^NAME\s+HINT\s+UPDATED\s+AGE\s+ROTATE\s+STATUS$/m);
    expect(list.out).toMatch(/^census\.api-key\s+••••0001\s+2020-01-01\s+\d+ d\s+1 d\s+ROTATION DUE$/m);
    expect(list.out).toMatch(/1 key is due for rotation/);

    expect((await run(['keys', 'delete', 'census.api-key'])).code).toBe(0);
    const again = await run(['keys', 'delete', 'census.api-key']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/there is no key named census\.api-key/);
    expect((await run(['keys', 'list'])).out).toMatch(/No API keys saved/);
  });

  it('refuses a value on the command line, and other wrong usage, saving nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['keys', 'set', 'mapbox.access-token', 'pk.value-on-argv'], /read from standard input, never from the command line/],
      [['keys', 'set'], /set needs the key's name/],
      [['keys', 'set', 'Mapbox Token'], /not a key name/],
      [['keys'], /say what to do/],
      [['keys', 'show'], /unknown action "show"/],
      [['keys', 'list', '--rotate-after-days', '5'], /--rotate-after-days only applies to `keys set`/],
      [['keys', 'set', 'mapbox.access-token', '--rotate-after-days', '0'], /--rotate-after-days must be at least 1 day/],
      [['keys', 'set', 'mapbox.access-token', '--rotate-after-days', 'soon'], /--rotate-after-days must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.err).toMatch(message);
      expect(result.err).not.toContain('pk.value-on-argv');
    }
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses an empty or multi-line value and a cancelled prompt, saving nothing', async () => {
    for (const [input, message] of [
      ['\n', /value: is empty/],
      ['line-one-of-key\nline-two-of-key\n', /value: contains a line break/],
      [new SecretInputError('cancelled; nothing was saved.'), /cancelled; nothing was saved/],
    ] as const) {
      stdin = input;
      const result = await run(['keys', 'set', 'mapbox.access-token']);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(message);
      expect(result.err).not.toContain('line-one');
    }
    expect(JSON.parse((await run(['keys', 'list', '--json'])).out).keys).toEqual([]);
  });

  it('uses FISHMOUTH_MASTER_KEY when set, and another key cannot read what it saved', async () => {
    const env = { FISHMOUTH_MASTER_KEY: MasterKey.generate().toBase64() };
    stdin = 'socrata-token-abcdefgh';
    expect((await run(['keys', 'set', 'socrata.app-token'], env)).code).toBe(0);
    expect(existsSync(join(dataDir, 'master.key'))).toBe(false);
    expect(JSON.parse((await run(['keys', 'list', '--json'], env)).out).keys[0]).toMatchObject({ hint: '••••efgh', problem: null });

    const withoutKey = JSON.parse((await run(['keys', 'list', '--json'])).out);
    expect(withoutKey).toMatchObject({ unlocked: false, keys: [{ name: 'socrata.app-token', hint: null }] });

    const malformed = await run(['keys', 'list'], { FISHMOUTH_MASTER_KEY: 'not-base64-at-all' });
    expect(malformed.code).toBe(1);
    expect(malformed.err).toMatch(/FISHMOUTH_MASTER_KEY is not a master key.*openssl rand -base64 32/);
  });

  it.skipIf(process.platform === 'win32')('refuses a master.key others can read, with the fix', async () => {
    stdin = 'census-key-0000000001';
    await run(['keys', 'set', 'census.api-key']);
    chmodSync(join(dataDir, 'master.key'), 0o644);
    const result = await run(['keys', 'set', 'census.api-key']);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`chmod 600 ${join(dataDir, 'master.key')}`);
  });

  it("warns that keys saved in the desktop app's folder are for the headless host", async () => {
    writeFileSync(join(dataDir, 'master-key.enc'), '{}');
    stdin = 'census-key-0000000001';
    const result = await run(['keys', 'set', 'census.api-key']);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/desktop app cannot read them: save them in its Settings → API keys/);
  });
});
