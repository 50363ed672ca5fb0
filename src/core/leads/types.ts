/**
 * The vocabulary of leads (browser-safe, types only): what is measured on a roof picture, what
 * the facts say about a roof and its storms, the roof condition, and a lead's score with the
 * reason for each part of it. Conventions:
 *
 * * roof condition: 0–100 where 100 is a sound roof and 0 a failing one (a person reads
 *   "condition 35/100" as bad); the lead model uses its deficit (100 − condition).
 * * lead score: 0–100 = round(100 × the lead model's probability of an appointment or a sale).
 * * every reason and contribution carries a code a program can test and a sentence a rep reads.
 */

/** Measured on the roof crop INSIDE the footprint (core/leads/roof-features.ts documents each). */
export interface RoofImageFeatures {
  version: 1;
  /** Pixels of roof measured (inside the footprint); too few → not usable. */
  roofPixels: number;
  /** 0..1: share of roof pixels in dark, elongated runs (algae/granule-loss streaks). */
  darkStreakShare: number;
  /** 0..1: blotchiness — variance of local mean luma across ~1 m blocks, normalised. */
  patchiness: number;
  /** 0..1: share of greenish pixels on the roof (moss, lichen). */
  mossShare: number;
  /** Mean luma 0..255 of the roof. */
  meanLuma: number;
  /** 0..1: sharpness of the crop (from core/imagery/quality.ts); low → "too blurry to judge". */
  sharpness: number;
  /** Enough sharp, unclouded roof pixels to judge the roof from the picture. */
  usable: boolean;
}

export interface HailExposure {
  /** Largest hail (inches) reported within the radius in the window, or null for none. */
  maxSizeInches: number | null;
  /** Metres from the property to the nearest such report, or null. */
  nearestM: number | null;
  /** ISO time of the most recent such report, or null. */
  lastAt: string | null;
  /** Reports within the radius in the window. */
  reports: number;
  /** The radius and window used (defaults 1 mile, 24 months). */
  radiusM: number;
  windowMonths: number;
}

export interface RoofFacts {
  /** Years since the roof was put on: last roof permit, else roof installed year, else year built. */
  roofAgeYears: number | null;
  roofAgeSource: 'roof-permit' | 'roof-installed' | 'year-built' | null;
  material: string | null;
  hail: HailExposure;
}

export interface Reason {
  /** Stable code, e.g. 'roof-age-over-20', 'hail-1.75-within-1mi-12mo', 'dark-streaking', 'patchy-texture', 'too-blurry'. */
  code: string;
  text: string;
}

export interface RoofCondition {
  /** 0–100, 100 = sound. */
  score: number;
  /** 0..1: how much of the assessment rests on evidence (a usable picture, a known roof age). */
  confidence: number;
  reasons: Reason[];
  modelId: string;
  modelSha256: string;
  /** The model's input vector, in ROOF_CONDITION_INPUTS order (reproducible). */
  inputs: number[];
}

export interface LeadContribution {
  /** A LEAD_FEATURES name. */
  feature: string;
  /** The feature's value as a person reads it ("22 years", "1.75 in hail 0.4 mi away, 3 months ago"). */
  value: string;
  /** Points of log-odds this feature adds (+) or takes away (−) against the average lead. */
  logit: number;
  text: string;
}

export interface LeadScore {
  score: number;
  probability: number;
  contributions: LeadContribution[];
  modelId: string;
  /** The model's input vector, in LEAD_FEATURES order. */
  inputs: number[];
}

export const LEAD_STATUSES = ['new', 'contacted', 'appointment', 'sold', 'not_interested', 'not_home'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export const VISIT_OUTCOMES = ['contacted', 'appointment', 'sold', 'not_interested', 'not_home'] as const;
export type VisitOutcome = (typeof VISIT_OUTCOMES)[number];
/** Outcomes that count as a success when the lead model is trained. */
export const POSITIVE_OUTCOMES: readonly VisitOutcome[] = ['appointment', 'sold'];
/** Outcomes that count as a failure; 'contacted' is not an outcome for training. */
export const NEGATIVE_OUTCOMES: readonly VisitOutcome[] = ['not_interested', 'not_home'];
