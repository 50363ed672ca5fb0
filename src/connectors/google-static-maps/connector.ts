import type { LatLng } from '../../core/domain/geo';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import { httpRequest } from '../../core/http/client';
import { ConnectorError, isConnectorError } from '../../core/http/errors';
import { EARTH_RADIUS_M, lngLatToMercator, MAX_MERCATOR_LAT } from '../../core/imagery/mercator';
import type { ImageGrid, MercatorBox } from '../../core/imagery/types';
import type { Db } from '../../core/store/database';
import { inspectImage } from '../naip/image-check';

/**
 * Google Static Maps, satellite (paid, $2 per 1,000; its terms forbid storing the image):
 *
 *   fetchGoogleSatellite(db, { centre, zoom, width, height, scale, apiKey })
 *     GET {base}?center=LAT,LNG&zoom=Z&size=WxH&scale=1|2&maptype=satellite&format=png&key=…
 *   googleGrid(centre, zoom, width, height, scale) → the Web Mercator grid the picture covers
 *   googleZoomFor(box, maxSize)                    → the closest zoom whose picture covers the box
 *
 * Google's world is 256 px wide at zoom 0; `scale=2` doubles the pixels, not the area. A missing
 * key is refused here, before any call, so nothing is billed for it. A picture that is one flat
 * grey ("Sorry, we have no imagery here") is a miss.
 */

export const GOOGLE_STATIC_MAPS_SOURCE_ID = 'google-static-maps';
export const GOOGLE_STATIC_MAPS_API_KEY_SECRET = 'google-static-maps.api-key';
export const GOOGLE_MAX_SIZE = 640;
export const GOOGLE_MAX_ZOOM = 21;
const WORLD_MERCATOR_M = 2 * Math.PI * EARTH_RADIUS_M;
/** Below this brightness spread (0..255) a picture is a flat placeholder, not a photograph. */
export const FLAT_IMAGE_SPREAD = 6;

export interface GoogleSatelliteRequest {
  centre: LatLng;
  zoom: number;
  width: number;
  height: number;
  scale: 1 | 2;
  /** Read by the caller from the secret store; null/undefined refuses without calling. */
  apiKey: string | null | undefined;
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
  policy?: SourcePolicy;
}

export type GoogleSatellite =
  | { kind: 'image'; bytes: Buffer; mime: string; grid: ImageGrid; latencyMs: number }
  | { kind: 'miss'; message: string; grid: ImageGrid; latencyMs: number };

/** The Mercator grid of a Static Maps picture: centred, 256-px tiles at zoom 0, scale multiplies the pixels. */
export function googleGrid(centre: LatLng, zoom: number, width: number, height: number, scale: 1 | 2): ImageGrid {
  const [x, y] = lngLatToMercator([centre.lng, centre.lat]);
  const perPixel = WORLD_MERCATOR_M / (256 * 2 ** zoom) / scale;
  const w = width * scale;
  const h = height * scale;
  return { box: [x - (w / 2) * perPixel, y - (h / 2) * perPixel, x + (w / 2) * perPixel, y + (h / 2) * perPixel], width: w, height: h };
}

/** True ground metres per pixel: 156543.03392 × cos(lat) / 2^zoom / scale. */
export function googleGroundResolution(lat: number, zoom: number, scale: 1 | 2): number {
  return (156_543.033_92 * Math.cos((lat * Math.PI) / 180)) / 2 ** zoom / scale;
}

/** The highest whole zoom (0..21) at which a picture of at most maxSize × maxSize (scale 1) covers the box. */
export function googleZoomFor(box: MercatorBox, maxSize: number = GOOGLE_MAX_SIZE): number {
  const span = Math.max(box[2] - box[0], box[3] - box[1]);
  if (!(span > 0) || !(maxSize >= 1)) throw new RangeError(`googleZoomFor needs a box with area and a size of at least 1 px, got [${box.join(', ')}] and ${maxSize}.`);
  const zoom = Math.floor(Math.log2((maxSize * WORLD_MERCATOR_M) / (256 * span)));
  return Math.max(0, Math.min(GOOGLE_MAX_ZOOM, zoom));
}

function checkRequest(request: GoogleSatelliteRequest): void {
  const { centre, zoom, width, height, scale } = request;
  if (!Number.isFinite(centre.lat) || !Number.isFinite(centre.lng) || Math.abs(centre.lat) > MAX_MERCATOR_LAT || Math.abs(centre.lng) > 180) {
    throw new RangeError(`Google Static Maps needs a centre within ±${MAX_MERCATOR_LAT.toFixed(2)}° latitude and ±180° longitude, got ${centre.lat}, ${centre.lng}.`);
  }
  if (!Number.isInteger(zoom) || zoom < 0 || zoom > GOOGLE_MAX_ZOOM) throw new RangeError(`Google Static Maps zoom is a whole number from 0 to ${GOOGLE_MAX_ZOOM}, got ${zoom}.`);
  for (const [name, size] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(size) || size < 1 || size > GOOGLE_MAX_SIZE) throw new RangeError(`Google Static Maps ${name} is 1 to ${GOOGLE_MAX_SIZE} px, got ${size}.`);
  }
  if (scale !== 1 && scale !== 2) throw new RangeError(`Google Static Maps scale is 1 or 2, got ${String(scale)}.`);
}

export async function fetchGoogleSatellite(db: Db, request: GoogleSatelliteRequest): Promise<GoogleSatellite> {
  const policy = request.policy ?? sourcePolicy(db, GOOGLE_STATIC_MAPS_SOURCE_ID);
  if (!policy) throw new ConnectorError({ kind: 'not-configured', source: GOOGLE_STATIC_MAPS_SOURCE_ID, message: 'Google Static Maps is not in the source catalogue; reinstall Fish Mouth.' });
  checkRequest(request);
  const apiKey = request.apiKey?.trim();
  if (!apiKey) {
    throw new ConnectorError({ kind: 'not-configured', source: GOOGLE_STATIC_MAPS_SOURCE_ID, message: `${policy.name} needs an API key: add "${GOOGLE_STATIC_MAPS_API_KEY_SECRET}" in Settings → API keys. Nothing was charged.` });
  }
  const grid = googleGrid(request.centre, request.zoom, request.width, request.height, request.scale);
  let response;
  try {
    response = await httpRequest(policy, {
      path: '',
      query: {
        center: `${request.centre.lat.toFixed(6)},${request.centre.lng.toFixed(6)}`,
        zoom: request.zoom,
        size: `${request.width}x${request.height}`,
        scale: request.scale,
        maptype: 'satellite',
        format: 'png',
        key: apiKey,
      },
      expect: 'bytes',
      accept: ['image/*'],
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
      // Note: a paid call is retried only for failures Google does not bill (network, 5xx, 429).
      ...(request.retries === undefined ? {} : { retries: request.retries }),
    });
  } catch (error) {
    if (isConnectorError(error) && error.status === 403) {
      throw new ConnectorError({
        kind: 'refused-by-source',
        source: GOOGLE_STATIC_MAPS_SOURCE_ID,
        status: 403,
        message: `${policy.name} refused the request (HTTP 403${quoted(error.message)}). Check "${GOOGLE_STATIC_MAPS_API_KEY_SECRET}" in Settings → API keys, and that the Maps Static API and billing are enabled for that key.`,
        cause: error,
      });
    }
    throw error;
  }
  const bytes = response.body as Buffer;
  const image = await inspectImage(bytes, { source: GOOGLE_STATIC_MAPS_SOURCE_ID, label: policy.name, width: grid.width, height: grid.height });
  if (image.brightnessSpread < FLAT_IMAGE_SPREAD) {
    return { kind: 'miss', grid, latencyMs: response.latencyMs, message: `${policy.name} has no imagery here at zoom ${request.zoom} (it sent a flat placeholder picture); try a lower zoom or another source.` };
  }
  return { kind: 'image', bytes, mime: image.mime, grid, latencyMs: response.latencyMs };
}

/** The service's own words from the client's message (`…: "words"`), for our message. */
function quoted(message: string): string {
  const match = /: "([^"]+)"/.exec(message);
  return match ? `: "${match[1]}"` : '';
}
