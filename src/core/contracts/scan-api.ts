import { z } from 'zod';
import { bboxSchema, type BBox } from '../domain/geo';
import { microsSchema } from '../money';
import { defineContract } from '../rpc/contract';
import type { LinkedClient } from '../rpc/linked-client';
import type { Progress } from '../rpc/protocol';
import type { OrchestratorApiContract } from './orchestrator-api';

/**
 * Territory scans as the renderer and the CLI see them (served by the orchestrator, see
 * src/workers/orchestrator/scan-handlers.ts). A scan collects every property in a territory from
 * the free sources, joins census and parcel facts, estimates what is missing, and pays for a
 * property record only where the free facts leave a property incomplete and the budget allows.
 * Browser-safe: zod only.
 *
 * `scan.start` plans the run and returns at once; the run goes on in the orchestrator (and
 * resumes there after any restart), pushing `scan.progress`. `scan.wait` follows one run to its
 * end with progress (cancelling the wait does not cancel the scan; `scan.cancel` does).
 */

export const SCAN_STAGES = ['scrape', 'census', 'enrich', 'paid', 'imagery', 'leads', 'summary'] as const;
export const scanStageSchema = z.enum(SCAN_STAGES);
export type ScanStage = z.infer<typeof scanStageSchema>;

export const scanOptionsSchema = z
  .object({
    /** Buy a property record where free facts leave a property below the completeness target (default true). */
    paidEnrichment: z.boolean().default(true),
    /** The budget priority of the paid calls (default medium: 30% of the day's budget). */
    priority: z.enum(['high', 'medium', 'low'], { message: 'priority must be high, medium or low' }).default('medium'),
    /** 0..1: the share of critical facts a property needs before it counts as complete (default 0.75). */
    completenessTarget: z.number().min(0.1, 'the completeness target must be from 0.1 to 1').max(1, 'the completeness target must be from 0.1 to 1').default(0.75),
    /** Days of NOAA SPC daily storm reports to read, ending yesterday (default 7). */
    stormDays: z.number().int().min(1, 'storm days must be 1 to 31').max(31, 'storm days must be 1 to 31').default(7),
    /** Size of the box tiles sent to Overpass and the county layer, in degrees (default 0.01, about 1 km). */
    tileDegrees: z.number().min(0.002, 'tiles must be 0.002° to 0.1°').max(0.1, 'tiles must be 0.002° to 0.1°').default(0.01),
    /** The county parcel layer to read (an id from the county list, e.g. washington-mn); none: no parcels. */
    county: z.string().trim().min(1).max(100).optional(),
    /** The permit portal to read (an id from the portal list, e.g. chicago); none: no permits. */
    permitPortal: z.string().trim().min(1).max(100).optional(),
    /** Fetch, enhance and score a roof image of every property (default true). */
    imagery: z.boolean().default(true),
    /** Buy paid imagery (under the budget) where free imagery falls short of the quality target (default true). */
    paidImagery: z.boolean().default(true),
    /** Assess every roof and score every lead at the end (default true). */
    leads: z.boolean().default(true),
  })
  .strict();
export type ScanOptions = z.output<typeof scanOptionsSchema>;
export type ScanOptionsInput = z.input<typeof scanOptionsSchema>;

export const scanTargetSchema = z
  .object({
    /** A territory's name (case-insensitive) or id. */
    territory: z.string().trim().min(1, 'give the territory a name').max(200).optional(),
    bbox: bboxSchema.optional(),
    options: scanOptionsSchema.optional(),
  })
  .strict()
  .refine((target) => (target.territory === undefined) !== (target.bbox === undefined), { message: 'give either a territory or a box (west, south, east, north), not both' });
export type ScanTarget = z.input<typeof scanTargetSchema>;

export const stageProgressSchema = z.object({
  stage: scanStageSchema,
  total: z.number().int().min(0),
  done: z.number().int().min(0),
  failed: z.number().int().min(0),
  skipped: z.number().int().min(0),
  running: z.number().int().min(0),
  pending: z.number().int().min(0),
});
export type StageProgress = z.infer<typeof stageProgressSchema>;

export const scanSourceFiguresSchema = z.object({
  source: z.string(),
  attempts: z.number().int().min(0),
  hits: z.number().int().min(0),
  misses: z.number().int().min(0),
  errors: z.number().int().min(0),
  refused: z.number().int().min(0),
  fallbacks: z.number().int().min(0),
  paidCalls: z.number().int().min(0),
  costMicros: microsSchema,
  listPriceMicros: microsSchema,
});
export type ScanSourceFigures = z.infer<typeof scanSourceFiguresSchema>;

export const scanSummarySchema = z.object({
  properties: z.number().int().min(0),
  /** Completeness at or above the target. */
  complete: z.number().int().min(0),
  incomplete: z.number().int().min(0),
  averageCompleteness: z.number().min(0).max(1).nullable(),
  /** Values estimated locally from tract medians (low confidence). */
  estimatedValues: z.number().int().min(0),
  /** Property records bought, or found already bought. */
  paidRecords: z.number().int().min(0),
  /** Paid records the budget (or a switched-off source) refused. */
  paidRefused: z.number().int().min(0),
  tracts: z.number().int().min(0),
  stormReports: z.number().int().min(0),
  hailReports: z.number().int().min(0),
  maxHailInches: z.number().nullable(),
  permits: z.number().int().min(0),
  roofingPermits: z.number().int().min(0),
  /** Every source tried, from the cost ledger rows of this scan. */
  sources: z.array(scanSourceFiguresSchema),
  spendMicros: microsSchema,
  /** What the same facts would have cost bought from the paid source for every property. */
  listPriceMicros: microsSchema,
  savingsMicros: microsSchema,
  /** Roof images of this scan (absent in scans made before imagery, or with imagery off). */
  imagery: z
    .object({
      roofImages: z.number().int().min(0),
      /** How each roof image was had: cache, free (NAIP), paid, fallback (synthetic). */
      byKind: z.partialRecord(z.enum(['cache', 'free', 'batch', 'paid', 'fallback']), z.number().int().min(0)),
      enhanced: z.number().int().min(0),
      batches: z.number().int().min(0),
      /** Imagery requests made (batch images, single NAIP exports, paid images). */
      requests: z.number().int().min(0),
      /** One request per property, as without geographic batching. */
      requestsWithoutBatching: z.number().int().min(0),
      costMicros: microsSchema,
      lowConfidence: z.number().int().min(0),
      manualReview: z.number().int().min(0),
      notStored: z.number().int().min(0),
      meanQuality: z.number().min(0).max(1).nullable(),
    })
    .optional(),
  /** Leads of this territory after the scan (absent with the leads stage off). */
  leads: z
    .object({
      leads: z.number().int().min(0),
      /** Score 70 or more: the doors to knock first. */
      hot: z.number().int().min(0),
      meanScore: z.number().min(0).max(100).nullable(),
      /** Leads whose facts and picture all came from free sources. */
      freeShare: z.number().min(0).max(1).nullable(),
      top: z.array(z.object({ leadId: z.string(), address: z.string(), score: z.number().int(), reasons: z.array(z.string()) })),
      /** The scan's whole spend divided by its leads. */
      spendPerLeadMicros: microsSchema.nullable(),
      /** A paid satellite image and a paid property record for every property, at today's prices. */
      payForEverythingMicros: microsSchema,
      savingsVersusPayingMicros: microsSchema,
    })
    .optional(),
  warnings: z.array(z.string()),
});
export type ScanSummary = z.infer<typeof scanSummarySchema>;

export const scanStatusSchema = z.object({
  runId: z.string(),
  territoryId: z.string().nullable(),
  territoryName: z.string().nullable(),
  bbox: bboxSchema,
  state: z.enum(['planned', 'running', 'paused', 'cancelled', 'failed', 'completed']),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** The stage being worked on, or null before planning and after the end. */
  stage: scanStageSchema.nullable(),
  stages: z.array(stageProgressSchema),
  options: scanOptionsSchema,
  summary: scanSummarySchema.nullable(),
  error: z.string().nullable(),
  /** A line for people: what is happening now. */
  message: z.string(),
});
export type ScanStatus = z.infer<typeof scanStatusSchema>;

const runIdSchema = z.string().trim().min(1, 'give the scan id').max(100);

/** A point per property for the map (a GeoJSON FeatureCollection). */
export const propertyPointsSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
      properties: z.object({
        id: z.string(),
        address: z.string().nullable(),
        yearBuilt: z.number().int().nullable(),
        completeness: z.number().min(0).max(1),
        /** 'paid' (bought record), 'estimate' (a locally estimated value), or 'free'. */
        facts: z.enum(['free', 'paid', 'estimate']),
      }),
    }),
  ),
  /** More properties are in the box than were sent. */
  truncated: z.boolean(),
});
export type PropertyPoints = z.infer<typeof propertyPointsSchema>;

/** Spread into the orchestrator's contract. */
export const scanMethods = {
  'scan.start': { params: scanTargetSchema, result: scanStatusSchema },
  'scan.status': { params: z.object({ runId: runIdSchema }).strict(), result: scanStatusSchema },
  'scan.list': { params: z.object({ limit: z.number().int().min(1).max(100).optional() }).strict(), result: z.object({ scans: z.array(scanStatusSchema) }) },
  'scan.cancel': { params: z.object({ runId: runIdSchema }).strict(), result: scanStatusSchema },
  /** Picks up a paused or failed scan where it stopped. */
  'scan.resume': { params: z.object({ runId: runIdSchema }).strict(), result: scanStatusSchema },
  /** Resolves when the scan ends (completed, failed or cancelled), reporting progress on the way. */
  'scan.wait': { params: z.object({ runId: runIdSchema }).strict(), result: scanStatusSchema, progress: true },
  'scan.properties': {
    params: z.object({ bbox: bboxSchema, limit: z.number().int().min(1).max(50_000).optional() }).strict(),
    result: propertyPointsSchema,
  },
};

export const scanEvents = {
  /** Pushed as a scan's steps finish (throttled), and on every change of state. */
  'scan.progress': scanStatusSchema,
};

export const scanContract = defineContract({ name: 'scan', methods: scanMethods, events: scanEvents });
export type ScanContract = typeof scanContract;

export interface ScanWaitOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/** The renderer's part of FishMouthApi. */
export interface ScanApi {
  startScan(target: ScanTarget): Promise<ScanStatus>;
  getScan(runId: string): Promise<ScanStatus>;
  listScans(limit?: number): Promise<ScanStatus[]>;
  cancelScan(runId: string): Promise<ScanStatus>;
  resumeScan(runId: string): Promise<ScanStatus>;
  getPropertyPoints(bbox: BBox, limit?: number): Promise<PropertyPoints>;
  onScanProgress(listener: (status: ScanStatus) => void): () => void;
}

export function scanApi(client: LinkedClient<OrchestratorApiContract>): ScanApi {
  return {
    startScan: (target) => client.call('scan.start', target),
    getScan: (runId) => client.call('scan.status', { runId }),
    listScans: async (limit) => (await client.call('scan.list', limit === undefined ? {} : { limit })).scans,
    cancelScan: (runId) => client.call('scan.cancel', { runId }),
    resumeScan: (runId) => client.call('scan.resume', { runId }),
    getPropertyPoints: (bbox, limit) => client.call('scan.properties', limit === undefined ? { bbox } : { bbox, limit }),
    onScanProgress: (listener) => client.on('scan.progress', listener),
  };
}
