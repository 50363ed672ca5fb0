import { z } from 'zod';
import { describeZodError } from '../rpc/protocol';
import { appendAudit } from '../store/audit';
import { statement, writeTransaction, type Db } from '../store/database';
import { parseRow } from '../store/errors';

/**
 * Settings → Imagery: how long cached aerial images are kept, how good an image must be, how big
 * the cache may grow, how properties are grouped into batches, whether paid imagery may be bought,
 * and how roofs are enhanced and framed.
 *
 *   DEFAULT_IMAGERY_SETTINGS                          7 days, quality 0.75, 2 GiB, batches 2 km / 3..25, paid on, ×4, 6 m margin
 *   getImagerySettings(db)                            → settings in force + version (0 = defaults, never saved)
 *   setImagerySettings(db, patch, { actor, expectedVersion? }) → the new settings (validated, audited)
 *
 * Note: kept as one versioned JSON row in `meta`, as the data source settings are: few values,
 * always read together, and the version makes a concurrent edit from another window detectable.
 */

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export const imagerySettingsShape = {
  cacheTtlDays: z
    .number({ message: 'cache lifetime must be a number of days' })
    .int('cache lifetime must be whole days')
    .min(1, 'cache lifetime must be at least 1 day')
    .max(3650, 'cache lifetime must be at most 10 years'),
  qualityThreshold: z
    .number({ message: 'quality threshold must be a number from 0 to 1' })
    .min(0, 'quality threshold must be from 0 to 1')
    .max(1, 'quality threshold must be from 0 to 1'),
  cacheCapBytes: z
    .number({ message: 'cache size must be a number of bytes' })
    .int('cache size must be whole bytes')
    .min(16 * MIB, 'cache size must be at least 16 MiB')
    .max(4096 * GIB, 'cache size must be at most 4 TiB'),
  batchRadiusM: z
    .number({ message: 'batch radius must be a number of metres' })
    .min(50, 'batch radius must be at least 50 m')
    .max(50_000, 'batch radius must be at most 50 km'),
  batchMaxSize: z
    .number({ message: 'largest batch must be a number of properties' })
    .int('largest batch must be a whole number of properties')
    .min(1, 'largest batch must hold at least 1 property')
    .max(1000, 'largest batch may hold at most 1,000 properties'),
  batchMinSize: z
    .number({ message: 'smallest batch must be a number of properties' })
    .int('smallest batch must be a whole number of properties')
    .min(2, 'smallest batch must hold at least 2 properties')
    .max(1000, 'smallest batch may hold at most 1,000 properties'),
  allowPaid: z.boolean({ message: 'allow paid imagery must be true or false' }),
  enhanceScale: z.union([z.literal(2), z.literal(4)], { message: 'enhancement scale must be 2 or 4' }),
  roofMarginM: z
    .number({ message: 'roof margin must be a number of metres' })
    .min(0, 'roof margin cannot be negative')
    .max(100, 'roof margin must be at most 100 m'),
};

export const imagerySettingsSchema = z
  .object(imagerySettingsShape)
  .strict()
  .refine((s) => s.batchMinSize <= s.batchMaxSize, { message: 'the smallest batch cannot be larger than the largest batch', path: ['batchMinSize'] });
export type ImagerySettings = z.infer<typeof imagerySettingsSchema>;

export const imagerySettingsPatchSchema = z.object(imagerySettingsShape).partial().strict();
export type ImagerySettingsPatch = z.infer<typeof imagerySettingsPatchSchema>;

export const DEFAULT_IMAGERY_SETTINGS: Readonly<ImagerySettings> = Object.freeze({
  cacheTtlDays: 7,
  qualityThreshold: 0.75,
  cacheCapBytes: 2 * GIB,
  batchRadiusM: 2000,
  batchMaxSize: 25,
  batchMinSize: 3,
  allowPaid: true,
  enhanceScale: 4,
  roofMarginM: 6,
});

export interface VersionedImagerySettings extends ImagerySettings {
  /** 0: the defaults, never saved. */
  version: number;
  changedAt: string | null;
  changedBy: string | null;
}

export type ImagerySettingsErrorKind = 'invalid-settings' | 'stale-settings';

export class ImagerySettingsError extends Error {
  readonly kind: ImagerySettingsErrorKind;
  constructor(kind: ImagerySettingsErrorKind, message: string) {
    super(message);
    this.name = 'ImagerySettingsError';
    this.kind = kind;
  }
}

const SETTINGS_KEY = 'imagery_settings';

const storedSchema = z.object({
  version: z.number().int().positive(),
  at: z.string(),
  actor: z.string(),
  settings: z.record(z.string(), z.unknown()),
});

export function getImagerySettings(db: Db): VersionedImagerySettings {
  const text: unknown = statement(db, 'SELECT value FROM meta WHERE key = ?').pluck().get(SETTINGS_KEY);
  if (typeof text !== 'string') return { ...DEFAULT_IMAGERY_SETTINGS, version: 0, changedAt: null, changedBy: null };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  const stored = parseRow(storedSchema, json, 'imagery settings');
  // Note: fields added by later versions of the app fall back to their defaults.
  const settings = parseRow(imagerySettingsSchema, { ...DEFAULT_IMAGERY_SETTINGS, ...stored.settings }, 'imagery settings');
  return { ...settings, version: stored.version, changedAt: stored.at, changedBy: stored.actor };
}

export interface SetImagerySettingsOptions {
  actor: string;
  /** The version the editor read; refused as 'stale-settings' when another is in force. */
  expectedVersion?: number;
}

/** Applies a patch to the settings in force, in one audited transaction. */
export function setImagerySettings(db: Db, patch: ImagerySettingsPatch, options: SetImagerySettingsOptions): VersionedImagerySettings {
  const validPatch = imagerySettingsPatchSchema.safeParse(patch);
  if (!validPatch.success) throw new ImagerySettingsError('invalid-settings', `The imagery settings are not valid: ${describeZodError(validPatch.error)}.`);
  const actor = z.string().trim().min(1).max(200).safeParse(options.actor);
  if (!actor.success) throw new ImagerySettingsError('invalid-settings', 'Say who is changing the imagery settings (a name of 1 to 200 characters).');

  return writeTransaction(db, () => {
    const current = getImagerySettings(db);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new ImagerySettingsError(
        'stale-settings',
        `The imagery settings were changed elsewhere (now version ${current.version}, you edited version ${options.expectedVersion}); reload them and try again.`,
      );
    }
    const { version, changedAt: _at, changedBy: _by, ...previous } = current;
    const next = imagerySettingsSchema.safeParse({ ...previous, ...validPatch.data });
    if (!next.success) throw new ImagerySettingsError('invalid-settings', `The imagery settings are not valid: ${describeZodError(next.error)}.`);
    const at = new Date().toISOString();
    const stored = { version: version + 1, at, actor: actor.data, settings: next.data };
    statement(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SETTINGS_KEY, JSON.stringify(stored));
    const changes = Object.fromEntries(
      Object.entries(validPatch.data).filter(([field, value]) => previous[field as keyof ImagerySettings] !== value),
    );
    appendAudit(db, { actor: actor.data, action: 'imagery-settings-changed', details: { changes, previous: pick(previous, Object.keys(changes)), version: stored.version } });
    return { ...next.data, version: stored.version, changedAt: at, changedBy: actor.data };
  });
}

function pick(settings: ImagerySettings, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, settings[field as keyof ImagerySettings]]));
}
