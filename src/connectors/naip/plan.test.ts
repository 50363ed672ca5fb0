import { describe, expect, it } from 'vitest';
import { bboxToMercator, groundResolutionM } from '../../core/imagery/mercator';
import { planNaipExports } from './plan';

const box = bboxToMercator([-96.88, 33.22, -96.86, 33.235]);

describe('NAIP export planning', () => {
  it('a box within the service limit is one export at the resolution asked for', () => {
    const plan = planNaipExports(box, 0.6);
    expect(plan.parts).toHaveLength(1);
    expect(plan.parts[0]!.grid).toEqual(plan.grid);
    expect(groundResolutionM(plan.grid)).toBeCloseTo(0.6, 2);
  });

  it.each([
    [0.15, { maxImageWidth: 4000, maxImageHeight: 4000 }],
    [0.3, { maxImageWidth: 1000, maxImageHeight: 700 }],
    [0.6, { maxImageWidth: 1000, maxImageHeight: 900 }],
  ])('at %s m/px with %o the parts tile the box exactly and none exceeds the limit', (metres, limits) => {
    const plan = planNaipExports(box, metres, limits);
    expect(plan.parts.length).toBe(plan.columns * plan.rows);
    expect(plan.parts.length).toBeGreaterThan(1);
    const mppX = (box[2] - box[0]) / plan.grid.width;
    let area = 0;
    for (const part of plan.parts) {
      expect(part.grid.width).toBeLessThanOrEqual(limits.maxImageWidth);
      expect(part.grid.height).toBeLessThanOrEqual(limits.maxImageHeight);
      // Every part has the whole image's metres per pixel and sits at its pixel offset.
      expect((part.grid.box[2] - part.grid.box[0]) / part.grid.width).toBeCloseTo(mppX, 6);
      expect(part.grid.box[0]).toBeCloseTo(box[0] + part.left * mppX, 6);
      area += part.grid.width * part.grid.height;
      // Neighbours share edges: no gap, no overlap.
      const right = plan.parts.find((other) => other.row === part.row && other.column === part.column + 1);
      if (right) expect(right.grid.box[0]).toBe(part.grid.box[2]);
      const below = plan.parts.find((other) => other.column === part.column && other.row === part.row + 1);
      if (below) expect(below.grid.box[3]).toBe(part.grid.box[1]);
    }
    expect(area).toBe(plan.grid.width * plan.grid.height);
    const outer = plan.parts.reduce<[number, number, number, number]>((acc, part) => [Math.min(acc[0], part.grid.box[0]), Math.min(acc[1], part.grid.box[1]), Math.max(acc[2], part.grid.box[2]), Math.max(acc[3], part.grid.box[3])], [Infinity, Infinity, -Infinity, -Infinity]);
    expect(outer).toEqual(box);
  });

  it('refuses an area that would take more than 100 exports, and nonsense boxes', () => {
    expect(() => planNaipExports(bboxToMercator([-97.5, 32.5, -96.5, 33.5]), 0.15)).toThrow(/NAIP exports \(the most is 100\); ask for a smaller area/);
    expect(() => planNaipExports([10, 10, 5, 20], 0.6)).toThrow(/min < max/);
    expect(() => planNaipExports(box, 0)).toThrow(/above 0 m per pixel/);
  });
});
