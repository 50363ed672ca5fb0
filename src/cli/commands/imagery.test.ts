import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/helpers';
import { BlobStore } from '../../core/blob-store';
import { SOURCE_CATALOGUE } from '../../core/cost/sources';
import { lngLatToMercator } from '../../core/imagery/mercator';
import { saveRoofImage, type RoofImageInput } from '../../core/imagery/roof-images';
import { putTile } from '../../core/imagery/tile-cache';
import type { Micros } from '../../core/money';
import { listAudit, openDatabase, runMigrations, type Db } from '../../core/store';
import { addHouse } from '../../core/store/store.testkit';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { imageryCommand } from './imagery';

const root = tempDataDir('fishmouth-imagery-cli-');
afterAll(() => root.cleanup());
let counter = 0;
const freshDataDir = () => join(root.dir, `data-${++counter}`);

async function run(args: string[]) {
  const ctx = testContext();
  const code = await runCli(['imagery', ...args], ctx, [imageryCommand]);
  return { code, out: ctx.out(), err: ctx.err(), json: () => JSON.parse(ctx.out()) };
}

async function withDb<T>(dataDir: string, work: (db: Db, blobs: BlobStore) => Promise<T>): Promise<T> {
  const db = openDatabase(dataDir);
  runMigrations(db);
  try {
    return await work(db, new BlobStore({ db, dataDir }));
  } finally {
    db.close();
  }
}

const NAIP = SOURCE_CATALOGUE.find((source) => source.id === 'naip')!.licence;
const DAY = 86_400_000;

/** A real 256×256 PNG, as an aerial tile would be. */
const aerialPng = (shade: number) => sharp({ create: { width: 256, height: 256, channels: 3, background: { r: shade, g: 120, b: 90 } } }).png().toBuffer();

async function cacheTile(db: Db, blobs: BlobStore, shade: number, options: { expiringDaysAgo?: number } = {}) {
  const [x, y] = lngLatToMercator([-97.68 + shade * 0.001, 30.5]);
  const now = options.expiringDaysAgo === undefined ? new Date() : new Date(Date.now() - (options.expiringDaysAgo + 30) * DAY);
  const result = await putTile(
    db,
    blobs,
    {
      source: 'naip',
      bytes: await aerialPng(shade),
      mime: 'image/png',
      grid: { box: [x, y, x + 90, y + 90], width: 256, height: 256 },
      capturedAt: '2022-06-15',
      quality: 0.8,
      licence: options.expiringDaysAgo === undefined ? NAIP : { ...NAIP, name: 'a 30-day licence', cacheTtlMs: 30 * DAY },
    },
    { now },
  );
  if (!result.stored) throw new Error(result.message);
  return result.tile;
}

let houses = 0;
/** A distinct house (its own address and place, so it is not merged with another). */
function property(db: Db): string {
  houses += 1;
  return addHouse(db, { lat: 30.5 + houses * 0.001, lng: -97.68 });
}

const roofImage = (propertyId: string, overrides: Partial<RoofImageInput>): RoofImageInput => ({
  propertyId,
  stepKind: 'batch',
  sources: ['naip'],
  tileId: null,
  batchId: null,
  imageSha256: null,
  enhancedSha256: null,
  width: 64,
  height: 64,
  groundResolutionM: 0.6,
  enhancedScale: null,
  enhancedModel: null,
  capturedAt: '2022-06-15',
  costMicros: 0 as Micros,
  quality: 0.7,
  qualityDetail: { score: 0.7, sharpness: 0.6, noise: 0.9, cloudShare: 0, noDataShare: 0, resolution: 0.5, notes: ['coarse pixels: 0.6 m'] },
  lowConfidence: true,
  manualReview: false,
  footprintPx: [10, 10, 50, 50],
  log: [{ at: '2025-05-01T12:00:00.000Z', step: 'batch', message: 'cropped from the NAIP batch image (12 houses)' }],
  storable: true,
  runId: 'run-1',
  ...overrides,
});

/** A data folder with one cached NAIP tile, an enhanced NAIP roof and a paid (unstored) one. */
async function seeded() {
  const data = freshDataDir();
  const ids = await withDb(data, async (db, blobs) => {
    const tile = await cacheTile(db, blobs, 10);
    const enhanced = await blobs.put(await sharp({ create: { width: 256, height: 256, channels: 3, background: '#884422' } }).png().toBuffer(), 'image/png');
    const free = property(db);
    saveRoofImage(db, roofImage(free, { tileId: tile.id, imageSha256: tile.blobSha256, enhancedSha256: enhanced.sha256, enhancedScale: 4, enhancedModel: 'esrgan-slim-x4' }));
    const paid = property(db);
    saveRoofImage(db, roofImage(paid, { stepKind: 'paid', sources: ['google-static-maps'], groundResolutionM: 0.15, costMicros: 2_000 as Micros, quality: 0.9, lowConfidence: false, manualReview: true, storable: false }));
    return { free, paid, tileBytes: tile.bytes };
  });
  return { data, ...ids };
}

describe('fishmouth imagery', () => {
  it('summarises the cache, the roof images and the batches, as text and as JSON', async () => {
    const { data, tileBytes } = await seeded();
    const text = await run(['--data', data]);
    expect(text.code).toBe(EXIT.ok);
    expect(text.out).toMatch(/Imagery cache: 1 images, [\d.]+ KB of 2048\.0 MB cap \(0\.0%\), 0 expired/);
    expect(text.out).toMatch(/naip\s+1\s+[\d.]+ KB/);
    expect(text.out).toMatch(/Roof images: 2 \(cache 0, free 0, batch 1, paid 1, fallback 0\)/);
    expect(text.out).toMatch(/enhanced 1, low confidence 1, manual review 1, picture not kept \(licence\) 1/);
    expect(text.out).toMatch(/mean quality 0\.80, imagery cost \$0\.002/);
    expect(text.out).toMatch(/Imagery batches: 0/);

    const json = (await run(['cache', '--json', '--data', data])).json();
    expect(json).toMatchObject({ ok: true, cache: { tiles: 1, bytes: tileBytes, expired: 0, bySource: [{ source: 'naip', tiles: 1 }] }, roofImages: { total: 2, notStored: 1 }, batches: { total: 0 } });
  });

  it('evicts expired images first and reports the bytes freed', async () => {
    const data = freshDataDir();
    const kept = await withDb(data, async (db, blobs) => {
      await cacheTile(db, blobs, 1, { expiringDaysAgo: 2 });
      await cacheTile(db, blobs, 2, { expiringDaysAgo: 5 });
      return cacheTile(db, blobs, 3);
    });
    expect((await run(['--json', '--data', data])).json().cache).toMatchObject({ tiles: 3, expired: 2 });

    const evicted = await run(['evict', '--json', '--data', data]);
    expect(evicted.code).toBe(EXIT.ok);
    const report = evicted.json();
    expect(report).toMatchObject({ ok: true, expiredRemoved: 2, lruRemoved: 0, blobsDeleted: 2, bytesHeld: kept.bytes });
    expect(report.bytesFreed).toBeGreaterThan(0);
    expect((await run(['--json', '--data', data])).json().cache).toMatchObject({ tiles: 1, expired: 0, bytes: kept.bytes });
    expect((await run(['evict', '--data', data])).out).toMatch(/Nothing to remove: the cache holds [\d.]+ KB of its 2048\.0 MB cap/);
  });

  it('shows, changes and resets the imagery settings, audited under the OS user', async () => {
    const data = freshDataDir();
    expect((await run(['settings', '--data', data])).out).toMatch(/defaults, never changed[\s\S]*cache lifetime\s+7 days[\s\S]*paid imagery\s+allowed/);
    const set = await run(['settings', '--ttl-days', '30', '--quality', '0.6', '--cap-mb', '512', '--scale', '2', '--no-paid', '--json', '--data', data]);
    expect(set.code).toBe(EXIT.ok);
    expect(set.json().settings).toMatchObject({ cacheTtlDays: 30, qualityThreshold: 0.6, cacheCapBytes: 512 * 1024 ** 2, enhanceScale: 2, allowPaid: false, version: 1, changedBy: expect.stringMatching(/command line/) });
    expect((await run(['--json', '--data', data])).json().cache.capBytes).toBe(512 * 1024 ** 2);
    await withDb(data, async (db) => expect(listAudit(db).some((e) => e.action === 'imagery-settings-changed')).toBe(true));

    const reset = await run(['settings', '--reset', '--data', data]);
    expect(reset.out).toMatch(/Reset the imagery settings[\s\S]*version 2[\s\S]*cache lifetime\s+7 days[\s\S]*enhancement\s+×4[\s\S]*paid imagery\s+allowed/);
  });

  it.each([
    [['settings', '--ttl-days', '0'], /cache lifetime must be at least 1 day/],
    [['settings', '--quality', '1.5'], /quality threshold must be from 0 to 1/],
    [['settings', '--cap-mb', '1'], /cache size must be at least 16 MiB/],
    [['settings', '--min-batch', '30'], /smallest batch cannot be larger than the largest batch/],
    [['settings', '--quality', 'high'], /--quality must be a number/],
    [['settings', '--scale', '3'], /--scale must be 2 or 4/],
    [['settings', '--paid', '--no-paid'], /--paid and --no-paid cannot be given together/],
    [['settings', '--reset', '--ttl-days', '3'], /--reset restores every default, so it cannot be combined with --ttl-days/],
    [['cache', '--ttl-days', '3'], /--ttl-days is not an option of imagery cache/],
    [['roof'], /say which property/],
    [['purge'], /unknown action "purge"/],
  ])('refuses %j with a clear message and exit 2', async (args, message) => {
    const data = freshDataDir();
    const result = await run([...args, '--data', data]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
    expect((await run(['settings', '--json', '--data', data])).json().settings.version).toBe(0);
  });

  it('shows a roof image record and writes its enhanced picture as PNG', async () => {
    const { data, free } = await seeded();
    const shown = await run(['roof', free, '--data', data]);
    expect(shown.code).toBe(EXIT.ok);
    expect(shown.out).toMatch(/step batch from naip, cost \$0\.00/);
    expect(shown.out).toMatch(/ground resolution 0\.60 m\/px → 0\.15 m\/px \(×4, esrgan-slim-x4\)/);
    expect(shown.out).toMatch(/captured 2022-06-15/);
    expect(shown.out).toMatch(/quality 0\.70[\s\S]*- coarse pixels: 0\.6 m[\s\S]*low confidence YES, manual review no/);
    expect(shown.out).toMatch(/batch: cropped from the NAIP batch image/);

    const out = join(root.dir, `roof-${counter}.png`);
    const written = await run(['roof', free, '--out', out, '--json', '--data', data]);
    expect(written.code).toBe(EXIT.ok);
    expect(written.json()).toMatchObject({ ok: true, written: { path: out, picture: 'enhanced' } });
    const meta = await sharp(readFileSync(out)).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 256, height: 256 });
  });

  it('says a paid picture is not kept and writes nothing; an unknown property fails', async () => {
    const { data, paid } = await seeded();
    const out = join(root.dir, `paid-${counter}.png`);
    const result = await run(['roof', paid, '--out', out, '--data', data]);
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toMatch(/step paid from google-static-maps, cost \$0\.002[\s\S]*manual review YES/);
    expect(result.out).toMatch(/not kept: the licence of google-static-maps forbids storing it, so nothing was written/);
    expect(existsSync(out)).toBe(false);

    const unknown = await run(['roof', 'no-such-property', '--json', '--data', data]);
    expect(unknown.code).toBe(EXIT.failure);
    expect(unknown.json()).toMatchObject({ ok: false, error: { kind: 'not-found', message: expect.stringMatching(/no-such-property has no roof image/) } });
  });
});
