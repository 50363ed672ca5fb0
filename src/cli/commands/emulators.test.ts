import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sourcePolicy } from '../../core/cost/sources';
import { openDatabase } from '../../core/store';
import { searchNominatim } from '../../connectors/nominatim/connector';
import { createDemoWorld } from '../../demo';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { emulatorsCommand } from './emulators';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-emulators-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function waitForOutput(read: () => string): Promise<string> {
  for (let i = 0; i < 200 && !read().includes('\n'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return read();
}

describe('fishmouth emulators', () => {
  it('serves the demo territory, points the data folder at it while running, and restores it on stop', async () => {
    const data = join(root, 'data');
    const ctx = testContext();
    const exit = runCli(['emulators', '--demo', '--properties', '200', '--apply', '--data', data, '--json'], ctx, [emulatorsCommand]);
    const ready = JSON.parse(await waitForOutput(ctx.out)) as { ok: boolean; url: string; baseUrls: Record<string, string>; world: string; applied: string[] };
    expect(ready.ok).toBe(true);
    expect(ready.baseUrls.nominatim).toBe(`${ready.url}/nominatim`);
    expect(ready.applied).toContain('census-geocoder');

    const db = openDatabase(data);
    try {
      expect(sourcePolicy(db, 'nominatim')!.baseUrl).toBe(ready.baseUrls.nominatim);
      const world = createDemoWorld({ properties: 200 });
      const tags = world.buildingsIn(world.bbox).find((b) => b.tags['addr:housenumber'])!.tags;
      const [found] = await searchNominatim(db, `${tags['addr:housenumber']} ${tags['addr:street']}, ${tags['addr:city']}, ${tags['addr:state']} ${tags['addr:postcode']}`);
      expect(found!.address.houseNumber).toBe(tags['addr:housenumber']);

      ctx.signal('SIGINT');
      expect(await exit).toBe(EXIT.ok);
      expect(sourcePolicy(db, 'nominatim')!.baseUrl).toBe('https://nominatim.openstreetmap.org');
    } finally {
      db.close();
    }
  });

  it('serves the test street by default, and refuses --properties without --demo', async () => {
    const ctx = testContext();
    const exit = runCli(['emulators'], ctx, [emulatorsCommand]);
    const text = await waitForOutput(ctx.out);
    expect(text).toMatch(/^Emulators of \d+ sources on http:\/\/127\.0\.0\.1:\d+, serving "Tiny test street/);
    ctx.signal('SIGTERM');
    expect(await exit).toBe(EXIT.ok);
    expect(ctx.out()).toContain('SIGTERM: emulators stopped.');

    const wrong = testContext();
    expect(await runCli(['emulators', '--properties', '50'], wrong, [emulatorsCommand])).toBe(EXIT.usage);
    expect(wrong.err()).toContain('--properties needs --demo');
  });
});
