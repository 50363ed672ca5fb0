import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore, sha256Of } from '../blob-store';
import type { LicencePolicy } from '../cost/source-policy';
import { SOURCE_CATALOGUE } from '../cost/sources';
import { openDatabase, runMigrations, StoreError, type Db } from '../store';
import { DEFAULT_IMAGERY_SETTINGS, setImagerySettings } from './imagery-settings';
import { lngLatToMercator, mercatorScaleFactor } from './mercator';
import { cacheStats, describeCoverage, evictTiles, findCoveringTile, putTile, tilesIn, tilesNear, type PutTileInput } from './tile-cache';
import type { ImageryTile, MercatorBox } from './types';

let dataDir: string;
let db: Db;
let blobs: BlobStore;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-tiles-'));
  db = openDatabase(dataDir);
  runMigrations(db);
  blobs = new BlobStore({ db, dataDir });
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const licenceOf = (id: string): LicencePolicy => SOURCE_CATALOGUE.find((source) => source.id === id)!.licence;
const NAIP = licenceOf('naip');
const GOOGLE = licenceOf('google-static-maps');
const DAY = 86_400_000;
const T0 = new Date('2025-05-01T12:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

// Round Rock, Texas: a real neighbourhood's latitude, where Mercator metres are 1/cos(30.5°) ≈ 1.16 ground metres.
const LAT = 30.5;
const LNG = -97.68;

/** A square of `halfM` ground metres each way around a point east/north of the centre, in Mercator metres. */
function boxAround(eastM: number, northM: number, halfM: number): MercatorBox {
  const [x, y] = lngLatToMercator([LNG, LAT]);
  const k = 1 / mercatorScaleFactor(LAT);
  return [x + (eastM - halfM) * k, y + (northM - halfM) * k, x + (eastM + halfM) * k, y + (northM + halfM) * k];
}

let imageCounter = 0;
/** A distinct fake encoded image (the cache never decodes its bytes). */
function imageBytes(size = 1000): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.fill(7);
  new DataView(bytes.buffer).setUint32(0, ++imageCounter);
  return bytes;
}

function tileInput(box: MercatorBox, metresPerPixel: number, overrides: Partial<PutTileInput> = {}): PutTileInput {
  const groundWidth = (box[2] - box[0]) * mercatorScaleFactor(LAT);
  const width = Math.round(groundWidth / metresPerPixel);
  return {
    source: 'naip',
    bytes: imageBytes(),
    mime: 'image/png',
    grid: { box, width, height: width },
    capturedAt: '2022-06-15',
    quality: 0.9,
    licence: NAIP,
    ...overrides,
  };
}

async function put(box: MercatorBox, metresPerPixel: number, overrides: Partial<PutTileInput> = {}, now = T0): Promise<ImageryTile> {
  const result = await putTile(db, blobs, tileInput(box, metresPerPixel, overrides), { now });
  if (!result.stored) throw new Error(result.message);
  return result.tile;
}

const roof = boxAround(40, -25, 14); // a 28 m roof box with margin
const request = { maxGroundResolutionM: 0.65, now: at(1) };

describe('a batch image serving the roofs inside it', () => {
  it('covers a roof inside its grid and keeps public-domain NAIP indefinitely', async () => {
    const tile = await put(boxAround(0, 0, 600), 0.6);
    expect(tile.expiresAt).toBeNull();
    expect(tile.groundResolutionM).toBeCloseTo(0.6, 2);
    expect(tile.bbox[0]).toBeLessThan(LNG);
    expect(tile.attribution).toBe('USDA Farm Service Agency NAIP imagery via USGS');

    expect(findCoveringTile(db, roof, request)?.id).toBe(tile.id);
    expect(describeCoverage(db, roof, { ...request, now: at(3650) })).toMatchObject({ kind: 'covered', tile: { id: tile.id } });
    // The image itself is in the blob store.
    expect((await blobs.get(tile.blobSha256))?.bytes.length).toBe(1000);
  });

  it('prefers the finest image, then the newest capture', async () => {
    const coarse = await put(boxAround(0, 0, 600), 0.6, { capturedAt: '2024-06-01' });
    const fineOld = await put(boxAround(0, 0, 300), 0.3, { capturedAt: '2020-06-01' });
    const fineNew = await put(boxAround(10, 0, 300), 0.3, { capturedAt: '2023-06-01' });
    expect(findCoveringTile(db, roof, request)?.id).toBe(fineNew.id);
    expect(findCoveringTile(db, roof, { ...request, sources: ['naip'] })?.id).not.toBe(coarse.id);
    expect(fineOld.id).not.toBe(fineNew.id);
  });

  it('reports a roof only partly covered, with the share covered', async () => {
    // Two images meeting the roof's west 40% and (separately) its north-east quarter.
    const [minX, minY, maxX, maxY] = roof;
    const w = maxX - minX;
    const h = maxY - minY;
    const west = await put([minX - 500, minY - 500, minX + 0.4 * w, maxY + 500], 0.5);
    const northEast = await put([minX + 0.5 * w, minY + 0.5 * h, maxX + 500, maxY + 500], 0.5);
    expect(findCoveringTile(db, roof, request)).toBeNull();
    const coverage = describeCoverage(db, roof, request);
    expect(coverage.kind).toBe('partial');
    if (coverage.kind !== 'partial') return;
    expect(coverage.coveredShare).toBeCloseTo(0.4 + 0.5 * 0.5, 6);
    expect(coverage.tiles.map((t) => t.id).sort()).toEqual([west.id, northEast.id].sort());
  });

  it('stops serving an image when it expires, after the longer of the settings and the licence period', async () => {
    const month = { ...NAIP, name: 'County orthoimagery licence', cacheTtlMs: 30 * DAY };
    const tile = await put(boxAround(0, 0, 600), 0.6, { source: 'county-ortho', licence: month });
    expect(tile.expiresAt).toBe(at(30).toISOString());
    expect(findCoveringTile(db, roof, { ...request, now: at(29) })?.id).toBe(tile.id);
    expect(findCoveringTile(db, roof, { ...request, now: at(31) })).toBeNull();
    expect(describeCoverage(db, roof, { ...request, now: at(31) })).toMatchObject({ kind: 'expired', tile: { id: tile.id } });

    // A licence period shorter than the settings' 7 days: the settings' lifetime applies.
    const short = await put(boxAround(0, 0, 500), 0.6, { source: 'county-ortho', licence: { ...month, cacheTtlMs: DAY } });
    expect(short.expiresAt).toBe(at(DEFAULT_IMAGERY_SETTINGS.cacheTtlDays).toISOString());
  });

  it('does not serve an image too coarse for the request, and says so', async () => {
    const tile = await put(boxAround(0, 0, 600), 1.0);
    expect(findCoveringTile(db, roof, request)).toBeNull();
    expect(describeCoverage(db, roof, request)).toMatchObject({ kind: 'too-coarse', tile: { id: tile.id } });
    expect(findCoveringTile(db, roof, { ...request, maxGroundResolutionM: 1.0 })?.id).toBe(tile.id);
  });

  it('does not serve an image below the quality asked for', async () => {
    const tile = await put(boxAround(0, 0, 600), 0.6, { quality: 0.8 });
    expect(findCoveringTile(db, roof, { ...request, minQuality: 0.85 })).toBeNull();
    expect(describeCoverage(db, roof, { ...request, minQuality: 0.85 })).toMatchObject({ kind: 'low-quality', tile: { id: tile.id } });
  });

  it('says none when nothing is held there', async () => {
    await put(boxAround(5000, 5000, 300), 0.6);
    expect(describeCoverage(db, roof, request)).toEqual({ kind: 'none' });
  });

  it('refreshes an identical image fetched again instead of holding it twice', async () => {
    const box = boxAround(0, 0, 600);
    const bytes = imageBytes();
    const first = await put(box, 0.6, { bytes });
    const again = await put(box, 0.6, { bytes, quality: 0.95 }, at(2));
    expect(again.id).toBe(first.id);
    expect(again.quality).toBe(0.95);
    expect(cacheStats(db).tiles).toBe(1);
    expect(blobs.info(sha256Of(bytes))?.refcount).toBe(1);
  });
});

describe('what the licence and quality threshold forbid', () => {
  it('never stores imagery whose licence forbids storing it (Google Static Maps)', async () => {
    const result = await putTile(db, blobs, tileInput(boxAround(0, 0, 300), 0.15, { source: 'google-static-maps', licence: GOOGLE }));
    expect(result).toMatchObject({ stored: false, reason: 'licence-forbids-storing' });
    expect(result.stored ? '' : result.message).toMatch(/Google Maps Platform/);
    expect(cacheStats(db).tiles).toBe(0);
    expect(blobs.totalSize()).toBe(0);
    expect(describeCoverage(db, roof, { ...request, maxGroundResolutionM: 1 })).toEqual({ kind: 'none' });
  });

  it('refuses a licence that may be stored but not reused', async () => {
    const result = await putTile(db, blobs, tileInput(boxAround(0, 0, 300), 0.3, { licence: { ...NAIP, cacheable: false } }));
    expect(result).toMatchObject({ stored: false, reason: 'licence-forbids-caching' });
    expect(blobs.totalSize()).toBe(0);
  });

  it('keeps an image below the quality threshold for requests that accept it, and refuses one that serves nobody', async () => {
    setImagerySettings(db, { qualityThreshold: 0.8 }, { actor: 'Dana' });
    const tile = await put(boxAround(0, 0, 600), 0.6, { quality: 0.7 });
    expect(findCoveringTile(db, roof, request)).toBeNull();
    expect(describeCoverage(db, roof, request)).toMatchObject({ kind: 'low-quality', tile: { id: tile.id } });
    expect(findCoveringTile(db, roof, { ...request, minQuality: 0.6 })?.id).toBe(tile.id);

    const blank = await putTile(db, blobs, tileInput(boxAround(0, 0, 300), 0.6, { quality: 0.01 }));
    expect(blank).toMatchObject({ stored: false, reason: 'below-quality' });
    expect(blank.stored ? '' : blank.message).toMatch(/scored 0\.01/);
    const strict = await putTile(db, blobs, tileInput(boxAround(0, 0, 300), 0.6, { quality: 0.7 }), { minQuality: 0.75 });
    expect(strict).toMatchObject({ stored: false, reason: 'below-quality' });
    expect(cacheStats(db).tiles).toBe(1);
  });

  it('refuses malformed input with a clear error and stores nothing', async () => {
    const box = boxAround(0, 0, 300);
    await expect(putTile(db, blobs, tileInput(box, 0.6, { bytes: new Uint8Array(0) }))).rejects.toThrow(/image is empty/);
    await expect(putTile(db, blobs, tileInput([box[2], box[1], box[0], box[3]], 0.6))).rejects.toBeInstanceOf(StoreError);
    await expect(putTile(db, blobs, tileInput([0, 0, 1e9, 1e9], 0.6))).rejects.toThrow(/outside the Web Mercator world/);
    await expect(putTile(db, blobs, tileInput(box, 0.6, { mime: 'text/html' }))).rejects.toThrow(/image media type/);
    await expect(putTile(db, blobs, tileInput(box, 0.6, { capturedAt: 'last summer' }))).rejects.toThrow(/date/);
    expect(() => findCoveringTile(db, roof, { maxGroundResolutionM: -1 })).toThrow(StoreError);
    expect(cacheStats(db).tiles).toBe(0);
    expect(blobs.totalSize()).toBe(0);
  });
});

describe('a put interrupted part way', () => {
  it('leaves no tile and no image when writing the row fails after the image was stored', async () => {
    // Note: a temp trigger fails the row insert, as a full disk or a killed transaction would.
    db.exec("CREATE TEMP TRIGGER fail_tile BEFORE INSERT ON imagery_tiles BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const input = tileInput(boxAround(0, 0, 300), 0.6);
    await expect(putTile(db, blobs, input)).rejects.toThrow(/disk is full/);
    expect(db.prepare('SELECT count(*) FROM imagery_tiles').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM imagery_tiles_rtree').pluck().get()).toBe(0);
    expect(blobs.has(sha256Of(input.bytes))).toBe(false);
    expect(existsSync(blobs.pathFor(sha256Of(input.bytes)))).toBe(false);
  });

  it('leaves no row when storing the image fails', async () => {
    const failing = new BlobStore({ db, dataDir });
    failing.put = () => Promise.reject(new StoreError('cannot-open', 'Could not save an image: ENOSPC. The disk is full: free some space.'));
    await expect(putTile(db, failing, tileInput(boxAround(0, 0, 300), 0.6))).rejects.toThrow(/disk is full/);
    expect(cacheStats(db).tiles).toBe(0);
  });

  it('never leaves a row whose image is missing', async () => {
    const tiles = await Promise.all([0, 1, 2].map((i) => put(boxAround(i * 2000, 0, 300), 0.6)));
    for (const tile of tiles) expect(readFileSync(blobs.pathFor(tile.blobSha256)).length).toBe(tile.bytes);
  });
});

describe('eviction', () => {
  it('removes expired tiles first, then the least recently used, down to the cap, and frees their images', async () => {
    const month = { ...NAIP, cacheTtlMs: 30 * DAY };
    const expiring = await put(boxAround(-3000, 0, 300), 0.6, { licence: month }, at(0));
    const a = await put(boxAround(0, 0, 300), 0.6, {}, at(1));
    const b = await put(boxAround(3000, 0, 300), 0.6, {}, at(2));
    const c = await put(boxAround(6000, 0, 300), 0.6, {}, at(3));
    // A roof inside a is served on day 40: a becomes the most recently used.
    expect(findCoveringTile(db, boxAround(0, 0, 10), { maxGroundResolutionM: 1, now: at(40) })?.id).toBe(a.id);

    const report = await evictTiles(db, blobs, { capBytes: 2000, now: at(41) });
    expect(report).toEqual({ expiredRemoved: 1, lruRemoved: 1, bytesFreed: 2000, bytesHeld: 2000, blobsDeleted: 2 });
    const left = tilesIn(db, [-98, 30, -97, 31], 100).map((t) => t.id);
    expect(left.sort()).toEqual([a.id, c.id].sort());
    expect(blobs.has(expiring.blobSha256)).toBe(false);
    expect(blobs.has(b.blobSha256)).toBe(false);
    expect(blobs.has(a.blobSha256)).toBe(true);
  });

  it('keeps an image shared by two tiles until the last of them goes', async () => {
    const bytes = imageBytes();
    const first = await put(boxAround(0, 0, 300), 0.6, { bytes });
    await put(boxAround(1000, 0, 300), 0.6, { bytes }, at(1));
    const report = await evictTiles(db, blobs, { capBytes: 1000, now: at(2) });
    expect(report).toMatchObject({ lruRemoved: 1, blobsDeleted: 0 });
    expect(blobs.has(first.blobSha256)).toBe(true);
  });

  it('reports the cache by source against the cap in the settings', async () => {
    const month = { ...NAIP, cacheTtlMs: 30 * DAY };
    await put(boxAround(0, 0, 300), 0.6);
    await put(boxAround(2000, 0, 300), 0.3, { source: 'county-ortho', licence: month, bytes: imageBytes(3000) });
    expect(cacheStats(db, at(31))).toEqual({
      tiles: 2,
      bytes: 4000,
      capBytes: 2 * 1024 ** 3,
      expired: 1,
      bySource: [
        { source: 'county-ortho', tiles: 1, bytes: 3000 },
        { source: 'naip', tiles: 1, bytes: 1000 },
      ],
    });
  });
});

describe('what is held near here', () => {
  it('lists tiles within the radius, nearest first, 0 m for the one the point is in', async () => {
    const inside = await put(boxAround(0, 0, 200), 0.6);
    const far = await put(boxAround(1500, 0, 200), 0.6);
    const near = await put(boxAround(0, 700, 200), 0.6);
    await put(boxAround(9000, 0, 200), 0.6);
    const found = tilesNear(db, { lat: LAT, lng: LNG }, 2000, { now: at(1) });
    expect(found.map((t) => t.id)).toEqual([inside.id, near.id, far.id]);
    expect(found[0]!.distanceM).toBe(0);
    // Edges: 700 − 200 = 500 m north, 1500 − 200 = 1,300 m east (to within the projection's rounding).
    expect(found[1]!.distanceM).toBeGreaterThan(490);
    expect(found[1]!.distanceM).toBeLessThan(510);
    expect(found[2]!.distanceM).toBeGreaterThan(1280);
    expect(found[2]!.distanceM).toBeLessThan(1320);
    expect(tilesNear(db, { lat: LAT, lng: LNG }, 2000, { limit: 1 }).map((t) => t.id)).toEqual([inside.id]);
  });

  it('refuses absurd points and radii', () => {
    expect(() => tilesNear(db, { lat: 95, lng: 0 }, 100)).toThrow(/latitude/);
    expect(() => tilesNear(db, { lat: 30, lng: -97 }, Number.NaN)).toThrow(StoreError);
    expect(() => tilesIn(db, [10, 10, 5, 5], 10)).toThrow(/west must be less than east/);
  });
});
