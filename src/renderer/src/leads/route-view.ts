import type { LatLng } from '../../../core/domain/geo';
import type { WalkRouteView } from '../../../core/contracts/leads-contract';

/*
 * A walking route as a rep reads it and as the map draws it, pure and tested in Node: distance
 * in miles or feet, time at a walking pace, what the planned order saves against walking to the
 * nearest door each time, and the GeoJSON of the path and its numbered stops.
 */

/** A steady door-to-door pace, metres a second (about 2.9 mph). */
export const WALK_SPEED_MPS = 1.3;
const METRES_PER_MILE = 1_609.344;
const FEET_PER_METRE = 3.280_84;

/** "850 ft" under a tenth of a mile, else "0.42 mi" / "2.4 mi". */
export function distanceText(metres: number): string {
  if (!Number.isFinite(metres) || metres < 0) return '—';
  const miles = metres / METRES_PER_MILE;
  if (miles < 0.1) return `${Math.round((metres * FEET_PER_METRE) / 10) * 10} ft`;
  return `${miles < 1 ? miles.toFixed(2) : miles.toFixed(1)} mi`;
}

/** "38 min" or "1 h 12 min" to walk `metres` at WALK_SPEED_MPS. */
export function walkTimeText(metres: number): string {
  const minutes = Math.max(0, Math.round(metres / WALK_SPEED_MPS / 60));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export interface RouteSummary {
  /** "12 stops · 1.4 mi · 29 min walk" */
  headline: string;
  /** "0.3 mi (18%) shorter than going to the nearest door each time", or that the two are equal. */
  saving: string;
}

export function routeSummary(route: WalkRouteView): RouteSummary {
  const stops = `${route.stops.length} ${route.stops.length === 1 ? 'stop' : 'stops'}`;
  const headline = `${stops} · ${distanceText(route.totalM)} · ${walkTimeText(route.totalM)} walk`;
  const saved = route.nearestNeighbourM - route.totalM;
  // Note: under a metre (or a rounding wobble) the planned order is the nearest-neighbour one.
  if (saved < 1 || route.nearestNeighbourM <= 0) return { headline, saving: 'Same length as going to the nearest door each time.' };
  const share = Math.round((100 * saved) / route.nearestNeighbourM);
  return { headline, saving: `${distanceText(saved)} (${share < 1 ? '<1' : share}%) shorter than going to the nearest door each time.` };
}

interface LineFeature {
  type: 'Feature';
  geometry: { type: 'LineString'; coordinates: [number, number][] };
  properties: { kind: 'path' };
}
interface PointFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: { kind: 'start' } | { kind: 'stop'; order: number; leadId: string };
}
export interface RouteGeoJson {
  type: 'FeatureCollection';
  features: (LineFeature | PointFeature)[];
}

/** The path from the start through every stop in order, the start, and each stop with its number (1-based). */
export function routeGeoJson(from: LatLng, route: WalkRouteView): RouteGeoJson {
  const start: [number, number] = [from.lng, from.lat];
  const path: LineFeature = {
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: [start, ...route.stops.map((stop): [number, number] => [stop.lng, stop.lat])] },
    properties: { kind: 'path' },
  };
  const startPoint: PointFeature = { type: 'Feature', geometry: { type: 'Point', coordinates: start }, properties: { kind: 'start' } };
  const stops = route.stops.map(
    (stop, index): PointFeature => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [stop.lng, stop.lat] }, properties: { kind: 'stop', order: index + 1, leadId: stop.leadId } }),
  );
  return { type: 'FeatureCollection', features: route.stops.length > 0 ? [path, startPoint, ...stops] : [startPoint] };
}

/** The route's bounds with its start, for fitting the map: [west, south, east, north]. */
export function routeBounds(from: LatLng, route: WalkRouteView): [number, number, number, number] {
  const lngs = [from.lng, ...route.stops.map((stop) => stop.lng)];
  const lats = [from.lat, ...route.stops.map((stop) => stop.lat)];
  return [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
}
