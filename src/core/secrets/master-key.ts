import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { InitSecrets } from '../contracts/secrets-api';
import { SecretsError } from './errors';

/**
 * The per-device 32-byte master key that seals every API key, and the forms it travels in.
 * The desktop app keeps it sealed by the OS keychain (src/main/secrets.ts), the headless host in
 * FISHMOUTH_MASTER_KEY or a 0600 key file (headless-key.ts); the host hands it to each service in
 * its init message, never through env, argv or logs.
 */

export const MASTER_KEY_BYTES = 32;
/** Standard base64 of 32 bytes: 43 characters and one `=`. */
const MASTER_KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
export const MAKE_A_KEY_HINT = 'make one with `openssl rand -base64 32`';

/**
 * Note: a class with a private field, so that logging or serialising one by mistake
 * (`log.info({ key })`, JSON.stringify, console.log) shows only its id.
 */
export class MasterKey {
  readonly #bytes: Buffer;
  /** Names this key in each sealed row (`key_id`) without revealing it. */
  readonly id: string;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
    this.id = createHmac('sha256', bytes).update('fishmouth master key id v1').digest('hex').slice(0, 16);
  }

  static fromBytes(bytes: Uint8Array): MasterKey {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new SecretsError('master-key-invalid', `A master key is ${MASTER_KEY_BYTES} bytes; this one has ${bytes.length}.`);
    }
    return new MasterKey(Buffer.from(bytes));
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(MASTER_KEY_BYTES));
  }

  /** `where` names the source in the error, e.g. "FISHMOUTH_MASTER_KEY". The text is never echoed. */
  static fromBase64(text: string, where: string): MasterKey {
    const trimmed = text.trim();
    if (!MASTER_KEY_BASE64.test(trimmed)) {
      throw new SecretsError(
        'master-key-invalid',
        `${where} is not a master key: it must be ${MASTER_KEY_BYTES} random bytes in standard base64 (44 characters ending in "="); ${MAKE_A_KEY_HINT}.`,
      );
    }
    return new MasterKey(Buffer.from(trimmed, 'base64'));
  }

  /** The raw key, for the cipher only. */
  material(): Buffer {
    return this.#bytes;
  }

  toBase64(): string {
    return this.#bytes.toString('base64');
  }

  toJSON(): { masterKeyId: string } {
    return { masterKeyId: this.id };
  }

  toString(): string {
    return `MasterKey(${this.id})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** What a process knows about its master key: the key, or why it has none. */
export type SecretsUnlock = { kind: 'unlocked'; key: MasterKey } | { kind: 'locked'; reason: string };


export function unlockToInit(unlock: SecretsUnlock): InitSecrets {
  return unlock.kind === 'unlocked' ? { kind: 'unlocked', keyId: unlock.key.id, key: unlock.key.toBase64() } : unlock;
}

export function unlockFromInit(init: InitSecrets): SecretsUnlock {
  if (init.kind === 'locked') return init;
  const key = MasterKey.fromBase64(init.key, 'The master key from the host');
  if (key.id !== init.keyId) throw new SecretsError('master-key-invalid', 'The master key from the host was damaged on its way (its id does not match).');
  return { kind: 'unlocked', key };
}
