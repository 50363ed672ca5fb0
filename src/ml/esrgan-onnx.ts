import onnxProto from 'onnx-proto';
import { MlError } from './errors';
import { weightsByName, type KerasLayer, type LayersModel, type NamedWeight } from './layers-model';
import { fuseNearestUpsampleIntoConv } from './subpixel';

/**
 * Translates a TF.js layers model (Keras functional graph, NHWC) into a standard ONNX model
 * (NCHW), layer by layer from the graph's inbound nodes. It knows the layers of image-to-image
 * convolutional nets such as ESRGAN-slim's RDN (Conv2D, Activation/ReLU, Concatenate, Add,
 * UpSampling2D) and refuses anything else by name, so a changed upstream model fails loudly
 * instead of converting into something subtly different.
 *
 * Note: the output is a pure function of the input (no timestamps, stable node order), so
 * converting the same package twice gives byte-identical files and a stable sha256.
 */

const { onnx } = onnxProto;

export const CONVERTER_VERSION = '1.0.0';
export const ONNX_OPSET = 17;
const SUPPORTED = ['InputLayer', 'Conv2D', 'Activation', 'ReLU', 'Concatenate', 'Add', 'UpSampling2D'];

export interface ConvertOptions {
  /** Graph name, e.g. 'esrgan-slim-x2'. */
  name: string;
  /** Written into the model's doc string (source and licence). */
  docString: string;
  /** Clip the output to this range (the model's output range), or null. */
  outputRange: [number, number] | null;
  /** Extra key/values in the model's metadata_props (sorted by key for stable bytes). */
  metadata?: Record<string, string>;
  /**
   * Nearest UpSampling2D feeding only a 'same' Conv2D becomes Conv + DepthToSpace at the low
   * resolution (subpixel.ts): the same function, computed without the wide upsampled tensor.
   * Default true; false keeps the literal Resize → Conv.
   */
  fuseUpsampling?: boolean;
}

export interface ConvertedModel {
  bytes: Uint8Array;
  /** Output edge ÷ input edge. */
  scale: number;
  /** 2 × multiply-adds of every convolution at its resolution, per input pixel. */
  flopsPerInputPixel: number;
  inputName: string;
  outputName: string;
  nodeCount: number;
}

interface Tensor {
  name: string;
  channels: number;
  /** Spatial size relative to the model input (UpSampling2D multiplies it). */
  resolution: number;
}

class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  flops = 0;

  node(opType: string, inputs: string[], output: string, attributes: onnxProto.onnx.IAttributeProto[] = []): string {
    this.nodes.push({ opType, input: inputs, output: [output], name: output, attribute: attributes });
    return output;
  }

  floats(name: string, dims: number[], values: Float32Array | number[]): string {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: data });
    return name;
  }
}

const ints = (name: string, values: number[]): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
const int = (name: string, value: number): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
const text = (name: string, value: string): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) });

export function convertLayersModelToOnnx(model: LayersModel, options: ConvertOptions): ConvertedModel {
  const config = model.json.modelTopology.model_config.config;
  if (config.input_layers.length !== 1 || config.output_layers.length !== 1) {
    throw new MlError('unsupported-layer', `The model has ${config.input_layers.length} inputs and ${config.output_layers.length} outputs; the converter translates image models with one of each`);
  }
  const layers = new Map(config.layers.map((l) => [l.name, l]));
  const weights = weightsByName(model);
  const graph = new GraphBuilder();
  const tensors = new Map<string, Tensor>();
  const outputLayer = config.output_layers[0]![0];
  const visiting = new Set<string>();
  const consumers = new Map<string, number>();
  for (const layer of config.layers) for (const ref of layer.inbound_nodes.flat()) consumers.set(ref[0], (consumers.get(ref[0]) ?? 0) + 1);

  // Note: depth-first from the output, inputs in their listed order: a stable topological order.
  const visit = (name: string): Tensor => {
    const done = tensors.get(name);
    if (done) return done;
    const layer = layers.get(name);
    if (!layer) throw new MlError('model-invalid', `Layer "${name}" is referenced but not defined in model.json`);
    if (visiting.has(name)) throw new MlError('model-invalid', `Layer "${name}" feeds itself: the graph has a cycle`);
    if (layer.inbound_nodes.length > 1) throw new MlError('unsupported-layer', `Layer "${name}" is called ${layer.inbound_nodes.length} times; shared layers are not translated`);
    visiting.add(name);
    const upsample = options.fuseUpsampling === false ? undefined : fusableUpsampling(layer, layers, consumers);
    const sources = upsample ? upsample.layer.inbound_nodes[0]! : (layer.inbound_nodes[0] ?? []);
    const inputs = sources.map((ref) => {
      if (ref[1] !== 0 || ref[2] !== 0) throw new MlError('unsupported-layer', `Layer "${name}" reads output ${ref[2]} of call ${ref[1]} of "${ref[0]}"; only single-output layers are translated`);
      return visit(ref[0]);
    });
    visiting.delete(name);
    const out = name === outputLayer && options.outputRange ? `${name}/unclipped` : name;
    const tensor = upsample ? conv2d(layer, inputs[0]!, out, graph, weights, upsample.factor) : translate(layer, inputs, out, graph, weights);
    tensors.set(name, tensor);
    return tensor;
  };

  const inputLayer = layers.get(config.input_layers[0]![0]);
  if (!inputLayer || inputLayer.class_name !== 'InputLayer') throw new MlError('model-invalid', 'The model input is not an InputLayer');
  const result = visit(outputLayer);
  const input = tensors.get(inputLayer.name)!;
  if (result.resolution !== Math.round(result.resolution)) throw new MlError('unsupported-layer', `The model scales by ${result.resolution}, not a whole number`);

  let outputName = result.name;
  if (options.outputRange) {
    const [lo, hi] = options.outputRange;
    outputName = graph.node('Clip', [result.name, graph.floats(`${outputLayer}/clip_min`, [], [lo]), graph.floats(`${outputLayer}/clip_max`, [], [hi])], outputLayer);
  }

  const dim = (param: string) => ({ dimParam: param });
  const valueInfo = (name: string, channels: number, h: string, w: string): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [dim('batch'), { dimValue: channels }, dim(h), dim(w)] } } },
  });
  const metadata = Object.entries(options.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const modelProto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'fishmouth esrgan-onnx',
    producerVersion: CONVERTER_VERSION,
    docString: options.docString,
    metadataProps: metadata.map(([key, value]) => ({ key, value })),
    graph: {
      name: options.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(input.name, input.channels, 'height', 'width')],
      output: [valueInfo(outputName, result.channels, 'height_out', 'width_out')],
    },
  });
  return {
    bytes: onnx.ModelProto.encode(modelProto).finish(),
    scale: result.resolution,
    flopsPerInputPixel: graph.flops,
    inputName: input.name,
    outputName,
    nodeCount: graph.nodes.length,
  };
}

/** One Keras layer → ONNX nodes writing the tensor named `out`. */
function translate(layer: KerasLayer, inputs: Tensor[], out: string, graph: GraphBuilder, weights: Map<string, NamedWeight>): Tensor {
  const c = layer.config;
  const single = (): Tensor => {
    if (inputs.length !== 1) throw new MlError('model-invalid', `Layer "${layer.name}" (${layer.class_name}) has ${inputs.length} inputs, expected 1`);
    return inputs[0]!;
  };
  switch (layer.class_name) {
    case 'InputLayer': {
      const shape = (c.batch_input_shape ?? c.batch_shape) as unknown;
      const channels = Array.isArray(shape) && shape.length === 4 ? shape[3] : undefined;
      if (typeof channels !== 'number') throw new MlError('unsupported-layer', `Input "${layer.name}" is not an NHWC image with a fixed channel count`);
      return { name: layer.name, channels, resolution: 1 };
    }
    case 'Conv2D':
      return conv2d(layer, single(), out, graph, weights);
    case 'Activation':
      return activation(layer.name, String(c.activation), single(), out, graph);
    case 'ReLU': {
      if ((c.max_value ?? null) !== null || Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0) {
        throw new MlError('unsupported-layer', `ReLU "${layer.name}" has a cap, slope or threshold, which the converter does not translate`);
      }
      return activation(layer.name, 'relu', single(), out, graph);
    }
    case 'Concatenate': {
      const axis = nchwAxis(layer.name, Number(c.axis ?? -1));
      if (axis !== 1) throw new MlError('unsupported-layer', `Concatenate "${layer.name}" joins along a spatial axis; only channel concatenation is translated`);
      if (new Set(inputs.map((t) => t.resolution)).size > 1) throw new MlError('model-invalid', `Concatenate "${layer.name}" joins tensors of different sizes`);
      graph.node('Concat', inputs.map((t) => t.name), out, [int('axis', axis)]);
      return { name: out, channels: inputs.reduce((n, t) => n + t.channels, 0), resolution: inputs[0]!.resolution };
    }
    case 'Add': {
      if (inputs.length < 2) throw new MlError('model-invalid', `Add "${layer.name}" has fewer than two inputs`);
      graph.node(inputs.length === 2 ? 'Add' : 'Sum', inputs.map((t) => t.name), out);
      return { name: out, channels: inputs[0]!.channels, resolution: inputs[0]!.resolution };
    }
    case 'UpSampling2D': {
      const input = single();
      const size = c.size as unknown;
      if (!Array.isArray(size) || size.length !== 2 || size[0] !== size[1] || !Number.isInteger(size[0]) || size[0] < 1) {
        throw new MlError('unsupported-layer', `UpSampling2D "${layer.name}" has size ${JSON.stringify(size)}; only equal whole-number factors are translated`);
      }
      if (c.data_format !== undefined && c.data_format !== 'channels_last') throw new MlError('unsupported-layer', `UpSampling2D "${layer.name}" is not channels_last`);
      const factor = size[0] as number;
      // Note: Keras nearest/bilinear upsampling samples at i/factor (no half-pixel centres):
      // ONNX Resize 'asymmetric' with floor rounding is the same mapping.
      const interpolation = String(c.interpolation ?? 'nearest');
      if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new MlError('unsupported-layer', `UpSampling2D "${layer.name}" uses ${interpolation} interpolation`);
      const scales = graph.floats(`${layer.name}/scales`, [4], [1, 1, factor, factor]);
      const attributes = [text('mode', interpolation === 'nearest' ? 'nearest' : 'linear'), text('coordinate_transformation_mode', 'asymmetric')];
      if (interpolation === 'nearest') attributes.push(text('nearest_mode', 'floor'));
      graph.node('Resize', [input.name, '', scales], out, attributes);
      return { name: out, channels: input.channels, resolution: input.resolution * factor };
    }
    default:
      throw new MlError('unsupported-layer', `Layer "${layer.name}" is a ${layer.class_name}, which the converter does not translate (it knows ${SUPPORTED.join(', ')})`);
  }
}

/** The nearest UpSampling2D feeding this 'same' Conv2D and nothing else, with its factor. */
function fusableUpsampling(layer: KerasLayer, layers: Map<string, KerasLayer>, consumers: Map<string, number>): { layer: KerasLayer; factor: number } | undefined {
  if (layer.class_name !== 'Conv2D' || layer.config.padding !== 'same' || layer.inbound_nodes.length !== 1 || layer.inbound_nodes[0]!.length !== 1) return undefined;
  const source = layers.get(layer.inbound_nodes[0]![0]![0]);
  if (!source || source.class_name !== 'UpSampling2D' || (source.config.interpolation ?? 'nearest') !== 'nearest' || consumers.get(source.name) !== 1) return undefined;
  if (source.inbound_nodes.length !== 1 || source.inbound_nodes[0]!.length !== 1) return undefined;
  const size = source.config.size as unknown;
  if (!Array.isArray(size) || size.length !== 2 || size[0] !== size[1] || !Number.isInteger(size[0]) || size[0] < 2) return undefined;
  if (source.config.data_format !== undefined && source.config.data_format !== 'channels_last') return undefined;
  return { layer: source, factor: size[0] as number };
}

/** A Conv2D; with `upsample` > 1, fused with the nearest upsampling before it (subpixel.ts). */
function conv2d(layer: KerasLayer, input: Tensor, out: string, graph: GraphBuilder, weights: Map<string, NamedWeight>, upsample = 1): Tensor {
  const c = layer.config;
  const pair = (value: unknown, what: string): [number, number] => {
    if (Array.isArray(value) && value.length === 2 && value.every(Number.isInteger)) return [value[0] as number, value[1] as number];
    throw new MlError('unsupported-layer', `Conv2D "${layer.name}" has ${what} ${JSON.stringify(value)}`);
  };
  const [sh, sw] = pair(c.strides ?? [1, 1], 'strides');
  const [dh, dw] = pair(c.dilation_rate ?? [1, 1], 'dilation');
  if (sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) throw new MlError('unsupported-layer', `Conv2D "${layer.name}" has strides or dilation other than 1, which the converter does not translate`);
  if ((c.groups ?? 1) !== 1) throw new MlError('unsupported-layer', `Conv2D "${layer.name}" is a grouped convolution`);
  if (c.data_format !== undefined && c.data_format !== 'channels_last') throw new MlError('unsupported-layer', `Conv2D "${layer.name}" is not channels_last`);
  const padding = String(c.padding);
  if (padding !== 'same' && padding !== 'valid') throw new MlError('unsupported-layer', `Conv2D "${layer.name}" has padding ${padding}`);

  const kernel = weights.get(`${layer.name}/kernel`);
  if (!kernel || kernel.shape.length !== 4) throw new MlError('model-invalid', `Conv2D "${layer.name}" has no 4-D weight ${layer.name}/kernel`);
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  if (cin !== input.channels) throw new MlError('model-invalid', `Conv2D "${layer.name}" expects ${cin} channels but receives ${input.channels}`);

  const bias = c.use_bias === false ? undefined : weights.get(`${layer.name}/bias`);
  if (c.use_bias !== false && (!bias || bias.values.length !== cout)) throw new MlError('model-invalid', `Conv2D "${layer.name}" has no bias of ${cout} values`);
  // Note: counted as the original graph computes it (upsampled), which the fused form equals.
  graph.flops += 2 * kh * kw * cin * cout * (input.resolution * upsample) ** 2;
  const activationName = String(c.activation ?? 'linear');
  const convOut = activationName === 'linear' ? out : `${layer.name}/linear`;

  let conv: Tensor;
  if (upsample > 1) {
    const fused = fuseNearestUpsampleIntoConv(kernel.values, kh, kw, cin, cout, upsample);
    const inputs = [input.name, graph.floats(`${layer.name}/kernel_subpixel`, [fused.outChannels, cin, ...fused.kernel], fused.weights)];
    if (bias) inputs.push(graph.floats(`${layer.name}/bias_subpixel`, [fused.outChannels], Float32Array.from({ length: fused.outChannels }, (_, k) => bias.values[Math.floor(k / (upsample * upsample))]!)));
    graph.node('Conv', inputs, `${layer.name}/subpixel`, [ints('kernel_shape', fused.kernel), ints('pads', fused.pads), ints('strides', [1, 1]), ints('dilations', [1, 1])]);
    graph.node('DepthToSpace', [`${layer.name}/subpixel`], convOut, [int('blocksize', upsample), text('mode', 'CRD')]);
    conv = { name: convOut, channels: cout, resolution: input.resolution * upsample };
  } else {
    // Keras HWIO → ONNX OIHW.
    const oihw = new Float32Array(kernel.values.length);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++) oihw[((o * cin + i) * kh + y) * kw + x] = kernel.values[((y * kw + x) * cin + i) * cout + o]!;
    const inputs = [input.name, graph.floats(`${layer.name}/kernel`, [cout, cin, kh, kw], oihw)];
    if (bias) inputs.push(graph.floats(`${layer.name}/bias`, [cout], bias.values));
    // TF 'same' (stride 1) pads k-1 in all, the odd one at the end; ONNX pads are [top, left, bottom, right].
    const pads = padding === 'same' ? [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2), kh - 1 - Math.floor((kh - 1) / 2), kw - 1 - Math.floor((kw - 1) / 2)] : [0, 0, 0, 0];
    graph.node('Conv', inputs, convOut, [ints('kernel_shape', [kh, kw]), ints('pads', pads), ints('strides', [1, 1]), ints('dilations', [1, 1])]);
    conv = { name: convOut, channels: cout, resolution: input.resolution };
  }
  return activationName === 'linear' ? conv : activation(layer.name, activationName, conv, out, graph);
}

function activation(layerName: string, name: string, input: Tensor, out: string, graph: GraphBuilder): Tensor {
  const op = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', linear: 'Identity' }[name];
  if (!op) throw new MlError('unsupported-layer', `Layer "${layerName}" uses the ${name} activation, which the converter does not translate (relu, sigmoid, tanh, linear)`);
  graph.node(op, [input.name], out);
  return { ...input, name: out };
}

/** A Keras NHWC axis as the NCHW axis. */
function nchwAxis(layerName: string, axis: number): number {
  const positive = axis < 0 ? axis + 4 : axis;
  const map = [0, 2, 3, 1][positive];
  if (map === undefined || positive === 0) throw new MlError('unsupported-layer', `Layer "${layerName}" works along axis ${axis}, which the converter does not translate`);
  return map;
}
