import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretsError } from './errors';
import type { MasterKey } from './master-key';

/**
 * AES-256-GCM for one API key: a fresh 12-byte nonce per write, the 16-byte tag stored beside
 * the cipher text, and the key's name bound as additional authenticated data, so a value copied
 * onto another name's row fails to open instead of being used for the wrong source.
 */

export interface SealedSecret {
  ciphertext: Buffer;
  nonce: Buffer;
  authTag: Buffer;
  /** Which master key sealed it. */
  keyId: string;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const additionalData = (name: string) => Buffer.from(`fishmouth secret v1\u0000${name}`, 'utf8');

export function sealSecret(key: MasterKey, name: string, value: string): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.material(), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(name));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { ciphertext, nonce, authTag: cipher.getAuthTag(), keyId: key.id };
}

/** The value, or a SecretsError of kind `wrong-key` or `damaged`; never a crash. */
export function openSecret(key: MasterKey, name: string, sealed: SealedSecret): string {
  if (sealed.keyId !== key.id) {
    throw new SecretsError(
      'wrong-key',
      `The key ${name} was saved under another master key (${sealed.keyId}; this one is ${key.id}), for example by the desktop app when this is the headless host, or on another computer. Enter it again here.`,
    );
  }
  if (sealed.nonce.length !== NONCE_BYTES || sealed.authTag.length !== TAG_BYTES) return damaged(name);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.material(), sealed.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(name));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return damaged(name);
  }
}

function damaged(name: string): never {
  throw new SecretsError(
    'damaged',
    `The stored key ${name} fails its integrity check (the database was edited or damaged, or the row was copied from another key). Enter it again.`,
  );
}
