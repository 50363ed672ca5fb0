import { describe, expect, it } from 'vitest';
import { propertyObservationSchema } from '../../core/domain/records';
import { fuzzParser } from '../../core/testing/fuzz';
import { attomProperty } from './emulator';
import { parsePropertyDetail, type PropertyDetail } from './parse';

/**
 * Thousands of broken property-detail answers. No real vendor answer exists in ../shared/fixtures,
 * so the sample is the emulator's ATTOM-shaped answer for three houses (emulator.test.ts checks it).
 */

const houses = [0, 1, 2].map((n) =>
  attomProperty({
    recordId: String(160_000_000 + n),
    address: { houseNumber: String(100 + n * 2), street: 'Amberleaf Dr', unit: null, city: 'Bramblecrest', state: 'TX', postcode: '75074' },
    location: { lat: 33.02 + n * 0.0002, lng: -96.7 },
    yearBuilt: 1978 + n,
    roofMaterial: 'Composition Shingle',
    roofInstalledYear: n === 1 ? 1979 : 2012 + n,
    marketValueUsd: 240_000 + n * 5_000,
    ownerOccupied: n !== 2,
    livingAreaSqft: 1_650 + n * 40,
    stories: 1 + (n % 2),
  }),
);
const sample = JSON.stringify({ status: { version: '1.0.0', code: 0, msg: 'SuccessWithResult', total: 3, page: 1, pagesize: 10 }, property: houses }, null, 1);

describe('Property records parser under fuzzing', () => {
  it('every mutated answer parses to valid observations, a no-match, or a typed error', async () => {
    const report = await fuzzParser(sample, (input) => parsePropertyDetail(input, { observedAt: '2026-11-27T10:00:00.000Z' }), {
      runs: 2500,
      check: (result) => {
        const detail = result as PropertyDetail;
        if (detail.kind === 'found') for (const record of detail.records) propertyObservationSchema.parse(record.observation);
      },
    });
    expect(report.returned).toBeGreaterThan(300);
    expect(report.typedErrors).toBeGreaterThan(300);
  });
});
