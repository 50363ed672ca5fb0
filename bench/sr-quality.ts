import { parseArgs } from 'node:util';
import type { RasterImage } from '../src/core/imagery/types';
import { openSuperResolver } from '../src/ml/super-resolution';
import type { SrScale, SuperResolver } from '../src/ml/types';
import { aerialFixturesDir, loadAerialSamples, type AerialSample } from './lib/aerial-fixtures';
import { psnr, ssim } from './lib/image-metrics';
import { cropToMultiple, downsample, resampleSeparable, resampleWithSharp, type DownsampleMethod } from './lib/resample';
import { median, printReport, progress } from './lib/report';

/**
 * bench/sr-quality: how much detail the ESRGAN-slim ONNX model recovers on real aerial imagery,
 * next to the classical resamplers, in the same run. For every rooftop-scale image in
 * ../shared/fixtures/aerial-imagery (FISHMOUTH_FIXTURES overrides the fixtures folder): crop to
 * a multiple of 4, downsample by the scale, upscale back with each method and measure against
 * the original — PSNR on RGB and on luma Y, SSIM on Y (bench/lib/image-metrics.ts), with a
 * border of `scale` pixels cropped, as SR papers do.
 *
 *   node bench/lib/run.mjs sr-quality [--scales 4,2] [--downsample cubic,box] [--tile 128] [--overlap 12]
 *
 * Methods: model (openSuperResolver), sharpCubic and sharpLanczos3 (sharp's resize kernels
 * 'cubic' and 'lanczos3', the anchors the issue names), and bicubic / lanczos3: separable,
 * pixel-centre-aligned filters (bench/lib/resample.ts), because sharp's enlargement ignores the
 * kernel and lands about half an output pixel off (see README). Medians count each scene once
 * (the HRO .tif and its derived .png have identical pixels); gains are medians of per-image
 * differences, model − anchor (dB for PSNR, absolute for SSIM).
 */

const METHODS = ['model', 'sharpCubic', 'sharpLanczos3', 'bicubic', 'lanczos3'] as const;
type Method = (typeof METHODS)[number];
const ANCHORS = METHODS.filter((m): m is Exclude<Method, 'model'> => m !== 'model');

interface Scores {
  psnrRgb: number;
  psnrY: number;
  ssimY: number;
}

interface ImageResult {
  image: string;
  samePixelsAs: string | null;
  groundResolutionM: number;
  size: [number, number];
  lowResSize: [number, number];
  scores: Record<Method, Scores>;
  modelMs: number;
}

const round = (value: number, digits: number): number | null => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

function scoresOf(reference: RasterImage, test: RasterImage, crop: number): Scores {
  return { psnrRgb: psnr(reference, test, { crop }), psnrY: psnr(reference, test, { crop, on: 'y' }), ssimY: ssim(reference, test, { crop }) };
}

function sameRaster(a: RasterImage, b: RasterImage): boolean {
  return a.width === b.width && a.height === b.height && a.channels === b.channels && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
}

async function measureImage(sample: AerialSample, scale: SrScale, method: DownsampleMethod, resolver: SuperResolver, tile: { tileSize: number; overlap: number }): Promise<{ result: ImageResult; sharpKernelsIdentical: boolean }> {
  const original = cropToMultiple(sample.image, 4);
  const lowRes = await downsample(original, scale, method);
  const started = performance.now();
  const enhanced = await resolver.enhance(lowRes, tile);
  const modelMs = performance.now() - started;
  if (enhanced.width !== original.width || enhanced.height !== original.height) {
    throw new Error(`The model returned ${enhanced.width}×${enhanced.height} for ${sample.name}; expected ${original.width}×${original.height}`);
  }
  const upscaled: Record<Method, RasterImage> = {
    model: enhanced,
    sharpCubic: await resampleWithSharp(lowRes, original.width, original.height, 'cubic'),
    sharpLanczos3: await resampleWithSharp(lowRes, original.width, original.height, 'lanczos3'),
    bicubic: resampleSeparable(lowRes, original.width, original.height, 'catmull-rom'),
    lanczos3: resampleSeparable(lowRes, original.width, original.height, 'lanczos3'),
  };
  const scores = Object.fromEntries(METHODS.map((m) => [m, scoresOf(original, upscaled[m], scale)])) as Record<Method, Scores>;
  return {
    result: { image: sample.name, samePixelsAs: sample.samePixelsAs, groundResolutionM: sample.groundResolutionM, size: [original.width, original.height], lowResSize: [lowRes.width, lowRes.height], scores, modelMs },
    sharpKernelsIdentical: sameRaster(upscaled.sharpCubic, upscaled.sharpLanczos3),
  };
}

function summarise(results: ImageResult[]) {
  const scenes = results.filter((r) => r.samePixelsAs === null);
  const medians = Object.fromEntries(
    METHODS.map((m) => [m, { psnrRgb: round(median(scenes.map((r) => r.scores[m].psnrRgb)), 3), psnrY: round(median(scenes.map((r) => r.scores[m].psnrY)), 3), ssimY: round(median(scenes.map((r) => r.scores[m].ssimY)), 4) }]),
  );
  const gainOver = Object.fromEntries(
    ANCHORS.map((a) => [
      a,
      {
        psnrRgbDb: round(median(scenes.map((r) => r.scores.model.psnrRgb - r.scores[a].psnrRgb)), 3),
        psnrYDb: round(median(scenes.map((r) => r.scores.model.psnrY - r.scores[a].psnrY)), 3),
        ssimY: round(median(scenes.map((r) => r.scores.model.ssimY - r.scores[a].ssimY)), 4),
        modelBetterPsnrY: `${scenes.filter((r) => r.scores.model.psnrY > r.scores[a].psnrY).length}/${scenes.length}`,
        modelBetterSsimY: `${scenes.filter((r) => r.scores.model.ssimY > r.scores[a].ssimY).length}/${scenes.length}`,
      },
    ]),
  );
  return { scenes: scenes.length, medians, gainOver };
}

function printable(result: ImageResult) {
  const scores = Object.fromEntries(METHODS.map((m) => [m, { psnrRgb: round(result.scores[m].psnrRgb, 3), psnrY: round(result.scores[m].psnrY, 3), ssimY: round(result.scores[m].ssimY, 4) }]));
  return { ...result, scores, modelMs: Math.round(result.modelMs) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { scales: { type: 'string', default: '4,2' }, downsample: { type: 'string', default: 'cubic,box' }, tile: { type: 'string', default: '128' }, overlap: { type: 'string', default: '12' }, models: { type: 'string' } },
  });
  const scales = values.scales.split(',').map(Number);
  const methods = values.downsample.split(',');
  const tileSize = Number(values.tile);
  const overlap = Number(values.overlap);
  if (scales.some((s) => s !== 2 && s !== 4) || methods.some((m) => m !== 'cubic' && m !== 'box') || !Number.isInteger(tileSize) || tileSize < 32 || !Number.isInteger(overlap) || overlap < 0 || overlap * 2 >= tileSize) {
    process.stderr.write('Usage: node bench/lib/run.mjs sr-quality [--scales 4,2] [--downsample cubic,box] [--tile 128] [--overlap 12] [--models DIR]\n');
    process.exit(2);
  }

  const dir = aerialFixturesDir();
  const { samples, excluded } = await loadAerialSamples(dir);
  for (const e of excluded) progress(`skipping ${e.name}: ${e.reason}`);
  progress(`${samples.length} images from ${dir}`);

  const runs = [];
  let sharpKernelsIdentical = true;
  for (const scale of scales as SrScale[]) {
    const resolver = await openSuperResolver({ scale, ...(values.models ? { modelsDir: values.models } : {}) });
    try {
      for (const method of methods as DownsampleMethod[]) {
        const results: ImageResult[] = [];
        for (const sample of samples) {
          const measured = await measureImage(sample, scale, method, resolver, { tileSize, overlap });
          sharpKernelsIdentical &&= measured.sharpKernelsIdentical;
          results.push(measured.result);
          const s = measured.result.scores;
          progress(`×${scale} ${method} ${sample.name}: PSNR-Y model ${s.model.psnrY.toFixed(2)}, bicubic ${s.bicubic.psnrY.toFixed(2)}, lanczos3 ${s.lanczos3.psnrY.toFixed(2)}, sharp ${s.sharpCubic.psnrY.toFixed(2)} dB`);
        }
        runs.push({ scale, downsample: method, model: { id: resolver.model.id, sha256: resolver.model.sha256, provider: resolver.provider }, ...summarise(results), modelMsTotal: Math.round(results.reduce((t, r) => t + r.modelMs, 0)), images: results.map(printable) });
      }
    } finally {
      await resolver.close();
    }
  }

  printReport('sr-quality', {
    description: 'PSNR (RGB and luma Y) and SSIM (luma Y) of upscaled vs original after downsampling by the scale; border of `scale` px cropped',
    anchors: {
      sharpCubic: "sharp resize, kernel 'cubic'",
      sharpLanczos3: "sharp resize, kernel 'lanczos3'",
      bicubic: 'separable Catmull-Rom (a = -0.5), pixel-centre aligned (Pillow-style)',
      lanczos3: 'separable Lanczos-3, pixel-centre aligned (Pillow-style)',
    },
    sharpKernelsIdentical,
    downsampling: {
      cubic: "sharp resize kernel 'cubic' (libvips: 2x2 box shrink, then antialiased Catmull-Rom reduce for x4; antialiased Catmull-Rom for x2)",
      box: 'exact mean of each scale x scale block',
    },
    metrics: { psnr: '10 log10(255^2 / MSE); RGB over 3 channels; Y = BT.601 studio range (16..235)', ssim: 'Wang et al. 2004, Gaussian 11x11 sigma 1.5, K1 0.01, K2 0.03, L 255, valid windows, on Y, no downsampling' },
    config: { scales, downsample: methods, tileSize, overlap, fixtures: dir },
    excluded,
    runs,
  });
}

await main();
