import type { OrchestratorApiContract } from '../../core/contracts/orchestrator-api';
import type { ServiceContext } from '../../core/host/service-runtime';
import type { Handlers } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import { SecretsError } from '../../core/secrets';

type SecretsHandlers = Pick<Handlers<OrchestratorApiContract>, 'secrets.list' | 'secrets.set' | 'secrets.delete'>;

/** Who changed a key, as the audit log records it: a person in Settings (desktop or browser). */
const SETTINGS_ACTOR = 'settings';

/**
 * Settings → API keys. Values arrive in `secrets.set` and go straight into the vault; they are
 * never logged, audited or answered back (answers carry a masked hint at most).
 */
export function secretsHandlers(ctx: ServiceContext): SecretsHandlers {
  const vault = ctx.secrets.vault();
  return {
    'secrets.list': () => asRpc(() => vault.list()),
    'secrets.set': (input) =>
      asRpc(() => {
        const saved = vault.set(input, SETTINGS_ACTOR);
        ctx.log.info({ keyName: saved.name, rotateAfterDays: saved.rotateAfterDays }, 'api key saved');
        return saved;
      }),
    'secrets.delete': ({ name }) =>
      asRpc(() => {
        const deleted = vault.delete(name, SETTINGS_ACTOR);
        if (deleted) ctx.log.info({ keyName: name }, 'api key deleted');
        return { deleted };
      }),
  };
}

/** The vault's errors keep their message; their kind becomes the RPC error a caller can branch on. */
function asRpc<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SecretsError) {
      throw new RpcError(error.kind === 'invalid-input' ? 'bad-input' : 'refused', error.message, { secretsError: error.kind });
    }
    throw error;
  }
}
