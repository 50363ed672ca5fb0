import type { ImageryApiContract } from '../../core/contracts/imagery-api';
import type { OrchestratorApiContract } from '../../core/contracts/orchestrator-api';
import { imageProcessorContract, mlInferenceContract } from '../../core/contracts/service-contracts';
import type { ServiceContext } from '../../core/host/service-runtime';
import type { Handlers } from '../../core/rpc/peer';

type ImageryHandlers = Pick<Handlers<OrchestratorApiContract>, keyof ImageryApiContract['methods']>;

/**
 * The renderer's imagery questions, passed on to the service that owns the answer: roof images,
 * coverage and the cache to the image-processor, models and execution provider to ml-inference.
 * Each link re-validates both ways, so nothing unchecked crosses.
 */
export function imageryHandlers(ctx: ServiceContext): ImageryHandlers {
  const images = ctx.serviceLink('image-processor', imageProcessorContract);
  const ml = ctx.serviceLink('ml-inference', mlInferenceContract);
  return {
    'imagery.roof': (params, call) => images.call('imagery.roof', params, { signal: call.signal }),
    'imagery.coverage': (params, call) => images.call('imagery.coverage', params, { signal: call.signal }),
    'imagery.cache': (_params, call) => images.call('imagery.cache', {}, { signal: call.signal }),
    'imagery.evict': (_params, call) => images.call('imagery.evict', {}, { signal: call.signal }),
    'ml.info': (_params, call) => ml.call('ml.info', {}, { signal: call.signal }),
  };
}
