import { z } from 'zod';
import { bboxSchema, latitudeSchema, longitudeSchema, type BBox } from '../domain/geo';
import { hlcSchema } from '../hlc';
import { idSchema } from '../ids';
import { appendAudit } from '../store/audit';
import { nowIso, statement, writeTransaction, type Db, type SqlValue } from '../store/database';
import { StoreError, parseInput, parseRow } from '../store/errors';
import { writeSynced, type SyncedTable } from '../store/synced';
import { LEAD_STATUSES, type LeadContribution, type LeadStatus, type Reason } from './types';
import { jsonText } from '../store/json-column';

/**
 * Leads: one per property, ranked by score. Synced and editable — a rep's status and assignment
 * merge last-writer-wins; a rescore replaces the model's part of the row and never the rep's.
 *
 *   upsertLead(db, input)                         → Lead (insert, or rescore keeping status/assignment)
 *   getLead(db, id)                               → Lead | null
 *   listLeads(db, filters) · countLeads(db, filters) → ranked by score desc, then id
 *     (filters: territory, map box, rep or nobody, min score, hail since, min roof age, statuses)
 *   setLeadStatus(db, id, status, actor)          → Lead (audited)
 *   assignLeads(db, ids, rep | null, actor)       → Lead[] (all or nothing; audited)
 */

export const reasonSchema = z.object({ code: z.string().min(1), text: z.string() });
export const leadContributionSchema = z.object({ feature: z.string().min(1), value: z.string(), logit: z.number().finite(), text: z.string() });
/** The lead model's input vector (LeadScore.inputs), in LEAD_FEATURES order. */
export const featureVectorSchema = z.array(z.number().finite()).max(1_000);

export const leadRowSchema = z
  .object({
    id: z.string().uuid(),
    property_id: z.string().min(1),
    territory_id: z.string().nullable(),
    run_id: z.string().nullable(),
    lat: z.number(),
    lng: z.number(),
    address: z.string(),
    score: z.number().int().min(0).max(100),
    probability: z.number().min(0).max(1),
    contributions: jsonText(z.array(leadContributionSchema)),
    features: jsonText(featureVectorSchema),
    reasons: jsonText(z.array(reasonSchema)),
    model_id: z.string(),
    condition_score: z.number().int().nullable(),
    condition_confidence: z.number().nullable(),
    roof_age_years: z.number().nullable(),
    hail_max_inches: z.number().nullable(),
    hail_last_at: z.string().nullable(),
    status: z.enum(LEAD_STATUSES),
    assigned_to: z.string().nullable(),
    free_sources_only: z.union([z.literal(0), z.literal(1)]),
    scored_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    hlc: hlcSchema,
    device_id: z.string().min(1),
    deleted: z.union([z.literal(0), z.literal(1)]),
  })
  .transform((row) => ({
    id: row.id,
    propertyId: row.property_id,
    territoryId: row.territory_id,
    runId: row.run_id,
    lat: row.lat,
    lng: row.lng,
    address: row.address,
    score: row.score,
    probability: row.probability,
    contributions: row.contributions as LeadContribution[],
    features: row.features,
    reasons: row.reasons as Reason[],
    modelId: row.model_id,
    conditionScore: row.condition_score,
    conditionConfidence: row.condition_confidence,
    roofAgeYears: row.roof_age_years,
    hailMaxInches: row.hail_max_inches,
    hailLastAt: row.hail_last_at,
    status: row.status as LeadStatus,
    assignedTo: row.assigned_to,
    freeSourcesOnly: row.free_sources_only === 1,
    scoredAt: row.scored_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    hlc: row.hlc,
    deviceId: row.device_id,
    deleted: row.deleted === 1,
  }));
export type Lead = z.output<typeof leadRowSchema>;

/** Columns a rescore may write (everything of the model's; never status or assigned_to). */
const SCORE_COLUMNS = [
  'territory_id',
  'run_id',
  'lat',
  'lng',
  'address',
  'score',
  'probability',
  'contributions',
  'features',
  'reasons',
  'model_id',
  'condition_score',
  'condition_confidence',
  'roof_age_years',
  'hail_max_inches',
  'hail_last_at',
  'free_sources_only',
  'scored_at',
] as const;

export const leadsTable: SyncedTable<Lead> = {
  name: 'leads',
  columns: ['property_id', ...SCORE_COLUMNS, 'status', 'assigned_to', 'created_at'],
  kind: 'editable',
  rowSchema: leadRowSchema,
  label: 'lead',
};

/** Any ISO-8601 time, stored normalised to UTC `…Z` so text comparison orders it. */
const isoTime = z
  .string()
  .refine((text) => /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 time such as 2024-05-01T18:00:00Z')
  .transform((text) => new Date(text).toISOString());

export const repNameSchema = z.string().trim().min(1, 'a rep needs a name').max(200, 'keep the rep name under 200 characters');
const actorSchema = z.string().trim().min(1, 'say who made the change').max(200);

const upsertLeadSchema = z.object({
  propertyId: z.string().min(1).max(200),
  territoryId: z.string().min(1).nullable().optional(),
  runId: z.string().min(1).nullable().optional(),
  lat: latitudeSchema,
  lng: longitudeSchema,
  address: z.string().trim().min(1, 'a lead needs an address to knock on').max(500),
  score: z.number().int().min(0).max(100),
  probability: z.number().min(0).max(1),
  contributions: z.array(leadContributionSchema),
  features: featureVectorSchema,
  reasons: z.array(reasonSchema),
  modelId: z.string().min(1).max(200),
  conditionScore: z.number().int().min(0).max(100).nullable().optional(),
  conditionConfidence: z.number().min(0).max(1).nullable().optional(),
  roofAgeYears: z.number().finite().min(0).max(500).nullable().optional(),
  hailMaxInches: z.number().finite().positive().max(12).nullable().optional(),
  hailLastAt: isoTime.nullable().optional(),
  freeSourcesOnly: z.boolean().optional(),
  scoredAt: isoTime.optional(),
});
export type UpsertLeadInput = z.input<typeof upsertLeadSchema>;

export function upsertLead(db: Db, input: UpsertLeadInput): Lead {
  const valid = parseInput(upsertLeadSchema, input, 'lead');
  const scored = {
    // Note: undefined leaves a column as it was on a rescore (territory and run may be unknown).
    territory_id: valid.territoryId,
    run_id: valid.runId,
    lat: valid.lat,
    lng: valid.lng,
    address: valid.address,
    score: valid.score,
    probability: valid.probability,
    contributions: valid.contributions,
    features: valid.features,
    reasons: valid.reasons,
    model_id: valid.modelId,
    // The condition and hail facts belong to this scoring: "unknown now" replaces an old value.
    condition_score: valid.conditionScore ?? null,
    condition_confidence: valid.conditionConfidence ?? null,
    roof_age_years: valid.roofAgeYears ?? null,
    hail_max_inches: valid.hailMaxInches ?? null,
    hail_last_at: valid.hailLastAt ?? null,
    free_sources_only: valid.freeSourcesOnly,
    scored_at: valid.scoredAt ?? nowIso(),
  };
  return writeTransaction(db, () => {
    const existing = statement(db, 'SELECT id, deleted FROM leads WHERE property_id = ?').get(valid.propertyId) as { id: string; deleted: number } | undefined;
    if (!existing) {
      return writeSynced(db, leadsTable, 'insert', { property_id: valid.propertyId, ...scored, status: 'new', created_at: nowIso() });
    }
    if (existing.deleted === 1) {
      throw new StoreError('not-found', `The lead for property ${valid.propertyId} was deleted (on this or another device), so a rescore does not bring it back.`);
    }
    return writeSynced(db, leadsTable, 'update', { id: existing.id, ...scored });
  });
}

export function getLead(db: Db, id: string): Lead | null {
  const row = statement(db, 'SELECT * FROM leads WHERE id = ? AND deleted = 0').get(id);
  return row === undefined ? null : parseRow(leadRowSchema, row, 'lead');
}

export interface LeadFilters {
  territoryId?: string;
  /** [west, south, east, north]: leads whose door lies in the box (the map's view). */
  bbox?: BBox;
  /** A rep's name; null lists the leads assigned to nobody. */
  assignedTo?: string | null;
  minScore?: number;
  /** Leads with hail reported at or after this ISO time. */
  hailSince?: string;
  minRoofAgeYears?: number;
  statuses?: readonly LeadStatus[];
  limit: number;
  offset?: number;
}

export const MAX_LEADS_PER_PAGE = 100_000;

const filtersSchema = z.object({
  territoryId: z.string().min(1).optional(),
  bbox: bboxSchema.optional(),
  assignedTo: repNameSchema.nullable().optional(),
  minScore: z.number().min(0).max(100).optional(),
  hailSince: isoTime.optional(),
  minRoofAgeYears: z.number().finite().min(0).optional(),
  statuses: z.array(z.enum(LEAD_STATUSES)).min(1, 'name at least one status').optional(),
  limit: z.number().int().min(1).max(MAX_LEADS_PER_PAGE),
  offset: z.number().int().min(0).optional(),
});

function whereClause(filters: Omit<LeadFilters, 'limit' | 'offset'>): { sql: string; params: SqlValue[] } {
  const clauses = ['deleted = 0'];
  const params: SqlValue[] = [];
  const add = (sql: string, value?: SqlValue) => {
    clauses.push(sql);
    if (value !== undefined) params.push(value);
  };
  if (filters.territoryId !== undefined) add('territory_id = ?', filters.territoryId);
  if (filters.bbox !== undefined) {
    const [west, south, east, north] = filters.bbox;
    add('lat BETWEEN ? AND ?');
    params.push(south, north);
    add('lng BETWEEN ? AND ?');
    params.push(west, east);
  }
  if (filters.assignedTo === null) add('assigned_to IS NULL');
  else if (filters.assignedTo !== undefined) add('assigned_to = ? COLLATE NOCASE', filters.assignedTo);
  if (filters.minScore !== undefined) add('score >= ?', filters.minScore);
  if (filters.hailSince !== undefined) add('hail_last_at >= ?', filters.hailSince);
  if (filters.minRoofAgeYears !== undefined) add('roof_age_years >= ?', filters.minRoofAgeYears);
  if (filters.statuses !== undefined) {
    clauses.push(`status IN (${filters.statuses.map(() => '?').join(', ')})`);
    params.push(...filters.statuses);
  }
  return { sql: clauses.join(' AND '), params };
}

/** The best leads first: score, then id (stable across calls and devices). */
export function listLeads(db: Db, filters: LeadFilters): Lead[] {
  const valid = parseInput(filtersSchema, filters, 'lead filter');
  const where = whereClause(valid);
  return statement(db, `SELECT * FROM leads WHERE ${where.sql} ORDER BY score DESC, id LIMIT ? OFFSET ?`)
    .all(...where.params, valid.limit, valid.offset ?? 0)
    .map((row) => parseRow(leadRowSchema, row, 'lead'));
}

export function countLeads(db: Db, filters: Omit<LeadFilters, 'limit' | 'offset'>): number {
  const valid = parseInput(filtersSchema.omit({ limit: true, offset: true }), filters, 'lead filter');
  const where = whereClause(valid);
  return statement(db, `SELECT count(*) FROM leads WHERE ${where.sql}`).pluck().get(...where.params) as number;
}

/** A rep or manager sets a status by hand (a visit moves it too; see visits-store.ts). */
export function setLeadStatus(db: Db, id: string, status: LeadStatus, actor: string): Lead {
  const valid = parseInput(z.object({ id: idSchema, status: z.enum(LEAD_STATUSES), actor: actorSchema }), { id, status, actor }, 'status change');
  return writeTransaction(db, () => {
    const before = getLead(db, valid.id);
    if (!before) throw new StoreError('not-found', `There is no lead ${valid.id}; list them with fishmouth leads.`);
    if (before.status === valid.status) return before;
    const after = writeSynced(db, leadsTable, 'update', { id: valid.id, status: valid.status });
    appendAudit(db, { actor: valid.actor, action: 'lead-status-set', details: { leadId: valid.id, from: before.status, to: valid.status } });
    return after;
  });
}

/** Gives leads to a rep (or takes them back with null): every id must exist, or nothing changes. */
export function assignLeads(db: Db, ids: readonly string[], rep: string | null, actor: string): Lead[] {
  const valid = parseInput(
    z.object({ ids: z.array(idSchema).min(1, 'name at least one lead').max(MAX_LEADS_PER_PAGE), rep: repNameSchema.nullable(), actor: actorSchema }),
    { ids, rep, actor },
    'assignment',
  );
  const unique = [...new Set(valid.ids)];
  return writeTransaction(db, () => {
    const leads = unique.map((id) => {
      const lead = getLead(db, id);
      if (!lead) throw new StoreError('not-found', `There is no lead ${id}; nothing was assigned.`);
      return lead;
    });
    const changed = leads.filter((lead) => lead.assignedTo !== valid.rep);
    const after = new Map(changed.map((lead) => [lead.id, writeSynced(db, leadsTable, 'update', { id: lead.id, assigned_to: valid.rep })]));
    if (changed.length > 0) {
      appendAudit(db, { actor: valid.actor, action: 'leads-assigned', details: { rep: valid.rep, leadIds: changed.map((lead) => lead.id) } });
    }
    return leads.map((lead) => after.get(lead.id) ?? lead);
  });
}
