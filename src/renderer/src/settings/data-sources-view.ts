import type { SourceLicence, SourceSettings, SourceSettingsPatch } from '../../../core/contracts/sources-api';
import { splitFieldErrors, type FieldErrors } from '../spend/format';

/*
 * Pure presentation rules for Settings → Data sources: what a row's fields show, what a person's
 * edits become as a patch, the licence in a few words, and today's use. No React: tested in Node.
 */

export const dataSourcesQueryKey = ['data-sources'] as const;

/** The editable fields of a row as the person types them. */
export interface SourceDraft {
  ratePerSecond: string;
  burst: string;
  /** Empty = no cap. */
  dailyCap: string;
  baseUrl: string;
}
export const DRAFT_FIELDS = ['ratePerSecond', 'burst', 'dailyCap', 'baseUrl'] as const;

export function draftOf(source: Pick<SourceSettings, 'ratePerSecond' | 'burst' | 'dailyCap' | 'baseUrl'>): SourceDraft {
  return {
    ratePerSecond: source.ratePerSecond === null ? '' : String(source.ratePerSecond),
    burst: source.burst === null ? '' : String(source.burst),
    dailyCap: source.dailyCap === null ? '' : String(source.dailyCap),
    baseUrl: source.baseUrl ?? '',
  };
}

/**
 * Only the fields that changed, as the API takes them. Text that is not a number becomes NaN on
 * purpose: the contract's schema then refuses it with the same words the server would use.
 */
export function patchFromDraft(source: SourceSettings, draft: SourceDraft): SourceSettingsPatch {
  const before = draftOf(source);
  const patch: SourceSettingsPatch = {};
  const changed = (field: keyof SourceDraft) => draft[field].trim() !== before[field];
  if (changed('ratePerSecond')) patch.ratePerSecond = numberOf(draft.ratePerSecond);
  if (changed('burst')) patch.burst = numberOf(draft.burst);
  if (changed('dailyCap')) patch.dailyCap = draft.dailyCap.trim() === '' ? null : numberOf(draft.dailyCap);
  if (changed('baseUrl')) patch.baseUrl = draft.baseUrl.trim();
  return patch;
}

function numberOf(text: string): number {
  const trimmed = text.trim().replace(/,/g, '');
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

const count = (n: number) => n.toLocaleString('en-US');

/** "12 / 1,000", "3 / no cap"; red once the cap is reached, amber from 80%. */
export function usageText(source: SourceSettings): { text: string; tone: 'ok' | 'pending' | 'failed' | 'off' } {
  const { requests, dailyCap } = source.usage;
  if (source.kind === 'local') return { text: '—', tone: 'off' };
  if (dailyCap === null) return { text: `${count(requests)} / no cap`, tone: 'off' };
  const text = `${count(requests)} / ${count(dailyCap)}`;
  if (requests >= dailyCap) return { text, tone: 'failed' };
  if (requests * 5 >= dailyCap * 4) return { text, tone: 'pending' };
  return { text, tone: 'ok' };
}

export interface LicenceNote {
  text: string;
  /** A restriction the person should know before relying on the data. */
  restriction: boolean;
}

/** The licence in a few words: what may not be done first, then how long answers are reused, then the credit. */
export function licenceNotes(licence: SourceLicence): LicenceNote[] {
  const notes: LicenceNote[] = [];
  if (!licence.mayStore) notes.push({ text: 'may not be stored', restriction: true });
  else if (!licence.cacheable) notes.push({ text: 'may not be reused', restriction: true });
  if (licence.mayStore && !licence.offlineUse) notes.push({ text: 'no offline use', restriction: true });
  if (!licence.bulkDownload && licence.mayStore) notes.push({ text: 'no bulk downloads', restriction: true });
  if (licence.cacheable) notes.push({ text: licence.cacheTtlMs === null ? 'cached while useful' : `cached up to ${days(licence.cacheTtlMs)}`, restriction: false });
  if (licence.attribution) notes.push({ text: `credit “${licence.attribution}”`, restriction: false });
  return notes;
}

function days(ms: number): string {
  const whole = Math.round(ms / 86_400_000);
  if (whole >= 365 && whole % 365 === 0) return whole === 365 ? '1 year' : `${whole / 365} years`;
  return whole === 1 ? '1 day' : `${whole} days`;
}

/** "0.5/s · burst 1 · 500 a day", for the reset button's tooltip. */
export function defaultsText(source: SourceSettings): string {
  const d = source.defaults;
  const parts = [d.enabled ? 'on' : 'off'];
  if (d.ratePerSecond !== null) parts.push(`${d.ratePerSecond}/s`, `burst ${d.burst}`);
  parts.push(d.dailyCap === null ? 'no daily cap' : `${count(d.dailyCap)} a day`);
  if (d.baseUrl) parts.push(d.baseUrl);
  return parts.join(' · ');
}

export type SourceErrorField = (typeof DRAFT_FIELDS)[number] | 'enabled';

/**
 * A refusal split by field: `sources.configure: params.override.baseUrl: must start with …;
 * params.override.ratePerSecond: …` from the schema, or `… requestsPerSecond: …` from the stored
 * settings' own check. What belongs to no field stays general, without the wire's prefixes.
 */
export function splitSourceErrors(message: string): FieldErrors<SourceErrorField> {
  const plain = message.replace(/^sources\.configure: /, '').replace(/params\.(override\.?)?/g, '').replace(/^: /, '');
  const split = splitFieldErrors(plain, [...DRAFT_FIELDS, 'enabled'], { requestsPerSecond: 'ratePerSecond' });
  if (split.general === null) return split;
  const general = split.general.replace(/^override: /, '');
  return { byField: split.byField, general: `${general.charAt(0).toUpperCase()}${general.slice(1)}` };
}

/** A refusal because someone else saved first: the list must be reloaded before trying again. */
export function isStaleRefusal(message: string): boolean {
  return /changed elsewhere/.test(message);
}
