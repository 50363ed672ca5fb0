import { afterEach, describe, expect, it } from 'vitest';
import { scanImageryRequestId } from '../src/core/contracts/enrichment-contract';
import { isBuilt } from './helpers';
import { demoScanRig, type DemoScanRig } from './scan-kit';

/**
 * Roof imagery at the end of a demo scan, through the real host: geographic batches (one NAIP
 * request per batch), crops per property, super-resolution in ml-inference, quality scores, and
 * the cost ledger — against the loopback NAIP, Google and Mapbox emulators.
 */

const PROPERTIES = 90;

let rig: DemoScanRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

interface RoofRow {
  property_id: string;
  step_kind: string;
  batch_id: string | null;
  image_sha256: string | null;
  enhanced_sha256: string | null;
  width: number;
  height: number;
  enhanced_scale: number | null;
  quality: number;
  low_confidence: number;
  manual_review: number;
  footprint_px: string | null;
  storable: number;
}

function roofRows(rig: DemoScanRig, runId: string): RoofRow[] {
  return rig.db.prepare('SELECT * FROM roof_images WHERE run_id = ?').all(runId) as RoofRow[];
}

const built = isBuilt();
describe.skipIf(!built)('roof imagery in a demo scan', () => {
  it('images every roof for $0 with one NAIP request per batch, enhanced ×4 and scored, and serves the picture to the UI', async () => {
    rig = await demoScanRig({ properties: PROPERTIES, dailyBudgetMicros: 0 });
    const runId = await rig.startScan();
    const status = await rig.finished(runId, 120_000);
    expect(status.state).toBe('completed');
    const imagery = status.summary!.imagery!;
    expect(imagery.roofImages).toBe(PROPERTIES);

    const batches = rig.db.prepare('SELECT id, state, member_count, request_count, cost_micros FROM imagery_batches WHERE run_id = ?').all(runId) as Array<{ id: string; state: string; member_count: number; request_count: number; cost_micros: number }>;
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(batch.member_count).toBeGreaterThanOrEqual(3);
      expect(batch.member_count).toBeLessThanOrEqual(25);
      expect(batch.state).toBe('fetched');
      expect(batch.cost_micros).toBe(0);
    }
    // Batching: far fewer imagery requests than roofs (the emulator saw each one).
    const exports = rig.emulators.requests('naip').filter((request) => request.path.endsWith('/exportImage'));
    expect(exports.length).toBeLessThan(PROPERTIES / 3);
    expect(imagery.requestsWithoutBatching).toBe(PROPERTIES);

    const rows = roofRows(rig, runId);
    expect(rows).toHaveLength(PROPERTIES);
    for (const row of rows) {
      expect(['cache', 'free']).toContain(row.step_kind);
      expect(row.storable).toBe(1);
      expect(row.image_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(row.enhanced_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(row.enhanced_scale).toBe(4);
      expect(row.quality).toBeGreaterThan(0);
      // The footprint lies inside the enhanced crop.
      const [x0, y0, x1, y1] = JSON.parse(row.footprint_px!) as [number, number, number, number];
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(y0).toBeGreaterThanOrEqual(0);
      expect(x1).toBeLessThanOrEqual(row.width * 4);
      expect(y1).toBeLessThanOrEqual(row.height * 4);
      expect(x1 - x0).toBeGreaterThan(8);
    }
    // Every attempt is in the ledger: one batch-image row per batch, one row per roof, all free.
    const ledger = rig.db.prepare('SELECT source, operation, outcome, cost_micros, batch_id FROM cost_ledger WHERE request_id = ?').all(scanImageryRequestId(runId)) as Array<{ source: string; operation: string; outcome: string; cost_micros: number; batch_id: string | null }>;
    const batchRows = ledger.filter((row) => row.operation === 'batch-image');
    expect(batchRows).toHaveLength(batches.length);
    expect(batchRows.every((row) => row.source === 'naip' && row.outcome === 'hit' && batches.some((batch) => batch.id === row.batch_id))).toBe(true);
    expect(ledger.reduce((sum, row) => sum + row.cost_micros, 0)).toBe(0);

    const view = await rig.link!.api.getRoofImage(rows[0]!.property_id);
    expect(view?.imageDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(view?.enhancedResolutionM).toBeCloseTo(view!.groundResolutionM / 4, 6);
    expect(view?.sources[0]).toBe('naip');
    expect(view?.attribution.join(' ')).toMatch(/NAIP/);
    const coverage = await rig.link!.api.getImageryCoverage(status.bbox);
    expect(coverage.batches.length).toBe(batches.length);
    expect(coverage.tiles.length).toBeGreaterThan(0);
    const ml = await rig.link!.api.getMlInfo();
    expect(ml.provider).toBe('cpu');

    // A second scan of the same territory finds every roof imaged and fetches nothing.
    const before = rig.emulators.requests('naip').length;
    const again = await rig.finished(await rig.startScan(), 120_000);
    expect(again.state).toBe('completed');
    expect(rig.emulators.requests('naip').length).toBe(before);
  }, 300_000);

  it('buys paid imagery when the free source fails and the budget allows, at list price, and never stores the picture', async () => {
    rig = await demoScanRig({ properties: 12 });
    rig.emulators.setFaults('naip', { fault: { kind: 'html-error-page', status: 502 } });
    const runId = await rig.startScan();
    const status = await rig.finished(runId, 120_000);
    expect(status.state).toBe('completed');
    const rows = roofRows(rig, runId);
    expect(rows).toHaveLength(12);
    // Mapbox ($1.00 per 1,000) is cheaper than Google ($2.00 per 1,000): tried first, and enough.
    const paid = rig.db.prepare(`SELECT source, outcome, cost_micros, reservation_id FROM cost_ledger WHERE request_id = ? AND paid = 1`).all(scanImageryRequestId(runId)) as Array<{ source: string; outcome: string; cost_micros: number; reservation_id: string | null }>;
    expect(paid).toHaveLength(12);
    expect(paid.every((row) => row.source === 'mapbox-static-images' && row.outcome === 'hit' && row.cost_micros === 1_000 && row.reservation_id)).toBe(true);
    expect(rig.emulators.requests('google-static-maps')).toHaveLength(0);
    for (const row of rows) {
      expect(row.step_kind).toBe('paid');
      expect(row.storable).toBe(0);
      expect(row.image_sha256).toBeNull();
      expect(row.enhanced_sha256).toBeNull();
      expect(row.quality).toBeGreaterThanOrEqual(0.75);
    }
    // Nothing from the paid provider reached the geographic cache.
    expect(rig.db.prepare(`SELECT count(*) FROM imagery_tiles WHERE source <> 'naip'`).pluck().get()).toBe(0);
    expect(status.summary!.imagery!.costMicros).toBe(12_000);
    // Shown in this session from memory, with the provider's attribution.
    const view = await rig.link!.api.getRoofImage(rows[0]!.property_id);
    expect(view?.storable).toBe(false);
    expect(view?.imageDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(view?.attribution.join(' ')).toMatch(/Mapbox/);
  }, 120_000);

  it('falls back to a synthetic roof marked for manual review when NAIP fails and the budget refuses paid imagery', async () => {
    rig = await demoScanRig({ properties: 12, dailyBudgetMicros: 0 });
    rig.emulators.setFaults('naip', { fault: { kind: 'server-error', status: 503 } });
    const runId = await rig.startScan();
    const status = await rig.finished(runId, 120_000);
    expect(status.state).toBe('completed');
    const rows = roofRows(rig, runId);
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect(row.step_kind).toBe('fallback');
      expect(row.low_confidence).toBe(1);
      expect(row.manual_review).toBe(1);
      expect(row.quality).toBeLessThanOrEqual(0.2);
    }
    // The paid providers were refused by the budget before any call: nothing was charged.
    const paid = rig.db.prepare(`SELECT source, outcome, error_kind, cost_micros FROM cost_ledger WHERE request_id = ? AND source IN ('google-static-maps', 'mapbox-static-images')`).all(scanImageryRequestId(runId)) as Array<{ source: string; outcome: string; error_kind: string; cost_micros: number }>;
    expect(paid.length).toBeGreaterThan(0);
    expect(paid.every((row) => row.outcome === 'refused' && row.error_kind === 'daily-limit' && row.cost_micros === 0)).toBe(true);
    expect(rig.emulators.requests('google-static-maps')).toHaveLength(0);
    expect(status.summary!.imagery!.manualReview).toBe(12);
  }, 120_000);
});
