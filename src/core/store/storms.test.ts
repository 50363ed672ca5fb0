import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CensusAreaFigures, StormReport } from '../domain/records';
import { censusAreasByGeoid, getCensusArea, upsertCensusAreas } from './census-areas';
import { openDatabase, type Db } from './database';
import { runMigrations } from './migrations';
import { insertStormReports, stormReportsInBBox, stormReportsNear } from './storms';

let dataDir: string;
let db: Db;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-storms-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function hail(id: string, lat: number, lng: number, occurredAt: string, size = 1.75): StormReport {
  return {
    source: 'noaa-spc',
    sourceRecordId: id,
    kind: 'hail',
    occurredAt,
    lat,
    lng,
    hailSizeInches: size,
    windSpeedKnots: null,
    tornadoScale: null,
    location: '2 N Round Rock',
    county: 'Williamson',
    state: 'TX',
    comments: null,
  };
}

describe('storm reports', () => {
  it('are stored once, revised when the source revises them, and found near a roof', () => {
    const reports = [
      hail('180615-1', 30.52, -97.68, '2018-06-15T21:10:00Z'),
      hail('180615-2', 30.6, -97.9, '2018-06-15T21:40:00Z'),
      hail('190401-1', 30.51, -97.67, '2019-04-01T02:05:00-05:00', 2.5),
    ];
    expect(insertStormReports(db, reports)).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    expect(insertStormReports(db, reports)).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(insertStormReports(db, [{ ...reports[0]!, hailSizeInches: 2 }])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });

    const roof = { lat: 30.5083, lng: -97.6789 };
    const near = stormReportsNear(db, roof, { radiusMeters: 5_000 });
    expect(near.map((r) => [r.sourceRecordId, r.hailSizeInches])).toEqual([
      ['190401-1', 2.5],
      ['180615-1', 2],
    ]);
    expect(near[0]!.occurredAt).toBe('2019-04-01T07:05:00.000Z');
    expect(near.every((r) => r.distanceMeters <= 5_000)).toBe(true);
    expect(stormReportsNear(db, roof, { radiusMeters: 5_000, since: '2019-01-01T00:00:00Z' })).toHaveLength(1);
    expect(stormReportsInBBox(db, [-98, 30.4, -97.5, 30.7], { kinds: ['wind'] })).toEqual([]);
    expect(stormReportsInBBox(db, [-98, 30.4, -97.5, 30.7])).toHaveLength(3);
  });
});

describe('census areas', () => {
  const tract: CensusAreaFigures = {
    geoid: '48491020312',
    geography: 'tract',
    name: 'Census Tract 203.12, Williamson County, Texas',
    vintage: 2021,
    medianHouseholdIncomeUsd: 98_000,
    medianYearBuilt: 1999,
    medianHomeValueUsd: 310_000,
    ownerOccupiedUnits: 1_500,
    renterOccupiedUnits: 400,
  };

  it('keep the newest vintage and change nothing when the same figures come again', () => {
    expect(upsertCensusAreas(db, [tract], { source: 'census-acs' })).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect(upsertCensusAreas(db, [tract], { source: 'census-acs' })).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect(upsertCensusAreas(db, [{ ...tract, vintage: 2022, medianHouseholdIncomeUsd: 101_000 }], { source: 'census-acs' })).toMatchObject({ updated: 1 });
    expect(upsertCensusAreas(db, [{ ...tract, vintage: 2020, medianHouseholdIncomeUsd: 90_000 }], { source: 'census-acs' })).toMatchObject({ unchanged: 1 });
    expect(getCensusArea(db, tract.geoid)).toMatchObject({ vintage: 2022, medianHouseholdIncomeUsd: 101_000, source: 'census-acs' });
    expect([...censusAreasByGeoid(db, [tract.geoid, '99999999999']).keys()]).toEqual([tract.geoid]);
  });
});
