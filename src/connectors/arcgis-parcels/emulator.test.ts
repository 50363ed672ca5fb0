import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCounty } from './counties';
import { countParcels, fetchLayerMetadata, fetchParcelIds, fetchParcels } from './connector';
import { arcgisParcelsEmulator } from './emulator';
import { emulatedSource, type EmulatedSource } from './emulator.testkit';
import { parseFeaturePage } from './parse';
import { testWorld } from './world.testkit';

/** The connector and parser read the emulator's answers and agree with the World behind them. */

const world = testWorld({ lotsPerStreet: 12, streets: 3 });
const demo = findCounty('demo')!;
const modernDemo = { ...demo, layerUrl: 'rest/services/Demo/Parcels/FeatureServer/0' };
const legacyDemo = { ...demo, id: 'demo-legacy', layerUrl: 'rest/services/Demo/Parcels/MapServer/0' };
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(arcgisParcelsEmulator, world);
});
afterAll(() => source.close());

describe('ArcGIS parcels emulator', () => {
  it('describes a layer the way ArcGIS does', async () => {
    const layer = await fetchLayerMetadata(source.db, modernDemo);
    expect(layer).toMatchObject({ supportsPagination: true, supportsGeoJson: true, objectIdField: 'OBJECTID', maxRecordCount: 1000 });
    const legacy = await fetchLayerMetadata(source.db, legacyDemo);
    expect(legacy).toMatchObject({ supportsPagination: false, supportsGeoJson: false });
  });

  it('pages with resultOffset until exceededTransferLimit is false, and every World parcel comes back once', async () => {
    const fetched = await fetchParcels(source.db, modernDemo, world.bbox, { pageSize: 5 });
    const truth = world.parcelsIn(world.bbox);
    expect(fetched.total).toBe(truth.length);
    expect(fetched.paging).toBe('offset');
    // metadata + count + ceil(36 / 5) pages
    expect(fetched.requests).toBe(2 + Math.ceil(truth.length / 5));
    expect(fetched.parcels.map((p) => p.observation.parcelId).sort()).toEqual(truth.map((p) => p.parcelId).sort());
    for (const parcel of truth) {
      const got = fetched.parcels.find((p) => p.observation.parcelId === parcel.parcelId)!.observation;
      expect(got.address).toEqual(parcel.siteAddress);
      expect(got.yearBuilt).toBe(parcel.yearBuilt);
      expect(got.assessedValueUsd).toBe(parcel.assessedValueUsd);
      expect(got.marketValueUsd).toBe(parcel.marketValueUsd);
      expect(got.ownerOccupied).toBe(parcel.homestead);
      expect(got.livingAreaSqft).toBe(parcel.livingAreaSqft);
      expect(got.location!.lat).toBeCloseTo(parcel.centroid.lat, 6);
      expect(got.location!.lng).toBeCloseTo(parcel.centroid.lng, 6);
    }
  });

  it('never asks the layer for owner names, and owner names appear nowhere in the result', async () => {
    const fetched = await fetchParcels(source.db, modernDemo, world.bbox);
    const asked = source.emulators.requests('arcgis-parcels').map((r) => decodeURIComponent(r.query));
    expect(asked.some((q) => /outFields=/.test(q))).toBe(true);
    expect(asked.join('\n')).not.toMatch(/OWNER_NAME|outFields=\*/);
    expect(JSON.stringify(fetched)).not.toMatch(/Owner Person/);
  });

  it('falls back to object-id batches (POST) on a layer without pagination', async () => {
    const fetched = await fetchParcels(source.db, legacyDemo, world.bbox, { pageSize: 10 });
    expect(fetched.paging).toBe('object-ids');
    expect(fetched.parcels).toHaveLength(world.parcelsIn(world.bbox).length);
    expect(source.emulators.requests('arcgis-parcels').some((r) => r.method === 'POST')).toBe(true);
  });

  it('reads f=geojson pages with the same records as f=json', async () => {
    const json = await fetchParcels(source.db, modernDemo, world.bbox, { pageSize: 7, now: () => new Date('2026-01-01T00:00:00Z') });
    const geojson = await fetchParcels(source.db, modernDemo, world.bbox, { pageSize: 7, format: 'geojson', now: () => new Date('2026-01-01T00:00:00Z') });
    const strip = (fetch: typeof json) => fetch.parcels.map((p) => ({ ...p.observation, location: null })).sort((a, b) => a.sourceRecordId.localeCompare(b.sourceRecordId));
    expect(strip(geojson)).toEqual(strip(json));
    expect(geojson.parcels[0]!.boundary).not.toBeNull();
  });

  it('filters by box: counts, ids and parcels of a sub-box agree with the World', async () => {
    const [w, s] = world.bbox;
    const box: [number, number, number, number] = [w, s, w + 0.0025, s + 0.0015];
    const truth = world.parcelsIn(box);
    expect(truth.length).toBeGreaterThan(0);
    expect(await countParcels(source.db, modernDemo, box)).toBe(truth.length);
    expect(await fetchParcelIds(source.db, modernDemo, box)).toHaveLength(truth.length);
    expect((await fetchParcels(source.db, modernDemo, box)).parcels).toHaveLength(truth.length);
  });

  it('refuses what a real layer refuses, with its {"error"} shape, and the connector says so', async () => {
    await expect(fetchParcels(source.db, modernDemo, world.bbox, { where: "PARCEL_ID LIKE '%'" })).rejects.toMatchObject({
      kind: 'refused-by-source',
      message: expect.stringMatching(/County parcels \(Demo County \(emulator\)\) refused the query: "Unable to complete operation\. Unable to perform query operation\. Invalid query" \(code 400\)/),
    });
    const wrongMapping = { ...modernDemo, fields: { ...modernDemo.fields, yearBuilt: 'YR_BLT' } };
    await expect(fetchParcels(source.db, wrongMapping, world.bbox)).rejects.toMatchObject({ kind: 'not-configured', message: expect.stringMatching(/YR_BLT, which the layer does not have/) });
  });

  it('answers in the same shape as a real county: the real Washington sample and the emulator parse to the same record fields', async () => {
    const FIXTURE = fileURLToPath(new URL('../../../../shared/fixtures/arcgis-parcels/oa-machine_us-mn-washington-0-allfields.json', import.meta.url));
    const emulated = (await fetchParcels(source.db, modernDemo, world.bbox)).parcels[0]!;
    if (!existsSync(FIXTURE)) return console.warn(`shape comparison skipped: ${FIXTURE} is absent`);
    const real = parseFeaturePage(JSON.parse(readFileSync(FIXTURE, 'utf8')), { county: findCounty('washington-mn')!, observedAt: '2026-01-01T00:00:00.000Z' }).parcels[0]!;
    expect(Object.keys(emulated.observation).sort()).toEqual(Object.keys(real.observation).sort());
    expect(Object.keys(emulated.observation.address).sort()).toEqual(Object.keys(real.observation.address).sort());
    expect(typeof emulated.observation.yearBuilt).toBe(typeof real.observation.yearBuilt);
    expect(emulated.boundary!.type).toBe(real.boundary!.type);
  });
});
