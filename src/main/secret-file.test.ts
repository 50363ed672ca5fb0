import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSecretStore, SecretStoreError, type SecretCipher } from './secret-file';

/** A reversible stand-in for safeStorage that makes cipher text visibly different from plain text. */
function fakeCipher(available = true): SecretCipher & { setAvailable(v: boolean): void } {
  let ok = available;
  return {
    setAvailable: (v) => {
      ok = v;
    },
    availability: () => (ok ? { ok: true } : { ok: false, reason: 'no OS keychain is available' }),
    encrypt: (plain) => Buffer.from(`enc:${[...plain].reverse().join('')}`, 'utf8'),
    decrypt: (cipherText) => {
      const text = cipherText.toString('utf8');
      if (!text.startsWith('enc:')) throw new Error('bad cipher text');
      return [...text.slice(4)].reverse().join('');
    },
  };
}

const errorKind = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof SecretStoreError ? error.kind : `unexpected: ${(error as Error).message}`;
  }
  return undefined;
};

describe('secret file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fishmouth-secrets-'));
    file = join(dir, 'secrets.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a key encrypted and reads it back in a new session', () => {
    openSecretStore(file, fakeCipher()).setSecret('google-static-maps.api-key', 'AIza-secret-123');

    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain('AIza-secret-123');
    expect(JSON.parse(onDisk).secrets['google-static-maps.api-key'].cipherText).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const reopened = openSecretStore(file, fakeCipher());
    expect(reopened.getSecret('google-static-maps.api-key')).toBe('AIza-secret-123');
    expect(reopened.listSecretNames()).toEqual(['google-static-maps.api-key']);
  });

  it('lists, replaces and deletes keys', () => {
    const store = openSecretStore(file, fakeCipher());
    expect(store.listSecretNames()).toEqual([]);
    expect(store.getSecret('mapbox.token')).toBeNull();
    store.setSecret('mapbox.token', 'one');
    store.setSecret('census.api-key', 'two');
    store.setSecret('mapbox.token', 'three');
    expect(store.listSecretNames()).toEqual(['census.api-key', 'mapbox.token']);
    expect(store.getSecret('mapbox.token')).toBe('three');
    expect(store.deleteSecret('mapbox.token')).toBe(true);
    expect(store.deleteSecret('mapbox.token')).toBe(false);
    expect(store.listSecretNames()).toEqual(['census.api-key']);
  });

  it('refuses to store anything when the OS cannot encrypt, and writes nothing', () => {
    const store = openSecretStore(file, fakeCipher(false));
    let message = '';
    try {
      store.setSecret('mapbox.token', 'pk.abc');
    } catch (error) {
      message = (error as Error).message;
      expect((error as SecretStoreError).kind).toBe('encryption-unavailable');
    }
    expect(message).toMatch(/no OS keychain is available.*never stores keys unencrypted/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('still lists and deletes names when encryption later becomes unavailable', () => {
    const cipher = fakeCipher();
    const store = openSecretStore(file, cipher);
    store.setSecret('mapbox.token', 'pk.abc');
    cipher.setAvailable(false);
    expect(store.listSecretNames()).toEqual(['mapbox.token']);
    expect(errorKind(() => store.getSecret('mapbox.token'))).toBe('encryption-unavailable');
    expect(store.deleteSecret('mapbox.token')).toBe(true);
  });

  it('rejects unsafe names and empty values', () => {
    const store = openSecretStore(file, fakeCipher());
    expect(errorKind(() => store.setSecret('../escape', 'x'))).toBe('invalid-name');
    expect(errorKind(() => store.setSecret('Has Spaces', 'x'))).toBe('invalid-name');
    expect(errorKind(() => store.setSecret('mapbox.token', ''))).toBe('invalid-value');
    expect(errorKind(() => store.getSecret('__proto__'))).toBe('invalid-name');
  });

  it('reports a damaged file instead of overwriting it', () => {
    writeFileSync(file, '{"format":"fishmouth-secrets","version":1,"secrets":{"mapbox.token":{"cipherText":"%%%","updatedAt":"x"}}}');
    const store = openSecretStore(file, fakeCipher());
    expect(errorKind(() => store.listSecretNames())).toBe('damaged-file');
    expect(errorKind(() => store.setSecret('census.api-key', 'v'))).toBe('damaged-file');
    writeFileSync(file, 'not json at all');
    expect(errorKind(() => store.getSecret('mapbox.token'))).toBe('damaged-file');
    expect(readFileSync(file, 'utf8')).toBe('not json at all');
  });

  it('reports a key that no longer decrypts (another OS account)', () => {
    openSecretStore(file, fakeCipher()).setSecret('mapbox.token', 'pk.abc');
    const other: SecretCipher = { ...fakeCipher(), decrypt: () => { throw new Error('keychain refused'); } };
    expect(errorKind(() => openSecretStore(file, other).getSecret('mapbox.token'))).toBe('decrypt-failed');
  });

  it('leaves no temporary files behind and keeps the file private', () => {
    const store = openSecretStore(file, fakeCipher());
    for (let i = 0; i < 5; i += 1) store.setSecret(`key-${i}`, `value-${i}`);
    expect(readdirSync(dir)).toEqual(['secrets.json']);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
