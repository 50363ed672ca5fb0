import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StormReport } from '../domain/records';
import { openDatabase, type Db } from '../store/database';
import { runMigrations } from '../store/migrations';
import { getProperty, type Property } from '../store/property-rows';
import { insertStormReports } from '../store/storms';
import { addHouse } from '../store/store.testkit';
import { hailExposure, hailIndexFor, roofAge, roofFacts, windowStart } from './roof-facts';

let dataDir: string;
let db: Db;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-roof-facts-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const now = new Date('2025-06-15T12:00:00Z');
const home = { lat: 30.5, lng: -97.68 };
/** Degrees of latitude per metre. */
const M = 1 / 111_195;

function storm(id: string, metresNorth: number, occurredAt: string, size: number | null, kind: StormReport['kind'] = 'hail'): StormReport {
  return {
    source: 'noaa-spc',
    sourceRecordId: id,
    kind,
    occurredAt,
    lat: home.lat + metresNorth * M,
    lng: home.lng,
    hailSizeInches: kind === 'hail' ? size : null,
    windSpeedKnots: kind === 'wind' ? 60 : null,
    tornadoScale: null,
    location: '2 N Round Rock',
    county: 'Williamson',
    state: 'TX',
    comments: null,
  };
}

function house(overrides: Partial<Property> = {}): Property {
  const property = getProperty(db, addHouse(db, home, { yearBuilt: 1998 }))!;
  return { ...property, ...overrides };
}

describe('roof age', () => {
  it('counts from the last roof permit, else the installed year, else the year built', () => {
    expect(roofAge({ lastRoofPermitAt: '2020-06-15T00:00:00Z', roofInstalledYear: 2019, yearBuilt: 1990 }, now)).toEqual({ years: 5, source: 'roof-permit' });
    expect(roofAge({ lastRoofPermitAt: null, roofInstalledYear: 2010, yearBuilt: 1990 }, now)).toEqual({ years: 15, source: 'roof-installed' });
    expect(roofAge({ lastRoofPermitAt: null, roofInstalledYear: null, yearBuilt: 2002 }, now)).toEqual({ years: 23, source: 'year-built' });
    expect(roofAge({ lastRoofPermitAt: null, roofInstalledYear: null, yearBuilt: null }, now)).toEqual({ years: null, source: null });
  });

  it('passes over typos: a permit or a year in the future, a year before 1800', () => {
    expect(roofAge({ lastRoofPermitAt: '2031-01-01T00:00:00Z', roofInstalledYear: 2030, yearBuilt: 1995 }, now)).toEqual({ years: 30, source: 'year-built' });
    expect(roofAge({ lastRoofPermitAt: 'not a date', roofInstalledYear: null, yearBuilt: 1066 }, now)).toEqual({ years: null, source: null });
  });

  it('a roof put on this year is a few months old, never negative', () => {
    expect(roofAge({ lastRoofPermitAt: null, roofInstalledYear: 2025, yearBuilt: 1990 }, now)).toEqual({ years: 0, source: 'roof-installed' });
  });
});

describe('hail exposure', () => {
  beforeEach(() => {
    insertStormReports(db, [
      storm('near-small-recent', 400, '2025-01-10T20:00:00Z', 1.0),
      storm('far-large', 1500, '2024-05-01T20:00:00Z', 1.75),
      storm('outside-radius', 1700, '2025-03-01T20:00:00Z', 2.75),
      storm('too-old', 100, '2023-06-01T20:00:00Z', 3.0),
      storm('after-now', 100, '2025-07-01T20:00:00Z', 3.0),
      storm('wind-only', 50, '2025-02-01T20:00:00Z', null, 'wind'),
      storm('no-size', 900, '2024-11-01T20:00:00Z', null),
    ]);
  });

  it('counts hail within a mile in the last 24 months: largest size, nearest distance, latest time', () => {
    const facts = roofFacts(db, house({ roofMaterial: 'Composition shingle' }), { now });
    expect(facts.hail).toEqual({ maxSizeInches: 1.75, nearestM: 400, lastAt: '2025-01-10T20:00:00.000Z', reports: 3, radiusM: 1609.344, windowMonths: 24 });
    expect(facts).toMatchObject({ roofAgeYears: 27, roofAgeSource: 'year-built', material: 'Composition shingle' });
  });

  it('a wider radius and a longer window take in more', () => {
    const facts = roofFacts(db, house(), { now, hailRadiusM: 2000, hailWindowMonths: 36 });
    expect(facts.hail).toMatchObject({ maxSizeInches: 3.0, nearestM: 100, reports: 5 });
  });

  it('a property with no known point has no hail exposure', () => {
    expect(roofFacts(db, house({ location: null }), { now }).hail).toMatchObject({ reports: 0, maxSizeInches: null, nearestM: null, lastAt: null });
  });

  it("a territory's hail index answers exactly as the per-property query", () => {
    const properties: Property[] = [];
    for (let k = 0; k < 40; k += 1) {
      const at = { lat: home.lat + ((k % 8) - 3) * 500 * M, lng: home.lng + (Math.floor(k / 8) - 2) * 600 * M };
      properties.push(getProperty(db, addHouse(db, at))!);
    }
    const index = hailIndexFor(db, [home.lng - 0.02, home.lat - 0.02, home.lng + 0.02, home.lat + 0.02], { now });
    // In the window and the padded box: all but the old report, the future one and the wind.
    expect(index.reports.length).toBe(4);
    let exposed = 0;
    for (const property of properties) {
      const direct = roofFacts(db, property, { now }).hail;
      expect(roofFacts(db, property, { now, hailIndex: index }).hail).toEqual(direct);
      expect(hailExposure(index, property.location!)).toEqual(direct);
      if (direct.reports > 0) exposed += 1;
    }
    expect(exposed).toBeGreaterThan(5);
    expect(exposed).toBeLessThan(40);
  });

  it('an index of a territory with no hail says so for every house', () => {
    const index = hailIndexFor(db, [10, 10, 10.01, 10.01], { now });
    expect(index.tree).toBeNull();
    expect(hailExposure(index, { lat: 10.005, lng: 10.005 })).toMatchObject({ reports: 0, maxSizeInches: null });
  });

  it('refuses an absurd radius or window', () => {
    expect(() => roofFacts(db, house(), { now, hailRadiusM: -5 })).toThrow(/radius/);
    expect(() => hailIndexFor(db, [0, 0, 1, 1], { now, windowMonths: 0.5 })).toThrow(/window/);
  });
});

describe('the hail window', () => {
  it('goes back calendar months, the 31st falling back to the end of a short month', () => {
    expect(windowStart(new Date('2025-03-31T10:00:00Z'), 1).toISOString()).toBe('2025-02-28T10:00:00.000Z');
    expect(windowStart(new Date('2025-06-15T12:00:00Z'), 24).toISOString()).toBe('2023-06-15T12:00:00.000Z');
  });
});
