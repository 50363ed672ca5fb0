import type { LatLng } from '../domain/geo';
import type { Db } from '../store/database';
import { addHouse } from '../store/store.testkit';
import { upsertLead, type Lead, type UpsertLeadInput } from './leads-store';

/** Test helpers: a scored lead on a house of its own, with every model field spelled out. */

export function scoredLeadInput(propertyId: string, location: LatLng, overrides: Partial<UpsertLeadInput> = {}): UpsertLeadInput {
  const score = overrides.score ?? 60;
  return {
    propertyId,
    territoryId: null,
    runId: null,
    lat: location.lat,
    lng: location.lng,
    address: '101 Bramble Lane, Round Rock, TX 78664',
    score,
    probability: score / 100,
    contributions: [{ feature: 'roof_age_years', value: '22 years', logit: 0.8, text: 'Roof about 22 years old' }],
    features: [0.4, 22, 1.75],
    reasons: [
      { code: 'roof-age-over-20', text: 'Roof older than 20 years' },
      { code: 'hail-1.75-within-1mi-12mo', text: 'Hail 1.75 in within 1 mile in the last 12 months' },
    ],
    modelId: 'lead-score-v1',
    conditionScore: 40,
    conditionConfidence: 0.8,
    roofAgeYears: 22,
    hailMaxInches: 1.75,
    hailLastAt: '2024-04-20T21:10:00.000Z',
    freeSourcesOnly: true,
    ...overrides,
  };
}

/** A house (store.testkit addHouse) with a lead on it. */
export function addLead(db: Db, location: LatLng, overrides: Partial<UpsertLeadInput> = {}): Lead {
  const propertyId = addHouse(db, location);
  return upsertLead(db, scoredLeadInput(propertyId, location, overrides));
}
