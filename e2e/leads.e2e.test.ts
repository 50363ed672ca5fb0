import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';

/**
 * Leads end to end, as a rep works them: `fishmouth demo --serve` scans the demo town on the
 * loopback emulators (its last stage assesses every roof and scores every lead) and serves the app;
 * in the page the leads card lists the ranked leads with a reason each, opening one shows why it
 * scores what it does, logging a visit moves its status on, and a planned walking route is drawn
 * with its distance. Screenshot: test-results/e2e/leads.png.
 */

const OUTPUT_DIR = join('test-results', 'e2e');
/** A small town keeps the scan (and its CPU super-resolution) short on a 2-core machine. */
const DEMO_HOUSES = 60;
const URL_PATTERN = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w%-]+/;
const DEMO_TIMEOUT_MS = 540_000;
const ROUTE_STOPS = 8;

interface DemoHandle {
  url: string;
  stop(): Promise<void>;
}

/** Runs `fishmouth demo --serve` on a fresh folder and waits for the address it prints once the scan is done. */
async function startDemo(): Promise<DemoHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-e2e-leads-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/fishmouth.js', 'demo', '--properties', String(DEMO_HOUSES), '--serve', '--port', '0', '--data', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fishmouth demo --serve printed no address in time:\n${output}`)), DEMO_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = output.match(URL_PATTERN);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`fishmouth demo exited early (${code}):\n${output}`));
      });
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

let demo: DemoHandle;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  // Note: FISHMOUTH_E2E_DEMO_URL reuses a `fishmouth demo --serve` already running (its printed
  // address), to work on this test without scanning the town each time.
  const running = process.env.FISHMOUTH_E2E_DEMO_URL;
  demo = running ? { url: running, stop: async () => {} } : await startDemo();
  browser = await launchChromium();
}, DEMO_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('leads in the browser', () => {
  it('lists the ranked leads of the demo scan, explains one, logs a visit and plans a walking route', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(demo.url);
    await page.waitForFunction(() => (globalThis as { __fishmouthMapLoaded?: boolean }).__fishmouthMapLoaded === true, null, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Hide service status' }).click();

    // The demo's scan is listed as completed; its title flies the map to the town.
    const scan = page.locator('[data-testid="scan-row"]').filter({ hasText: 'completed' }).first();
    await scan.waitFor({ timeout: 60_000 });
    await scan.getByTitle('Show on the map').click();

    // The leads card: counted, ranked best first, each with a reason a rep reads.
    await page.getByRole('button', { name: 'Show leads' }).click();
    const panel = page.getByTestId('leads-panel');
    const rows = panel.getByTestId('lead-row');
    await rows.first().waitFor({ timeout: 30_000 });
    await panel.getByTestId('leads-counts').filter({ hasText: /^\d[\d,]* leads? · \d[\d,]* ≥ 70$/ }).waitFor({ timeout: 15_000 });
    const scores = (await rows.getByTestId('score-badge').allTextContents()).map(Number);
    expect(scores.length).toBeGreaterThan(1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const reasons = await rows.getByTestId('lead-reason').allTextContents();
    expect(reasons.every((text) => text.trim().length > 10 && text !== 'No reason recorded.')).toBe(true);

    // Opening the best lead: why it scores what it does, in sentences with bars.
    await rows.first().getByRole('button').click();
    const detail = page.getByTestId('lead-detail');
    const contributions = detail.getByTestId('lead-contributions').locator('li');
    await contributions.first().waitFor({ timeout: 15_000 });
    expect(await contributions.count()).toBeGreaterThan(1);
    expect((await contributions.first().textContent())!.length).toBeGreaterThan(10);
    expect(await detail.getByTestId('lead-condition').textContent()).toMatch(/roof, \d+\/100|not assessed/);

    // A visit that booked an appointment moves the lead to "Appointment", in the detail and the list.
    await detail.getByTestId('visit-form').getByLabel('Booked an appointment').check();
    await detail.getByTestId('visit-form').getByPlaceholder('Note (optional)').fill('Owner home; hail damage on the north slope.');
    await detail.getByTestId('log-visit').click();
    await detail.getByTestId('lead-visits').filter({ hasText: 'hail damage on the north slope' }).waitFor({ timeout: 15_000 });
    await detail.getByTestId('lead-status').getByRole('button', { name: 'Appointment', pressed: true }).waitFor({ timeout: 15_000 });
    await rows.first().filter({ hasText: 'Appointment' }).waitFor({ timeout: 15_000 });

    // A walking route from the map's centre: drawn with numbered stops, its distance and time shown.
    await page.getByTestId('lead-close').click();
    await panel.getByTestId('route-stops').fill(String(ROUTE_STOPS));
    await panel.getByTestId('plan-route').click();
    const distance = panel.getByTestId('route-distance');
    await distance.waitFor({ timeout: 30_000 });
    expect(await distance.textContent()).toMatch(/^\d+ stops? · [\d.,]+ (mi|ft) · (\d+ h )?\d+ min walk$/);
    expect(await panel.getByTestId('route-summary').textContent()).toMatch(/shorter than going to the nearest door each time|Same length as going to the nearest door/);
    const stops = page.locator('[data-testid="lead-route-stop"]');
    const drawn = await stops.count();
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThanOrEqual(ROUTE_STOPS);
    expect(await stops.allTextContents()).toEqual(Array.from({ length: drawn }, (_, index) => String(index + 1)));

    await page.waitForTimeout(1_000);
    await page.screenshot({ path: join(OUTPUT_DIR, 'leads.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
