import type { LeadView } from '../../../core/contracts/leads-contract';
import type { LeadStatus, VisitOutcome } from '../../../core/leads/types';
import type { Tone } from '../spend/format';

/*
 * Presentation rules of the leads card and the lead detail, pure and tested in Node: score bands
 * and their colours, status names and the order a rep moves a lead along, the one-line facts of a
 * row (condition, roof age, hail), counts, and the "why" bars of a score's contributions.
 */

export type ScoreBand = 'hot' | 'warm' | 'cool';

/** A score at or above this is a lead worth a knock today; the count line says how many. */
export const HOT_SCORE = 70;
const WARM_SCORE = 40;

export function scoreBand(score: number): ScoreBand {
  if (score >= HOT_SCORE) return 'hot';
  return score >= WARM_SCORE ? 'warm' : 'cool';
}

/** Fill colours of the score badge and the lead circles on the map (white text reads on each). */
export const BAND_COLOURS: Record<ScoreBand, string> = { hot: '#c2410c', warm: '#b7791f', cool: '#64748b' };
export const BAND_LABELS: Record<ScoreBand, string> = { hot: `${HOT_SCORE}+`, warm: `${WARM_SCORE}–${HOT_SCORE - 1}`, cool: `under ${WARM_SCORE}` };

export const STATUS_LABELS: Record<LeadStatus, string> = {
  new: 'New',
  contacted: 'Contacted',
  appointment: 'Appointment',
  sold: 'Sold',
  not_interested: 'Not interested',
  not_home: 'Not home',
};

export const OUTCOME_LABELS: Record<VisitOutcome, string> = {
  contacted: 'Talked to them',
  appointment: 'Booked an appointment',
  sold: 'Sold',
  not_interested: 'Not interested',
  not_home: 'Nobody home',
};

/** The way a lead moves forward; "not interested" and "not home" can happen at any step. */
export const STATUS_STEPS: readonly LeadStatus[] = ['new', 'contacted', 'appointment', 'sold'];
export const SIDE_STATUSES: readonly LeadStatus[] = ['not_interested', 'not_home'];

export function statusTone(status: LeadStatus): Tone {
  switch (status) {
    case 'sold':
    case 'appointment':
      return 'ok';
    case 'contacted':
      return 'pending';
    case 'not_interested':
      return 'failed';
    default:
      return 'off';
  }
}

/** The status one step on from `status` along STATUS_STEPS, or null at the end or off the path. */
export function nextStatus(status: LeadStatus): LeadStatus | null {
  const at = STATUS_STEPS.indexOf(status);
  return at >= 0 && at < STATUS_STEPS.length - 1 ? STATUS_STEPS[at + 1]! : null;
}

/** "312 leads · 41 ≥ 70"; the second part is left out until it is known. */
export function countsLine(total: number, hot: number | null): string {
  const leads = `${total.toLocaleString('en-US')} ${total === 1 ? 'lead' : 'leads'}`;
  return hot === null ? leads : `${leads} · ${hot.toLocaleString('en-US')} ≥ ${HOT_SCORE}`;
}

/** "1–100 of 312" for the page shown. */
export function pageLine(offset: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `0 of ${total.toLocaleString('en-US')}`;
  return `${(offset + 1).toLocaleString('en-US')}–${(offset + shown).toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`;
}

/** "Sound", "Worn" or "Poor" for a 0–100 roof condition (100 = sound). */
export function conditionWord(score: number): string {
  if (score >= 70) return 'Sound';
  return score >= 40 ? 'Worn' : 'Poor';
}

/** "Poor 35/100" in a row; "Not assessed" without an assessment. */
export function conditionShort(score: number | null): string {
  return score === null ? 'Not assessed' : `${conditionWord(score)} ${score}/100`;
}

/** "Poor roof, 35/100 · 80% sure" for the detail; the confidence is left out when unknown. */
export function conditionLine(score: number | null, confidence: number | null): string {
  if (score === null) return 'Roof condition not assessed yet.';
  const sure = confidence === null ? '' : ` · ${Math.round(confidence * 100)}% sure`;
  return `${conditionWord(score)} roof, ${score}/100${sure}`;
}

/** "22 yr roof"; "Age unknown". */
export function roofAgeShort(years: number | null): string {
  if (years === null) return 'Age unknown';
  return `${Math.max(0, Math.round(years))} yr roof`;
}

/** '1.75″ hail, Apr 2024'; 'No hail on record'. */
export function hailShort(inches: number | null, lastAt: string | null): string {
  if (inches === null || inches <= 0) return 'No hail on record';
  const size = `${trimNumber(inches, 2)}″ hail`;
  const at = lastAt ? new Date(lastAt) : null;
  if (!at || Number.isNaN(at.getTime())) return size;
  return `${size}, ${at.toLocaleDateString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' })}`;
}

/** The one sentence a row shows: the first reason, else the strongest contribution. */
export function topReason(lead: Pick<LeadView, 'reasons' | 'contributions'>): string {
  return lead.reasons[0]?.text ?? lead.contributions[0]?.text ?? 'No reason recorded.';
}

export interface ContributionBar {
  feature: string;
  text: string;
  value: string;
  /** Which way it pushes the score. */
  direction: 'up' | 'down' | 'none';
  /** 0..100: share of the half-track, relative to the strongest contribution shown. */
  width: number;
  /** "+0.84" / "−0.31" log-odds points, for the tooltip. */
  points: string;
}

/**
 * One bar per contribution, in the order given (the service sorts them by impact): the strongest
 * fills its half of the track, the others are to scale, and none that counts vanishes (at least 4%).
 */
export function contributionBars(contributions: readonly LeadView['contributions'][number][]): ContributionBar[] {
  const strongest = Math.max(0, ...contributions.map((c) => Math.abs(c.logit)));
  return contributions.map((c) => {
    const magnitude = Math.abs(c.logit);
    const direction = magnitude < 0.005 ? 'none' : c.logit > 0 ? 'up' : 'down';
    const width = strongest === 0 || direction === 'none' ? 0 : Math.max(4, Math.round((100 * magnitude) / strongest));
    const sign = c.logit > 0 ? '+' : c.logit < 0 ? '−' : '';
    return { feature: c.feature, text: c.text, value: c.value, direction, width, points: `${sign}${magnitude.toFixed(2)}` };
  });
}

/** "82 · 61% chance of an appointment or a sale" */
export function probabilityLine(probability: number): string {
  return `${Math.round(probability * 100)}% chance of an appointment or a sale`;
}

/** "12 May 2025, 14:05" in the person's own clock. */
export function visitTime(iso: string, locale = 'en-GB'): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toLocaleString(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function trimNumber(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

/**
 * The export's file name, safe to save: no folders, no characters a file system refuses, and the
 * format's extension. Note: the name comes from the service, but a save must never depend on it.
 */
export function exportFilename(name: string, format: 'csv' | 'geojson' | 'kml'): string {
  const base = (name.split(/[\\/]/).pop() ?? '')
    .replace(/[\u0000-\u001f<>:"|?*]+/g, '')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 120);
  const stem = base.replace(/\.(csv|geojson|json|kml)$/i, '') || 'fishmouth-leads';
  return `${stem}.${format}`;
}
