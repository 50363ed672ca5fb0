import { z } from 'zod';
import { bboxSchema, pointSchema } from '../domain/geo';
import { defineContract } from '../rpc/contract';
import { LEAD_STATUSES, VISIT_OUTCOMES } from '../leads/types';

/**
 * What the orchestrator asks of the lead-generator (and, through the orchestrator, what the
 * renderer and the CLI see of leads). Browser-safe: zod only.
 *
 *   leads.plan     the scan's scoring steps: the territory's properties in chunks of stable row ranges
 *   leads.score    one chunk: assess each roof (features of its picture + facts → roof-condition model),
 *                  score each lead (lead model), save both; idempotent (a rescore keeps status and rep)
 *   leads.list     ranked leads with filters; leads.get one lead with its reasons, contributions, visits
 *   leads.status / leads.assign / leads.visit   a rep's work (synced, offline first)
 *   leads.route    a walking order for the top N leads from a start point
 *   leads.export   CSV, GeoJSON or KML text of a list
 */

export const leadStatusSchema = z.enum(LEAD_STATUSES);
export const visitOutcomeSchema = z.enum(VISIT_OUTCOMES);
const runId = z.string().min(1).max(100);
const id = z.string().min(1).max(100);

export const leadsPlanRequestSchema = z.object({ runId, territoryId: z.string().min(1).max(100).nullable(), bbox: bboxSchema });
export const leadsPlanSchema = z.object({ steps: z.array(z.string().min(1).max(200)), properties: z.number().int().min(0) });
export type LeadsPlan = z.infer<typeof leadsPlanSchema>;

export const leadsScoreRequestSchema = z.object({ runId, territoryId: z.string().min(1).max(100).nullable(), bbox: bboxSchema, key: z.string().min(1).max(200) });
export const leadsScoreResultSchema = z.object({
  properties: z.number().int().min(0),
  assessed: z.number().int().min(0),
  scored: z.number().int().min(0),
  /** Assessments without a usable picture (facts only, lower confidence). */
  withoutImage: z.number().int().min(0),
  meanScore: z.number().min(0).max(100).nullable(),
  conditionModel: z.string().nullable(),
  leadModel: z.string().nullable(),
});
export type LeadsScoreResult = z.infer<typeof leadsScoreResultSchema>;

export const reasonSchema = z.object({ code: z.string(), text: z.string() });
export const contributionSchema = z.object({ feature: z.string(), value: z.string(), logit: z.number(), text: z.string() });

export const leadViewSchema = z.object({
  id: z.string(),
  propertyId: z.string(),
  territoryId: z.string().nullable(),
  address: z.string(),
  lat: z.number(),
  lng: z.number(),
  score: z.number().int().min(0).max(100),
  probability: z.number().min(0).max(1),
  contributions: z.array(contributionSchema),
  reasons: z.array(reasonSchema),
  conditionScore: z.number().int().nullable(),
  conditionConfidence: z.number().nullable(),
  roofAgeYears: z.number().nullable(),
  hailMaxInches: z.number().nullable(),
  hailLastAt: z.string().nullable(),
  status: leadStatusSchema,
  assignedTo: z.string().nullable(),
  /** Every fact and the picture came from free sources (no paid record or image). */
  freeSourcesOnly: z.boolean(),
  modelId: z.string(),
  scoredAt: z.string(),
});
export type LeadView = z.infer<typeof leadViewSchema>;

export const visitViewSchema = z.object({
  id: z.string(),
  leadId: z.string(),
  outcome: visitOutcomeSchema,
  note: z.string().nullable(),
  position: pointSchema.nullable(),
  visitedAt: z.string(),
  rep: z.string().nullable(),
});
export type VisitView = z.infer<typeof visitViewSchema>;

export const leadFiltersSchema = z
  .object({
    territoryId: z.string().min(1).max(100).optional(),
    bbox: bboxSchema.optional(),
    assignedTo: z.string().min(1).max(200).optional(),
    minScore: z.number().int().min(0).max(100).optional(),
    /** Only leads with hail on or after this day (YYYY-MM-DD). */
    hailSince: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is written YYYY-MM-DD').optional(),
    minRoofAgeYears: z.number().min(0).max(200).optional(),
    statuses: z.array(leadStatusSchema).min(1).optional(),
    limit: z.number().int().min(1).max(5_000).default(100),
    offset: z.number().int().min(0).default(0),
  })
  .strict();
export type LeadFilters = z.input<typeof leadFiltersSchema>;

export const routeStopSchema = z.object({ leadId: z.string(), address: z.string(), lat: z.number(), lng: z.number(), score: z.number().int(), legM: z.number().min(0) });
export const walkRouteSchema = z.object({
  stops: z.array(routeStopSchema),
  totalM: z.number().min(0),
  /** The same stops in nearest-neighbour order, for comparison. */
  nearestNeighbourM: z.number().min(0),
});
export type WalkRouteView = z.infer<typeof walkRouteSchema>;

/** The methods the renderer also reaches, through the orchestrator. */
export const leadsViewMethods = {
  'leads.list': { params: leadFiltersSchema, result: z.object({ leads: z.array(leadViewSchema), total: z.number().int().min(0) }) },
  'leads.get': { params: z.object({ id }), result: z.object({ lead: leadViewSchema, visits: z.array(visitViewSchema) }).nullable() },
  'leads.status': { params: z.object({ id, status: leadStatusSchema }), result: leadViewSchema },
  'leads.assign': { params: z.object({ ids: z.array(id).min(1).max(5_000), rep: z.string().trim().min(1).max(200).nullable() }), result: z.object({ updated: z.number().int().min(0) }) },
  'leads.visit': {
    params: z.object({ leadId: id, outcome: visitOutcomeSchema, note: z.string().max(2_000).optional(), position: pointSchema.optional(), rep: z.string().trim().min(1).max(200).optional() }),
    result: z.object({ visit: visitViewSchema, lead: leadViewSchema }),
  },
  'leads.route': {
    params: z.object({ from: pointSchema, top: z.number().int().min(1).max(500), filters: leadFiltersSchema.optional() }),
    result: walkRouteSchema,
  },
  'leads.export': {
    params: z.object({ format: z.enum(['csv', 'geojson', 'kml']), filters: leadFiltersSchema.optional() }),
    result: z.object({ filename: z.string(), mime: z.string(), text: z.string(), rows: z.number().int().min(0) }),
  },
};

export const leadGeneratorContract = defineContract({
  name: 'lead-generator',
  methods: {
    'leads.plan': { params: leadsPlanRequestSchema, result: leadsPlanSchema },
    'leads.score': { params: leadsScoreRequestSchema, result: leadsScoreResultSchema, progress: true },
    ...leadsViewMethods,
  },
  events: {},
});
