import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../ids';
import type { Micros } from '../money';
import { openDatabase, runMigrations, StoreError, type Db } from '../store';
import { addHouse } from '../store/store.testkit';
import { getRoofImage, listRoofImages, roofImageSummary, saveRoofImage, type RoofImageInput } from './roof-images';

let dataDir: string;
let db: Db;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-roof-images-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const house = (lat: number, lng: number): string => addHouse(db, { lat, lng });

const sha = (c: string) => c.repeat(64);
const quality = { score: 0.82, sharpness: 0.9, noise: 0.8, cloudShare: 0, noDataShare: 0, resolution: 0.7, notes: [] };

function roofImage(propertyId: string, overrides: Partial<RoofImageInput> = {}): RoofImageInput {
  return {
    propertyId,
    stepKind: 'batch',
    sources: ['naip'],
    tileId: newId(),
    batchId: newId(),
    imageSha256: sha('a'),
    enhancedSha256: sha('b'),
    width: 64,
    height: 58,
    groundResolutionM: 0.6,
    enhancedScale: 4,
    enhancedModel: 'esrgan-slim-x4',
    capturedAt: '2022-06-15',
    costMicros: 0 as Micros,
    quality: 0.82,
    qualityDetail: quality,
    lowConfidence: false,
    manualReview: false,
    footprintPx: [12, 10, 52, 47],
    log: [{ at: '2025-05-01T12:00:00.000Z', step: 'batch', message: 'cropped from the NAIP batch image (25 houses)' }],
    storable: true,
    runId: 'run-1',
    ...overrides,
  };
}

describe('roof images', () => {
  it('saves and reads back a roof image with its log, quality detail and footprint position', () => {
    const id = house(30.5, -97.68);
    const { record } = saveRoofImage(db, roofImage(id));
    expect(getRoofImage(db, id)).toEqual(record);
    expect(record).toMatchObject({ stepKind: 'batch', sources: ['naip'], footprintPx: [12, 10, 52, 47], qualityDetail: quality, storable: true });
    expect(record.log[0]!.message).toMatch(/NAIP batch image/);
    expect(getRoofImage(db, newId())).toBeNull();
  });

  it('replaces a property’s image and names the pictures no longer referenced', () => {
    const id = house(30.5, -97.68);
    saveRoofImage(db, roofImage(id));
    const { record, unreferencedSha256 } = saveRoofImage(db, roofImage(id, { stepKind: 'paid', sources: ['google-static-maps'], imageSha256: sha('c'), enhancedSha256: sha('b'), costMicros: 2_000 as Micros }));
    expect(record.stepKind).toBe('paid');
    expect(unreferencedSha256).toEqual([sha('a')]);
    expect(roofImageSummary(db).total).toBe(1);
  });

  it('refuses to reference a stored picture when the licence forbids storing it, and keeps the facts without it', () => {
    const id = house(30.5, -97.68);
    const paid = roofImage(id, { stepKind: 'paid', sources: ['google-static-maps'], storable: false, costMicros: 2_000 as Micros });
    expect(() => saveRoofImage(db, paid)).toThrow(/licence forbids storing it/);
    expect(getRoofImage(db, id)).toBeNull();
    const { record } = saveRoofImage(db, { ...paid, imageSha256: null, enhancedSha256: null });
    expect(record).toMatchObject({ storable: false, imageSha256: null, costMicros: 2_000 });
  });

  it('refuses malformed records and unknown properties with a clear error', () => {
    const id = house(30.5, -97.68);
    expect(() => saveRoofImage(db, roofImage(newId()))).toThrow(/no property/);
    expect(() => saveRoofImage(db, roofImage(id, { quality: 1.4 }))).toThrow(StoreError);
    expect(() => saveRoofImage(db, roofImage(id, { imageSha256: 'not-a-hash' }))).toThrow(/SHA-256/);
    expect(() => saveRoofImage(db, roofImage(id, { footprintPx: [50, 10, 12, 47] }))).toThrow(/x0 ≤ x1/);
    expect(() => saveRoofImage(db, roofImage(id, { enhancedModel: null }))).toThrow(/scale and its model/);
    expect(() => saveRoofImage(db, roofImage(id, { stepKind: 'fallback', sources: ['synthetic'] }))).toThrow(/manual review/);
    expect(getRoofImage(db, id)).toBeNull();
  });

  it('lists images in a map box with their property’s position, and per run', () => {
    const inside = house(30.5, -97.68);
    const outside = house(31.2, -97.1);
    saveRoofImage(db, roofImage(inside, { updatedAt: '2025-05-01T12:00:00.000Z' }));
    saveRoofImage(db, roofImage(outside, { runId: 'run-2', updatedAt: '2025-05-01T13:00:00.000Z' }));
    const inBox = listRoofImages(db, { bbox: [-97.7, 30.45, -97.6, 30.55], limit: 10 });
    expect(inBox.map((r) => [r.propertyId, r.lat, r.lng])).toEqual([[inside, 30.5, -97.68]]);
    expect(listRoofImages(db, { limit: 10 }).map((r) => r.propertyId)).toEqual([outside, inside]);
    expect(listRoofImages(db, { runId: 'run-2', limit: 10 }).map((r) => r.propertyId)).toEqual([outside]);
    expect(() => listRoofImages(db, { bbox: [-97, 30, -98, 31], limit: 10 })).toThrow(/west must be less than east/);
  });

  it('summarises a run: images by step, spend, low confidence, manual review and mean quality', () => {
    const ids = [0, 1, 2, 3].map((i) => house(30.5 + i * 0.001, -97.68));
    saveRoofImage(db, roofImage(ids[0]!, { quality: 0.8 }));
    saveRoofImage(db, roofImage(ids[1]!, { stepKind: 'cache', quality: 0.9 }));
    saveRoofImage(db, roofImage(ids[2]!, { stepKind: 'paid', sources: ['mapbox-static-images'], storable: false, imageSha256: null, enhancedSha256: null, costMicros: 1_500 as Micros, quality: 0.95 }));
    saveRoofImage(db, roofImage(ids[3]!, { stepKind: 'fallback', sources: ['synthetic'], lowConfidence: true, manualReview: true, quality: 0.35, enhancedScale: null, enhancedModel: null, runId: 'run-2' }));
    expect(roofImageSummary(db, { runId: 'run-1' })).toEqual({
      total: 3,
      byStepKind: { cache: 1, free: 0, batch: 1, paid: 1, fallback: 0 },
      costMicros: 1_500,
      lowConfidence: 0,
      manualReview: 0,
      meanQuality: expect.closeTo(0.8833, 3),
      enhanced: 3,
      notStored: 1,
    });
    expect(roofImageSummary(db)).toMatchObject({ total: 4, lowConfidence: 1, manualReview: 1, enhanced: 3 });
    expect(roofImageSummary(db, { runId: 'nothing' })).toMatchObject({ total: 0, meanQuality: null, costMicros: 0 });
  });
});
