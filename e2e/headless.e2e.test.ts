import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SERVICE_NAMES } from '../src/core/contracts/services';
import { launchChromium } from './browser';

const OUTPUT_DIR = join('test-results', 'e2e');

let server: ChildProcess;
let url: string;
let dataDir: string;
let browser: Browser;
let serverOutput = '';

/** Starts `fishmouth serve` as a user would and reads the URL it prints. */
function startServe(): Promise<string> {
  return new Promise((resolve, reject) => {
    server = spawn(process.execPath, ['bin/fishmouth.js', 'serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error(`fishmouth serve printed no URL within 60 s:\n${serverOutput}`)), 60_000);
    const onData = (chunk: Buffer) => {
      serverOutput += chunk.toString();
      const match = serverOutput.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.on('exit', (code) => reject(new Error(`fishmouth serve exited early (${code}):\n${serverOutput}`)));
  });
}

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-e2e-'));
  url = await startServe();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('fishmouth serve in Chromium', () => {
  it('renders the map and shows all six services ready', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);

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
    const base = new URL(url);
    const answer = await page.goto(`${base.origin}/api/ws`);
    expect(answer?.status()).toBe(401);
    const health = await page.goto(`${base.origin}/api/health`);
    expect(health?.status()).toBe(200);
    const body = JSON.parse(await page.locator('body').innerText());
    expect(body.services).toHaveLength(6);
    await page.close();
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
