import type { ImageryPlan } from '../../core/contracts/imagery-contract';
import type { BBox } from '../../core/domain/geo';
import { batchesIn, recordBatch } from '../../core/imagery/batch-records';
import { planBatches } from '../../core/imagery/batching';
import type { ImagerySettings } from '../../core/imagery/imagery-settings';
import { writeTransaction, type Db } from '../../core/store/database';
import { roofTargetsNeedingImages } from './targets';
import { NAIP_GROUND_M } from './roof-chain';

/**
 * A scan's imagery plan: geographic batches (DBSCAN on haversine distance; core/imagery/batching.ts)
 * recorded with their members, and the properties left to go alone. Planned once per run: asked
 * again (a restart between planning and recording the step), it returns the batches already
 * recorded for the run, so no roof is fetched twice and no batch is duplicated.
 */

/**
 * The widest batch image, in ground metres: 2,000 px of NAIP at 0.6 m, less room for the roofs'
 * margins. Note: NAIP would export 4,000 px, but a 2,000 px image decodes to 12 MB of pixels
 * (not 48 MB) and still serves every roof of a dense neighbourhood in one request.
 */
export const BATCH_IMAGE_MAX_PX = 2_000;
export const BATCH_MAX_SPAN_M = BATCH_IMAGE_MAX_PX * NAIP_GROUND_M - 100;

export function batchKey(batchId: string): string {
  return `batch:${batchId}`;
}

export function singleKey(propertyId: string): string {
  return `single:${propertyId}`;
}

export function parseStepKey(key: string): { kind: 'batch'; batchId: string } | { kind: 'single'; propertyId: string } | null {
  if (key.startsWith('batch:') && key.length > 6) return { kind: 'batch', batchId: key.slice(6) };
  if (key.startsWith('single:') && key.length > 7) return { kind: 'single', propertyId: key.slice(7) };
  return null;
}

export function planImagery(db: Db, request: { runId: string; bbox: BBox }, settings: ImagerySettings, now: Date = new Date()): ImageryPlan {
  const freshSince = new Date(now.getTime() - settings.cacheTtlDays * 86_400_000).toISOString();
  return writeTransaction(db, () => {
    const targets = roofTargetsNeedingImages(db, request.bbox, { freshSince });
    const recorded = batchesIn(db, request.bbox, { runId: request.runId });
    let batches: { id: string; members: string[] }[];
    if (recorded.length > 0) {
      batches = recorded.map((batch) => ({ id: batch.id, members: batch.members }));
    } else {
      const plan = planBatches(
        targets.map((target) => ({ id: target.propertyId, lat: target.lat, lng: target.lng })),
        { radiusM: settings.batchRadiusM, maxSize: settings.batchMaxSize, minSize: settings.batchMinSize, maxSpanM: BATCH_MAX_SPAN_M },
      );
      batches = plan.batches.map((batch) => ({
        id: recordBatch(db, { runId: request.runId, source: 'naip', members: batch.members, centre: batch.centre, bbox: batch.bbox }),
        members: batch.members,
      }));
    }
    // The same order whenever asked (the scan's steps are listed in it).
    batches.sort((a, b) => a.id.localeCompare(b.id));
    const inBatches = new Set(batches.flatMap((batch) => batch.members));
    const singles = targets.filter((target) => !inBatches.has(target.propertyId)).map((target) => target.propertyId);
    return {
      steps: [...batches.map((batch) => ({ key: batchKey(batch.id), members: batch.members.length })), ...singles.map((id) => ({ key: singleKey(id), members: 1 }))],
      properties: inBatches.size + singles.length,
      batches: batches.length,
      singles: singles.length,
    };
  });
}
