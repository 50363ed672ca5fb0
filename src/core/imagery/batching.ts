import Flatbush from 'flatbush';
import type { BBox, LatLng } from '../domain/geo';
import { groundSpanM, haversineM, MEAN_EARTH_RADIUS_M } from './geometry';
import { MAX_MERCATOR_LAT } from './mercator';

/**
 * Geographic batching (browser-safe, pure): which properties can share one aerial image.
 *
 *   planBatches(points, { radiusM = 2000, maxSize = 25, minSize = 3, maxSpanM? })
 *     → { batches: [{ members, centre, bbox, spanM }], singles, stats }
 *
 * 1. DBSCAN on haversine distance: eps = radiusM, minPts = minSize (a point counts itself).
 *    Note: a plain DBSCAN asks for every point's neighbours; in a town of 100,000 houses each
 *    has ~8,000 within 2 km, i.e. ~10⁹ distances. So it runs on a grid of eps/2 cells (Gunawan's
 *    exact grid DBSCAN): every pair in one cell is within eps, so a cell holding ≥ minPts points
 *    is all core without a query; cells are joined when any core pair across them is within
 *    eps; only points in sparse cells ask the Flatbush index (box query, then exact haversine).
 * 2. Each cluster is cut into compact groups of ≤ maxSize spanning ≤ maxSpanM (the provider's
 *    largest image edge in ground metres, minus the crop margins): recursive cuts across the
 *    longer side, sized so n points yield ⌈n / maxSize⌉ groups, and image-deep slabs or
 *    halvings for width — whichever needs fewer images (see cutCluster).
 * 3. Noise and groups under minSize join the batch of their nearest neighbour within radiusM
 *    when it stays within maxSize and maxSpanM; the rest go alone as singles.
 *
 * Deterministic: the same points in the same order give the same plan. Points must not straddle
 * the antimeridian (a territory never does, see bboxSchema).
 */

export interface BatchPoint {
  id: string;
  lat: number;
  lng: number;
}

export interface BatchOptions {
  radiusM?: number;
  maxSize?: number;
  minSize?: number;
  /** The provider's largest image edge in ground metres (less the crop margins); none: no limit. */
  maxSpanM?: number;
}

export interface ImageryBatch {
  /** Property ids, in input order. */
  members: string[];
  /** The centre of the members' bounds: where the one image is centred. */
  centre: LatLng;
  /** [west, south, east, north] of the members' points (equal edges for identical points). */
  bbox: BBox;
  /** The longer edge of bbox in ground metres. */
  spanM: number;
}

export interface BatchPlan {
  batches: ImageryBatch[];
  /** Property ids fetched one image each, in input order. */
  singles: string[];
  stats: {
    points: number;
    /** DBSCAN clusters. */
    clusters: number;
    batches: number;
    singles: number;
    /** Points DBSCAN left outside every cluster (before they try to join a batch). */
    noise: number;
    /** Clusters cut into more than one group (too many members or too wide for one image). */
    splits: number;
  };
}

export class BatchingError extends Error {
  readonly kind = 'invalid-input' as const;
}

export const DEFAULT_BATCH_OPTIONS = { radiusM: 2_000, maxSize: 25, minSize: 3 } as const;
/** Past this the grid's flat-cell geometry stops being exact; no imagery batch is that wide. */
const MAX_RADIUS_M = 50_000;
const RAD = Math.PI / 180;
/** How many nearest batched points a leftover point considers joining (a few batches' worth). */
const JOIN_CANDIDATES = 64;
const METRES_PER_DEGREE = MEAN_EARTH_RADIUS_M * RAD;

export function planBatches(points: readonly BatchPoint[], options: BatchOptions = {}): BatchPlan {
  const { radiusM, maxSize, minSize, maxSpanM } = checkOptions(options);
  checkPoints(points);
  const n = points.length;
  const lat = Float64Array.from(points, (p) => p.lat);
  const lng = Float64Array.from(points, (p) => p.lng);
  const index = new Flatbush(Math.max(1, n));
  for (let i = 0; i < n; i += 1) index.add(lng[i]!, lat[i]!, lng[i]!, lat[i]!);
  if (n === 0) index.add(0, 0, 0, 0);
  index.finish();
  const near = (i: number) => neighbours(index, lat, lng, i, radiusM);

  const cluster = dbscan(lat, lng, radiusM, minSize, near);
  const clusterCount = cluster.reduce((max, c) => Math.max(max, c + 1), 0);
  const byCluster: number[][] = Array.from({ length: clusterCount }, () => []);
  const loose: number[] = [];
  cluster.forEach((c, i) => (c >= 0 ? byCluster[c]!.push(i) : loose.push(i)));
  const noise = loose.length;

  // batchOf[i]: the group a point is in (-1: none yet).
  const batchOf = new Int32Array(n).fill(-1);
  const groups: Group[] = [];
  let splits = 0;
  for (const members of byCluster) {
    const parts = cutCluster(members, lat, lng, maxSize, maxSpanM, minSize);
    if (parts.length > 1) splits += 1;
    for (const part of parts) {
      if (part.length < minSize) {
        loose.push(...part);
        continue;
      }
      const group = newGroup(part, lat, lng);
      for (const i of part) batchOf[i] = groups.length;
      groups.push(group);
    }
  }

  // Leftovers join the nearest batch that can take them, nearest first.
  loose.sort((a, b) => a - b);
  const singles: number[] = [];
  for (const i of loose) {
    // Note: the index's nearest points by degrees (a little stretched east–west), then exact metres.
    const candidates = index
      .neighbors(lng[i]!, lat[i]!, JOIN_CANDIDATES, Infinity, (j) => j < n && batchOf[j]! >= 0)
      .map((j) => ({ j, d: haversineM(pointOf(lat, lng, i), pointOf(lat, lng, j)) }))
      .filter(({ d }) => d <= radiusM)
      .sort((a, b) => a.d - b.d || a.j - b.j);
    let joined = false;
    const tried = new Set<number>();
    for (const { j } of candidates) {
      const g = batchOf[j]!;
      if (tried.has(g)) continue;
      tried.add(g);
      const group = groups[g]!;
      if (group.members.length >= maxSize) continue;
      const bbox = extend(group.bbox, lat[i]!, lng[i]!);
      if (groundSpanM(bbox) > maxSpanM) continue;
      group.members.push(i);
      group.bbox = bbox;
      batchOf[i] = g;
      joined = true;
      break;
    }
    if (!joined) singles.push(i);
  }

  const batches = groups
    .map((group) => ({ first: Math.min(...group.members), group }))
    .sort((a, b) => a.first - b.first)
    .map(({ group }) => toBatch(group, points));
  return {
    batches,
    singles: singles.map((i) => points[i]!.id),
    stats: { points: n, clusters: clusterCount, batches: batches.length, singles: singles.length, noise, splits },
  };
}

interface Group {
  members: number[];
  bbox: BBox;
}

function checkOptions(options: BatchOptions): { radiusM: number; maxSize: number; minSize: number; maxSpanM: number } {
  const radiusM = options.radiusM ?? DEFAULT_BATCH_OPTIONS.radiusM;
  const maxSize = options.maxSize ?? DEFAULT_BATCH_OPTIONS.maxSize;
  const minSize = options.minSize ?? DEFAULT_BATCH_OPTIONS.minSize;
  const maxSpanM = options.maxSpanM ?? Infinity;
  if (!Number.isFinite(radiusM) || radiusM < 1 || radiusM > MAX_RADIUS_M) throw new BatchingError(`The batch radius must be from 1 m to ${MAX_RADIUS_M / 1000} km, got ${radiusM} m.`);
  if (!Number.isInteger(maxSize) || maxSize < 1) throw new BatchingError(`A batch must be allowed at least 1 property, got ${maxSize}.`);
  if (!Number.isInteger(minSize) || minSize < 1 || minSize > maxSize) throw new BatchingError(`The smallest batch must be from 1 to the largest (${maxSize}) properties, got ${minSize}.`);
  if (!(maxSpanM > 0)) throw new BatchingError(`The largest image edge must be a positive number of metres, got ${maxSpanM}.`);
  return { radiusM, maxSize, minSize, maxSpanM };
}

function checkPoints(points: readonly BatchPoint[]): void {
  const seen = new Set<string>();
  points.forEach((point, k) => {
    const { id, lat, lng } = point;
    if (typeof id !== 'string' || id.length === 0) throw new BatchingError(`Point ${k + 1} has no property id.`);
    if (seen.has(id)) throw new BatchingError(`Property ${id} is listed twice; each property is batched once.`);
    seen.add(id);
    if (!Number.isFinite(lat) || Math.abs(lat) > MAX_MERCATOR_LAT) throw new BatchingError(`Property ${id} has latitude ${lat}: aerial imagery covers −85.05° to 85.05°.`);
    if (!Number.isFinite(lng) || Math.abs(lng) > 180) throw new BatchingError(`Property ${id} has longitude ${lng}: it must be from −180° to 180°.`);
  });
}

function pointOf(lat: Float64Array, lng: Float64Array, i: number): LatLng {
  return { lat: lat[i]!, lng: lng[i]! };
}

/** Indexes within radiusM of point i (itself included): a degree box from the index, then haversine. */
function neighbours(index: Flatbush, lat: Float64Array, lng: Float64Array, i: number, radiusM: number): number[] {
  const y = lat[i]!;
  const x = lng[i]!;
  // Note: 0.1% wider than exact so rounding never drops a point on the circle; haversine decides.
  const dLat = (radiusM / METRES_PER_DEGREE) * 1.001;
  const poleward = Math.min(89.9, Math.abs(y) + dLat);
  const dLng = dLat / Math.cos(poleward * RAD);
  const here = { lat: y, lng: x };
  return index.search(x - dLng, y - dLat, x + dLng, y + dLat, (j) => j < lat.length && haversineM(here, { lat: lat[j]!, lng: lng[j]! }) <= radiusM);
}

/**
 * Exact DBSCAN labels (-1 noise) by the eps/2 grid. Border points join the cluster of their
 * nearest core neighbour (ties: lower index), so the labels do not depend on visiting order.
 */
function dbscan(lat: Float64Array, lng: Float64Array, radiusM: number, minPts: number, near: (i: number) => number[]): Int32Array {
  const n = lat.length;
  const label = new Int32Array(n).fill(-1);
  if (n === 0) return label;
  let minLat = Infinity;
  let maxAbsLat = 0;
  let equatorLat = Infinity;
  let minLng = Infinity;
  for (let i = 0; i < n; i += 1) {
    minLat = Math.min(minLat, lat[i]!);
    minLng = Math.min(minLng, lng[i]!);
    maxAbsLat = Math.max(maxAbsLat, Math.abs(lat[i]!));
    equatorLat = Math.min(equatorLat, Math.abs(lat[i]!));
  }
  let hasNorth = false;
  let hasSouth = false;
  for (let i = 0; i < n; i += 1) (lat[i]! >= 0 ? (hasNorth = true) : (hasSouth = true));
  if (hasNorth && hasSouth) equatorLat = 0;

  // Cells eps/2 high and at most eps/2 wide on the ground anywhere (widest nearest the equator).
  const side = radiusM / 2;
  const latStep = side / METRES_PER_DEGREE;
  const lngStep = side / (METRES_PER_DEGREE * Math.cos(equatorLat * RAD));
  const rowOf = new Float64Array(n);
  const colOf = new Float64Array(n);
  let maxCol = 0;
  for (let i = 0; i < n; i += 1) {
    rowOf[i] = Math.floor((lat[i]! - minLat) / latStep);
    colOf[i] = Math.floor((lng[i]! - minLng) / lngStep);
    maxCol = Math.max(maxCol, colOf[i]!);
  }
  // Note: rows × columns stays far below 2⁵³ for any radius ≥ 1 m, so a number key is exact.
  const cellKeyOf = (row: number, col: number) => (col < 0 || col > maxCol ? -1 : row * (maxCol + 1) + col);
  const cells = new Map<number, number>();
  const cellRow: number[] = [];
  const cellCol: number[] = [];
  const members: number[][] = [];
  const cellOf = new Int32Array(n);
  for (let i = 0; i < n; i += 1) {
    const row = rowOf[i]!;
    const col = colOf[i]!;
    const key = cellKeyOf(row, col);
    let c = cells.get(key);
    if (c === undefined) {
      c = members.length;
      cells.set(key, c);
      cellRow.push(row);
      cellCol.push(col);
      members.push([]);
    }
    members[c]!.push(i);
    cellOf[i] = c;
  }

  const core = new Uint8Array(n);
  for (const list of members) {
    if (list.length >= minPts) for (const i of list) core[i] = 1;
    else for (const i of list) if (near(i).length >= minPts) core[i] = 1;
  }

  // Cells whose core points can be within eps: two rows either way; columns by the narrowest cell.
  const parent = Int32Array.from({ length: members.length }, (_, c) => c);
  const find = (c: number): number => {
    while (parent[c] !== c) {
      parent[c] = parent[parent[c]!]!;
      c = parent[c]!;
    }
    return c;
  };
  const coreOf = members.map((list) => list.filter((i) => core[i] === 1));
  const narrowestCellM = lngStep * METRES_PER_DEGREE * Math.cos(maxAbsLat * RAD);
  const colReach = Math.ceil(radiusM / narrowestCellM + 1e-9);
  for (let a = 0; a < members.length; a += 1) {
    if (coreOf[a]!.length === 0) continue;
    for (let dRow = -2; dRow <= 2; dRow += 1) {
      for (let dCol = -colReach; dCol <= colReach; dCol += 1) {
        const b = cells.get(cellKeyOf(cellRow[a]! + dRow, cellCol[a]! + dCol));
        if (b === undefined || b <= a || coreOf[b]!.length === 0) continue;
        const rootA = find(a);
        const rootB = find(b);
        if (rootA === rootB) continue;
        if (anyPairWithin(coreOf[a]!, coreOf[b]!, lat, lng, radiusM)) parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
      }
    }
  }

  // Cluster numbers in order of each cluster's first point.
  const clusterOfRoot = new Map<number, number>();
  for (let i = 0; i < n; i += 1) {
    if (core[i] !== 1) continue;
    const root = find(cellOf[i]!);
    let c = clusterOfRoot.get(root);
    if (c === undefined) {
      c = clusterOfRoot.size;
      clusterOfRoot.set(root, c);
    }
    label[i] = c;
  }
  for (let i = 0; i < n; i += 1) {
    if (core[i] === 1) continue;
    let best = -1;
    let bestD = Infinity;
    for (const j of near(i)) {
      if (core[j] !== 1) continue;
      const d = haversineM(pointOf(lat, lng, i), pointOf(lat, lng, j));
      if (d < bestD || (d === bestD && j < best)) {
        best = j;
        bestD = d;
      }
    }
    if (best >= 0) label[i] = label[best]!;
  }
  return label;
}

/** Is any point of `a` within radiusM of any of `b`? Checks the facing points first. */
function anyPairWithin(a: number[], b: number[], lat: Float64Array, lng: Float64Array, radiusM: number): boolean {
  // Note: in a dense town the pair is found at once; ordering by distance to the other cell's
  // first point brings the facing edges together so a near-miss is rare.
  const towards = (list: number[], other: number) => {
    const target = pointOf(lat, lng, other);
    return list
      .map((i) => ({ i, d: haversineM(pointOf(lat, lng, i), target) }))
      // A point farther than eps + the other cell's diameter (< 0.71 eps) has no partner there.
      .filter(({ d }) => d <= radiusM * 1.75)
      .sort((x, y) => x.d - y.d)
      .map(({ i }) => i);
  };
  const nearA = towards(a, b[0]!);
  const nearB = towards(b, a[0]!);
  for (const i of nearA) {
    const p = pointOf(lat, lng, i);
    for (const j of nearB) if (haversineM(p, pointOf(lat, lng, j)) <= radiusM) return true;
  }
  return false;
}

/**
 * A cluster cut into compact groups of ≤ maxSize no wider than maxSpanM, two ways, keeping the one
 * needing fewer images (a group under minSize costs one image a member):
 *   slabs  — width first, in image-deep slabs packed from the west (or south) edge, then sizes;
 *   halves — sizes first, then halving at the median while too wide.
 * Note: neither wins everywhere. On a street grid square to the axes slabs pack a small image
 * full; on a rotated grid (the demo town's plat is turned 6–16°) they cut rows diagonally and
 * halving does better. Only clusters wider than one image differ.
 */
function cutCluster(members: number[], lat: Float64Array, lng: Float64Array, maxSize: number, maxSpanM: number, minSize: number): number[][] {
  const slabs = cutClusterBy('slabs', members, lat, lng, maxSize, maxSpanM);
  if (slabs.length === 1 || !Number.isFinite(maxSpanM)) return slabs;
  const halves = cutClusterBy('halves', members, lat, lng, maxSize, maxSpanM);
  const images = (groups: number[][]) => groups.reduce((sum, group) => sum + (group.length < minSize ? group.length : 1), 0);
  return images(halves) < images(slabs) ? halves : slabs;
}

function cutClusterBy(mode: 'slabs' | 'halves', members: number[], lat: Float64Array, lng: Float64Array, maxSize: number, maxSpanM: number): number[][] {
  const out: number[][] = [];
  const stack: number[][] = [members];
  while (stack.length > 0) {
    const group = stack.pop()!;
    const parts = Math.ceil(group.length / maxSize);
    const bounds = boundsOf(group, lat, lng);
    const tooWide = group.length > 1 && groundSpanM(bounds) > maxSpanM;
    if (tooWide && (mode === 'slabs' || parts <= 1)) {
      const slabs = mode === 'slabs' ? slabsAlongLongerSide(group, bounds, lat, lng, maxSpanM) : halvesAlongLongerSide(group, bounds, lat, lng);
      for (let k = slabs.length - 1; k >= 0; k -= 1) stack.push(slabs[k]!);
      continue;
    }
    if (parts <= 1) {
      out.push(group.sort((a, b) => a - b));
      continue;
    }
    // Note: the left part gets ⌊k/2⌋ of the k groups' worth, so every leaf ends ≤ maxSize.
    const cut = Math.ceil((group.length * Math.floor(parts / 2)) / parts);
    const sorted = sortAlongLongerSide(group, bounds, lat, lng).order;
    stack.push(sorted.slice(cut), sorted.slice(0, cut));
  }
  return out.sort((a, b) => a[0]! - b[0]!);
}

/** The group in consecutive slabs at most maxSpanM deep along its longer side (two at least). */
function slabsAlongLongerSide(group: number[], bounds: BBox, lat: Float64Array, lng: Float64Array, maxSpanM: number): number[][] {
  const { order, alongLng } = sortAlongLongerSide(group, bounds, lat, lng);
  const [, south, , north] = bounds;
  const equatorward = south <= 0 && north >= 0 ? 0 : Math.min(Math.abs(south), Math.abs(north));
  // Slightly under the limit, so rounding never leaves a slab a hair too wide to stop splitting.
  const depth = ((maxSpanM / METRES_PER_DEGREE) * (1 - 1e-9)) / (alongLng ? Math.cos(equatorward * RAD) : 1);
  const key = alongLng ? lng : lat;
  const slabs: number[][] = [];
  let start = -Infinity;
  for (const i of order) {
    if (key[i]! - start > depth) {
      slabs.push([]);
      start = key[i]!;
    }
    slabs.at(-1)!.push(i);
  }
  // One slab only when the other side is the wide one by a rounding hair: halve instead.
  return slabs.length > 1 ? slabs : halvesAlongLongerSide(group, bounds, lat, lng);
}

function halvesAlongLongerSide(group: number[], bounds: BBox, lat: Float64Array, lng: Float64Array): number[][] {
  const { order } = sortAlongLongerSide(group, bounds, lat, lng);
  const cut = Math.ceil(order.length / 2);
  return [order.slice(0, cut), order.slice(cut)];
}

function sortAlongLongerSide(group: number[], [west, south, east, north]: BBox, lat: Float64Array, lng: Float64Array): { order: number[]; alongLng: boolean } {
  const midLat = (south + north) / 2;
  const alongLng = (east - west) * Math.cos(midLat * RAD) >= north - south;
  const key = alongLng ? lng : lat;
  return { order: [...group].sort((a, b) => key[a]! - key[b]! || a - b), alongLng };
}

function boundsOf(group: readonly number[], lat: Float64Array, lng: Float64Array): BBox {
  const box: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const i of group) {
    box[0] = Math.min(box[0], lng[i]!);
    box[1] = Math.min(box[1], lat[i]!);
    box[2] = Math.max(box[2], lng[i]!);
    box[3] = Math.max(box[3], lat[i]!);
  }
  return box;
}

function extend([west, south, east, north]: BBox, lat: number, lng: number): BBox {
  return [Math.min(west, lng), Math.min(south, lat), Math.max(east, lng), Math.max(north, lat)];
}

function newGroup(members: number[], lat: Float64Array, lng: Float64Array): Group {
  return { members: [...members], bbox: boundsOf(members, lat, lng) };
}

function toBatch(group: Group, points: readonly BatchPoint[]): ImageryBatch {
  const [west, south, east, north] = group.bbox;
  return {
    members: [...group.members].sort((a, b) => a - b).map((i) => points[i]!.id),
    centre: { lat: (south + north) / 2, lng: (west + east) / 2 },
    bbox: [west, south, east, north],
    spanM: groundSpanM(group.bbox),
  };
}
