import { formatUsd, type Micros } from '../../../core/money';

/*
 * Pure presentation rules for the spend panel and the budget settings: money and rate text, bar
 * geometry, tones, and where a server error belongs in a form. No React, no DOM: tested in Node.
 */

export type Tone = 'ok' | 'pending' | 'failed' | 'off';

/** "$1.23", "$0.002": whole micro-dollars as the server sent them. */
export function usd(amount: number): string {
  return formatUsd(amount as Micros);
}

/** To the nearest cent, for estimates where sub-cent digits are noise: "$1.42". */
export function usdCents(amount: number): string {
  return formatUsd((Math.round(amount / 10_000) * 10_000) as Micros);
}

/** A 0..1 rate as "67%" ("0.4%" below 10%, so a little is not shown as nothing); "—" for none. */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  const value = rate * 100;
  if (value > 0 && value < 10) return `${value < 0.1 ? '<0.1' : value.toFixed(1)}%`;
  return `${Math.round(value)}%`;
}

/** Dollars as a person types them back into a field: "10.5" → "10.50", "0.002" stays. */
export function usdInput(amount: number): string {
  return formatUsd(amount as Micros).replace(/^\$/, '').replace(/,/g, '');
}

export interface BarGeometry {
  /** Widths in percent of the track, together never more than 100. */
  committed: number;
  reserved: number;
  /** Spent beyond the limit (the limit was lowered): the bar is full and marked. */
  over: boolean;
}

/** How much of a budget bar is spent and how much is set aside for calls in flight. */
export function barGeometry(committed: number, reserved: number, limit: number): BarGeometry {
  if (limit <= 0) return { committed: committed > 0 ? 100 : 0, reserved: 0, over: committed > 0 };
  const committedShare = Math.min(100, Math.max(0, (committed / limit) * 100));
  const reservedShare = Math.min(100 - committedShare, Math.max(0, (reserved / limit) * 100));
  return { committed: committedShare, reserved: reservedShare, over: committed > limit };
}

/** Green below 80% of the limit, amber from 80%, red once it is used up. */
export function utilisationTone(spent: number, limit: number): Tone {
  if (limit <= 0) return spent > 0 ? 'failed' : 'off';
  if (spent >= limit) return 'failed';
  if (spent * 5 >= limit * 4) return 'pending';
  return 'ok';
}

/** "10:42" in the person's own clock, for alert times. */
export function clockTime(iso: string, locale?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** "Thu 27 Nov" for the budget day shown in the panel header (the day is the budget's own). */
export function dayLabel(day: string, locale?: string): string {
  const at = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(at.getTime())) return day;
  return at.toLocaleDateString(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
}

export interface FieldErrors<F extends string> {
  byField: Partial<Record<F, string>>;
  /** What belongs to no single field (or the whole message when none could be placed). */
  general: string | null;
}

/**
 * Splits a refusal such as `budget.update: params.dailyUsd: daily budget: "-5" is negative; …;
 * params.timeZone: …` into one message per form field. `aliases` maps the other names a field
 * has in server messages (the settings call the daily budget `dailyMicros`).
 * Note: errors crossing Electron's contextBridge keep only their message, so the message is what
 * there is to go on; the paths in it come from our own describeZodError.
 */
export function splitFieldErrors<F extends string>(message: string, fields: readonly F[], aliases: Partial<Record<string, F>> = {}): FieldErrors<F> {
  const names = [...fields, ...Object.keys(aliases)].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(?:params\\.)?\\b(${names.join('|')})((?:\\.[A-Za-z]+|\\[\\d+\\])*): `, 'g');
  const found = [...message.matchAll(pattern)];
  const byField: Partial<Record<F, string>> = {};
  if (found.length === 0) return { byField, general: message.replace(/^[\w.]+: (?=params\.)/, '') };
  found.forEach((match, index) => {
    const name = match[1]!;
    const field = (fields as readonly string[]).includes(name) ? (name as F) : aliases[name]!;
    const end = index + 1 < found.length ? found[index + 1]!.index : message.length;
    const text = tidy(message.slice(match.index + match[0].length, end));
    if (byField[field] === undefined) byField[field] = text;
  });
  return { byField, general: null };
}

/** Per-row errors of a price table refusal: `prices[2].price: …` or `prices[2]: … priced twice`. */
export function splitRowErrors(message: string): { byRow: Map<number, string>; general: string | null } {
  const found = [...message.matchAll(/(?:params\.)?prices\[(\d+)\](?:\.(\w+))?: /g)];
  const byRow = new Map<number, string>();
  if (found.length === 0) return { byRow, general: message.replace(/^[\w.]+: (?=params\.)/, '') };
  found.forEach((match, index) => {
    const row = Number(match[1]);
    const end = index + 1 < found.length ? found[index + 1]!.index : message.length;
    if (!byRow.has(row)) byRow.set(row, tidy(message.slice(match.index + match[0].length, end)));
  });
  return { byRow, general: null };
}

function tidy(text: string): string {
  // The field's own label ("daily budget: …") is already beside the field.
  const trimmed = text.replace(/^[a-z][a-z -]*: /i, '').replace(/[;\s]+$/, '').replace(/\.+$/, '');
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
