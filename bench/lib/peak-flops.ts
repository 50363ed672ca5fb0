import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { median } from './report';

/**
 * What the machine can do, so an achieved GFLOP/s has something to be compared with:
 *
 *   nominalPeak()                      → cores × clock × FP32 FLOPs per cycle (assumption stated)
 *   onnxMatmulGflops(threads, n, reps) → a dense n×n Float32 MatMul in onnxruntime-node (its MLAS GEMM)
 *   jsMatmulGflops(n, reps)            → the same product as a plain JS triple loop on Float32Array
 *
 * A GEMM is the best case for any of these engines: a convolution net reaches a fraction of it.
 */

export interface NominalPeak {
  cores: number;
  clockGHz: number;
  fp32FlopsPerCycle: number | null;
  gflops: number | null;
  assumption: string;
}

function cpuinfoField(name: string): string | null {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith(name));
    return line?.split(':')[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

function cpuFlags(): Set<string> {
  return new Set(cpuinfoField('flags')?.split(/\s+/) ?? []);
}

/** os.cpus() reports 0 MHz on some VMs; /proc/cpuinfo's "cpu MHz" still knows. */
function clockMHz(): { mhz: number; from: string } {
  const fromOs = cpus()[0]?.speed ?? 0;
  if (fromOs > 0) return { mhz: fromOs, from: 'os.cpus' };
  const fromProc = Number(cpuinfoField('cpu MHz'));
  return Number.isFinite(fromProc) && fromProc > 0 ? { mhz: fromProc, from: '/proc/cpuinfo' } : { mhz: 0, from: 'unknown' };
}

export function nominalPeak(): NominalPeak {
  const cores = availableParallelism();
  const clock = clockMHz();
  const clockGHz = Math.round(clock.mhz) / 1000;
  const flags = cpuFlags();
  // Note: two 256-bit FMA pipes per core (Zen 2–4, Skylake client and later): 2 × 8 lanes × 2 FLOPs.
  // AVX-512 on Zen 4 runs over those same two 256-bit pipes, so it does not double this; a
  // server Intel core with two 512-bit FMA units would reach 64. A vCPU may be an SMT sibling.
  const fp32FlopsPerCycle = flags.has('fma') && flags.has('avx2') ? 32 : flags.has('avx') ? 16 : flags.size > 0 ? 8 : null;
  return {
    cores,
    clockGHz,
    fp32FlopsPerCycle,
    gflops: fp32FlopsPerCycle && clockGHz ? Math.round(cores * clockGHz * fp32FlopsPerCycle * 10) / 10 : null,
    assumption: `${cores} logical CPUs × ${clockGHz.toFixed(2)} GHz (${clock.from}) × ${fp32FlopsPerCycle ?? '?'} FP32 FLOPs/cycle (${flags.has('avx512f') ? 'AVX-512 seen; ' : ''}2 FMA pipes × 8 lanes × 2, assumed from the CPU flags); turbo would raise it, SMT siblings would halve it`,
  };
}

function matmulModel(n: number): Uint8Array {
  const { onnx } = onnxProto;
  const matrix = (name: string): onnxProto.onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } } });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      producerName: 'fishmouth bench peak-flops',
      graph: { name: 'matmul', node: [{ opType: 'MatMul', input: ['a', 'b'], output: ['c'], name: 'matmul' }], input: [matrix('a'), matrix('b')], output: [matrix('c')] },
    }),
  ).finish();
}

function randomMatrix(n: number, seed: number): Float32Array {
  const values = new Float32Array(n * n);
  let state = seed;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 4294967296 - 0.5;
  }
  return values;
}

/** Median GFLOP/s of `reps` n×n×n products (2n³ FLOPs each) after one unreported run. */
export async function onnxMatmulGflops(threads: number, n = 1024, reps = 5): Promise<number> {
  const session = await ort.InferenceSession.create(matmulModel(n), { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  try {
    const feeds = { a: new ort.Tensor('float32', randomMatrix(n, 1), [n, n]), b: new ort.Tensor('float32', randomMatrix(n, 2), [n, n]) };
    await session.run(feeds);
    const seconds: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const started = performance.now();
      await session.run(feeds);
      seconds.push((performance.now() - started) / 1000);
    }
    return Math.round((2 * n ** 3) / median(seconds) / 1e8) / 10;
  } finally {
    await session.release();
  }
}

/** The same product in plain JS (i-k-j loop order, one thread), the floor any engine should beat. */
export function jsMatmulGflops(n = 256, reps = 3): number {
  const a = randomMatrix(n, 1);
  const b = randomMatrix(n, 2);
  const c = new Float32Array(n * n);
  const seconds: number[] = [];
  for (let rep = 0; rep <= reps; rep++) {
    c.fill(0);
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const aik = a[i * n + k]!;
        const row = k * n;
        const out = i * n;
        for (let j = 0; j < n; j++) c[out + j]! += aik * b[row + j]!;
      }
    }
    if (rep > 0) seconds.push((performance.now() - started) / 1000);
  }
  return Math.round((2 * n ** 3) / median(seconds) / 1e8) / 10;
}
