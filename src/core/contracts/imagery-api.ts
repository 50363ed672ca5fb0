import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import type { LinkedClient } from '../rpc/linked-client';
import type { BBox } from '../domain/geo';
import { imageryViewMethods, type ImageryCacheStats, type ImageryCoverage, type RoofImageView } from './imagery-contract';
import { mlInfoSchema, type MlInfo } from './ml-contract';
import type { OrchestratorApiContract } from './orchestrator-api';

/**
 * Imagery as the renderer and the CLI see it (served by the orchestrator, which asks the
 * image-processor and ml-inference): a property's roof image, cached tiles and batches for the
 * map, the cache's size, and which execution provider the models run on. Browser-safe.
 */

export const imageryMethods = {
  ...imageryViewMethods,
  'ml.info': { params: z.object({}), result: mlInfoSchema },
};

export const imageryApiContract = defineContract({ name: 'imagery', methods: imageryMethods, events: {} });
export type ImageryApiContract = typeof imageryApiContract;

/** The renderer's part of FishMouthApi. */
export interface ImageryApi {
  getRoofImage(propertyId: string, options?: { withImage?: boolean }): Promise<RoofImageView | null>;
  getImageryCoverage(bbox: BBox, options?: { runId?: string; limit?: number }): Promise<ImageryCoverage>;
  getImageryCache(): Promise<ImageryCacheStats>;
  evictImageryCache(): Promise<{ evicted: number; freedBytes: number; expired: number }>;
  getMlInfo(): Promise<MlInfo>;
}

export function imageryApi(client: LinkedClient<OrchestratorApiContract>): ImageryApi {
  return {
    getRoofImage: (propertyId, options) => client.call('imagery.roof', { propertyId, withImage: options?.withImage ?? true }),
    getImageryCoverage: (bbox, options) => client.call('imagery.coverage', { bbox, ...(options?.runId ? { runId: options.runId } : {}), ...(options?.limit ? { limit: options.limit } : {}) }),
    getImageryCache: () => client.call('imagery.cache', {}),
    evictImageryCache: () => client.call('imagery.evict', {}),
    getMlInfo: () => client.call('ml.info', {}),
  };
}
