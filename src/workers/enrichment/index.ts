import { enrichmentContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';
import { censusStage } from './census';
import { createCensusChains } from './census-chains';
import { enrichTile } from './enrich-tile';
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
    const facts = createFactsChains(propertyRecordsStep(ctx.secrets));
    // Properties being resolved right now (two tiles may share an edge property).
    const resolving = new Set<string>();
    return {
      'enrichment.census': (request, call) => censusStage(ctx.db, census, request, call),
      'enrichment.enrich': (request, call) => enrichTile(ctx.db, facts, request, call, resolving),
      'enrichment.paid': (request, call) => enrichPaid(ctx.db, facts, request, call),
    };
  },
});
