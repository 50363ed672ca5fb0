import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, type Db } from '../store';
import { costTestDb } from './cost.testkit';
import type { PriceEntry } from './budget-schemas';
import { DEFAULT_PRICES, getPriceTable, priceFor, updatePriceTable } from './prices';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  ({ db, cleanup } = costTestDb('fm-budget-'));
});
afterEach(() => cleanup());

describe('the price table', () => {
  it('starts at the published list prices: Google $2 and Mapbox $1 per 1,000, every public source free', () => {
    expect(getPriceTable(db).version).toBe(0);
    expect(priceFor(db, 'google-static-maps', 'static-map')).toBe(2_000);
    expect(priceFor(db, 'mapbox-static-images', 'static-image')).toBe(1_000);
    for (const source of ['osm-overpass', 'nominatim', 'census-geocoder', 'census-acs', 'noaa-spc', 'ncei-storm-events', 'arcgis-parcels', 'socrata-permits', 'naip']) {
      expect(priceFor(db, source, 'anything'), source).toBe(0);
    }
    expect(priceFor(db, 'unknown-vendor', 'call')).toBeNull();
  });

  it('saves edits as a new version, audited, with exact operations ahead of the source-wide price', () => {
    const prices: PriceEntry[] = [
      ...DEFAULT_PRICES,
      { source: 'google-static-maps', operation: 'static-map-hd', micros: 4_000 as PriceEntry['micros'], unit: 'request', note: 'scale=2' },
    ];
    const saved = updatePriceTable(db, prices, 'Dana');
    expect(saved.version).toBe(1);
    expect(getPriceTable(db)).toEqual(saved);
    expect(priceFor(db, 'google-static-maps', 'static-map-hd')).toBe(4_000);
    expect(priceFor(db, 'google-static-maps', 'static-map')).toBe(2_000);
    const audit = listAudit(db).find((entry) => entry.action === 'budget.prices.update');
    expect(audit).toMatchObject({ actor: 'Dana', details: { version: 1, previousVersion: 0, changes: ['google-static-maps static-map-hd: none → $0.004'] } });
  });

  it('refuses bad prices and duplicates, keeping the table in force', () => {
    const google = DEFAULT_PRICES[0]!;
    expect(() => updatePriceTable(db, [{ ...google, micros: -1 as never }], 'Dana')).toThrow(/price cannot be negative/);
    expect(() => updatePriceTable(db, [{ ...google, micros: Number.NaN as never }], 'Dana')).toThrow(/price must be a number/);
    expect(() => updatePriceTable(db, [google, { ...google }], 'Dana')).toThrow(/priced twice/);
    expect(() => updatePriceTable(db, [{ ...google, source: 'Google Maps!' }], 'Dana')).toThrow(/short lower-case name/);
    expect(() => updatePriceTable(db, [google], '')).toThrow(/Say who/);
    expect(getPriceTable(db).version).toBe(0);
  });
});
