import { mlInferenceContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';
import { RpcError } from '../../core/rpc/protocol';
import { recordMlRuntime } from '../../ml/runtime-record';
import { SuperResolvers } from './super-resolvers';
import { TabularModels } from './tabular-models';

/**
 * The ml-inference service. Runs the ONNX models: super-resolution (ESRGAN-slim ×2/×4, converted
 * by src/ml/esrgan-onnx.ts), roof condition and lead score (src/ml/roof-condition-model.ts,
 * src/ml/lead-model.ts; the lead model's active version from the registry). Sessions use the execution
 * provider chosen at run time (CUDA, DirectML, CoreML, else CPU), reported by `ml.info`.
 */
let resolvers: SuperResolvers | null = null;
let tabular: TabularModels | null = null;

runService({
  name: 'ml-inference',
  contract: mlInferenceContract,
  setup(ctx) {
    const pool = new SuperResolvers(ctx.log);
    resolvers = pool;
    // Opens the models now (not at the first roof) so that status can say what they run on.
    void pool.info().then(
      (info) => {
        recordMlRuntime(ctx.db, info);
        ctx.log.info({ provider: info.provider, models: info.models.map((model) => model.id), problem: info.problem }, 'models ready');
      },
      (error: unknown) => ctx.log.error({ err: error }, 'could not report the models'),
    );
    const models = new TabularModels(ctx.db, ctx.dataDir);
    tabular = models;
    return {
      'ml.info': () => pool.info(),
      'ml.roofCondition': ({ inputs }) => models.run('roof-condition', inputs),
      'ml.leadScore': ({ inputs }) => models.run('lead-score', inputs),
      'ml.enhance': async ({ images, scale }, call) => {
        const resolver = await pool.get(scale);
        const started = performance.now();
        try {
          const enhanced = await resolver.enhanceMany(images, {
            signal: call.signal,
            onProgress: (done, total) => call.progress({ stage: 'enhance', done, total }),
          });
          return { images: enhanced, model: resolver.model.id, provider: resolver.provider, ms: performance.now() - started };
        } catch (error) {
          if (call.signal.aborted) throw new RpcError('cancelled', 'Enhancement was cancelled.');
          throw error;
        }
      },
    };
  },
  shutdown: async () => {
    await Promise.all([resolvers?.close(), tabular?.close()]);
  },
});
