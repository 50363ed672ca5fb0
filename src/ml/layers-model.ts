import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MlError } from './errors';

/**
 * A TensorFlow.js "layers-model" as published on npm (model.json + weight shards): read, checked
 * against a schema, and its float32 weights sliced out by name. Only the Keras 2 functional
 * format is read, which is what the TF.js converter writes for Keras models.
 */

/** [layer name, node index, tensor index, kwargs?] */
const inboundRef = z.tuple([z.string(), z.number().int(), z.number().int()]).rest(z.unknown());

const layerSchema = z.object({
  class_name: z.string(),
  name: z.string().min(1),
  config: z.record(z.string(), z.unknown()),
  inbound_nodes: z.array(z.array(inboundRef)),
});
export type KerasLayer = z.infer<typeof layerSchema>;

const weightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  quantization: z.unknown().optional(),
});
export type WeightSpec = z.infer<typeof weightSpecSchema>;

export const layersModelJsonSchema = z.object({
  format: z.literal('layers-model'),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  modelTopology: z.object({
    keras_version: z.string().optional(),
    model_config: z.object({
      class_name: z.enum(['Functional', 'Model']),
      config: z.object({
        name: z.string().optional(),
        layers: z.array(layerSchema).min(1),
        input_layers: z.array(inboundRef).min(1),
        output_layers: z.array(inboundRef).min(1),
      }),
    }),
  }),
  weightsManifest: z.array(z.object({ paths: z.array(z.string().min(1)), weights: z.array(weightSpecSchema) })),
});
export type LayersModelJson = z.infer<typeof layersModelJsonSchema>;

export interface LayersModel {
  json: LayersModelJson;
  /** The shards of every weight group, concatenated in manifest order (the TF.js layout). */
  weightData: Uint8Array;
}

/** Reads model.json and its shards from a folder. */
export async function readLayersModel(dir: string): Promise<LayersModel> {
  let text: string;
  try {
    text = await readFile(join(dir, 'model.json'), 'utf8');
  } catch (error) {
    throw new MlError('model-missing', `No TF.js model at ${join(dir, 'model.json')}: is @upscalerjs/esrgan-slim installed (npm install)?`, { cause: error });
  }
  const parsed = layersModelJsonSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MlError('model-invalid', `${join(dir, 'model.json')} is not a TF.js layers model: ${issue?.path.join('.') || 'document'} ${issue?.message ?? ''}`.trim());
  }
  const shards: Uint8Array[] = [];
  for (const group of parsed.data.weightsManifest) {
    for (const path of group.paths) shards.push(new Uint8Array(await readFile(join(dir, path))));
  }
  return { json: parsed.data, weightData: concat(shards) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface NamedWeight {
  shape: number[];
  values: Float32Array;
}

/** Every weight by its name ("F_0/kernel"), read little-endian as TF.js writes them. */
export function weightsByName(model: LayersModel): Map<string, NamedWeight> {
  const weights = new Map<string, NamedWeight>();
  const view = new DataView(model.weightData.buffer, model.weightData.byteOffset, model.weightData.byteLength);
  let offset = 0;
  for (const spec of model.json.weightsManifest.flatMap((g) => g.weights)) {
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) {
      throw new MlError('unsupported-layer', `Weight ${spec.name} is ${spec.quantization ? 'quantized ' : ''}${spec.dtype}; the converter reads plain float32 weights only`);
    }
    const count = spec.shape.reduce((n, d) => n * d, 1);
    if (offset + count * 4 > view.byteLength) {
      throw new MlError('model-invalid', `The weight shards end before weight ${spec.name} (${offset + count * 4} bytes needed, ${view.byteLength} present)`);
    }
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(offset + i * 4, true);
    weights.set(spec.name, { shape: spec.shape, values });
    offset += count * 4;
  }
  if (offset !== view.byteLength) {
    throw new MlError('model-invalid', `The weight shards hold ${view.byteLength} bytes but the manifest describes ${offset}`);
  }
  return weights;
}
