import { enrichmentContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';
import { censusStage } from './census';
import { createCensusChains } from './census-chains';
import { enrichTile } from './enrich-tile';
import { TypicalAreas } from './estimate';
import { busyAsRetry, Pacer, WriteTurns } from '../scraper/write-turns';
import { createFactsChains } from './facts-chain';
import { enrichPaid } from './paid';
import { propertyRecordsStep } from './property-records-source';

/**
 * The enrichment service. Joins census and parcel data, estimates value, and scores completeness;
 * buys a targeted property record where free facts leave a property incomplete and the budget
 * allows. Each method is one step of a territory scan (see core/contracts/enrichment-contract.ts).
 */
runService({
  name: 'enrichment',
  contract: enrichmentContract,
  setup(ctx) {
    const census = createCensusChains(ctx.secrets);
    const typicalAreas = new TypicalAreas();
    const facts = createFactsChains(propertyRecordsStep(ctx.secrets), typicalAreas);
    const enrichState = { resolving: new Set<string>(), typicalAreas, pacer: new Pacer() };
    const turns = new WriteTurns();
    // A step that met a busy database is tried again by the orchestrator (every step is idempotent).
    const retryWhenBusy = <T>(work: Promise<T>) => work.catch((error: unknown) => Promise.reject(busyAsRetry(error)));
    return {
      'enrichment.census': (request, call) => retryWhenBusy(censusStage(ctx.db, census, turns, request, call)),
      'enrichment.enrich': (request, call) => retryWhenBusy(enrichTile(ctx.db, facts, request, call, enrichState)),
      'enrichment.paid': (request, call) => retryWhenBusy(enrichPaid(ctx.db, facts, request, call)),
    };
  },
});
