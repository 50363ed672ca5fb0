import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEALED_MASTER_KEY_FILE, unlockSealedMasterKey, type SecretCipher } from './secret-file';

/** A reversible stand-in for safeStorage that makes sealed text visibly different from plain text. */
function fakeCipher(options: { available?: boolean; refuseDecrypt?: boolean } = {}): SecretCipher {
  return {
    availability: () => (options.available === false ? { ok: false, reason: 'no OS keychain is available' } : { ok: true }),
    encrypt: (plain) => Buffer.from(`enc:${[...plain].reverse().join('')}`, 'utf8'),
    decrypt: (sealed) => {
      const text = sealed.toString('utf8');
      if (options.refuseDecrypt || !text.startsWith('enc:')) throw new Error('keychain refused');
      return [...text.slice(4)].reverse().join('');
    },
  };
}

describe('the desktop master key file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fishmouth-master-'));
    file = join(dir, SEALED_MASTER_KEY_FILE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a key on first run, stores it sealed and private, and opens the same key next time', () => {
    const first = unlockSealedMasterKey(file, fakeCipher());
    expect(first.created).toBe(true);
    expect(first.unlock.kind).toBe('unlocked');
    if (first.unlock.kind !== 'unlocked') return;

    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain(first.unlock.key.toBase64());
    expect(JSON.parse(onDisk)).toMatchObject({ format: 'fishmouth-master-key', version: 1 });
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([SEALED_MASTER_KEY_FILE]);

    const again = unlockSealedMasterKey(file, fakeCipher());
    expect(again.created).toBe(false);
    expect(again.unlock.kind === 'unlocked' && again.unlock.key.id).toBe(first.unlock.key.id);
  });

  it('stays locked with the reason when the OS cannot encrypt, and writes nothing', () => {
    const result = unlockSealedMasterKey(file, fakeCipher({ available: false }));
    expect(result.unlock).toEqual({ kind: 'locked', reason: expect.stringMatching(/no OS keychain is available.*never stores API keys unencrypted/) });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stays locked and keeps the file when another account made it, saying how to start afresh', () => {
    unlockSealedMasterKey(file, fakeCipher());
    const before = readFileSync(file, 'utf8');
    const result = unlockSealedMasterKey(file, fakeCipher({ refuseDecrypt: true }));
    expect(result.unlock.kind).toBe('locked');
    expect(result.unlock.kind === 'locked' && result.unlock.reason).toMatch(/keychain refused.*Move master-key\.enc out of the data folder/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('reports a damaged file instead of replacing it', () => {
    for (const content of ['not json at all', '{"format":"fishmouth-master-key","version":1,"sealed":"%%%"}', JSON.stringify({ format: 'fishmouth-master-key', version: 1, sealed: Buffer.from('enc:short').toString('base64') })]) {
      writeFileSync(file, content);
      const result = unlockSealedMasterKey(file, fakeCipher());
      expect(result.unlock.kind).toBe('locked');
      expect(result.unlock.kind === 'locked' && result.unlock.reason).toMatch(/Move master-key\.enc out of the data folder to start afresh/);
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
  });
});
