import { MIN_SHARPNESS } from './roof-features';
import type { Reason, RoofFacts, RoofImageFeatures } from './types';

/**
 * Why a roof is judged as it is, in codes a program can test and sentences a rep reads
 * (browser-safe, pure):
 *
 *   roofReasons(features | null, facts, now?) → Reason[]   (most telling first)
 *
 * | code | when |
 * |---|---|
 * | new-roof | a roof permit (or installed year) under NEW_ROOF_YEARS ago |
 * | roof-age-over-20 | roof age > OLD_ROOF_YEARS |
 * | roof-age-15-20 | AGING_ROOF_YEARS ≤ age ≤ OLD_ROOF_YEARS |
 * | age-unknown | no permit, installed year or year built on record |
 * | hail-large-recent | hail ≥ LARGE_HAIL_INCHES within the radius, the latest report ≤ RECENT_HAIL_MONTHS ago |
 * | hail-recent | any other hail within the radius and window (facts.hail) |
 * | dark-streaking | a usable image, darkStreakShare ≥ STREAKING_SHARE |
 * | patchy-texture | a usable image, patchiness ≥ PATCHY_LEVEL |
 * | moss | a usable image, mossShare ≥ MOSS_SHARE |
 * | too-blurry | an image sharper than nothing but under roof-features' MIN_SHARPNESS |
 * | image-unusable | an image that is sharp enough but shows too little clear roof (small, clouded) |
 * | no-image | no image of the roof at all |
 *
 * Note: HailExposure keeps the largest size, the nearest distance and the latest time, which may
 * come from different reports; with more than one report the sentence says "up to", "nearest"
 * and "latest" so it never claims one storm did all three.
 */

export const NEW_ROOF_YEARS = 3;
export const AGING_ROOF_YEARS = 15;
export const OLD_ROOF_YEARS = 20;
/** 1.75 in (golf ball): hail that breaks shingles; insurers pay for roofs after it. */
export const LARGE_HAIL_INCHES = 1.75;
export const RECENT_HAIL_MONTHS = 12;
/** Thresholds on the image features (roof-features.ts): a new emulator roof reads ~0.04 streaks, ~0.3 patchiness. */
export const STREAKING_SHARE = 0.1;
export const PATCHY_LEVEL = 0.5;
export const MOSS_SHARE = 0.05;

const METRES_PER_MILE = 1609.344;
const MS_PER_YEAR = 365.2425 * 86_400_000;
const DAYS_PER_MONTH = 30.436875;

export function roofReasons(features: RoofImageFeatures | null, facts: RoofFacts, now: Date = new Date()): Reason[] {
  const reasons: Reason[] = [];
  const age = facts.roofAgeYears;
  if (age === null) {
    reasons.push({ code: 'age-unknown', text: 'Roof age unknown: no year built, roof year or roof permit on record' });
  } else if (age < NEW_ROOF_YEARS && (facts.roofAgeSource === 'roof-permit' || facts.roofAgeSource === 'roof-installed')) {
    const when = age < 1 ? 'under a year ago' : `about ${Math.round(age)} year${Math.round(age) === 1 ? '' : 's'} ago`;
    reasons.push({ code: 'new-roof', text: facts.roofAgeSource === 'roof-permit' ? `New roof: roofing permit ${when} (${startYear(age, now, facts.roofAgeSource)})` : `New roof: put on ${when} (${startYear(age, now, facts.roofAgeSource)})` });
  } else if (age > OLD_ROOF_YEARS) {
    reasons.push({ code: 'roof-age-over-20', text: `Roof about ${Math.round(age)} years old (${ageOrigin(age, now, facts.roofAgeSource)})` });
  } else if (age >= AGING_ROOF_YEARS) {
    reasons.push({ code: 'roof-age-15-20', text: `Roof about ${Math.round(age)} years old (${ageOrigin(age, now, facts.roofAgeSource)})` });
  }

  const hail = facts.hail;
  if (hail.reports > 0) {
    const monthsAgo = hail.lastAt === null ? null : Math.max(0, (now.getTime() - Date.parse(hail.lastAt)) / 86_400_000 / DAYS_PER_MONTH);
    const large = hail.maxSizeInches !== null && hail.maxSizeInches >= LARGE_HAIL_INCHES && monthsAgo !== null && monthsAgo <= RECENT_HAIL_MONTHS;
    reasons.push({ code: large ? 'hail-large-recent' : 'hail-recent', text: hailSentence(hail, monthsAgo) });
  }

  if (features === null) {
    reasons.push({ code: 'no-image', text: 'No image of the roof: judged from the records alone' });
  } else if (!features.usable) {
    reasons.push(
      features.sharpness < MIN_SHARPNESS && features.roofPixels > 0
        ? { code: 'too-blurry', text: 'Image too blurry to judge the roof' }
        : { code: 'image-unusable', text: 'Image shows too little clear roof to judge it (small, hidden or under cloud)' },
    );
  } else {
    if (features.darkStreakShare >= STREAKING_SHARE) reasons.push({ code: 'dark-streaking', text: `Dark streaking on about ${percent(features.darkStreakShare)} of the roof` });
    if (features.patchiness >= PATCHY_LEVEL) reasons.push({ code: 'patchy-texture', text: 'Patchy texture: blotches of lost granules or repairs' });
    if (features.mossShare >= MOSS_SHARE) reasons.push({ code: 'moss', text: `Moss or lichen on about ${percent(features.mossShare)} of the roof` });
  }
  return reasons;
}

function ageOrigin(age: number, now: Date, source: RoofFacts['roofAgeSource']): string {
  const year = startYear(age, now, source);
  if (source === 'roof-permit') return `roofing permit ${year}`;
  if (source === 'roof-installed') return `roof put on in ${year}`;
  return `built ${year}`;
}

/** The year the age counts from (roof-facts counts a year from its middle, a permit from its day). */
function startYear(age: number, now: Date, source: RoofFacts['roofAgeSource']): number {
  const start = now.getTime() - age * MS_PER_YEAR;
  // Note: ages carry one decimal, so a start in the first days of July may round either way; the
  // year-based sources started at mid-year, so their year is the one of (start − a few weeks).
  return new Date(source === 'roof-permit' ? start : start - 0.1 * MS_PER_YEAR).getUTCFullYear();
}

function hailSentence(hail: RoofFacts['hail'], monthsAgo: number | null): string {
  const size = hail.maxSizeInches === null ? 'of unreported size' : `${hail.maxSizeInches.toFixed(2)} in`;
  const distance = hail.nearestM === null ? 'nearby' : `${miles(hail.nearestM)} away`;
  const when = monthsAgo === null ? '' : `, ${months(monthsAgo)}`;
  if (hail.reports === 1) return `Hail ${size} reported ${distance}${when}`;
  const upTo = hail.maxSizeInches === null ? 'sizes unreported' : `up to ${size}`;
  return `${hail.reports} hail reports, ${upTo}, nearest ${distance}${monthsAgo === null ? '' : `, latest ${months(monthsAgo)}`}`;
}

function miles(metres: number): string {
  const value = metres / METRES_PER_MILE;
  return value < 0.1 ? 'under 0.1 mi' : `${value.toFixed(1)} mi`;
}

function months(count: number): string {
  const whole = Math.floor(count);
  if (whole < 1) return 'under a month ago';
  return `${whole} month${whole === 1 ? '' : 's'} ago`;
}

function percent(share: number): string {
  return `${Math.max(1, Math.round(share * 100))}%`;
}
