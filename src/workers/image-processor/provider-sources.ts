import { fetchNaipMosaic } from '../../connectors/naip/connector';
import { groundResolutionM } from '../../core/imagery/mercator';
import type { AerialAnswer, RoofImagerySources } from './imagery-sources';
import { NAIP_GROUND_M } from './roof-chain';

/**
 * The roof chain's providers over the real connectors (each answers in its service's real format;
 * tests point them at the loopback emulators through Settings → Data sources).
 */
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
      return paidUnavailable('Google Static Maps', ctx, box, apiKey);
    },
    async mapbox(ctx, box, accessToken) {
      return paidUnavailable('Mapbox Static Images', ctx, box, accessToken);
    },
  };
}
