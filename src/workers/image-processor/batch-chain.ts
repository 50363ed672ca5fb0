import { defineChain } from '../../core/cost/chain';
import { hit, miss, stepError, type Chain } from '../../core/cost/chain-types';
import { connectorStepError } from '../../core/http/errors';
import type { MercatorBox } from '../../core/imagery/types';
import type { AerialImage, RoofImagerySources } from './imagery-sources';

/**
 * One geographic batch's image: ONE NAIP request (split into parts only where the box exceeds
 * the service's export size) for every roof of the batch. Through the chain so that it is rate
 * limited, counted against NAIP's daily cap, and written to the ledger with its batch id.
 */

export const BATCH_IMAGE_NEED = 'batch-image';

export interface BatchNeed {
  box: MercatorBox;
}

export function createBatchChain(sources: RoofImagerySources): Chain<BatchNeed, AerialImage> {
  return defineChain<BatchNeed, AerialImage>({
    need: BATCH_IMAGE_NEED,
    steps: [
      {
        kind: 'free',
        source: 'naip',
        operation: BATCH_IMAGE_NEED,
        async fetch(need, ctx) {
          try {
            const answer = await sources.naip(ctx, need.box);
            if (answer.kind === 'miss') return miss(answer.message);
            const image = answer.image;
            return hit(image, 1, { message: `${image.grid.width}×${image.grid.height} px in ${image.requests} request${image.requests === 1 ? '' : 's'}` });
          } catch (error) {
            const failed = connectorStepError(error, 'NAIP imagery');
            return stepError(failed.kind, failed.message, failed.retryAfterMs === undefined ? {} : { retryAfterMs: failed.retryAfterMs });
          }
        },
      },
    ],
  });
}
