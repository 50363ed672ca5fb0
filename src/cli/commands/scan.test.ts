import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanOptionsSchema, type ScanStatus } from '../../core/contracts/scan-api';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import type { HostFactory } from '../headless-host';
import { runCli } from '../run';
import { formatScan, makeScanCommand } from './scan';
import { makeDemoCommand } from './demo';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-scan-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A host factory that says the app is not built, as createHeadlessHost does without out/main. */
const notBuilt: HostFactory = async () => ({ kind: 'error', message: 'Fish Mouth is not built yet: run `npm run build` (missing workers).' });

const scan = makeScanCommand(notBuilt);
const demo = makeDemoCommand(notBuilt);

describe('fishmouth scan', () => {
  it('wants exactly one of --territory and --bbox', async () => {
    for (const args of [['scan'], ['scan', '--territory', 'North', '--bbox=-96.9,33.2,-96.8,33.3']]) {
      const ctx = testContext();
      expect(await runCli(args, ctx, [scan])).toBe(EXIT.usage);
      expect(ctx.err()).toMatch(/give --territory NAME or --bbox=W,S,E,N/);
    }
  });

  it('refuses a box that is not one, naming what is wrong (and how to write a western longitude)', async () => {
    const dash = testContext();
    expect(await runCli(['scan', '--bbox', '-96.9,33.2,-96.8,33.3'], dash, [scan])).toBe(EXIT.usage);
    expect(dash.err()).toMatch(/--bbox=/);
    const ctx = testContext();
    expect(await runCli(['scan', '--bbox=-96.8,33.2,-96.9,33.3'], ctx, [scan])).toBe(EXIT.usage);
    expect(ctx.err()).toMatch(/west must be less than east/);
    const huge = testContext();
    expect(await runCli(['scan', '--bbox=-100,30,-90,40'], huge, [scan])).toBe(EXIT.usage);
    expect(huge.err()).toMatch(/at most 1\.5°/);
  });

  it('says what to do when the services cannot start, as one JSON document with --json', async () => {
    const ctx = testContext();
    expect(await runCli(['scan', '--territory', 'North', '--json', '--data', join(root, 'a')], ctx, [scan])).toBe(EXIT.failure);
    expect(JSON.parse(ctx.out())).toEqual({ ok: false, error: { kind: 'cannot-start', message: expect.stringMatching(/npm run build/) } });
  });

  it('prints a finished scan as a rep reads it: finds, spend, savings, and every source', () => {
    const text = formatScan(completedScan());
    expect(text).toMatch(/Scan of Bramblecrest \(demo\): complete in 9 s\./);
    expect(text).toMatch(/Properties +2,000 \(1,990 complete, 10 incomplete; average completeness 98%\)/);
    expect(text).toMatch(/Paid records +58 bought, 2 refused/);
    expect(text).toMatch(/Spend +\$2\.90; buying every fact would have cost \$100\.00: saved \$97\.10/);
    expect(text).toMatch(/property-records +60 +58 +0 +0 +2 +0 +58 +\$2\.90/);
  });

  it('prints an unfinished scan with its state and what to do', () => {
    const text = formatScan({ ...completedScan(), state: 'failed', summary: null, message: 'Scan stopped: the disk is full. Resume it to try again.' });
    expect(text).toMatch(/failed in 9 s\. Scan stopped: the disk is full/);
  });
});

describe('fishmouth demo', () => {
  it('refuses a town of no houses or of more than it can build', async () => {
    for (const size of ['0', '3000000', 'lots']) {
      const ctx = testContext();
      expect(await runCli(['demo', '--properties', size], ctx, [demo])).toBe(EXIT.usage);
    }
  });

  it('says what to do when the services cannot start', async () => {
    const ctx = testContext({ env: {} });
    expect(await runCli(['demo', '--properties', '50', '--json'], ctx, [demo])).toBe(EXIT.failure);
    expect(JSON.parse(ctx.out())).toEqual({ ok: false, error: { kind: 'cannot-start', message: expect.stringMatching(/npm run build/) } });
  });
});

function completedScan(): ScanStatus {
  return {
    runId: 'run-1',
    territoryId: 't-1',
    territoryName: 'Bramblecrest (demo)',
    bbox: [-96.88, 33.22, -96.86, 33.24],
    state: 'completed',
    createdAt: '2025-05-20T10:00:00.000Z',
    updatedAt: '2025-05-20T10:00:09.000Z',
    finishedAt: '2025-05-20T10:00:09.000Z',
    stage: null,
    stages: [],
    options: scanOptionsSchema.parse({}),
    error: null,
    message: 'Scan complete.',
    summary: {
      properties: 2000,
      complete: 1990,
      incomplete: 10,
      averageCompleteness: 0.984,
      estimatedValues: 30,
      paidRecords: 58,
      paidRefused: 2,
      tracts: 6,
      stormReports: 30,
      hailReports: 23,
      maxHailInches: 2.75,
      permits: 1305,
      roofingPermits: 1284,
      sources: [
        { source: 'osm-overpass', attempts: 4, hits: 4, misses: 0, errors: 0, refused: 0, fallbacks: 0, paidCalls: 0, costMicros: 0 as never, listPriceMicros: 0 as never },
        { source: 'property-records', attempts: 60, hits: 58, misses: 0, errors: 0, refused: 2, fallbacks: 0, paidCalls: 58, costMicros: 2_900_000 as never, listPriceMicros: 0 as never },
      ],
      spendMicros: 2_900_000 as never,
      listPriceMicros: 100_000_000 as never,
      savingsMicros: 97_100_000 as never,
      warnings: [],
    },
  };
}
