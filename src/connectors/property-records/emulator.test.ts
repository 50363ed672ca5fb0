import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressKey } from '../../emulators/list-world';
import { emulatedSource, type EmulatedSource } from '../arcgis-parcels/emulator.testkit';
import { testWorld } from '../arcgis-parcels/world.testkit';
import { lookupPropertyAt, lookupPropertyByAddress } from './connector';
import { propertyRecordsEmulator } from './emulator';

/**
 * No real answer of the paid API exists in ../shared/fixtures, so THIS is the format check: the
 * parser reads the emulator's ATTOM-shaped answers and gives back the World's facts.
 */

const world = testWorld({ lotsPerStreet: 6, streets: 2 });
const parcels = world.parcelsIn(world.bbox);
const apiKey = 'emulatorKey123';
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(propertyRecordsEmulator, world);
});
afterAll(() => source.close());

describe('Property records emulator (the format check)', () => {
  it('every address lookup returns the World\'s record for it, field by field', async () => {
    for (const parcel of parcels) {
      const truth = world.propertyRecordByAddress(`${parcel.siteAddress.houseNumber} ${parcel.siteAddress.street}, ${parcel.siteAddress.city}, ${parcel.siteAddress.state} ${parcel.siteAddress.postcode}`)!;
      const found = await lookupPropertyByAddress(source.db, parcel.siteAddress, { apiKey });
      expect(found.kind).toBe('found');
      if (found.kind !== 'found') continue;
      const o = found.observation;
      expect(o.sourceRecordId).toBe(truth.recordId);
      expect(addressKey(`${o.address.houseNumber} ${o.address.street}`)).toBe(addressKey(`${truth.address.houseNumber} ${truth.address.street}`));
      expect(o.address.postcode).toBe(truth.address.postcode);
      expect(o.yearBuilt).toBe(truth.yearBuilt);
      expect(o.roofInstalledYear).toBe(truth.roofInstalledYear > truth.yearBuilt ? truth.roofInstalledYear : null);
      expect(o.roofMaterial).toBe(truth.roofMaterial);
      expect(o.marketValueUsd).toBe(truth.marketValueUsd);
      expect(o.ownerOccupied).toBe(truth.ownerOccupied);
      expect(o.livingAreaSqft).toBe(truth.livingAreaSqft);
      expect(o.levels).toBe(truth.stories);
      expect(o.location!.lat).toBeCloseTo(truth.location.lat, 5);
      expect(o.attribution).toMatch(/not for redistribution/);
    }
  });

  it('a lookup by position finds the nearest record', async () => {
    const parcel = parcels[3]!;
    const found = await lookupPropertyAt(source.db, parcel.centroid, { apiKey });
    expect(found.kind === 'found' && found.observation.sourceRecordId).toBe(world.propertyRecordAt(parcel.centroid)!.recordId);
  });

  it('an unknown address is a no-match (the vendor\'s HTTP 400 "SuccessWithoutResult")', async () => {
    const lookup = await lookupPropertyByAddress(source.db, { houseNumber: '9999', street: 'Nowhere Rd', unit: null, city: 'Austin', state: 'TX', postcode: '78701' }, { apiKey });
    expect(lookup).toMatchObject({ kind: 'no-match', message: expect.stringMatching(/no property at that address/) });
  });

  it('sends the key in the apikey header and never puts it in the address', async () => {
    await lookupPropertyByAddress(source.db, parcels[0]!.siteAddress, { apiKey });
    const last = source.emulators.requests('property-records').at(-1)!;
    expect(last.headers.apikey).toBe(apiKey);
    expect(last.path).toBe('/propertyapi/v1.0.0/property/detail');
    expect(last.query).not.toContain(apiKey);
    expect(new URLSearchParams(last.query).get('address1')).toBe(`${parcels[0]!.siteAddress.houseNumber} ${parcels[0]!.siteAddress.street}`);
    expect(new URLSearchParams(last.query).get('address2')).toBe('Austin, TX 78701');
  });
});
