import type { Micros } from '../money';
import type { Db } from '../store/database';
import type { Priority } from './budget-settings';
import type { Attempt, BudgetGate, ChainStep, LedgerWriter, NeedContext, StepKind, StepResult } from './chain-types';
import type { LedgerEntry, LedgerOutcome } from './ledger';
import { penalise } from './rate-limiter';
import type { SourceOverrides, SourcePolicy } from './source-policy';
import { sourcePolicy } from './sources';

/**
 * The state of one resolveNeed call shared by the step runners, and the one place that turns an
 * attempt into its ledger row.
 */

export interface Run<N> {
  need: N;
  /** The chain's need name, the default ledger operation. */
  chainNeed: string;
  db: Db;
  service: string;
  requestId: string | null;
  propertyId: string | null;
  batchId: string | null;
  territoryId: string | null;
  priority: Priority;
  qualityTarget: number;
  rateWaitMs: number;
  /** Lifetime of a reservation between renewals. */
  reservationTtlMs: number;
  holder: string;
  signal: AbortSignal;
  budget: BudgetGate;
  ledger: LedgerWriter;
  overrides: SourceOverrides;
  declaredPolicies: ReadonlyMap<number, SourcePolicy>;
  /** What the cheapest paid step of this chain would charge for this need: the list price of a good free result. */
  paidEquivalentMicros: Micros;
  attempts: Attempt[];
}

/** What one step produced: its attempt was recorded; maybe a value; maybe the caller cancelled. */
export interface StepRun<V> {
  candidate: Candidate<V> | null;
  cancelled: boolean;
}

export interface Candidate<V> {
  value: V;
  quality: number;
  source: string;
  kind: StepKind;
  policy: SourcePolicy | null;
}

/** The chain stops when an attempt cannot be recorded: spending without a trail is not allowed. */
export class LedgerUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LedgerUnavailable';
  }
}

export interface Where {
  source: string;
  kind: StepKind;
  operation: string;
}

export interface RowFields {
  outcome: LedgerOutcome;
  paid: boolean;
  cacheHit?: boolean;
  latencyMs?: number | null;
  quality?: number | null;
  errorKind?: string | null;
  message?: string | null;
  listPriceMicros?: Micros;
  batchId?: string | null;
  reservationId?: string | null;
}

const MESSAGE_MAX = 2_000;
const KIND_MAX = 200;

export function clip(text: string | null | undefined, max = MESSAGE_MAX): string | null {
  if (text === null || text === undefined || text === '') return null;
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Appends the attempt's one ledger row (free, refused, or a paid call that cost nothing). */
export function record<N>(run: Run<N>, where: Where, fields: RowFields): Attempt {
  let entry: LedgerEntry;
  try {
    entry = run.ledger.append(run.db, {
      service: run.service,
      source: where.source,
      operation: where.operation,
      requestId: run.requestId,
      propertyId: run.propertyId,
      batchId: fields.batchId ?? run.batchId,
      territoryId: run.territoryId,
      reservationId: fields.reservationId ?? null,
      priority: run.priority,
      paid: fields.paid,
      costMicros: 0 as Micros,
      listPriceMicros: fields.listPriceMicros ?? (0 as Micros),
      cacheHit: fields.cacheHit ?? false,
      latencyMs: fields.latencyMs ?? null,
      quality: fields.quality ?? null,
      outcome: fields.outcome,
      errorKind: clip(fields.errorKind, KIND_MAX),
      message: clip(fields.message),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LedgerUnavailable(`The attempt on ${where.source} could not be written to the cost ledger (${reason}); stopped so that nothing runs unrecorded.`, {
      cause: error,
    });
  }
  return remember(run, where.kind, entry);
}

/** Adds an already written row (a committed reservation) to the run's attempts. */
export function remember<N>(run: Run<N>, kind: StepKind, entry: LedgerEntry): Attempt {
  const attempt: Attempt = {
    source: entry.source,
    kind,
    operation: entry.operation,
    outcome: entry.outcome === 'correction' ? 'hit' : entry.outcome,
    costMicros: entry.costMicros,
    latencyMs: entry.latencyMs,
    quality: entry.quality,
    errorKind: entry.errorKind,
    message: entry.message,
    ledgerId: entry.id,
    reservationId: entry.reservationId,
  };
  run.attempts.push(attempt);
  return attempt;
}

export function operationOf<N, V>(run: Run<N>, step: ChainStep<N, V>): string {
  return step.operation ?? run.chainNeed;
}

/** The step's policy in force: its declaration (or the catalogue's) with the user's settings. */
export function policyOf<N, V>(run: Run<N>, step: ChainStep<N, V>, index: number): SourcePolicy | null {
  return sourcePolicy(run.db, run.declaredPolicies.get(index) ?? step.source, run.overrides);
}

export function contextOf<N>(run: Run<N>, policy: SourcePolicy | null, signal: AbortSignal = run.signal): NeedContext {
  return {
    db: run.db,
    service: run.service,
    requestId: run.requestId,
    propertyId: run.propertyId,
    batchId: run.batchId,
    territoryId: run.territoryId,
    priority: run.priority,
    qualityTarget: run.qualityTarget,
    signal,
    policy,
  };
}

/**
 * Calls a step function and always gets a value back: a throw becomes an error result (a bug in
 * a connector must not crash the service or skip the ledger), and a malformed hit is refused.
 */
export async function callStep<V>(source: string, signal: AbortSignal, fn: () => StepResult<V> | Promise<StepResult<V>>): Promise<StepResult<V>> {
  let result: StepResult<V>;
  try {
    result = await fn();
  } catch (error) {
    if (signal.aborted) return { kind: 'error', error: { kind: 'cancelled', message: `The call to ${source} was cancelled.` } };
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: 'error', error: { kind: 'exception', message: `${source} failed unexpectedly: ${reason}` } };
  }
  if (!result || typeof result !== 'object' || !['hit', 'miss', 'error'].includes((result as { kind?: unknown }).kind as string)) {
    return { kind: 'error', error: { kind: 'invalid-result', message: `${source} returned something that is not a hit, miss or error.` } };
  }
  if (result.kind === 'hit' && !(typeof result.quality === 'number' && result.quality >= 0 && result.quality <= 1)) {
    return { kind: 'error', error: { kind: 'invalid-result', message: `${source} returned a quality of ${String(result.quality)}; quality must be from 0 to 1.` } };
  }
  if (result.kind === 'error' && (!result.error || typeof result.error.kind !== 'string' || typeof result.error.message !== 'string')) {
    return { kind: 'error', error: { kind: 'invalid-result', message: `${source} failed without saying why.` } };
  }
  return result;
}

/** A server's Retry-After seen here pauses the source for every process. */
export function honourRetryAfter<N>(run: Run<N>, source: string, policy: SourcePolicy | null, result: StepResult<unknown>): void {
  if (result.kind !== 'error' || !policy || policy.kind === 'local') return;
  const after = result.error.retryAfterMs;
  if (typeof after !== 'number' || !Number.isFinite(after) || after <= 0) return;
  try {
    penalise(run.db, source, Date.now() + after);
  } catch {
    // Note: the pause is a courtesy to the server; the attempt's own error row still records the 429.
  }
}
