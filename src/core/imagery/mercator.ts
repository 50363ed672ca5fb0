import type { BBox, LngLat } from '../domain/geo';
import type { MercatorBox } from './types';

/**
 * Spherical Web Mercator (EPSG:3857), the grid every aerial image here uses. Browser-safe.
 * Note: Mercator metres are stretched by 1/cos(latitude); real ground distance per pixel is the
 * grid's metres per pixel × cos(latitude) — groundResolutionM says which one a figure is.
 */

export const EARTH_RADIUS_M = 6_378_137;
/** Web Mercator stops at ±85.0511°; imagery services refuse anything beyond. */
export const MAX_MERCATOR_LAT = 85.051_128_78;

export function lngLatToMercator([lng, lat]: LngLat): [number, number] {
  const clamped = Math.max(-MAX_MERCATOR_LAT, Math.min(MAX_MERCATOR_LAT, lat));
  const x = (EARTH_RADIUS_M * lng * Math.PI) / 180;
  const y = EARTH_RADIUS_M * Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360));
  return [x, y];
}

export function mercatorToLngLat([x, y]: [number, number]): LngLat {
  const lng = (x / EARTH_RADIUS_M) * (180 / Math.PI);
  const lat = (2 * Math.atan(Math.exp(y / EARTH_RADIUS_M)) - Math.PI / 2) * (180 / Math.PI);
  return [lng, lat];
}

export function bboxToMercator([west, south, east, north]: BBox): MercatorBox {
  const [minX, minY] = lngLatToMercator([west, south]);
  const [maxX, maxY] = lngLatToMercator([east, north]);
  return [minX, minY, maxX, maxY];
}

export function mercatorBoxToBBox([minX, minY, maxX, maxY]: MercatorBox): BBox {
  const [west, south] = mercatorToLngLat([minX, minY]);
  const [east, north] = mercatorToLngLat([maxX, maxY]);
  return [west, south, east, north];
}

/** Metres of ground per Mercator metre at a latitude. */
export function mercatorScaleFactor(lat: number): number {
  return Math.cos((lat * Math.PI) / 180);
}

/** True ground metres per pixel of a grid, measured at its centre latitude. */
export function groundResolutionM(grid: { box: MercatorBox; width: number }): number {
  const [minX, minY, maxX, maxY] = grid.box;
  const [, centreLat] = mercatorToLngLat([(minX + maxX) / 2, (minY + maxY) / 2]);
  return ((maxX - minX) / grid.width) * mercatorScaleFactor(centreLat);
}
