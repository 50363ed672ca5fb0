import { pointSchema, type LatLng } from '../domain/geo';
import { haversineM } from '../imagery/geometry';

/**
 * A door-knocking route (pure, deterministic): an open walk from the rep's start through every
 * stop once, ending at the last door (no return). Distances are haversine metres — straight
 * lines; streets make the walk longer, but the order is what the rep needs.
 *
 *   walkRoute(start, stops, options?) → { order, legsM, totalM, nearestNeighbourM, method }
 *
 * Up to EXACT_MAX_STOPS stops the route is optimal (Held–Karp dynamic programming). Beyond, the
 * nearest-neighbour route is improved by 2-opt (reverse a stretch) and Or-opt (move a run of 1–3
 * doors elsewhere, either way round) until neither helps; every move shortens the walk, so the
 * result is never longer than the nearest-neighbour route.
 */

export interface RouteStop {
  id: string;
  lat: number;
  lng: number;
}

export interface WalkRoute {
  /** Stop ids in walking order (each once; a repeated id is one door). */
  order: string[];
  /** Metres of each leg: start → first stop, then stop → stop. */
  legsM: number[];
  totalM: number;
  /** The plain nearest-neighbour route's length, for comparison. */
  nearestNeighbourM: number;
  method: 'exact' | 'nearest-neighbour+2-opt+or-opt';
}

export interface WalkRouteOptions {
  /** At most this many improving passes over the route (default 1,000; each pass is O(n²)). */
  maxPasses?: number;
  /** Solve exactly up to this many stops (default EXACT_MAX_STOPS; 0 always uses the heuristic). */
  exactUpTo?: number;
}

/** Held–Karp costs n² · 2ⁿ: at 12 stops that is ~600 k steps, nothing. */
export const EXACT_MAX_STOPS = 12;
/** More doors than a rep walks in a week; the O(n²) matrix and passes stay well under a second. */
export const MAX_ROUTE_STOPS = 1_000;
/** Moves that gain less than this (metres) are float noise; ignoring them guarantees the loop ends. */
const MIN_GAIN_M = 1e-7;

export function walkRoute(start: LatLng, stops: readonly RouteStop[], options: WalkRouteOptions = {}): WalkRoute {
  const from = checkPoint(start, 'The route start');
  const unique = uniqueStops(stops);
  if (unique.length > MAX_ROUTE_STOPS) throw new RangeError(`A walk route takes at most ${MAX_ROUTE_STOPS} stops; got ${unique.length}. Ask for fewer (--top).`);
  const n = unique.length;
  if (n === 0) return { order: [], legsM: [], totalM: 0, nearestNeighbourM: 0, method: 'exact' };

  // Node 0 is the start; stops are 1..n. Note: the full matrix (8 MB at the cap, 2 MB at 500
  // stops) makes every move O(1).
  const points = [from, ...unique];
  const size = n + 1;
  const dist = new Float64Array(size * size);
  for (let i = 0; i < size; i += 1) {
    for (let j = i + 1; j < size; j += 1) {
      const d = haversineM(points[i]!, points[j]!);
      dist[i * size + j] = d;
      dist[j * size + i] = d;
    }
  }
  const d = (a: number, b: number) => dist[a * size + b]!;

  const nearest = nearestNeighbourPath(n, d);
  const nearestNeighbourM = pathLength(nearest, d);
  let path: number[];
  let method: WalkRoute['method'];
  if (n <= Math.min(options.exactUpTo ?? EXACT_MAX_STOPS, EXACT_MAX_STOPS)) {
    path = exactPath(n, d);
    method = 'exact';
  } else {
    path = improve(nearest, d, options.maxPasses ?? 1_000);
    method = 'nearest-neighbour+2-opt+or-opt';
  }
  const legsM = path.slice(1).map((node, k) => d(path[k]!, node));
  const totalM = legsM.reduce((sum, leg) => sum + leg, 0);
  return { order: path.slice(1).map((node) => unique[node - 1]!.id), legsM, totalM, nearestNeighbourM, method };
}

function checkPoint(point: LatLng, what: string): LatLng {
  const parsed = pointSchema.safeParse(point);
  if (!parsed.success) throw new RangeError(`${what} is not a place on Earth: ${parsed.error.issues[0]!.message}.`);
  return parsed.data;
}

function uniqueStops(stops: readonly RouteStop[]): RouteStop[] {
  const seen = new Set<string>();
  const unique: RouteStop[] = [];
  for (const stop of stops) {
    checkPoint(stop, `Stop ${stop.id}`);
    if (seen.has(stop.id)) continue;
    seen.add(stop.id);
    unique.push(stop);
  }
  return unique;
}

type Distance = (a: number, b: number) => number;

/** Paths are node lists starting with 0 (the start). */
function pathLength(path: readonly number[], d: Distance): number {
  let total = 0;
  for (let k = 1; k < path.length; k += 1) total += d(path[k - 1]!, path[k]!);
  return total;
}

/** Always the closest unvisited stop; ties go to the stop listed first (deterministic). */
function nearestNeighbourPath(n: number, d: Distance): number[] {
  const visited = new Uint8Array(n + 1);
  const path = [0];
  let at = 0;
  for (let step = 0; step < n; step += 1) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 1; j <= n; j += 1) {
      if (!visited[j] && d(at, j) < bestD) {
        best = j;
        bestD = d(at, j);
      }
    }
    visited[best] = 1;
    path.push(best);
    at = best;
  }
  return path;
}

/** Held–Karp for an open path from node 0: cost[set][last] = shortest walk through `set` ending at `last`. */
function exactPath(n: number, d: Distance): number[] {
  const sets = 1 << n;
  const cost = new Float64Array(sets * n).fill(Infinity);
  const parent = new Int8Array(sets * n).fill(-1);
  for (let j = 0; j < n; j += 1) cost[(1 << j) * n + j] = d(0, j + 1);
  for (let set = 1; set < sets; set += 1) {
    for (let last = 0; last < n; last += 1) {
      const here = cost[set * n + last]!;
      if (!(set & (1 << last)) || here === Infinity) continue;
      for (let next = 0; next < n; next += 1) {
        if (set & (1 << next)) continue;
        const grown = set | (1 << next);
        const candidate = here + d(last + 1, next + 1);
        if (candidate < cost[grown * n + next]! - MIN_GAIN_M) {
          cost[grown * n + next] = candidate;
          parent[grown * n + next] = last;
        }
      }
    }
  }
  const full = sets - 1;
  let last = 0;
  for (let j = 1; j < n; j += 1) if (cost[full * n + j]! < cost[full * n + last]! - MIN_GAIN_M) last = j;
  const reversed: number[] = [];
  let set = full;
  while (last >= 0) {
    reversed.push(last + 1);
    const previous = parent[set * n + last]!;
    set &= ~(1 << last);
    last = previous;
  }
  return [0, ...reversed.reverse()];
}

/** 2-opt then Or-opt, repeated until a whole pass finds nothing shorter. */
function improve(initial: readonly number[], d: Distance, maxPasses: number): number[] {
  const path = [...initial];
  for (let pass = 0; pass < maxPasses; pass += 1) {
    const reversed = twoOptPass(path, d);
    const moved = orOptPass(path, d);
    if (!reversed && !moved) break;
  }
  return path;
}

/**
 * Reversing path[i..j] swaps edges (i-1,i) and (j,j+1) for (i-1,j) and (i,j+1). On an open path
 * the last door has no next edge, so reversing the tail costs only the first swap.
 */
function twoOptPass(path: number[], d: Distance): boolean {
  const last = path.length - 1;
  let improved = false;
  for (let i = 1; i < last; i += 1) {
    for (let j = i + 1; j <= last; j += 1) {
      const a = path[i - 1]!;
      const b = path[i]!;
      const c = path[j]!;
      const before = d(a, b) + (j < last ? d(c, path[j + 1]!) : 0);
      const after = d(a, c) + (j < last ? d(b, path[j + 1]!) : 0);
      if (after < before - MIN_GAIN_M) {
        reverse(path, i, j);
        improved = true;
      }
    }
  }
  return improved;
}

function reverse(path: number[], i: number, j: number): void {
  for (let lo = i, hi = j; lo < hi; lo += 1, hi -= 1) [path[lo], path[hi]] = [path[hi]!, path[lo]!];
}

/** Moves a run of 1–3 doors between two other neighbours (either way round) when that is shorter. */
function orOptPass(path: number[], d: Distance): boolean {
  let improved = false;
  for (let length = 1; length <= 3; length += 1) {
    for (let i = 1; i + length - 1 < path.length; i += 1) {
      const last = path.length - 1;
      const j = i + length - 1;
      const prev = path[i - 1]!;
      const first = path[i]!;
      const end = path[j]!;
      const next = j < last ? path[j + 1]! : -1;
      const removeGain = d(prev, first) + (next >= 0 ? d(end, next) - d(prev, next) : 0);
      let best: { at: number; flip: boolean; gain: number } | null = null;
      // Insert between path[k] and path[k+1] (k+1 may be past the end: append), outside the run.
      for (let k = 0; k <= last; k += 1) {
        if (k >= i - 1 && k <= j) continue;
        const left = path[k]!;
        const right = k < last ? path[k + 1]! : -1;
        const base = right >= 0 ? d(left, right) : 0;
        const straight = d(left, first) + (right >= 0 ? d(end, right) : 0) - base;
        const flipped = d(left, end) + (right >= 0 ? d(first, right) : 0) - base;
        const cost = Math.min(straight, flipped);
        const gain = removeGain - cost;
        if (gain > MIN_GAIN_M && (best === null || gain > best.gain + MIN_GAIN_M)) best = { at: k, flip: flipped < straight, gain };
      }
      if (best) {
        const run = path.splice(i, length);
        if (best.flip) run.reverse();
        const at = best.at < i ? best.at + 1 : best.at + 1 - length;
        path.splice(at, 0, ...run);
        improved = true;
      }
    }
  }
  return improved;
}
