import { describe, expect, it } from 'vitest';
import { LEAD_FEATURES } from '../core/leads/lead-features';
import { DEFAULT_LEAD_PRIOR, leadProbabilityReference } from './lead-model';
import { auc, trainLeadModel, type OutcomeSample } from './lead-training';
import { normals, uniforms } from './ml.testkit';

const INCOME = LEAD_FEATURES.indexOf('tract-income-log');
const AGE = LEAD_FEATURES.indexOf('roof-age-years');

/**
 * A team whose doors answer mostly to neighbourhood income (which the prior barely weighs, 0.1)
 * and a little to roof age; everything else the prior believes in is noise here.
 */
function syntheticOutcomes(n: number, seed = 3): OutcomeSample[] {
  const uniform = uniforms(seed);
  const next = normals(uniform);
  const prior = DEFAULT_LEAD_PRIOR;
  return Array.from({ length: n }, (_, i) => {
    const z = LEAD_FEATURES.map(() => next());
    const logit = -1 + 2.0 * z[INCOME]! + 0.3 * z[AGE]!;
    const positive = uniform() < 1 / (1 + Math.exp(-logit));
    return { vector: z.map((zi, j) => prior.mean[j]! + prior.scale[j]! * zi), positive, at: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString() };
  });
}
describe('lead model retraining', () => {
  it('learns a signal the prior underweights: trained AUC on held-out outcomes beats the prior', () => {
    const samples = syntheticOutcomes(400);
    const result = trainLeadModel(samples, DEFAULT_LEAD_PRIOR);
    if (!result.ok) throw new Error(result.message);
    const m = result.metrics;
    if (process.env.SHOW_METRICS) console.log(JSON.stringify(m));
    expect(m.n).toBe(400);
    expect(m.trainN + m.holdoutN).toBe(400);
    expect(m.holdoutN).toBeGreaterThanOrEqual(99);
    expect(m.aucTrained).toBeGreaterThan(m.aucPrior + 0.15);
    expect(m.aucTrained).toBeGreaterThan(0.75);
    expect(m.brierTrained).toBeLessThan(m.brierPrior);
    // The learned income weight moved far from the prior's 0.1 toward the true 2.0.
    expect(result.params.weights[INCOME]).toBeGreaterThan(1.2);
    expect(result.params.mean).toEqual(DEFAULT_LEAD_PRIOR.mean);
    // The model written (refitted on every outcome) ranks the doors as well as the validated one.
    expect(auc(leadProbabilityReference(result.params, samples.map((s) => s.vector)), samples.map((s) => s.positive))).toBeGreaterThan(0.8);
    expect(Math.abs(result.params.bias)).toBeLessThan(5);
    expect(m.calibration.reduce((s, b) => s + b.n, 0)).toBe(m.holdoutN);
    // Calibration: where the trained model says under 20%, under ~35% booked; over 80%, most did.
    const low = m.calibration[0]!;
    if (low.n >= 5) expect(low.observed!).toBeLessThan(0.35);
  });

  it('moves little on little data: 40 outcomes shift the weights less than 400 do', () => {
    const few = trainLeadModel(syntheticOutcomes(40, 5).map((s, i) => ({ ...s, positive: i % 3 === 0 ? true : s.positive })), DEFAULT_LEAD_PRIOR);
    const many = trainLeadModel(syntheticOutcomes(400), DEFAULT_LEAD_PRIOR);
    if (!few.ok || !many.ok) throw new Error('expected both to train');
    const shift = (w: number[]) => Math.hypot(...w.map((x, i) => x - DEFAULT_LEAD_PRIOR.weights[i]!));
    expect(shift(few.params.weights)).toBeLessThan(shift(many.params.weights));
  });

  it('is deterministic: the same outcomes give the same model', () => {
    const a = trainLeadModel(syntheticOutcomes(120), DEFAULT_LEAD_PRIOR);
    const b = trainLeadModel(syntheticOutcomes(120), DEFAULT_LEAD_PRIOR);
    expect(a).toEqual(b);
  });

  it('refuses with too few outcomes and says how many more it needs', () => {
    const samples = syntheticOutcomes(25);
    const result = trainLeadModel(samples, DEFAULT_LEAD_PRIOR);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('too-few-outcomes');
    expect(result.needMore).toBe(15);
    expect(result.message).toContain('needs 15 more outcomes');

    const allNegative = syntheticOutcomes(60).map((s, i) => ({ ...s, positive: i < 4 }));
    const lopsided = trainLeadModel(allNegative, DEFAULT_LEAD_PRIOR);
    expect(lopsided).toMatchObject({ ok: false, reason: 'too-few-positives', needMore: 6 });
    if (!lopsided.ok) expect(lopsided.message).toContain('6 more successful (appointment or sold)');

    // Vectors from another model version are not counted.
    const stale = [...syntheticOutcomes(39), { vector: [1, 2, 3], positive: true, at: '2025-01-01' }];
    expect(trainLeadModel(stale, DEFAULT_LEAD_PRIOR)).toMatchObject({ ok: false, needMore: 1 });
  });

  it('AUC is the share of positive/negative pairs ordered right (ties half)', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(auc([0.5, 0.5], [true, false])).toBe(0.5);
  });
});
