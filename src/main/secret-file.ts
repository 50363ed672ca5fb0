import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';

/*
 * The key store's file and rules, without the cipher: src/main/secrets.ts plugs in Electron's
 * safeStorage (OS keychain), tests plug in a fake. Values are only ever written encrypted.
 */

export type SecretCipherAvailability = { ok: true } | { ok: false; reason: string };

/** The OS-backed cipher: Electron's `safeStorage` in the app. */
export interface SecretCipher {
  availability(): SecretCipherAvailability;
  encrypt(plainText: string): Buffer;
  decrypt(cipherText: Buffer): string;
}

export type SecretStoreErrorKind = 'encryption-unavailable' | 'invalid-name' | 'invalid-value' | 'damaged-file' | 'decrypt-failed' | 'write-failed';

export class SecretStoreError extends Error {
  constructor(
    readonly kind: SecretStoreErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}

export interface SecretStore {
  setSecret(name: string, value: string): void;
  /** The decrypted value, or null when no secret has that name. */
  getSecret(name: string): string | null;
  /** Whether a secret was removed. */
  deleteSecret(name: string): boolean;
  listSecretNames(): string[];
}

/** e.g. `google-static-maps.api-key`: names appear in file and logs, so keep them plain. */
export const secretNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'use 1–128 lower-case letters, digits, dots, dashes or underscores');
const MAX_SECRET_LENGTH = 64 * 1024;
export const secretValueSchema = z.string().min(1, 'must not be empty').max(MAX_SECRET_LENGTH, 'is longer than 64 KiB');

const secretFileSchema = z.object({
  format: z.literal('fishmouth-secrets'),
  version: z.literal(1),
  secrets: z.record(
    secretNameSchema,
    z.object({ cipherText: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'), updatedAt: z.string() }),
  ),
});
type SecretFile = z.infer<typeof secretFileSchema>;

const emptyFile = (): SecretFile => ({ format: 'fishmouth-secrets', version: 1, secrets: {} });

export function openSecretStore(filePath: string, cipher: SecretCipher, now: () => Date = () => new Date()): SecretStore {
  const requireCipher = (action: string) => {
    const availability = cipher.availability();
    if (!availability.ok) {
      throw new SecretStoreError(
        'encryption-unavailable',
        `Cannot ${action}: ${availability.reason}. Fish Mouth never stores keys unencrypted.`,
      );
    }
  };
  const checkName = (name: string) => {
    const parsed = secretNameSchema.safeParse(name);
    if (!parsed.success) throw new SecretStoreError('invalid-name', `"${name.slice(0, 60)}" is not a valid key name: ${parsed.error.issues[0]?.message}`);
  };

  return {
    setSecret(name, value) {
      checkName(name);
      const checked = secretValueSchema.safeParse(value);
      if (!checked.success) throw new SecretStoreError('invalid-value', `The value for ${name} ${checked.error.issues[0]?.message}.`);
      requireCipher(`save ${name}`);
      const file = readSecretFile(filePath);
      file.secrets[name] = { cipherText: cipher.encrypt(value).toString('base64'), updatedAt: now().toISOString() };
      writeFileAtomically(filePath, `${JSON.stringify(file, null, 2)}\n`);
    },
    getSecret(name) {
      checkName(name);
      const entry = readSecretFile(filePath).secrets[name];
      if (!entry) return null;
      requireCipher(`read ${name}`);
      try {
        return cipher.decrypt(Buffer.from(entry.cipherText, 'base64'));
      } catch (error) {
        throw new SecretStoreError(
          'decrypt-failed',
          `Cannot decrypt ${name} (${(error as Error).message}). It was probably saved under another OS account or keychain; enter it again in Settings.`,
        );
      }
    },
    deleteSecret(name) {
      checkName(name);
      const file = readSecretFile(filePath);
      if (!(name in file.secrets)) return false;
      delete file.secrets[name];
      writeFileAtomically(filePath, `${JSON.stringify(file, null, 2)}\n`);
      return true;
    },
    listSecretNames() {
      return Object.keys(readSecretFile(filePath).secrets).sort();
    },
  };
}

function readSecretFile(filePath: string): SecretFile {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile();
    throw new SecretStoreError('damaged-file', `Cannot read the key store ${filePath}: ${(error as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged(filePath, 'it is not JSON');
  }
  const parsed = secretFileSchema.safeParse(json);
  if (!parsed.success) throw damaged(filePath, parsed.error.issues[0]?.message ?? 'unexpected content');
  return parsed.data;
}

const damaged = (filePath: string, why: string) =>
  new SecretStoreError('damaged-file', `The key store ${filePath} is damaged (${why}). Move it aside and enter your keys again in Settings.`);

/**
 * Writes beside the target and renames over it, so a crash mid-write leaves the old file intact
 * (rename is atomic on one file system). Mode 0600: the content is encrypted, but nobody else
 * needs to read it.
 */
export function writeFileAtomically(filePath: string, content: string): void {
  const dir = dirname(filePath);
  const temp = join(dir, `.${basename(filePath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, filePath);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new SecretStoreError('write-failed', `Cannot save the key store ${filePath}: ${(error as Error).message}.`);
  }
}
