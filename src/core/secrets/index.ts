/**
 * API keys encrypted at rest (docs/SECRETS.md): AES-256-GCM per key under a per-device master
 * key, in the `secrets` table. Services read keys through `ctx.secrets.get(name)`.
 */
import { SecretsError } from './errors';
import type { SecretReader, SecretVault } from './vault';

export { SecretsError, type SecretsErrorKind } from './errors';
export { MASTER_KEY_BYTES, MasterKey, unlockFromInit, unlockToInit, type SecretsUnlock } from './master-key';
export { openSecret, sealSecret, type SealedSecret } from './seal';
export { maskedHint, openSecretVault, type SecretReader, type SecretVault } from './vault';
export { loadHeadlessMasterKey, unlockHeadlessSecrets, MASTER_KEY_ENV, MASTER_KEY_FILE, masterKeyFilePath, type HeadlessKey, type HeadlessKeyOptions, type HeadlessUnlock } from './headless-key';

/** `ServiceContext.secrets`: every service reads; only the orchestrator, which serves Settings, writes. */
export interface ServiceSecrets extends SecretReader {
  /** The writable store; throws `read-only` in any service but the orchestrator. */
  vault(): SecretVault;
}

export function serviceSecrets(service: string, vault: SecretVault): ServiceSecrets {
  return {
    get: (name) => vault.get(name),
    vault() {
      if (service !== 'orchestrator') {
        throw new SecretsError('read-only', `The ${service} service may read API keys but not change them; keys are changed in Settings.`);
      }
      return vault;
    },
  };
}
