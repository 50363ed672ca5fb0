import { createHash } from 'node:crypto';
import { roofReasons } from '../core/leads/roof-reasons';
import type { RoofCondition, RoofFacts, RoofImageFeatures } from '../core/leads/types';
import { MlError } from './errors';
import { buildLinearOnnx, linearReference, type LinearSpec } from './linear-onnx';

/**
 * The roof condition: a logistic model over ROOF_CONDITION_INPUTS, built as ONNX by
 * linear-onnx.ts, whose output is P(the roof needs replacing); condition = round(100 × (1 − p)),
 * 100 = sound. Each input adds w × (x − mean) ÷ scale to the log-odds, so an input at its mean
 * (an unknown fact, an image that cannot be judged) adds nothing either way.
 *
 *   ROOF_CONDITION_INPUTS, ROOF_CONDITION_PRIOR (the documented default weights)
 *   roofConditionInputs(features | null, facts, now)  → number[] (in ROOF_CONDITION_INPUTS order)
 *   buildRoofConditionOnnx()                          → the model file's bytes (deterministic)
 *   roofConditionReference(inputs[])                  → P per row, TypeScript, the ONNX arithmetic
 *   roofConfidence(features | null, facts)            → 0..1
 *   assessRoofs(items, now, run) / assessRoof(…)      → RoofCondition with reasons, model id, inputs
 *
 * `run` is the model: ml-inference passes its ONNX session (ml.roofCondition), tests and offline
 * tools pass referenceRoofConditionRunner(). Both see the same inputs and give the same numbers.
 */

export const ROOF_CONDITION_KIND = 'roof-condition';
export const ROOF_CONDITION_MODEL_ID = 'roof-condition-v1';
/** The built default in models/ (npm run build), which the model registry copies in as v1. */
export const ROOF_CONDITION_FILE = 'roof-condition.onnx';

export const ROOF_CONDITION_INPUTS = [
  /** Years since the roof went on (roof-facts), capped at MAX_ROOF_AGE_YEARS; unknown → UNKNOWN_ROOF_AGE_YEARS. */
  'roof-age-years',
  /** Largest hail within the radius and window (inches), 0 when none, capped at 4. */
  'hail-max-inches',
  /** exp(−months since the latest report ÷ 12): 1 this month, 0.37 a year ago, 0 when none. */
  'hail-recency-factor',
  /** exp(−distance to the nearest report ÷ 1 mile): 1 on the doorstep, 0.37 at a mile, 0 when none. */
  'hail-distance-factor',
  /** roof-features darkStreakShare; an image that cannot be judged → the prior's mean. */
  'dark-streak-share',
  /** roof-features patchiness; unusable image → the mean. */
  'patchiness',
  /** roof-features mossShare; unusable image → the mean. */
  'moss-share',
  /** How fast the material wears (materialRisk): 1 asphalt or wood, 0.35 tile, 0.2 metal, 0.1 slate; unknown 0.85. */
  'material-risk',
  /** 1 when the picture could be judged (features.usable), else 0. */
  'image-usable',
] as const;
export type RoofConditionInput = (typeof ROOF_CONDITION_INPUTS)[number];

export const MAX_ROOF_AGE_YEARS = 40;
/** A roof of unknown age is taken to be of the prior's average age: it neither helps nor hurts. */
export const UNKNOWN_ROOF_AGE_YEARS = 15;
const MAX_HAIL_INCHES = 4;
const METRES_PER_MILE = 1609.344;
const DAYS_PER_MONTH = 30.436875;

export interface RoofConditionParams {
  weights: number[];
  bias: number;
  mean: number[];
  scale: number[];
}

/**
 * The DEFAULT WEIGHTS (judgement, not data): per standard deviation of each input (`scale`), so
 * their sizes compare. All point the same way — worse facts raise P(needs replacing) — which is
 * what makes the condition monotone in each of them.
 */
export const ROOF_CONDITION_PRIOR: RoofConditionParams = {
  weights: [
    // Roof age: the strongest signal. Asphalt shingles last ~20–25 years in hail country, so
    // 9 years past the average roof's age moves the odds ×3.3.
    1.2,
    // Hail size: ≥ 1 in hail bruises shingles and ≥ 1.75 in breaks them (insurers' thresholds).
    0.6,
    // Hail recency: damage not yet repaired; a storm years ago has been claimed or shrugged off.
    0.3,
    // Hail distance: a report on the street says more than one a mile off (reports are points).
    0.3,
    // Dark streaks: algae and granule loss seen on the picture, the roofer's first visual cue.
    0.5,
    // Patchiness: blotches of missing granules, repairs, replaced shingles.
    0.4,
    // Moss: holds water under shingles; rarer in Texas, decisive where present.
    0.3,
    // Material: metal, tile and slate outlast asphalt two or three times over.
    0.4,
    // Image usable: no effect in the prior; kept so a retrained model can learn how unjudged roofs differ.
    0,
  ],
  // The average roof (every input at its mean) needs replacing about 1 time in 4 (condition 75).
  bias: Math.log(0.25 / 0.75),
  // Centres: an average suburban roof (15 years, a little hail, a little streaking, asphalt).
  mean: [UNKNOWN_ROOF_AGE_YEARS, 0.3, 0.1, 0.1, 0.06, 0.35, 0.01, 0.85, 1],
  // Spreads: roughly one standard deviation of each input across a suburb.
  scale: [9, 0.7, 0.3, 0.3, 0.06, 0.2, 0.05, 0.3, 0.5],
};

/** How fast a roof material wears, 0..1 (asphalt = 1). Unknown: most US roofs are asphalt. */
export function materialRisk(material: string | null): number {
  if (material === null || material.trim() === '') return 0.85;
  const m = material.toLowerCase();
  if (m.includes('slate')) return 0.1;
  if (m.includes('metal') || m.includes('steel') || m.includes('alumin') || m.includes('copper')) return 0.2;
  if (m.includes('tile') || m.includes('clay') || m.includes('concrete') || m.includes('terracotta')) return 0.35;
  if (m.includes('wood') || m.includes('shake') || m.includes('asphalt') || m.includes('shingle') || m.includes('composition') || m.includes('comp')) return 1;
  if (m.includes('tar') || m.includes('gravel') || m.includes('membrane') || m.includes('tpo') || m.includes('epdm') || m.includes('flat')) return 0.9;
  return 0.85;
}

export function roofConditionInputs(features: RoofImageFeatures | null, facts: RoofFacts, now: Date, params: RoofConditionParams = ROOF_CONDITION_PRIOR): number[] {
  const age = facts.roofAgeYears === null ? UNKNOWN_ROOF_AGE_YEARS : clamp(facts.roofAgeYears, 0, MAX_ROOF_AGE_YEARS);
  const hail = facts.hail;
  const size = hail.reports > 0 && hail.maxSizeInches !== null ? clamp(hail.maxSizeInches, 0, MAX_HAIL_INCHES) : 0;
  const months = hail.reports > 0 && hail.lastAt !== null ? Math.max(0, (now.getTime() - Date.parse(hail.lastAt)) / 86_400_000 / DAYS_PER_MONTH) : null;
  const recency = months === null || !Number.isFinite(months) ? 0 : Math.exp(-months / 12);
  const distance = hail.reports > 0 && hail.nearestM !== null ? Math.exp(-Math.max(0, hail.nearestM) / METRES_PER_MILE) : 0;
  const usable = features !== null && features.usable;
  const imageValue = (input: RoofConditionInput, value: number) => (usable ? clamp(value, 0, 1) : params.mean[ROOF_CONDITION_INPUTS.indexOf(input)]!);
  const inputs = [
    age,
    size,
    recency,
    distance,
    imageValue('dark-streak-share', features?.darkStreakShare ?? 0),
    imageValue('patchiness', features?.patchiness ?? 0),
    imageValue('moss-share', features?.mossShare ?? 0),
    materialRisk(facts.material),
    usable ? 1 : 0,
  ];
  // Note: one damaged value (NaN from an edited row) takes the average roof's, rather than failing the whole chunk.
  return inputs.map((value, index) => (Number.isFinite(value) ? value : params.mean[index]!));
}

function spec(params: RoofConditionParams): LinearSpec {
  checkParams(params);
  return {
    name: ROOF_CONDITION_KIND,
    weights: params.weights,
    bias: params.bias,
    mean: params.mean,
    scale: params.scale,
    activation: 'sigmoid',
    doc: `Fish Mouth roof condition ${ROOF_CONDITION_MODEL_ID}: P(roof needs replacement) = sigmoid(bias + Σ w·(x − mean)/scale) over ${ROOF_CONDITION_INPUTS.join(', ')}; condition = round(100 × (1 − P)). Built by src/ml/roof-condition-model.ts.`,
    metadata: { kind: ROOF_CONDITION_KIND, id: ROOF_CONDITION_MODEL_ID, inputs: ROOF_CONDITION_INPUTS.join(',') },
  };
}

function checkParams(params: RoofConditionParams): void {
  for (const [key, xs] of [['weights', params.weights], ['mean', params.mean], ['scale', params.scale]] as const) {
    if (xs.length !== ROOF_CONDITION_INPUTS.length) throw new MlError('model-invalid', `Roof condition model: ${key} has ${xs.length} values for ${ROOF_CONDITION_INPUTS.length} inputs (${ROOF_CONDITION_INPUTS.join(', ')})`);
  }
}

export function buildRoofConditionOnnx(params: RoofConditionParams = ROOF_CONDITION_PRIOR): Uint8Array {
  return buildLinearOnnx(spec(params));
}

/** The ONNX graph's arithmetic in TypeScript (float32 step by step): P(needs replacement) per row. */
export function roofConditionReference(inputs: readonly (readonly number[])[], params: RoofConditionParams = ROOF_CONDITION_PRIOR): number[] {
  return linearReference(spec(params), inputs.map((row) => [...row]));
}

export function conditionFromProbability(probability: number): number {
  if (!Number.isFinite(probability)) throw new MlError('inference-failed', `The roof condition model gave ${probability}, not a probability`);
  return Math.min(100, Math.max(0, Math.round(100 * (1 - probability))));
}

/**
 * How much of the assessment rests on evidence: CONFIDENCE_FLOOR, plus IMAGE_CONFIDENCE for a
 * picture that could be judged, plus 0.35 for an age from a roof permit or installed year (0.25
 * from the year built: the first roof may have been replaced unrecorded). So a usable picture and
 * a known roof year give 1.0 (high); records alone 0.45–0.55; neither 0.2.
 */
export const CONFIDENCE_FLOOR = 0.2;
export const IMAGE_CONFIDENCE = 0.45;
export function roofConfidence(features: RoofImageFeatures | null, facts: RoofFacts): number {
  let confidence = CONFIDENCE_FLOOR;
  if (features?.usable) confidence += IMAGE_CONFIDENCE;
  if (facts.roofAgeSource === 'roof-permit' || facts.roofAgeSource === 'roof-installed') confidence += 0.35;
  else if (facts.roofAgeSource === 'year-built') confidence += 0.25;
  return Math.round(Math.min(1, confidence) * 100) / 100;
}

/** The model, run on a batch of rows: ml-inference's ml.roofCondition, or the reference. */
export type RoofConditionRunner = (inputs: number[][]) => Promise<{ outputs: number[]; modelId: string; sha256: string }>;

export interface RoofToAssess {
  features: RoofImageFeatures | null;
  facts: RoofFacts;
}

export async function assessRoofs(roofs: readonly RoofToAssess[], now: Date, run: RoofConditionRunner): Promise<RoofCondition[]> {
  if (roofs.length === 0) return [];
  const inputs = roofs.map(({ features, facts }) => roofConditionInputs(features, facts, now));
  const result = await run(inputs);
  if (result.outputs.length !== roofs.length) throw new MlError('inference-failed', `The roof condition model answered ${result.outputs.length} rows for ${roofs.length} roofs`);
  return roofs.map(({ features, facts }, i) => ({
    score: conditionFromProbability(result.outputs[i]!),
    confidence: roofConfidence(features, facts),
    reasons: roofReasons(features, facts, now),
    modelId: result.modelId,
    modelSha256: result.sha256,
    inputs: inputs[i]!,
  }));
}

export async function assessRoof(features: RoofImageFeatures | null, facts: RoofFacts, now: Date, run: RoofConditionRunner): Promise<RoofCondition> {
  return (await assessRoofs([{ features, facts }], now, run))[0]!;
}

/** The TypeScript reference as a runner, named and hashed as the model file it equals. */
export function referenceRoofConditionRunner(params: RoofConditionParams = ROOF_CONDITION_PRIOR): RoofConditionRunner {
  const sha256 = createHash('sha256').update(buildRoofConditionOnnx(params)).digest('hex');
  return async (inputs) => ({ outputs: roofConditionReference(inputs, params), modelId: ROOF_CONDITION_MODEL_ID, sha256 });
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
