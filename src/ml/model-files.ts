import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MlError } from './errors';
import type { SrModelInfo, SrScale } from './types';

/**
 * models/manifest.json (written by the converter, read by every session) and where the models
 * folder is: beside the app's resources when packaged, else the checkout's models/.
 */

export const MANIFEST_FILE = 'manifest.json';

const manifestEntrySchema = z.object({
  id: z.string().min(1),
  task: z.literal('super-resolution'),
  scale: z.union([z.literal(2), z.literal(4)]),
  file: z.string().regex(/^[\w.-]+\.onnx$/, 'must be a plain .onnx file name'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  flopsPerInputPixel: z.number().positive(),
  inputName: z.string().min(1),
  outputName: z.string().min(1),
  inputRange: z.tuple([z.number(), z.number()]),
  outputRange: z.tuple([z.number(), z.number()]),
  source: z.object({ package: z.string(), version: z.string(), path: z.string(), sha256: z.string() }),
  licence: z.string(),
  copyright: z.string(),
  converter: z.string(),
});
export type ModelManifestEntry = z.infer<typeof manifestEntrySchema>;

export const modelManifestSchema = z.object({
  models: z.array(manifestEntrySchema),
});
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** The models folder this build should use (it may not exist yet: see loadSrModel's error). */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  // An explicit folder wins, for every reader alike (the CLI, ml-inference, the registry).
  if (env.FISHMOUTH_MODELS_DIR) return env.FISHMOUTH_MODELS_DIR;
  // Note: Electron sets process.resourcesPath; electron-builder ships models/ there (extraResources).
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(join(resources, 'models', MANIFEST_FILE))) return join(resources, 'models');
  // From src/ml (tests) or out/main[/chunks] (built): the checkout's models/ is up the tree.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'models', MANIFEST_FILE))) return join(dir, 'models');
    if (isProjectRoot(dir)) return join(dir, 'models');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve('models');
}

function isProjectRoot(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'fishmouth';
  } catch {
    return false;
  }
}

export async function readManifest(modelsDir: string): Promise<ModelManifest> {
  const path = join(modelsDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MlError('model-missing', `No super-resolution models in ${modelsDir}: run \`npm run build\` (it converts them from @upscalerjs/esrgan-slim)`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MlError('model-invalid', `${path} is not JSON: rerun \`npm run build\` to rewrite it`, { cause: error });
  }
  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) throw new MlError('model-invalid', `${path} is not a model manifest (${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}): rerun \`npm run build\``);
  return parsed.data;
}

export interface LoadedSrModel {
  info: SrModelInfo;
  entry: ModelManifestEntry;
  bytes: Uint8Array;
}

/** The model file for a scale, checked against the manifest's sha256 before any session sees it. */
export async function loadSrModel(modelsDir: string, scale: SrScale): Promise<LoadedSrModel> {
  const manifest = await readManifest(modelsDir);
  const entry = manifest.models.find((m) => m.task === 'super-resolution' && m.scale === scale);
  if (!entry) throw new MlError('model-missing', `${join(modelsDir, MANIFEST_FILE)} lists no ×${scale} super-resolution model: rerun \`npm run build\``);
  const path = join(modelsDir, entry.file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new MlError('model-missing', `The model file ${path} is missing: run \`npm run build\``, { cause: error });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== entry.sha256) throw new MlError('model-invalid', `${path} does not match its manifest (sha256 ${sha256.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…): rerun \`npm run build\``);
  return {
    entry,
    bytes,
    info: {
      id: entry.id,
      scale,
      path,
      sha256,
      flopsPerInputPixel: entry.flopsPerInputPixel,
      source: `${entry.source.package}@${entry.source.version} ${entry.source.path}`,
      licence: entry.licence,
    },
  };
}
