import { RpcError } from '../../core/rpc/protocol';

/**
 * Taking turns at the database during a scan. The scraper and the enrichment service write to
 * the same SQLite file at the same time, each from its own thread; SQLite lets one writer in at a
 * time and a waiting writer polls (every 100 ms once it has waited a while). A thread that writes
 * batch after batch with no real gap would starve the other past its busy timeout, so a writer
 * here pauses after each batch for a quarter of the time the batch took (at least MIN_PAUSE_MS):
 * over a few batches the other thread's polls find the database free well within their busy
 * timeout, and a rare miss is caught by busyAsRetry. One batch at a time per thread.
 *
 *   const turns = new WriteTurns();  await turns.write(signal, () => …one transaction…)
 *   const pacer = new Pacer();  await pacer.tick(signal)   in a loop of many small writes
 *   busyAsRetry(error)  → the error to throw from a step handler (SQLITE_BUSY → 'timeout', retried)
 */

const MIN_PAUSE_MS = 5;
const MAX_PAUSE_MS = 250;

export class WriteTurns {
  private queue: Promise<void> = Promise.resolve();

  async write<T>(signal: AbortSignal, transaction: () => T): Promise<T> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      if (signal.aborted) throw new RpcError('cancelled', 'The scan step was cancelled.');
      const started = performance.now();
      const result = transaction();
      const took = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, took / 4))));
      return result;
    } finally {
      release();
    }
  }
}

/**
 * For a loop of many small transactions (one property after another): after every WORK_MS of
 * work, a PACE_MS gap in which another thread's waiting writer gets in (it polls every 100 ms at
 * worst, so one gap in a few suffices, well within its busy timeout).
 */
export class Pacer {
  private since = performance.now();

  constructor(
    private readonly workMs = 100,
    private readonly paceMs = 20,
  ) {}

  async tick(signal: AbortSignal): Promise<void> {
    if (performance.now() - this.since < this.workMs) return;
    if (signal.aborted) throw new RpcError('cancelled', 'The scan step was cancelled.');
    await new Promise((resolve) => setTimeout(resolve, this.paceMs));
    this.since = performance.now();
  }
}

/** SQLite stayed busy past its timeout: the orchestrator tries the (idempotent) step again. */
export function busyAsRetry(error: unknown): unknown {
  if ((error as { code?: string } | null)?.code !== 'SQLITE_BUSY') return error;
  return new RpcError('timeout', 'The database stayed busy with other work for too long; this scan step will be tried again.');
}
