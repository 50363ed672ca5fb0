import { z } from 'zod';
import {
  DEFAULT_ROTATE_AFTER_DAYS,
  KNOWN_API_KEYS,
  saveApiKeySchema,
  secretNameSchema,
  type ApiKeyList,
  type ApiKeySummary,
  type SaveApiKeyInput,
} from '../contracts/secrets-api';
import { describeZodError } from '../rpc/protocol';
import { appendAudit } from '../store/audit';
import { statement, writeTransaction, type Db } from '../store/database';
import { parseRow } from '../store/errors';
import { SecretsError } from './errors';
import type { SecretsUnlock } from './master-key';
import { openSecret, sealSecret, type SealedSecret } from './seal';

/**
 * The `secrets` table (migration 4) behind one master key:
 *
 *   vault.get(name)                  → the value (decrypted now) or null when none is set
 *   vault.set({ name, value, rotateAfterDays? }, actor) → metadata; audits "api key set/rotated"
 *   vault.delete(name, actor)        → whether one was removed; audits "api key deleted"
 *   vault.list()                     → metadata with a masked hint, never a value
 *
 * The audit log gets the name and the rotation period only.
 */

export interface SecretReader {
  /** The value, decrypted on demand; null when no key of that name is set. */
  get(name: string): string | null;
}

export interface SecretVault extends SecretReader {
  readonly unlocked: boolean;
  list(): ApiKeyList;
  set(input: SaveApiKeyInput, actor: string): ApiKeySummary;
  delete(name: string, actor: string): boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Shorter values get no visible characters: four of eight would give half the key away. */
const HINT_MIN_LENGTH = 12;

const secretRowSchema = z.object({
  name: z.string(),
  ciphertext: z.instanceof(Buffer),
  nonce: z.instanceof(Buffer),
  auth_tag: z.instanceof(Buffer),
  key_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  rotate_after_days: z.number().int().positive(),
});
type SecretRow = z.infer<typeof secretRowSchema>;

export function maskedHint(value: string): string {
  return value.length >= HINT_MIN_LENGTH ? `••••${value.slice(-4)}` : '••••';
}

export function openSecretVault(db: Db, unlock: SecretsUnlock, options: { now?: () => Date } = {}): SecretVault {
  const now = options.now ?? (() => new Date());
  const lockedError = (action: string) =>
    new SecretsError('locked', `Cannot ${action}: ${unlock.kind === 'locked' ? unlock.reason : ''}. Fish Mouth never stores keys unencrypted.`);

  const readRow = (name: string): SecretRow | null => {
    const row = statement(db, 'SELECT * FROM secrets WHERE name = ?').get(name);
    return row === undefined ? null : parseRow(secretRowSchema, row, 'secret');
  };
  const sealedOf = (row: SecretRow): SealedSecret => ({ ciphertext: row.ciphertext, nonce: row.nonce, authTag: row.auth_tag, keyId: row.key_id });

  const summarise = (row: SecretRow, value: string | null, problem: string | null): ApiKeySummary => {
    const at = now().getTime();
    const updated = Date.parse(row.updated_at);
    const dueAt = updated + row.rotate_after_days * DAY_MS;
    return {
      name: row.name,
      label: KNOWN_API_KEYS.find((k) => k.name === row.name)?.label ?? null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      rotateAfterDays: row.rotate_after_days,
      ageDays: Math.max(0, Math.floor((at - updated) / DAY_MS)),
      rotationDue: at >= dueAt,
      rotationDueAt: new Date(dueAt).toISOString(),
      hint: value === null ? null : maskedHint(value),
      problem,
    };
  };

  const get = (name: string): string | null => {
    const row = readRow(checkName(name));
    if (!row) return null;
    if (unlock.kind === 'locked') throw lockedError(`read the key ${name}`);
    return openSecret(unlock.key, name, sealedOf(row));
  };

  return {
    unlocked: unlock.kind === 'unlocked',
    get,

    list() {
      const rows = statement(db, 'SELECT * FROM secrets ORDER BY name').all().map((row) => parseRow(secretRowSchema, row, 'secret'));
      const keys = rows.map((row) => {
        if (unlock.kind === 'locked') return summarise(row, null, unlock.reason);
        try {
          return summarise(row, openSecret(unlock.key, row.name, sealedOf(row)), null);
        } catch (error) {
          if (error instanceof SecretsError) return summarise(row, null, error.message);
          throw error;
        }
      });
      return { unlocked: unlock.kind === 'unlocked', lockedReason: unlock.kind === 'locked' ? unlock.reason : null, keys };
    },

    set(input, actor) {
      const parsed = saveApiKeySchema.safeParse(input);
      if (!parsed.success) throw new SecretsError('invalid-input', `The API key cannot be saved: ${describeZodError(parsed.error)}.`);
      const { name, value } = parsed.data;
      if (unlock.kind === 'locked') throw lockedError(`save the key ${name}`);
      const sealed = sealSecret(unlock.key, name, value);
      const at = now().toISOString();
      const row = writeTransaction(db, () => {
        const existing = readRow(name);
        const rotateAfterDays = parsed.data.rotateAfterDays ?? existing?.rotate_after_days ?? DEFAULT_ROTATE_AFTER_DAYS;
        statement(
          db,
          `INSERT INTO secrets (name, ciphertext, nonce, auth_tag, key_id, created_at, updated_at, rotate_after_days)
           VALUES (@name, @ciphertext, @nonce, @authTag, @keyId, @at, @at, @rotateAfterDays)
           ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, nonce = excluded.nonce, auth_tag = excluded.auth_tag,
             key_id = excluded.key_id, updated_at = excluded.updated_at, rotate_after_days = excluded.rotate_after_days`,
        ).run({ name, ...sealed, at, rotateAfterDays });
        appendAudit(db, { actor, action: existing ? 'api key rotated' : 'api key set', details: { name, rotateAfterDays } });
        return readRow(name)!;
      });
      return summarise(row, value, null);
    },

    delete(name, actor) {
      checkName(name);
      return writeTransaction(db, () => {
        const removed = statement(db, 'DELETE FROM secrets WHERE name = ?').run(name).changes > 0;
        if (removed) appendAudit(db, { actor, action: 'api key deleted', details: { name } });
        return removed;
      });
    },
  };
}

function checkName(name: string): string {
  const parsed = secretNameSchema.safeParse(name);
  // Note: the rejected text is not echoed; it may be a value typed where the name belongs.
  if (!parsed.success) throw new SecretsError('invalid-input', `That is not a key name: a name ${parsed.error.issues[0]?.message}.`);
  return parsed.data;
}
