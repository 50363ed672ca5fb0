import { z } from 'zod';
import { bboxSchema } from '../domain/geo';
import { microsSchema } from '../money';
import { defineContract } from '../rpc/contract';

/**
 * What the orchestrator asks of the enrichment service, per scan stage:
 *
 *   enrichment.census   the census tract of every property in the box (Census geocoder, batch)
 *                       and the ACS figures of those tracts (Census ACS)
 *   enrichment.enrich   for one tile: join parcels and permits to properties, estimate missing
 *                       values locally (low confidence), compute completeness; complete
 *                       properties are resolved from the store (a cache hit in the ledger),
 *                       incomplete ones are returned for the paid stage
 *   enrichment.paid     one incomplete property: stored answer → paid property record (only the
 *                       missing critical fields, under a budget reservation) → local estimate
 *
 * Every call is idempotent: repeated after a crash it adds nothing and pays nothing twice.
 */

const common = {
  runId: z.string().min(1).max(100),
  territoryId: z.string().min(1).max(100).nullable(),
};

/** The critical facts of completeness (core/store/property-merge.ts weighs them). */
export const CRITICAL_FIELDS = ['address', 'location', 'yearBuiltOrRoofAge', 'value', 'ownerOccupied', 'censusIncome'] as const;
export const criticalFieldSchema = z.enum(CRITICAL_FIELDS);
export type CriticalField = z.infer<typeof criticalFieldSchema>;

export const censusRequestSchema = z.object({ ...common, bbox: bboxSchema });
export const censusResultSchema = z.object({
  properties: z.number().int().min(0),
  geocoded: z.number().int().min(0),
  tracts: z.number().int().min(0),
  source: z.string(),
  outcome: z.enum(['ok', 'partial', 'unavailable']),
  message: z.string().nullable(),
});
export type CensusResult = z.infer<typeof censusResultSchema>;

export const enrichRequestSchema = z.object({
  ...common,
  bbox: bboxSchema,
  completenessTarget: z.number().min(0).max(1),
});
export const incompletePropertySchema = z.object({ propertyId: z.string(), completeness: z.number().min(0).max(1), missing: z.array(criticalFieldSchema) });
export type IncompleteProperty = z.infer<typeof incompletePropertySchema>;
export const enrichResultSchema = z.object({
  properties: z.number().int().min(0),
  complete: z.number().int().min(0),
  incomplete: z.array(incompletePropertySchema),
  parcelsJoined: z.number().int().min(0),
  permitsLinked: z.number().int().min(0),
  estimatedValues: z.number().int().min(0),
});
export type EnrichResult = z.infer<typeof enrichResultSchema>;

/**
 * The ledger request of a scan's paid stage: the per-request cap bounds what one scan may spend,
 * and checking it reads this request's rows only (not the scan's many free attempts).
 */
export function scanPaidRequestId(runId: string): string {
  return `${runId}:paid`;
}

/** The ledger request of a scan's imagery stage: its paid images count against the per-request cap on their own. */
export function scanImageryRequestId(runId: string): string {
  return `${runId}:imagery`;
}

export const paidRequestSchema = z.object({
  ...common,
  propertyId: z.string().min(1).max(100),
  missing: z.array(criticalFieldSchema).min(1),
  priority: z.enum(['high', 'medium', 'low']),
  completenessTarget: z.number().min(0).max(1),
  allowPaid: z.boolean(),
});
export type PaidRequest = z.infer<typeof paidRequestSchema>;
export const paidResultSchema = z.object({
  propertyId: z.string(),
  /** paid: bought now · stored: bought before (not charged again) · complete: nothing is missing any more · refused: the budget or settings said no (then estimated locally where possible) · fallback: estimated locally · failed: nothing helped. */
  outcome: z.enum(['paid', 'stored', 'complete', 'refused', 'fallback', 'failed']),
  filled: z.array(criticalFieldSchema),
  completeness: z.number().min(0).max(1),
  costMicros: microsSchema,
  message: z.string().nullable(),
});
export type PaidResult = z.infer<typeof paidResultSchema>;

export const enrichmentContract = defineContract({
  name: 'enrichment',
  methods: {
    'enrichment.census': { params: censusRequestSchema, result: censusResultSchema, progress: true },
    'enrichment.enrich': { params: enrichRequestSchema, result: enrichResultSchema, progress: true },
    'enrichment.paid': { params: paidRequestSchema, result: paidResultSchema },
  },
  events: {},
});
