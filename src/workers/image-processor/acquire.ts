import { scanImageryRequestId } from '../../core/contracts/enrichment-contract';
import type { ImageryAcquireResult } from '../../core/contracts/imagery-contract';
import type { mlInferenceContract } from '../../core/contracts/ml-contract';
import type { BlobStore } from '../../core/blob-store';
import { resolveNeed } from '../../core/cost/chain';
import type { Chain, ChainSuccess, StepKind } from '../../core/cost/chain-types';
import { getBatch, markBatchFailed, markBatchFetched } from '../../core/imagery/batch-records';
import { footprintBox, unionBox } from '../../core/imagery/geometry';
import type { ImagerySettings } from '../../core/imagery/imagery-settings';
import { getRoofImage, saveRoofImage, setRoofFeatures } from '../../core/imagery/roof-images';
import { computeRoofFeatures } from '../../core/leads/roof-features';
import type { RoofImageFeatures } from '../../core/leads/types';
import { ringToPixels } from '../../core/imagery/geometry';
import { findCoveringTile } from '../../core/imagery/tile-cache';
import type { ProcessingLogEntry, RoofTarget } from '../../core/imagery/types';
import type { Logger } from '../../core/log';
import type { Micros } from '../../core/money';
import type { LinkedClient } from '../../core/rpc/linked-client';
import type { HandlerContext } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import type { Db } from '../../core/store/database';
import type { BatchNeed } from './batch-chain';
import { EnhanceQueue } from './enhance-queue';
import type { AerialImage } from './imagery-sources';
import { parseStepKey } from './plan';
import { holdAndCache, MAX_CACHE_GROUND_M, type HeldImage, type RoofImageValue, type RoofNeed } from './roof-chain';
import { encodePng, resizeRaster, scaleBox } from './roof-crop';
import { roofTargetById } from './targets';
import type { TileRasters } from './tile-rasters';
import type { UnstoredImages } from './unstored-images';

/**
 * One imagery step of a scan (a batch, or a single property):
 *
 *   1. a batch: unless the cache already covers the whole batch, fetch its ONE image (NAIP) and
 *      cache it; the batch records its request count and cost, and its cost per property
 *   2. every roof through the roof chain (cache → NAIP → paid → synthetic), several at a time so
 *      their crops share super-resolution runs (EnhanceQueue)
 *   3. each result saved per property: crops in the blob store where the licence allows, the
 *      facts (source, cost, resolution, date, quality, log) always
 *
 * Idempotent: a roof already imaged by this run is counted, not fetched again.
 */

export interface AcquireDeps {
  db: Db;
  blobs: BlobStore;
  log: Logger;
  settings(): ImagerySettings;
  roofChain: { withPaid: Chain<RoofNeed, RoofImageValue>; freeOnly: Chain<RoofNeed, RoofImageValue> };
  batchChain: Chain<BatchNeed, AerialImage>;
  ml: LinkedClient<typeof mlInferenceContract>;
  rasters: TileRasters;
  unstored: UnstoredImages;
}

export interface AcquireRequest {
  runId: string;
  territoryId: string | null;
  key: string;
  priority: 'high' | 'medium' | 'low';
  qualityTarget?: number | undefined;
  allowPaid: boolean;
  enhance: boolean;
}

const SERVICE = 'image-processor';
const ROOFS_AT_ONCE = 6;

export async function acquireImagery(deps: AcquireDeps, request: AcquireRequest, call: Pick<HandlerContext, 'signal' | 'progress'>): Promise<ImageryAcquireResult> {
  const { db } = deps;
  const settings = deps.settings();
  const step = parseStepKey(request.key);
  if (!step) throw new RpcError('bad-input', `"${request.key}" is not an imagery step (batch:<id> or single:<property id>).`);
  const requestId = scanImageryRequestId(request.runId);
  const result: ImageryAcquireResult = { properties: 0, byKind: {}, requests: 0, costMicros: 0 as Micros, lowConfidence: 0, manualReview: 0, failed: 0, meanQuality: null, message: null };

  let memberIds: string[];
  let batchId: string | null = null;
  if (step.kind === 'batch') {
    const batch = getBatch(db, step.batchId);
    if (!batch) throw new RpcError('bad-input', `There is no imagery batch ${step.batchId}.`);
    memberIds = batch.members;
    batchId = batch.id;
  } else {
    memberIds = [step.propertyId];
  }
  const targets = memberIds.map((id) => roofTargetById(db, id)).filter((target): target is RoofTarget => target !== null);
  const todo = targets.filter((target) => getRoofImage(db, target.propertyId)?.runId !== request.runId);
  // Roofs this run imaged already (a step repeated after a restart) count as properties, not as new work.
  result.properties = targets.length;
  if (todo.length === 0) return result;

  const messages: string[] = [];
  let batchImage: HeldImage | null = null;
  if (batchId) {
    const fetched = await fetchBatchImage(deps, { ...request, requestId, batchId }, todo, call.signal);
    batchImage = fetched.image;
    result.requests += fetched.requests;
    if (fetched.message) messages.push(fetched.message);
  }

  const queue = request.enhance ? new EnhanceQueue(deps.ml, { scale: settings.enhanceScale }, call.signal) : null;
  const chain = request.allowPaid && settings.allowPaid ? deps.roofChain.withPaid : deps.roofChain.freeOnly;
  const qualities: number[] = [];
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !call.signal.aborted) {
      const target = todo[next++]!;
      const need: RoofNeed = { target, enhance: queue ? (image) => queue.enhance(image) : null, scale: settings.enhanceScale, batchImage };
      const outcome = await resolveNeed(chain, need, {
        db,
        service: SERVICE,
        requestId,
        propertyId: target.propertyId,
        batchId,
        territoryId: request.territoryId,
        priority: request.priority,
        qualityTarget: request.qualityTarget ?? settings.qualityThreshold,
        signal: call.signal,
      });
      if (outcome.ok) {
        await saveResult(deps, request.runId, batchId, target, outcome);
        result.byKind[outcome.kind] = (result.byKind[outcome.kind] ?? 0) + 1;
        result.costMicros = (result.costMicros + outcome.costMicros) as Micros;
        result.requests += outcome.sourcesTried.filter((attempt) => (attempt.kind === 'free' || attempt.kind === 'paid') && attempt.outcome !== 'refused').length;
        if (outcome.lowConfidence) result.lowConfidence += 1;
        if (outcome.value.synthetic || outcome.lowConfidence) result.manualReview += 1;
        qualities.push(outcome.quality);
      } else if (outcome.failure.kind !== 'cancelled') {
        result.failed += 1;
        messages.push(`${target.propertyId}: ${outcome.failure.message}`);
        deps.log.warn({ propertyId: target.propertyId, failure: outcome.failure }, 'no roof image');
      }
      done += 1;
      call.progress({ stage: 'imagery', done, total: todo.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(ROOFS_AT_ONCE, todo.length) }, worker));
  if (call.signal.aborted) throw new RpcError('cancelled', 'Imagery was cancelled.');
  result.meanQuality = qualities.length === 0 ? null : Math.round((qualities.reduce((a, b) => a + b, 0) / qualities.length) * 1000) / 1000;
  result.message = messages.length === 0 ? null : messages.slice(0, 5).join(' · ');
  return result;
}

async function fetchBatchImage(
  deps: AcquireDeps,
  request: AcquireRequest & { requestId: string; batchId: string },
  members: RoofTarget[],
  signal: AbortSignal,
): Promise<{ image: HeldImage | null; requests: number; message: string | null }> {
  const { db } = deps;
  const margin = deps.settings().roofMarginM;
  const box = unionBox(members.map((target) => footprintBox(target, margin)))!;
  const cached = findCoveringTile(db, box, { maxGroundResolutionM: MAX_CACHE_GROUND_M, minQuality: 0 });
  if (cached) return { image: await deps.rasters.load(cached), requests: 0, message: null };
  const outcome = await resolveNeed(deps.batchChain, { box }, {
    db,
    service: SERVICE,
    requestId: request.requestId,
    batchId: request.batchId,
    territoryId: request.territoryId,
    priority: request.priority,
    qualityTarget: 0,
    signal,
  });
  if (!outcome.ok) {
    markBatchFailed(db, request.batchId, outcome.failure.message);
    return { image: null, requests: outcome.sourcesTried.length, message: `The batch image could not be fetched (${outcome.failure.message}); its roofs were tried one by one.` };
  }
  const image = outcome.value;
  markBatchFetched(db, request.batchId, { requestCount: image.requests, costMicros: outcome.costMicros });
  const held = await holdAndCache({ blobs: deps.blobs, settings: deps.settings }, db, outcome.licence, image, request.batchId);
  return { image: held, requests: image.requests, message: null };
}

async function saveResult(deps: AcquireDeps, runId: string, batchId: string | null, target: RoofTarget, outcome: ChainSuccess<RoofImageValue>): Promise<void> {
  const value = outcome.value;
  let imageSha: string | null = null;
  let enhancedSha: string | null = null;
  const cropPng = await encodePng(value.crop.image);
  const enhancedPng = value.enhanced ? await encodePng(value.enhanced.image) : null;
  if (value.storable) {
    imageSha = (await deps.blobs.put(cropPng, 'image/png')).sha256;
    if (enhancedPng) enhancedSha = (await deps.blobs.put(enhancedPng, 'image/png')).sha256;
  } else {
    // Licence: shown in this session only, never written to disk.
    deps.unstored.keep(target.propertyId, enhancedPng ?? cropPng);
  }
  const log: ProcessingLogEntry[] = outcome.sourcesTried.map((attempt) => ({
    at: new Date().toISOString(),
    step: `${attempt.kind} ${attempt.source}`,
    message: `${attempt.outcome}${attempt.costMicros > 0 ? ` ($${(attempt.costMicros / 1e6).toFixed(4)})` : ''}${attempt.message ? `: ${attempt.message}` : ''}`,
  }));
  for (const note of value.notes) log.push({ at: new Date().toISOString(), step: 'process', message: note });
  const stepKind: StepKind = value.synthetic ? 'fallback' : outcome.kind;
  const saved = saveRoofImage(deps.db, {
    propertyId: target.propertyId,
    stepKind,
    sources: value.enhanced ? [value.source, value.enhanced.model] : [value.source],
    tileId: value.tileId,
    batchId: value.tileId || outcome.kind === 'cache' ? batchId : null,
    imageSha256: imageSha,
    enhancedSha256: enhancedSha,
    width: value.crop.image.width,
    height: value.crop.image.height,
    groundResolutionM: value.groundResolutionM,
    enhancedScale: value.enhanced ? (value.enhanced.scale as 2 | 4) : null,
    enhancedModel: value.enhanced?.model ?? null,
    capturedAt: value.capturedAt,
    costMicros: outcome.costMicros,
    quality: value.quality.score,
    qualityDetail: value.quality,
    lowConfidence: outcome.lowConfidence || value.synthetic,
    manualReview: outcome.lowConfidence || value.synthetic,
    footprintPx: value.enhanced ? scaleBox(value.crop.footprintPx, value.enhanced.scale) : value.crop.footprintPx,
    log,
    storable: value.storable,
    runId,
  });
  // Measured now, while the picture is in hand (a paid one is not kept); a synthetic roof has nothing to measure.
  setRoofFeatures(deps.db, target.propertyId, value.synthetic ? null : await measureRoof(value, target));
  // The pictures this property had before are no longer referenced by it.
  for (const old of saved.unreferencedSha256) await deps.blobs.release(old);
}

/**
 * The roof's features, measured inside its footprint on the picture a person would look at.
 * Note: measured at no finer than FEATURE_GROUND_M — the detectors work in metres, and a ×4 crop
 * at 0.15 m costs four times the pixels for detail super-resolution did not add.
 */
const FEATURE_GROUND_M = 0.25;

async function measureRoof(value: RoofImageValue, target: RoofTarget): Promise<RoofImageFeatures> {
  const scale = value.enhanced?.scale ?? 1;
  let image = value.enhanced?.image ?? value.crop.image;
  let groundM = value.groundResolutionM / scale;
  let pixelScale = scale;
  if (groundM < FEATURE_GROUND_M) {
    const shrink = groundM / FEATURE_GROUND_M;
    image = await resizeRaster(image, Math.max(8, Math.round(image.width * shrink)), Math.max(8, Math.round(image.height * shrink)));
    pixelScale = (scale * image.width) / (value.enhanced?.image.width ?? value.crop.image.width);
    groundM = FEATURE_GROUND_M;
  }
  const ring = target.footprint ? ringToPixels(value.crop.grid, target.footprint).map(([x, y]) => [x * pixelScale, y * pixelScale] as [number, number]) : null;
  return computeRoofFeatures(image, ring, { groundResolutionM: groundM, ...(value.enhanced ? { sourceSharpness: value.quality.sharpness } : {}) });
}
