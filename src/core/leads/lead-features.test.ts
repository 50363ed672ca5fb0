import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upsertCensusAreas } from '../store/census-areas';
import { openDatabase } from '../store/database';
import { runMigrations } from '../store/migrations';
import { FEATURE_DEFAULTS, LEAD_FEATURES, leadFeatures, tractIncomeFor, type LeadFeatureInput } from './lead-features';
import type { RoofFacts } from './types';

const NOW = new Date('2025-06-01T00:00:00Z');
const noHail: RoofFacts['hail'] = { maxSizeInches: null, nearestM: null, lastAt: null, reports: 0, radiusM: 1609.344, windowMonths: 24 };
const property = { marketValueUsd: 310_000, assessedValueUsd: 280_000, ownerOccupied: true, lastRoofPermitAt: null };

function input(overrides: Partial<LeadFeatureInput> = {}): LeadFeatureInput {
  return {
    property,
    condition: null,
    facts: { roofAgeYears: 22, roofAgeSource: 'year-built', material: null, hail: noHail },
    income: 72_000,
    now: NOW,
    ...overrides,
  };
}
const at = (vector: number[], name: (typeof LEAD_FEATURES)[number]) => vector[LEAD_FEATURES.indexOf(name)]!;

describe('lead features', () => {
  it('reads a hail-hit, 22-year-old, owner-occupied house as a person would', () => {
    const hail = { maxSizeInches: 1.75, nearestM: 640, lastAt: '2025-01-01T00:00:00Z', reports: 2, radiusM: 1609.344, windowMonths: 24 };
    const condition = { score: 35, confidence: 1, reasons: [], modelId: 'm', modelSha256: 'x', inputs: [] };
    const { vector, display } = leadFeatures(input({ condition, facts: { roofAgeYears: 22, roofAgeSource: 'year-built', material: 'asphalt', hail } }));
    expect(vector).toHaveLength(LEAD_FEATURES.length);
    expect(at(vector, 'roof-condition-deficit')).toBe(65);
    expect(at(vector, 'roof-age-years')).toBe(22);
    expect(at(vector, 'hail-max-inches')).toBe(1.75);
    expect(at(vector, 'hail-distance-factor')).toBeCloseTo(Math.exp(-640 / 1609.344), 9);
    expect(at(vector, 'hail-recency-factor')).toBeCloseTo(Math.exp(-5 / 12), 1);
    expect(at(vector, 'home-value-log')).toBeCloseTo(Math.log(310_000), 9);
    expect(at(vector, 'owner-occupied')).toBe(1);
    expect(at(vector, 'recent-roof-permit')).toBe(0);
    expect(display['hail-max-inches']).toBe('1.75 in hail, 2 reports within 1.0 mi in 24 months');
    expect(display['hail-distance-factor']).toBe('nearest report 0.4 mi away');
    expect(display['hail-recency-factor']).toBe('latest 5 months ago');
    expect(display['roof-age-years']).toBe('22 years (from the year built)');
    expect(display['home-value-log']).toBe('$310,000 market value');
  });

  it('takes the average lead for unknown facts, and pulls an unsure condition toward it', () => {
    const { vector, display } = leadFeatures(input({ property: { marketValueUsd: null, assessedValueUsd: null, ownerOccupied: null, lastRoofPermitAt: null }, facts: { roofAgeYears: null, roofAgeSource: null, material: null, hail: noHail }, income: null }));
    expect(vector).toEqual([FEATURE_DEFAULTS.conditionDeficit, FEATURE_DEFAULTS.roofAgeYears, 0, 0, 0, Math.log(FEATURE_DEFAULTS.homeValueUsd), 0.5, Math.log(FEATURE_DEFAULTS.tractIncomeUsd), 0]);
    expect(display['owner-occupied']).toBe('occupancy unknown');
    const unsure = leadFeatures(input({ condition: { score: 20, confidence: 0.25, reasons: [], modelId: 'm', modelSha256: 'x', inputs: [] } }));
    expect(at(unsure.vector, 'roof-condition-deficit')).toBeCloseTo(0.25 * 80 + 0.75 * FEATURE_DEFAULTS.conditionDeficit, 9);
  });

  it('marks a roof permit within 3 years, and not one 4 years old', () => {
    expect(at(leadFeatures(input({ property: { ...property, lastRoofPermitAt: '2023-03-10' } })).vector, 'recent-roof-permit')).toBe(1);
    expect(at(leadFeatures(input({ property: { ...property, lastRoofPermitAt: '2021-03-10' } })).vector, 'recent-roof-permit')).toBe(0);
  });

  it('finds the tract income from the property census area (block group falls back to its tract)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fishmouth-lead-features-'));
    const db = openDatabase(dir);
    runMigrations(db);
    const figures = { geography: 'tract' as const, name: null, vintage: 2022, medianYearBuilt: 1994, medianHomeValueUsd: 300_000, ownerOccupiedUnits: 900, renterOccupiedUnits: 300 };
    upsertCensusAreas(db, [{ ...figures, geoid: '48491020301', medianHouseholdIncomeUsd: 81_000 }], { source: 'census-acs' });
    expect(tractIncomeFor(db, { censusGeoid: '484910203011' })).toBe(81_000);
    expect(tractIncomeFor(db, { censusGeoid: null })).toBeNull();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
