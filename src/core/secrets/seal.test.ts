import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretsError } from './errors';
import { MasterKey, unlockFromInit, unlockToInit } from './master-key';
import { openSecret, sealSecret, type SealedSecret } from './seal';

const VALUE = 'AIzaSyD-example-not-a-real-key-0123456789';

function failure(run: () => unknown): SecretsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw new Error(`expected a SecretsError, got ${String(error)}`);
  }
  throw new Error('expected a failure');
}

const flipFirstByte = (buffer: Buffer) => {
  const copy = Buffer.from(buffer);
  copy[0] = copy[0]! ^ 0x01;
  return copy;
};

describe('sealing an API key', () => {
  const key = MasterKey.generate();

  it('opens what it sealed, and the sealed form does not contain the value', () => {
    const sealed = sealSecret(key, 'google-static-maps.api-key', VALUE);
    expect(sealed.keyId).toBe(key.id);
    expect(sealed.ciphertext.toString('utf8')).not.toContain(VALUE);
    expect(openSecret(key, 'google-static-maps.api-key', sealed)).toBe(VALUE);
    // A fresh nonce each time: the same value never seals to the same bytes.
    expect(sealSecret(key, 'google-static-maps.api-key', VALUE).ciphertext.equals(sealed.ciphertext)).toBe(false);
  });

  it('refuses tampered cipher text, tag or nonce with a clear message', () => {
    const sealed = sealSecret(key, 'mapbox.access-token', VALUE);
    const tampered: SealedSecret[] = [
      { ...sealed, ciphertext: flipFirstByte(sealed.ciphertext) },
      { ...sealed, authTag: flipFirstByte(sealed.authTag) },
      { ...sealed, nonce: flipFirstByte(sealed.nonce) },
      { ...sealed, authTag: sealed.authTag.subarray(0, 8) },
    ];
    for (const row of tampered) {
      const error = failure(() => openSecret(key, 'mapbox.access-token', row));
      expect(error.kind).toBe('damaged');
      expect(error.message).toMatch(/mapbox\.access-token fails its integrity check.*Enter it again/);
      expect(error.message).not.toContain(VALUE);
    }
  });

  it('refuses a value moved onto another key name (the name is authenticated)', () => {
    const sealed = sealSecret(key, 'mapbox.access-token', VALUE);
    expect(failure(() => openSecret(key, 'google-static-maps.api-key', sealed)).kind).toBe('damaged');
  });

  it('tells a value sealed under another master key apart from a damaged one', () => {
    const sealed = sealSecret(MasterKey.generate(), 'census.api-key', VALUE);
    const error = failure(() => openSecret(key, 'census.api-key', sealed));
    expect(error.kind).toBe('wrong-key');
    expect(error.message).toMatch(/census\.api-key was saved under another master key.*Enter it again here/);
    // Same id claimed, different key: caught by authentication.
    expect(failure(() => openSecret(key, 'census.api-key', { ...sealed, keyId: key.id })).kind).toBe('damaged');
  });
});

describe('the master key', () => {
  it('never shows its bytes when logged, printed or serialised', () => {
    const key = MasterKey.generate();
    const secret = key.toBase64();
    expect(JSON.stringify({ key })).toBe(`{"key":{"masterKeyId":"${key.id}"}}`);
    expect(inspect({ key })).not.toContain(secret);
    expect(`${key}`).toBe(`MasterKey(${key.id})`);
  });

  it('refuses malformed base64 without echoing it, and says how to make one', () => {
    for (const text of ['', 'hello', Buffer.alloc(16).toString('base64'), `${Buffer.alloc(32).toString('base64url')}`, '!'.repeat(44)]) {
      const error = failure(() => MasterKey.fromBase64(text, 'FISHMOUTH_MASTER_KEY'));
      expect(error.kind).toBe('master-key-invalid');
      expect(error.message).toMatch(/FISHMOUTH_MASTER_KEY is not a master key: it must be 32 random bytes in standard base64.*openssl rand -base64 32/);
    }
  });

  it('survives the trip through the init message and rejects one damaged on the way', () => {
    const key = MasterKey.generate();
    const init = unlockToInit({ kind: 'unlocked', key });
    if (init.kind !== 'unlocked') throw new Error('expected an unlocked init');
    const back = unlockFromInit(init);
    expect(back.kind === 'unlocked' && back.key.id).toBe(key.id);
    expect(failure(() => unlockFromInit({ ...init, keyId: '0000000000000000' })).kind).toBe('master-key-invalid');
    expect(unlockFromInit({ kind: 'locked', reason: 'no keychain' })).toEqual({ kind: 'locked', reason: 'no keychain' });
  });
});
