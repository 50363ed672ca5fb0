import { KNOWN_API_KEYS, type ApiKeyList, type ApiKeySummary } from '../../../core/contracts/secrets-api';

/** One row of Settings → API keys: a known source's key (saved or not) or a saved custom one. */
export interface ApiKeyRow {
  name: string;
  label: string;
  purpose: string | null;
  saved: ApiKeySummary | null;
}

export const apiKeysQueryKey = ['api-keys'] as const;

/** Known keys first, in the catalogue's order, then any other saved names alphabetically. */
export function apiKeyRows(list: ApiKeyList | undefined): ApiKeyRow[] {
  const saved = new Map((list?.keys ?? []).map((key) => [key.name, key]));
  const known: ApiKeyRow[] = KNOWN_API_KEYS.map((k) => ({ name: k.name, label: k.label, purpose: k.purpose, saved: saved.get(k.name) ?? null }));
  const knownNames = new Set<string>(KNOWN_API_KEYS.map((k) => k.name));
  const custom: ApiKeyRow[] = (list?.keys ?? [])
    .filter((k) => !knownNames.has(k.name))
    .map((k) => ({ name: k.name, label: k.name, purpose: null, saved: k }));
  return [...known, ...custom];
}

export type RotationTone = 'ok' | 'pending' | 'failed' | 'off';

/** The badge beside a key: its rotation state, or why it cannot be read. */
export function rotationBadge(key: ApiKeySummary | null, now: number): { text: string; tone: RotationTone } {
  if (!key) return { text: 'Not set', tone: 'off' };
  if (key.problem) return { text: 'Cannot be read', tone: 'failed' };
  if (key.rotationDue) return { text: 'Rotation due', tone: 'failed' };
  const days = Math.max(1, Math.ceil((Date.parse(key.rotationDueAt) - now) / 86_400_000));
  return { text: `Rotate in ${days} d`, tone: days <= 3 ? 'pending' : 'ok' };
}

/** "saved today", "saved 1 day ago", "saved 31 days ago". */
export function ageLabel(key: ApiKeySummary): string {
  if (key.ageDays === 0) return 'saved today';
  return `saved ${key.ageDays} day${key.ageDays === 1 ? '' : 's'} ago`;
}

/** How many keys need a new value: shown on the Settings button without opening it. */
export function keysNeedingAttention(list: ApiKeyList | undefined): number {
  return (list?.keys ?? []).filter((k) => k.rotationDue || k.problem !== null).length;
}

/** The rotation period from the form: a whole number of days 1–365, else the reason. */
export function parseRotationDays(text: string): { ok: true; days: number } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (!/^\d{1,3}$/.test(trimmed)) return { ok: false, message: 'Enter a whole number of days from 1 to 365.' };
  const days = Number(trimmed);
  if (days < 1 || days > 365) return { ok: false, message: 'Enter a whole number of days from 1 to 365.' };
  return { ok: true, days };
}
