import { describe, expect, it } from 'vitest';
import { roofAge } from './roof-facts';
import { roofReasons } from './roof-reasons';
import type { HailExposure, RoofFacts, RoofImageFeatures } from './types';

const now = new Date('2025-06-15T12:00:00Z');
const noHail: HailExposure = { maxSizeInches: null, nearestM: null, lastAt: null, reports: 0, radiusM: 1609.344, windowMonths: 24 };
const sound: RoofImageFeatures = { version: 1, roofPixels: 5000, darkStreakShare: 0.03, patchiness: 0.2, mossShare: 0, meanLuma: 110, sharpness: 0.9, usable: true };

function facts(yearBuilt: number | null, overrides: Partial<RoofFacts> = {}): RoofFacts {
  const age = roofAge({ lastRoofPermitAt: null, roofInstalledYear: null, yearBuilt }, now);
  return { roofAgeYears: age.years, roofAgeSource: age.source, material: 'Composition shingle', hail: noHail, ...overrides };
}
const codes = (reasons: { code: string }[]) => reasons.map((r) => r.code);

describe('roof reasons', () => {
  it('an old roof says how old and since when', () => {
    expect(roofReasons(sound, facts(2002), now)).toEqual([{ code: 'roof-age-over-20', text: 'Roof about 23 years old (built 2002)' }]);
  });

  it('a roof of 15 to 20 years is aging; one of 10 says nothing about age', () => {
    expect(roofReasons(sound, facts(2008), now)[0]).toEqual({ code: 'roof-age-15-20', text: 'Roof about 17 years old (built 2008)' });
    expect(roofReasons(sound, facts(2015), now)).toEqual([]);
  });

  it('the age counts from a re-roof, not the house', () => {
    const age = roofAge({ lastRoofPermitAt: null, roofInstalledYear: 2001, yearBuilt: 1975 }, now);
    expect(roofReasons(sound, facts(1975, { roofAgeYears: age.years, roofAgeSource: age.source }), now)[0]!.text).toBe('Roof about 24 years old (roof put on in 2001)');
  });

  it('a recent roof permit reads as a new roof', () => {
    const age = roofAge({ lastRoofPermitAt: '2023-09-01T00:00:00Z', roofInstalledYear: null, yearBuilt: 1990 }, now);
    expect(roofReasons(sound, facts(1990, { roofAgeYears: age.years, roofAgeSource: age.source }), now)).toEqual([{ code: 'new-roof', text: 'New roof: roofing permit about 2 years ago (2023)' }]);
  });

  it('a house built last year is young but not a re-roof', () => {
    expect(codes(roofReasons(sound, facts(2024), now))).toEqual([]);
  });

  it('no year at all says the age is unknown', () => {
    expect(roofReasons(sound, facts(null), now)).toEqual([{ code: 'age-unknown', text: 'Roof age unknown: no year built, roof year or roof permit on record' }]);
  });

  it('large recent hail names its size, distance and time', () => {
    const hail: HailExposure = { ...noHail, maxSizeInches: 1.75, nearestM: 640, lastAt: '2025-01-10T20:00:00Z', reports: 1 };
    expect(roofReasons(sound, facts(2015, { hail }), now)).toEqual([{ code: 'hail-large-recent', text: 'Hail 1.75 in reported 0.4 mi away, 5 months ago' }]);
  });

  it('several reports say up to, nearest and latest; small or old hail is only recent hail', () => {
    const several: HailExposure = { ...noHail, maxSizeInches: 2.5, nearestM: 60, lastAt: '2025-06-01T00:00:00Z', reports: 3 };
    expect(roofReasons(sound, facts(2015, { hail: several }), now)[0]).toEqual({ code: 'hail-large-recent', text: '3 hail reports, up to 2.50 in, nearest under 0.1 mi away, latest under a month ago' });
    const small: HailExposure = { ...noHail, maxSizeInches: 1.0, nearestM: 1200, lastAt: '2025-03-01T00:00:00Z', reports: 1 };
    expect(codes(roofReasons(sound, facts(2015, { hail: small }), now))).toEqual(['hail-recent']);
    const old: HailExposure = { ...noHail, maxSizeInches: 2.0, nearestM: 1200, lastAt: '2024-02-01T00:00:00Z', reports: 1 };
    expect(roofReasons(sound, facts(2015, { hail: old }), now)[0]).toEqual({ code: 'hail-recent', text: 'Hail 2.00 in reported 0.7 mi away, 16 months ago' });
  });

  it('what the picture shows: streaks, patches, moss', () => {
    const worn = { ...sound, darkStreakShare: 0.16, patchiness: 0.62, mossShare: 0.08 };
    expect(roofReasons(worn, facts(2015), now)).toEqual([
      { code: 'dark-streaking', text: 'Dark streaking on about 16% of the roof' },
      { code: 'patchy-texture', text: 'Patchy texture: blotches of lost granules or repairs' },
      { code: 'moss', text: 'Moss or lichen on about 8% of the roof' },
    ]);
  });

  it('a picture that cannot be judged says why, and its features are not read', () => {
    const blurry = { ...sound, darkStreakShare: 0.4, sharpness: 0.1, usable: false };
    expect(roofReasons(blurry, facts(2015), now)).toEqual([{ code: 'too-blurry', text: 'Image too blurry to judge the roof' }]);
    expect(codes(roofReasons({ ...sound, roofPixels: 90, usable: false }, facts(2015), now))).toEqual(['image-unusable']);
    expect(codes(roofReasons(null, facts(2002), now))).toEqual(['roof-age-over-20', 'no-image']);
  });
});
