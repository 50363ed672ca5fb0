import { formatUsd, isMicros, type Micros } from '../money';
import { callStep, contextOf, honourRetryAfter, policyOf, record, remember, type Run, type StepRun, type Where } from './chain-run';
import type { Attempt, PaidStep, StepResult } from './chain-types';
import { acquire } from './rate-limiter';
import type { ReserveResult } from './reservations';

/**
 * A paid step: priced, then reserved, then rate-limited, then called while the reservation is
 * kept alive, then committed at the actual cost (or released when nothing was charged). Money is
 * never spent without a granted reservation, and every path ends with exactly one ledger row.
 */

export type Estimate = { ok: true; micros: Micros } | { ok: false; kind: 'unpriced' | 'estimate-failed'; message: string };

export async function estimatePaidStep<N, V>(run: Run<N>, step: PaidStep<N, V>, index: number): Promise<Estimate> {
  const policy = policyOf(run, step, index);
  let micros: Micros | null;
  try {
    micros = await step.estimateMicros(run.need, contextOf(run, policy));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: 'estimate-failed', message: `The price of ${step.source} ${step.operation} could not be worked out (${reason}), so it was not called.` };
  }
  // Note: a price of zero would need no reservation, and then a surprise charge could not be
  // recorded against the budget; fail closed and ask for a real price instead.
  if (micros === null || !isMicros(micros) || micros <= 0) {
    return {
      ok: false,
      kind: 'unpriced',
      message: `${policy?.name ?? step.source} has no price above $0 for ${step.operation}; set one in Settings → Prices before it can be used.`,
    };
  }
  return { ok: true, micros };
}

export async function runPaidStep<N, V>(run: Run<N>, step: PaidStep<N, V>, index: number, estimate: Estimate): Promise<StepRun<V>> {
  const policy = policyOf(run, step, index);
  const where: Where = { source: step.source, kind: 'paid', operation: step.operation };
  const nothing = (cancelled = false): StepRun<V> => ({ candidate: null, cancelled });
  const refuse = (errorKind: string, message: string) => record(run, where, { outcome: 'refused', paid: true, errorKind, message });

  if (!policy) {
    refuse('unknown-source', `${step.source} has no source policy, so it cannot be called.`);
    return nothing();
  }
  if (!policy.enabled) {
    refuse('source-disabled', `${policy.name} is switched off in Settings → Data sources.`);
    return nothing();
  }
  if (!estimate.ok) {
    refuse(estimate.kind, estimate.message);
    return nothing();
  }

  let reserved: ReserveResult;
  try {
    reserved = run.budget.reserve(run.db, {
      service: run.service,
      source: step.source,
      operation: step.operation,
      amountMicros: estimate.micros,
      priority: run.priority,
      requestId: run.requestId,
      holder: run.holder,
      ttlMs: run.reservationTtlMs,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    reserved = { granted: false, refusal: { kind: 'budget-unreadable', message: `The budget could not be checked (${reason}), so no paid call was made.`, limitMicros: null, availableMicros: null } };
  }
  if (!reserved.granted) {
    refuse(reserved.refusal.kind, reserved.refusal.message);
    return nothing();
  }

  const reservation = reserved.reservation;
  let open = true;
  const release = (reason: string) => {
    if (!open) return;
    open = false;
    try {
      run.budget.release(run.db, reservation.id, reason);
    } catch {
      // Note: an unreleased reservation expires after its TTL and its money returns by itself.
    }
  };
  const keeper = keepReservation(run, reservation.id);
  try {
    const wait = await acquire(run.db, step.source, policy, { signal: keeper.signal, maxWaitMs: step.maxRateWaitMs ?? run.rateWaitMs });
    if (!wait.ok) {
      release(`not called: ${wait.reason}`);
      record(run, where, { outcome: 'refused', paid: true, errorKind: wait.reason === 'rate' ? 'rate-limit' : wait.reason, message: keeper.lost() ?? wait.message });
      return nothing(run.signal.aborted);
    }

    const started = performance.now();
    let result: StepResult<V> = await callStep(step.source, keeper.signal, () =>
      step.fetch(run.need, { ...contextOf(run, policy, keeper.signal), reservationId: reservation.id, reservedMicros: reservation.amountMicros }),
    );
    const latencyMs = Math.round(performance.now() - started);
    const lost = keeper.lost();
    if (lost && result.kind === 'error' && result.error.kind === 'cancelled' && !run.signal.aborted) {
      result = { kind: 'error', error: { kind: 'reservation-lost', message: lost } };
    }
    honourRetryAfter(run, step.source, policy, result);

    const billed = result.kind === 'hit' ? (result.costMicros ?? estimate.micros) : (result.costMicros ?? 0);
    if (result.kind !== 'hit' && billed === 0) {
      release(`${result.kind}: nothing charged`);
      record(run, where, {
        outcome: result.kind,
        paid: true,
        latencyMs,
        errorKind: result.kind === 'error' ? result.error.kind : null,
        message: result.kind === 'error' ? result.error.message : (result.message ?? null),
        reservationId: reservation.id,
      });
      return nothing(run.signal.aborted);
    }

    const attempt = commit(run, where, reservation.id, reservation.amountMicros, billed, result, latencyMs, estimate.micros, () => (open = false));
    if (attempt.outcome === 'hit' && result.kind === 'hit') {
      return { candidate: { value: result.value, quality: result.quality, source: step.source, kind: 'paid', policy }, cancelled: false };
    }
    return nothing(run.signal.aborted);
  } finally {
    keeper.stop();
    release('not used');
  }
}

/** Commits the reservation at what the call cost; a refused commit becomes an error row instead. */
function commit<N, V>(
  run: Run<N>,
  where: Where,
  reservationId: string,
  reservedMicros: Micros,
  billed: number,
  result: StepResult<V>,
  latencyMs: number,
  listPriceMicros: Micros,
  settled: () => void,
): Attempt {
  const capped = isMicros(billed) && billed > reservedMicros;
  const stepMessage = result.kind === 'error' ? result.error.message : (result.message ?? null);
  const message = capped
    ? `The call reported ${formatUsd(billed as Micros)}, more than the ${formatUsd(reservedMicros)} reserved; charged the reservation and recorded the excess in the audit log.${stepMessage ? ` ${stepMessage}` : ''}`
    : stepMessage;
  try {
    const { entry } = run.budget.commit(run.db, reservationId, {
      costMicros: billed as Micros,
      ledger: {
        propertyId: run.propertyId,
        batchId: (result.kind === 'hit' ? result.batchId : undefined) ?? run.batchId,
        territoryId: run.territoryId,
        cacheHit: false,
        latencyMs,
        quality: result.kind === 'hit' ? result.quality : null,
        outcome: result.kind,
        errorKind: result.kind === 'error' ? result.error.kind : null,
        message,
        listPriceMicros: result.kind === 'hit' ? listPriceMicros : (0 as Micros),
      },
    });
    settled();
    return remember(run, 'paid', entry);
  } catch (error) {
    const kind = typeof (error as { kind?: unknown }).kind === 'string' ? (error as { kind: string }).kind : 'commit-failed';
    const reason = error instanceof Error ? error.message : String(error);
    return record(run, where, {
      outcome: 'error',
      paid: true,
      latencyMs,
      errorKind: kind,
      message: `The result of ${where.source} was not used because its cost could not be recorded: ${reason}`,
      reservationId,
    });
  }
}

/**
 * Renews the reservation every third of its lifetime while the call runs. If a renewal fails the
 * money may already belong to someone else, so the call is aborted rather than finished unbudgeted.
 */
function keepReservation<N>(run: Run<N>, reservationId: string): { signal: AbortSignal; lost(): string | null; stop(): void } {
  const lostController = new AbortController();
  let lostReason: string | null = null;
  const renew = () => {
    let kept = false;
    let reason = 'it expired';
    try {
      kept = run.budget.renew(run.db, reservationId, run.reservationTtlMs);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (!kept) {
      lostReason = `The budget reservation for this call could not be kept (${reason}), so the call was stopped before it could spend unbudgeted money.`;
      clearInterval(timer);
      lostController.abort();
    }
  };
  const timer = setInterval(renew, Math.max(5, Math.floor(run.reservationTtlMs / 3)));
  timer.unref?.();
  return {
    signal: AbortSignal.any([run.signal, lostController.signal]),
    lost: () => lostReason,
    stop: () => clearInterval(timer),
  };
}
