import type { LatLng, LngLat } from '../../core/domain/geo';

/**
 * Plane geometry for building footprints: ring checks, joining a multipolygon's open member ways
 * into closed rings, areas and centroids. Buildings are tens of metres across, so working in
 * degrees (with longitude scaled by cos(latitude) where a true shape matters) is exact enough.
 */

/** Why a ring cannot be a footprint, as a skip reason, or null when it can. */
export function ringProblem(ring: readonly LngLat[]): string | null {
  if (ring.length < 2) return 'ring has fewer than four corners';
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return 'ring is not closed';
  if (ring.length < 4) return 'ring has fewer than four corners';
  if (distinctPositions(ring) < 3) return 'ring has fewer than three distinct corners';
  // Note: 1e-14 square degrees is about 0.0001 m²: a ring with less area is a line drawn twice.
  if (Math.abs(signedArea(ring)) < 1e-14) return 'ring encloses no area';
  return null;
}

function distinctPositions(ring: readonly LngLat[]): number {
  const seen = new Set<string>();
  for (const [lng, lat] of ring) {
    seen.add(`${lng},${lat}`);
    if (seen.size >= 3) return seen.size;
  }
  return seen.size;
}

/**
 * Shoelace area in square degrees (positive when counter-clockwise), relative to the first
 * position so that small buildings far from (0, 0) keep their precision.
 */
export function signedArea(ring: readonly LngLat[]): number {
  const [x0, y0] = ring[0]!;
  let twice = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = ring[i]!;
    const [bx, by] = ring[i + 1]!;
    twice += (ax - x0) * (by - y0) - (bx - x0) * (ay - y0);
  }
  return twice / 2;
}

/** Area centroid of a closed ring; the mean of its corners when it has (almost) no area. */
export function ringCentroid(ring: readonly LngLat[]): LatLng {
  const [x0, y0] = ring[0]!;
  let twice = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const ax = ring[i]![0] - x0;
    const ay = ring[i]![1] - y0;
    const bx = ring[i + 1]![0] - x0;
    const by = ring[i + 1]![1] - y0;
    const cross = ax * by - bx * ay;
    twice += cross;
    cx += (ax + bx) * cross;
    cy += (ay + by) * cross;
  }
  if (Math.abs(twice) < 1e-18) {
    const corners = ring.slice(0, -1);
    const n = Math.max(1, corners.length);
    return { lng: corners.reduce((s, p) => s + p[0], 0) / n, lat: corners.reduce((s, p) => s + p[1], 0) / n };
  }
  return { lng: x0 + cx / (3 * twice), lat: y0 + cy / (3 * twice) };
}

/** Even-odd test: is the point inside the closed ring? */
export function ringContains(ring: readonly LngLat[], [x, y]: LngLat): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const positionKey = ([lng, lat]: LngLat): string => `${lng},${lat}`;

/**
 * Joins a multipolygon's member ways into closed rings, end to end, reversing ways where needed
 * (mappers often split a large outline into several ways). Returns the closed rings and how
 * many ways could not be closed into any ring.
 */
export function joinIntoRings(ways: readonly (readonly LngLat[])[]): { rings: LngLat[][]; unclosedWays: number } {
  const rings: LngLat[][] = [];
  const open: LngLat[][] = [];
  for (const way of ways) {
    if (way.length < 2) continue;
    if (positionKey(way[0]!) === positionKey(way[way.length - 1]!)) rings.push([...way]);
    else open.push([...way]);
  }
  let unclosedWays = 0;
  while (open.length > 0) {
    let current = open.shift()!;
    let used = 1;
    let extended = true;
    while (extended && positionKey(current[0]!) !== positionKey(current[current.length - 1]!)) {
      extended = false;
      const end = positionKey(current[current.length - 1]!);
      for (let i = 0; i < open.length; i++) {
        const candidate = open[i]!;
        if (positionKey(candidate[0]!) === end) current = current.concat(candidate.slice(1));
        else if (positionKey(candidate[candidate.length - 1]!) === end) current = current.concat([...candidate].reverse().slice(1));
        else continue;
        open.splice(i, 1);
        used += 1;
        extended = true;
        break;
      }
    }
    if (positionKey(current[0]!) === positionKey(current[current.length - 1]!)) rings.push(current);
    else unclosedWays += used;
  }
  return { rings, unclosedWays };
}

/** GeoJSON winding: outer rings counter-clockwise, holes clockwise. */
export function wound(ring: LngLat[], clockwise: boolean): LngLat[] {
  const isClockwise = signedArea(ring) < 0;
  return isClockwise === clockwise ? ring : [...ring].reverse();
}
