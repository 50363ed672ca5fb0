import type { LatLng } from '../../core/domain/geo';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import { httpRequest } from '../../core/http/client';
import { ConnectorError, isConnectorError } from '../../core/http/errors';
import { EARTH_RADIUS_M, lngLatToMercator, MAX_MERCATOR_LAT } from '../../core/imagery/mercator';
import type { ImageGrid, MercatorBox } from '../../core/imagery/types';
import type { Db } from '../../core/store/database';
import { FLAT_IMAGE_SPREAD } from '../google-static-maps/connector';
import { inspectImage } from '../naip/image-check';

/**
 * Mapbox Static Images, satellite (paid, $1 per 1,000 after the free tier; not to be stored):
 *
 *   fetchMapboxSatellite(db, { centre, zoom, width, height, retina, accessToken })
 *     GET {base}/mapbox/satellite-v9/static/LNG,LAT,ZOOM,0/WxH@2x?access_token=…&attribution=false&logo=false
 *   mapboxGrid(centre, zoom, width, height, retina) → the Web Mercator grid the picture covers
 *   mapboxZoomFor(box, maxSize)                     → the closest zoom (2 decimals) whose picture covers the box
 *
 * Mapbox GL tiles are 512 px, so zoom z here shows what a 256-px map shows at z + 1; fractional
 * zooms are allowed. @2x doubles the pixels, not the area. A missing token is refused before any
 * call. Mapbox errors are JSON: `{"message":"Not Authorized - Invalid Token"}` (401), 422 for
 * parameters out of range, 404 for an unknown style.
 */

export const MAPBOX_STATIC_SOURCE_ID = 'mapbox-static-images';
/** The name Settings → API keys lists the token under (src/core/contracts/secrets-api.ts). */
export const MAPBOX_ACCESS_TOKEN_SECRET = 'mapbox.access-token';
export const MAPBOX_MAX_SIZE = 1280;
export const MAPBOX_MAX_ZOOM = 22;
const STYLE_PATH = 'mapbox/satellite-v9/static';
const WORLD_MERCATOR_M = 2 * Math.PI * EARTH_RADIUS_M;

export interface MapboxSatelliteRequest {
  centre: LatLng;
  /** 0..22, fractional allowed (two decimals are sent). */
  zoom: number;
  width: number;
  height: number;
  /** @2x: twice the pixels over the same area. Default true. */
  retina?: boolean;
  /** Read by the caller from the secret store; null/undefined refuses without calling. */
  accessToken: string | null | undefined;
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
  policy?: SourcePolicy;
}

export type MapboxSatellite =
  | { kind: 'image'; bytes: Buffer; mime: string; grid: ImageGrid; latencyMs: number }
  | { kind: 'miss'; message: string; grid: ImageGrid; latencyMs: number };

export function mapboxGrid(centre: LatLng, zoom: number, width: number, height: number, retina: boolean): ImageGrid {
  const [x, y] = lngLatToMercator([centre.lng, centre.lat]);
  const factor = retina ? 2 : 1;
  const perPixel = WORLD_MERCATOR_M / (512 * 2 ** zoom) / factor;
  const w = width * factor;
  const h = height * factor;
  return { box: [x - (w / 2) * perPixel, y - (h / 2) * perPixel, x + (w / 2) * perPixel, y + (h / 2) * perPixel], width: w, height: h };
}

/** True ground metres per pixel: 78271.517 × cos(lat) / 2^zoom / (2 when @2x). */
export function mapboxGroundResolution(lat: number, zoom: number, retina: boolean): number {
  return (78_271.517 * Math.cos((lat * Math.PI) / 180)) / 2 ** zoom / (retina ? 2 : 1);
}

/** The highest zoom (two decimals, 0..22) at which a picture of at most maxSize × maxSize logical px covers the box. */
export function mapboxZoomFor(box: MercatorBox, maxSize: number = MAPBOX_MAX_SIZE): number {
  const span = Math.max(box[2] - box[0], box[3] - box[1]);
  if (!(span > 0) || !(maxSize >= 1)) throw new RangeError(`mapboxZoomFor needs a box with area and a size of at least 1 px, got [${box.join(', ')}] and ${maxSize}.`);
  const zoom = Math.floor(Math.log2((maxSize * WORLD_MERCATOR_M) / (512 * span)) * 100) / 100;
  return Math.max(0, Math.min(MAPBOX_MAX_ZOOM, zoom));
}

/** The path below the policy's base URL (…/styles/v1). */
export function mapboxStaticPath(centre: LatLng, zoom: number, width: number, height: number, retina: boolean): string {
  return `${STYLE_PATH}/${centre.lng.toFixed(6)},${centre.lat.toFixed(6)},${Math.round(zoom * 100) / 100},0/${width}x${height}${retina ? '@2x' : ''}`;
}

function checkRequest(request: MapboxSatelliteRequest): void {
  const { centre, zoom, width, height } = request;
  if (!Number.isFinite(centre.lat) || !Number.isFinite(centre.lng) || Math.abs(centre.lat) > MAX_MERCATOR_LAT || Math.abs(centre.lng) > 180) {
    throw new RangeError(`Mapbox Static Images needs a centre within ±${MAX_MERCATOR_LAT.toFixed(2)}° latitude and ±180° longitude, got ${centre.lat}, ${centre.lng}.`);
  }
  if (!Number.isFinite(zoom) || zoom < 0 || zoom > MAPBOX_MAX_ZOOM) throw new RangeError(`Mapbox Static Images zoom is 0 to ${MAPBOX_MAX_ZOOM}, got ${zoom}.`);
  for (const [name, size] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(size) || size < 1 || size > MAPBOX_MAX_SIZE) throw new RangeError(`Mapbox Static Images ${name} is 1 to ${MAPBOX_MAX_SIZE} px, got ${size}.`);
  }
}

export async function fetchMapboxSatellite(db: Db, request: MapboxSatelliteRequest): Promise<MapboxSatellite> {
  const policy = request.policy ?? sourcePolicy(db, MAPBOX_STATIC_SOURCE_ID);
  if (!policy) throw new ConnectorError({ kind: 'not-configured', source: MAPBOX_STATIC_SOURCE_ID, message: 'Mapbox Static Images is not in the source catalogue; reinstall Fish Mouth.' });
  checkRequest(request);
  const token = request.accessToken?.trim();
  if (!token) {
    throw new ConnectorError({ kind: 'not-configured', source: MAPBOX_STATIC_SOURCE_ID, message: `${policy.name} needs an access token: add "${MAPBOX_ACCESS_TOKEN_SECRET}" in Settings → API keys. Nothing was charged.` });
  }
  const retina = request.retina ?? true;
  const zoom = Math.round(request.zoom * 100) / 100;
  const grid = mapboxGrid(request.centre, zoom, request.width, request.height, retina);
  let response;
  try {
    response = await httpRequest(policy, {
      path: mapboxStaticPath(request.centre, zoom, request.width, request.height, retina),
      query: { access_token: token, attribution: 'false', logo: 'false' },
      expect: 'bytes',
      accept: ['image/*'],
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
      ...(request.retries === undefined ? {} : { retries: request.retries }),
    });
  } catch (error) {
    if (isConnectorError(error) && (error.status === 401 || error.status === 403)) {
      throw new ConnectorError({
        kind: 'refused-by-source',
        source: MAPBOX_STATIC_SOURCE_ID,
        status: error.status,
        message: `${policy.name} refused the access token (HTTP ${error.status}${quoted(error.message)}). Check "${MAPBOX_ACCESS_TOKEN_SECRET}" in Settings → API keys and that the token has the styles:tiles scope.`,
        cause: error,
      });
    }
    throw error;
  }
  const bytes = response.body as Buffer;
  const image = await inspectImage(bytes, { source: MAPBOX_STATIC_SOURCE_ID, label: policy.name, width: grid.width, height: grid.height });
  if (image.brightnessSpread < FLAT_IMAGE_SPREAD) {
    return { kind: 'miss', grid, latencyMs: response.latencyMs, message: `${policy.name} sent a flat, empty picture for this place at zoom ${zoom}; it has no imagery there.` };
  }
  return { kind: 'image', bytes, mime: image.mime, grid, latencyMs: response.latencyMs };
}

function quoted(message: string): string {
  const match = /: "([^"]+)"/.exec(message);
  return match ? `: "${match[1]}"` : '';
}
