import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiKeyListSchema } from '../contracts/secrets-api';
import { listAudit, openDatabase, runMigrations, type Db } from '../store';
import { SecretsError } from './errors';
import { MasterKey } from './master-key';
import { openSecretVault, type SecretVault } from './vault';
import { serviceSecrets } from './index';

const GOOGLE = 'AIzaSyD-example-not-a-real-key-WXYZ';
const MAPBOX = 'pk.eyJ1IjoiZXhhbXBsZSJ9.not-a-real-token-9876';

function failure(run: () => unknown): SecretsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('the secret vault', () => {
  let dataDir: string;
  let db: Db;
  let clock: Date;
  const key = MasterKey.generate();
  const vaultWith = (unlock: Parameters<typeof openSecretVault>[1]): SecretVault => openSecretVault(db, unlock, { now: () => clock });
  let vault: SecretVault;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-vault-'));
    db = openDatabase(dataDir);
    runMigrations(db);
    clock = new Date('2025-03-01T12:00:00Z');
    vault = vaultWith({ kind: 'unlocked', key });
  });
  afterEach(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('saves keys encrypted, reads them back, and lists metadata with a masked hint only', () => {
    const saved = vault.set({ name: 'google-static-maps.api-key', value: `  ${GOOGLE}\n` }, 'settings');
    expect(saved).toMatchObject({ name: 'google-static-maps.api-key', label: 'Google Static Maps API key', hint: '••••WXYZ', rotateAfterDays: 30, ageDays: 0, rotationDue: false, problem: null });
    vault.set({ name: 'mapbox.access-token', value: MAPBOX, rotateAfterDays: 28 }, 'settings');
    vault.set({ name: 'local.short', value: 'abc123' }, 'settings');

    expect(vault.get('google-static-maps.api-key')).toBe(GOOGLE);
    expect(vault.get('census.api-key')).toBeNull();
    const raw = db.prepare('SELECT ciphertext FROM secrets').all() as Array<{ ciphertext: Buffer }>;
    for (const row of raw) expect(row.ciphertext.toString('latin1')).not.toMatch(/AIza|pk\.eyJ|abc123/);

    const list = vault.list();
    expect(apiKeyListSchema.parse(list)).toEqual(list);
    expect(list.keys.map((k) => [k.name, k.hint])).toEqual([
      ['google-static-maps.api-key', '••••WXYZ'],
      ['local.short', '••••'],
      ['mapbox.access-token', '••••9876'],
    ]);
    const serialised = JSON.stringify(list);
    for (const value of [GOOGLE, MAPBOX, 'abc123', GOOGLE.slice(0, 10), MAPBOX.slice(0, 10)]) expect(serialised).not.toContain(value);
  });

  it('counts rotation age from the last change and marks keys due for rotation', () => {
    vault.set({ name: 'census.api-key', value: 'census-key-0000000001', rotateAfterDays: 28 }, 'settings');
    clock = new Date('2025-03-29T11:59:59Z');
    expect(vault.list().keys[0]).toMatchObject({ ageDays: 27, rotationDue: false, rotationDueAt: '2025-03-29T12:00:00.000Z' });
    clock = new Date('2025-03-29T12:00:00Z');
    expect(vault.list().keys[0]).toMatchObject({ ageDays: 28, rotationDue: true });

    // Rotating (a new value) restarts the clock and keeps the period and the creation date.
    vault.set({ name: 'census.api-key', value: 'census-key-0000000002' }, 'settings');
    clock = new Date('2025-04-02T12:00:00Z');
    expect(vault.list().keys[0]).toMatchObject({ ageDays: 4, rotationDue: false, rotateAfterDays: 28, createdAt: '2025-03-01T12:00:00.000Z' });
    expect(vault.get('census.api-key')).toBe('census-key-0000000002');
  });

  it('audits set, rotate and delete by name, never the value', () => {
    vault.set({ name: 'socrata.app-token', value: 'socrata-token-abcdefgh' }, 'settings');
    vault.set({ name: 'socrata.app-token', value: 'socrata-token-ijklmnop', rotateAfterDays: 29 }, 'cli');
    expect(vault.delete('socrata.app-token', 'settings')).toBe(true);
    expect(vault.delete('socrata.app-token', 'settings')).toBe(false);

    const audit = listAudit(db).reverse();
    expect(audit.map((a) => [a.actor, a.action, a.details])).toEqual([
      ['settings', 'api key set', { name: 'socrata.app-token', rotateAfterDays: 30 }],
      ['cli', 'api key rotated', { name: 'socrata.app-token', rotateAfterDays: 29 }],
      ['settings', 'api key deleted', { name: 'socrata.app-token' }],
    ]);
    const everything = JSON.stringify(db.prepare('SELECT * FROM audit_log').all()) + JSON.stringify(db.prepare('SELECT * FROM outbox').all());
    expect(everything).not.toMatch(/socrata-token|abcdefgh|ijklmnop/);
    expect(vault.get('socrata.app-token')).toBeNull();
  });

  it('refuses bad names, empty, huge and multi-line values without echoing them, and saves nothing', () => {
    const bad: Array<[string, string, RegExp]> = [
      ['AIzaSyD-looks-like-a-value', 'some-value-1', /must look like source\.kind/],
      ['../escape', 'some-value-2', /must look like source\.kind/],
      ['mapbox.access-token', '   ', /value: is empty/],
      ['mapbox.access-token', 'a'.repeat(5000), /value: is longer than 4096 characters/],
      ['mapbox.access-token', 'first-line\nsecond-line', /value: contains a line break/],
      ['mapbox.access-token', 'tab\tinside-value', /value: contains a line break or control character/],
    ];
    for (const [name, value, message] of bad) {
      const error = failure(() => vault.set({ name, value }, 'settings'));
      expect(error.kind).toBe('invalid-input');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('AIzaSyD');
      if (value.trim().length > 3) expect(error.message).not.toContain(value.trim().slice(0, 12));
    }
    for (const days of [0, -3, 1.5, 366, Number.NaN]) {
      expect(failure(() => vault.set({ name: 'mapbox.access-token', value: MAPBOX, rotateAfterDays: days }, 'settings')).kind).toBe('invalid-input');
    }
    expect(failure(() => vault.get('Not A Name')).kind).toBe('invalid-input');
    expect(vault.list().keys).toEqual([]);
    expect(listAudit(db)).toEqual([]);
  });

  it('without a master key: lists names with the reason, refuses to save or read, still deletes', () => {
    vault.set({ name: 'mapbox.access-token', value: MAPBOX }, 'settings');
    const locked = vaultWith({ kind: 'locked', reason: 'no desktop keyring is running' });
    const list = locked.list();
    expect(list).toMatchObject({ unlocked: false, lockedReason: 'no desktop keyring is running' });
    expect(list.keys[0]).toMatchObject({ name: 'mapbox.access-token', hint: null, problem: 'no desktop keyring is running' });
    const error = failure(() => locked.set({ name: 'census.api-key', value: 'census-key-123456' }, 'settings'));
    expect(error).toMatchObject({ kind: 'locked' });
    expect(error.message).toMatch(/Cannot save the key census\.api-key: no desktop keyring is running\. Fish Mouth never stores keys unencrypted/);
    expect(failure(() => locked.get('mapbox.access-token')).kind).toBe('locked');
    expect(locked.get('census.api-key')).toBeNull();
    expect(locked.delete('mapbox.access-token', 'settings')).toBe(true);
  });

  it('under another master key: lists the key with the problem, and re-entering it fixes it', () => {
    vault.set({ name: 'mapbox.access-token', value: MAPBOX }, 'settings');
    const other = vaultWith({ kind: 'unlocked', key: MasterKey.generate() });
    expect(other.list().keys[0]).toMatchObject({ hint: null, problem: expect.stringMatching(/saved under another master key/) });
    expect(failure(() => other.get('mapbox.access-token')).kind).toBe('wrong-key');
    other.set({ name: 'mapbox.access-token', value: MAPBOX }, 'settings');
    expect(other.get('mapbox.access-token')).toBe(MAPBOX);
  });

  it('reports a row edited outside the app as damaged, without crashing the list', () => {
    vault.set({ name: 'mapbox.access-token', value: MAPBOX }, 'settings');
    vault.set({ name: 'census.api-key', value: 'census-key-123456' }, 'settings');
    db.prepare("UPDATE secrets SET ciphertext = zeroblob(length(ciphertext)) WHERE name = 'mapbox.access-token'").run();
    const keys = vault.list().keys;
    expect(keys.find((k) => k.name === 'mapbox.access-token')).toMatchObject({ hint: null, problem: expect.stringMatching(/fails its integrity check/) });
    expect(keys.find((k) => k.name === 'census.api-key')).toMatchObject({ hint: '••••3456', problem: null });
    expect(failure(() => vault.get('mapbox.access-token')).kind).toBe('damaged');
  });

  it('lets every service read keys but only the orchestrator change them', () => {
    vault.set({ name: 'mapbox.access-token', value: MAPBOX }, 'settings');
    const scraper = serviceSecrets('scraper', vault);
    expect(scraper.get('mapbox.access-token')).toBe(MAPBOX);
    const error = failure(() => scraper.vault());
    expect(error.kind).toBe('read-only');
    expect(error.message).toMatch(/scraper service may read API keys but not change them/);
    expect(serviceSecrets('orchestrator', vault).vault()).toBe(vault);
  });
});
