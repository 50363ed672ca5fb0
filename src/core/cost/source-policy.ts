import { z } from 'zod';
import { describeZodError } from '../rpc/protocol';
import { appendAudit } from '../store/audit';
import { statement, writeTransaction, type Db } from '../store/database';
import { parseRow } from '../store/errors';

/**
 * What each data source allows, declared as data by its connector: where it lives, who we say
 * we are, how fast and how often we may call it, what a call costs, and what its licence lets us
 * do with the result. The free-first chain and the rate limiter read nothing else.
 *
 *   defineSourcePolicy(input)                      → SourcePolicy (throws SourcePolicyError)
 *   applySourceOverride(policy, override)          → SourcePolicy with the user's settings applied
 *   readSourceOverrides(db)                        → { version, at, actor, overrides }
 *   setSourceOverride(db, id, override | null, o)  → the new overrides (validated, audited)
 *
 * Note: a manager may change a source's address, identity, rate, cap and whether it is used at
 * all, but never its licence: those terms come from the provider, not from the user.
 */

export const SOURCE_KINDS = ['free', 'paid', 'local'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Above these a value is a typo, not a setting. */
export const MAX_REQUESTS_PER_SECOND = 1000;
export const MAX_BURST = 1000;
export const MAX_DAILY_CAP = 10_000_000;
const MAX_TTL_MS = 10 * 365 * 24 * 3_600_000;

export const DEFAULT_USER_AGENT = 'FishMouth/0.1 (roofing lead research; +https://github.com/fishmouth/fishmouth)';

const sourceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'Use lower-case letters, digits and dashes, like "osm-overpass"');

const httpUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .refine((text) => {
    try {
      const url = new URL(text);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'Expected an http(s) address like https://overpass-api.de/api');

// Header values may not carry control characters (CR/LF would split the request).
const userAgentSchema = z.string().trim().min(3).max(300).regex(/^[\x20-\x7e]+$/, 'Use printable ASCII only');

export const rateLimitSchema = z
  .object({
    requestsPerSecond: z.number().finite().positive().max(MAX_REQUESTS_PER_SECOND),
    burst: z.number().int().min(1).max(MAX_BURST),
  })
  .strict();
export type RateLimit = z.infer<typeof rateLimitSchema>;

export const licencePolicySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** May a result be written to disk at all (Google Static Maps imagery may not). */
    storable: z.boolean(),
    /** May a stored result be reused for later requests. */
    cacheable: z.boolean(),
    /** How long a cached result may be reused; null = as long as it is useful. */
    cacheTtlMs: z.number().int().positive().max(MAX_TTL_MS).nullable(),
    /** May a stored result be shown with no connection. */
    offlineUse: z.boolean(),
    /** May we fetch ahead in bulk (the OSM tile policy forbids it). */
    bulkDownload: z.boolean(),
    attribution: z.string().trim().min(1).max(500).nullable(),
    url: httpUrlSchema.nullable(),
  })
  .strict()
  .refine((licence) => licence.storable || (!licence.cacheable && !licence.offlineUse), {
    message: 'A result that may not be stored can be neither cached nor used offline',
  });
export type LicencePolicy = z.infer<typeof licencePolicySchema>;

export const priceRefSchema = z.object({ source: sourceIdSchema, operation: z.string().trim().min(1).max(100) }).strict();
export type PriceRef = z.infer<typeof priceRefSchema>;

export const sourcePolicySchema = z
  .object({
    id: sourceIdSchema,
    name: z.string().trim().min(1).max(200),
    kind: z.enum(SOURCE_KINDS),
    enabled: z.boolean().default(true),
    /** null for local sources, and for per-area services (a county's FeatureServer) set per territory. */
    baseUrl: httpUrlSchema.nullable(),
    userAgent: userAgentSchema.default(DEFAULT_USER_AGENT),
    /** null only for local sources, which make no network calls. */
    rateLimit: rateLimitSchema.nullable(),
    /** Requests per budget day across every process; null = no cap. */
    dailyCap: z.number().int().min(0).max(MAX_DAILY_CAP).nullable(),
    /** The price-table entry a call is charged at; null for sources that never cost money. */
    price: priceRefSchema.nullable(),
    licence: licencePolicySchema,
  })
  .strict()
  .refine((policy) => policy.kind === 'local' || policy.rateLimit !== null, {
    message: 'A network source needs a rate limit',
    path: ['rateLimit'],
  })
  .refine((policy) => policy.kind !== 'paid' || policy.price !== null, {
    message: 'A paid source needs a price-table entry',
    path: ['price'],
  });
export type SourcePolicy = z.output<typeof sourcePolicySchema>;
export type SourcePolicyInput = z.input<typeof sourcePolicySchema>;

export type SourcePolicyErrorKind =
  | 'invalid-policy' // a connector declared a policy that fails the schema (a bug in the connector)
  | 'unknown-source'
  | 'invalid-override' // the user's settings fail the schema
  | 'stale-settings'; // someone else changed the settings since they were read

export class SourcePolicyError extends Error {
  readonly kind: SourcePolicyErrorKind;
  constructor(kind: SourcePolicyErrorKind, message: string) {
    super(message);
    this.name = 'SourcePolicyError';
    this.kind = kind;
  }
}

export function defineSourcePolicy(input: SourcePolicyInput): SourcePolicy {
  const parsed = sourcePolicySchema.safeParse(input);
  if (!parsed.success) {
    const id = typeof input?.id === 'string' ? input.id : '(no id)';
    throw new SourcePolicyError('invalid-policy', `The policy of source ${id} is not valid: ${describeZodError(parsed.error)}.`);
  }
  return parsed.data;
}

/** What a manager may change about a source (Settings → Data sources). */
export const sourceOverrideSchema = z
  .object({
    enabled: z.boolean().optional(),
    baseUrl: httpUrlSchema.optional(),
    userAgent: userAgentSchema.optional(),
    requestsPerSecond: rateLimitSchema.shape.requestsPerSecond.optional(),
    burst: rateLimitSchema.shape.burst.optional(),
    /** 0 stops the source for the day; null removes the cap. */
    dailyCap: z.number().int().min(0).max(MAX_DAILY_CAP).nullable().optional(),
  })
  .strict();
export type SourceOverride = z.infer<typeof sourceOverrideSchema>;

export function applySourceOverride(policy: SourcePolicy, override: SourceOverride | undefined): SourcePolicy {
  if (!override) return policy;
  const rateLimit =
    policy.rateLimit && (override.requestsPerSecond !== undefined || override.burst !== undefined)
      ? { requestsPerSecond: override.requestsPerSecond ?? policy.rateLimit.requestsPerSecond, burst: override.burst ?? policy.rateLimit.burst }
      : policy.rateLimit;
  return {
    ...policy,
    enabled: override.enabled ?? policy.enabled,
    baseUrl: override.baseUrl ?? policy.baseUrl,
    userAgent: override.userAgent ?? policy.userAgent,
    rateLimit,
    dailyCap: override.dailyCap !== undefined ? override.dailyCap : policy.dailyCap,
  };
}

const OVERRIDES_KEY = 'source_policy_overrides';

const storedOverridesSchema = z.object({
  version: z.number().int().nonnegative(),
  at: z.string().nullable(),
  actor: z.string().nullable(),
  overrides: z.record(sourceIdSchema, sourceOverrideSchema),
});
export type SourceOverrides = z.infer<typeof storedOverridesSchema>;

const NO_OVERRIDES: SourceOverrides = { version: 0, at: null, actor: null, overrides: {} };

/**
 * The user's source settings. Note: kept as one versioned JSON row in `meta` rather than a table
 * of their own: they are few, always read together, and the version makes concurrent edits from
 * two windows detectable.
 */
export function readSourceOverrides(db: Db): SourceOverrides {
  const text: unknown = statement(db, 'SELECT value FROM meta WHERE key = ?').pluck().get(OVERRIDES_KEY);
  if (typeof text !== 'string') return NO_OVERRIDES;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return parseRow(storedOverridesSchema, json, 'data source settings');
}

export interface SetSourceOverrideOptions {
  actor: string;
  /** The version the editor read; a different current version means a concurrent edit. */
  expectedVersion?: number;
  /** Sources that may be configured; defaults to the seed catalogue. */
  known: readonly SourcePolicy[];
}

/** Replaces (or with null, clears) the settings of one source, in one audited transaction. */
export function setSourceOverride(db: Db, sourceId: string, override: unknown, options: SetSourceOverrideOptions): SourceOverrides {
  const policy = options.known.find((known) => known.id === sourceId);
  if (!policy) {
    throw new SourcePolicyError('unknown-source', `There is no data source called "${String(sourceId).slice(0, 80)}"; see Settings → Data sources for the list.`);
  }
  let valid: SourceOverride | null = null;
  if (override !== null) {
    const parsed = sourceOverrideSchema.safeParse(override);
    if (!parsed.success) {
      throw new SourcePolicyError('invalid-override', `The settings for ${policy.name} are not valid: ${describeZodError(parsed.error)}.`);
    }
    valid = parsed.data;
    if (policy.kind === 'local' && (valid.requestsPerSecond !== undefined || valid.burst !== undefined || valid.baseUrl !== undefined)) {
      throw new SourcePolicyError('invalid-override', `${policy.name} is a local source: it has no address or rate limit to set.`);
    }
  }
  return writeTransaction(db, () => {
    const current = readSourceOverrides(db);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new SourcePolicyError(
        'stale-settings',
        `The data source settings were changed elsewhere (now version ${current.version}, you edited version ${options.expectedVersion}); reload them and try again.`,
      );
    }
    const overrides = { ...current.overrides };
    if (valid === null || Object.keys(valid).length === 0) delete overrides[sourceId];
    else overrides[sourceId] = valid;
    const next: SourceOverrides = { version: current.version + 1, at: new Date().toISOString(), actor: options.actor, overrides };
    statement(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
      OVERRIDES_KEY,
      JSON.stringify(next),
    );
    appendAudit(db, { actor: options.actor, action: 'source-settings-changed', details: { source: sourceId, settings: valid, version: next.version } });
    return next;
  });
}
