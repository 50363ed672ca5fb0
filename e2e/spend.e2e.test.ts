import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';

/**
 * Live spend end to end: the page of `fishmouth serve` shows a charge made by another process
 * (the `fishmouth budget` CLI, which has no link to the host) within moments, with the 50% alert
 * as a toast, and without a reload: the orchestrator notices the database change and pushes it.
 */

const OUTPUT_DIR = join('test-results', 'e2e');
const run = promisify(execFile);

let server: ChildProcess;
let url: string;
let dataDir: string;
let browser: Browser;
let serverOutput = '';

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

/** Runs the CLI as a user would, in its own process. */
async function fishmouth(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['bin/fishmouth.js', ...args, '--data', dataDir]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-e2e-spend-'));
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

describe('live spend in the browser', () => {
  it('shows a charge made by the CLI and its 50% alert without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(url);

    const panel = page.locator('[data-testid="spend-panel"]');
    const today = page.locator('[data-testid="spend-today"]');
    await today.waitFor({ timeout: 60_000 });
    expect(await today.textContent()).toBe('$0.00');

    const set = await fishmouth('budget', 'set', '--daily', '1');
    expect(set.code, set.stdout).toBe(0);
    await panel.getByText('of $1.00 daily budget').waitFor({ timeout: 15_000 });

    // High priority: its 60% share of $1.00 is exactly the $0.60 charged (medium holds only 30%).
    const charge = await fishmouth('budget', 'reserve', '--service', 'scraper', '--amount', '0.60', '--priority', 'high', '--json');
    expect(charge.code, charge.stdout).toBe(0);
    expect(JSON.parse(charge.stdout)).toMatchObject({ granted: true, entry: { costMicros: 600_000 } });

    // A locator, not waitForFunction: the page's CSP forbids the eval that string predicates need.
    await page.locator('[data-testid="spend-today"]').filter({ hasText: /^\$0\.60$/ }).waitFor({ timeout: 15_000 });
    const toast = page.locator('[data-testid="budget-alert"][data-threshold="50"]');
    await toast.waitFor({ timeout: 15_000 });
    expect(await toast.textContent()).toMatch(/Daily data budget: 50% used.*\$0\.60 of \$1\.00 spent today/);
    expect(await page.locator('[data-testid="spend-utilisation"]').textContent()).toBe('60%');
    await page.locator('[data-testid="budget-alert-item"]').first().waitFor();
    expect(loads).toBe(1);

    // Let the bar finish its 300 ms transition so the picture shows where it settles.
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(OUTPUT_DIR, 'spend-live.png') });
    expect(problems).toEqual([]);
    await page.close();

    const report = await fishmouth('spend', '--json', '--by', 'service');
    expect(report.code, report.stdout).toBe(0);
    expect(JSON.parse(report.stdout).report.rows).toEqual([expect.objectContaining({ key: 'scraper', costMicros: 600_000, paidCalls: 1 })]);
  });
});
