import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tryAcquire } from '../../core/cost/rate-limiter';
import { sourcePolicy } from '../../core/cost/sources';
import { listAudit, openDatabase } from '../../core/store';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { sourcesCommand } from './sources';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-sources-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDataDir = () => join(root, `data-${++counter}`);

async function run(args: string[]) {
  const ctx = testContext();
  const code = await runCli(['sources', ...args], ctx, [sourcesCommand]);
  return { code, out: ctx.out(), err: ctx.err(), json: () => JSON.parse(ctx.out()) };
}

describe('fishmouth sources', () => {
  it('lists every source with its rate, cap and use today, as a table and as JSON', async () => {
    const data = freshDataDir();
    const text = await run(['--data', data]);
    expect(text.code).toBe(EXIT.ok);
    expect(text.out).toMatch(/ID\s+KIND\s+ENABLED\s+RATE\s+BURST\s+DAILY CAP\s+USED TODAY\s+BASE URL/);
    expect(text.out).toMatch(/census-acs\s+free\s+yes\s+2\/s\s+2\s+1,000\s+0\s+https:\/\/api\.census\.gov\/data/);
    expect(text.out).toMatch(/google-static-maps\s+paid\s+yes\s+0\.1\/s\s+1\s+100\s+0\s+https:\/\/maps\.googleapis\.com/);
    expect(text.out).toMatch(/arcgis-parcels\s+free\s+yes\s+0\.5\/s\s+1\s+500\s+0\s+set per territory/);

    const json = await run(['list', '--json', '--data', data]);
    expect(json.code).toBe(EXIT.ok);
    const document = json.json();
    expect(document).toMatchObject({ ok: true, settingsVersion: 0 });
    expect(document.sources.find((s: { id: string }) => s.id === 'nominatim')).toMatchObject({ ratePerSecond: 1, dailyCap: null, usage: { requests: 0 } });
  });

  it('sets only the settings given, which the rate limiter then uses, and resets them', async () => {
    const data = freshDataDir();
    const set = await run(['set', 'naip', '--rate', '0.25', '--burst', '2', '--daily-cap', '3', '--base-url', 'http://127.0.0.1:8123/naip', '--actor', 'Dana', '--json', '--data', data]);
    expect(set.code).toBe(EXIT.ok);
    expect(set.json()).toMatchObject({
      ok: true,
      source: { id: 'naip', ratePerSecond: 0.25, burst: 2, dailyCap: 3, baseUrl: 'http://127.0.0.1:8123/naip', settingsVersion: 1 },
    });

    const more = await run(['set', 'naip', '--disable', '--daily-cap', 'none', '--user-agent', 'FishMouth-test/1 (ops@example.com)', '--json', '--data', data]);
    expect(more.json().source).toMatchObject({ enabled: false, ratePerSecond: 0.25, burst: 2, dailyCap: null, userAgent: 'FishMouth-test/1 (ops@example.com)', settingsVersion: 2 });

    const db = openDatabase(data);
    try {
      const policy = sourcePolicy(db, 'naip')!;
      expect(policy).toMatchObject({ enabled: false, rateLimit: { requestsPerSecond: 0.25, burst: 2 }, dailyCap: null });
      const t = Date.now();
      expect([tryAcquire(db, 'naip', policy, { now: t }).ok, tryAcquire(db, 'naip', policy, { now: t }).ok]).toEqual([true, true]);
      expect(tryAcquire(db, 'naip', policy, { now: t })).toMatchObject({ ok: false, reason: 'rate', retryAfterMs: 4_000 });
      expect(listAudit(db).filter((e) => e.action === 'source-settings-changed').map((e) => e.actor)).toEqual(
        expect.arrayContaining(['Dana', expect.stringMatching(/command line\)?$/)]),
      );
    } finally {
      db.close();
    }

    expect((await run(['--json', '--data', data])).json()).toMatchObject({ settingsVersion: 2, changedBy: expect.stringMatching(/command line/) });
    const table = await run(['--data', data]);
    expect(table.out).toMatch(/naip\s+free\s+no\*\s+0\.25\/s\*\s+2\*\s+none\*\s+2\s+http:\/\/127\.0\.0\.1:8123\/naip\*/);

    const reset = await run(['set', 'naip', '--reset', '--json', '--data', data]);
    expect(reset.code).toBe(EXIT.ok);
    expect(reset.json().source).toMatchObject({ enabled: true, ratePerSecond: 0.5, burst: 1, dailyCap: 500, customised: [], settingsVersion: 3 });
    expect((await run(['set', 'naip', '--reset', '--data', data])).out).toMatch(/Reset USGS NAIP aerial imagery \(naip\), settings version 4[\s\S]*all defaults/);
  });

  it.each([
    [['set', 'naip', '--rate=-1'], /--rate must be more than 0 requests a second/],
    [['set', 'naip', '--rate', '0'], /--rate must be more than 0 requests a second/],
    [['set', 'naip', '--rate', 'NaN'], /--rate must be a number, like 2 or 0\.5/],
    [['set', 'naip', '--rate', 'fast'], /--rate must be a number, like 2 or 0\.5/],
    [['set', 'naip', '--rate', '1e9'], /--rate must be a number/],
    [['set', 'naip', '--rate', '5000'], /--rate must be at most 1000 requests a second/],
    [['set', 'naip', '--burst', '1.5'], /--burst must be a whole number of requests from 1 to 1000/],
    [['set', 'naip', '--daily-cap', '99999999999'], /--daily-cap must be at most 10,000,000 requests a day/],
    [['set', 'naip', '--daily-cap', 'lots'], /--daily-cap must be a number/],
    [['set', 'naip', '--base-url', 'ftp://example.org'], /--base-url must start with http:\/\/ or https:\/\//],
    [['set', 'naip', '--enable', '--disable'], /--enable and --disable cannot be given together/],
    [['set', 'naip', '--reset', '--rate', '1'], /--reset restores every default, so it cannot be combined with --rate/],
    [['set', 'naip'], /sources set needs at least one of --rate/],
    [['set'], /say which source to set/],
    [['set', 'NAIP!', '--rate', '1'], /the source id must be a source id like osm-overpass/],
    [['list', '--rate', '1'], /--rate is an option of sources set, not sources list/],
    [['remove', 'naip'], /unknown action "remove"/],
  ])('refuses %j with exit 2 and a reason, changing nothing', async (args, message) => {
    const data = freshDataDir();
    const result = await run([...args, '--data', data]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
    expect(result.err).toMatch(/Usage: fishmouth sources/);
  });

  it('refuses an unknown source and a rate for a local one with exit 2, as JSON when asked', async () => {
    const data = freshDataDir();
    const unknown = await run(['set', 'bing-maps', '--disable', '--json', '--data', data]);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.json()).toMatchObject({ ok: false, error: { kind: 'unknown-source', message: expect.stringMatching(/no data source called "bing-maps"/) } });
    const local = await run(['set', 'user-files', '--rate', '2', '--data', data]);
    expect(local.code).toBe(EXIT.usage);
    expect(local.err).toMatch(/fishmouth sources set: Your own files \(CSV \/ GeoJSON\) is a local source/);
    expect((await run(['--json', '--data', data])).json().settingsVersion).toBe(0);
  });
});
