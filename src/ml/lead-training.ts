import { LEAD_FEATURES } from '../core/leads/lead-features';
import { MlError } from './errors';
import { checkLeadParams, leadProbabilityReference, type LeadModelParams } from './lead-model';

/**
 * Retrains the lead model from the team's own visit outcomes: logistic regression by Newton's
 * method (IRLS) with an L2 penalty pulling each weight toward the PRIOR's, in the prior's
 * standardised units (its mean and scale are kept). Few outcomes move the model a little, many
 * move it far: one visit carries about p(1 − p) ≈ 0.1–0.2 units of evidence about a standardised
 * feature, so the default `priorStrength` 15 weighs like ~100 visits per weight.
 *
 * Validation: the newest 25% of positives and the newest 25% of negatives (by visit time) are
 * held out; a model fitted on the rest is compared with the prior on them (AUC, Brier score,
 * calibration). Note: the model returned is then refitted on ALL outcomes with the same
 * settings — the holdout figures describe the procedure, and no outcome is wasted.
 */

export interface OutcomeSample {
  /** The lead's feature vector when it was visited (LEAD_FEATURES order). */
  vector: number[];
  /** appointment or sold. */
  positive: boolean;
  /** ISO time of the visit (orders the holdout). */
  at: string;
}

export interface TrainingOptions {
  /** Id of the new parameters (the registry gives the final one). Default 'lead-score-trained'. */
  id?: string;
  /** L2 pull toward the prior's weights, per weight. Default 15. */
  priorStrength?: number;
  /** Fewest outcomes to train on. Default 40. */
  minOutcomes?: number;
  /** Fewest of each class (positive, negative). Default 10. */
  minPerClass?: number;
  /** Share of each class held out, newest first. Default 0.25. */
  holdoutShare?: number;
}

export const MIN_OUTCOMES = 40;
export const MIN_PER_CLASS = 10;
const DEFAULT_PRIOR_STRENGTH = 15;
/** Note: the bias is barely held: the team's own base rate should win quickly. */
const BIAS_STRENGTH_SHARE = 0.02;

export interface CalibrationBin {
  /** Predicted-probability range [from, to). */
  from: number;
  to: number;
  n: number;
  /** Mean predicted probability in the bin (null when empty). */
  predicted: number | null;
  /** Share of positives in the bin (null when empty). */
  observed: number | null;
}

export interface TrainingMetrics {
  n: number;
  positives: number;
  /** Samples left out because their vector is not a LEAD_FEATURES vector (another model version). */
  skipped: number;
  trainN: number;
  holdoutN: number;
  aucPrior: number;
  aucTrained: number;
  brierPrior: number;
  brierTrained: number;
  calibration: CalibrationBin[];
  calibrationPrior: CalibrationBin[];
  priorStrength: number;
  iterations: number;
}

export type TrainingResult =
  | { ok: true; params: LeadModelParams; metrics: TrainingMetrics }
  | { ok: false; reason: 'too-few-outcomes' | 'too-few-positives' | 'too-few-negatives'; needMore: number; message: string };

export function trainLeadModel(samples: readonly OutcomeSample[], prior: LeadModelParams, options: TrainingOptions = {}): TrainingResult {
  checkLeadParams(prior);
  const minOutcomes = options.minOutcomes ?? MIN_OUTCOMES;
  const minPerClass = options.minPerClass ?? MIN_PER_CLASS;
  const priorStrength = options.priorStrength ?? DEFAULT_PRIOR_STRENGTH;
  const holdoutShare = options.holdoutShare ?? 0.25;
  if (!(priorStrength > 0)) throw new MlError('invalid-option', `priorStrength must be positive, got ${priorStrength}`);
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new MlError('invalid-option', `holdoutShare must be between 0 and 1, got ${holdoutShare}`);

  const usable = samples.filter((s) => s.vector.length === LEAD_FEATURES.length && s.vector.every(Number.isFinite));
  const positives = usable.filter((s) => s.positive).length;
  const negatives = usable.length - positives;
  const shortTotal = minOutcomes - usable.length;
  const shortPos = minPerClass - positives;
  const shortNeg = minPerClass - negatives;
  if (shortTotal > 0 || shortPos > 0 || shortNeg > 0) {
    const needMore = Math.max(shortTotal, shortPos, shortNeg, 0);
    const parts = [
      shortPos > 0 ? `${shortPos} more successful (appointment or sold)` : null,
      shortNeg > 0 ? `${shortNeg} more unsuccessful (not interested or not home)` : null,
    ].filter(Boolean);
    const reason = shortTotal >= Math.max(shortPos, shortNeg) ? 'too-few-outcomes' : shortPos >= shortNeg ? 'too-few-positives' : 'too-few-negatives';
    return {
      ok: false,
      reason,
      needMore,
      message: `Training needs ${minOutcomes} outcomes with at least ${minPerClass} of each kind; there are ${usable.length} (${positives} successful, ${negatives} unsuccessful): needs ${needMore} more outcomes${parts.length ? ` (${parts.join(', ')})` : ''}.`,
    };
  }

  const { train, holdout } = splitByTime(usable, holdoutShare);
  const validated = fitLogistic(train, prior, priorStrength, options.id ?? 'lead-score-trained');
  const priorP = leadProbabilityReference(prior, holdout.map((s) => s.vector));
  const trainedP = leadProbabilityReference(validated.params, holdout.map((s) => s.vector));
  const labels = holdout.map((s) => s.positive);
  const final = fitLogistic(usable, prior, priorStrength, options.id ?? 'lead-score-trained');
  return {
    ok: true,
    params: final.params,
    metrics: {
      n: usable.length,
      positives,
      skipped: samples.length - usable.length,
      trainN: train.length,
      holdoutN: holdout.length,
      aucPrior: auc(priorP, labels),
      aucTrained: auc(trainedP, labels),
      brierPrior: brier(priorP, labels),
      brierTrained: brier(trainedP, labels),
      calibration: calibration(trainedP, labels),
      calibrationPrior: calibration(priorP, labels),
      priorStrength,
      iterations: final.iterations,
    },
  };
}

/** The newest share of each class is held out (ties in time broken by input order: deterministic). */
function splitByTime(samples: readonly OutcomeSample[], share: number): { train: OutcomeSample[]; holdout: OutcomeSample[] } {
  const train: OutcomeSample[] = [];
  const holdout: OutcomeSample[] = [];
  for (const positive of [true, false]) {
    const cls = samples.map((s, i) => ({ s, i })).filter(({ s }) => s.positive === positive);
    cls.sort((a, b) => (a.s.at < b.s.at ? -1 : a.s.at > b.s.at ? 1 : a.i - b.i));
    const keep = cls.length - Math.ceil(cls.length * share);
    for (const [k, { s }] of cls.entries()) (k < keep ? train : holdout).push(s);
  }
  return { train, holdout };
}

/** Penalised logistic regression by Newton steps; θ = [bias, w₁…w_F] over standardised features. */
function fitLogistic(samples: readonly OutcomeSample[], prior: LeadModelParams, strength: number, id: string): { params: LeadModelParams; iterations: number } {
  const f = prior.weights.length;
  const d = f + 1;
  const rows = samples.map((s) => [1, ...s.vector.map((x, i) => (x - prior.mean[i]!) / prior.scale[i]!)]);
  const y = samples.map((s) => (s.positive ? 1 : 0));
  const theta0 = [prior.bias, ...prior.weights];
  const lambda = [strength * BIAS_STRENGTH_SHARE, ...prior.weights.map(() => strength)];
  const theta = [...theta0];
  const objective = (th: readonly number[]): number => {
    let loss = 0;
    for (const [r, z] of rows.entries()) {
      const m = z.reduce((s, zj, j) => s + zj * th[j]!, 0);
      // log(1 + e^m) − y·m, written to stay finite for large |m|.
      loss += (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m))) - y[r]! * m;
    }
    return loss + th.reduce((s, v, j) => s + 0.5 * lambda[j]! * (v - theta0[j]!) ** 2, 0);
  };
  let iterations = 0;
  // Note: Newton converges in ~6 steps here (the penalty keeps the problem strictly convex).
  while (iterations < 50) {
    iterations++;
    const gradient = theta.map((t, j) => lambda[j]! * (t - theta0[j]!));
    const hessian = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => (j === k ? lambda[j]! : 0)));
    for (const [r, z] of rows.entries()) {
      const p = sigmoid(z.reduce((s, zj, j) => s + zj * theta[j]!, 0));
      const w = Math.max(p * (1 - p), 1e-12);
      for (let j = 0; j < d; j++) {
        gradient[j]! += (p - y[r]!) * z[j]!;
        for (let k = 0; k <= j; k++) hessian[j]![k]! += w * z[j]! * z[k]!;
      }
    }
    for (let j = 0; j < d; j++) for (let k = j + 1; k < d; k++) hessian[j]![k] = hessian[k]![j]!;
    const step = solveSpd(hessian, gradient);
    // Note: a full Newton step can overshoot when predictions saturate (the bias is barely held);
    // halving until the penalised loss falls keeps every step downhill, so the fit converges.
    const before = objective(theta);
    let t = 1;
    let next = theta.map((v, j) => v - step[j]!);
    while (objective(next) > before && t > 1e-6) {
      t /= 2;
      next = theta.map((v, j) => v - t * step[j]!);
    }
    const largest = Math.max(...next.map((v, j) => Math.abs(v - theta[j]!)));
    theta.splice(0, d, ...next);
    if (largest < 1e-9) break;
  }
  if (!theta.every(Number.isFinite)) throw new MlError('inference-failed', 'Training diverged (a weight is not a finite number); nothing was written');
  return { params: { id, weights: theta.slice(1), bias: theta[0]!, mean: [...prior.mean], scale: [...prior.scale] }, iterations };
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Solves A x = b for a symmetric positive-definite A (Cholesky). */
function solveSpd(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(sum > 0)) throw new MlError('inference-failed', 'Training hit a singular system; nothing was written');
        l[i]![i] = Math.sqrt(sum);
      } else l[i]![j] = sum / l[j]![j]!;
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i]![k]! * z[k]!;
    z[i] = sum / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k]![i]! * x[k]!;
    x[i] = sum / l[i]![i]!;
  }
  return x;
}

/** Area under the ROC curve: P(a random positive scores above a random negative), ties count half. */
export function auc(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((s, i) => ({ s, p: positive[i]! })).sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]!.s === order[i]!.s) j++;
    const meanRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (order[k]!.p) {
      rankSumPos += meanRank;
      nPos++;
    }
    i = j;
  }
  const nNeg = order.length - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function brier(probabilities: readonly number[], positive: readonly boolean[]): number {
  return probabilities.reduce((s, p, i) => s + (p - (positive[i] ? 1 : 0)) ** 2, 0) / Math.max(1, probabilities.length);
}

export function calibration(probabilities: readonly number[], positive: readonly boolean[], bins = 5): CalibrationBin[] {
  return Array.from({ length: bins }, (_, b) => {
    const from = b / bins;
    const to = (b + 1) / bins;
    const inBin = probabilities.map((p, i) => ({ p, y: positive[i]! })).filter(({ p }) => p >= from && (p < to || (b === bins - 1 && p <= 1)));
    const n = inBin.length;
    return {
      from,
      to,
      n,
      predicted: n ? inBin.reduce((s, { p }) => s + p, 0) / n : null,
      observed: n ? inBin.filter(({ y }) => y).length / n : null,
    };
  });
}
