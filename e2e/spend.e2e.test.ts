import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { startServe, type ServeHandle } from './serve';

/**
 * Live spend end to end: the page of `fishmouth serve` shows a charge made by another process
 * (the `fishmouth budget` CLI, which has no link to the host) within moments, with the 50% alert
 * as a toast, and without a reload: the orchestrator notices the database change and pushes it.
 */

const OUTPUT_DIR = join('test-results', 'e2e');

let serve: ServeHandle;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  serve = await startServe('fishmouth-e2e-spend-');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
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
    await page.goto(serve.url);

    const panel = page.locator('[data-testid="spend-panel"]');
    const today = page.locator('[data-testid="spend-today"]');
    await today.waitFor({ timeout: 60_000 });
    expect(await today.textContent()).toBe('$0.00');

    const set = await serve.cli('budget', 'set', '--daily', '1');
    expect(set.code, set.stdout).toBe(0);
    await panel.getByText('of $1.00 daily budget').waitFor({ timeout: 15_000 });

    // High priority: its 60% share of $1.00 is exactly the $0.60 charged (medium holds only 30%).
    const charge = await serve.cli('budget', 'reserve', '--service', 'scraper', '--amount', '0.60', '--priority', 'high', '--json');
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

    const report = await serve.cli('spend', '--json', '--by', 'service');
    expect(report.code, report.stdout).toBe(0);
    expect(JSON.parse(report.stdout).report.rows).toEqual([expect.objectContaining({ key: 'scraper', costMicros: 600_000, paidCalls: 1 })]);
  });
});
