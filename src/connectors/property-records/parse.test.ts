import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../core/http/errors';
import { attomProperty } from './emulator';
import { parsePropertyDetail } from './parse';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url));
const realSample = existsSync(FIXTURES) && readdirSync(FIXTURES).some((name) => /attom|property-records/i.test(name));
if (!realSample) {
  console.warn('property-records acceptance on a real answer skipped: ../shared/fixtures has no ATTOM/property-records sample. The format follows ATTOM\'s public docs as we know them; emulator.test.ts is the format check.');
}

describe.skipIf(!realSample)('Property records: real vendor answers', () => {
  it('(no real sample exists yet: add one under ../shared/fixtures/property-records and test it here)', () => {
    expect(realSample).toBe(true);
  });
});

const observedAt = '2026-11-27T10:00:00.000Z';
const record = {
  recordId: '160000123',
  address: { houseNumber: '4529', street: 'Winona Ct', unit: null, city: 'Denver', state: 'CO', postcode: '80212' },
  location: { lat: 39.779872, lng: -105.047632 },
  yearBuilt: 1952,
  roofMaterial: 'Composition Shingle',
  roofInstalledYear: 2011,
  marketValueUsd: 512_000,
  ownerOccupied: false,
  livingAreaSqft: 1_460,
  stories: 1,
};
const answer = (property: unknown[], status: object = { version: '1.0.0', code: 0, msg: 'SuccessWithResult', total: property.length }) => ({ status, property });

describe('Property records: the ATTOM-style property detail answer', () => {
  it('maps every field the enrichment needs, roof year from the roofing permit, and no owner name', () => {
    const parsed = parsePropertyDetail(answer([attomProperty(record)]), { observedAt });
    expect(parsed.kind).toBe('found');
    if (parsed.kind !== 'found') return;
    expect(parsed.records[0]!.recordId).toBe('160000123');
    expect(parsed.records[0]!.matchedAddress).toBe('4529 WINONA CT, DENVER, CO 80212');
    expect(parsed.records[0]!.observation).toEqual({
      source: 'property-records',
      sourceRecordId: '160000123',
      observedAt,
      address: { houseNumber: '4529', street: 'WINONA CT', unit: null, city: 'DENVER', state: 'CO', postcode: '80212' },
      location: { lat: 39.779872, lng: -105.047632 },
      footprint: null,
      buildingType: 'SFR',
      levels: 1,
      yearBuilt: 1952,
      roofMaterial: 'Composition Shingle',
      roofInstalledYear: 2011,
      parcelId: 'R160000123',
      landUse: 'Single Family Residence / Townhouse',
      assessedValueUsd: null,
      marketValueUsd: 512_000,
      ownerOccupied: false,
      livingAreaSqft: 1_460,
      attribution: 'Property data licensed from the property-records provider; not for redistribution',
    });
    expect(JSON.stringify(parsed)).not.toMatch(/SYNTHETIC OWNER/);
  });

  it('leaves the roof year unknown without a roofing permit, and reads owner-occupancy from absenteeInd when the owner block is absent', () => {
    const property = attomProperty({ ...record, roofInstalledYear: record.yearBuilt, ownerOccupied: true });
    delete (property as { owner?: unknown }).owner;
    const parsed = parsePropertyDetail(answer([property]), { observedAt });
    expect(parsed.kind === 'found' && parsed.records[0]!.observation).toMatchObject({ roofInstalledYear: null, ownerOccupied: true });
  });

  it('a "no result" status is a no-match, not an error and not an empty success', () => {
    expect(parsePropertyDetail({ status: { version: '1.0.0', code: 1, msg: 'SuccessWithoutResult', total: 0 } }, { observedAt })).toMatchObject({ kind: 'no-match' });
    expect(parsePropertyDetail(answer([]), { observedAt })).toMatchObject({ kind: 'no-match' });
  });

  it('a failure status is a refusal quoting the vendor', () => {
    expect(() => parsePropertyDetail({ status: { code: -1, msg: 'Invalid Parameter Combination', total: 0 } }, { observedAt })).toThrow(
      expect.objectContaining({ kind: 'refused-by-source', message: expect.stringMatching(/"Invalid Parameter Combination" \(code -1\)/) }),
    );
  });

  it('says what is wrong with an answer it cannot read', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ property: [] }, 'malformed-body', /no "status" object/],
      [{ status: { code: 0, total: 1 } }, 'malformed-body', /without a "property" list/],
      [answer([{ address: {} }]), 'malformed-body', /no identifier.attomId/],
      ['{"status": {"code": 0', 'truncated', /stops part-way/],
      ['<html><title>Gateway</title></html>', 'html-error-page', /web page/],
    ];
    for (const [body, kind, message] of cases) {
      try {
        parsePropertyDetail(body, { observedAt });
        throw new Error(`expected ${kind}`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConnectorError);
        expect(error).toMatchObject({ kind, message: expect.stringMatching(message) });
      }
    }
  });

  it('drops values that cannot be facts (a year 0, a negative value, a point off Earth)', () => {
    const property = attomProperty(record) as Record<string, Record<string, unknown>>;
    property.summary!.yearbuilt = 0;
    property.assessment = { market: { mktttlvalue: -5 } };
    property.location = { latitude: '139.7', longitude: '-105.0' };
    const parsed = parsePropertyDetail(answer([property]), { observedAt });
    expect(parsed.kind === 'found' && parsed.records[0]!.observation).toMatchObject({ yearBuilt: null, marketValueUsd: null, location: null });
  });
});
