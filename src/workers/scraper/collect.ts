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
import type { WriteTurns } from './write-turns';

/**
 * One unit of a scan's collection: resolve the task's need through its chain (rate limits, daily
 * caps and the ledger included), then save what came with the store's repositories. Saving the
 * same answer twice changes nothing, so a step repeated after a crash adds no duplicate.
 *
 * Records are saved in batches of SAVE_BATCH, each one transaction (the repository's own
 * transactions nest as savepoints), taking turns with the other writers (write-turns.ts): the
 * enrichment service and the orchestrator write to the same database meanwhile. A batch cut short
 * by a crash is simply saved again when the step is redone.
 * A record the store refuses (no address and no location) is counted as rejected, not fatal.
 */

/** Scans wait longer for a rate-limit token than an interactive request: they are background work. */
const SCAN_RATE_WAIT_MS = 120_000;
const SAVE_BATCH = 250;

export async function collect(db: Db, chainFor: (task: ScrapeRequest['task']) => AnyChain, turns: WriteTurns, request: ScrapeRequest, call: HandlerContext): Promise<ScrapeResult> {
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
    // The ledger could not be written (a busy database): the orchestrator tries the step again.
    if (outcome.failure.kind === 'ledger-unavailable') throw new RpcError('timeout', outcome.failure.message);
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
  const saved = await save(db, turns, value, request, call.signal);
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

async function save(db: Db, turns: WriteTurns, value: Collected, request: ScrapeRequest, signal: AbortSignal): Promise<SaveCounts> {
  const counts: SaveCounts = { inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
  const add = (result: { inserted: number; updated: number; unchanged: number }) => {
    counts.inserted += result.inserted;
    counts.updated += result.updated;
    counts.unchanged += result.unchanged;
  };
  for (const batch of batches(value.observations)) {
    await turns.write(signal, () => writeTransaction(db, () => {
      for (const observation of batch) {
        try {
          const result = upsertPropertyObservation(db, observation, { territoryId: request.territoryId });
          add({ inserted: result.created ? 1 : 0, updated: result.outcome === 'updated' ? 1 : 0, unchanged: !result.created && result.outcome !== 'updated' ? 1 : 0 });
        } catch (error) {
          if (!(error instanceof StoreError) || error.kind !== 'invalid-input') throw error;
          counts.rejected += 1;
        }
      }
    }));
  }
  for (const batch of batches(value.permits)) add(await turns.write(signal, () => upsertPermits(db, batch)));
  for (const batch of batches(value.storms)) add(await turns.write(signal, () => insertStormReports(db, batch)));
  return counts;
}

function* batches<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += SAVE_BATCH) yield items.slice(start, start + SAVE_BATCH);
}
