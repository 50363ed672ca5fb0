import { getCensusArea } from '../store/census-areas';
import type { Db } from '../store/database';
import type { Property } from '../store/property-rows';
import type { RoofCondition, RoofFacts } from './types';

/**
 * The lead model's inputs: one number per feature, in LEAD_FEATURES order, each documented with
 * what it measures and what stands in when it is unknown, and the same facts as a person reads
 * them. The order is part of every model file: append new features, never reorder.
 *
 * Note: an unknown fact takes the value of the average lead (FEATURE_DEFAULTS, also the default
 * prior's centre), so it adds nothing to the score either way: a missing year built neither
 * helps nor hurts a door.
 */

export const LEAD_FEATURES = [
  /** 100 − roof condition (0 = sound, 100 = failing), pulled toward the average by low confidence. */
  'roof-condition-deficit',
  /** Years since the roof went on (last roof permit, else installed year, else year built), 0..60. */
  'roof-age-years',
  /** Largest hail reported near the property in the window (inches), 0 when none. */
  'hail-max-inches',
  /** exp(−distance to the nearest report ÷ 1 mile): 1 on the doorstep, 0.37 at a mile, 0 when none. */
  'hail-distance-factor',
  /** exp(−months since the latest report ÷ 12): 1 this month, 0.37 a year ago, 0 when none. */
  'hail-recency-factor',
  /** ln(market value, else assessed value, in USD). */
  'home-value-log',
  /** 1 owner-occupied, 0 rented, 0.5 unknown. */
  'owner-occupied',
  /** ln(median household income of the census tract, USD). */
  'tract-income-log',
  /** 1 when a roof permit was issued within the last 3 years (the roof was just done). */
  'recent-roof-permit',
] as const;
export type LeadFeature = (typeof LEAD_FEATURES)[number];

const METERS_PER_MILE = 1609.344;
const DAYS_PER_MONTH = 30.4375;
export const RECENT_PERMIT_YEARS = 3;

/** The average lead: what an unknown fact is taken to be (and the default prior's centre). */
export const FEATURE_DEFAULTS = {
  conditionDeficit: 30,
  roofAgeYears: 18,
  homeValueUsd: 250_000,
  ownerOccupied: 0.5,
  tractIncomeUsd: 65_000,
} as const;

export interface LeadFeatureInput {
  property: Pick<Property, 'marketValueUsd' | 'assessedValueUsd' | 'ownerOccupied' | 'lastRoofPermitAt'>;
  condition: RoofCondition | null;
  facts: RoofFacts;
  /** Median household income of the property's census tract (censusIncomeFor), or null. */
  income: number | null;
  now: Date;
}

export interface LeadFeatures {
  vector: number[];
  display: Record<LeadFeature, string>;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function monthsBetween(fromIso: string, now: Date): number | null {
  const at = Date.parse(fromIso);
  // A date after now is a typo (roofAge treats it so too), not "this month".
  if (!Number.isFinite(at) || at > now.getTime()) return null;
  return (now.getTime() - at) / 86_400_000 / DAYS_PER_MONTH;
}

export function leadFeatures(input: LeadFeatureInput): LeadFeatures {
  const { property, condition, facts, income, now } = input;

  // Note: a confident "35/100" counts fully; a guess from a blurry picture counts as little as its
  // confidence, the rest is the average roof.
  const deficit = condition
    ? clamp(condition.confidence, 0, 1) * (100 - clamp(condition.score, 0, 100)) + (1 - clamp(condition.confidence, 0, 1)) * FEATURE_DEFAULTS.conditionDeficit
    : FEATURE_DEFAULTS.conditionDeficit;

  const age = facts.roofAgeYears === null ? FEATURE_DEFAULTS.roofAgeYears : clamp(facts.roofAgeYears, 0, 60);

  const hail = facts.hail;
  const size = hail.maxSizeInches !== null && hail.maxSizeInches > 0 ? hail.maxSizeInches : 0;
  const distanceFactor = size > 0 && hail.nearestM !== null ? Math.exp(-Math.max(0, hail.nearestM) / METERS_PER_MILE) : 0;
  const months = size > 0 && hail.lastAt !== null ? monthsBetween(hail.lastAt, now) : null;
  const recencyFactor = months === null ? 0 : Math.exp(-months / 12);

  const valueUsd = property.marketValueUsd ?? property.assessedValueUsd;
  const valueKnown = valueUsd !== null && valueUsd > 0;
  const owner = property.ownerOccupied === null ? FEATURE_DEFAULTS.ownerOccupied : property.ownerOccupied ? 1 : 0;
  const incomeKnown = income !== null && Number.isFinite(income) && income > 0;

  const permitMonths = property.lastRoofPermitAt ? monthsBetween(property.lastRoofPermitAt, now) : null;
  const recentPermit =
    (permitMonths !== null && permitMonths <= RECENT_PERMIT_YEARS * 12) ||
    (facts.roofAgeSource === 'roof-permit' && facts.roofAgeYears !== null && facts.roofAgeYears <= RECENT_PERMIT_YEARS);

  const vector = [
    deficit,
    age,
    size,
    distanceFactor,
    recencyFactor,
    Math.log(valueKnown ? valueUsd : FEATURE_DEFAULTS.homeValueUsd),
    owner,
    Math.log(incomeKnown ? income : FEATURE_DEFAULTS.tractIncomeUsd),
    recentPermit ? 1 : 0,
  ];

  const display: Record<LeadFeature, string> = {
    'roof-condition-deficit': condition ? `condition ${Math.round(condition.score)}/100 (confidence ${condition.confidence.toFixed(2)})` : 'condition not assessed',
    'roof-age-years': facts.roofAgeYears === null ? 'roof age unknown' : `${Math.round(age)} years (${AGE_SOURCE[facts.roofAgeSource ?? 'year-built']})`,
    'hail-max-inches': size > 0 ? `${size.toFixed(2)} in hail, ${hail.reports} report${hail.reports === 1 ? '' : 's'} within ${miles(hail.radiusM)} in ${hail.windowMonths} months` : `no hail within ${miles(hail.radiusM)} in ${hail.windowMonths} months`,
    'hail-distance-factor': size > 0 && hail.nearestM !== null ? `nearest report ${miles(hail.nearestM)} away` : 'no hail nearby',
    'hail-recency-factor': months !== null ? `latest ${monthsText(months)}` : 'no recent hail',
    'home-value-log': valueKnown ? `${usd(valueUsd)} ${property.marketValueUsd !== null ? 'market' : 'assessed'} value` : 'value unknown',
    'owner-occupied': property.ownerOccupied === null ? 'occupancy unknown' : property.ownerOccupied ? 'owner-occupied' : 'rented',
    'tract-income-log': incomeKnown ? `${usd(income)} tract median household income` : 'tract income unknown',
    'recent-roof-permit': recentPermit ? `roof permit ${property.lastRoofPermitAt?.slice(0, 10) ?? `${Math.round(facts.roofAgeYears ?? 0)} years ago`}` : `no roof permit in ${RECENT_PERMIT_YEARS} years`,
  };
  return { vector, display };
}

const AGE_SOURCE: Record<NonNullable<RoofFacts['roofAgeSource']>, string> = {
  'roof-permit': 'since the last roof permit',
  'roof-installed': 'since the roof was installed',
  'year-built': 'from the year built',
};

/**
 * Median household income of the property's census area (census_areas via properties.census_geoid):
 * its own area's figure, else its tract's (the first 11 digits of a block group), else null.
 */
export function tractIncomeFor(db: Db, property: Pick<Property, 'censusGeoid'>): number | null {
  const geoid = property.censusGeoid;
  if (!geoid) return null;
  for (const id of geoid.length > 11 ? [geoid, geoid.slice(0, 11)] : [geoid]) {
    const income = getCensusArea(db, id)?.medianHouseholdIncomeUsd ?? null;
    if (income !== null) return income;
  }
  return null;
}

export function miles(meters: number): string {
  const mi = meters / METERS_PER_MILE;
  return `${mi < 10 ? mi.toFixed(1) : Math.round(mi)} mi`;
}

export function monthsText(months: number): string {
  if (months < 1) return 'this month';
  const whole = Math.round(months);
  return whole < 24 ? `${whole} month${whole === 1 ? '' : 's'} ago` : `${Math.round(months / 12)} years ago`;
}

export function usd(amount: number): string {
  return `$${Math.round(amount).toLocaleString('en-US')}`;
}

/**
 * A feature's value as a person reads it, from the vector alone (a stored vector, a visit's
 * features): the inverse of each documented transform.
 */
export function describeLeadFeature(feature: LeadFeature, x: number): string {
  switch (feature) {
    case 'roof-condition-deficit':
      return `condition about ${Math.round(100 - x)}/100`;
    case 'roof-age-years':
      return `${Math.round(x)} years`;
    case 'hail-max-inches':
      return x > 0 ? `${x.toFixed(2)} in hail` : 'no hail nearby';
    case 'hail-distance-factor':
      return x > 0 ? `hail ${miles(-Math.log(x) * METERS_PER_MILE)} away` : 'no hail nearby';
    case 'hail-recency-factor':
      return x > 0 ? `hail ${monthsText(-Math.log(x) * 12)}` : 'no recent hail';
    case 'home-value-log':
      return `${usd(Math.exp(x))} value`;
    case 'owner-occupied':
      return x >= 0.75 ? 'owner-occupied' : x <= 0.25 ? 'rented' : 'occupancy unknown';
    case 'tract-income-log':
      return `${usd(Math.exp(x))} tract income`;
    case 'recent-roof-permit':
      return x >= 0.5 ? `roof permit within ${RECENT_PERMIT_YEARS} years` : `no roof permit in ${RECENT_PERMIT_YEARS} years`;
  }
}
