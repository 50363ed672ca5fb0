import { describeLeadFeature, FEATURE_DEFAULTS, LEAD_FEATURES, type LeadFeature } from '../core/leads/lead-features';
import type { LeadContribution, LeadScore } from '../core/leads/types';
import { MlError } from './errors';
import { buildLinearOnnx, linearReference, readLinearSpec } from './linear-onnx';
import { openModelSession, type SessionOptions } from './onnx-session';
import type { ExecutionProviderName } from './types';

/**
 * The lead score: a logistic model over the standardised LEAD_FEATURES, run as ONNX
 * (linear-onnx.ts), explained term by term. Each feature adds w × (x − mean) ÷ scale points of
 * log-odds against the average lead (the one at `mean`, whose probability is sigmoid(bias)).
 */

export const LEAD_MODEL_KIND = 'lead-score';
/** The default model's file in the built models folder (npm run build writes it). */
export const LEAD_MODEL_FILE = 'lead-score.onnx';

export interface LeadModelParams {
  /** Shown with every score ('lead-score@v1-…' from the registry, 'lead-score-prior'). */
  id: string;
  weights: number[];
  bias: number;
  mean: number[];
  scale: number[];
}

/**
 * The DEFAULT PRIOR, used until the team's own outcomes retrain it (and the point retraining is
 * pulled back toward). Weights are per standard deviation of each feature (`scale`), so their
 * sizes compare directly. Judgement, not data: they encode what roofers report, and they are
 * deliberately moderate so that a few dozen real outcomes can move them.
 */
export const DEFAULT_LEAD_PRIOR: LeadModelParams = {
  id: 'lead-score-prior',
  weights: [
    // Roof condition deficit: a visibly worn roof is the reason to knock; strongest roof signal.
    0.5,
    // Roof age: past ~20 years asphalt shingles are due; the owner expects the conversation.
    0.45,
    // Hail size: ≥ 1 in hail damages shingles and insurance pays; the strongest storm signal.
    0.55,
    // Hail distance: a report on the street says more than one a mile off.
    0.25,
    // Hail recency: claims are filed within a year or two of the storm; old hail is paid or denied.
    0.3,
    // Home value: higher-value homes replace rather than patch, and carry better insurance.
    0.15,
    // Owner-occupied: the owner decides; a tenant cannot buy a roof.
    0.35,
    // Tract income: a small push; the owner can pay the deductible or the whole roof.
    0.1,
    // Recent roof permit: the roof was just done; knocking there wastes the visit.
    -0.6,
  ],
  // The average lead (every feature at its mean) books an appointment about 12% of the time.
  bias: Math.log(0.12 / 0.88),
  // Centres: the average lead; unknown facts take these values (lead-features FEATURE_DEFAULTS).
  mean: [
    FEATURE_DEFAULTS.conditionDeficit,
    FEATURE_DEFAULTS.roofAgeYears,
    0.5,
    0.2,
    0.2,
    Math.log(FEATURE_DEFAULTS.homeValueUsd),
    0.7,
    Math.log(FEATURE_DEFAULTS.tractIncomeUsd),
    0.05,
  ],
  // Spreads: roughly one standard deviation of each feature across a US suburb.
  scale: [20, 9, 0.7, 0.3, 0.3, 0.5, 0.45, 0.4, 0.22],
};

const LABEL: Record<LeadFeature, string> = {
  'roof-condition-deficit': 'Roof condition',
  'roof-age-years': 'Roof age',
  'hail-max-inches': 'Hail size',
  'hail-distance-factor': 'Hail distance',
  'hail-recency-factor': 'Hail recency',
  'home-value-log': 'Home value',
  'owner-occupied': 'Occupancy',
  'tract-income-log': 'Neighbourhood income',
  'recent-roof-permit': 'Roof permit',
};

export function checkLeadParams(params: LeadModelParams): void {
  const f = LEAD_FEATURES.length;
  for (const [key, xs] of [['weights', params.weights], ['mean', params.mean], ['scale', params.scale]] as const) {
    if (xs.length !== f) throw new MlError('model-invalid', `Lead model "${params.id}": ${key} has ${xs.length} values for ${f} features (${LEAD_FEATURES.join(', ')})`);
  }
}

export function buildLeadModelOnnx(params: LeadModelParams, metadata: Record<string, string> = {}): Uint8Array {
  checkLeadParams(params);
  return buildLinearOnnx({
    name: LEAD_MODEL_KIND,
    weights: params.weights,
    bias: params.bias,
    mean: params.mean,
    scale: params.scale,
    activation: 'sigmoid',
    doc: `Fish Mouth lead score: P(appointment or sale) = sigmoid(bias + Σ w·(x − mean)/scale) over ${LEAD_FEATURES.join(', ')}. Built by src/ml/lead-model.ts.`,
    metadata: { ...metadata, kind: LEAD_MODEL_KIND, features: LEAD_FEATURES.join(',') },
  });
}

/** The parameters inside a lead model file (built by buildLeadModelOnnx), under the given id. */
export function leadModelFromOnnx(bytes: Uint8Array, id: string): LeadModelParams {
  const spec = readLinearSpec(bytes);
  if (spec.metadata?.kind !== LEAD_MODEL_KIND) throw new MlError('model-invalid', `The model file is a "${spec.metadata?.kind ?? 'unknown'}" model, not a lead score model`);
  if (spec.metadata.features !== LEAD_FEATURES.join(',')) {
    throw new MlError('model-invalid', `The lead model file was built for features [${spec.metadata.features}], this version computes [${LEAD_FEATURES.join(',')}]: retrain it or roll back`);
  }
  if (!spec.mean || !spec.scale || spec.activation !== 'sigmoid') throw new MlError('model-invalid', 'The lead model file lacks its standardisation or sigmoid');
  const params = { id, weights: spec.weights, bias: spec.bias, mean: spec.mean, scale: spec.scale };
  checkLeadParams(params);
  return params;
}

export function leadScoreFromProbability(probability: number): number {
  if (!Number.isFinite(probability)) return 0;
  return Math.min(100, Math.max(0, Math.round(100 * probability)));
}

function signed(logit: number): string {
  const rounded = Math.round(logit * 10) / 10;
  return `${rounded >= 0 ? '+' : '-'}${Math.abs(rounded).toFixed(1)}`;
}

/** Each feature's log-odds against the average lead, largest effect first. */
export function leadContributions(params: LeadModelParams, vector: readonly number[], display?: Partial<Record<LeadFeature, string>>): LeadContribution[] {
  checkLeadParams(params);
  if (vector.length !== LEAD_FEATURES.length) throw new MlError('invalid-option', `A lead vector has ${LEAD_FEATURES.length} features, got ${vector.length}`);
  return LEAD_FEATURES.map((feature, i) => {
    const logit = (params.weights[i]! * (vector[i]! - params.mean[i]!)) / params.scale[i]!;
    const value = display?.[feature] ?? describeLeadFeature(feature, vector[i]!);
    return { feature, value, logit, text: `${LABEL[feature]}, ${value}: ${signed(logit)}` };
  }).sort((a, b) => Math.abs(b.logit) - Math.abs(a.logit) || LEAD_FEATURES.indexOf(a.feature as LeadFeature) - LEAD_FEATURES.indexOf(b.feature as LeadFeature));
}

/** A LeadScore from a probability computed elsewhere (the ONNX session), explained by the params. */
export function explainLeadScore(params: LeadModelParams, vector: readonly number[], probability: number, display?: Partial<Record<LeadFeature, string>>): LeadScore {
  return {
    score: leadScoreFromProbability(probability),
    probability,
    contributions: leadContributions(params, vector, display),
    modelId: params.id,
    inputs: [...vector],
  };
}

/** The ONNX model's arithmetic in TypeScript (float32, as ONNX Runtime does it). */
export function leadProbabilityReference(params: LeadModelParams, vectors: readonly (readonly number[])[]): number[] {
  checkLeadParams(params);
  return linearReference({ name: LEAD_MODEL_KIND, weights: params.weights, bias: params.bias, mean: params.mean, scale: params.scale, activation: 'sigmoid', doc: '' }, vectors.map((v) => [...v]));
}

export function scoreLeadReference(params: LeadModelParams, vector: readonly number[], display?: Partial<Record<LeadFeature, string>>): LeadScore {
  return explainLeadScore(params, vector, leadProbabilityReference(params, [vector])[0]!, display);
}

export interface LeadScorer {
  readonly modelId: string;
  readonly provider: ExecutionProviderName;
  readonly params: LeadModelParams;
  /** Scores many leads in one ONNX run; each score is explained by the model's own parameters. */
  score(leads: readonly { vector: readonly number[]; display?: Partial<Record<LeadFeature, string>> }[]): Promise<LeadScore[]>;
  close(): Promise<void>;
}

/** An ONNX Runtime session on a lead model file (e.g. the registry's activeModel bytes and id). */
export async function openLeadScorer(model: { bytes: Uint8Array; id: string }, options: SessionOptions = {}): Promise<LeadScorer> {
  const params = leadModelFromOnnx(model.bytes, model.id);
  const session = await openModelSession(model.bytes, options);
  const f = LEAD_FEATURES.length;
  return {
    modelId: model.id,
    get provider() {
      return session.provider;
    },
    params,
    async score(leads) {
      if (leads.length === 0) return [];
      const data = new Float32Array(leads.length * f);
      leads.forEach((lead, i) => {
        if (lead.vector.length !== f) throw new MlError('invalid-option', `Lead ${i} has ${lead.vector.length} features; the lead model takes ${f}`);
        data.set(lead.vector, i * f);
      });
      const out = await session.run(data, [leads.length, f]);
      return leads.map((lead, i) => explainLeadScore(params, lead.vector, out.data[i]!, lead.display));
    },
    close: () => session.close(),
  };
}

