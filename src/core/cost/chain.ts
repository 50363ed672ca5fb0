import { z } from 'zod';
import { sumMicros, type Micros } from '../money';
import { describeZodError } from '../rpc/protocol';
import { getBudgetSettings, MAX_RESERVATION_TTL_MS, prioritySchema } from './budget-settings';
import { estimatePaidStep, runPaidStep, type Estimate } from './chain-paid';
import { callStep, contextOf, honourRetryAfter, LedgerUnavailable, operationOf, policyOf, record, type Candidate, type Run, type StepRun, type Where } from './chain-run';
import {
  STEP_ORDER,
  type BudgetGate,
  type Chain,
  type ChainDefinition,
  type ChainFailureKind,
  type ChainOutcome,
  type ChainStep,
  type LedgerWriter,
  type ResolveOptions,
} from './chain-types';
import { appendLedger } from './ledger';
import { acquire } from './rate-limiter';
import { commitReservation, MIN_REQUEST_TTL_MS, releaseReservation, renewReservation, reserveBudget } from './reservations';
import { defineSourcePolicy, readSourceOverrides, type SourceOverrides, type SourcePolicy } from './source-policy';
import { SOURCE_CATALOGUE } from './sources';

/**
 * The free-first chain: one generic resolver for every need (a property list, an enrichment
 * field, a roof image). A service declares its chain as data with defineChain; resolveNeed runs
 * it: cache → free sources (declared order) → batch → paid sources (cheapest first, each only
 * after its budget reservation is granted) → local fallback, stopping at the first result whose
 * quality reaches the request's target.
 *
 *   defineChain({ need, needSchema?, steps })       → Chain (throws ChainDefinitionError on a bad declaration)
 *   resolveNeed(chain, need, options)                → Promise<ChainOutcome> (never throws)
 *
 * Every attempt writes ONE ledger row: hits, misses, errors and refusals (budget, rate limit,
 * daily cap, switched-off source). A good free or cached result carries as its list price what
 * the chain's cheapest paid step would have charged for the same need, for "savings" reports;
 * misses and below-target results carry none. A result below the target is kept and returned
 * only when nothing better arrives, marked lowConfidence, as is anything from a fallback step.
 */

export const DEFAULT_QUALITY_TARGET = 0.75;
export const DEFAULT_RATE_WAIT_MS = 10_000;

export class ChainDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainDefinitionError';
  }
}

export const defaultBudgetGate: BudgetGate = {
  reserve: (db, request) => reserveBudget(db, request),
  commit: (db, reservationId, actual) => commitReservation(db, reservationId, actual),
  release: (db, reservationId, reason) => releaseReservation(db, reservationId, reason),
  renew: (db, reservationId, ttlMs) => renewReservation(db, reservationId, ttlMs),
};

export const defaultLedgerWriter: LedgerWriter = { append: (db, entry) => appendLedger(db, entry) };

/** Checks a chain's declaration once, when the service module loads, so mistakes fail fast. */
export function defineChain<N, V>(definition: ChainDefinition<N, V>): Chain<N, V> {
  const need = definition.need;
  if (typeof need !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,99}$/.test(need)) {
    throw new ChainDefinitionError(`A chain's need must be a short lower-case name like "roof-image", got "${String(need)}".`);
  }
  if (!Array.isArray(definition.steps) || definition.steps.length === 0) throw new ChainDefinitionError(`The ${need} chain has no steps.`);
  const declaredPolicies = new Map<number, SourcePolicy>();
  let previous = 0;
  definition.steps.forEach((step, index) => {
    const rank = STEP_ORDER.indexOf(step.kind);
    if (rank < 0) throw new ChainDefinitionError(`Step ${index + 1} of the ${need} chain has an unknown kind "${String(step.kind)}".`);
    if (rank < previous) {
      throw new ChainDefinitionError(`Step ${index + 1} of the ${need} chain (${step.kind} ${step.source}) comes after a ${STEP_ORDER[previous]} step; declare steps in the order ${STEP_ORDER.join(' → ')}.`);
    }
    previous = rank;
    if (typeof step.source !== 'string' || step.source.trim() === '') throw new ChainDefinitionError(`Step ${index + 1} of the ${need} chain names no source.`);
    if (step.kind === 'free' || step.kind === 'paid') {
      const declared = step.policy ? defineSourcePolicy(step.policy) : SOURCE_CATALOGUE.find((policy) => policy.id === step.source);
      if (!declared) throw new ChainDefinitionError(`The ${need} chain's ${step.kind} step uses ${step.source}, which has no source policy; declare one (policy) or add it to sources.ts.`);
      if (declared.id !== step.source) throw new ChainDefinitionError(`The ${need} chain's step for ${step.source} carries the policy of ${declared.id}.`);
      const fits = step.kind === 'paid' ? declared.kind === 'paid' : declared.kind !== 'paid';
      if (!fits) throw new ChainDefinitionError(`${step.source} is a ${declared.kind} source and cannot be a ${step.kind} step of the ${need} chain.`);
      declaredPolicies.set(index, declared);
    }
  });
  return Object.freeze({ need, needSchema: definition.needSchema ?? null, steps: Object.freeze([...definition.steps]), declaredPolicies });
}

const optionalId = z.string().trim().min(1).max(200).nullish();
const resolveOptionsSchema = z.object({
  service: z.string().trim().min(1, 'service is missing').max(200),
  requestId: optionalId,
  propertyId: optionalId,
  batchId: optionalId,
  territoryId: optionalId,
  priority: prioritySchema.default('medium'),
  qualityTarget: z.number().min(0, 'quality target must be from 0 to 1').max(1, 'quality target must be from 0 to 1').default(DEFAULT_QUALITY_TARGET),
  rateWaitMs: z.number().int().min(0).max(600_000).default(DEFAULT_RATE_WAIT_MS),
  reservationTtlMs: z.number().int().min(MIN_REQUEST_TTL_MS).max(MAX_RESERVATION_TTL_MS).optional(),
  holder: z.string().trim().min(1).max(200).optional(),
});

/** Resolves one need through the chain; every outcome, success or failure, is a value. */
export async function resolveNeed<N, V>(chain: Chain<N, V>, need: N, options: ResolveOptions): Promise<ChainOutcome<V>> {
  const invalid = (message: string): ChainOutcome<V> => ({ ok: false, need: chain.need, failure: { kind: 'invalid-request', message }, sourcesTried: [], costMicros: 0 as Micros });
  const parsed = resolveOptionsSchema.safeParse(options);
  if (!parsed.success) return invalid(`The ${chain.need} request is not valid: ${describeZodError(parsed.error)}.`);
  let validNeed = need;
  if (chain.needSchema) {
    const checked = chain.needSchema.safeParse(need);
    if (!checked.success) return invalid(`The ${chain.need} to resolve is not valid: ${describeZodError(checked.error)}.`);
    validNeed = checked.data;
  }
  let overrides: SourceOverrides;
  try {
    overrides = readSourceOverrides(options.db);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, need: chain.need, failure: { kind: 'settings-unreadable', message: reason }, sourcesTried: [], costMicros: 0 as Micros };
  }

  const o = parsed.data;
  const run: Run<N> = {
    need: validNeed,
    chainNeed: chain.need,
    db: options.db,
    service: o.service,
    requestId: o.requestId ?? null,
    propertyId: o.propertyId ?? null,
    batchId: o.batchId ?? null,
    territoryId: o.territoryId ?? null,
    priority: o.priority,
    qualityTarget: o.qualityTarget,
    rateWaitMs: o.rateWaitMs,
    reservationTtlMs: o.reservationTtlMs ?? settingsTtl(options),
    holder: o.holder ?? `${o.service} (process ${process.pid})`,
    signal: options.signal ?? new AbortController().signal,
    budget: options.budget ?? defaultBudgetGate,
    ledger: options.ledger ?? defaultLedgerWriter,
    overrides,
    declaredPolicies: chain.declaredPolicies,
    paidEquivalentMicros: 0 as Micros,
    attempts: [],
  };

  try {
    const estimates = new Map<number, Estimate>();
    for (const [index, step] of chain.steps.entries()) {
      if (step.kind === 'paid') estimates.set(index, await estimatePaidStep(run, step, index));
    }
    const prices = [...estimates.values()].flatMap((estimate) => (estimate.ok ? [estimate.micros] : []));
    run.paidEquivalentMicros = (prices.length ? Math.min(...prices) : 0) as Micros;

    let best: Candidate<V> | null = null;
    const order = runOrder(chain, estimates);
    for (const [position, index] of order.entries()) {
      if (run.signal.aborted) return failure(run, 'cancelled', `Resolving the ${chain.need} was cancelled.`);
      const step = chain.steps[index]!;
      report(options, { stage: `${step.kind}:${step.source}`, done: position, total: order.length, message: `Trying ${step.source} for the ${chain.need}` });
      const ran: StepRun<V> = step.kind === 'paid' ? await runPaidStep(run, step, index, estimates.get(index)!) : await runPlainStep(run, step, index);
      const candidate = ran.candidate;
      if (candidate && candidate.quality >= run.qualityTarget) return success(run, candidate);
      if (candidate && (!best || candidate.quality > best.quality)) best = candidate;
      if (ran.cancelled) return failure(run, 'cancelled', `Resolving the ${chain.need} was cancelled.`);
    }
    report(options, { stage: 'done', done: order.length, total: order.length });
    if (best) return success(run, best);
    return failure(run, 'exhausted', exhaustedMessage(run));
  } catch (error) {
    if (error instanceof LedgerUnavailable) return failure(run, 'ledger-unavailable', error.message);
    const reason = error instanceof Error ? error.message : String(error);
    return failure(run, 'internal', `Resolving the ${chain.need} stopped unexpectedly: ${reason}`);
  }
}

/** Declared order, except that paid steps run cheapest first (unpriced ones last, to record their refusal). */
function runOrder<N, V>(chain: Chain<N, V>, estimates: Map<number, Estimate>): number[] {
  const indexes = chain.steps.map((_, index) => index);
  const paid = indexes.filter((index) => chain.steps[index]!.kind === 'paid');
  const price = (index: number) => {
    const estimate = estimates.get(index);
    return estimate?.ok ? estimate.micros : Number.POSITIVE_INFINITY;
  };
  const sortedPaid = [...paid].sort((a, b) => price(a) - price(b) || a - b);
  let next = 0;
  return indexes.map((index) => (chain.steps[index]!.kind === 'paid' ? sortedPaid[next++]! : index));
}

/** Cache, free, batch and fallback steps: no money moves, but free sources pass the rate limiter. */
async function runPlainStep<N, V>(run: Run<N>, step: Exclude<ChainStep<N, V>, { kind: 'paid' }>, index: number): Promise<StepRun<V>> {
  const policy = policyOf(run, step, index);
  const where: Where = { source: step.source, kind: step.kind, operation: operationOf(run, step) };
  if (policy && !policy.enabled) {
    record(run, where, { outcome: 'refused', paid: false, errorKind: 'source-disabled', message: `${policy.name} is switched off in Settings → Data sources.` });
    return { candidate: null, cancelled: false };
  }
  if (step.kind === 'free' && policy) {
    const wait = await acquire(run.db, step.source, policy, { signal: run.signal, maxWaitMs: step.maxRateWaitMs ?? run.rateWaitMs });
    if (!wait.ok) {
      record(run, where, { outcome: 'refused', paid: false, errorKind: wait.reason === 'rate' ? 'rate-limit' : wait.reason, message: wait.message });
      return { candidate: null, cancelled: wait.reason === 'cancelled' };
    }
  }
  const ctx = contextOf(run, policy);
  const started = performance.now();
  const result = await callStep(step.source, run.signal, () => {
    switch (step.kind) {
      case 'cache':
        return step.lookup(run.need, ctx);
      case 'free':
        return step.fetch(run.need, ctx);
      case 'batch':
        return step.join(run.need, ctx);
      case 'fallback':
        return step.produce(run.need, ctx);
    }
  });
  const latencyMs = Math.round(performance.now() - started);
  honourRetryAfter(run, step.source, policy, result);

  if (result.kind === 'hit') {
    const good = step.kind !== 'fallback' && result.quality >= run.qualityTarget;
    record(run, where, {
      outcome: step.kind === 'fallback' ? 'fallback' : 'hit',
      paid: false,
      cacheHit: step.kind === 'cache',
      latencyMs,
      quality: result.quality,
      message: result.message ?? null,
      listPriceMicros: good ? run.paidEquivalentMicros : (0 as Micros),
      batchId: result.batchId ?? null,
    });
    return { candidate: { value: result.value, quality: result.quality, source: step.source, kind: step.kind, policy }, cancelled: false };
  }
  record(run, where, {
    outcome: result.kind,
    paid: false,
    latencyMs,
    errorKind: result.kind === 'error' ? result.error.kind : null,
    message: result.kind === 'error' ? result.error.message : (result.message ?? null),
  });
  return { candidate: null, cancelled: result.kind === 'error' && result.error.kind === 'cancelled' && run.signal.aborted };
}

function success<N, V>(run: Run<N>, candidate: Candidate<V>): ChainOutcome<V> {
  const meetsTarget = candidate.quality >= run.qualityTarget;
  return {
    ok: true,
    need: run.chainNeed,
    value: candidate.value,
    quality: candidate.quality,
    source: candidate.source,
    kind: candidate.kind,
    storable: candidate.policy?.licence.storable ?? true,
    licence: candidate.policy?.licence ?? null,
    lowConfidence: candidate.kind === 'fallback' || !meetsTarget,
    meetsTarget,
    sourcesTried: run.attempts,
    costMicros: sumMicros(run.attempts.map((attempt) => attempt.costMicros)),
  };
}

function failure<N>(run: Run<N>, kind: ChainFailureKind, message: string): ChainOutcome<never> {
  return { ok: false, need: run.chainNeed, failure: { kind, message }, sourcesTried: run.attempts, costMicros: sumMicros(run.attempts.map((attempt) => attempt.costMicros)) };
}

function exhaustedMessage<N>(run: Run<N>): string {
  const reasons = run.attempts.map((attempt) => `${attempt.source}: ${attempt.outcome}${attempt.message ? ` (${attempt.message})` : ''}`);
  return `No source could provide the ${run.chainNeed}. ${reasons.join('; ')}`.slice(0, 4_000);
}

function settingsTtl(options: ResolveOptions): number {
  try {
    return getBudgetSettings(options.db).reservationTtlMs;
  } catch {
    return 120_000;
  }
}

function report(options: ResolveOptions, progress: Parameters<NonNullable<ResolveOptions['onProgress']>>[0]): void {
  try {
    options.onProgress?.(progress);
  } catch {
    // Note: a broken progress listener must not stop a paid call half-way; the result still returns.
  }
}
