import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { MlError } from './errors';
import { buildLinearOnnx, LINEAR_INPUT, LINEAR_OUTPUT, linearReference, readLinearSpec, type LinearSpec } from './linear-onnx';

/** A seeded generator: the same rows every run. */
function rows(n: number, f: number, seed = 11): number[][] {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, () => Array.from({ length: f }, (_, i) => (next() - 0.5) * 10 ** (i % 4)));
}

async function runOrt(bytes: Uint8Array, inputs: number[][]): Promise<{ values: number[]; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  const f = inputs[0]!.length;
  const data = Float32Array.from(inputs.flat());
  const result = await session.run({ [LINEAR_INPUT]: new ort.Tensor('float32', data, [inputs.length, f]) });
  const output = result[LINEAR_OUTPUT]!;
  await session.release();
  return { values: Array.from(output.data as Float32Array), dims: output.dims };
}

const spec: LinearSpec = {
  name: 'test-linear',
  weights: [0.8, -1.3, 0.05, 2.2, -0.4],
  bias: -0.7,
  mean: [0.1, -0.2, 3, 40, 0],
  scale: [1.5, 0.7, 2, 25, 1],
  activation: 'sigmoid',
  doc: 'A test model',
  metadata: { kind: 'test', trainedOn: '0' },
};

describe('linear ONNX model', () => {
  it('ONNX Runtime gives the same probabilities as the TypeScript reference (within 1e-6)', async () => {
    const inputs = rows(64, spec.weights.length);
    const onnx = await runOrt(buildLinearOnnx(spec), inputs);
    expect(onnx.dims).toEqual([64, 1]);
    const reference = linearReference(spec, inputs);
    const worst = Math.max(...reference.map((r, i) => Math.abs(r - onnx.values[i]!)));
    expect(worst).toBeLessThan(1e-6);
    // Not a degenerate check: the outputs spread over the probability range.
    expect(Math.min(...reference)).toBeLessThan(0.2);
    expect(Math.max(...reference)).toBeGreaterThan(0.8);
  });

  it('without standardisation or a sigmoid it is a plain linear function, also matched', async () => {
    const plain: LinearSpec = { name: 'plain', weights: [2, -3], bias: 100, activation: 'none', doc: '' };
    const inputs = [[0, 0], [1, 1], [10.5, -2.25]];
    expect(linearReference(plain, inputs)).toEqual([100, 99, 127.75]);
    const onnx = await runOrt(buildLinearOnnx(plain), inputs);
    expect(onnx.values).toEqual([100, 99, 127.75]);
  });

  it('writes the same bytes for the same spec and carries the spec back out of the file', () => {
    const a = buildLinearOnnx(spec);
    expect(Buffer.from(buildLinearOnnx({ ...spec, metadata: { trainedOn: '0', kind: 'test' } })).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(buildLinearOnnx({ ...spec, bias: -0.71 })).equals(Buffer.from(a))).toBe(false);
    const back = readLinearSpec(a);
    expect(back).toEqual({ ...spec, metadata: { kind: 'test', trainedOn: '0' } });
  });

  it('refuses a spec that cannot be a model, and a file that is not one of ours', () => {
    expect(() => buildLinearOnnx({ ...spec, scale: [1, 0, 1, 1, 1] })).toThrow(/scale\[1\] is 0/);
    expect(() => buildLinearOnnx({ ...spec, mean: [0, 0] })).toThrow(/mean has 2 values for 5 weights/);
    expect(() => buildLinearOnnx({ ...spec, weights: [1, Number.NaN, 0, 0, 0] })).toThrow(MlError);
    expect(() => linearReference(spec, [[1, 2]])).toThrow(/Row 0 has 2 features/);
    expect(() => readLinearSpec(new TextEncoder().encode('<html>502 Bad Gateway</html>'))).toThrow(MlError);
  });
});
