import { availableParallelism, cpus, platform, release } from 'node:os';

/**
 * What every bench prints: exactly ONE JSON document on stdout (progress goes to stderr), with
 * the machine it ran on, so figures from different runs can be compared side by side.
 *
 *   printReport(name, body)  → writes { bench, at, machine, ...body } as one JSON line
 *   progress(text)           → a line on stderr (never mixed into the JSON)
 *   median(values)           → the middle value (mean of the two middles for an even count)
 *   ratio(a, b)              → a / b rounded to 2 decimals, or null when b is 0
 */

export interface MachineInfo {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
}

export function machineInfo(): MachineInfo {
  return { node: process.version, platform: `${platform()} ${release()}`, cpus: availableParallelism(), cpuModel: cpus()[0]?.model.trim() ?? 'unknown' };
}

export function printReport(name: string, body: Record<string, unknown>, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify({ bench: name, at: new Date().toISOString(), machine: machineInfo(), ...body })}\n`);
}

export function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : Math.round((a / b) * 100) / 100;
}
