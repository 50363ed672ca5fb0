import { fetchGoogleSatellite, GOOGLE_MAX_SIZE, googleZoomFor } from '../../connectors/google-static-maps/connector';
import { fetchMapboxSatellite, MAPBOX_MAX_SIZE, mapboxZoomFor } from '../../connectors/mapbox-static/connector';
import { fetchNaipMosaic } from '../../connectors/naip/connector';
import type { LatLng } from '../../core/domain/geo';
import { groundResolutionM, mercatorToLngLat } from '../../core/imagery/mercator';
import type { ImageGrid, MercatorBox } from '../../core/imagery/types';
import type { AerialAnswer, RoofImagerySources } from './imagery-sources';
import { NAIP_GROUND_M } from './roof-chain';

/**
 * The roof chain's providers over the real connectors (each answers in its service's real format;
 * tests point them at the loopback emulators through Settings → Data sources).
 */

/** Zoom 20 is ~0.07 m per pixel at scale 2 in Texas: sharper buys nothing for a roof. */
const PAID_MAX_ZOOM = 20;
/** Pixels of slack around the roof box in a paid picture (the centre is rounded by the provider). */
const PAID_PAD_PX = 8;

export function providerSources(): RoofImagerySources {
  return {
    async naip(ctx, box) {
      const mosaic = await fetchNaipMosaic(ctx.db, {
        box,
        groundMetresPerPixel: NAIP_GROUND_M,
        signal: ctx.signal,
        ...(ctx.policy ? { policy: ctx.policy } : {}),
        firstRequestAcquired: true,
      });
      if (mosaic.kind === 'miss') return { kind: 'miss', message: mosaic.message, requests: mosaic.requests };
      return {
        kind: 'image',
        image: { source: 'naip', bytes: mosaic.bytes, mime: mosaic.mime, grid: mosaic.grid, groundResolutionM: groundResolutionM(mosaic.grid), capturedAt: mosaic.capturedAt, requests: mosaic.requests },
      } satisfies AerialAnswer;
    },
    async google(ctx, box, apiKey) {
      const zoom = Math.min(PAID_MAX_ZOOM, googleZoomFor(box, GOOGLE_MAX_SIZE - 2 * PAID_PAD_PX));
      const size = pixelsAt(box, 156_543.033_92 / 2 ** zoom, GOOGLE_MAX_SIZE);
      const answer = await fetchGoogleSatellite(ctx.db, { centre: centreOf(box), zoom, ...size, scale: 2, apiKey, signal: ctx.signal, ...(ctx.policy ? { policy: ctx.policy } : {}) });
      return paidAnswer('google-static-maps', answer);
    },
    async mapbox(ctx, box, accessToken) {
      const zoom = Math.min(PAID_MAX_ZOOM, mapboxZoomFor(box, MAPBOX_MAX_SIZE - 2 * PAID_PAD_PX));
      const size = pixelsAt(box, 78_271.517 / 2 ** zoom, MAPBOX_MAX_SIZE);
      const answer = await fetchMapboxSatellite(ctx.db, { centre: centreOf(box), zoom, ...size, retina: true, accessToken, signal: ctx.signal, ...(ctx.policy ? { policy: ctx.policy } : {}) });
      return paidAnswer('mapbox-static-images', answer);
    },
  };
}

function centreOf(box: MercatorBox): LatLng {
  const [lng, lat] = mercatorToLngLat([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]);
  return { lat, lng };
}

/** The picture size (in the provider's logical pixels) that holds the box, with slack. */
function pixelsAt(box: MercatorBox, mercatorPerPixel: number, max: number): { width: number; height: number } {
  const fit = (metres: number) => Math.min(max, Math.max(32, Math.ceil(metres / mercatorPerPixel) + 2 * PAID_PAD_PX));
  return { width: fit(box[2] - box[0]), height: fit(box[3] - box[1]) };
}

function paidAnswer(source: string, answer: { kind: 'image'; bytes: Buffer; mime: string; grid: ImageGrid } | { kind: 'miss'; message: string }): AerialAnswer {
  if (answer.kind === 'miss') return { kind: 'miss', message: answer.message, requests: 1 };
  return { kind: 'image', image: { source, bytes: answer.bytes, mime: answer.mime, grid: answer.grid, groundResolutionM: groundResolutionM(answer.grid), capturedAt: null, requests: 1 } };
}
