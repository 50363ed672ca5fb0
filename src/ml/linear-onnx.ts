import onnxProto from 'onnx-proto';
import { MlError } from './errors';

/**
 * A standardised linear model (optionally logistic) written as a standard ONNX graph, and the
 * same arithmetic in TypeScript. The lead score and the roof condition are both such models:
 * small enough to explain term by term, still run by ONNX Runtime like every local model.
 *
 *   features [N, F] → Sub mean → Div scale → MatMul W [F, 1] → Add bias → Sigmoid → output [N, 1]
 *
 * Note: the bytes are a pure function of the spec (no timestamps, sorted metadata), so the same
 * spec always gives the same file and sha256; the spec itself rides in metadata_props so a model
 * file read back from disk can be explained without anything else (readLinearSpec).
 */

const { onnx } = onnxProto;

export const LINEAR_ONNX_VERSION = '1.0.0';
export const LINEAR_OPSET = 17;
export const LINEAR_INPUT = 'features';
export const LINEAR_OUTPUT = 'output';
/** metadata_props key holding the JSON spec. */
export const LINEAR_SPEC_KEY = 'fishmouth.linear-spec';

export interface LinearSpec {
  name: string;
  weights: number[];
  bias: number;
  /** Per-feature centre subtracted first (default 0). */
  mean?: number[];
  /** Per-feature divisor after centring (default 1); never 0. */
  scale?: number[];
  activation: 'sigmoid' | 'none';
  doc: string;
  metadata?: Record<string, string>;
}

function checkSpec(spec: LinearSpec): void {
  const f = spec.weights.length;
  if (f === 0) throw new MlError('invalid-option', `Linear model "${spec.name}" has no weights`);
  const finite = (xs: number[], what: string) => {
    const bad = xs.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new MlError('invalid-option', `Linear model "${spec.name}": ${what}[${bad}] is ${xs[bad]}, not a finite number`);
  };
  finite(spec.weights, 'weights');
  finite([spec.bias], 'bias');
  for (const [key, xs] of [['mean', spec.mean], ['scale', spec.scale]] as const) {
    if (!xs) continue;
    if (xs.length !== f) throw new MlError('invalid-option', `Linear model "${spec.name}": ${key} has ${xs.length} values for ${f} weights`);
    finite(xs, key);
  }
  const zero = spec.scale?.findIndex((s) => s === 0) ?? -1;
  if (zero >= 0) throw new MlError('invalid-option', `Linear model "${spec.name}": scale[${zero}] is 0 (a feature that never varies cannot be standardised)`);
  if (spec.activation !== 'sigmoid' && spec.activation !== 'none') throw new MlError('invalid-option', `Linear model "${spec.name}": activation "${String(spec.activation)}" is not sigmoid or none`);
}

function floats(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  const data = new Uint8Array(values.length * 4);
  const view = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: data };
}

/** The spec as stored in the file: only what defines the arithmetic, in a fixed key order. */
function specJson(spec: LinearSpec): string {
  return JSON.stringify({ name: spec.name, weights: spec.weights, bias: spec.bias, mean: spec.mean ?? null, scale: spec.scale ?? null, activation: spec.activation });
}

export function buildLinearOnnx(spec: LinearSpec): Uint8Array {
  checkSpec(spec);
  const f = spec.weights.length;
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  const node = (opType: string, inputs: string[], output: string) => {
    nodes.push({ opType, input: inputs, output: [output], name: output });
    return output;
  };
  let x = LINEAR_INPUT;
  if (spec.mean) {
    initializers.push(floats('mean', [f], spec.mean));
    x = node('Sub', [x, 'mean'], 'centred');
  }
  if (spec.scale) {
    initializers.push(floats('scale', [f], spec.scale));
    x = node('Div', [x, 'scale'], 'standardised');
  }
  initializers.push(floats('weights', [f, 1], spec.weights), floats('bias', [1], [spec.bias]));
  x = node('MatMul', [x, 'weights'], 'weighted');
  if (spec.activation === 'sigmoid') {
    x = node('Add', [x, 'bias'], 'logit');
    node('Sigmoid', [x], LINEAR_OUTPUT);
  } else {
    node('Add', [x, 'bias'], LINEAR_OUTPUT);
  }
  const metadata = Object.entries({ ...(spec.metadata ?? {}), [LINEAR_SPEC_KEY]: specJson(spec) }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const valueInfo = (name: string, width: number): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: LINEAR_OPSET }],
    producerName: 'fishmouth linear-onnx',
    producerVersion: LINEAR_ONNX_VERSION,
    docString: spec.doc,
    metadataProps: metadata.map(([key, value]) => ({ key, value })),
    graph: { name: spec.name, node: nodes, initializer: initializers, input: [valueInfo(LINEAR_INPUT, f)], output: [valueInfo(LINEAR_OUTPUT, 1)] },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The spec and metadata a file built by buildLinearOnnx carries, or an MlError saying what is wrong. */
export function readLinearSpec(bytes: Uint8Array): LinearSpec {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new MlError('model-invalid', `Not an ONNX model file: ${(error as Error).message}`, { cause: error });
  }
  const props = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const raw = props.get(LINEAR_SPEC_KEY);
  if (!raw) throw new MlError('model-invalid', `The ONNX model "${model.graph?.name ?? '?'}" carries no ${LINEAR_SPEC_KEY}: it was not built by fishmouth linear-onnx`);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>;
  } catch (error) {
    throw new MlError('model-invalid', `The ONNX model's ${LINEAR_SPEC_KEY} is not JSON`, { cause: error });
  }
  const numbers = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((n) => typeof n === 'number') ? (v as number[]) : undefined);
  const weights = numbers(parsed.weights);
  const activation = parsed.activation;
  if (!weights || typeof parsed.bias !== 'number' || (activation !== 'sigmoid' && activation !== 'none')) {
    throw new MlError('model-invalid', `The ONNX model's ${LINEAR_SPEC_KEY} lacks weights, bias or activation`);
  }
  props.delete(LINEAR_SPEC_KEY);
  const spec: LinearSpec = {
    name: typeof parsed.name === 'string' ? parsed.name : (model.graph?.name ?? ''),
    weights,
    bias: parsed.bias,
    activation,
    doc: model.docString ?? '',
    metadata: Object.fromEntries(props),
  };
  const mean = numbers(parsed.mean);
  const scale = numbers(parsed.scale);
  if (mean) spec.mean = mean;
  if (scale) spec.scale = scale;
  checkSpec(spec);
  return spec;
}

/**
 * The graph's arithmetic in TypeScript, float32 step by step as ONNX Runtime does it, so the
 * reference and the model agree to float32 rounding. One output per input row.
 */
export function linearReference(spec: LinearSpec, inputs: number[][]): number[] {
  checkSpec(spec);
  const f32 = Math.fround;
  const f = spec.weights.length;
  return inputs.map((row, r) => {
    if (row.length !== f) throw new MlError('invalid-option', `Row ${r} has ${row.length} features; the model "${spec.name}" takes ${f}`);
    let sum = 0;
    for (let i = 0; i < f; i++) {
      let x = f32(row[i]!);
      if (spec.mean) x = f32(x - f32(spec.mean[i]!));
      if (spec.scale) x = f32(x / f32(spec.scale[i]!));
      sum = f32(sum + f32(x * f32(spec.weights[i]!)));
    }
    const z = f32(sum + f32(spec.bias));
    return spec.activation === 'sigmoid' ? f32(1 / (1 + Math.exp(-z))) : z;
  });
}
