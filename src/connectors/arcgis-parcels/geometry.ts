import { linearRingSchema, pointSchema, type LatLng, type LngLat, type Polygon } from '../../core/domain/geo';

/**
 * Parcel shapes from ArcGIS answers into WGS84: esri JSON rings or points (f=json) and GeoJSON
 * geometries (f=geojson). The connector always asks for outSR=4326; Web Mercator is converted too
 * because hand-downloaded files often come in it. Any other spatial reference (state plane, UTM)
 * cannot be converted without a projection library, so such a shape is reported, not guessed.
 */

export interface ParcelShape {
  /** The parcel's outline (its largest ring; holes and extra parts dropped), or null. */
  boundary: Polygon | null;
  /** A point for the parcel: the outline's centroid, or the layer's point. */
  location: LatLng | null;
}

export type SpatialReferenceKind = 'wgs84' | 'web-mercator' | 'unsupported';

const GEOGRAPHIC_WKIDS = new Set([4326, 4269, 4258, 4283]); // WGS84, NAD83, ETRS89, GDA94: within ~1 m of WGS84
const WEB_MERCATOR_WKIDS = new Set([3857, 102100, 102113, 900913, 3785]);

export function spatialReferenceKind(sr: unknown): SpatialReferenceKind {
  // An answer without a spatial reference is in the one we asked for (outSR=4326).
  if (sr === undefined || sr === null) return 'wgs84';
  if (typeof sr !== 'object') return 'unsupported';
  const { wkid, latestWkid } = sr as { wkid?: unknown; latestWkid?: unknown };
  for (const id of [latestWkid, wkid]) {
    if (typeof id !== 'number') continue;
    if (GEOGRAPHIC_WKIDS.has(id)) return 'wgs84';
    if (WEB_MERCATOR_WKIDS.has(id)) return 'web-mercator';
  }
  return 'unsupported';
}

export function describeSpatialReference(sr: unknown): string {
  if (sr && typeof sr === 'object') {
    const { wkid, latestWkid, wkt } = sr as { wkid?: unknown; latestWkid?: unknown; wkt?: unknown };
    if (typeof latestWkid === 'number' || typeof wkid === 'number') return `wkid ${String(latestWkid ?? wkid)}`;
    if (typeof wkt === 'string') {
      const name = /^[A-Z]+\["([^"]{1,80})"/.exec(wkt)?.[1];
      return name ? `"${name}"` : 'a custom WKT spatial reference';
    }
  }
  return 'an unknown spatial reference';
}

const EARTH_RADIUS_M = 6_378_137;

function toLngLat(x: number, y: number, kind: SpatialReferenceKind): LngLat | null {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  let lng = x;
  let lat = y;
  if (kind === 'web-mercator') {
    lng = (x / EARTH_RADIUS_M) * (180 / Math.PI);
    lat = (2 * Math.atan(Math.exp(y / EARTH_RADIUS_M)) - Math.PI / 2) * (180 / Math.PI);
  } else if (kind !== 'wgs84') {
    return null;
  }
  return pointSchema.safeParse({ lat, lng }).success ? [lng, lat] : null;
}

function readPositions(raw: unknown, kind: SpatialReferenceKind): LngLat[] | null {
  if (!Array.isArray(raw)) return null;
  const positions: LngLat[] = [];
  for (const position of raw) {
    if (!Array.isArray(position) || position.length < 2) return null;
    const [x, y] = position as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number') return null;
    const lngLat = toLngLat(x, y, kind);
    if (!lngLat) return null;
    positions.push(lngLat);
  }
  return positions;
}

/**
 * Shoelace area in square degrees (sign by winding); enough to pick the largest ring.
 * Note: computed relative to the first position — with raw longitudes (~100) the cross products
 * cancel and a lot-sized ring loses most of its digits.
 */
function ringArea(ring: LngLat[]): number {
  if (ring.length === 0) return 0;
  const [ox, oy] = ring[0]!;
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i += 1) sum += (ring[i]![0] - ox) * (ring[i + 1]![1] - oy) - (ring[i + 1]![0] - ox) * (ring[i]![1] - oy);
  return sum / 2;
}

function ringCentroid(ring: LngLat[]): LatLng | null {
  const area = ringArea(ring);
  if (Math.abs(area) < 1e-14) {
    // A sliver or degenerate ring: the mean of its positions still places the parcel.
    if (ring.length === 0) return null;
    const lng = ring.reduce((s, p) => s + p[0], 0) / ring.length;
    const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
    return { lat, lng };
  }
  const [ox, oy] = ring[0]!;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i + 1 < ring.length; i += 1) {
    const x0 = ring[i]![0] - ox;
    const y0 = ring[i]![1] - oy;
    const x1 = ring[i + 1]![0] - ox;
    const y1 = ring[i + 1]![1] - oy;
    const cross = x0 * y1 - x1 * y0;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  const point = { lng: ox + cx / (6 * area), lat: oy + cy / (6 * area) };
  return pointSchema.safeParse(point).success ? point : null;
}

function closed(ring: LngLat[]): LngLat[] {
  if (ring.length === 0) return ring;
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

function shapeFromRings(rings: LngLat[][]): ParcelShape {
  let largest: LngLat[] | null = null;
  let largestArea = -1;
  for (const ring of rings) {
    const area = Math.abs(ringArea(closed(ring)));
    if (area > largestArea) {
      largest = closed(ring);
      largestArea = area;
    }
  }
  if (!largest) return { boundary: null, location: null };
  const valid = linearRingSchema.safeParse(largest).success && largestArea > 0;
  return { boundary: valid ? { type: 'Polygon', coordinates: [largest] } : null, location: ringCentroid(largest) };
}

export type ShapeResult = { ok: true; shape: ParcelShape } | { ok: false; reason: string };

/** An esri JSON geometry ({rings} or {x, y}) in the answer's spatial reference. */
export function esriShape(geometry: unknown, kind: SpatialReferenceKind): ShapeResult {
  if (geometry === undefined || geometry === null) return { ok: true, shape: { boundary: null, location: null } };
  if (kind === 'unsupported') return { ok: false, reason: 'unsupported spatial reference' };
  if (typeof geometry !== 'object') return { ok: false, reason: 'geometry is not an object' };
  const g = geometry as { rings?: unknown; x?: unknown; y?: unknown };
  if (g.rings !== undefined) {
    if (!Array.isArray(g.rings)) return { ok: false, reason: 'rings is not a list' };
    const rings: LngLat[][] = [];
    for (const raw of g.rings) {
      const ring = readPositions(raw, kind);
      if (!ring) return { ok: false, reason: 'a ring holds a position that is not a coordinate pair on Earth' };
      if (ring.length > 0) rings.push(ring);
    }
    return { ok: true, shape: shapeFromRings(rings) };
  }
  if (g.x !== undefined || g.y !== undefined) {
    // ArcGIS writes an empty point as {"x": "NaN"} or {"x": null}.
    if (typeof g.x !== 'number' || typeof g.y !== 'number') return { ok: true, shape: { boundary: null, location: null } };
    const lngLat = toLngLat(g.x, g.y, kind);
    if (!lngLat) return { ok: false, reason: 'the point is not on Earth' };
    return { ok: true, shape: { boundary: null, location: { lng: lngLat[0], lat: lngLat[1] } } };
  }
  return { ok: false, reason: 'geometry has neither rings nor x/y' };
}

/** A GeoJSON geometry (always WGS84): Polygon, MultiPolygon or Point. */
export function geoJsonShape(geometry: unknown): ShapeResult {
  if (geometry === undefined || geometry === null) return { ok: true, shape: { boundary: null, location: null } };
  if (typeof geometry !== 'object') return { ok: false, reason: 'geometry is not an object' };
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  if (type === 'Point') {
    const positions = readPositions([coordinates], 'wgs84');
    if (!positions) return { ok: false, reason: 'the point is not a coordinate pair on Earth' };
    return { ok: true, shape: { boundary: null, location: { lng: positions[0]![0], lat: positions[0]![1] } } };
  }
  const polygons = type === 'Polygon' ? [coordinates] : type === 'MultiPolygon' && Array.isArray(coordinates) ? coordinates : null;
  if (!polygons) return { ok: false, reason: `geometry type ${typeof type === 'string' ? type.slice(0, 40) : 'missing'} is not a Polygon, MultiPolygon or Point` };
  const rings: LngLat[][] = [];
  for (const polygon of polygons) {
    if (!Array.isArray(polygon)) return { ok: false, reason: 'a polygon is not a list of rings' };
    // Only each polygon's exterior ring competes for the outline.
    const exterior = readPositions(polygon[0], 'wgs84');
    if (!exterior) return { ok: false, reason: 'a ring holds a position that is not a coordinate pair on Earth' };
    if (exterior.length > 0) rings.push(exterior);
  }
  return { ok: true, shape: shapeFromRings(rings) };
}
