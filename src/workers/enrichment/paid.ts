import { scanPaidRequestId, type PaidRequest, type PaidResult } from '../../core/contracts/enrichment-contract';
import { resolveNeed } from '../../core/cost';
import type { Micros } from '../../core/money';
import type { HandlerContext } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import type { Db } from '../../core/store/database';
import { getProperty } from '../../core/store/property-rows';
import { PAID_SOURCE, RECORD_FILLABLE, type FactsChains } from './facts-chain';

/**
 * The paid stage for one incomplete property: the facts chain with its paid step (unless the scan
 * said no paid enrichment), asking only for the critical facts still missing. The chain records
 * every attempt: the store lookup, the paid call or its refusal (budget, per-request cap, rate,
 * switched-off source), and the local estimate when the paid record was not bought.
 */

export async function enrichPaid(db: Db, chains: FactsChains, request: PaidRequest, call: HandlerContext): Promise<PaidResult> {
  // Note: a record cannot supply a location or census figures; no call is bought for those alone.
  const worthBuying = request.missing.some((field) => RECORD_FILLABLE.includes(field));
  const outcome = await resolveNeed(request.allowPaid && worthBuying ? chains.withPaid : chains.freeOnly, { propertyId: request.propertyId, missing: request.missing }, {
    db,
    service: 'enrichment',
    requestId: scanPaidRequestId(request.runId),
    propertyId: request.propertyId,
    territoryId: request.territoryId,
    priority: request.priority,
    qualityTarget: request.completenessTarget,
    signal: call.signal,
    budget: chains.budget,
  });
  if (!outcome.ok && outcome.failure.kind === 'cancelled') throw new RpcError('cancelled', outcome.failure.message);
  // Nothing may be bought without a ledger row; with the ledger unwritable (a busy database) the step is tried again.
  if (!outcome.ok && outcome.failure.kind === 'ledger-unavailable') throw new RpcError('timeout', outcome.failure.message);
  const property = getProperty(db, request.propertyId);
  const completeness = property?.completeness ?? 0;
  const paidAttempt = outcome.sourcesTried.find((attempt) => attempt.source === PAID_SOURCE);
  const refused = paidAttempt?.outcome === 'refused';
  const costMicros = outcome.costMicros as Micros;
  if (!outcome.ok) {
    return {
      propertyId: request.propertyId,
      outcome: refused ? 'refused' : 'failed',
      filled: [],
      completeness,
      costMicros,
      message: paidAttempt?.message ?? outcome.failure.message,
    };
  }
  const from = outcome.value.from;
  return {
    propertyId: request.propertyId,
    outcome: from === 'paid' ? 'paid' : from === 'bought-before' ? 'stored' : from === 'store' ? 'complete' : refused ? 'refused' : 'fallback',
    filled: outcome.value.filled,
    completeness,
    costMicros,
    message: refused ? (paidAttempt?.message ?? null) : null,
  };
}
