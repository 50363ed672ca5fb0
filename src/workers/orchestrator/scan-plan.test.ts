import { describe, expect, it } from 'vitest';
import { scanOptionsSchema } from '../../core/contracts/scan-api';
import type { BBox } from '../../core/domain/geo';
import { recentDays, scrapeStepKeys, scrapeTaskOf, stormBox, stormYears, tilesOf } from './scan-plan';

const options = scanOptionsSchema.parse({});
const bbox: BBox = [-96.881, 33.2195, -96.8614, 33.2373];

describe('scan plan', () => {
  it('covers the box exactly with tiles no larger than asked, keyed in plan order', () => {
    const tiles = tilesOf(bbox, 0.01);
    expect(tiles.map((tile) => tile.key)).toEqual(['r000c000', 'r000c001', 'r001c000', 'r001c001']);
    expect(Math.min(...tiles.map((t) => t.bbox[0]))).toBe(bbox[0]);
    expect(Math.max(...tiles.map((t) => t.bbox[2]))).toBe(bbox[2]);
    expect(Math.min(...tiles.map((t) => t.bbox[1]))).toBe(bbox[1]);
    expect(Math.max(...tiles.map((t) => t.bbox[3]))).toBe(bbox[3]);
    for (const tile of tiles) {
      expect(tile.bbox[2] - tile.bbox[0]).toBeLessThanOrEqual(0.01 + 1e-9);
      expect(tile.bbox[3] - tile.bbox[1]).toBeLessThanOrEqual(0.01 + 1e-9);
    }
    // Neighbours share their edge exactly: nothing falls between two tiles.
    expect(tiles[0]!.bbox[2]).toBe(tiles[1]!.bbox[0]);
    expect(tiles[0]!.bbox[3]).toBe(tiles[2]!.bbox[1]);
  });

  it('plans the same steps again from the same run, so a resumed scan adds none', () => {
    const input = { bbox, options, county: 'demo', permitPortal: 'demo', createdAt: new Date('2025-05-20T15:00:00Z') };
    const keys = scrapeStepKeys(input);
    expect(scrapeStepKeys({ ...input })).toEqual(keys);
    expect(keys.slice(0, 8)).toEqual(['spc:2025-05-13', 'spc:2025-05-14', 'spc:2025-05-15', 'spc:2025-05-16', 'spc:2025-05-17', 'spc:2025-05-18', 'spc:2025-05-19', 'ncei:2025']);
    expect(keys.at(-1)).toBe('permits:territory');
    expect(keys.filter((key) => key.startsWith('parcels:'))).toHaveLength(4);
    for (const key of keys) expect(scrapeTaskOf(key, input), key).not.toBeNull();
    expect(scrapeTaskOf('parcels:r000c000', { ...input, county: null })).toBeNull();
    expect(scrapeTaskOf('satellite:r000c000', input)).toBeNull();
    expect(scrapeStepKeys({ ...input, county: null, permitPortal: null }).some((key) => key.startsWith('parcels:') || key.startsWith('permits:'))).toBe(false);
  });

  it('reads storms a little beyond the territory, never beyond the largest box', () => {
    expect(stormBox(bbox)).toEqual([-96.981, 33.1195, -96.7614, 33.3373]);
    const large: BBox = [-97.9, 32.1, -96.5, 33.5];
    const around = stormBox(large);
    expect(around[2] - around[0]).toBeLessThanOrEqual(1.5 + 1e-9);
    expect(around[0]).toBeLessThanOrEqual(large[0]);
  });

  it('counts recent days and storm years from when the run began', () => {
    expect(recentDays(new Date('2025-03-02T01:00:00Z'), 3)).toEqual(['2025-02-27', '2025-02-28', '2025-03-01']);
    expect(stormYears(new Date('2025-02-10T00:00:00Z'))).toEqual([2024, 2025]);
    expect(stormYears(new Date('2025-08-10T00:00:00Z'))).toEqual([2025]);
  });
});
