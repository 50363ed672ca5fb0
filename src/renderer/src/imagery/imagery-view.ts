import type { ImageryCacheStats, RoofImageView } from '../../../core/contracts/imagery-contract';
import type { MlInfo } from '../../../core/contracts/ml-contract';
import { percent, usd, type Tone } from '../spend/format';

/*
 * Presentation rules of the roof image panel and the imagery cache card, pure and tested in Node:
 * source names, resolution and cost lines, the quality bar, the footprint box over the picture,
 * sizes in bytes, and the line that says where the models run.
 */

/** Names of the imagery sources as a rep reads them (ids as in src/core/cost/sources.ts). */
const SOURCE_NAMES: Record<string, string> = {
  naip: 'USGS NAIP',
  'google-static-maps': 'Google Static Maps',
  'mapbox-static-images': 'Mapbox Static Images',
  synthetic: 'Synthetic image',
  'synthetic-roof': 'Synthetic image',
  fallback: 'Synthetic image',
};

export function sourceName(id: string): string {
  return SOURCE_NAMES[id] ?? id;
}

/** Free (public domain), paid, or anything else (e.g. a local synthetic image). */
export type SourceCategory = 'free' | 'paid' | 'other';

const PAID_SOURCES = new Set(['google-static-maps', 'mapbox-static-images']);

export function sourceCategory(id: string): SourceCategory {
  if (id === 'naip') return 'free';
  return PAID_SOURCES.has(id) ? 'paid' : 'other';
}

export const STEP_LABELS: Record<RoofImageView['stepKind'], string> = {
  cache: 'From the cache',
  free: 'Free imagery',
  batch: 'Batch image',
  paid: 'Paid imagery',
  fallback: 'Local estimate',
};

export function stepTone(kind: RoofImageView['stepKind']): Tone {
  if (kind === 'paid') return 'pending';
  if (kind === 'fallback') return 'off';
  return 'ok';
}

/**
 * "USGS NAIP" or "USGS NAIP + Google Static Maps"; "Unknown source" when none is named.
 * Note: the record's sources also name the model that enhanced the picture (e.g.
 * "esrgan-slim-x4@1.0.0"); it is shown on the resolution line, not as where the imagery came from.
 */
export function sourcesLine(sources: readonly string[], enhancedModel: string | null = null): string {
  const imagery = sources.filter((id) => id !== enhancedModel && !/^esrgan/i.test(id));
  const names = [...new Set(imagery.map(sourceName))];
  return names.length > 0 ? names.join(' + ') : 'Unknown source';
}

/** "Free" for nothing paid, else the exact amount ("$0.002"). */
export function costLine(costMicros: number): string {
  return costMicros === 0 ? 'Free' : usd(costMicros);
}

/** "ESRGAN-slim ×4" from model ids such as "esrgan-slim-x4"; other ids as they are. */
export function modelLabel(model: string, scale: number | null): string {
  const match = /esrgan[-_ ]?slim(?:[-_ ]?x(\d+))?/i.exec(model);
  if (!match) return scale ? `${model} ×${scale}` : model;
  const factor = match[1] ? Number(match[1]) : scale;
  return factor ? `ESRGAN-slim ×${factor}` : 'ESRGAN-slim';
}

function metres(value: number): string {
  return `${value < 0.1 ? value.toFixed(3) : value.toFixed(2)} m`;
}

/** "0.60 m → 0.15 m per pixel (ESRGAN-slim ×4)", or "0.60 m per pixel (not enhanced)". */
export function resolutionLine(view: Pick<RoofImageView, 'groundResolutionM' | 'enhancedResolutionM' | 'enhancedModel'>): string {
  const native = metres(view.groundResolutionM);
  if (view.enhancedResolutionM === null) return `${native} per pixel (not enhanced)`;
  const scale = view.enhancedResolutionM > 0 ? Math.round(view.groundResolutionM / view.enhancedResolutionM) : null;
  const model = view.enhancedModel ? ` (${modelLabel(view.enhancedModel, scale)})` : '';
  return `${native} → ${metres(view.enhancedResolutionM)} per pixel${model}`;
}

/** "Captured 14 Jun 2022" (the flight's own date, shown in UTC so it does not shift a day). */
export function captureLine(capturedAt: string | null, locale?: string): string {
  if (!capturedAt) return 'Capture date unknown';
  const at = new Date(capturedAt);
  if (Number.isNaN(at.getTime())) return 'Capture date unknown';
  return `Captured ${at.toLocaleDateString(locale ?? 'en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })}`;
}

/** Good from the cache's default threshold (0.75), doubtful from 0.5, poor below. */
export function qualityTone(quality: number): Tone {
  if (quality >= 0.75) return 'ok';
  if (quality >= 0.5) return 'pending';
  return 'failed';
}

/** The measurements behind the score, in words: "sharpness 82% · noise 10% · cloud 0% · no data 0%". */
export function qualityFactors(detail: RoofImageView['qualityDetail']): string {
  return [`sharpness ${percent(detail.sharpness)}`, `noise ${percent(detail.noise)}`, `cloud ${percent(detail.cloudShare)}`, `no data ${percent(detail.noDataShare)}`].join(' · ');
}

export interface BoxPercent {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The building's footprint box over the picture, in percent of the picture's size, clamped to it;
 * null when there is no box or it lies wholly outside the picture.
 */
export function footprintBox(footprintPx: RoofImageView['footprintPx'], width: number, height: number): BoxPercent | null {
  if (!footprintPx || width <= 0 || height <= 0) return null;
  const [x0, y0, x1, y1] = footprintPx;
  const left = clamp(Math.min(x0, x1), 0, width);
  const right = clamp(Math.max(x0, x1), 0, width);
  const top = clamp(Math.min(y0, y1), 0, height);
  const bottom = clamp(Math.max(y0, y1), 0, height);
  if (right - left <= 0 || bottom - top <= 0) return null;
  return { left: (100 * left) / width, top: (100 * top) / height, width: (100 * (right - left)) / width, height: (100 * (bottom - top)) / height };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** "10:42:05" for the processing log (the person's own clock). */
export function logTime(iso: string, locale?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return at.toLocaleTimeString(locale ?? 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "0 B", "850 B", "12.4 KB", "3.1 MB", "2.0 GB" (binary units, as the cache cap is set). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** How full the cache is: bar width (0..100, an over-cap cache fills it), tone and "3.1 MB of 2.0 GB". */
export function cacheUsage(stats: Pick<ImageryCacheStats, 'bytes' | 'capBytes'>): { share: number; tone: Tone; text: string } {
  const share = stats.capBytes > 0 ? Math.min(100, (100 * stats.bytes) / stats.capBytes) : stats.bytes > 0 ? 100 : 0;
  const tone: Tone = stats.capBytes > 0 && stats.bytes > stats.capBytes ? 'failed' : share >= 90 ? 'pending' : 'ok';
  return { share, tone, text: `${formatBytes(stats.bytes)} of ${formatBytes(stats.capBytes)}` };
}

/** What "Trim cache" did, in a sentence. */
export function evictionLine(result: { evicted: number; freedBytes: number; expired: number }): string {
  if (result.evicted === 0) return 'Nothing to trim: the cache is within its size cap and nothing has expired.';
  const tiles = `${result.evicted.toLocaleString('en-US')} ${result.evicted === 1 ? 'tile' : 'tiles'}`;
  const expired = result.expired > 0 ? ` (${result.expired.toLocaleString('en-US')} expired)` : '';
  return `Trimmed ${tiles}${expired}, freed ${formatBytes(result.freedBytes)}.`;
}

const PROVIDER_NAMES: Record<NonNullable<MlInfo['provider']>, string> = {
  cuda: 'the GPU (CUDA)',
  dml: 'the GPU (DirectML)',
  coreml: 'Apple silicon (CoreML)',
  cpu: 'CPU',
};

/** Where the local models run, as one line, and whether that is a problem. */
export function mlLine(info: MlInfo): { text: string; tone: Tone } {
  if (info.problem) return { text: `Models unavailable: ${info.problem}`, tone: 'failed' };
  if (!info.provider) return { text: 'Models not loaded yet', tone: 'pending' };
  if (info.provider === 'cpu') return { text: 'Models run on CPU (no GPU provider here)', tone: 'ok' };
  return { text: `Models run on ${PROVIDER_NAMES[info.provider]}`, tone: 'ok' };
}
