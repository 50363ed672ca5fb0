import { leadGeneratorContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';

/** The lead-generator service. Ranks leads, builds lists and walk routes, and exports them. */
runService({
  name: 'lead-generator',
  contract: leadGeneratorContract,
  setup: () => ({}),
});
