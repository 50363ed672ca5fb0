import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Polygon } from '../domain/geo';
import type { PostalAddress, PropertyObservation } from '../domain/records';
import { upsertCensusAreas } from './census-areas';
import { openDatabase, type Db } from './database';
import { StoreError } from './errors';
import { runMigrations } from './migrations';
import { countPendingOutbox, pendingOutbox } from './outbox';
import { setPropertyCensusArea, upsertPropertyObservation } from './properties';
import { computeCompleteness, missingCriticalFields } from './property-merge';
import { getProperty, propertiesInBBox, propertySources } from './property-rows';
import { writeSynced } from './synced';
import { propertiesTable } from './property-rows';
import { propertyObservation } from './store.testkit';

let dataDir: string;
let db: Db;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-properties-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A 16 m × 11 m house footprint with its south-west corner at (lng, lat). */
function footprintAt(lng: number, lat: number): Polygon {
  return {
    type: 'Polygon',
    coordinates: [[[lng, lat], [lng + 0.00017, lat], [lng + 0.00017, lat + 0.0001], [lng, lat + 0.0001], [lng, lat]]],
  };
}

const noAddress: PostalAddress = { houseNumber: null, street: null, unit: null, city: null, state: null, postcode: null };

const observation = (overrides: Partial<PropertyObservation> & Pick<PropertyObservation, 'source' | 'sourceRecordId'>): PropertyObservation => propertyObservation({ address: noAddress, ...overrides });

const osmHouse = observation({
  source: 'osm-overpass',
  sourceRecordId: 'way/1001',
  address: { houseNumber: '1208', street: 'East 7th Street', unit: null, city: 'Austin', state: 'TX', postcode: '78702' },
  footprint: footprintAt(-97.73, 30.26),
  buildingType: 'house',
  levels: 1,
  yearBuilt: 1951,
  roofMaterial: 'asphalt',
  attribution: '© OpenStreetMap contributors, ODbL 1.0',
});

const parcel = observation({
  source: 'arcgis-parcels',
  sourceRecordId: 'travis:0203040506',
  address: { houseNumber: null, street: '1208 E 7TH ST', unit: null, city: 'AUSTIN', state: 'TX', postcode: '78702-3301' },
  location: { lat: 30.26004, lng: -97.72993 },
  footprint: footprintAt(-97.73005, 30.25995),
  yearBuilt: 1948,
  parcelId: '0203040506',
  landUse: 'A1 single family',
  assessedValueUsd: 312_000,
  marketValueUsd: 405_000,
  ownerOccupied: true,
  livingAreaSqft: 1_240,
});

function outboxFor(id: string) {
  return pendingOutbox(db, 10_000).filter((entry) => entry.rowId === id);
}

describe('upsertPropertyObservation', () => {
  it('creates a property from its first source, with provenance, completeness and one outbox row', () => {
    const result = upsertPropertyObservation(db, osmHouse);
    expect(result).toMatchObject({ outcome: 'created', created: true });
    const property = getProperty(db, result.propertyId)!;
    expect(property).toMatchObject({
      addressKey: '1208 E 7TH ST|78702',
      address: { houseNumber: '1208', street: 'E 7TH ST', city: 'AUSTIN', state: 'TX', postcode: '78702' },
      yearBuilt: 1951,
      yearBuiltSource: 'osm-overpass',
      buildingType: 'house',
      fieldSources: { footprint: 'osm-overpass', location: 'osm-overpass', yearBuilt: 'osm-overpass' },
    });
    // The location is the footprint's centroid.
    expect(property.location!.lng).toBeCloseTo(-97.729915, 5);
    // Address 0.20 + location 0.15 + year built 0.25.
    expect(property.completeness).toBe(0.6);
    expect(outboxFor(property.id)).toHaveLength(1);
    expect(propertySources(db, property.id)).toEqual([expect.objectContaining({ source: 'osm-overpass', sourceRecordId: 'way/1001', attribution: '© OpenStreetMap contributors, ODbL 1.0' })]);
  });

  it('changes nothing, and writes no outbox row, when the same record comes again', () => {
    const first = upsertPropertyObservation(db, osmHouse);
    const before = countPendingOutbox(db);
    const again = upsertPropertyObservation(db, { ...osmHouse, observedAt: new Date(Date.now() + 60_000).toISOString() });
    expect(again).toEqual({ propertyId: first.propertyId, outcome: 'unchanged', created: false, updatedFields: [] });
    expect(countPendingOutbox(db)).toBe(before);
  });

  it('merges a parcel of the same address: the assessor beats OSM for the year built, OSM keeps the roof outline', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse);
    const merged = upsertPropertyObservation(db, parcel);
    expect(merged.propertyId).toBe(propertyId);
    expect(merged.outcome).toBe('updated');
    expect(merged.updatedFields.sort()).toEqual(['assessedValueUsd', 'landUse', 'livingAreaSqft', 'marketValueUsd', 'ownerOccupied', 'parcelId', 'yearBuilt']);
    const property = getProperty(db, propertyId)!;
    expect(property).toMatchObject({ yearBuilt: 1948, yearBuiltSource: 'arcgis-parcels', ownerOccupied: true, marketValueUsd: 405_000 });
    expect(property.footprint).toEqual(osmHouse.footprint);
    expect(property.fieldSources.location).toBe('osm-overpass');
    expect(property.completeness).toBe(0.9); // all but census income
    expect(propertySources(db, propertyId).map((s) => s.source).sort()).toEqual(['arcgis-parcels', 'osm-overpass']);
    expect(outboxFor(propertyId)).toHaveLength(2);
  });

  it('never lets a weaker source override a stronger one, nor a null erase a known value', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse);
    upsertPropertyObservation(db, parcel);
    const before = countPendingOutbox(db);
    // OSM's mapper changes the year; the parcel layer still wins.
    expect(upsertPropertyObservation(db, { ...osmHouse, yearBuilt: 1960 })).toMatchObject({ outcome: 'unchanged', updatedFields: [] });
    // The parcel layer stops publishing the value: the known value stays.
    expect(upsertPropertyObservation(db, { ...parcel, marketValueUsd: null }).outcome).toBe('unchanged');
    expect(countPendingOutbox(db)).toBe(before);
    expect(getProperty(db, propertyId)).toMatchObject({ yearBuilt: 1948, marketValueUsd: 405_000 });
    // The parcel layer corrects its own year: same source, newer value wins.
    expect(upsertPropertyObservation(db, { ...parcel, yearBuilt: 1949 })).toMatchObject({ outcome: 'updated', updatedFields: ['yearBuilt'] });
    expect(getProperty(db, propertyId)!.yearBuilt).toBe(1949);
  });

  it('keeps the house, not the garage, when two outlines of one source carry the same address', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse);
    const garage = {
      ...osmHouse,
      sourceRecordId: 'way/1002',
      buildingType: 'garage',
      footprint: { type: 'Polygon' as const, coordinates: [[[-97.7299, 30.26], [-97.72985, 30.26], [-97.72985, 30.26004], [-97.7299, 30.26004], [-97.7299, 30.26]]] as [number, number][][] },
    };
    expect(upsertPropertyObservation(db, garage)).toMatchObject({ propertyId, outcome: 'linked', updatedFields: [] });
    expect(getProperty(db, propertyId)!.buildingType).toBe('house');
    expect(getProperty(db, propertyId)!.footprint).toEqual(osmHouse.footprint);
    // The house's own way may still correct its outline.
    const corrected = { ...osmHouse, footprint: footprintAt(-97.73001, 30.26) };
    expect(upsertPropertyObservation(db, corrected).updatedFields).toContain('footprint');
  });

  it('places an observation with only a location on the roof it falls on (spatial fallback)', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse);
    const point = observation({ source: 'import:csv', sourceRecordId: 'loc:30.26005,-97.72992', location: { lat: 30.26005, lng: -97.72992 }, ownerOccupied: false });
    expect(upsertPropertyObservation(db, point)).toMatchObject({ propertyId, outcome: 'updated', updatedFields: ['ownerOccupied'] });
    // 40 m away is another property.
    const far = observation({ source: 'import:csv', sourceRecordId: 'loc:30.2604,-97.7299', location: { lat: 30.2604, lng: -97.7299 } });
    expect(upsertPropertyObservation(db, far).propertyId).not.toBe(propertyId);
  });

  it('gives an unaddressed building the address of a point on it, but never merges two addressed neighbours', () => {
    const shed = upsertPropertyObservation(db, { ...osmHouse, address: noAddress, sourceRecordId: 'way/2002' });
    expect(getProperty(db, shed.propertyId)!.addressKey).toBeNull();
    const addressed = upsertPropertyObservation(db, { ...parcel, sourceRecordId: 'travis:1', address: { ...parcel.address, street: '1210 E 7TH ST' } });
    expect(addressed.propertyId).toBe(shed.propertyId);
    expect(getProperty(db, shed.propertyId)!.addressKey).toBe('1210 E 7TH ST|78702');
    // The next house's parcel, 5 m away, has its own address: a separate property.
    const neighbour = upsertPropertyObservation(db, { ...parcel, sourceRecordId: 'travis:2', address: { ...parcel.address, street: '1212 E 7TH ST' } });
    expect(neighbour.created).toBe(true);
  });

  it('matches a city-only address to a ZIP-keyed property on the same street number', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse);
    const permitStyle = observation({
      source: 'import:csv',
      sourceRecordId: 'row-1',
      address: { houseNumber: '1208', street: 'E 7th St', unit: null, city: 'Austin', state: 'TX', postcode: null },
      marketValueUsd: 390_000,
    });
    expect(upsertPropertyObservation(db, permitStyle)).toMatchObject({ propertyId, outcome: 'updated' });
  });

  it('attaches targeted enrichment to the property asked for, filling only what is missing', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse);
    const paid = observation({
      source: 'property-records',
      sourceRecordId: 'attom:778899',
      address: { houseNumber: '1208', street: 'E Seventh St', unit: null, city: 'Austin', state: 'TX', postcode: '78702' },
      yearBuilt: 1950,
      roofInstalledYear: 2012,
      marketValueUsd: 401_000,
      ownerOccupied: true,
    });
    const result = upsertPropertyObservation(db, paid, { propertyId });
    expect(result).toMatchObject({ propertyId, outcome: 'updated' });
    expect(result.updatedFields.sort()).toEqual(['marketValueUsd', 'ownerOccupied', 'roofInstalledYear', 'yearBuilt']);
    expect(getProperty(db, propertyId)).toMatchObject({ yearBuilt: 1950, yearBuiltSource: 'property-records', roofInstalledYear: 2012, completeness: 0.9 });
    // The address spelling of the paid record does not replace the key the property has.
    expect(getProperty(db, propertyId)!.addressKey).toBe('1208 E 7TH ST|78702');
  });

  it('keeps a property deleted on this device deleted when a source sees it again', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse);
    writeSynced(db, propertiesTable, 'delete', { id: propertyId });
    expect(upsertPropertyObservation(db, parcel)).toMatchObject({ propertyId, outcome: 'deleted', created: false });
    expect(getProperty(db, propertyId)).toBeNull();
  });

  it('claims a territory once and refuses a record that cannot be placed', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse, { territoryId: 'territory-a' });
    expect(upsertPropertyObservation(db, osmHouse, { territoryId: 'territory-b' }).outcome).toBe('unchanged');
    expect(getProperty(db, propertyId)!.territoryId).toBe('territory-a');
    const nowhere = observation({ source: 'import:csv', sourceRecordId: 'row-9', address: { ...noAddress, street: 'MAIN ST' } });
    const error = (() => {
      try {
        upsertPropertyObservation(db, nowhere);
      } catch (e) {
        return e as StoreError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.kind).toBe('invalid-input');
    expect(error.message).toContain('cannot be placed on the map');
  });

  it('finds properties in a box through the spatial index', () => {
    upsertPropertyObservation(db, osmHouse);
    upsertPropertyObservation(db, observation({ source: 'import:csv', sourceRecordId: 'x', location: { lat: 30.3, lng: -97.7 } }));
    expect(propertiesInBBox(db, [-97.731, 30.259, -97.729, 30.261]).map((p) => p.addressKey)).toEqual(['1208 E 7TH ST|78702']);
    expect(propertiesInBBox(db, [-97.8, 30.2, -97.6, 30.4])).toHaveLength(2);
  });

  it('counts census income once the property is linked to an area with income', () => {
    const { propertyId } = upsertPropertyObservation(db, osmHouse);
    upsertPropertyObservation(db, parcel);
    upsertCensusAreas(db, [{ geoid: '48453000902', geography: 'tract', name: 'Census Tract 9.02', vintage: 2022, medianHouseholdIncomeUsd: 71_000, medianYearBuilt: 1962, medianHomeValueUsd: 390_000, ownerOccupiedUnits: 800, renterOccupiedUnits: 900 }], { source: 'census-acs' });
    expect(setPropertyCensusArea(db, propertyId, '48453000902', 'census-geocoder')).toMatchObject({ censusGeoid: '48453000902', completeness: 1 });
  });
});

describe('completeness', () => {
  const none = { addressKey: null, location: null, yearBuilt: null, roofInstalledYear: null, lastRoofPermitAt: null, assessedValueUsd: null, marketValueUsd: null, ownerOccupied: null, censusIncomeKnown: false };
  it('weighs the critical fields as documented', () => {
    expect(computeCompleteness(none)).toBe(0);
    expect(computeCompleteness({ ...none, lastRoofPermitAt: '2019-05-01T00:00:00.000Z' })).toBe(0.25);
    expect(computeCompleteness({ ...none, addressKey: 'k', location: {}, yearBuilt: 1990, marketValueUsd: 1, ownerOccupied: false, censusIncomeKnown: true })).toBe(1);
    expect(missingCriticalFields({ ...none, addressKey: 'k', location: {}, yearBuilt: 1990 })).toEqual(['value', 'ownerOccupied', 'censusIncome']);
  });
});
