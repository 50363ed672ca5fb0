import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SERVICE_NAMES } from '../src/core/contracts/services';
import { launchChromium } from './browser';
import { startServe, type ServeHandle } from './serve';

const OUTPUT_DIR = join('test-results', 'e2e');

let serve: ServeHandle;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  serve = await startServe();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('fishmouth serve in Chromium', () => {
  it('renders the map and shows all six services ready', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(serve.url);

    await page.locator('[data-testid="map"] canvas').first().waitFor({ state: 'visible' });
    await page.waitForFunction(() => (globalThis as { __fishmouthMapLoaded?: boolean }).__fishmouthMapLoaded === true, null, { timeout: 60_000 });
    for (const name of SERVICE_NAMES) {
      await page.locator(`[data-testid="service-row-${name}"][data-state="ready"]`).waitFor({ timeout: 60_000 });
    }
    await expect(page.locator('[data-testid="connection-state"]').textContent()).resolves.toMatch(/connected/i);
    // The token was moved out of the address bar.
    expect(page.url()).not.toContain('token=');
    await page.screenshot({ path: join(OUTPUT_DIR, 'headless-map-and-services.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses the data API to a page that lacks the token', async () => {
    const page = await browser.newPage();
    const base = new URL(serve.url);
    const answer = await page.goto(`${base.origin}/api/ws`);
    expect(answer?.status()).toBe(401);
    const health = await page.goto(`${base.origin}/api/health`);
    expect(health?.status()).toBe(200);
    const body = JSON.parse(await page.locator('body').innerText());
    expect(body.services).toHaveLength(6);
    await page.close();
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await serve.stop()).toBe(0);
  });
});
