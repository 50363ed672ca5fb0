import type { LatLng } from '../domain/geo';
import type { PropertyObservation } from '../domain/records';
import { tempDataDir } from '../../../test/helpers';
import { openDatabase, type Db } from './database';
import { runMigrations } from './migrations';
import { upsertPropertyObservation } from './properties';

/** Test helpers for the store: a fresh migrated database, observations with every field spelled out, and distinct houses. */

export interface TestDb {
  db: Db;
  /** Closes the database and removes its folder. */
  cleanup(): void;
}

/** A fresh, migrated database in a temp folder of its own (open one in beforeEach, clean up in afterEach). */
export function migratedTestDb(prefix: string): TestDb {
  const data = tempDataDir(prefix);
  const db = openDatabase(data.dir);
  runMigrations(db);
  return {
    db,
    cleanup: () => {
      db.close();
      data.cleanup();
    },
  };
}

/** An observation with nothing known but what is given. */
export function propertyObservation(overrides: Partial<PropertyObservation> & Pick<PropertyObservation, 'source' | 'sourceRecordId'>): PropertyObservation {
  return {
    observedAt: new Date().toISOString(),
    address: { houseNumber: null, street: null, unit: null, city: null, state: null, postcode: null },
    location: null,
    footprint: null,
    buildingType: null,
    levels: null,
    yearBuilt: null,
    roofMaterial: null,
    parcelId: null,
    landUse: null,
    assessedValueUsd: null,
    marketValueUsd: null,
    ownerOccupied: null,
    livingAreaSqft: null,
    attribution: null,
    ...overrides,
  };
}

let houses = 0;

/**
 * Saves an OSM house of its own (its own way id and street number, so it is never merged with
 * another) at a place, and returns its property id.
 */
export function addHouse(db: Db, location: LatLng, overrides: Partial<PropertyObservation> = {}): string {
  houses += 1;
  return upsertPropertyObservation(
    db,
    propertyObservation({
      source: 'osm-overpass',
      sourceRecordId: `way/${houses}`,
      address: { houseNumber: String(100 + houses), street: 'Bramble Lane', unit: null, city: 'Round Rock', state: 'TX', postcode: '78664' },
      location,
      buildingType: 'house',
      ...overrides,
    }),
  ).propertyId;
}
