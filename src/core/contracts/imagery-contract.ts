import { z } from 'zod';
import { bboxSchema } from '../domain/geo';
import { microsSchema } from '../money';
import { defineContract } from '../rpc/contract';

/**
 * What the orchestrator asks of the image-processor (and, through the orchestrator, what the
 * renderer and the CLI see of imagery). Browser-safe: zod only.
 *
 *   imagery.plan     the scan's imagery steps: geographic batches (one imagery request serves every
 *                    member) and single properties; idempotent — planned once per run and kept
 *   imagery.acquire  one step: fetch the batch image (or nothing, if the cache covers it), then
 *                    each member's roof image through the free-first chain (cache → NAIP →
 *                    paid imagery under a budget reservation → synthetic fallback), enhanced by
 *                    ml-inference, quality-scored, saved per property
 *   imagery.roof     one property's roof image record and, where its licence allows keeping it, the
 *                    picture itself (PNG, base64)
 *   imagery.coverage cached tiles and batches in a box, for the map
 *   imagery.cache    cache size and contents; imagery.evict trims it to its cap
 */

export const stepKindSchema = z.enum(['cache', 'free', 'batch', 'paid', 'fallback']);

const runId = z.string().min(1).max(100);

export const imageryPlanRequestSchema = z.object({ runId, territoryId: z.string().min(1).max(100).nullable(), bbox: bboxSchema });
export const imageryStepSchema = z.object({
  /** 'batch:<batch id>' or 'single:<property id>'. */
  key: z.string().min(1).max(200),
  members: z.number().int().min(1),
});
export const imageryPlanSchema = z.object({
  steps: z.array(imageryStepSchema),
  properties: z.number().int().min(0),
  batches: z.number().int().min(0),
  singles: z.number().int().min(0),
});
export type ImageryPlan = z.infer<typeof imageryPlanSchema>;

export const imageryAcquireRequestSchema = z.object({
  runId,
  territoryId: z.string().min(1).max(100).nullable(),
  key: z.string().min(1).max(200),
  priority: z.enum(['high', 'medium', 'low']),
  /** 0..1: the first image at or above it ends a property's chain (default: the imagery settings'). */
  qualityTarget: z.number().min(0).max(1).optional(),
  /** Paid imagery may be bought (under the budget) where free imagery falls short. */
  allowPaid: z.boolean(),
  /** Run super-resolution on each roof crop (default true). */
  enhance: z.boolean().default(true),
});
export const imageryAcquireResultSchema = z.object({
  properties: z.number().int().min(0),
  byKind: z.partialRecord(stepKindSchema, z.number().int().min(0)),
  /** Imagery requests made for this step (a batch image split to the provider's size limit counts each part). */
  requests: z.number().int().min(0),
  costMicros: microsSchema,
  lowConfidence: z.number().int().min(0),
  manualReview: z.number().int().min(0),
  failed: z.number().int().min(0),
  meanQuality: z.number().min(0).max(1).nullable(),
  message: z.string().nullable(),
});
export type ImageryAcquireResult = z.infer<typeof imageryAcquireResultSchema>;

export const qualityDetailSchema = z.object({
  score: z.number(),
  sharpness: z.number(),
  noise: z.number(),
  cloudShare: z.number(),
  noDataShare: z.number(),
  resolution: z.number(),
  notes: z.array(z.string()),
});

export const roofImageViewSchema = z.object({
  propertyId: z.string(),
  stepKind: stepKindSchema,
  sources: z.array(z.string()),
  attribution: z.array(z.string()),
  costMicros: microsSchema,
  groundResolutionM: z.number(),
  /** Ground metres per pixel after super-resolution, or null when not enhanced. */
  enhancedResolutionM: z.number().nullable(),
  enhancedModel: z.string().nullable(),
  capturedAt: z.string().nullable(),
  quality: z.number().min(0).max(1),
  qualityDetail: qualityDetailSchema,
  lowConfidence: z.boolean(),
  manualReview: z.boolean(),
  /** False for paid imagery whose licence forbids keeping it: the facts are kept, the picture is not. */
  storable: z.boolean(),
  footprintPx: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
  log: z.array(z.object({ at: z.string(), step: z.string(), message: z.string() })),
  updatedAt: z.string(),
  /** data:image/png;base64,… of the enhanced (else the original) crop, when asked for and kept. */
  imageDataUrl: z.string().nullable(),
});
export type RoofImageView = z.infer<typeof roofImageViewSchema>;

export const coverageTileSchema = z.object({
  id: z.string(),
  source: z.string(),
  bbox: bboxSchema,
  groundResolutionM: z.number(),
  capturedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  quality: z.number(),
  batchId: z.string().nullable(),
});
export const coverageBatchSchema = z.object({
  id: z.string(),
  runId: z.string().nullable(),
  source: z.string(),
  state: z.enum(['planned', 'fetched', 'failed']),
  bbox: bboxSchema,
  centre: z.object({ lat: z.number(), lng: z.number() }),
  memberCount: z.number().int(),
  requestCount: z.number().int(),
  costMicros: microsSchema,
  costPerPropertyMicros: microsSchema,
});
export const imageryCoverageSchema = z.object({
  tiles: z.array(coverageTileSchema),
  batches: z.array(coverageBatchSchema),
  truncated: z.boolean(),
});
export type ImageryCoverage = z.infer<typeof imageryCoverageSchema>;

export const imageryCacheStatsSchema = z.object({
  tiles: z.number().int().min(0),
  bytes: z.number().int().min(0),
  capBytes: z.number().int().min(0),
  expired: z.number().int().min(0),
  bySource: z.array(z.object({ source: z.string(), tiles: z.number().int().min(0), bytes: z.number().int().min(0) })),
  roofImages: z.number().int().min(0),
});
export type ImageryCacheStats = z.infer<typeof imageryCacheStatsSchema>;

/** The methods the renderer also reaches, through the orchestrator. */
export const imageryViewMethods = {
  'imagery.roof': {
    params: z.object({ propertyId: z.string().min(1).max(100), withImage: z.boolean().default(true) }),
    result: roofImageViewSchema.nullable(),
  },
  'imagery.coverage': {
    params: z.object({ bbox: bboxSchema, runId: z.string().min(1).max(100).optional(), limit: z.number().int().min(1).max(20_000).default(5_000) }),
    result: imageryCoverageSchema,
  },
  'imagery.cache': { params: z.object({}), result: imageryCacheStatsSchema },
  'imagery.evict': {
    params: z.object({}),
    result: z.object({ evicted: z.number().int().min(0), freedBytes: z.number().int().min(0), expired: z.number().int().min(0) }),
  },
};

export const imageProcessorContract = defineContract({
  name: 'image-processor',
  methods: {
    'imagery.plan': { params: imageryPlanRequestSchema, result: imageryPlanSchema },
    'imagery.acquire': { params: imageryAcquireRequestSchema, result: imageryAcquireResultSchema, progress: true },
    ...imageryViewMethods,
  },
  events: {},
});
