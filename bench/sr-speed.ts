import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { RasterImage } from '../src/core/imagery/types';
import { openSuperResolver } from '../src/ml/super-resolution';
import type { SuperResolver } from '../src/ml/types';
import { aerialFixturesDir, loadAerialSamples } from './lib/aerial-fixtures';
import { psnr } from './lib/image-metrics';
import { jsMatmulGflops, nominalPeak, onnxMatmulGflops } from './lib/peak-flops';
import { median, printReport, progress, ratio } from './lib/report';
import { cropToMultiple, downsample } from './lib/resample';
import { openUpscalerJs, type TfBackendName } from './lib/upscalerjs-runner';

/**
 * bench/sr-speed: megapixels of OUTPUT per second for the ESRGAN-slim ×4 ONNX model on
 * onnxruntime-node's CPU provider, side by side in the same run with UpscalerJS running the
 * package's own TF.js weights (the same network) on @tensorflow/tfjs, on the same real aerial
 * images, with the same tiling (128-px input tiles, 12 px shared between neighbours: UpscalerJS
 * patchSize 128, padding 6). Also each image's FLOPs (flopsPerInputPixel × input pixels) and the
 * achieved GFLOP/s, next to the machine's nominal peak and a measured GEMM of each engine.
 *
 *   node bench/lib/run.mjs sr-speed [--images 3] [--reps 3] [--threads 1,2] [--backend wasm|cpu] [--input full|quarter]
 *
 * Threads: TF.js's WASM backend runs one thread in Node, so the ONNX model is measured at 1
 * thread (like for like) and at every core (what the app does); --threads picks the counts.
 * --input full feeds the images as they are (256×256 and 380×232 → about 1 MP out); quarter
 * feeds them downsampled ×4 first (64×64 → 256×256: one tile, like one roof crop).
 * Every rep runs each engine on each image, the engines' order rotating between reps; the
 * figures are medians over reps, then over images, of wall time and of the process's CPU time
 * (steadier when other work shares the cores). The two engines' outputs are compared
 * (PSNR of one against the other) to show they compute the same network.
 */

const SCALE = 4;
const TILE = { tileSize: 128, overlap: 12 };

interface Timing {
  medianMs: number;
  outputMpPerSecond: number;
  gflops: number;
  /** CPU time of the process (all threads) over the run: steadier than wall time on a shared machine. */
  medianCpuMs: number;
  outputMpPerCpuSecond: number;
}

interface Run {
  wallMs: number;
  cpuMs: number;
}

function timing(runs: Run[], outputPixels: number, flops: number): Timing {
  const ms = median(runs.map((r) => r.wallMs));
  const cpuMs = median(runs.map((r) => r.cpuMs));
  return {
    medianMs: Math.round(ms),
    outputMpPerSecond: Number((outputPixels / 1e6 / (ms / 1000)).toFixed(3)),
    gflops: Number((flops / 1e9 / (ms / 1000)).toFixed(2)),
    medianCpuMs: Math.round(cpuMs),
    outputMpPerCpuSecond: Number((outputPixels / 1e6 / (cpuMs / 1000)).toFixed(3)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { images: { type: 'string', default: '3' }, reps: { type: 'string', default: '3' }, threads: { type: 'string', default: `1,${availableParallelism()}` }, backend: { type: 'string', default: 'wasm' }, input: { type: 'string', default: 'full' }, models: { type: 'string' } },
  });
  const imageCount = Number(values.images);
  const reps = Number(values.reps);
  const threadCounts = [...new Set(values.threads.split(',').map(Number))];
  const backend = values.backend as TfBackendName;
  if (!Number.isInteger(imageCount) || imageCount < 1 || !Number.isInteger(reps) || reps < 1 || reps > 50 || threadCounts.some((t) => !Number.isInteger(t) || t < 1 || t > 256) || (backend !== 'wasm' && backend !== 'cpu') || (values.input !== 'full' && values.input !== 'quarter')) {
    process.stderr.write('Usage: node bench/lib/run.mjs sr-speed [--images N] [--reps N] [--threads 1,2] [--backend wasm|cpu] [--input full|quarter] [--models DIR]\n');
    process.exit(2);
  }

  const loadAtStart = Number(loadavg()[0]!.toFixed(2));
  const { samples } = await loadAerialSamples(aerialFixturesDir());
  const scenes = samples.filter((s) => s.samePixelsAs === null).slice(0, imageCount);
  const inputs: { name: string; image: RasterImage }[] = [];
  for (const scene of scenes) {
    const image = cropToMultiple(scene.image, 4);
    inputs.push({ name: scene.name, image: values.input === 'quarter' ? await downsample(image, 4, 'cubic') : image });
  }

  const resolvers = new Map<number, SuperResolver>();
  for (const threads of threadCounts) resolvers.set(threads, await openSuperResolver({ scale: SCALE, providers: ['cpu'], intraOpThreads: threads, ...(values.models ? { modelsDir: values.models } : {}) }));
  const anchor = await openUpscalerJs({ scale: SCALE, backend, patchSize: TILE.tileSize, padding: TILE.overlap / 2 });
  const model = resolvers.get(threadCounts[0]!)!.model;
  progress(`ONNX ${model.id} on ${resolvers.get(threadCounts[0]!)!.provider} (${threadCounts.join(', ')} threads); UpscalerJS ${anchor.versions.upscaler} on tfjs ${anchor.backend} (${anchor.threads} thread, SIMD ${anchor.simd})`);

  try {
    type Engine = string;
    const onnxEngine = (threads: number): Engine => `onnx-${threads}t`;
    const engines: Engine[] = [...threadCounts.map(onnxEngine), 'upscalerjs'];
    const run = (engine: Engine, image: RasterImage): Promise<RasterImage> => (engine === 'upscalerjs' ? anchor.upscale(image) : resolvers.get(Number(engine.slice(5, -1)))!.enhance(image, TILE));

    // Warm-up, not reported: first runs pay for kernel selection, allocation and JIT.
    const agreement: (number | null)[] = [];
    for (const input of inputs) {
      const outputs = new Map<Engine, RasterImage>();
      for (const engine of engines) outputs.set(engine, await run(engine, input.image));
      const value = psnr(outputs.get(engines[0]!)!, outputs.get('upscalerjs')!, { on: 'rgb' });
      agreement.push(Number.isFinite(value) ? Number(value.toFixed(2)) : null);
    }

    const ms = new Map<string, Run[]>();
    for (let rep = 0; rep < reps; rep++) {
      const order = engines.map((_, i) => engines[(i + rep) % engines.length]!);
      for (const [index, input] of inputs.entries()) {
        for (const engine of order) {
          const cpuBefore = process.cpuUsage();
          const started = performance.now();
          await run(engine, input.image);
          const wallMs = performance.now() - started;
          const cpu = process.cpuUsage(cpuBefore);
          const key = `${engine}|${index}`;
          ms.set(key, [...(ms.get(key) ?? []), { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }]);
          progress(`rep ${rep + 1} ${input.name} ${engine}: ${Math.round(wallMs)} ms (CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms)`);
        }
      }
    }

    const images = inputs.map((input, index) => {
      const inputPixels = input.image.width * input.image.height;
      const outputPixels = inputPixels * SCALE * SCALE;
      const flops = model.flopsPerInputPixel * inputPixels;
      const byEngine: Record<Engine, Timing> = Object.fromEntries(engines.map((engine) => [engine, timing(ms.get(`${engine}|${index}`)!, outputPixels, flops)]));
      return {
        image: input.name,
        inputSize: [input.image.width, input.image.height],
        outputMegapixels: Number((outputPixels / 1e6).toFixed(3)),
        gflop: Number((flops / 1e9).toFixed(2)),
        timings: byEngine,
        onnxToUpscalerJsSpeed: Object.fromEntries(threadCounts.map((t) => [onnxEngine(t), ratio(byEngine[onnxEngine(t)]!.outputMpPerSecond, byEngine.upscalerjs!.outputMpPerSecond)])),
        outputsAgreePsnrDb: agreement[index],
      };
    });

    const summary: Record<Engine, { outputMpPerSecond: number; gflops: number; outputMpPerCpuSecond: number }> = Object.fromEntries(
      engines.map((engine) => {
        const of = (pick: (t: Timing) => number, digits: number) => Number(median(images.map((i) => pick(i.timings[engine]!))).toFixed(digits));
        return [engine, { outputMpPerSecond: of((t) => t.outputMpPerSecond, 3), gflops: of((t) => t.gflops, 2), outputMpPerCpuSecond: of((t) => t.outputMpPerCpuSecond, 3) }];
      }),
    );

    progress('measuring the machine: GEMMs on each engine');
    const onnxGemm: Record<string, number> = {};
    // Note: one after the other, never concurrently, so each has the machine to itself.
    for (const t of threadCounts) onnxGemm[onnxEngine(t)] = await onnxMatmulGflops(t, 1024, 5);
    const gemm = {
      onnx: onnxGemm,
      upscalerjs: await anchor.matmulGflops(1024, 3),
      plainJs: jsMatmulGflops(256, 3),
    };
    const peak = nominalPeak();

    printReport('sr-speed', {
      description: 'output megapixels per second of x4 super-resolution, ONNX Runtime (CPU) vs UpscalerJS on TF.js, same ESRGAN-slim weights, same images and tiling',
      anchor: `UpscalerJS ${anchor.versions.upscaler} + @tensorflow/tfjs ${anchor.versions.tfjs}, backend ${anchor.backend}${anchor.versions['tfjs-backend-wasm'] ? ` (@tensorflow/tfjs-backend-wasm ${anchor.versions['tfjs-backend-wasm']})` : ''}`,
      // Note: the machine may be shared; a load average above its core count means the figures are low.
      loadAverage1m: { atStart: loadAtStart, atEnd: Number(loadavg()[0]!.toFixed(2)) },
      engines: {
        onnx: { model: model.id, sha256: model.sha256, provider: resolvers.get(threadCounts[0]!)!.provider, threads: threadCounts, flopsPerInputPixel: model.flopsPerInputPixel },
        upscalerjs: { backend: anchor.backend, threads: anchor.threads, simd: anchor.simd, versions: anchor.versions, weights: `@upscalerjs/esrgan-slim models/x${SCALE} (served on loopback)` },
      },
      config: { images: inputs.length, reps, input: values.input, tileSize: TILE.tileSize, overlap: TILE.overlap, upscalerPatch: { patchSize: TILE.tileSize, padding: TILE.overlap / 2 }, threadPolicy: 'ONNX at each --threads count (intraOpNumThreads); UpscalerJS on the WASM backend is single-threaded in Node' },
      images,
      summary: {
        ...summary,
        speedRatioToUpscalerJs: Object.fromEntries(threadCounts.map((t) => [onnxEngine(t), ratio(summary[onnxEngine(t)]!.outputMpPerSecond, summary.upscalerjs!.outputMpPerSecond)])),
        cpuTimeRatioToUpscalerJs: Object.fromEntries(threadCounts.map((t) => [onnxEngine(t), ratio(summary[onnxEngine(t)]!.outputMpPerCpuSecond, summary.upscalerjs!.outputMpPerCpuSecond)])),
      },
      peak: { nominal: peak, measuredGemmGflops: gemm },
      shareOfPeak: Object.fromEntries(
        engines.map((engine) => {
          const engineGemm = engine === 'upscalerjs' ? gemm.upscalerjs : gemm.onnx[engine]!;
          const achieved = summary[engine]!.gflops;
          const threads = Math.min(peak.cores, engine === 'upscalerjs' ? anchor.threads : Number(engine.slice(5, -1)));
          return [
            engine,
            {
              ofNominalPeak: peak.gflops ? ratio(achieved, peak.gflops) : null,
              // Note: a 1-thread engine can use one core's share of the peak at most.
              ofNominalPeakOfCoresUsed: peak.gflops ? ratio(achieved, (peak.gflops * threads) / peak.cores) : null,
              ofOwnGemm: ratio(achieved, engineGemm),
            },
          ];
        }),
      ),
    });
  } finally {
    for (const resolver of resolvers.values()) await resolver.close();
    await anchor.close();
  }
}

await main();
