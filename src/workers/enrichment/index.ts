import { enrichmentContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';

/** The enrichment service. Joins census and parcel data, estimates value, and scores completeness. */
runService({
  name: 'enrichment',
  contract: enrichmentContract,
  setup: () => ({}),
});
