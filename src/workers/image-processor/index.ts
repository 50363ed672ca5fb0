import { imageProcessorContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';

/** The image-processor service. Acquires roof imagery through the free-first chain, batches requests, and crops per property. */
runService({
  name: 'image-processor',
  contract: imageProcessorContract,
  setup: () => ({}),
});
