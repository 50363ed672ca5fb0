import { z } from 'zod';
import { defineContract } from '../rpc/contract';

/**
 * What the other services ask of ml-inference. Pixels cross as raw RGB(A) bytes between worker
 * threads (structured clone), never over the renderer's WebSocket. Browser-safe: zod only.
 *
 *   ml.info     the execution provider chosen at start (cuda, dml, coreml or cpu) and the models
 *   ml.enhance  super-resolution of several images at once: tiles of every image share model runs
 *   ml.roofCondition / ml.leadScore   the two small tabular models, a batch of rows per call
 */

export const executionProviderSchema = z.enum(['cuda', 'dml', 'coreml', 'cpu']);

export const rasterSchema = z
  .object({
    width: z.number().int().min(1).max(16_384),
    height: z.number().int().min(1).max(16_384),
    channels: z.union([z.literal(3), z.literal(4)]),
    data: z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'image data must be bytes'),
  })
  .refine((image) => image.data.length === image.width * image.height * image.channels, 'an image needs width × height × channels bytes');

export const mlModelSchema = z.object({
  id: z.string(),
  kind: z.enum(['super-resolution', 'roof-condition', 'lead-score']),
  scale: z.number().int().nullable(),
  sha256: z.string(),
  source: z.string(),
  licence: z.string(),
});

export const mlInfoSchema = z.object({
  provider: executionProviderSchema.nullable(),
  /** Why a faster provider was not used, e.g. "CUDA libraries not installed". */
  providerNote: z.string().nullable(),
  models: z.array(mlModelSchema),
  /** Set when the models cannot be loaded: what to do about it. */
  problem: z.string().nullable(),
});
export type MlInfo = z.infer<typeof mlInfoSchema>;

export const modelOutputsSchema = z.object({
  outputs: z.array(z.number().min(0).max(1)),
  modelId: z.string(),
  sha256: z.string(),
  provider: executionProviderSchema,
});
export type ModelOutputs = z.infer<typeof modelOutputsSchema>;

export const mlInferenceContract = defineContract({
  name: 'ml-inference',
  methods: {
    'ml.info': { params: z.object({}), result: mlInfoSchema },
    /** The roof-condition model: P(roof needs replacement) per input row (src/ml/roof-condition-model.ts). */
    'ml.roofCondition': { params: z.object({ inputs: z.array(z.array(z.number().finite())).min(1).max(10_000) }), result: modelOutputsSchema },
    /** The active lead model (the default prior or a retrained version): P(appointment or sale) per row. */
    'ml.leadScore': { params: z.object({ inputs: z.array(z.array(z.number().finite())).min(1).max(10_000) }), result: modelOutputsSchema },
    'ml.enhance': {
      params: z.object({ images: z.array(rasterSchema).min(1).max(64), scale: z.union([z.literal(2), z.literal(4)]) }),
      result: z.object({ images: z.array(rasterSchema), model: z.string(), provider: executionProviderSchema, ms: z.number().nonnegative() }),
      progress: true,
    },
  },
  events: {},
});
