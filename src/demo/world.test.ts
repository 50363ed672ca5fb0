import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bboxSchema, polygonSchema } from '../core/domain/geo';
import { censusAreaFiguresSchema, postalAddressSchema } from '../core/domain/records';
import { pointInRing } from './storms';
import { createDemoWorld, type DemoWorld } from './world';

const AS_OF = '2025-05-20';

/** Everything the emulators could serve, as one document. */
function dump(world: DemoWorld): string {
  return JSON.stringify({
    name: world.name,
    bbox: world.bbox,
    buildings: world.buildingsIn(world.bbox),
    parcels: world.parcelsIn(world.bbox),
    permits: world.permits(),
    tracts: world.tracts(),
    storms: world.stormReports(),
    records: Array.from({ length: world.propertyCount }, (_, i) => world.propertyRecord(i)),
  });
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('demo world', () => {
  it('is byte-identical for the same seed, and different for another seed', () => {
    const a = dump(createDemoWorld({ seed: 7, properties: 400, asOf: AS_OF }));
    const b = dump(createDemoWorld({ seed: 7, properties: 400, asOf: AS_OF }));
    const c = dump(createDemoWorld({ seed: 8, properties: 400, asOf: AS_OF }));
    expect(sha(a)).toBe(sha(b));
    expect(sha(c)).not.toBe(sha(a));
  });

  it('holds exactly the requested houses, each inside the territory box, with unique addresses', () => {
    const world = createDemoWorld({ properties: 2_000, asOf: AS_OF });
    expect(bboxSchema.safeParse(world.bbox).success).toBe(true);
    const buildings = world.buildingsIn(world.bbox);
    expect(buildings).toHaveLength(2_000);
    const [west, south, east, north] = world.bbox;
    for (const building of buildings) {
      expect(polygonSchema.safeParse({ type: 'Polygon', coordinates: [building.ring] }).success).toBe(true);
      expect(building.nodeIds).toHaveLength(building.ring.length);
      for (const [lng, lat] of building.ring) {
        expect(lng).toBeGreaterThanOrEqual(west);
        expect(lng).toBeLessThanOrEqual(east);
        expect(lat).toBeGreaterThanOrEqual(south);
        expect(lat).toBeLessThanOrEqual(north);
      }
    }
    expect(new Set(buildings.map((b) => b.osmWayId)).size).toBe(2_000);
    const tagged = buildings.filter((b) => b.tags['addr:housenumber']);
    expect(tagged.length).toBeGreaterThan(1_850);
    const osmAddresses = tagged.map((b) => `${b.tags['addr:housenumber']} ${b.tags['addr:street']}`);
    expect(new Set(osmAddresses).size).toBe(tagged.length);
    const all = [...world.houses()].map((house) => world.oneLineAddress(house));
    expect(new Set(all).size).toBe(2_000);
    // Nothing in the town is named after a real place: the city is the fictional one everywhere.
    expect(new Set(tagged.map((b) => b.tags['addr:city']))).toEqual(new Set(['Bramblecrest']));
  });

  it('answers box queries by tile without losing or repeating a house', () => {
    const world = createDemoWorld({ properties: 1_500, asOf: AS_OF });
    const [west, south, east, north] = world.bbox;
    const seen = new Map<number, number>();
    const step = 3;
    for (let i = 0; i < step; i += 1) {
      for (let j = 0; j < step; j += 1) {
        const w = west + ((east - west) * i) / step;
        const s = south + ((north - south) * j) / step;
        // Half-open tiles so a house on a shared edge belongs to one tile only.
        const e = west + ((east - west) * (i + 1)) / step;
        const n = south + ((north - south) * (j + 1)) / step;
        for (const b of world.buildingsIn([w, s, e, n])) {
          const onEast = b.centroid.lng === e && i < step - 1;
          const onNorth = b.centroid.lat === n && j < step - 1;
          if (!onEast && !onNorth) seen.set(b.osmWayId, (seen.get(b.osmWayId) ?? 0) + 1);
        }
      }
    }
    expect(seen.size).toBe(1_500);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
  });

  it('has parcels for most houses, with the gaps that make paid records worth buying', () => {
    const world = createDemoWorld({ properties: 2_000, asOf: AS_OF });
    const parcels = world.parcelsIn(world.bbox);
    expect(parcels.length).toBeGreaterThan(1_850);
    expect(parcels.length).toBeLessThan(2_000);
    expect(new Set(parcels.map((p) => p.parcelId)).size).toBe(parcels.length);
    for (const parcel of parcels) expect(postalAddressSchema.safeParse(parcel.siteAddress).success).toBe(true);
    const noYear = parcels.filter((p) => p.yearBuilt === null).length / parcels.length;
    expect(noYear).toBeGreaterThan(0.02);
    expect(noYear).toBeLessThan(0.15);
    const years = parcels.flatMap((p) => (p.yearBuilt === null ? [] : [p.yearBuilt]));
    expect(Math.min(...years)).toBeGreaterThanOrEqual(1966);
    expect(Math.max(...years)).toBeLessThanOrEqual(2024);
    const values = parcels.flatMap((p) => (p.marketValueUsd === null ? [] : [p.marketValueUsd]));
    const sorted = [...values].sort((a, b) => a - b);
    const medianValue = sorted[sorted.length >> 1]!;
    expect(medianValue).toBeGreaterThan(180_000);
    expect(medianValue).toBeLessThan(900_000);
    const homestead = parcels.filter((p) => p.homestead).length / parcels.length;
    expect(homestead).toBeGreaterThan(0.5);
    expect(homestead).toBeLessThan(0.95);
  });

  it('puts every house in exactly one census tract whose figures agree with its houses', () => {
    const world = createDemoWorld({ properties: 2_000, asOf: AS_OF });
    const tracts = world.tracts();
    expect(tracts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tracts.map((t) => t.geoid)).size).toBe(tracts.length);
    for (const tract of tracts) {
      expect(tract.geoid).toMatch(/^\d{11}$/);
      expect(censusAreaFiguresSchema.safeParse(tract.figures).success).toBe(true);
      expect(tract.figures.medianHouseholdIncomeUsd).toBeGreaterThan(30_000);
      expect(tract.figures.medianHouseholdIncomeUsd).toBeLessThan(250_000);
      expect(tract.figures.vintage).toBe(2023);
    }
    const perTract = new Map<string, number>();
    for (const house of world.houses()) {
      const tract = world.tractAt(house.centroid);
      expect(tract).not.toBeNull();
      expect(pointInRing(house.centroid, tract!.ring)).toBe(true);
      expect(tracts.filter((t) => pointInRing(house.centroid, t.ring))).toHaveLength(1);
      perTract.set(tract!.geoid, (perTract.get(tract!.geoid) ?? 0) + 1);
    }
    for (const tract of tracts) {
      const units = (tract.figures.ownerOccupiedUnits ?? 0) + (tract.figures.renterOccupiedUnits ?? 0);
      expect(Math.abs(units - perTract.get(tract.geoid)!)).toBeLessThan(perTract.get(tract.geoid)! * 0.1 + 10);
    }
    expect(world.tractAt({ lat: 40, lng: -100 })).toBeNull();
  });

  it('has a recent hail swath with SPC-sized reports inside it, wind reports, and older storms', () => {
    const world = createDemoWorld({ properties: 2_000, asOf: AS_OF });
    const [recent] = world.hailSwaths();
    expect(recent!.date).toBe('2025-05-14');
    const reports = world.stormReports();
    const recentHail = reports.filter((r) => r.kind === 'hail' && r.occurredAt.startsWith(recent!.date));
    expect(recentHail.length).toBeGreaterThanOrEqual(10);
    for (const report of recentHail) {
      expect(pointInRing(report.location, recent!.polygon)).toBe(true);
      expect(report.hailSizeInches).toBeGreaterThanOrEqual(0.75);
      expect(report.hailSizeInches).toBeLessThanOrEqual(2.75);
      expect(report.state).toBe('TX');
    }
    expect(reports.some((r) => r.kind === 'wind' && r.occurredAt.startsWith(recent!.date) && (r.windSpeedKnots ?? 0) >= 45)).toBe(true);
    expect(reports.every((r) => r.occurredAt < `${AS_OF}T00:00:00Z`)).toBe(true);
    expect(new Set(reports.map((r) => r.occurredAt.slice(0, 4)))).toEqual(new Set(['2024', '2025']));
    // The swath crosses the town: some houses are in it, and some are not.
    const inSwath = [...world.houses()].filter((house) => pointInRing(house.centroid, recent!.polygon)).length;
    expect(inSwath).toBeGreaterThan(50);
    expect(inSwath).toBeLessThan(2_000);
  });

  it('files a re-roof permit for most re-roofs since the portal began, and none later than today', () => {
    const world = createDemoWorld({ properties: 2_000, asOf: AS_OF });
    const permits = world.permits();
    expect(new Set(permits.map((p) => p.permitNumber)).size).toBe(permits.length);
    expect(permits.every((p) => p.issuedAt < `${AS_OF}T23:59:59Z`)).toBe(true);
    const roofing = permits.filter((p) => p.isRoofing);
    expect(roofing.length).toBeGreaterThan(50);
    expect(permits.some((p) => !p.isRoofing && /solar/i.test(p.description))).toBe(true);
    for (const permit of roofing.slice(0, 200)) {
      const record = world.propertyRecordAt(permit.location, 1)!;
      expect(record.roofInstalledYear).toBe(Number(permit.issuedAt.slice(0, 4)));
    }
  });

  it('has a paid property record for every house, found by address in any source spelling or by location', () => {
    const world = createDemoWorld({ properties: 600, asOf: AS_OF });
    for (const house of world.houses()) {
      const record = world.propertyRecord(house.index);
      expect(record.yearBuilt).toBe(house.yearBuilt);
      const street = world.street(house.slot);
      for (const spelling of [world.oneLineAddress(house), `${house.houseNumber} ${street.county}`, `${house.houseNumber} ${street.short}.`]) {
        expect(world.propertyRecordByAddress(spelling)?.recordId).toBe(record.recordId);
      }
      expect(world.propertyRecordAt(house.centroid)?.recordId).toBe(record.recordId);
    }
    expect(world.propertyRecordByAddress('99999 Nowhere Street')).toBeNull();
    expect(world.propertyRecordAt({ lat: 33.9, lng: -96.1 })).toBeNull();
  });

  it('builds a 100,000-house town and serves a tile of it', () => {
    const world = createDemoWorld({ properties: 100_000, asOf: AS_OF });
    expect(bboxSchema.safeParse(world.bbox).success).toBe(true);
    const [west, south, east, north] = world.bbox;
    const midLng = (west + east) / 2;
    const midLat = (south + north) / 2;
    const tile = world.buildingsIn([midLng, midLat, midLng + 0.01, midLat + 0.01]);
    expect(tile.length).toBeGreaterThan(200);
    expect(world.propertyRecordByAddress(world.oneLineAddress(world.house(99_999)))?.recordId).toBe(world.propertyRecord(99_999).recordId);
  });

  it('refuses sizes and days it cannot build', () => {
    expect(() => createDemoWorld({ properties: 0 })).toThrow(/1 to/);
    expect(() => createDemoWorld({ asOf: 'yesterday' })).toThrow(/YYYY-MM-DD/);
  });
});
