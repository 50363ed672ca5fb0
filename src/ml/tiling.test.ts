import { describe, expect, it } from 'vitest';
import { featherWeights, planTiles } from './tiling';

describe('tile plans', () => {
  it('covers every pixel with equal tiles no larger than asked, overlapping by at least the overlap', () => {
    for (const [width, height, size, overlap] of [[256, 256, 128, 12], [1, 1, 128, 12], [1000, 37, 128, 12], [129, 300, 128, 24], [5000, 3, 64, 0]] as const) {
      const plan = planTiles(width, height, size, overlap);
      expect(plan.tileWidth).toBeLessThanOrEqual(Math.min(size, width));
      expect(plan.tileHeight).toBeLessThanOrEqual(Math.min(size, height));
      for (const [starts, tile, length] of [[plan.columns, plan.tileWidth, width], [plan.rows, plan.tileHeight, height]] as const) {
        expect(starts[0]).toBe(0);
        expect(starts.at(-1)! + tile).toBe(length);
        for (let i = 1; i < starts.length; i++) expect(starts[i - 1]! + tile - starts[i]!).toBeGreaterThanOrEqual(overlap);
      }
      expect(plan.tiles).toHaveLength(plan.columns.length * plan.rows.length);
    }
  });

  it('runs a 256-pixel crop as 3 × 3 tiles of 94, not of 128', () => {
    const plan = planTiles(256, 256, 128, 12);
    expect([plan.tileWidth, plan.columns]).toEqual([94, [0, 82, 162]]);
  });

  it('feathers only edges shared with a neighbour, from almost nothing at the tile edge to 1', () => {
    const inner = featherWeights(82, 94, 256, 12, 2);
    expect(inner[0]).toBeLessThan(0.01);
    expect(inner.at(-1)).toBeLessThan(0.01);
    expect(inner[94]).toBe(1);
    const first = featherWeights(0, 94, 256, 12, 2);
    expect(first[0]).toBe(1);
    expect(first.at(-1)).toBeLessThan(0.01);
  });
});
