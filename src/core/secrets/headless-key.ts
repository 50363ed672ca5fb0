import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { SecretsError } from './errors';
import { MAKE_A_KEY_HINT, MasterKey, type SecretsUnlock } from './master-key';

/**
 * The headless host's master key (no OS keychain there): FISHMOUTH_MASTER_KEY when set, else
 * `<dataDir>/master.key`, made with mode 0600 on first use. A copied database without this file
 * is useless; another program running as the same user can read the file (see docs/SECRETS.md).
 */

export const MASTER_KEY_ENV = 'FISHMOUTH_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';

export interface HeadlessKeyOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Make the key file when there is none (`serve`, `keys set`); `keys list` only reads. */
  create: boolean;
  platform?: NodeJS.Platform;
}

export interface HeadlessKey {
  key: MasterKey;
  source: 'environment' | 'key-file';
  /** The key file, when that is where it came from. */
  path: string | null;
  created: boolean;
}

export const masterKeyFilePath = (dataDir: string) => join(dataDir, MASTER_KEY_FILE);

/** The key, or null when there is none yet and `create` is false. Throws SecretsError. */
export function loadHeadlessMasterKey(options: HeadlessKeyOptions): HeadlessKey | null {
  const fromEnv = options.env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { key: MasterKey.fromBase64(fromEnv, MASTER_KEY_ENV), source: 'environment', path: null, created: false };
  }
  const path = masterKeyFilePath(options.dataDir);
  const existing = readKeyFile(path, options.platform ?? process.platform);
  if (existing) return { key: existing, source: 'key-file', path, created: false };
  if (!options.create) return null;
  const made = createKeyFile(options.dataDir, path);
  // Another process may have made it first; then its key is the one.
  return made
    ? { key: made, source: 'key-file', path, created: true }
    : { key: readKeyFile(path, options.platform ?? process.platform)!, source: 'key-file', path, created: false };
}

function readKeyFile(path: string, platform: NodeJS.Platform): MasterKey | null {
  let fd: number;
  try {
    // Note: O_NOFOLLOW (where the OS has it) so a link planted in the data folder is not followed.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new SecretsError('master-key-insecure', `${path} is a symbolic link; Fish Mouth only uses a plain key file. Replace it with the file itself.`);
    throw new SecretsError('master-key-unreadable', `Cannot read the master key file ${path} (${(error as Error).message}).`);
  }
  try {
    if (platform !== 'win32') {
      const stat = fstatSync(fd);
      const uid = process.getuid?.();
      if (uid !== undefined && stat.uid !== uid) {
        throw new SecretsError('master-key-insecure', `${path} belongs to another user (uid ${stat.uid}); run Fish Mouth as that user, or move the file aside to make a new key.`);
      }
      if ((stat.mode & 0o077) !== 0) {
        throw new SecretsError(
          'master-key-insecure',
          `${path} can be read by other users (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}), so Fish Mouth will not use it. Fix it with \`chmod 600 ${path}\`; if others may have read it, delete it and enter your API keys again.`,
        );
      }
    }
    const text = readFileSync(fd, 'utf8');
    return MasterKey.fromBase64(text, `The master key file ${path}`);
  } finally {
    closeSync(fd);
  }
}

/** Writes a new key beside the target and links it into place: the link fails if another process won. */
function createKeyFile(dataDir: string, path: string): MasterKey | null {
  const key = MasterKey.generate();
  const temp = join(dataDir, `.${MASTER_KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, `${key.toBase64()}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(temp, path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw new SecretsError(
      'master-key-unreadable',
      `Cannot create the master key file ${path} (${(error as Error).message}). Check that the data folder is writable, or set ${MASTER_KEY_ENV} (${MAKE_A_KEY_HINT}).`,
    );
  } finally {
    rmSync(temp, { force: true });
  }
}

export type HeadlessUnlock =
  | { kind: 'ready'; unlock: SecretsUnlock; source: HeadlessKey['source']; created: boolean }
  | { kind: 'error'; message: string };

/**
 * The headless host's start-up step: the key from the environment or the key file (made on first
 * run). Then FISHMOUTH_MASTER_KEY is removed from `env`: the services are worker threads of this
 * process and would inherit it; their key travels in their init message only.
 * A malformed key or a key file others can read stops the start, with the fix in the message.
 */
export function unlockHeadlessSecrets(dataDir: string, env: NodeJS.ProcessEnv): HeadlessUnlock {
  try {
    const found = loadHeadlessMasterKey({ dataDir, env, create: true })!;
    return { kind: 'ready', unlock: { kind: 'unlocked', key: found.key }, source: found.source, created: found.created };
  } catch (error) {
    if (error instanceof SecretsError) return { kind: 'error', message: `Fish Mouth cannot open its API key store: ${error.message}` };
    throw error;
  } finally {
    delete env[MASTER_KEY_ENV];
  }
}
