import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MlError } from './errors';
import { CONVERTER_VERSION, convertLayersModelToOnnx, ONNX_OPSET } from './esrgan-onnx';
import { readLayersModel } from './layers-model';
import { buildLeadModelOnnx, DEFAULT_LEAD_PRIOR, LEAD_MODEL_FILE } from './lead-model';
import { LINEAR_INPUT, LINEAR_ONNX_VERSION, LINEAR_OPSET, LINEAR_OUTPUT } from './linear-onnx';
import { MANIFEST_FILE, type ModelManifest, type ModelManifestEntry } from './model-files';
import { buildRoofConditionOnnx, ROOF_CONDITION_FILE, ROOF_CONDITION_INPUTS, ROOF_CONDITION_MODEL_ID } from './roof-condition-model';

/**
 * Converts the ESRGAN-slim weights of the installed `@upscalerjs/esrgan-slim` into
 * models/esrgan-slim-x{2,4}.onnx and models/manifest.json. Reproducible: the same package gives
 * the same bytes, so the manifest's sha256 only changes when the package or the converter does.
 */

export const SR_PACKAGE = '@upscalerjs/esrgan-slim';
const SCALES = [2, 4] as const;
/** The package's esrgan.js declares inputRange and outputRange [0, 255] for its RDN models. */
const PIXEL_RANGE: [number, number] = [0, 255];

export interface SrPackage {
  dir: string;
  version: string;
  licence: string;
  copyright: string;
}

/** Finds the installed package (its exports map hides package.json from require.resolve). */
export function findSrPackage(from: string = import.meta.url): SrPackage {
  let entry: string;
  try {
    entry = createRequire(from).resolve(SR_PACKAGE);
  } catch (error) {
    throw new MlError('model-missing', `${SR_PACKAGE} is not installed: run npm install`, { cause: error });
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; license?: string };
      if (pkg.name !== SR_PACKAGE) continue;
      const licenceText = readFileSync(join(dir, 'LICENSE'), 'utf8');
      const copyright = /^Copyright .*$/m.exec(licenceText)?.[0];
      if (!copyright) throw new MlError('model-invalid', `${join(dir, 'LICENSE')} has no copyright line to keep with the converted models`);
      return { dir, version: pkg.version ?? 'unknown', licence: pkg.license ?? 'unknown', copyright: copyright.trim() };
    } catch (error) {
      if (error instanceof MlError) throw error;
    }
  }
  throw new MlError('model-missing', `Cannot find the folder of ${SR_PACKAGE} above ${entry}`);
}

export interface BuildResult {
  manifest: ModelManifest;
  outDir: string;
  milliseconds: number;
}

export async function writeSrModels(outDir: string, pkg: SrPackage = findSrPackage()): Promise<BuildResult> {
  const started = performance.now();
  await mkdir(outDir, { recursive: true });
  const models: ModelManifestEntry[] = [];
  const converter = `fishmouth esrgan-onnx ${CONVERTER_VERSION} (ONNX opset ${ONNX_OPSET})`;
  for (const scale of SCALES) {
    const sourcePath = `models/x${scale}`;
    const layers = await readLayersModel(join(pkg.dir, sourcePath));
    const name = `esrgan-slim-x${scale}`;
    const converted = convertLayersModelToOnnx(layers, {
      name,
      outputRange: PIXEL_RANGE,
      docString: `ESRGAN-slim ×${scale} (RDN C1 D2 G4 G0 64) from ${SR_PACKAGE}@${pkg.version} ${sourcePath}, ${pkg.licence} licence, ${pkg.copyright}. Input and output: NCHW float RGB 0..255.`,
      metadata: { source: `${SR_PACKAGE}@${pkg.version}/${sourcePath}`, licence: pkg.licence, copyright: pkg.copyright, converter },
    });
    if (converted.scale !== scale) throw new MlError('model-invalid', `${SR_PACKAGE} ${sourcePath} scales by ${converted.scale}, not ${scale}`);
    const file = `${name}.onnx`;
    await writeAtomically(join(outDir, file), converted.bytes);
    const sourceHash = createHash('sha256').update(JSON.stringify(layers.json)).update(layers.weightData).digest('hex');
    models.push({
      id: `${name}@${pkg.version}`,
      task: 'super-resolution',
      scale,
      file,
      sha256: createHash('sha256').update(converted.bytes).digest('hex'),
      bytes: converted.bytes.length,
      flopsPerInputPixel: converted.flopsPerInputPixel,
      inputName: converted.inputName,
      outputName: converted.outputName,
      inputRange: PIXEL_RANGE,
      outputRange: PIXEL_RANGE,
      source: { package: SR_PACKAGE, version: pkg.version, path: sourcePath, sha256: sourceHash },
      licence: pkg.licence,
      copyright: pkg.copyright,
      converter,
    });
  }
  const manifest: ModelManifest = { models };
  await writeAtomically(join(outDir, MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return { manifest, outDir, milliseconds: performance.now() - started };
}

/**
 * The lead model's documented default prior (src/ml/lead-model.ts) as models/lead-score.onnx:
 * the version 1 every data folder starts from (model-registry.ts copies it in on first use).
 */
export async function writeDefaultLeadModel(outDir: string): Promise<{ file: string; sha256: string; bytes: number }> {
  await mkdir(outDir, { recursive: true });
  const bytes = buildLeadModelOnnx(DEFAULT_LEAD_PRIOR);
  await writeAtomically(join(outDir, LEAD_MODEL_FILE), bytes);
  return { file: LEAD_MODEL_FILE, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/** A model built from project code (no package weights), listed under manifest.json's `tabular`. */
export interface TabularModelEntry {
  id: string;
  task: 'roof-condition' | 'lead-score';
  file: string;
  sha256: string;
  bytes: number;
  inputName: string;
  outputName: string;
  /** Input names in column order. */
  inputs: string[];
  converter: string;
}

/**
 * Writes the roof-condition model (its documented default weights, src/ml/roof-condition-model.ts)
 * as models/roof-condition.onnx — the built default the model registry copies in as v1 — and lists
 * it in manifest.json under `tabular`, keeping whatever else the manifest holds.
 * Note: `tabular` is a key of its own so readers of `models` (super-resolution) are unaffected.
 */
export async function writeRoofConditionModel(outDir: string): Promise<TabularModelEntry> {
  await mkdir(outDir, { recursive: true });
  const bytes = buildRoofConditionOnnx();
  const file = ROOF_CONDITION_FILE;
  await writeAtomically(join(outDir, file), bytes);
  const entry: TabularModelEntry = {
    id: ROOF_CONDITION_MODEL_ID,
    task: 'roof-condition',
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    inputName: LINEAR_INPUT,
    outputName: LINEAR_OUTPUT,
    inputs: [...ROOF_CONDITION_INPUTS],
    converter: `fishmouth linear-onnx ${LINEAR_ONNX_VERSION} (ONNX opset ${LINEAR_OPSET})`,
  };
  await addTabularEntry(outDir, entry);
  return entry;
}

async function addTabularEntry(outDir: string, entry: TabularModelEntry): Promise<void> {
  const path = join(outDir, MANIFEST_FILE);
  let manifest: { models: unknown[]; tabular?: TabularModelEntry[] } = { models: [] };
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as typeof manifest;
    if (parsed && Array.isArray(parsed.models)) manifest = parsed;
  } catch {
    // Note: no manifest yet (or a damaged one): this build writes a fresh one.
  }
  manifest.tabular = [...(manifest.tabular ?? []).filter((other) => other.task !== entry.task), entry];
  await writeAtomically(path, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
}

/** Note: a reader (a running session, a test) never sees half a file. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}
