import type { LatLng, Polygon } from '../domain/geo';
import type { PostalAddress } from '../domain/records';

/**
 * Deciding that two descriptions are the same property (used by the property repository):
 *
 * 1. The same source record (source + its own id) is the same property, always.
 * 2. The same address key (see normalise.ts) is the same property.
 * 3. Same house number and street with a compatible locality (one source gives the ZIP, the other
 *    only city and state) is the same property when exactly one such property exists.
 * 4. Spatial fallback, only where one side has no address key: a location inside a property's
 *    footprint, or within SAME_PLACE_METERS of its location (the footprint centroid), is the same
 *    property if the two addresses do not conflict (see addressesConflict) — the nearest wins.
 *    Note: two keyed addresses never merge by distance alone; neighbours in a row of townhouses
 *    are closer than 15 m.
 *
 *   distanceMeters(a, b)           → great-circle distance (haversine)
 *   metersToDegrees(m, atLat)      → { lat, lng } degree spans of m metres, for bbox searches
 *   polygonCentroid(polygon)       → area centroid of the outer ring
 *   pointInPolygon(point, polygon) → inside the outer ring and outside every hole
 *   addressesConflict(a, b)        → true when both give a part and the parts differ
 */

export const SAME_PLACE_METERS = 15;
const EARTH_RADIUS_METERS = 6_371_008.8;

export function distanceMeters(a: LatLng, b: LatLng): number {
  const toRad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * toRad;
  const dLng = (b.lng - a.lng) * toRad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function metersToDegrees(meters: number, atLat: number): { lat: number; lng: number } {
  const lat = (meters / EARTH_RADIUS_METERS) * (180 / Math.PI);
  const cos = Math.max(0.01, Math.cos((atLat * Math.PI) / 180));
  return { lat, lng: lat / cos };
}

/** Area-weighted centroid of the outer ring (the vertex mean for a degenerate ring). */
export function polygonCentroid(polygon: Polygon): LatLng {
  const ring = polygon.coordinates[0]!;
  let area = 0;
  let x = 0;
  let y = 0;
  const [x0, y0] = ring[0]!;
  for (let i = 0; i < ring.length - 1; i++) {
    // Relative to the first vertex, so degree-sized numbers do not lose precision.
    const [ax, ay] = [ring[i]![0] - x0, ring[i]![1] - y0];
    const [bx, by] = [ring[i + 1]![0] - x0, ring[i + 1]![1] - y0];
    const cross = ax * by - bx * ay;
    area += cross;
    x += (ax + bx) * cross;
    y += (ay + by) * cross;
  }
  if (Math.abs(area) < 1e-18) {
    const points = ring.slice(0, -1);
    return { lng: points.reduce((s, p) => s + p[0], 0) / points.length, lat: points.reduce((s, p) => s + p[1], 0) / points.length };
  }
  return { lng: x0 + x / (3 * area), lat: y0 + y / (3 * area) };
}

function inRing(point: LatLng, ring: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > point.lat !== yj > point.lat && point.lng < ((xj - xi) * (point.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function pointInPolygon(point: LatLng, polygon: Polygon): boolean {
  const [outer, ...holes] = polygon.coordinates;
  return inRing(point, outer!) && !holes.some((hole) => inRing(point, hole));
}

/**
 * Two normalised addresses conflict when both give a house number, a street, a ZIP, or a city
 * with its state, and those differ. Missing parts never conflict.
 */
export function addressesConflict(a: PostalAddress, b: PostalAddress): boolean {
  const differ = (x: string | null, y: string | null) => x !== null && y !== null && x !== y;
  if (differ(a.houseNumber, b.houseNumber) || differ(a.street, b.street) || differ(a.postcode, b.postcode)) return true;
  return a.state !== null && b.state !== null && (a.state !== b.state || differ(a.city, b.city));
}

/** Does a ZIP-keyed address and a city-keyed one describe the same locality, as far as known? */
export function localitiesCompatible(a: PostalAddress, b: PostalAddress): boolean {
  if (a.postcode && b.postcode) return a.postcode === b.postcode;
  if (a.city && b.city && a.state && b.state) return a.city === b.city && a.state === b.state;
  // One side has only a ZIP, the other only a city: compatible only when the states agree.
  return a.state !== null && a.state === b.state;
}
