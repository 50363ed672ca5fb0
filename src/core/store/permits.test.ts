import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BuildingPermit, PropertyObservation } from '../domain/records';
import { openDatabase, type Db } from './database';
import { runMigrations } from './migrations';
import { countPendingOutbox } from './outbox';
import { permitsForProperty, upsertPermits } from './permits';
import { upsertPropertyObservation } from './properties';
import { getProperty } from './property-rows';

let dataDir: string;
let db: Db;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-permits-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const house: PropertyObservation = {
  source: 'osm-overpass',
  sourceRecordId: 'way/7',
  observedAt: '2024-05-01T00:00:00Z',
  address: { houseNumber: '410', street: 'Oak Lane', unit: null, city: 'Round Rock', state: 'TX', postcode: '78664' },
  location: { lat: 30.5083, lng: -97.6789 },
  footprint: null,
  buildingType: 'house',
  levels: null,
  yearBuilt: 1994,
  roofMaterial: null,
  parcelId: null,
  landUse: null,
  assessedValueUsd: null,
  marketValueUsd: null,
  ownerOccupied: null,
  livingAreaSqft: null,
  attribution: null,
};

function permit(id: string, overrides: Partial<BuildingPermit> = {}): BuildingPermit {
  return {
    source: 'socrata-permits',
    sourceRecordId: id,
    permitNumber: `BP-${id}`,
    issuedAt: '2019-06-12T00:00:00Z',
    description: 'Re-roof: tear off and replace composition shingles',
    workClass: 'Re-Roof',
    isRoofing: true,
    valuationUsd: 14_500,
    address: { houseNumber: '410', street: 'OAK LN', unit: null, city: 'ROUND ROCK', state: 'TX', postcode: '78664' },
    location: null,
    ...overrides,
  };
}

describe('upsertPermits', () => {
  it('links a roofing permit to its property and dates the roof from it', () => {
    const { propertyId } = upsertPropertyObservation(db, house);
    expect(upsertPermits(db, [permit('1')])).toEqual({ inserted: 1, updated: 0, unchanged: 0, linked: 1 });
    expect(getProperty(db, propertyId)).toMatchObject({ lastRoofPermitAt: '2019-06-12T00:00:00.000Z', fieldSources: { lastRoofPermitAt: 'socrata-permits' } });
    expect(permitsForProperty(db, propertyId).map((p) => p.permitNumber)).toEqual(['BP-1']);
  });

  it('keeps the latest roofing date; an older roof permit or a kitchen remodel does not move it', () => {
    const { propertyId } = upsertPropertyObservation(db, house);
    upsertPermits(db, [permit('1')]);
    upsertPermits(db, [permit('2', { issuedAt: '2011-03-01T00:00:00Z' }), permit('3', { issuedAt: '2023-01-09T00:00:00Z', isRoofing: false, workClass: 'Remodel' })]);
    expect(getProperty(db, propertyId)!.lastRoofPermitAt).toBe('2019-06-12T00:00:00.000Z');
    upsertPermits(db, [permit('4', { issuedAt: '2024-02-02T00:00:00Z' })]);
    expect(getProperty(db, propertyId)!.lastRoofPermitAt).toBe('2024-02-02T00:00:00.000Z');
  });

  it('waits for a property that is not known yet and links when it appears', () => {
    upsertPermits(db, [permit('1'), permit('5', { address: { houseNumber: null, street: null, unit: null, city: null, state: null, postcode: null }, location: { lat: 30.50831, lng: -97.67891 } })]);
    const { propertyId } = upsertPropertyObservation(db, house);
    expect(permitsForProperty(db, propertyId).map((p) => p.sourceRecordId).sort()).toEqual(['1', '5']);
    expect(getProperty(db, propertyId)!.lastRoofPermitAt).toBe('2019-06-12T00:00:00.000Z');
  });

  it('is idempotent: the same permits again change nothing and write no outbox row', () => {
    upsertPropertyObservation(db, house);
    upsertPermits(db, [permit('1'), permit('2')]);
    const before = countPendingOutbox(db);
    expect(upsertPermits(db, [permit('1'), permit('2')])).toEqual({ inserted: 0, updated: 0, unchanged: 2, linked: 0 });
    expect(countPendingOutbox(db)).toBe(before);
    expect(upsertPermits(db, [permit('2', { valuationUsd: 16_000 })])).toMatchObject({ updated: 1 });
  });
});
