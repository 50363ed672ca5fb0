import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { MasterKey, SecretsError, type SecretsUnlock } from '../core/secrets';

/*
 * The desktop app's master key file, `<dataDir>/master-key.enc`: the 32-byte key that seals every
 * API key (src/core/secrets), itself sealed by the OS (safeStorage: Keychain, DPAPI, libsecret or
 * KWallet). Without the cipher: src/main/secrets.ts plugs in safeStorage, tests plug in a fake.
 */

export const SEALED_MASTER_KEY_FILE = 'master-key.enc';

export type SecretCipherAvailability = { ok: true } | { ok: false; reason: string };

/** The OS-backed cipher: Electron's `safeStorage` in the app. */
export interface SecretCipher {
  availability(): SecretCipherAvailability;
  encrypt(plainText: string): Buffer;
  decrypt(cipherText: Buffer): string;
}

export interface DesktopUnlock {
  unlock: SecretsUnlock;
  /** A new master key was made (first run, or after the old file was moved aside). */
  created: boolean;
}

const sealedFileSchema = z.object({
  format: z.literal('fishmouth-master-key'),
  version: z.literal(1),
  /** base64 of what the OS cipher made of the key's base64. */
  sealed: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'not base64'),
});

/**
 * Opens the sealed key, or makes one on first run. Never throws for a missing keychain or a bad
 * file: the app still starts, and Settings shows the reason (keys cannot be saved until fixed).
 * Note: a file that no longer opens is left alone rather than replaced, since replacing it would
 * silently orphan every key saved under it; the reason says how to start afresh.
 */
export function unlockSealedMasterKey(filePath: string, cipher: SecretCipher): DesktopUnlock {
  const locked = (reason: string): DesktopUnlock => ({ unlock: { kind: 'locked', reason }, created: false });
  const availability = cipher.availability();
  if (!availability.ok) return locked(`${availability.reason}. Fish Mouth never stores API keys unencrypted`);

  let text: string | null = null;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return locked(`the master key file ${filePath} cannot be read (${(error as Error).message})`);
  }

  if (text === null) {
    const key = MasterKey.generate();
    try {
      const sealed = cipher.encrypt(key.toBase64()).toString('base64');
      writeFileAtomically(filePath, `${JSON.stringify({ format: 'fishmouth-master-key', version: 1, sealed }, null, 2)}\n`);
    } catch (error) {
      return locked(`the master key could not be saved to ${filePath} (${(error as Error).message})`);
    }
    return { unlock: { kind: 'unlocked', key }, created: true };
  }

  const startAfresh = `Move ${basename(filePath)} out of the data folder to start afresh, then enter your API keys again`;
  let parsed: z.infer<typeof sealedFileSchema>;
  try {
    const checked = sealedFileSchema.safeParse(JSON.parse(text));
    if (!checked.success) return locked(`the master key file ${filePath} is damaged (${checked.error.issues[0]?.message}). ${startAfresh}`);
    parsed = checked.data;
  } catch {
    return locked(`the master key file ${filePath} is damaged (not JSON). ${startAfresh}`);
  }
  let plain: string;
  try {
    plain = cipher.decrypt(Buffer.from(parsed.sealed, 'base64'));
  } catch (error) {
    return locked(
      `this OS account's keychain cannot open the master key (${(error as Error).message}); it was probably made under another account or keychain. ${startAfresh}`,
    );
  }
  try {
    return { unlock: { kind: 'unlocked', key: MasterKey.fromBase64(plain, `The master key in ${filePath}`) }, created: false };
  } catch (error) {
    return locked(`${error instanceof SecretsError ? error.message : 'the master key is damaged'} ${startAfresh}`);
  }
}

/**
 * Writes beside the target and renames over it, so a crash mid-write leaves the old file intact
 * (rename is atomic on one file system). Mode 0600: the content is sealed, but nobody else needs it.
 */
export function writeFileAtomically(filePath: string, content: string): void {
  const dir = dirname(filePath);
  const temp = join(dir, `.${basename(filePath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
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
    throw error;
  }
}
