import { scraperContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';
import { scraperChains } from './chains';
import { collect } from './collect';
import { busyAsRetry, WriteTurns } from './write-turns';

/**
 * The scraper service. Collects properties, storms and permits from public sources: one unit of
 * a territory scan per call (a tile of buildings or parcels, a permit portal, a day of SPC reports,
 * a year of NCEI events), through the free-first chain, saved with the store's repositories.
 */
runService({
  name: 'scraper',
  contract: scraperContract,
  setup(ctx) {
    const chainFor = scraperChains(ctx.secrets);
    const turns = new WriteTurns();
    return {
      'scraper.collect': (request, call) => collect(ctx.db, chainFor, turns, request, call).catch((error: unknown) => Promise.reject(busyAsRetry(error))),
    };
  },
});
