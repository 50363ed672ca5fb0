import { describe, expect, it } from 'vitest';
import { BatchingError, planBatches, type BatchOptions, type BatchPlan, type BatchPoint } from './batching';
import { haversineM } from './geometry';

// Frisco, Texas. Offsets in ground metres east and north.
const ORIGIN = { lat: 33.2285, lng: -96.8712 };
const M_PER_DEG = 111_195;
function at(id: string, east: number, north: number, origin = ORIGIN): BatchPoint {
  return { id, lat: origin.lat + north / M_PER_DEG, lng: origin.lng + east / (M_PER_DEG * Math.cos((origin.lat * Math.PI) / 180)) };
}

/** A street grid of houses 20 m apart, `cols` wide. */
function neighbourhood(prefix: string, count: number, cols: number, origin = ORIGIN): BatchPoint[] {
  return Array.from({ length: count }, (_, k) => at(`${prefix}${k}`, (k % cols) * 20, Math.floor(k / cols) * 35, origin));
}

/** A deterministic stream in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function expectConstraints(points: BatchPoint[], plan: BatchPlan, options: BatchOptions = {}): void {
  const maxSize = options.maxSize ?? 25;
  const minSize = options.minSize ?? 3;
  const seen = [...plan.batches.flatMap((batch) => batch.members), ...plan.singles];
  expect(seen.length).toBe(points.length);
  expect(new Set(seen).size).toBe(points.length);
  const byId = new Map(points.map((p) => [p.id, p]));
  for (const batch of plan.batches) {
    expect(batch.members.length).toBeLessThanOrEqual(maxSize);
    expect(batch.members.length).toBeGreaterThanOrEqual(minSize);
    if (options.maxSpanM !== undefined) expect(batch.spanM).toBeLessThanOrEqual(options.maxSpanM);
    for (const id of batch.members) {
      const p = byId.get(id)!;
      expect(p.lng).toBeGreaterThanOrEqual(batch.bbox[0]);
      expect(p.lat).toBeGreaterThanOrEqual(batch.bbox[1]);
      expect(p.lng).toBeLessThanOrEqual(batch.bbox[2]);
      expect(p.lat).toBeLessThanOrEqual(batch.bbox[3]);
    }
  }
  expect(plan.stats.batches).toBe(plan.batches.length);
  expect(plan.stats.singles).toBe(plan.singles.length);
  expect(plan.stats.points).toBe(points.length);
}

/** Textbook O(n²) DBSCAN: cluster count and noise count, the reference for the grid version. */
function referenceDbscan(points: BatchPoint[], eps: number, minPts: number): { clusters: number; noise: number } {
  const near = points.map((p) => points.map((q, j) => (haversineM(p, q) <= eps ? j : -1)).filter((j) => j >= 0));
  const label = new Array<number>(points.length).fill(-2);
  let clusters = 0;
  points.forEach((_, i) => {
    if (label[i] !== -2) return;
    if (near[i]!.length < minPts) {
      label[i] = -1;
      return;
    }
    const c = clusters++;
    label[i] = c;
    const queue = [...near[i]!];
    while (queue.length > 0) {
      const j = queue.pop()!;
      if (label[j] === -1) label[j] = c;
      if (label[j] !== -2) continue;
      label[j] = c;
      if (near[j]!.length >= minPts) queue.push(...near[j]!);
    }
  });
  return { clusters, noise: label.filter((l) => l === -1).length };
}

describe('planBatches', () => {
  it('keeps two neighbourhoods 50 km apart in separate batches of at most 25', () => {
    const north = neighbourhood('n', 60, 10);
    const south = neighbourhood('s', 40, 8, { lat: ORIGIN.lat - 0.45, lng: ORIGIN.lng });
    const points = [...north, ...south];
    const plan = planBatches(points);
    expectConstraints(points, plan);
    expect(plan.stats.clusters).toBe(2);
    expect(plan.singles).toEqual([]);
    // ⌈60/25⌉ + ⌈40/25⌉ images instead of 100.
    expect(plan.batches.length).toBe(5);
    for (const batch of plan.batches) {
      const prefixes = new Set(batch.members.map((id) => id[0]));
      expect(prefixes.size).toBe(1);
      expect(batch.spanM).toBeLessThan(400);
    }
  });

  it('cuts a large cluster into compact groups, none wider than one image', () => {
    const points = neighbourhood('h', 400, 40);
    const options = { maxSpanM: 150 };
    const plan = planBatches(points, options);
    expectConstraints(points, plan, options);
    expect(plan.stats.splits).toBe(1);
    // Every property sits within the 150 m image its batch asks for.
    for (const batch of plan.batches) {
      for (const id of batch.members) {
        const p = points.find((q) => q.id === id)!;
        expect(haversineM(p, batch.centre)).toBeLessThanOrEqual(150 * Math.SQRT1_2 + 1);
      }
    }
  });

  it('packs small images full on a square street grid', () => {
    // 40 lots 20 m apart × 10 rows 35 m apart; a 45 m image edge holds 3 lots × 2 rows.
    const points = neighbourhood('h', 400, 40);
    const plan = planBatches(points, { maxSpanM: 45 });
    expectConstraints(points, plan, { maxSpanM: 45 });
    // 13 slabs of 3 lots × 5 pairs of rows = 65 images of 6; the 40th lot's column: 10 alone.
    expect(plan.batches.length + plan.singles.length).toBeLessThanOrEqual(75);
    expect(plan.batches.filter((batch) => batch.members.length === 6).length).toBeGreaterThanOrEqual(65);
  });

  it('sends a far-off house alone and lets a stray near a batch join it', () => {
    // With 4 to a batch: a street of five 30 m apart (core), a house 80 m past its end (border:
    // three within 100 m, itself included), a stray 90 m past that (noise), a farm 10 km off.
    const street = [0, 30, 60, 90, 120].map((x, k) => at(`street${k}`, x, 0));
    const points = [...street, at('border', 200, 0), at('stray', 290, 0), at('farm', 10_000, 0)];
    const options = { radiusM: 100, minSize: 4 };
    const plan = planBatches(points, options);
    expectConstraints(points, plan, options);
    expect(plan.stats.noise).toBe(2);
    expect(plan.singles).toEqual(['farm']);
    expect(plan.batches).toHaveLength(1);
    expect(plan.batches[0]!.members).toEqual([...street.map((p) => p.id), 'border', 'stray']);
  });

  it('does not let a stray overfill a full batch', () => {
    const street = Array.from({ length: 24 }, (_, k) => at(`street${k}`, k * 5, 0));
    const points = [...street, at('border', 115 + 99, 0), at('stray', 115 + 99 + 90, 0)];
    const plan = planBatches(points, { radiusM: 100, minSize: 4 });
    expect(plan.stats.noise).toBe(1);
    expect(plan.batches[0]!.members).toHaveLength(25);
    expect(plan.singles).toEqual(['stray']);
  });

  it('batches identical points (flats in one building) and leaves a pair alone', () => {
    const flats = Array.from({ length: 30 }, (_, k) => ({ id: `flat${k}`, ...ORIGIN }));
    const pair = [at('a', 20_000, 0), at('b', 20_000, 0)];
    const points = [...flats, ...pair];
    const plan = planBatches(points, { maxSpanM: 100 });
    expectConstraints(points, plan, { maxSpanM: 100 });
    expect(plan.batches.map((b) => b.members.length).sort((x, y) => x - y)).toEqual([15, 15]);
    expect(plan.batches[0]!.spanM).toBe(0);
    expect(plan.singles).toEqual(['a', 'b']);
  });

  it('plans nothing for no points', () => {
    expect(planBatches([])).toEqual({ batches: [], singles: [], stats: { points: 0, clusters: 0, batches: 0, singles: 0, noise: 0, splits: 0 } });
  });

  it('refuses absurd coordinates, repeated ids and impossible options with a clear message', () => {
    const ok = at('ok', 0, 0);
    expect(() => planBatches([ok, { id: 'x', lat: 91, lng: 0 }])).toThrow(BatchingError);
    expect(() => planBatches([{ id: 'x', lat: 89, lng: 0 }])).toThrow(/−85.05° to 85.05°/);
    expect(() => planBatches([{ id: 'x', lat: Number.NaN, lng: 0 }])).toThrow(/latitude NaN/);
    expect(() => planBatches([{ id: 'x', lat: 33, lng: 200 }])).toThrow(/longitude 200/);
    expect(() => planBatches([ok, ok])).toThrow(/listed twice/);
    expect(() => planBatches([ok], { maxSize: 2, minSize: 3 })).toThrow(/smallest batch/);
    expect(() => planBatches([ok], { radiusM: 0 })).toThrow(/radius/);
    expect(() => planBatches([ok], { maxSpanM: -5 })).toThrow(/image edge/);
  });

  it('finds the same clusters and noise as textbook DBSCAN, and the same plan twice', () => {
    const next = random(7);
    // Three towns of scattered houses and a sprinkle of farms over 30 km.
    const points: BatchPoint[] = [];
    for (let k = 0; k < 600; k += 1) {
      const town = k % 4;
      const spread = town === 3 ? 15_000 : 1_500;
      const centre = town === 3 ? [0, 0] : [town * 8_000 - 8_000, town * 3_000];
      points.push(at(`p${k}`, centre[0]! + (next() - 0.5) * 2 * spread, centre[1]! + (next() - 0.5) * 2 * spread));
    }
    for (const radiusM of [300, 800]) {
      const plan = planBatches(points, { radiusM, maxSpanM: 1_000 });
      expectConstraints(points, plan, { maxSpanM: 1_000 });
      const reference = referenceDbscan(points, radiusM, 3);
      expect(plan.stats.clusters).toBe(reference.clusters);
      expect(plan.stats.noise).toBe(reference.noise);
      expect(planBatches(points, { radiusM, maxSpanM: 1_000 })).toEqual(plan);
    }
  });
});
