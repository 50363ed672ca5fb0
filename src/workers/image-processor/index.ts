import { BlobStore } from '../../core/blob-store';
import { imageProcessorContract, mlInferenceContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';
import { getImagerySettings } from '../../core/imagery/imagery-settings';
import { acquireImagery } from './acquire';
import { createBatchChain } from './batch-chain';
import { planImagery } from './plan';
import { providerSources } from './provider-sources';
import { createRoofChain } from './roof-chain';
import { TileRasters } from './tile-rasters';
import { UnstoredImages } from './unstored-images';
import { evictImageryCache, imageryCacheStats, imageryCoverage, roofImageView } from './views';

/**
 * The image-processor service. Acquires roof imagery through the free-first chain — geographic
 * cache, NAIP (one request per geographic batch), paid imagery under the budget, synthetic
 * fallback — crops one roof per property, has ml-inference enhance the crops, scores and saves them.
 */
runService({
  name: 'image-processor',
  contract: imageProcessorContract,
  setup(ctx) {
    const blobs = new BlobStore({ db: ctx.db, dataDir: ctx.dataDir });
    const settings = () => getImagerySettings(ctx.db);
    const sources = providerSources();
    const rasters = new TileRasters(blobs);
    const unstored = new UnstoredImages();
    const chainDeps = { blobs, settings, sources, secrets: ctx.secrets, rasters };
    const withPaid = createRoofChain(chainDeps);
    const freeOnly = createRoofChain({ ...chainDeps, paid: false });
    const deps = {
      db: ctx.db,
      blobs,
      log: ctx.log,
      settings,
      roofChain: { withPaid, freeOnly },
      batchChain: createBatchChain(sources),
      ml: ctx.serviceLink('ml-inference', mlInferenceContract),
      rasters,
      unstored,
    };
    return {
      'imagery.plan': (request) => planImagery(ctx.db, request, settings()),
      'imagery.acquire': (request, call) => acquireImagery(deps, request, call),
      'imagery.roof': ({ propertyId, withImage }) => roofImageView(ctx.db, blobs, unstored, propertyId, withImage),
      'imagery.coverage': ({ bbox, runId, limit }) => imageryCoverage(ctx.db, bbox, { runId, limit }),
      'imagery.cache': () => imageryCacheStats(ctx.db),
      'imagery.evict': () => evictImageryCache(ctx.db, blobs, settings()),
    };
  },
});
