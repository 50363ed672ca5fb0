import { describe, expect, it } from 'vitest';
import { haversineM } from '../imagery/geometry';
import { EXACT_MAX_STOPS, MAX_ROUTE_STOPS, walkRoute, type RouteStop } from './walk-route';

const start = { lat: 30.5083, lng: -97.6789 };

/** A seeded generator, so every run walks the same neighbourhoods. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Doors scattered over about 2 km × 2 km around the start. */
function doors(count: number, seed: number): RouteStop[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => ({ id: `lead-${i}`, lat: start.lat + (next() - 0.5) * 0.018, lng: start.lng + (next() - 0.5) * 0.021 }));
}

function lengthOf(order: string[], stops: RouteStop[]): number {
  const byId = new Map(stops.map((s) => [s.id, s]));
  let at = start;
  let total = 0;
  for (const id of order) {
    const stop = byId.get(id)!;
    total += haversineM(at, stop);
    at = stop;
  }
  return total;
}

function bruteForceBest(stops: RouteStop[]): number {
  let best = Infinity;
  const permute = (rest: RouteStop[], order: string[]) => {
    if (rest.length === 0) best = Math.min(best, lengthOf(order, stops));
    rest.forEach((stop, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...order, stop.id]));
  };
  permute(stops, []);
  return best;
}

describe('walkRoute', () => {
  it('is the shortest possible walk on small routes (checked against every order)', () => {
    for (const [count, seed] of [[3, 1], [5, 2], [6, 3], [7, 4], [8, 5], [8, 6]] as const) {
      const stops = doors(count, seed);
      const route = walkRoute(start, stops);
      expect(route.method).toBe('exact');
      expect(route.totalM).toBeCloseTo(bruteForceBest(stops), 6);
      expect(route.totalM).toBeLessThanOrEqual(route.nearestNeighbourM + 1e-6);
    }
  });

  it('visits every door once, with legs that add up, and is never longer than nearest-neighbour', () => {
    for (const [count, seed] of [[13, 7], [40, 8], [120, 9], [500, 10]] as const) {
      const stops = doors(count, seed);
      const route = walkRoute(start, stops);
      expect(route.method).toBe('nearest-neighbour+2-opt+or-opt');
      expect([...route.order].sort()).toEqual(stops.map((s) => s.id).sort());
      expect(route.legsM).toHaveLength(count);
      expect(route.legsM.reduce((a, b) => a + b, 0)).toBeCloseTo(route.totalM, 6);
      expect(route.totalM).toBeCloseTo(lengthOf(route.order, stops), 6);
      expect(route.totalM).toBeLessThanOrEqual(route.nearestNeighbourM + 1e-6);
    }
  });

  it('improves clearly on nearest-neighbour, and comes close to the best walk where that can be checked', () => {
    for (const [count, seed] of [[40, 13], [120, 14]] as const) {
      const route = walkRoute(start, doors(count, seed));
      expect(route.totalM).toBeLessThan(route.nearestNeighbourM * 0.95);
    }
    let heuristic = 0;
    let best = 0;
    for (let seed = 20; seed < 30; seed += 1) {
      const stops = doors(8, seed);
      const route = walkRoute(start, stops, { exactUpTo: 0 });
      expect(route.method).toBe('nearest-neighbour+2-opt+or-opt');
      heuristic += route.totalM;
      best += bruteForceBest(stops);
    }
    expect(heuristic / best).toBeLessThan(1.03);
  });

  it('gives the same route for the same doors every time', () => {
    const stops = doors(200, 11);
    expect(walkRoute(start, stops)).toEqual(walkRoute(start, stops));
  });

  it('handles no doors, one door, a door listed twice and two doors at one place', () => {
    expect(walkRoute(start, [])).toEqual({ order: [], legsM: [], totalM: 0, nearestNeighbourM: 0, method: 'exact' });
    const one = walkRoute(start, [{ id: 'a', lat: start.lat + 0.001, lng: start.lng }]);
    expect(one.order).toEqual(['a']);
    expect(one.totalM).toBeCloseTo(111.2, 0);

    const twice = walkRoute(start, [
      { id: 'a', lat: start.lat + 0.001, lng: start.lng },
      { id: 'a', lat: start.lat + 0.001, lng: start.lng },
      { id: 'b', lat: start.lat + 0.002, lng: start.lng },
      { id: 'c', lat: start.lat + 0.002, lng: start.lng },
    ]);
    expect(twice.order[0]).toBe('a');
    expect([...twice.order].sort()).toEqual(['a', 'b', 'c']);
    expect(twice.legsM[2]).toBe(0);
    expect(twice.totalM).toBeCloseTo(222.4, 0);

    const many = doors(EXACT_MAX_STOPS + 5, 12).map((s, i) => (i % 2 ? { ...s, lat: start.lat, lng: start.lng + 0.001 } : s));
    const route = walkRoute(start, many);
    expect(route.order).toHaveLength(many.length);
    expect(route.totalM).toBeLessThanOrEqual(route.nearestNeighbourM + 1e-6);
  });

  it('refuses a start or a door that is not on the Earth', () => {
    expect(() => walkRoute({ lat: 91, lng: 0 }, [])).toThrow(/route start is not a place on Earth: latitude/);
    expect(() => walkRoute(start, [{ id: 'x', lat: 30, lng: Number.NaN }])).toThrow(/Stop x is not a place on Earth/);
    expect(() => walkRoute(start, doors(MAX_ROUTE_STOPS + 1, 1))).toThrow(/at most 1000 stops; got 1001/);
  });
});
