import type { mlInferenceContract } from '../../core/contracts/ml-contract';
import type { RasterImage } from '../../core/imagery/types';
import type { LinkedClient } from '../../core/rpc/linked-client';
import type { SrScale } from '../../ml/types';

/**
 * Super-resolution across properties: the roofs of one batch are resolved side by side, and each
 * asks for its crop to be enhanced; this queue gathers the asks that arrive together (within a
 * few milliseconds, up to `maxImages`) into ONE `ml.enhance` call, where ml-inference runs the
 * tiles of every image through shared model runs. Each ask still gets its own answer and may be
 * cancelled on its own (an abandoned ask is simply not waited for).
 */

interface Ask {
  image: RasterImage;
  resolve(result: EnhancedImage): void;
  reject(error: unknown): void;
}

export interface EnhancedImage {
  image: RasterImage;
  model: string;
  provider: string;
}

export interface EnhanceQueueOptions {
  scale: SrScale;
  /** How long the first ask waits for company (default 15 ms). */
  gatherMs?: number;
  /** Most images in one call (default 16). */
  maxImages?: number;
}

export class EnhanceQueue {
  private waiting: Ask[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** ml.enhance calls made, and images sent through them (for the step's log and tests). */
  calls = 0;
  images = 0;

  constructor(
    private readonly ml: LinkedClient<typeof mlInferenceContract>,
    private readonly options: EnhanceQueueOptions,
    private readonly signal: AbortSignal,
  ) {}

  enhance(image: RasterImage): Promise<EnhancedImage> {
    if (this.signal.aborted) return Promise.reject(new Error('cancelled'));
    return new Promise<EnhancedImage>((resolve, reject) => {
      this.waiting.push({ image, resolve, reject });
      if (this.waiting.length >= (this.options.maxImages ?? 16)) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.gatherMs ?? 15);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const asks = this.waiting;
    this.waiting = [];
    if (asks.length === 0) return;
    this.calls += 1;
    this.images += asks.length;
    // Note: the bytes are copied by structured clone into the ml-inference thread; the crops are small.
    this.ml
      .call('ml.enhance', { images: asks.map((ask) => ask.image), scale: this.options.scale }, { signal: this.signal })
      .then(
        (result) => asks.forEach((ask, index) => ask.resolve({ image: result.images[index]!, model: result.model, provider: result.provider })),
        (error: unknown) => asks.forEach((ask) => ask.reject(error)),
      );
  }
}
