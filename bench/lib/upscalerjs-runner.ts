import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';
import type { RasterImage } from '../../src/core/imagery/types';

/**
 * UpscalerJS 1.0 (the `upscaler` package) running @upscalerjs/esrgan-slim's own TF.js weights on
 * @tensorflow/tfjs in Node: the anchor bench/sr-speed compares the ONNX model with.
 *
 *   openUpscalerJs({ scale, backend, patchSize, padding }) → { backend, threads, simd, upscale(image), close() }
 *
 * Notes:
 * - Only UpscalerJS's browser ESM build runs without @tensorflow/tfjs-node, and Node cannot load
 *   it as shipped (extensionless and directory imports), so it is bundled here with rolldown, as
 *   bench/lib/run.mjs bundles the benches; @tensorflow/* stay external and load from node_modules.
 * - The model folder (model.json + weight shard) is served from a loopback HTTP server, so
 *   UpscalerJS loads it through its own path (tf.loadLayersModel over fetch), unchanged.
 * - 'wasm' is @tensorflow/tfjs-backend-wasm with its .wasm files from its dist folder. In Node it
 *   runs SIMD but single-threaded (its threaded build needs a browser's cross-origin isolation).
 */

export type TfBackendName = 'wasm' | 'cpu';

export interface UpscalerJsRunner {
  backend: TfBackendName;
  /** Threads the TF.js backend computes on. */
  threads: number;
  simd: boolean;
  versions: Record<string, string>;
  /** Upscale one RGB image; the returned pixels are rounded and clamped to 0..255. */
  upscale(image: RasterImage): Promise<RasterImage>;
  /** Median GFLOP/s of n×n×n Float32 tf.matMul on the same backend (its GEMM: the engine's best case). */
  matmulGflops(n: number, reps: number): Promise<number>;
  close(): Promise<void>;
}

type Tf = typeof import('@tensorflow/tfjs');
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;

interface UpscalerInstance {
  ready: Promise<void>;
  upscale(input: Tensor3D, options: { output: 'tensor'; patchSize: number; padding: number }): Promise<Tensor3D>;
  dispose(): Promise<void>;
}

const requireHere = createRequire(import.meta.url);

/** Where an installed package lives (their package.json files are not exported, so walk up). */
function packageDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`${name} is not installed (npm install)`);
    dir = up;
  }
}

async function bundleUpscaler(): Promise<{ url: string; dir: string }> {
  const entry = join(packageDir('upscaler'), 'dist/browser/esm/upscalerjs/src/browser/esm/index.js');
  // Note: under node_modules, so the bundle's external @tensorflow/* imports resolve as usual.
  const dir = join(resolve(packageDir('upscaler'), '..'), '.cache', 'fishmouth-bench', `upscalerjs-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const build = await rolldown({ input: { upscaler: entry }, platform: 'node', external: (id) => id.startsWith('@tensorflow/'), logLevel: 'silent' });
  try {
    await build.write({ dir, format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' });
  } finally {
    await build.close();
  }
  return { url: pathToFileURL(join(dir, 'upscaler.mjs')).href, dir };
}

async function serveFolder(folder: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = resolve(folder, `.${decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)}`);
    if (!path.startsWith(folder + sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(path).then(
      (body) => response.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

export async function openUpscalerJs(options: { scale: 2 | 4; backend: TfBackendName; patchSize: number; padding: number }): Promise<UpscalerJsRunner> {
  const tf = requireHere('@tensorflow/tfjs') as Tf;
  let threads = 1;
  let simd = false;
  if (options.backend === 'wasm') {
    const wasm = requireHere('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')}${sep}`);
    if (!(await tf.setBackend('wasm'))) throw new Error('The TF.js WASM backend did not initialise; rerun with --backend cpu');
    threads = wasm.getThreadsCount();
    simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();

  const bundle = await bundleUpscaler();
  const server = await serveFolder(join(packageDir('@upscalerjs/esrgan-slim'), 'models', `x${options.scale}`));
  try {
    const { default: Upscaler } = (await import(bundle.url)) as { default: new (options: { model: unknown }) => UpscalerInstance };
    const definitionModule = requireHere(`@upscalerjs/esrgan-slim/${options.scale}x`) as { default?: object } & object;
    const definition = definitionModule.default ?? definitionModule;
    const port = (server.address() as AddressInfo).port;
    const upscaler = new Upscaler({ model: { ...definition, path: `http://127.0.0.1:${port}/model.json` } });
    await upscaler.ready;
    const versionOf = (name: string) => (requireHere(join(packageDir(name), 'package.json')) as { version: string }).version;
    // Note: @tensorflow/tfjs 4.11 brings its own tfjs-core; the 4.22 WASM backend registers its
    // kernels in the engine both share (a global), which is what tf.getBackend() reports.
    const versions = { upscaler: versionOf('upscaler'), tfjs: tf.version.tfjs, backend: tf.getBackend(), ...(options.backend === 'wasm' ? { 'tfjs-backend-wasm': versionOf('@tensorflow/tfjs-backend-wasm') } : {}) };

    return {
      backend: options.backend,
      threads,
      simd,
      versions,
      async upscale(image) {
        if (image.channels !== 3) throw new Error('UpscalerJS runner takes RGB images');
        const input = tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]);
        try {
          const output = await upscaler.upscale(input, { output: 'tensor', patchSize: options.patchSize, padding: options.padding });
          const [height, width] = output.shape;
          const values = await output.data();
          output.dispose();
          const data = new Uint8Array(values.length);
          for (let i = 0; i < values.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(values[i]!)));
          return { width, height, channels: 3, data };
        } finally {
          input.dispose();
        }
      },
      async matmulGflops(n, reps) {
        const a = tf.randomUniform([n, n], -0.5, 0.5, 'float32', 1);
        const b = tf.randomUniform([n, n], -0.5, 0.5, 'float32', 2);
        const seconds: number[] = [];
        try {
          for (let rep = 0; rep <= reps; rep++) {
            const started = performance.now();
            const c = tf.matMul(a, b);
            await c.data();
            c.dispose();
            if (rep > 0) seconds.push((performance.now() - started) / 1000);
          }
        } finally {
          a.dispose();
          b.dispose();
        }
        seconds.sort((x, y) => x - y);
        return Math.round((2 * n ** 3) / seconds[Math.floor(seconds.length / 2)]! / 1e8) / 10;
      },
      async close() {
        await upscaler.dispose();
        server.close();
        rmSync(bundle.dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    server.close();
    rmSync(bundle.dir, { recursive: true, force: true });
    throw error;
  }
}
