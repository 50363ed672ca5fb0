import { z } from 'zod';
import { microsSchema } from '../money';
import { defineContract } from '../rpc/contract';
import type { LinkedClient } from '../rpc/linked-client';
import type { SourceKind } from '../cost/source-policy';
import type { OrchestratorApiContract } from './orchestrator-api';

/**
 * Settings → Data sources as the renderer and the CLI see them: each catalogued source's policy in
 * force, its defaults, its licence and today's use of its rate limiter, and the manager's changes
 * to address, identity, rate, burst, daily cap and on/off. Licences are shown, never edited.
 *
 *   sources.list                                                → SourceSettingsList
 *   sources.configure { id, override | null, expectedVersion? } → the source's new SourceSettings
 *
 * The orchestrator serves these from core/cost/source-settings.ts, which `fishmouth sources`
 * uses too.
 * Browser-safe: zod, money and type-only imports. The bounds below repeat those of
 * core/cost/source-policy.ts (a test keeps them equal) because that module opens the database.
 */

/** Above these a value is a typo, not a setting (equal to source-policy.ts's limits). */
export const SOURCE_SETTING_LIMITS = { maxRatePerSecond: 1000, maxBurst: 1000, maxDailyCap: 10_000_000 } as const;

export const SOURCE_SETTING_FIELDS = ['enabled', 'baseUrl', 'userAgent', 'ratePerSecond', 'burst', 'dailyCap'] as const;
export type SourceSettingField = (typeof SOURCE_SETTING_FIELDS)[number];

const { maxRatePerSecond, maxBurst, maxDailyCap } = SOURCE_SETTING_LIMITS;

export const sourceIdSchema = z
  .string({ error: 'must be a source id like osm-overpass' })
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a source id like osm-overpass: lower-case letters, digits and dashes');

export const ratePerSecondSchema = z
  .number({ error: 'must be a number of requests a second, like 1 or 0.5' })
  .positive('must be more than 0 requests a second (to stop a source, switch it off or set its daily cap to 0)')
  .max(maxRatePerSecond, `must be at most ${maxRatePerSecond} requests a second`);

export const burstSchema = z
  .number({ error: `must be a whole number of requests from 1 to ${maxBurst}` })
  .int(`must be a whole number of requests from 1 to ${maxBurst}`)
  .min(1, 'must be at least 1 request (the bucket has to hold one call)')
  .max(maxBurst, `must be at most ${maxBurst} requests`);

export const dailyCapSchema = z
  .number({ error: `must be a whole number of requests a day from 0 to ${maxDailyCap.toLocaleString('en-US')}, or none` })
  .int('must be a whole number of requests a day')
  .min(0, 'must be 0 or more requests a day (0 stops the source for the day)')
  .max(maxDailyCap, `must be at most ${maxDailyCap.toLocaleString('en-US')} requests a day; for no cap at all, remove the cap`)
  .nullable();

export const baseUrlSchema = z
  .string({ error: 'must be an http(s) address like https://overpass-api.de/api' })
  .trim()
  .max(2000, 'must be at most 2,000 characters')
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) address like https://overpass-api.de/api' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must start with http:// or https:// (not ${url.protocol})` });
    // Note: an address is shown in lists and logs; a password in it would leak from there.
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password; keep keys in Settings → API keys' });
  });

// Header values may not carry control characters (CR/LF would split the request).
export const userAgentSchema = z
  .string({ error: 'must be text such as FishMouth/0.1 (you@example.com)' })
  .trim()
  .min(3, 'must be at least 3 characters')
  .max(300, 'must be at most 300 characters')
  .regex(/^[\x20-\x7e]+$/, 'must use printable ASCII only (no line breaks or accents)');

/** What a manager may change; only the fields given change, the others keep their values. */
export const sourceSettingsPatchSchema = z
  .object({
    enabled: z.boolean({ error: 'must be true or false' }).optional(),
    baseUrl: baseUrlSchema.optional(),
    userAgent: userAgentSchema.optional(),
    ratePerSecond: ratePerSecondSchema.optional(),
    burst: burstSchema.optional(),
    /** null removes the cap; 0 stops the source for the day. */
    dailyCap: dailyCapSchema.optional(),
  })
  .strict()
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), { message: 'change at least one setting, or reset the source to its defaults' });
export type SourceSettingsPatch = z.infer<typeof sourceSettingsPatchSchema>;

export const sourcesConfigureSchema = z
  .object({
    id: sourceIdSchema,
    /** null restores every default of the source. */
    override: sourceSettingsPatchSchema.nullable(),
    /** The settings version the editor read; another version in force means someone else saved first. */
    expectedVersion: z.number().int().min(0).optional(),
  })
  .strict();
export type SourcesConfigureInput = z.infer<typeof sourcesConfigureSchema>;

export const editableShape = {
  enabled: z.boolean(),
  baseUrl: z.string().nullable(),
  userAgent: z.string(),
  /** null only for local sources, which make no network calls. */
  ratePerSecond: z.number().nullable(),
  burst: z.number().int().nullable(),
  dailyCap: z.number().int().nullable(),
};

export const sourceLicenceSchema = z.object({
  name: z.string(),
  mayStore: z.boolean(),
  cacheable: z.boolean(),
  /** null = as long as it is useful (or not cacheable at all). */
  cacheTtlMs: z.number().int().nullable(),
  offlineUse: z.boolean(),
  bulkDownload: z.boolean(),
  attribution: z.string().nullable(),
  url: z.string().nullable(),
});
export type SourceLicence = z.infer<typeof sourceLicenceSchema>;

export const sourceSettingsSchema = z.object({
  id: z.string(),
  label: z.string(),
  kind: z.enum(['free', 'paid', 'local']),
  ...editableShape,
  /** The price-table entry a call is charged at, with its current price (null when not priced). */
  price: z.object({ source: z.string(), operation: z.string(), micros: microsSchema.nullable() }).nullable(),
  licence: sourceLicenceSchema,
  usage: z.object({
    /** The budget day the count belongs to. */
    day: z.string(),
    requests: z.number().int().min(0),
    dailyCap: z.number().int().nullable(),
    /** Tokens left in the shared bucket after the last call (it refills at the rate, up to the burst); null before any call. */
    tokens: z.number().nullable(),
    /** Set while a server's Retry-After pauses the source for every process. */
    pausedUntil: z.string().nullable(),
  }),
  defaults: z.object(editableShape),
  /** Which settings differ from the defaults. */
  customised: z.array(z.enum(SOURCE_SETTING_FIELDS)),
  /** The version of all sources' settings together (one edit to any source moves it). */
  settingsVersion: z.number().int().min(0),
});
export type SourceSettings = z.infer<typeof sourceSettingsSchema>;

export const sourceSettingsListSchema = z.object({
  settingsVersion: z.number().int().min(0),
  /** The last change to any source's settings, and who made it; null before the first. */
  changedAt: z.string().nullable(),
  changedBy: z.string().nullable(),
  day: z.string(),
  timeZone: z.string(),
  sources: z.array(sourceSettingsSchema),
});
export type SourceSettingsList = z.infer<typeof sourceSettingsListSchema>;

/** Spread into the orchestrator's contract. */
export const sourcesMethods = {
  'sources.list': { params: z.object({}).strict(), result: sourceSettingsListSchema },
  /** A manager action: recorded with actor 'manager' in the settings and the audit log. */
  'sources.configure': { params: sourcesConfigureSchema, result: sourceSettingsSchema },
};

/** The sources part on its own, for handler typing. */
export const sourcesContract = defineContract({ name: 'sources', methods: sourcesMethods, events: {} });
export type SourcesContract = typeof sourcesContract;

/** The renderer's part of FishMouthApi. */
export interface SourcesApi {
  listSources(): Promise<SourceSettingsList>;
  configureSource(input: SourcesConfigureInput): Promise<SourceSettings>;
}

export function sourcesApi(client: LinkedClient<OrchestratorApiContract>): SourcesApi {
  return {
    listSources: () => client.call('sources.list', {}),
    configureSource: (input) => client.call('sources.configure', input),
  };
}

// Compile-time: the wire's kinds are the domain's (a drift fails `npm run typecheck`).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type SourcesWireChecks = [Assert<Same<SourceSettings['kind'], SourceKind>>];
