import type { MlInfo } from '../../core/contracts/ml-contract';
import type { Logger } from '../../core/log';
import { RpcError } from '../../core/rpc/protocol';
import { openSuperResolver } from '../../ml/super-resolution';
import type { SrScale, SuperResolver } from '../../ml/types';

/**
 * The super-resolution sessions of this service: one per scale, opened on first use and kept
 * (an ONNX session takes a moment to build and holds the weights once). A model that cannot be
 * opened is reported by `info()` with what to do, and every enhance call fails with that message
 * instead of crashing the service.
 */
export class SuperResolvers {
  private readonly open = new Map<SrScale, Promise<SuperResolver>>();
  private problem: string | null = null;

  constructor(private readonly log: Logger) {}

  get(scale: SrScale): Promise<SuperResolver> {
    const opened = this.open.get(scale);
    if (opened) return opened;
    const opening = openSuperResolver({ scale }).catch((error: unknown) => {
      this.open.delete(scale);
      const detail = error instanceof Error ? error.message : String(error);
      this.problem = `The ×${scale} super-resolution model could not be loaded (${detail}). Reinstall Fish Mouth, or run \`npm run build\` in a source checkout to regenerate models/.`;
      this.log.error({ err: error, scale }, 'super-resolution model failed to load');
      throw new RpcError('refused', this.problem);
    });
    this.open.set(scale, opening);
    return opening;
  }

  async info(): Promise<MlInfo> {
    const models: MlInfo['models'] = [];
    let provider: MlInfo['provider'] = null;
    for (const scale of [4, 2] as const) {
      try {
        const resolver = await this.get(scale);
        provider ??= resolver.provider;
        models.push({ id: resolver.model.id, kind: 'super-resolution', scale, sha256: resolver.model.sha256, source: resolver.model.source, licence: resolver.model.licence });
      } catch {
        // reported through `problem`
      }
    }
    const providerNote = provider === 'cpu' ? 'no CUDA, DirectML or CoreML provider on this machine' : null;
    return { provider, providerNote, models, problem: this.problem };
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((opening) => opening.then((resolver) => resolver.close(), () => undefined)));
  }
}
