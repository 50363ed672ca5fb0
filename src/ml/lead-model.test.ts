import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { LEAD_FEATURES, leadFeatures, type LeadFeatureInput } from '../core/leads/lead-features';
import { buildLeadModelOnnx, DEFAULT_LEAD_PRIOR, leadModelFromOnnx, openLeadScorer, leadProbabilityReference, leadScoreFromProbability, scoreLeadReference } from './lead-model';
import { LINEAR_INPUT, LINEAR_OUTPUT } from './linear-onnx';
import { writeDefaultLeadModel } from './model-build';

const NOW = new Date('2025-06-01T00:00:00Z');
const RADIUS = 1609.344;

function house(hail: { size: number | null; distanceM?: number; at?: string }, roofAgeYears: number | null, overrides: Partial<LeadFeatureInput> = {}): LeadFeatureInput {
  return {
    property: { marketValueUsd: 280_000, assessedValueUsd: null, ownerOccupied: true, lastRoofPermitAt: null },
    condition: null,
    facts: {
      roofAgeYears,
      roofAgeSource: roofAgeYears === null ? null : 'year-built',
      material: null,
      hail: { maxSizeInches: hail.size, nearestM: hail.size ? (hail.distanceM ?? 600) : null, lastAt: hail.size ? (hail.at ?? '2025-01-01T00:00:00Z') : null, reports: hail.size ? 1 : 0, radiusM: RADIUS, windowMonths: 24 },
    },
    income: 70_000,
    now: NOW,
    ...overrides,
  };
}
const score = (i: LeadFeatureInput) => scoreLeadReference(DEFAULT_LEAD_PRIOR, leadFeatures(i).vector).score;

describe('lead model (default prior)', () => {
  it('never scores a door lower for more hail, closer or more recent hail, or an older roof', () => {
    const sizes = [null, 0.75, 1, 1.5, 1.75, 2.5];
    const scores = sizes.map((size) => score(house({ size }, 15)));
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThanOrEqual(scores[i - 1]!);
    expect(scores.at(-1)!).toBeGreaterThan(scores[0]!);
    const distances = [1500, 1000, 400, 50].map((distanceM) => score(house({ size: 1.5, distanceM }, 15)));
    for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeGreaterThanOrEqual(distances[i - 1]!);
    const recency = ['2023-08-01', '2024-06-01', '2025-05-01'].map((at) => score(house({ size: 1.5, at }, 15)));
    for (let i = 1; i < recency.length; i++) expect(recency[i]).toBeGreaterThanOrEqual(recency[i - 1]!);
    const ages = [2, 8, 15, 22, 30, 45].map((age) => score(house({ size: null }, age)));
    for (let i = 1; i < ages.length; i++) expect(ages[i]).toBeGreaterThanOrEqual(ages[i - 1]!);
    expect(ages.at(-1)!).toBeGreaterThan(ages[0]!);
  });

  it('drops a door whose roof was just permitted, and explains the score in plain words, biggest reason first', () => {
    const hit = house({ size: 1.75, distanceM: 640, at: '2025-01-01T00:00:00Z' }, 22);
    const features = leadFeatures(hit);
    const result = scoreLeadReference(DEFAULT_LEAD_PRIOR, features.vector, features.display);
    const permitted = score({ ...hit, property: { ...hit.property, lastRoofPermitAt: '2024-09-01' } });
    expect(permitted).toBeLessThan(result.score - 20);
    expect(result.contributions).toHaveLength(LEAD_FEATURES.length);
    const sizes = result.contributions.map((c) => Math.abs(c.logit));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const hail = result.contributions.find((c) => c.feature === 'hail-max-inches')!;
    expect(hail.logit).toBeGreaterThan(0.5);
    expect(hail.text).toMatch(/^Hail size, 1\.75 in hail, 1 report within 1\.0 mi in 24 months: \+\d\.\d$/);
    // The contributions add up to the model's log-odds.
    const logit = DEFAULT_LEAD_PRIOR.bias + result.contributions.reduce((s, c) => s + c.logit, 0);
    expect(result.probability).toBeCloseTo(1 / (1 + Math.exp(-logit)), 5);
    expect(result.score).toBe(leadScoreFromProbability(result.probability));
    expect(result.inputs).toEqual(features.vector);
  });

  it('the ONNX model gives the reference probabilities (within 1e-6) and reads back as the same parameters', async () => {
    const bytes = buildLeadModelOnnx(DEFAULT_LEAD_PRIOR);
    const vectors = [house({ size: null }, null), house({ size: 1.75 }, 22), house({ size: 2.5, distanceM: 30, at: '2025-05-20' }, 40), house({ size: 1 }, 1, { property: { marketValueUsd: null, assessedValueUsd: 90_000, ownerOccupied: false, lastRoofPermitAt: '2024-01-01' } })].map((i) => leadFeatures(i).vector);
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ [LINEAR_INPUT]: new ort.Tensor('float32', Float32Array.from(vectors.flat()), [vectors.length, LEAD_FEATURES.length]) });
    await session.release();
    const onnx = Array.from(out[LINEAR_OUTPUT]!.data as Float32Array);
    const reference = leadProbabilityReference(DEFAULT_LEAD_PRIOR, vectors);
    reference.forEach((p, i) => expect(Math.abs(p - onnx[i]!)).toBeLessThan(1e-6));
    expect(Math.max(...reference) - Math.min(...reference)).toBeGreaterThan(0.5);
    const back = leadModelFromOnnx(bytes, 'lead-score@v1');
    expect(back.weights).toEqual(DEFAULT_LEAD_PRIOR.weights);
    expect(back.mean).toEqual(DEFAULT_LEAD_PRIOR.mean);
    expect(back.id).toBe('lead-score@v1');
  });

  it('maps probability to a 0–100 score', () => {
    expect([0, 0.004, 0.125, 0.5, 0.999, 1, Number.NaN].map(leadScoreFromProbability)).toEqual([0, 0, 13, 50, 100, 100, 0]);
  });

  it('the build writes the default prior as lead-score.onnx, the same bytes every time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fishmouth-lead-build-'));
    try {
      const written = await writeDefaultLeadModel(dir);
      expect(written.file).toBe('lead-score.onnx');
      const bytes = readFileSync(join(dir, written.file));
      expect(Buffer.from(bytes).equals(Buffer.from(buildLeadModelOnnx(DEFAULT_LEAD_PRIOR)))).toBe(true);
      expect((await writeDefaultLeadModel(dir)).sha256).toBe(written.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a scorer on the model file scores a batch like the reference, with the same explanations', async () => {
    const scorer = await openLeadScorer({ bytes: buildLeadModelOnnx(DEFAULT_LEAD_PRIOR), id: 'lead-score-v1' }, { providers: ['cpu'] });
    const leads = [house({ size: 1.75 }, 22), house({ size: null }, 5)].map((i) => leadFeatures(i));
    const scores = await scorer.score(leads);
    await scorer.close();
    expect(scorer.provider).toBe('cpu');
    scores.forEach((s, i) => {
      const reference = scoreLeadReference({ ...DEFAULT_LEAD_PRIOR, id: 'lead-score-v1' }, leads[i]!.vector, leads[i]!.display);
      expect(Math.abs(s.probability - reference.probability)).toBeLessThan(1e-6);
      expect(s.score).toBe(reference.score);
      expect(s.contributions.map((c) => c.text)).toEqual(reference.contributions.map((c) => c.text));
      expect(s.modelId).toBe('lead-score-v1');
    });
    expect(scores[0]!.score).toBeGreaterThan(scores[1]!.score);
  });
});

