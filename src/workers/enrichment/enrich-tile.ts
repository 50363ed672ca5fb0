import type { EnrichResult, IncompleteProperty } from '../../core/contracts/enrichment-contract';
import type { enrichRequestSchema } from '../../core/contracts/enrichment-contract';
import { resolveNeed } from '../../core/cost';
import type { HandlerContext } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import { statement, type Db } from '../../core/store/database';
import { propertiesInBBox } from '../../core/store/property-rows';
import { refreshPropertyCompleteness } from '../../core/store/properties';
import type { z } from 'zod';
import { estimateValue, saveValueEstimate, type TypicalAreas } from './estimate';
import type { Pacer } from '../scraper/write-turns';
import { FACTS_NEED, type FactsChains } from './facts-chain';
import { completenessOf, factsOf, missingOf } from './facts';

/**
 * One tile of a scan's enrichment. For every property whose point lies in the tile:
 *   - completeness is brought up to date (census figures may have arrived since it was saved);
 *   - a complete property still without a value gets the local estimate (low confidence);
 *   - a complete property is resolved from the store through the facts chain: one ledger row, a
 *     cache hit whose list price is what the paid record would have cost (the savings);
 *   - an incomplete one is returned for the paid stage, with the critical facts it lacks.
 * Parcels and permits were joined to properties when they were saved (the repositories match
 * them by address and location); the counts say how many properties have them.
 *
 * Idempotent: a property already resolved for this scan (a ledger row with this request and
 * property) is not resolved again, so a tile redone after a crash, or a property on the edge of
 * two tiles, adds no second row.
 */

export type EnrichRequest = z.output<typeof enrichRequestSchema>;

const PROGRESS_EVERY = 200;

export interface EnrichState {
  /** Properties being resolved right now (two tiles may share an edge property). */
  resolving: Set<string>;
  typicalAreas: TypicalAreas;
  /** Gaps in this loop of small writes, for the scraper's writes (write-turns.ts). */
  pacer: Pacer;
}

export async function enrichTile(db: Db, chains: FactsChains, request: EnrichRequest, call: HandlerContext, state: EnrichState): Promise<EnrichResult> {
  const { resolving, typicalAreas, pacer } = state;
  const [west, south, east, north] = request.bbox;
  const properties = propertiesInBBox(db, request.bbox).filter(
    (property) => property.location !== null && property.location.lng >= west && property.location.lng <= east && property.location.lat >= south && property.location.lat <= north,
  );
  const resolved = resolvedAlready(db, request.runId, properties.map((property) => property.id));
  const incomeKnown = new Map<string, boolean>();
  const incomplete: IncompleteProperty[] = [];
  const result: EnrichResult = { properties: properties.length, complete: 0, incomplete, parcelsJoined: 0, permitsLinked: 0, estimatedValues: 0 };

  for (const [index, stored] of properties.entries()) {
    if (call.signal.aborted) throw new RpcError('cancelled', 'Enrichment was cancelled.');
    if (index % PROGRESS_EVERY === 0) call.progress({ stage: 'enrich', done: index, total: properties.length });
    await pacer.tick(call.signal);
    let property = stored;
    if (property.parcelId !== null) result.parcelsJoined += 1;
    if (property.lastRoofPermitAt !== null) result.permitsLinked += 1;
    const facts = factsOf(db, property, incomeKnown);
    if (completenessOf(facts) !== property.completeness) property = refreshPropertyCompleteness(db, property.id);
    if (property.completeness < request.completenessTarget) {
      incomplete.push({ propertyId: property.id, completeness: property.completeness, missing: missingOf(facts) });
      continue;
    }
    result.complete += 1;
    if (property.marketValueUsd === null && property.assessedValueUsd === null) {
      const estimate = estimateValue(db, property, typicalAreas);
      if (estimate) {
        saveValueEstimate(db, property, estimate);
        result.estimatedValues += 1;
      }
    }
    if (resolved.has(property.id) || resolving.has(property.id)) continue;
    resolving.add(property.id);
    try {
      const outcome = await resolveNeed(chains.withPaid, { propertyId: property.id, missing: [] }, {
        db,
        service: 'enrichment',
        requestId: request.runId,
        propertyId: property.id,
        territoryId: request.territoryId,
        qualityTarget: request.completenessTarget,
        signal: call.signal,
        budget: chains.budget,
      });
      if (!outcome.ok && outcome.failure.kind === 'cancelled') throw new RpcError('cancelled', outcome.failure.message);
      // The ledger could not be written (a busy database): the tile is tried again; what was resolved stays resolved.
      if (!outcome.ok && outcome.failure.kind === 'ledger-unavailable') throw new RpcError('timeout', outcome.failure.message);
    } finally {
      resolving.delete(property.id);
    }
  }
  call.progress({ stage: 'enrich', done: properties.length, total: properties.length });
  return result;
}

/** Properties of this scan already resolved through the facts chain (ledger rows of this request). */
function resolvedAlready(db: Db, runId: string, propertyIds: string[]): Set<string> {
  if (propertyIds.length === 0) return new Set();
  const rows = statement(
    db,
    `SELECT DISTINCT property_id FROM cost_ledger
      WHERE request_id = ? AND operation = ? AND property_id IN (SELECT value FROM json_each(?))`,
  )
    .pluck()
    .all(runId, FACTS_NEED, JSON.stringify(propertyIds)) as string[];
  return new Set(rows);
}
