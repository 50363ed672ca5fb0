import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { HailExposure, RoofFacts, RoofImageFeatures } from '../core/leads/types';
import {
  assessRoof,
  assessRoofs,
  buildRoofConditionOnnx,
  materialRisk,
  referenceRoofConditionRunner,
  ROOF_CONDITION_INPUTS,
  ROOF_CONDITION_MODEL_ID,
  ROOF_CONDITION_PRIOR,
  roofConditionInputs,
  roofConditionReference,
  roofConfidence,
  type RoofConditionRunner,
} from './roof-condition-model';
import { writeRoofConditionModel } from './model-build';
import { readManifest } from './model-files';

const now = new Date('2025-06-15T12:00:00Z');
const noHail: HailExposure = { maxSizeInches: null, nearestM: null, lastAt: null, reports: 0, radiusM: 1609.344, windowMonths: 24 };
const clean: RoofImageFeatures = { version: 1, roofPixels: 5000, darkStreakShare: 0.03, patchiness: 0.25, mossShare: 0, meanLuma: 100, sharpness: 0.9, usable: true };
const facts = (overrides: Partial<RoofFacts> = {}): RoofFacts => ({ roofAgeYears: 12, roofAgeSource: 'year-built', material: 'Composition shingle', hail: noHail, ...overrides });
const hail = (size: number, nearestM: number, lastAt: string): HailExposure => ({ ...noHail, maxSizeInches: size, nearestM, lastAt, reports: 1 });

/** The ONNX model in ONNX Runtime (CPU), as ml-inference runs it. */
async function onnxRunner(): Promise<RoofConditionRunner> {
  const session = await ort.InferenceSession.create(buildRoofConditionOnnx());
  return async (inputs) => {
    const tensor = new ort.Tensor('float32', Float32Array.from(inputs.flat()), [inputs.length, ROOF_CONDITION_INPUTS.length]);
    const result = await session.run({ [session.inputNames[0]!]: tensor });
    return { outputs: Array.from(result[session.outputNames[0]!]!.data as Float32Array), modelId: ROOF_CONDITION_MODEL_ID, sha256: 'onnx' };
  };
}

describe('roof condition model', () => {
  it('ONNX Runtime gives the TypeScript reference probabilities within 1e-5', async () => {
    const run = await onnxRunner();
    const rows: number[][] = [];
    for (let k = 0; k < 300; k += 1) {
      const u = (salt: number) => ((Math.sin(k * 12.9898 + salt * 78.233) * 43758.5453) % 1 + 1) % 1;
      rows.push([u(1) * 45, u(2) * 3.5, u(3), u(4), u(5) * 0.5, u(6), u(7) * 0.3, u(8), u(9) < 0.5 ? 0 : 1]);
    }
    rows.push([1, 0, 0, 0, 0, 0.1, 0, 0.2, 1], [40, 4, 1, 1, 0.5, 1, 0.3, 1, 1]);
    const { outputs } = await run(rows);
    const reference = roofConditionReference(rows);
    expect(outputs).toHaveLength(302);
    for (let k = 0; k < rows.length; k += 1) expect(Math.abs(outputs[k]! - reference[k]!)).toBeLessThan(1e-5);
    // The rows span the scale: sound roofs and failing ones.
    expect(Math.min(...reference)).toBeLessThan(0.05);
    expect(Math.max(...reference)).toBeGreaterThan(0.95);
  });

  it('builds the same bytes every time (the sha256 recorded with each assessment reproduces)', () => {
    expect(Buffer.from(buildRoofConditionOnnx()).equals(Buffer.from(buildRoofConditionOnnx()))).toBe(true);
  });

  it('a new asphalt roof with no hail is sound; an old one hit by large hail and streaked is failing', async () => {
    const run = referenceRoofConditionRunner();
    const young = await assessRoof(clean, facts({ roofAgeYears: 3 }), now, run);
    const old = await assessRoof({ ...clean, darkStreakShare: 0.18, patchiness: 0.6 }, facts({ roofAgeYears: 26, hail: hail(1.75, 600, '2025-02-01T00:00:00Z') }), now, run);
    expect(young.score).toBeGreaterThanOrEqual(85);
    expect(old.score).toBeLessThanOrEqual(15);
    expect(old.modelId).toBe(ROOF_CONDITION_MODEL_ID);
    expect(old.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(old.inputs).toHaveLength(ROOF_CONDITION_INPUTS.length);
  });

  describe('monotone where it must be (ONNX Runtime)', () => {
    async function scores(variants: { features: RoofImageFeatures | null; facts: RoofFacts }[]): Promise<number[]> {
      return (await assessRoofs(variants, now, await onnxRunner())).map((c) => c.score);
    }
    const nonIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x <= xs[i - 1]!);

    it('an older roof is never in better condition', async () => {
      const s = await scores([0, 3, 8, 12, 15, 18, 22, 27, 33, 40, 55].map((age) => ({ features: clean, facts: facts({ roofAgeYears: age }) })));
      expect(nonIncreasing(s)).toBe(true);
      expect(s[0]! - s[s.length - 1]!).toBeGreaterThan(50);
    });

    it('larger, nearer and more recent hail is never better', async () => {
      const sizes = await scores([0.5, 0.75, 1, 1.5, 1.75, 2.5, 4].map((size) => ({ features: clean, facts: facts({ hail: hail(size, 800, '2025-01-01T00:00:00Z') }) })));
      const nearer = await scores([1600, 1200, 800, 400, 100, 0].map((m) => ({ features: clean, facts: facts({ hail: hail(1.75, m, '2025-01-01T00:00:00Z') }) })));
      const recent = await scores(['2023-07-01', '2024-01-01', '2024-09-01', '2025-03-01', '2025-06-10'].map((at) => ({ features: clean, facts: facts({ hail: hail(1.75, 800, `${at}T00:00:00Z`) }) })));
      for (const s of [sizes, nearer, recent]) {
        expect(nonIncreasing(s)).toBe(true);
        expect(s[0]!).toBeGreaterThan(s[s.length - 1]!);
      }
      const none = await scores([{ features: clean, facts: facts() }]);
      expect(sizes[0]!).toBeLessThanOrEqual(none[0]!);
    });

    it('more streaking, patches or moss on a usable picture is never better', async () => {
      const streaks = await scores([0, 0.05, 0.1, 0.2, 0.4].map((share) => ({ features: { ...clean, darkStreakShare: share }, facts: facts() })));
      const patches = await scores([0, 0.2, 0.4, 0.7, 1].map((p) => ({ features: { ...clean, patchiness: p }, facts: facts() })));
      const moss = await scores([0, 0.05, 0.15, 0.4].map((m) => ({ features: { ...clean, mossShare: m }, facts: facts() })));
      for (const s of [streaks, patches, moss]) {
        expect(nonIncreasing(s)).toBe(true);
        expect(s[0]!).toBeGreaterThan(s[s.length - 1]!);
      }
    });
  });

  it('a picture that cannot be judged adds nothing: its features are replaced by the average roof', async () => {
    const run = referenceRoofConditionRunner();
    const blurry = { ...clean, darkStreakShare: 0.5, patchiness: 1, sharpness: 0.1, usable: false };
    const [a, b, c] = await assessRoofs([{ features: blurry, facts: facts() }, { features: { ...blurry, darkStreakShare: 0 }, facts: facts() }, { features: null, facts: facts() }], now, run);
    expect(a!.score).toBe(b!.score);
    expect(a!.score).toBe(c!.score);
    expect(a!.inputs.slice(4, 7)).toEqual(ROOF_CONDITION_PRIOR.mean.slice(4, 7));
    expect(a!.reasons.map((r) => r.code)).toContain('too-blurry');
    expect(c!.reasons.map((r) => r.code)).toContain('no-image');
  });

  it('an unknown roof age counts as the average roof, and says so', async () => {
    const run = referenceRoofConditionRunner();
    const unknown = await assessRoof(clean, facts({ roofAgeYears: null, roofAgeSource: null }), now, run);
    const average = await assessRoof(clean, facts({ roofAgeYears: ROOF_CONDITION_PRIOR.mean[0]! }), now, run);
    expect(unknown.score).toBe(average.score);
    expect(unknown.reasons.map((r) => r.code)).toContain('age-unknown');
    expect(unknown.confidence).toBeLessThan(average.confidence);
  });

  it('metal and tile outlast asphalt of the same age', async () => {
    const run = referenceRoofConditionRunner();
    const at = (material: string) => assessRoof(clean, facts({ roofAgeYears: 22, material }), now, run).then((c) => c.score);
    expect(await at('Metal')).toBeGreaterThan(await at('Concrete tile'));
    expect(await at('Concrete tile')).toBeGreaterThan(await at('Composition shingle'));
    expect(materialRisk('Architectural shingle')).toBe(1);
    expect(materialRisk(null)).toBe(0.85);
  });

  it('reasons match the facts they come from', async () => {
    const run = referenceRoofConditionRunner();
    const condition = await assessRoof({ ...clean, darkStreakShare: 0.2 }, facts({ roofAgeYears: 23, hail: hail(1.75, 640, '2025-01-10T20:00:00Z') }), now, run);
    expect(condition.reasons).toEqual([
      { code: 'roof-age-over-20', text: 'Roof about 23 years old (built 2002)' },
      { code: 'hail-large-recent', text: 'Hail 1.75 in reported 0.4 mi away, 5 months ago' },
      { code: 'dark-streaking', text: 'Dark streaking on about 20% of the roof' },
    ]);
  });

  it('confidence: a usable picture and a known roof year are high; records alone less; nothing, low', () => {
    expect(roofConfidence(clean, facts({ roofAgeSource: 'roof-permit' }))).toBe(1);
    expect(roofConfidence(clean, facts())).toBe(0.9);
    expect(roofConfidence(null, facts({ roofAgeSource: 'roof-installed' }))).toBe(0.55);
    expect(roofConfidence({ ...clean, usable: false }, facts({ roofAgeYears: null, roofAgeSource: null }))).toBe(0.2);
  });

  it('inputs are documented transforms of the facts, in order', () => {
    const inputs = roofConditionInputs(clean, facts({ roofAgeYears: 70, material: 'Metal', hail: hail(5, 1609.344, '2024-06-15T12:00:00Z') }), now);
    expect(inputs[0]).toBe(40);
    expect(inputs[1]).toBe(4);
    expect(inputs[2]).toBeCloseTo(Math.exp(-1), 2);
    expect(inputs[3]).toBeCloseTo(Math.exp(-1), 9);
    expect(inputs.slice(4)).toEqual([0.03, 0.25, 0, 0.2, 1]);
  });

  it('a model answering the wrong number of rows is an error, not a silent mismatch', async () => {
    const broken: RoofConditionRunner = async () => ({ outputs: [0.5], modelId: 'x', sha256: 'y' });
    await expect(assessRoofs([{ features: clean, facts: facts() }, { features: null, facts: facts() }], now, broken)).rejects.toThrow(/1 rows for 2 roofs/);
  });

  it('the build writes models/roof-condition.onnx and lists it in the manifest beside the super-resolution models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-roof-model-'));
    try {
      const sr = { id: 'esrgan-slim-x2@test', task: 'super-resolution', scale: 2, file: 'esrgan-slim-x2.onnx', sha256: 'a'.repeat(64), bytes: 1, flopsPerInputPixel: 1, inputName: 'LR', outputName: 'SR', inputRange: [0, 255], outputRange: [0, 255], source: { package: 'p', version: '1', path: 'x2', sha256: 's' }, licence: 'MIT', copyright: 'c', converter: 'v' };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ models: [sr] }));
      const entry = await writeRoofConditionModel(dir);
      const again = await writeRoofConditionModel(dir);
      expect(again.sha256).toBe(entry.sha256);
      const bytes = readFileSync(join(dir, 'roof-condition.onnx'));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { models: unknown[]; tabular: unknown[] };
      expect(manifest.tabular).toEqual([entry]);
      expect(entry).toMatchObject({ id: ROOF_CONDITION_MODEL_ID, task: 'roof-condition', inputs: [...ROOF_CONDITION_INPUTS] });
      // The super-resolution readers still read their models.
      expect((await readManifest(dir)).models).toHaveLength(1);
      const session = await ort.InferenceSession.create(new Uint8Array(bytes));
      expect(session.inputNames).toEqual([entry.inputName]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
