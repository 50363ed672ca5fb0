import { scraperContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';

/** The scraper service. Collects properties, storms and permits from public sources. */
runService({
  name: 'scraper',
  contract: scraperContract,
  setup: () => ({}),
});
