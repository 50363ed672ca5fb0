import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { FishMouthApi } from '../src/core/contracts/api';
import { SERVICE_NAMES } from '../src/core/contracts/services';

/*
 * The desktop app as a user starts it: Electron on this checkout (package.json "main" is
 * out/main/index.js), six utility processes, the hardened window on app://fishmouth. Runs where
 * the Electron binary is installed (a normal `npm install`); skipped, and says so, elsewhere.
 */

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT_DIR = join('test-results', 'e2e');

/** node_modules/electron exports the binary's path, and throws if it was never downloaded. */
function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const executablePath = electronBinary();
if (!executablePath) {
  console.log('Electron binary not installed: skipping Electron-mode end-to-end test (run node node_modules/electron/install.js)');
}

/** What the tests read in the page (this file is compiled without the DOM library). */
interface PageGlobals {
  fishmouth?: FishMouthApi;
  require?: unknown;
  process?: unknown;
  location: { origin: string };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe.skipIf(!executablePath)('Fish Mouth desktop window (Electron)', () => {
  let app: ElectronApplication | null = null;
  let dataDir: string | null = null;

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the map and all six services ready, then quits without leaving processes behind', async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-electron-e2e-'));
    app = await _electron.launch({
      executablePath: executablePath!,
      args: [projectRoot, '--data', dataDir],
      cwd: projectRoot,
      timeout: 60_000,
    });
    const win = await app.firstWindow();

    await win.locator('[data-testid="map"] canvas').first().waitFor({ state: 'visible', timeout: 60_000 });
    for (const name of SERVICE_NAMES) {
      await win.locator(`[data-testid="service-row-${name}"][data-state="ready"]`).waitFor({ timeout: 90_000 });
    }
    await expect.poll(() => win.locator('[data-testid^="service-row-"][data-state="ready"]').count()).toBe(6);
    await win.screenshot({ path: join(OUTPUT_DIR, 'electron-window.png') });

    // The page is our own origin, has the narrow API, and no Node.js.
    expect(await win.evaluate(() => (globalThis as unknown as PageGlobals).location.origin)).toBe('app://fishmouth');
    const hasNode = await win.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return typeof g.require !== 'undefined' || typeof g.process !== 'undefined';
    });
    expect(hasNode).toBe(false);
    const status = await win.evaluate(() => (globalThis as unknown as PageGlobals).fishmouth!.getStatus());
    expect(status.mode).toBe('desktop');
    expect(status.dataDir).toBe(dataDir);
    expect(status.services.map((s) => s.runtime)).toEqual(SERVICE_NAMES.map(() => 'utility-process'));
    const pids = status.services.map((s) => s.pid).filter((pid): pid is number => pid !== null);
    expect(pids).toHaveLength(6);

    await app.close();
    app = null;
    await expect.poll(() => pids.filter(isAlive), { timeout: 15_000 }).toEqual([]);
  });
});
