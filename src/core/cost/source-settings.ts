import {
  SOURCE_SETTING_FIELDS,
  type SourceLicence,
  type SourceSettings,
  type SourceSettingsList,
  type SourceSettingsPatch,
} from '../contracts/sources-api';
import { writeTransaction, type Db } from '../store/database';
import { budgetDay } from './budget-day';
import { getBudgetSettings } from './budget-settings';
import { priceFor } from './prices';
import { readRateLimit } from './rate-limiter';
import { applySourceOverride, readSourceOverrides, SourcePolicyError, type LicencePolicy, type SourceOverride, type SourceOverrides, type SourcePolicy } from './source-policy';
import { configureSource, SOURCE_CATALOGUE } from './sources';

/**
 * Settings → Data sources for the orchestrator and `fishmouth sources`: every catalogued source
 * with its policy in force, its defaults, its licence and today's use of its shared rate limiter,
 * and the manager's changes applied as patches.
 *
 *   listSourceSettings(db, now?)                                    → SourceSettingsList
 *   changeSourceSettings(db, id, patch | null, { actor, expectedVersion? }) → SourceSettings
 *   mergeSourcePatch(declared, current, patch)                       → override to store, or null
 *
 * Note: a patch changes only the fields it names, so `fishmouth sources set naip --rate 2` keeps
 * an address set earlier; null (reset) restores every default of the source.
 */

export function listSourceSettings(db: Db, now = new Date()): SourceSettingsList {
  // One read transaction, so the version and every entry agree.
  return db.transaction(() => {
    const overrides = readSourceOverrides(db);
    const timeZone = budgetTimeZone(db);
    const today = budgetDay(now, timeZone);
    const sources = SOURCE_CATALOGUE.map((declared) => sourceSettingsView(db, declared, overrides, today, now.getTime()));
    return { settingsVersion: overrides.version, changedAt: overrides.at, changedBy: overrides.actor, day: today, timeZone, sources };
  })();
}

export interface ChangeSourceOptions {
  actor: string;
  /** The settings version the editor read; refused as 'stale-settings' when another is in force. */
  expectedVersion?: number;
}

/** Applies a patch (or with null, the defaults) to one source and returns its new settings. */
export function changeSourceSettings(db: Db, sourceId: string, patch: SourceSettingsPatch | null, options: ChangeSourceOptions): SourceSettings {
  const declared = SOURCE_CATALOGUE.find((policy) => policy.id === sourceId);
  if (!declared) {
    throw new SourcePolicyError('unknown-source', `There is no data source called "${String(sourceId).slice(0, 80)}"; \`fishmouth sources\` lists them.`);
  }
  // Note: read and write in one transaction, so a patch never merges onto settings another
  // process replaced in between (configureSource's own transaction nests as a savepoint).
  return writeTransaction(db, () => {
    const current = readSourceOverrides(db);
    const next = patch === null ? null : mergeSourcePatch(declared, current.overrides[declared.id], patch);
    const saved = configureSource(db, declared.id, next, options);
    const now = new Date();
    return sourceSettingsView(db, declared, saved, budgetDay(now, budgetTimeZone(db)), now.getTime());
  });
}

type Editable = Pick<SourceSettings, (typeof SOURCE_SETTING_FIELDS)[number]>;

function editableOf(policy: SourcePolicy): Editable {
  return {
    enabled: policy.enabled,
    baseUrl: policy.baseUrl,
    userAgent: policy.userAgent,
    ratePerSecond: policy.rateLimit?.requestsPerSecond ?? null,
    burst: policy.rateLimit?.burst ?? null,
    dailyCap: policy.dailyCap,
  };
}

/**
 * The override to store after a patch: the current override with the patch applied, keeping only
 * what differs from the declared defaults (so "customised" means what it says, and a value set
 * back to its default leaves nothing behind). null when nothing differs.
 */
export function mergeSourcePatch(declared: SourcePolicy, current: SourceOverride | undefined, patch: SourceSettingsPatch): SourceOverride | null {
  const merged: SourceOverride = { ...current };
  if (patch.enabled !== undefined) merged.enabled = patch.enabled;
  if (patch.baseUrl !== undefined) merged.baseUrl = patch.baseUrl;
  if (patch.userAgent !== undefined) merged.userAgent = patch.userAgent;
  if (patch.ratePerSecond !== undefined) merged.requestsPerSecond = patch.ratePerSecond;
  if (patch.burst !== undefined) merged.burst = patch.burst;
  if (patch.dailyCap !== undefined) merged.dailyCap = patch.dailyCap;

  const defaults = editableOf(declared);
  if (merged.enabled === defaults.enabled) delete merged.enabled;
  if (merged.baseUrl === defaults.baseUrl) delete merged.baseUrl;
  if (merged.userAgent === defaults.userAgent) delete merged.userAgent;
  if (merged.requestsPerSecond === defaults.ratePerSecond) delete merged.requestsPerSecond;
  if (merged.burst === defaults.burst) delete merged.burst;
  if (merged.dailyCap === defaults.dailyCap) delete merged.dailyCap;
  return Object.keys(merged).length === 0 ? null : merged;
}

function sourceSettingsView(db: Db, declared: SourcePolicy, overrides: SourceOverrides, today: string, now: number): SourceSettings {
  const inForce = applySourceOverride(declared, overrides.overrides[declared.id]);
  const current = editableOf(inForce);
  const defaults = editableOf(declared);
  const usage = readRateLimit(db, declared.id, now);
  const price = inForce.price && { ...inForce.price, micros: priceFor(db, inForce.price.source, inForce.price.operation) };
  return {
    id: inForce.id,
    label: inForce.name,
    kind: inForce.kind,
    ...current,
    price,
    licence: licenceOf(inForce.licence),
    usage: {
      day: today,
      // A bucket last counted on an earlier day has used nothing today.
      requests: usage && usage.day === today ? usage.requestsToday : 0,
      dailyCap: inForce.dailyCap,
      tokens: usage ? Math.max(0, usage.tokens) : null,
      pausedUntil: usage?.pausedUntilMs ? new Date(usage.pausedUntilMs).toISOString() : null,
    },
    defaults,
    customised: SOURCE_SETTING_FIELDS.filter((field) => current[field] !== defaults[field]),
    settingsVersion: overrides.version,
  };
}

function licenceOf(licence: LicencePolicy): SourceLicence {
  return {
    name: licence.name,
    mayStore: licence.storable,
    cacheable: licence.cacheable,
    cacheTtlMs: licence.cacheTtlMs,
    offlineUse: licence.offlineUse,
    bulkDownload: licence.bulkDownload,
    attribution: licence.attribution,
    url: licence.url,
  };
}

/** The budget's time zone, so "today" is the rate limiter's day; UTC when settings cannot be read, as there. */
function budgetTimeZone(db: Db): string {
  try {
    return getBudgetSettings(db).timeZone;
  } catch {
    return 'UTC';
  }
}
