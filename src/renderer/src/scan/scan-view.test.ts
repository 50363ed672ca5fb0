import { describe, expect, it } from 'vitest';
import type { ScanStatus } from '../../../core/contracts/scan-api';
import { scanOptionsSchema } from '../../../core/contracts/scan-api';
import { stagePercent, summaryLine, viewBox, visibleStages } from './scan-view';

const status = (patch: Partial<ScanStatus> = {}): ScanStatus => ({
  runId: 'r1',
  territoryId: null,
  territoryName: 'Bramblecrest (demo)',
  bbox: [-96.88, 33.22, -96.86, 33.24],
  state: 'running',
  createdAt: '2025-05-20T10:00:00.000Z',
  updatedAt: '2025-05-20T10:00:05.000Z',
  finishedAt: null,
  stage: 'scrape',
  stages: (['scrape', 'census', 'enrich', 'paid', 'summary'] as const).map((stage) => ({ stage, total: 0, done: 0, failed: 0, skipped: 0, running: 0, pending: 0 })),
  options: scanOptionsSchema.parse({}),
  summary: null,
  error: null,
  message: 'Scan running…',
  ...patch,
});

describe('scan card presentation', () => {
  it('counts failed and skipped steps as finished, and a planless stage as empty until the scan completes', () => {
    expect(stagePercent({ stage: 'scrape', total: 8, done: 5, failed: 1, skipped: 2, running: 0, pending: 0 }, 'running')).toBe(100);
    expect(stagePercent({ stage: 'paid', total: 0, done: 0, failed: 0, skipped: 0, running: 0, pending: 0 }, 'running')).toBe(0);
    expect(stagePercent({ stage: 'paid', total: 0, done: 0, failed: 0, skipped: 0, running: 0, pending: 0 }, 'completed')).toBe(100);
    expect(visibleStages(status()).map((stage) => stage.stage)).toEqual(['scrape', 'census', 'enrich', 'paid']);
  });

  it('sums a finished scan up in one line, in dollars', () => {
    expect(summaryLine(status())).toBeNull();
    const summary = {
      properties: 2000, complete: 1990, incomplete: 10, averageCompleteness: 0.984, estimatedValues: 30, paidRecords: 58, paidRefused: 0, tracts: 6,
      stormReports: 30, hailReports: 23, maxHailInches: 2.75, permits: 1305, roofingPermits: 1284, sources: [],
      spendMicros: 2_900_000, listPriceMicros: 100_000_000, savingsMicros: 97_100_000, warnings: [],
    } as unknown as NonNullable<ScanStatus['summary']>;
    expect(summaryLine(status({ state: 'completed', summary }))).toBe('2,000 properties · 98% complete · $2.90 spent · $97.10 saved');
  });

  it('scans the view only when it is of territory size', () => {
    expect(viewBox({ west: -96.9, south: 33.2, east: -96.8, north: 33.3 })).toEqual({ ok: true, bbox: [-96.9, 33.2, -96.8, 33.3] });
    const wide = viewBox({ west: -125, south: 24, east: -66, north: 50 });
    expect(wide.ok).toBe(false);
    expect(!wide.ok && wide.reason).toMatch(/Zoom in/);
  });
});
