import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { MlError } from './errors';
import type { ExecutionProviderName } from './types';

/**
 * One ONNX Runtime session with its execution provider chosen at run time: CUDA where its
 * binaries are installed (linux x64), DirectML on Windows, CoreML on macOS, else CPU. A GPU is
 * never required: any failure to open or to run on one falls back to the CPU, and `provider`
 * always says which one is in use.
 */

export interface ModelSession {
  readonly provider: ExecutionProviderName;
  readonly inputName: string;
  readonly outputName: string;
  /** Runs the model on one float32 tensor; returns the first output. */
  run(data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Providers to try, in order (default: providersForThisMachine()). 'cpu' is always tried last. */
  providers?: readonly ExecutionProviderName[];
  /** Threads inside one operator (default: ONNX Runtime's choice, one per core). */
  intraOpThreads?: number;
  /** Told when a provider is skipped or fails, and why. */
  onProviderFallback?: (provider: ExecutionProviderName, reason: string) => void;
}

const ORT_NAME: Record<ExecutionProviderName, string> = { cuda: 'cuda', dml: 'dml', coreml: 'coreml', cpu: 'cpu' };

/** The providers worth trying here, best first, always ending with 'cpu'. */
export function providersForThisMachine(platform: NodeJS.Platform = process.platform, arch: string = process.arch): ExecutionProviderName[] {
  const listed = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));
  const wanted: ExecutionProviderName[] = [];
  // Note: onnxruntime-node lists CUDA as "not bundled": its provider library is only there when
  // installed separately (the install script's CUDA download). Trying without it just logs noise.
  if (platform === 'linux' && arch === 'x64' && listed.has('cuda') && (listed.get('cuda') || cudaLibraryInstalled())) wanted.push('cuda');
  if (platform === 'win32' && listed.has('dml')) wanted.push('dml');
  if (platform === 'darwin' && listed.has('coreml')) wanted.push('coreml');
  wanted.push('cpu');
  return wanted;
}

function cudaLibraryInstalled(): boolean {
  try {
    const bin = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin');
    return readdirSync(bin).some((napi) => existsSync(join(bin, napi, 'linux', 'x64', 'libonnxruntime_providers_cuda.so')));
  } catch {
    return false;
  }
}

async function createSession(model: Uint8Array, provider: ExecutionProviderName, options: SessionOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: [ORT_NAME[provider]],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
  });
}

export async function openModelSession(model: Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
  const tried = [...(options.providers ?? providersForThisMachine()).filter((p) => p !== 'cpu'), 'cpu' as const];
  let session: ort.InferenceSession | undefined;
  let provider: ExecutionProviderName = 'cpu';
  let lastError: unknown;
  for (const candidate of tried) {
    try {
      session = await createSession(model, candidate, options);
      provider = candidate;
      break;
    } catch (error) {
      lastError = error;
      if (candidate !== 'cpu') options.onProviderFallback?.(candidate, (error as Error)?.message ?? String(error));
    }
  }
  if (!session) throw new MlError('model-invalid', `ONNX Runtime cannot load the model: ${(lastError as Error)?.message ?? String(lastError)}`, { cause: lastError });
  return new FallbackSession(model, session, provider, options);
}

class FallbackSession implements ModelSession {
  readonly inputName: string;
  readonly outputName: string;

  constructor(
    private readonly model: Uint8Array,
    private session: ort.InferenceSession,
    public provider: ExecutionProviderName,
    private readonly options: SessionOptions,
  ) {
    this.inputName = session.inputNames[0]!;
    this.outputName = session.outputNames[0]!;
  }

  async run(data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
    try {
      return await this.runOnce(data, dims);
    } catch (error) {
      if (this.provider === 'cpu') throw new MlError('inference-failed', `The model failed on a ${dims.join('×')} input: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      // Note: a GPU can fail mid-run (out of memory, driver reset): finish the job on the CPU.
      this.options.onProviderFallback?.(this.provider, (error as Error)?.message ?? String(error));
      await this.session.release().catch(() => undefined);
      this.session = await createSession(this.model, 'cpu', this.options);
      this.provider = 'cpu';
      return this.run(data, dims);
    }
  }

  private async runOnce(data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const input = new ort.Tensor('float32', data, dims);
    const results = await this.session.run({ [this.inputName]: input });
    const output = results[this.outputName];
    if (!output || output.type !== 'float32') throw new Error(`the model gave no float32 output "${this.outputName}"`);
    return { data: output.data as Float32Array, dims: output.dims };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
