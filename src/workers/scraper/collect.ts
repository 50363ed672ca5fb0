import type { ScrapeRequest, ScrapeResult, SaveCounts } from '../../core/contracts/scraper-contract';
import { resolveNeed, type ChainOutcome } from '../../core/cost';
import type { Micros } from '../../core/money';
import type { HandlerContext } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import { StoreError, writeTransaction, type Db } from '../../core/store';
import { insertStormReports } from '../../core/store/storms';
import { upsertPermits } from '../../core/store/permits';
import { upsertPropertyObservation } from '../../core/store/properties';
import type { AnyChain, Collected } from './chains';

/**
 * One unit of a scan's collection: resolve the task's need through its chain (rate limits, daily
 * caps and the ledger included), then save what came with the store's repositories. Saving the
 * same answer twice changes nothing, so a step repeated after a crash adds no duplicate.
 *
 * Properties of one answer are saved in one transaction (the repository's own transactions nest
 * as savepoints), so a tile lands whole or not at all; a record the store refuses (no address and
 * no location) is counted as rejected, not fatal.
 */

/** Scans wait longer for a rate-limit token than an interactive request: they are background work. */
const SCAN_RATE_WAIT_MS = 120_000;

export async function collect(db: Db, chainFor: (task: ScrapeRequest['task']) => AnyChain, request: ScrapeRequest, call: HandlerContext): Promise<ScrapeResult> {
  const chain = chainFor(request.task);
  call.progress({ stage: request.task.kind, done: 0, total: null, message: `Asking ${chain.steps[0]?.source ?? 'the source'}` });
  const outcome: ChainOutcome<Collected> = await resolveNeed(chain, request.task, {
    db,
    service: 'scraper',
    requestId: request.runId,
    territoryId: request.territoryId,
    signal: call.signal,
    rateWaitMs: SCAN_RATE_WAIT_MS,
  });
  const tried = outcome.sourcesTried.at(-1);
  const source = outcome.ok ? outcome.source : (tried?.source ?? chain.steps[0]?.source ?? 'unknown');
  if (!outcome.ok) {
    if (outcome.failure.kind === 'cancelled') throw new RpcError('cancelled', outcome.failure.message);
    const notConfigured = tried?.errorKind === 'not-configured' || tried?.errorKind === 'source-disabled';
    return {
      kind: request.task.kind,
      source,
      outcome: notConfigured ? 'not-configured' : 'unavailable',
      fetched: 0,
      saved: { inserted: 0, updated: 0, unchanged: 0, rejected: 0 },
      costMicros: outcome.costMicros,
      message: tried?.message ?? outcome.failure.message,
    };
  }
  const value = outcome.value;
  call.progress({ stage: request.task.kind, done: 0, total: null, message: `Saving what ${source} sent` });
  const saved = save(db, value, request);
  return {
    kind: request.task.kind,
    source,
    outcome: 'ok',
    fetched: value.observations.length + value.permits.length + value.storms.length,
    saved: { ...saved, rejected: saved.rejected + value.rejected },
    costMicros: outcome.costMicros as Micros,
    message: value.warnings.length > 0 ? value.warnings.slice(0, 3).join(' ') : null,
  };
}

function save(db: Db, value: Collected, request: ScrapeRequest): SaveCounts {
  const counts: SaveCounts = { inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
  if (value.observations.length > 0) {
    writeTransaction(db, () => {
      for (const observation of value.observations) {
        try {
          const result = upsertPropertyObservation(db, observation, { territoryId: request.territoryId });
          if (result.created) counts.inserted += 1;
          else if (result.outcome === 'updated') counts.updated += 1;
          else counts.unchanged += 1;
        } catch (error) {
          if (!(error instanceof StoreError) || error.kind !== 'invalid-input') throw error;
          counts.rejected += 1;
        }
      }
    });
  }
  if (value.permits.length > 0) {
    const permits = upsertPermits(db, value.permits);
    counts.inserted += permits.inserted;
    counts.updated += permits.updated;
    counts.unchanged += permits.unchanged;
  }
  if (value.storms.length > 0) {
    const storms = insertStormReports(db, value.storms);
    counts.inserted += storms.inserted;
    counts.updated += storms.updated;
    counts.unchanged += storms.unchanged;
  }
  return counts;
}
