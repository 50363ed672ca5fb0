import type { OrchestratorApiContract } from '../../core/contracts/orchestrator-api';
import type { sourcesContract } from '../../core/contracts/sources-api';
import { changeSourceSettings, listSourceSettings } from '../../core/cost/source-settings';
import { SourcePolicyError } from '../../core/cost/source-policy';
import type { ServiceContext } from '../../core/host/service-runtime';
import type { Handlers } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';

type SourcesHandlers = Pick<Handlers<OrchestratorApiContract>, keyof typeof sourcesContract.methods>;

/** Source changes made from the UI are manager actions, and recorded as such. */
const MANAGER = 'manager';

/**
 * Settings → Data sources: the catalogue with its settings and today's use, and the manager's
 * changes. Every process reads the settings from the database on its next call, so a change here
 * reaches the rate limiter and the free-first chain of every service without a restart.
 */
export function sourcesHandlers(ctx: ServiceContext): SourcesHandlers {
  const { db } = ctx;
  return {
    'sources.list': () => asRpc(() => listSourceSettings(db)),
    'sources.configure': ({ id, override, expectedVersion }) =>
      asRpc(() => {
        const saved = changeSourceSettings(db, id, override, { actor: MANAGER, expectedVersion });
        ctx.log.info({ source: id, version: saved.settingsVersion, customised: saved.customised }, override === null ? 'data source reset to defaults' : 'data source settings changed');
        return saved;
      }),
  };
}

/** A refusal keeps its message; its kind becomes one the caller can branch on. */
function asRpc<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SourcePolicyError) {
      if (error.kind === 'stale-settings') throw new RpcError('refused', error.message);
      if (error.kind === 'unknown-source' || error.kind === 'invalid-override') throw new RpcError('bad-input', error.message);
    }
    throw error;
  }
}
