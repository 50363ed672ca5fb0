import type { LeadsScoreResult } from '../../core/contracts/leads-contract';
import type { mlInferenceContract } from '../../core/contracts/ml-contract';
import type { BBox } from '../../core/domain/geo';
import { newId } from '../../core/ids';
import { roofFeaturesOf } from '../../core/imagery/roof-images';
import { leadFeatures, tractIncomeFor } from '../../core/leads/lead-features';
import { upsertLead } from '../../core/leads/leads-store';
import { hailIndexFor, roofFacts } from '../../core/leads/roof-facts';
import type { RoofCondition, RoofFacts, RoofImageFeatures } from '../../core/leads/types';
import type { LinkedClient } from '../../core/rpc/linked-client';
import type { HandlerContext } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import { nowIso, statement, writeTransaction, type Db } from '../../core/store/database';
import type { Property } from '../../core/store/property-rows';
import { explainLeadScore, type LeadModelParams } from '../../ml/lead-model';
import { assessRoofs } from '../../ml/roof-condition-model';
import { chunkProperties, parseChunkKey } from './plan';

/**
 * One leads step of a scan: for a chunk of properties, the roof condition (the features measured
 * on each roof's picture + the facts: roof age, material, hail exposure → the roof-condition
 * model in ml-inference) and the lead score (the lead model's features → the active lead model
 * in ml-inference, explained with the same model's weights), saved together: an assessment row
 * with the model and the exact inputs, and the lead (a rescore keeps its status and rep).
 */

export interface ScoreDeps {
  db: Db;
  ml: LinkedClient<typeof mlInferenceContract>;
  /** The lead model's parameters by id (read from the same file ml-inference runs). */
  leadParams(modelId: string): LeadModelParams;
}

export async function scoreChunk(deps: ScoreDeps, request: { runId: string; territoryId: string | null; bbox: BBox; key: string }, call: Pick<HandlerContext, 'signal' | 'progress'>): Promise<LeadsScoreResult> {
  const chunk = parseChunkKey(request.key);
  if (!chunk) throw new RpcError('bad-input', `"${request.key}" is not a leads step (rids:<first>-<last>).`);
  const { db } = deps;
  const now = new Date();
  const properties = chunkProperties(db, request.bbox, chunk).filter((property) => property.location !== null);
  const empty: LeadsScoreResult = { properties: 0, assessed: 0, scored: 0, withoutImage: 0, meanScore: null, conditionModel: null, leadModel: null };
  if (properties.length === 0) return empty;

  const hailIndex = hailIndexFor(db, request.bbox, { now });
  const roofs = properties.map((property) => ({ property, features: roofFeaturesOf(db, property.id), facts: roofFacts(db, property, { now, hailIndex }) }));
  const conditions = await assessRoofs(roofs, now, (inputs) => deps.ml.call('ml.roofCondition', { inputs }, { signal: call.signal }));
  call.progress({ stage: 'leads', done: properties.length / 2, total: properties.length });

  const features = roofs.map((roof, index) => leadFeatures({ property: roof.property, condition: conditions[index]!, facts: roof.facts, income: tractIncomeFor(db, roof.property), now }));
  const scored = await deps.ml.call('ml.leadScore', { inputs: features.map((feature) => feature.vector) }, { signal: call.signal });
  const params = deps.leadParams(scored.modelId);
  const scores = features.map((feature, index) => explainLeadScore(params, feature.vector, scored.outputs[index]!, feature.display));
  if (call.signal.aborted) throw new RpcError('cancelled', 'Scoring was cancelled.');

  const paidRoofs = paidImageProperties(db, properties.map((property) => property.id));
  writeTransaction(db, () => {
    roofs.forEach((roof, index) => {
      const condition = conditions[index]!;
      const score = scores[index]!;
      saveAssessment(db, request.runId, roof.property.id, condition, roof.features, roof.facts);
      upsertLead(db, {
        propertyId: roof.property.id,
        territoryId: request.territoryId ?? roof.property.territoryId ?? undefined,
        runId: request.runId,
        lat: roof.property.location!.lat,
        lng: roof.property.location!.lng,
        address: addressOf(roof.property),
        score: score.score,
        probability: score.probability,
        contributions: score.contributions,
        features: score.inputs,
        reasons: condition.reasons,
        modelId: scored.modelId,
        conditionScore: condition.score,
        conditionConfidence: condition.confidence,
        roofAgeYears: roof.facts.roofAgeYears,
        hailMaxInches: roof.facts.hail.maxSizeInches,
        hailLastAt: roof.facts.hail.lastAt,
        freeSourcesOnly: !paidRoofs.has(roof.property.id) && !Object.values(roof.property.fieldSources).includes('property-records'),
        scoredAt: nowIso(),
      });
    });
  });
  call.progress({ stage: 'leads', done: properties.length, total: properties.length });
  return {
    properties: properties.length,
    assessed: conditions.length,
    scored: scores.length,
    withoutImage: roofs.filter((roof) => roof.features === null || !roof.features.usable).length,
    meanScore: Math.round((scores.reduce((sum, score) => sum + score.score, 0) / scores.length) * 10) / 10,
    conditionModel: conditions[0]?.modelId ?? null,
    leadModel: scored.modelId,
  };
}

function saveAssessment(db: Db, runId: string, propertyId: string, condition: RoofCondition, features: RoofImageFeatures | null, facts: RoofFacts): void {
  statement(
    db,
    `INSERT INTO roof_assessments (id, property_id, run_id, assessed_at, condition_score, confidence, reasons, inputs, model_id, model_sha256)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(newId(), propertyId, runId, nowIso(), condition.score, condition.confidence, JSON.stringify(condition.reasons), JSON.stringify({ vector: condition.inputs, features, facts }), condition.modelId, condition.modelSha256);
}

function paidImageProperties(db: Db, ids: string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = statement(db, `SELECT property_id FROM roof_images WHERE step_kind = 'paid' AND property_id IN (SELECT value FROM json_each(?))`).pluck().all(JSON.stringify(ids)) as string[];
  return new Set(rows);
}

export function addressOf(property: Property): string {
  const { houseNumber, street, unit, city, state, postcode } = property.address;
  const line = [houseNumber, street, unit ? `#${unit}` : null].filter(Boolean).join(' ');
  const place = [city, [state, postcode].filter(Boolean).join(' ')].filter((part) => part && part.length > 0).join(', ');
  const text = [line, place].filter((part) => part.length > 0).join(', ');
  return text.length > 0 ? text : `${property.location!.lat.toFixed(5)}, ${property.location!.lng.toFixed(5)}`;
}
