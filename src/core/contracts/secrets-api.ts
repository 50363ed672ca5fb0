import { z } from 'zod';
import type { LinkedClient } from '../rpc/linked-client';
import type { OrchestratorApiContract } from './orchestrator-api';

/**
 * API keys for paid and keyed sources, as the renderer sees them: names and metadata, never a
 * value. Values go in (`secrets.set`) and never come back out; the orchestrator keeps them
 * encrypted in the `secrets` table (see docs/SECRETS.md). Browser-safe: no Node imports here.
 */

/** The keys the connectors ask for by name. Other names are allowed if they fit the pattern. */
export const KNOWN_API_KEYS = [
  {
    name: 'google-static-maps.api-key',
    label: 'Google Static Maps API key',
    purpose: 'Paid roof imagery, used only under the daily budget. Its terms forbid storing the images.',
  },
  {
    name: 'mapbox.access-token',
    label: 'Mapbox access token',
    purpose: 'Paid roof imagery (Mapbox Static Images), used only under the daily budget.',
  },
  {
    name: 'census.api-key',
    label: 'Census API key',
    purpose: 'Census ACS 5-year data. Free; a key raises the daily request limit.',
  },
  {
    name: 'socrata.app-token',
    label: 'Socrata app token',
    purpose: 'Building permits from city open-data portals. Free; a token avoids throttling.',
  },
  {
    name: 'property-records.api-key',
    label: 'Property records API key',
    purpose: 'Paid property records (ATTOM-style) that fill missing year built, value or occupancy, used only under the daily budget.',
  },
] as const;
export type KnownApiKeyName = (typeof KNOWN_API_KEYS)[number]['name'];

export const DEFAULT_ROTATE_AFTER_DAYS = 30;
export const MAX_SECRET_VALUE_LENGTH = 4096;

/** `<source>.<kind>`, e.g. `mapbox.access-token`: names appear in lists, logs and the audit log. */
export const secretNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,39}\.[a-z][a-z0-9-]{0,39}$/,
    'must look like source.kind (e.g. mapbox.access-token): lower-case letters, digits and dashes, one dot',
  );

/**
 * The value as pasted, trimmed. Note: every message here is fixed text; a zod message that echoed
 * the input would carry the key into an error, and errors get logged.
 */
export const secretValueSchema = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(MAX_SECRET_VALUE_LENGTH, `is longer than ${MAX_SECRET_VALUE_LENGTH} characters; an API key is much shorter, so check what was pasted`)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'contains a line break or control character; paste the key alone');

export const rotateAfterDaysSchema = z
  .number({ error: 'must be a whole number of days' })
  .int('must be a whole number of days')
  .min(1, 'must be at least 1 day')
  .max(365, 'must be at most 365 days');

export const apiKeySummarySchema = z.object({
  name: z.string(),
  /** The known key's label, or null for a custom name. */
  label: z.string().nullable(),
  createdAt: z.string(),
  /** When the value was last set: rotation age counts from here. */
  updatedAt: z.string(),
  rotateAfterDays: z.number().int().positive(),
  ageDays: z.number().int().nonnegative(),
  rotationDue: z.boolean(),
  rotationDueAt: z.string(),
  /** `••••` and at most the last 4 characters. The max length guards against a value slipping in. */
  hint: z.string().max(8).nullable(),
  /** Why this device cannot read the value (another master key, damaged), else null. */
  problem: z.string().nullable(),
});
export type ApiKeySummary = z.infer<typeof apiKeySummarySchema>;

export const apiKeyListSchema = z.object({
  /** False when this device has no master key (no OS keychain): keys cannot be read or saved. */
  unlocked: z.boolean(),
  lockedReason: z.string().nullable(),
  keys: z.array(apiKeySummarySchema),
});
export type ApiKeyList = z.infer<typeof apiKeyListSchema>;

export const saveApiKeySchema = z.object({
  name: secretNameSchema,
  value: secretValueSchema,
  rotateAfterDays: rotateAfterDaysSchema.optional(),
});
export type SaveApiKeyInput = z.input<typeof saveApiKeySchema>;

/**
 * The host → service init message's `secrets` field: the master key (memory only, never in env,
 * argv or logs) or why there is none. Absent means locked.
 */
export const initSecretsSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('unlocked'), keyId: z.string().regex(/^[0-9a-f]{16}$/), key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/) }),
    z.object({ kind: z.literal('locked'), reason: z.string().min(1).max(1000) }),
  ])
  .default({ kind: 'locked', reason: 'the host was started without a master key' });
export type InitSecrets = z.output<typeof initSecretsSchema>;

/** Spread into the orchestrator's contract. */
export const secretsMethods = {
  'secrets.list': { params: z.object({}), result: apiKeyListSchema },
  /** Saves or replaces (rotates) a key; answers with its metadata, never the value. */
  'secrets.set': { params: saveApiKeySchema, result: apiKeySummarySchema },
  'secrets.delete': { params: z.object({ name: secretNameSchema }), result: z.object({ deleted: z.boolean() }) },
};

/** The renderer's part of FishMouthApi. */
export interface ApiKeysApi {
  listApiKeys(): Promise<ApiKeyList>;
  saveApiKey(input: SaveApiKeyInput): Promise<ApiKeySummary>;
  deleteApiKey(name: string): Promise<{ deleted: boolean }>;
}

export function apiKeysApi(client: LinkedClient<OrchestratorApiContract>): ApiKeysApi {
  return {
    listApiKeys: () => client.call('secrets.list', {}),
    saveApiKey: (input) => client.call('secrets.set', input),
    deleteApiKey: (name) => client.call('secrets.delete', { name }),
  };
}
