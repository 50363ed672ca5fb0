import { defineChain } from '../../core/cost/chain';
import { hit, miss, stepError, type Chain, type ChainStep } from '../../core/cost/chain-types';
import type { LicencePolicy } from '../../core/cost/source-policy';
import type { Db } from '../../core/store/database';
import { priceFor } from '../../core/cost/prices';
import { connectorStepError } from '../../core/http/errors';
import type { BlobStore } from '../../core/blob-store';
import { footprintBox, unionBox } from '../../core/imagery/geometry';
import { groundResolutionM } from '../../core/imagery/mercator';
import type { ImagerySettings } from '../../core/imagery/imagery-settings';
import { assessImageQuality } from '../../core/imagery/quality';
import { findCoveringTile, putTile } from '../../core/imagery/tile-cache';
import type { ImageGrid, ImageryTile, MercatorBox, QualityReport, RasterImage, RoofTarget } from '../../core/imagery/types';
import { renderSyntheticRoof } from '../../core/imagery/synthetic-roof';
import type { SecretReader } from '../../core/secrets/vault';
import type { EnhancedImage } from './enhance-queue';
import type { AerialImage, RoofImagerySources } from './imagery-sources';
import { cropRoof, decodeImage, resizeRaster, type RoofCrop } from './roof-crop';
import { TileRasters } from './tile-rasters';

/**
 * The roof-image chain (ARCHITECTURE.md, the free-first chain): for one property,
 *
 *   cache     a held image covering the roof at NAIP resolution or better: the batch image just
 *             fetched for this property's batch, else the geographic cache (R*Tree, unexpired,
 *             licence allowing reuse)
 *   free      NAIP exportImage of a neighbourhood around the roof (cached, so neighbours hit)
 *   paid      Google Static Maps, then Mapbox Static Images, each only after a budget reservation
 *             at its list price; their pictures are never written to the cache (licences)
 *   fallback  a synthetic roof drawn from the footprint: low confidence, manual review
 *
 * Free and cached crops are enhanced by super-resolution before they are scored, because the
 * enhanced crop is what a person (and the roof assessment) will look at.
 * Note: quality uses an effective resolution of native ÷ SR_DETAIL_GAIN, not native ÷ scale:
 * ×4 super-resolution sharpens edges but cannot invent a shingle NAIP never saw (bench/sr-quality
 * measures what it recovers), so an enhanced 0.6 m NAIP roof counts as a 0.3 m one.
 */

export const ROOF_IMAGE_NEED = 'roof-image';
export const IMAGERY_CACHE_SOURCE = 'imagery-cache';
export const SYNTHETIC_SOURCE = 'synthetic-roof';
export const SATELLITE_OPERATION = 'satellite-image';
/** NAIP's native ground resolution (0.6 m; some states 1 m). */
export const NAIP_GROUND_M = 0.6;
/** The coarsest cached image a roof crop may come from. */
export const MAX_CACHE_GROUND_M = 1.0;
/** A lone NAIP request covers at least this square, so the neighbours of a single find it cached. */
export const SINGLE_NAIP_SPAN_M = 150;
export const SR_DETAIL_GAIN = 2;
/** The finest resolution quality is judged at: where core/imagery/quality.ts's resolution part saturates. */
export const JUDGE_AT_M = 0.15;

export interface RoofNeed {
  target: RoofTarget;
  /** Super-resolution for free and cached crops, or null to keep them as they are. */
  enhance: ((image: RasterImage) => Promise<EnhancedImage>) | null;
  scale: 2 | 4;
  /** The image just fetched for this property's batch (held in memory, also cached when allowed). */
  batchImage: HeldImage | null;
}

export interface HeldImage {
  raster: RasterImage;
  grid: ImageGrid;
  groundResolutionM: number;
  capturedAt: string | null;
  source: string;
  tileId: string | null;
  attribution: string | null;
}

export interface RoofImageValue {
  crop: RoofCrop;
  enhanced: { image: RasterImage; model: string; scale: number } | null;
  groundResolutionM: number;
  capturedAt: string | null;
  source: string;
  attribution: string | null;
  storable: boolean;
  tileId: string | null;
  quality: QualityReport;
  synthetic: boolean;
  notes: string[];
}

export interface RoofChainDeps {
  blobs: BlobStore;
  settings(): ImagerySettings;
  sources: RoofImagerySources;
  secrets: SecretReader;
  rasters?: TileRasters;
  /** false: a chain without the paid steps (the scan or the settings forbid buying imagery). */
  paid?: boolean;
}

export const GOOGLE_KEY_SECRET = 'google-static-maps.api-key';
export const MAPBOX_TOKEN_SECRET = 'mapbox.access-token';

export function createRoofChain(deps: RoofChainDeps): Chain<RoofNeed, RoofImageValue> {
  const rasters = deps.rasters ?? new TileRasters(deps.blobs);

  async function finish(need: RoofNeed, image: HeldImage, crop: RoofCrop, storable: boolean, notes: string[]): Promise<RoofImageValue> {
    let enhanced: RoofImageValue['enhanced'] = null;
    let effective = image.groundResolutionM;
    // Paid imagery is sharp already; enhancing it would only make it bigger.
    if (need.enhance && image.groundResolutionM > 0.3) {
      const result = await need.enhance(crop.image);
      enhanced = { image: result.image, model: result.model, scale: need.scale };
      effective = image.groundResolutionM / SR_DETAIL_GAIN;
      notes.push(`enhanced ×${need.scale} by ${result.model} on ${result.provider}`);
    }
    // Note: sharpness, noise, cloud and no-data are measured on the pixels the provider sent (the
    // information there is); super-resolution is credited through the resolution part only. An
    // image finer than JUDGE_AT_M is judged resampled to it: oversampled pixels would read as blur.
    const judged = image.groundResolutionM < JUDGE_AT_M ? await resizeRaster(crop.image, Math.max(8, Math.round((crop.image.width * image.groundResolutionM) / JUDGE_AT_M)), Math.max(8, Math.round((crop.image.height * image.groundResolutionM) / JUDGE_AT_M))) : crop.image;
    const quality = assessImageQuality(judged, { groundResolutionM: Math.max(effective, JUDGE_AT_M) });
    return { crop, enhanced, groundResolutionM: image.groundResolutionM, capturedAt: image.capturedAt, source: image.source, attribution: image.attribution, storable, tileId: image.tileId, quality, synthetic: false, notes };
  }

  async function fromHeld(need: RoofNeed, image: HeldImage, storable: boolean, notes: string[]) {
    const margin = deps.settings().roofMarginM;
    const crop = cropRoof(image.raster, image.grid, need.target, margin);
    if (!crop) return null;
    const value = await finish(need, image, crop, storable, notes);
    return hit(value, value.quality.score, value.quality.notes.length > 0 ? { message: value.quality.notes.join('; ') } : {});
  }

  const cache: ChainStep<RoofNeed, RoofImageValue> = {
    kind: 'cache',
    source: IMAGERY_CACHE_SOURCE,
    async lookup(need, ctx) {
      const margin = deps.settings().roofMarginM;
      const box = footprintBox(need.target, margin);
      if (need.batchImage) {
        const result = await fromHeld(need, need.batchImage, true, [`cropped from the batch image (${need.batchImage.source}, ${need.batchImage.grid.width}×${need.batchImage.grid.height} px)`]);
        if (result) return result;
      }
      const tile = findCoveringTile(ctx.db, box, { maxGroundResolutionM: MAX_CACHE_GROUND_M, minQuality: 0 });
      if (!tile) return miss('No cached image covers this roof.');
      const held = await rasters.load(tile);
      if (!held) return miss(`The cached image ${tile.id} is missing from the blob store; it will be fetched again.`);
      const result = await fromHeld(need, held, true, [`cropped from cached ${tile.source} image ${tile.id} (fetched ${tile.fetchedAt.slice(0, 10)})`]);
      return result ?? miss('The cached image does not hold the whole roof.');
    },
  };

  const naip: ChainStep<RoofNeed, RoofImageValue> = {
    kind: 'free',
    source: 'naip',
    async fetch(need, ctx) {
      const box = neighbourhoodBox(need.target, deps.settings().roofMarginM);
      let image: AerialImage;
      try {
        const answer = await deps.sources.naip(ctx, box);
        if (answer.kind === 'miss') return miss(answer.message);
        image = answer.image;
      } catch (error) {
        const failed = connectorStepError(error, 'NAIP imagery');
        return stepError(failed.kind, failed.message, failed.retryAfterMs === undefined ? {} : { retryAfterMs: failed.retryAfterMs });
      }
      const held = await holdAndCache(deps, ctx.db, ctx.policy?.licence ?? null, image, null);
      return (await fromHeld(need, held, true, [`NAIP export ${image.grid.width}×${image.grid.height} px at ${image.groundResolutionM.toFixed(2)} m`])) ?? miss('The NAIP image came back without this roof in it.');
    },
  };

  function paidStep(source: 'google-static-maps' | 'mapbox-static-images', secret: string, label: string): ChainStep<RoofNeed, RoofImageValue> {
    return {
      kind: 'paid',
      source,
      operation: SATELLITE_OPERATION,
      estimateMicros: (_need, ctx) => priceFor(ctx.db, source, SATELLITE_OPERATION),
      async fetch(need, ctx) {
        const key = deps.secrets.get(secret);
        if (!key) return stepError('not-configured', `${label} needs a key: add it in Settings → API keys. Nothing was charged.`);
        const box = footprintBox(need.target, deps.settings().roofMarginM);
        let image: AerialImage;
        try {
          const answer = source === 'google-static-maps' ? await deps.sources.google(ctx, box, key) : await deps.sources.mapbox(ctx, box, key);
          // Note: the provider bills a call that found no imagery all the same.
          if (answer.kind === 'miss') return { kind: 'miss', message: answer.message, costMicros: ctx.reservedMicros };
          image = answer.image;
        } catch (error) {
          const failed = connectorStepError(error, label);
          // Note: a refused or failed call is not billed by either provider.
          return stepError(failed.kind, failed.message, failed.retryAfterMs === undefined ? {} : { retryAfterMs: failed.retryAfterMs });
        }
        const billed = ctx.reservedMicros;
        const raster = await decodeImage(image.bytes);
        const held: HeldImage = { raster, grid: image.grid, groundResolutionM: image.groundResolutionM, capturedAt: image.capturedAt, source, tileId: null, attribution: ctx.policy?.licence.attribution ?? null };
        const crop = cropRoof(raster, image.grid, need.target, deps.settings().roofMarginM);
        if (!crop) return { kind: 'miss', message: `${label} sent an image that does not hold this roof.`, costMicros: billed };
        // Licence: displayed and assessed now, never written to the cache or the blob store.
        const value = await finish(need, held, crop, ctx.policy?.licence.storable ?? false, [`${label} ${image.grid.width}×${image.grid.height} px at ${image.groundResolutionM.toFixed(2)} m (not stored: licence)`]);
        return hit(value, value.quality.score, { costMicros: billed });
      },
    };
  }

  const synthetic: ChainStep<RoofNeed, RoofImageValue> = {
    kind: 'fallback',
    source: SYNTHETIC_SOURCE,
    async produce(need) {
      const margin = deps.settings().roofMarginM;
      const drawn = await renderSyntheticRoof(need.target, { marginM: margin });
      const raster = await decodeImage(drawn.png);
      const resolution = groundResolutionM(drawn.grid);
      const crop = cropRoof(raster, drawn.grid, need.target, margin) ?? { image: raster, grid: drawn.grid, footprintPx: null };
      const quality = assessImageQuality(raster, { groundResolutionM: resolution });
      const value: RoofImageValue = {
        crop,
        enhanced: null,
        groundResolutionM: resolution,
        capturedAt: null,
        source: SYNTHETIC_SOURCE,
        attribution: null,
        storable: true,
        tileId: null,
        quality: { ...quality, score: Math.min(quality.score, 0.2), notes: ['synthetic image drawn from the footprint: manual review recommended', ...quality.notes] },
        synthetic: true,
        notes: ['no real image could be had: drew the footprint'],
      };
      return hit(value, value.quality.score, { message: 'Synthetic roof from the footprint; manual review recommended.' });
    },
  };

  return defineChain<RoofNeed, RoofImageValue>({
    need: ROOF_IMAGE_NEED,
    steps:
      deps.paid === false
        ? [cache, naip, synthetic]
        : [cache, naip, paidStep('google-static-maps', GOOGLE_KEY_SECRET, 'Google Static Maps'), paidStep('mapbox-static-images', MAPBOX_TOKEN_SECRET, 'Mapbox Static Images'), synthetic],
  });
}

/** The box a lone NAIP request covers: the roof with its margin, grown to SINGLE_NAIP_SPAN_M. */
export function neighbourhoodBox(target: RoofTarget, marginM: number): MercatorBox {
  const roof = footprintBox(target, marginM);
  const around = footprintBox({ ...target, footprint: null }, Math.max(0, SINGLE_NAIP_SPAN_M / 2 - 15));
  return unionBox([roof, around])!;
}

/** Decodes an image just fetched, and writes it to the geographic cache where its licence allows. */
export async function holdAndCache(deps: Pick<RoofChainDeps, 'blobs' | 'settings'>, db: Db, licence: LicencePolicy | null, image: AerialImage, batchId: string | null): Promise<HeldImage> {
  const raster = await decodeImage(image.bytes);
  const quality = assessImageQuality(raster, { groundResolutionM: image.groundResolutionM });
  let tile: ImageryTile | null = null;
  if (licence) {
    const put = await putTile(db, deps.blobs, {
      source: image.source,
      bytes: image.bytes,
      mime: image.mime,
      grid: image.grid,
      capturedAt: image.capturedAt,
      quality: quality.score,
      batchId,
      licence,
    }, { settings: deps.settings() });
    if (put.stored) tile = put.tile;
  }
  return { raster, grid: image.grid, groundResolutionM: image.groundResolutionM, capturedAt: image.capturedAt, source: image.source, tileId: tile?.id ?? null, attribution: licence?.attribution ?? null };
}
