import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsError } from './errors';
import { loadHeadlessMasterKey, MASTER_KEY_ENV, masterKeyFilePath, unlockHeadlessSecrets } from './headless-key';
import { MasterKey } from './master-key';

const posix = process.platform !== 'win32';

function failure(run: () => unknown): SecretsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('the headless master key', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-key-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('makes master.key with mode 0600 on first use and reads the same key after', () => {
    expect(loadHeadlessMasterKey({ dataDir, env: {}, create: false })).toBeNull();
    const made = loadHeadlessMasterKey({ dataDir, env: {}, create: true })!;
    expect(made).toMatchObject({ source: 'key-file', created: true, path: masterKeyFilePath(dataDir) });
    if (posix) expect(statSync(masterKeyFilePath(dataDir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual(['master.key']);
    expect(readFileSync(masterKeyFilePath(dataDir), 'utf8').trim()).toBe(made.key.toBase64());

    const again = loadHeadlessMasterKey({ dataDir, env: {}, create: true })!;
    expect(again.created).toBe(false);
    expect(again.key.id).toBe(made.key.id);
  });

  it.skipIf(!posix)('refuses a key file other users can read, with the chmod fix in the message', () => {
    loadHeadlessMasterKey({ dataDir, env: {}, create: true });
    const path = masterKeyFilePath(dataDir);
    for (const mode of [0o644, 0o640, 0o604]) {
      chmodSync(path, mode);
      const error = failure(() => loadHeadlessMasterKey({ dataDir, env: {}, create: true }));
      expect(error.kind).toBe('master-key-insecure');
      expect(error.message).toContain(`chmod 600 ${path}`);
      expect(error.message).toContain(`mode 0${mode.toString(8)}`);
    }
    chmodSync(path, 0o600);
    expect(loadHeadlessMasterKey({ dataDir, env: {}, create: true })).not.toBeNull();
  });

  it.skipIf(!posix)('does not follow a symbolic link planted as master.key', () => {
    const elsewhere = join(dataDir, 'elsewhere.key');
    writeFileSync(elsewhere, `${MasterKey.generate().toBase64()}\n`, { mode: 0o600 });
    symlinkSync(elsewhere, masterKeyFilePath(dataDir));
    expect(failure(() => loadHeadlessMasterKey({ dataDir, env: {}, create: true })).kind).toBe('master-key-insecure');
  });

  it('reports a key file holding something that is not a key', () => {
    writeFileSync(masterKeyFilePath(dataDir), 'not a key\n', { mode: 0o600 });
    const error = failure(() => loadHeadlessMasterKey({ dataDir, env: {}, create: true }));
    expect(error.kind).toBe('master-key-invalid');
    expect(error.message).toMatch(/master key file .*master\.key is not a master key/);
  });

  it('prefers FISHMOUTH_MASTER_KEY, and writes no key file then', () => {
    const key = MasterKey.generate();
    const found = loadHeadlessMasterKey({ dataDir, env: { [MASTER_KEY_ENV]: ` ${key.toBase64()}\n` }, create: true })!;
    expect(found).toMatchObject({ source: 'environment', path: null, created: false });
    expect(found.key.id).toBe(key.id);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses a malformed FISHMOUTH_MASTER_KEY clearly, without echoing it, and stops the start', () => {
    for (const bad of ['secret-password', Buffer.alloc(24, 7).toString('base64'), Buffer.alloc(33, 7).toString('base64')]) {
      const env: NodeJS.ProcessEnv = { [MASTER_KEY_ENV]: bad };
      const result = unlockHeadlessSecrets(dataDir, env);
      expect(result.kind).toBe('error');
      const message = result.kind === 'error' ? result.message : '';
      expect(message).toMatch(/cannot open its API key store: FISHMOUTH_MASTER_KEY is not a master key.*openssl rand -base64 32/);
      expect(message).not.toContain(bad);
    }
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('removes FISHMOUTH_MASTER_KEY from the environment the services inherit', () => {
    const env: NodeJS.ProcessEnv = { [MASTER_KEY_ENV]: MasterKey.generate().toBase64(), PATH: '/bin' };
    const result = unlockHeadlessSecrets(dataDir, env);
    expect(result).toMatchObject({ kind: 'ready', source: 'environment' });
    expect(env).toEqual({ PATH: '/bin' });
  });
});
