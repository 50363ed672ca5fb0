import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { DEMO_TIMEOUT_MS, startDemo, type DemoHandle } from './demo';

/**
 * Imagery end to end, as a rep sees it: `fishmouth demo --serve` scans the demo town on the loopback
 * emulators (imagery stage included: NAIP batches, super-resolution, quality) and serves the app;
 * in the page the batches show on the map with their labels, and a click on a property's circle
 * opens its roof image with the picture and its source. Screenshot: test-results/e2e/imagery-roof.png.
 */

const OUTPUT_DIR = join('test-results', 'e2e');

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Finds the middle of a scanned property's circle in a screenshot of the map, away from the cards.
 * With the coverage overlays hidden the town is plain land (#fbfaf7), so a pixel clearly darker
 * than it, with its neighbours, is a circle. Note: a pixel search, because the map is a canvas
 * and the page's CSP forbids the eval that reaching into it from the test would need.
 */
async function findPropertyCircle(page: Page, avoid: Box[]): Promise<{ x: number; y: number } | null> {
  const shot = await page.screenshot();
  const { data, info } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const land = [0xfb, 0xfa, 0xf7];
  const isCircle = (x: number, y: number) => {
    const at = (y * info.width + x) * info.channels;
    const distance = Math.abs(data[at]! - land[0]!) + Math.abs(data[at + 1]! - land[1]!) + Math.abs(data[at + 2]! - land[2]!);
    return distance > 90;
  };
  const clear = (x: number, y: number) => avoid.every((box) => x < box.x - 8 || x > box.x + box.width + 8 || y < box.y - 8 || y > box.y + box.height + 8);
  // From the middle of the view outward: the town was fitted there.
  const cx = Math.round(info.width / 2);
  const cy = Math.round(info.height / 2);
  const candidates: { x: number; y: number; d: number }[] = [];
  for (let y = 40; y < info.height - 40; y++) {
    for (let x = 40; x < info.width - 40; x++) {
      if (!clear(x, y)) continue;
      let solid = true;
      for (let dy = -2; dy <= 2 && solid; dy++) for (let dx = -2; dx <= 2 && solid; dx++) solid = isCircle(x + dx, y + dy);
      if (solid) candidates.push({ x, y, d: (x - cx) ** 2 + (y - cy) ** 2 });
    }
  }
  candidates.sort((a, b) => a.d - b.d);
  return candidates[0] ?? null;
}

let demo: DemoHandle;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  demo = await startDemo({ dataDirPrefix: 'fishmouth-e2e-imagery-' });
  browser = await launchChromium();
}, DEMO_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('imagery in the browser', () => {
  it('shows the batches of the demo scan and opens a roof image from a property on the map', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(demo.url);
    await page.waitForFunction(() => (globalThis as { __fishmouthMapLoaded?: boolean }).__fishmouthMapLoaded === true, null, { timeout: 60_000 });

    // Where the models run, in the status panel.
    const ml = page.locator('[data-testid="status-panel"] [data-testid="ml-provider"]');
    await ml.waitFor({ timeout: 30_000 });
    expect(await ml.textContent()).toMatch(/^Models run on /);

    // The service table is tall with six services: folded, so the scan card underneath is reachable.
    await page.getByRole('button', { name: 'Hide service status' }).click();

    // The demo's scan is listed as completed; its title flies the map to the town.
    const row = page.locator('[data-testid="scan-row"]').filter({ hasText: 'completed' }).first();
    await row.waitFor({ timeout: 60_000 });
    await row.getByTitle('Show on the map').click();

    // Batches: outlined on the map with a label per batch, counted in the imagery card.
    const label = page.locator('[data-testid="imagery-batch-label"]:visible').first();
    await label.waitFor({ timeout: 30_000 });
    expect(await label.textContent()).toMatch(/^\d+ homes? · (free|<?\$\d+\.\d+\/home|planned|failed)$/);
    await page.locator('[data-testid="imagery-view-line"]').filter({ hasText: /\d+ (batch|batches) in view/ }).waitFor({ timeout: 15_000 });

    // Overlays off, so the circles stand on plain land; then click the circle nearest the middle.
    await page.getByTestId('toggle-cache-coverage').uncheck();
    await page.getByTestId('toggle-batches').uncheck();
    await page.getByTestId('imagery-batch-label').first().waitFor({ state: 'detached', timeout: 10_000 });
    // Let the fly-to animation and the repaint settle before reading pixels.
    await page.waitForTimeout(1_500);
    const cards = await Promise.all(
      ['status-panel', 'scan-panel', 'spend-panel', 'imagery-panel'].map((id) => page.getByTestId(id).boundingBox()),
    );
    const controls = await page.locator('.maplibregl-ctrl').evaluateAll((elements) =>
      elements.map((element) => {
        const rect = element.getBoundingClientRect();
        return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
      }),
    );
    const circle = await findPropertyCircle(page, [...cards.filter((box): box is Box => box !== null), ...controls]);
    expect(circle, 'a property circle on the map').not.toBeNull();
    await page.mouse.click(circle!.x, circle!.y);

    const panel = page.getByTestId('roof-panel');
    await panel.waitFor({ timeout: 10_000 });
    const image = panel.locator('[data-testid="roof-image"] img');
    await image.waitFor({ timeout: 30_000 });
    expect(await image.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    // A picture the browser decoded, not a broken image.
    const size = await image.evaluate((img) => ({ width: (img as unknown as { naturalWidth: number }).naturalWidth }));
    expect(size.width).toBeGreaterThan(0);
    expect(await panel.getByTestId('roof-source').textContent()).toMatch(/^(USGS NAIP|Google Static Maps|Mapbox Static Images|Synthetic image)( \+ .+)?$/);
    expect(await panel.getByTestId('roof-resolution').textContent()).toMatch(/ m( → [\d.]+ m)? per pixel/);

    // Overlays back on for the picture; the cache card opened beside it.
    await page.getByTestId('toggle-cache-coverage').check();
    await page.getByTestId('toggle-batches').check();
    await page.getByRole('button', { name: 'Show imagery cache' }).click();
    await page.getByTestId('imagery-cache').filter({ hasText: /roof images? kept/ }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(OUTPUT_DIR, 'imagery-roof.png') });

    expect(problems).toEqual([]);
    await page.close();
  });
});
