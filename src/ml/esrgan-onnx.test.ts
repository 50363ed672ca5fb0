import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlError } from './errors';
import { convertLayersModelToOnnx } from './esrgan-onnx';
import { readLayersModel, type LayersModel } from './layers-model';
import { findSrPackage, writeSrModels } from './model-build';
import { readManifest } from './model-files';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-esrgan-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const pkg = findSrPackage();
const UCM = '/work/shared/fixtures/aerial-imagery/ucmerced/ucm_denseresidential16.png';

/** A seeded generator: the same "random" image every run. */
function noise(length: number, seed = 7): Float32Array {
  const out = new Float32Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.floor((s / 2 ** 32) * 256);
  }
  return out;
}

/** NHWC 0..255 through TF.js (CPU), clipped as UpscalerJS clips its output. */
async function runTfjs(model: LayersModel, nhwc: Float32Array, h: number, w: number): Promise<Float32Array> {
  const layers = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: model.json.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: model.json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: model.weightData.slice().buffer,
    }),
  );
  const output = tf.tidy(() => (layers.predict(tf.tensor4d(nhwc, [1, h, w, 3])) as tf.Tensor).clipByValue(0, 255));
  const data = (await output.data()) as Float32Array;
  output.dispose();
  layers.dispose();
  return data;
}

async function runOnnx(bytes: Uint8Array, nhwc: Float32Array, h: number, w: number, scale: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const nchw = new Float32Array(nhwc.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) nchw[c * h * w + y * w + x] = nhwc[(y * w + x) * 3 + c]!;
  const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', nchw, [1, 3, h, w]) });
  const out = result[session.outputNames[0]!]!.data as Float32Array;
  await session.release();
  // Back to NHWC to compare with TF.js.
  const H = h * scale;
  const W = w * scale;
  const nhwcOut = new Float32Array(out.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) nhwcOut[(y * W + x) * 3 + c] = out[c * H * W + y * W + x]!;
  return nhwcOut;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('ESRGAN-slim TF.js → ONNX conversion', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('writes x2 and x4 models and a manifest, byte-identical when converted twice', async () => {
    const a = await writeSrModels(join(root, 'a'), pkg);
    const b = await writeSrModels(join(root, 'b'), pkg);
    for (const file of ['esrgan-slim-x2.onnx', 'esrgan-slim-x4.onnx', 'manifest.json']) {
      expect(readFileSync(join(root, 'a', file)).equals(readFileSync(join(root, 'b', file))), file).toBe(true);
    }
    const manifest = await readManifest(join(root, 'a'));
    expect(manifest).toEqual(a.manifest);
    expect(b.manifest).toEqual(a.manifest);
    expect(manifest.models.map((m) => [m.id, m.scale, m.licence])).toEqual([
      [`esrgan-slim-x2@${pkg.version}`, 2, 'MIT'],
      [`esrgan-slim-x4@${pkg.version}`, 4, 'MIT'],
    ]);
    expect(manifest.models[0]!.copyright).toBe('Copyright (c) 2022 Kevin Scott');
    // Convolutions at input resolution plus SR at ×scale: 2×(3·3·3·64 + 3·3·64·64 + …) per input pixel.
    const lowRes = 2 * (9 * 3 * 64 + 9 * 64 * 64 + 2 * 9 * 64 * 4 + 2 * 68 * 64 + 128 * 64 + 9 * 64 * 64 + 25 * 64 * 64 + 9 * 64 * 32);
    expect(manifest.models[0]!.flopsPerInputPixel).toBe(lowRes + 2 * 9 * 32 * 12 + 2 * 9 * 12 * 3 * 4);
    expect(manifest.models[1]!.flopsPerInputPixel).toBe(lowRes + 2 * 9 * 32 * 48 + 2 * 9 * 48 * 3 * 16);
  });

  it('builds a standard NCHW graph: Conv, Relu, Concat on channels, Add, Resize, final Clip 0..255, dynamic size', async () => {
    const model = await readLayersModel(join(pkg.dir, 'models/x4'));
    const literal = convertLayersModelToOnnx(model, { name: 'x4', docString: '', outputRange: [0, 255], fuseUpsampling: false });
    const decoded = onnxProto.onnx.ModelProto.decode(literal.bytes);
    const graph = decoded.graph!;
    const ops = graph.node!.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(12);
    expect(ops.filter((o) => o === 'Relu')).toHaveLength(4);
    expect(ops.at(-1)).toBe('Clip');
    expect(graph.node!.filter((n) => n.opType === 'Concat').every((n) => Number(n.attribute![0]!.i) === 1)).toBe(true);
    const resize = graph.node!.find((n) => n.opType === 'Resize')!;
    const scales = graph.initializer!.find((t) => t.name === resize.input![2])!;
    expect(Array.from(new Float32Array(new Uint8Array(scales.rawData!).slice().buffer))).toEqual([1, 1, 4, 4]);
    expect(graph.input![0]!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 3, 'height', 'width']);
    expect(literal.scale).toBe(4);
    expect(Number(decoded.opsetImport![0]!.version)).toBe(17);

    // The shipped form: the upsampling and the last convolution become Conv + DepthToSpace at the low resolution.
    const fused = convertLayersModelToOnnx(model, { name: 'x4', docString: '', outputRange: [0, 255] });
    const fusedOps = onnxProto.onnx.ModelProto.decode(fused.bytes).graph!.node!.map((n) => n.opType);
    expect(fusedOps).not.toContain('Resize');
    expect(fusedOps.slice(-3)).toEqual(['Conv', 'DepthToSpace', 'Clip']);
    expect([fused.scale, fused.flopsPerInputPixel]).toEqual([4, literal.flopsPerInputPixel]);
  });

  it('refuses a layer it does not know, naming it', async () => {
    const model = await readLayersModel(join(pkg.dir, 'models/x2'));
    const layers = structuredClone(model.json.modelTopology.model_config.config.layers);
    layers.find((l) => l.name === 'UPN1_Relu')!.class_name = 'LeakyReLU';
    const edited = { ...model, json: { ...model.json, modelTopology: { ...model.json.modelTopology, model_config: { class_name: 'Functional' as const, config: { ...model.json.modelTopology.model_config.config, layers } } } } };
    expect(() => convertLayersModelToOnnx(edited, { name: 'x', docString: '', outputRange: null })).toThrow(/Layer "UPN1_Relu" is a LeakyReLU, which the converter does not translate/);
    expect(() => convertLayersModelToOnnx({ ...model, weightData: model.weightData.subarray(0, 1000) }, { name: 'x', docString: '', outputRange: null })).toThrow(MlError);
  });

  it.each([
    [2, true],
    [4, true],
    [2, false],
    [4, false],
  ])('×%i (upsampling fused: %s): ONNX Runtime gives what TF.js gives for the same weights (random 24×24 and a real aerial crop)', async (scale, fuseUpsampling) => {
    const model = await readLayersModel(join(pkg.dir, `models/x${scale}`));
    const { bytes } = convertLayersModelToOnnx(model, { name: 'x', docString: '', outputRange: [0, 255], fuseUpsampling });

    const random = noise(24 * 24 * 3, scale);
    const fromTf = await runTfjs(model, random, 24, 24);
    const fromOnnx = await runOnnx(bytes, random, 24, 24, scale);
    // Measured ≤ 0.0003 on the 0..255 scale: float rounding only.
    expect(maxAbsDiff(fromTf, fromOnnx)).toBeLessThan(0.01);

    const crop = await sharp(UCM).extract({ left: 100, top: 60, width: 32, height: 20 }).removeAlpha().raw().toBuffer();
    const real = Float32Array.from(crop);
    const realTf = await runTfjs(model, real, 20, 32);
    const realOnnx = await runOnnx(bytes, real, 20, 32, scale);
    expect(maxAbsDiff(realTf, realOnnx)).toBeLessThan(0.01);
    // And it is an upscaling of the crop, not noise: mean brightness is kept within a few levels.
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(realOnnx) - mean(real))).toBeLessThan(4);
  }, 120_000);
});
