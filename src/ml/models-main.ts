import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMlError } from './errors';
import { writeDefaultLeadModel, writeRoofConditionModel, writeSrModels } from './model-build';

/**
 * `node out/main/models.js [OUT_DIR]`: the build step that converts the super-resolution models
 * and writes the two tabular models from project code: the lead model's default prior and the roof
 * condition's default weights (npm run build runs it after electron-vite). Default OUT_DIR: the checkout's models/.
 */

function checkoutModelsDir(): string {
  // Note: out/main/models.js, or src/ml/models-main.ts when run from source: the checkout is up the tree.
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'models', 'README.md'))) return join(dir, 'models');
  }
  return resolve('models');
}

const outDir = process.argv[2] ? resolve(process.argv[2]) : checkoutModelsDir();
writeSrModels(outDir)
  .then(({ manifest, milliseconds }) => {
    for (const m of manifest.models) {
      process.stdout.write(`models: ${m.file} ×${m.scale} ${(m.bytes / 1024).toFixed(0)} KiB, ${(m.flopsPerInputPixel / 1e3).toFixed(1)} kFLOP per input pixel, sha256 ${m.sha256.slice(0, 16)}…\n`);
    }
    process.stdout.write(`models: converted ${manifest.models.length} models from ${manifest.models[0]?.source.package}@${manifest.models[0]?.source.version} into ${outDir} in ${milliseconds.toFixed(0)} ms\n`);
    return writeDefaultLeadModel(outDir).then((lead) => {
      process.stdout.write(`models: ${lead.file} lead score default prior, ${lead.bytes} bytes, sha256 ${lead.sha256.slice(0, 16)}…\n`);
    });
  })
  .then(() => writeRoofConditionModel(outDir))
  .then((roof) => {
    process.stdout.write(`models: ${roof.file} roof condition default weights (${roof.inputs.length} inputs), ${roof.bytes} bytes, sha256 ${roof.sha256.slice(0, 16)}…\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(`models: ${isMlError(error) ? `${error.message} (${error.kind})` : ((error as Error)?.stack ?? String(error))}\n`);
    process.exitCode = 1;
  });
