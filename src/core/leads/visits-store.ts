import { z } from 'zod';
import { pointSchema, type LatLng } from '../domain/geo';
import { hlcSchema } from '../hlc';
import { idSchema } from '../ids';
import { nowIso, statement, writeTransaction, type Db } from '../store/database';
import { StoreError, parseInput, parseRow } from '../store/errors';
import { writeSynced, type SyncedTable } from '../store/synced';
import { featureVectorSchema, getLead, leadsTable, repNameSchema } from './leads-store';
import { NEGATIVE_OUTCOMES, POSITIVE_OUTCOMES, VISIT_OUTCOMES, type LeadStatus, type VisitOutcome } from './types';
import { jsonText } from '../store/json-column';

/**
 * Visits: what happened at a door. Synced and append-only (a correction is a new visit), logged
 * offline and pushed later. Each visit keeps the lead model's input vector and model id as they
 * were, so the team's outcomes can retrain the model (trainingOutcomes).
 *
 *   logVisit(db, { leadId, outcome, note?, position?, at?, rep? }) → Visit (moves the lead's status)
 *   visitsOf(db, leadId)                                           → Visit[] (oldest first)
 *   latestVisits(db, leadIds)                                      → Map<leadId, Visit>
 *   trainingOutcomes(db)                                           → TrainingOutcome[]
 */

export const visitRowSchema = z
  .object({
    id: z.string().uuid(),
    lead_id: z.string(),
    property_id: z.string(),
    outcome: z.enum(VISIT_OUTCOMES),
    note: z.string().nullable(),
    lat: z.number().nullable(),
    lng: z.number().nullable(),
    visited_at: z.string(),
    rep: z.string().nullable(),
    features: jsonText(featureVectorSchema),
    model_id: z.string().nullable(),
    hlc: hlcSchema,
    device_id: z.string().min(1),
  })
  .transform((row) => ({
    id: row.id,
    leadId: row.lead_id,
    propertyId: row.property_id,
    outcome: row.outcome as VisitOutcome,
    note: row.note,
    position: row.lat === null || row.lng === null ? null : ({ lat: row.lat, lng: row.lng } as LatLng),
    visitedAt: row.visited_at,
    rep: row.rep,
    features: row.features,
    modelId: row.model_id,
    hlc: row.hlc,
    deviceId: row.device_id,
  }));
export type Visit = z.output<typeof visitRowSchema>;

export const visitsTable: SyncedTable<Visit> = {
  name: 'visits',
  columns: ['lead_id', 'property_id', 'outcome', 'note', 'lat', 'lng', 'visited_at', 'rep', 'features', 'model_id'],
  kind: 'append-only',
  rowSchema: visitRowSchema,
  label: 'visit',
};

/** A visit logged on a phone with a wrong clock is refused past this much in the future. */
const FUTURE_SLACK_MS = 24 * 3_600_000;

const logVisitSchema = z.object({
  leadId: idSchema,
  outcome: z.enum(VISIT_OUTCOMES, { message: `must be one of ${VISIT_OUTCOMES.join(', ')}` }),
  note: z.string().trim().max(5_000, 'keep the note under 5,000 characters').optional(),
  position: pointSchema.optional(),
  at: z
    .string()
    .refine((text) => /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 time such as 2024-05-01T18:00:00Z')
    .transform((text) => new Date(text).toISOString())
    .refine((iso) => Date.parse(iso) <= Date.now() + FUTURE_SLACK_MS, 'is in the future; check the device clock')
    .optional(),
  rep: repNameSchema.optional(),
});
export type LogVisitInput = z.input<typeof logVisitSchema>;

export function logVisit(db: Db, input: LogVisitInput): Visit {
  const valid = parseInput(logVisitSchema, input, 'visit');
  return writeTransaction(db, () => {
    const lead = getLead(db, valid.leadId);
    if (!lead) throw new StoreError('not-found', `There is no lead ${valid.leadId}; list them with fishmouth leads.`);
    const visit = writeSynced(db, visitsTable, 'insert', {
      lead_id: lead.id,
      property_id: lead.propertyId,
      outcome: valid.outcome,
      note: valid.note ? valid.note : null,
      lat: valid.position?.lat ?? null,
      lng: valid.position?.lng ?? null,
      visited_at: valid.at ?? nowIso(),
      rep: valid.rep ?? null,
      features: lead.features,
      model_id: lead.modelId,
    });
    // Note: a visit logged late (offline, with an earlier time) must not undo a later one, so
    // the lead takes the outcome of its latest visit by time, not of the last one logged.
    const latest = latestVisitRow(db, lead.id);
    const status: LeadStatus = latest?.outcome ?? valid.outcome;
    if (lead.status !== status) writeSynced(db, leadsTable, 'update', { id: lead.id, status });
    return visit;
  });
}

function latestVisitRow(db: Db, leadId: string): Visit | null {
  const row = statement(db, 'SELECT * FROM visits WHERE lead_id = ? ORDER BY visited_at DESC, hlc DESC LIMIT 1').get(leadId);
  return row === undefined ? null : parseRow(visitRowSchema, row, 'visit');
}

export function visitsOf(db: Db, leadId: string): Visit[] {
  return statement(db, 'SELECT * FROM visits WHERE lead_id = ? ORDER BY visited_at, hlc')
    .all(leadId)
    .map((row) => parseRow(visitRowSchema, row, 'visit'));
}

/** Each lead's latest visit (for exports and lists), among the leads asked about. */
export function latestVisits(db: Db, leadIds: readonly string[]): Map<string, Visit> {
  const latest = new Map<string, Visit>();
  for (const id of new Set(leadIds)) {
    const visit = latestVisitRow(db, id);
    if (visit) latest.set(id, visit);
  }
  return latest;
}

export interface TrainingOutcome {
  leadId: string;
  propertyId: string;
  outcome: VisitOutcome;
  /** 1 for appointment/sold, 0 for not interested/not home. */
  label: 0 | 1;
  /** The lead model's input vector when the door was knocked. */
  features: number[];
  modelId: string | null;
  visitedAt: string;
}

/**
 * The latest decisive outcome of each lead, with the feature vector it was visited with, for
 * retraining. 'contacted' is not an outcome and is skipped; a lead later sold after a "not home"
 * counts once, as sold. Ordered by time, then lead id.
 */
export function trainingOutcomes(db: Db): TrainingOutcome[] {
  const decisive = [...POSITIVE_OUTCOMES, ...NEGATIVE_OUTCOMES];
  const rows = statement(
    db,
    `SELECT * FROM (
       SELECT v.*, row_number() OVER (PARTITION BY v.lead_id ORDER BY v.visited_at DESC, v.hlc DESC) AS nth
       FROM visits v WHERE v.outcome IN (${decisive.map(() => '?').join(', ')})
     ) WHERE nth = 1 ORDER BY visited_at, lead_id`,
  ).all(...decisive);
  return rows.map((row) => {
    const visit = parseRow(visitRowSchema, row, 'visit');
    return {
      leadId: visit.leadId,
      propertyId: visit.propertyId,
      outcome: visit.outcome,
      label: POSITIVE_OUTCOMES.includes(visit.outcome) ? 1 : 0,
      features: visit.features,
      modelId: visit.modelId,
      visitedAt: visit.visitedAt,
    };
  });
}
