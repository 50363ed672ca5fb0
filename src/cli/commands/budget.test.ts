import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listLedger } from '../../core/cost';
import { listAudit, openDatabase } from '../../core/store';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { budgetCommand } from './budget';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-budget-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDataDir = () => join(root, `data-${++counter}`);

async function run(args: string[]) {
  const ctx = testContext();
  const code = await runCli(['budget', ...args], ctx, [budgetCommand]);
  return { code, out: ctx.out(), err: ctx.err(), json: () => JSON.parse(ctx.out()) };
}

describe('fishmouth budget', () => {
  it('sets the limits and shows them in status, per pool and per priority', async () => {
    const data = freshDataDir();
    const set = await run(['set', '--daily', '2.50', '--emergency', '$20', '--per-call', '0.75', '--time-zone', 'America/Chicago', '--actor', 'Dana', '--json', '--data', data]);
    expect(set.code).toBe(EXIT.ok);
    expect(set.json().settings).toMatchObject({ version: 1, dailyMicros: 2_500_000, emergencyMicros: 20_000_000, perCallCapMicros: 750_000, timeZone: 'America/Chicago' });

    const status = await run(['status', '--json', '--data', data]);
    expect(status.code).toBe(EXIT.ok);
    expect(status.json()).toMatchObject({
      timeZone: 'America/Chicago',
      settingsVersion: 1,
      daily: { limitMicros: 2_500_000, committedMicros: 0, reservedMicros: 0, remainingMicros: 2_500_000 },
      priorities: { high: { limitMicros: 1_500_000 }, medium: { limitMicros: 750_000 }, low: { limitMicros: 250_000 } },
      emergency: { open: false },
    });

    const text = await run(['status', '--data', data]);
    expect(text.out).toMatch(/POOL\s+LIMIT\s+COMMITTED\s+RESERVED\s+REMAINING/);
    expect(text.out).toMatch(/daily\s+\$2\.50\s+\$0\.00\s+\$0\.00\s+\$2\.50/);
    expect(text.out).toMatch(/emergency\s+closed/);
  });

  it('charges the budget with reserve, exits 3 with the reason once it is spent', async () => {
    const data = freshDataDir();
    await run(['set', '--daily', '1.00', '--data', data]);
    const first = await run(['reserve', '--service', 'image-processor', '--amount', '0.25', '--priority', 'medium', '--json', '--data', data]);
    expect(first.code).toBe(EXIT.ok);
    expect(first.json()).toMatchObject({ granted: true, entry: { costMicros: 250_000, source: 'manual', operation: 'cli-charge', paid: true, priority: 'medium' } });

    // Medium has 30% of $1.00: $0.30, of which $0.25 is spent.
    const refused = await run(['reserve', '--service', 'image-processor', '--amount', '0.10', '--json', '--data', data]);
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.json()).toMatchObject({ granted: false, refusal: { kind: 'priority-share', availableMicros: 50_000 } });

    const human = await run(['reserve', '--service', 'scraper', '--amount', '5', '--source', 'google-static-maps', '--data', data]);
    expect(human.code).toBe(EXIT.refused);
    expect(human.out).toMatch(/Refused \(per-call-cap\): One call may cost at most \$1\.00/);

    const high = await run(['reserve', '--service', 'scraper', '--amount', '0.60', '--priority', 'high', '--data', data]);
    expect(high.code).toBe(EXIT.ok);
    expect(high.out).toMatch(/Charged \$0\.60 to scraper \(manual cli-charge\), high priority, daily pool/);

    const db = openDatabase(data);
    expect(listLedger(db, {}).map((e) => e.costMicros).sort()).toEqual([250_000, 600_000]);
    db.close();
  });

  it('opens the emergency budget once a day, audited, and then charges it', async () => {
    const data = freshDataDir();
    await run(['set', '--daily', '0.10', '--emergency', '1', '--data', data]);
    expect((await run(['reserve', '--service', 's', '--amount', '0.50', '--priority', 'high', '--data', data])).code).toBe(EXIT.refused);

    const opened = await run(['emergency', '--reason', 'hail in Plano', '--actor', 'Dana', '--json', '--data', data]);
    expect(opened.code).toBe(EXIT.ok);
    expect(opened.json()).toMatchObject({ ok: true, actor: 'Dana', reason: 'hail in Plano', amountMicros: 1_000_000, alreadyOpen: false });
    expect((await run(['emergency', '--reason', 'again', '--data', data])).out).toMatch(/already opened by Dana/);

    const charged = await run(['reserve', '--service', 's', '--amount', '0.50', '--priority', 'high', '--json', '--data', data]);
    expect(charged.code).toBe(EXIT.ok);
    expect(charged.json().entry.pool).toBe('emergency');

    const db = openDatabase(data);
    expect(listAudit(db).filter((a) => a.action === 'budget.emergency.open')).toHaveLength(1);
    db.close();
  });

  it('refuses malformed amounts and misplaced options as usage errors, charging nothing', async () => {
    const data = freshDataDir();
    const cases: [string[], RegExp][] = [
      [['reserve', '--service', 's', '--amount', 'abc'], /--amount "abc" is not a dollar amount/],
      [['reserve', '--service', 's', '--amount=-5'], /--amount "-5" is negative/],
      [['reserve', '--service', 's', '--amount', '0'], /--amount must be more than \$0/],
      [['reserve', '--service', 's', '--amount', '1e9'], /--amount "1e9" is not a dollar amount/],
      [['reserve', '--service', 's', '--amount', '2000000000'], /more than \$1,000,000,000/],
      [['reserve', '--service', 's', '--amount', '0.0000001'], /more than 6 decimal places/],
      [['reserve', '--amount', '1'], /--service is required/],
      [['set', '--daily', 'NaN'], /--daily "NaN" is not a dollar amount/],
      [['set', '--time-zone', 'Mars/Base'], /--time-zone must be an IANA time zone/],
      [['set'], /needs at least one of --daily/],
      [['status', '--daily', '5'], /--daily is not an option of budget status/],
      [['emergency'], /--reason is required/],
      [['spend'], /unknown action "spend"/],
      [[], /say what to do: set, status, reserve or emergency/],
    ];
    for (const [args, message] of cases) {
      const result = await run([...args, '--data', data]);
      expect(result.code, args.join(' ')).toBe(EXIT.usage);
      expect(result.err, args.join(' ')).toMatch(message);
    }
    // Usage errors stop before the database is even opened.
    expect(existsSync(data)).toBe(false);
  });
});
