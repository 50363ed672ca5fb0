import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { DEMO_TIMEOUT_MS, startDemo, type DemoHandle } from './demo';

/**
 * Leads end to end, as a rep works them: `fishmouth demo --serve` scans the demo town on the
 * loopback emulators (its last stage assesses every roof and scores every lead) and serves the app;
 * in the page the leads card lists the ranked leads with a reason each, opening one shows why it
 * scores what it does, logging a visit moves its status on, and a planned walking route is drawn
 * with its distance. Screenshot: test-results/e2e/leads.png.
 */

const OUTPUT_DIR = join('test-results', 'e2e');
const ROUTE_STOPS = 8;

let demo: DemoHandle;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  demo = await startDemo({ dataDirPrefix: 'fishmouth-e2e-leads-' });
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
