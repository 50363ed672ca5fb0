import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { propertyObservationSchema } from '../../core/domain/records';
import { fuzzParser } from '../../core/testing/fuzz';
import { findCounty } from './counties';
import { parseCount, parseFeaturePage, parseGeoJsonPage, parseLayerMetadata, parseObjectIds, type ParcelPage } from './parse';

/** Thousands of broken real answers: every one parses or fails with a typed, explained error. */

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/arcgis-parcels', import.meta.url));
const present = existsSync(FIXTURES);
if (!present) console.warn(`arcgis-parcels fuzz tests skipped: the real samples folder ${FIXTURES} is absent.`);
const sample = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const observedAt = '2026-11-27T10:00:00.000Z';

function everyRecordValid(result: unknown): void {
  const page = result as ParcelPage;
  for (const parcel of page.parcels) propertyObservationSchema.parse(parcel.observation);
  for (const rejection of page.rejected) expect(rejection.reason.length).toBeGreaterThan(5);
}

describe.skipIf(!present)('ArcGIS parcels parsers under fuzzing', () => {
  it('esri JSON feature pages (Kent MI, Washington MN)', async () => {
    const kent = await fuzzParser(sample('pyesridump_us-mi-kent_us-mi-kent-0.json'), (input) => parseFeaturePage(input, { county: findCounty('kent-mi')!, observedAt }), { runs: 1500, check: everyRecordValid });
    const washington = await fuzzParser(sample('oa-machine_us-mn-washington-0-allfields.json'), (input) => parseFeaturePage(input, { county: findCounty('washington-mn')!, observedAt }), { runs: 1500, seed: 7, check: everyRecordValid });
    // Both outcomes occur: the fuzzing reaches the mapping, not only the JSON reader.
    expect(kent.returned).toBeGreaterThan(100);
    expect(kent.typedErrors).toBeGreaterThan(100);
    expect(washington.returned + washington.typedErrors).toBe(1500);
  });

  it('layer descriptions, counts and ids', async () => {
    await fuzzParser(sample('oa-machine_us-mn-washington-metadata.json'), (input) => parseLayerMetadata(input, 'Washington'), { runs: 800 });
    await fuzzParser(sample('pyesridump_us-mi-kent_us-mi-kent-ids-only.json'), (input) => parseObjectIds(input, 'Kent'), { runs: 500 });
    await fuzzParser(sample('oa-machine_us-ne-lancaster-count-only.json'), (input) => parseCount(input, 'Lancaster'), { runs: 300 });
  });

  it('GeoJSON pages (Polk FL points re-written as GeoJSON: no real f=geojson capture exists)', async () => {
    const esri = JSON.parse(sample('pyesridump_us-fl-polk_us-fl-polk-0.json')) as { features: Array<{ attributes: object; geometry: { x: number; y: number } }> };
    const geojson = JSON.stringify({
      type: 'FeatureCollection',
      properties: { exceededTransferLimit: true },
      features: esri.features.map((f, i) => ({ type: 'Feature', id: i + 1, geometry: { type: 'Point', coordinates: [f.geometry.x, f.geometry.y] }, properties: f.attributes })),
    });
    await fuzzParser(geojson, (input) => parseGeoJsonPage(input, { county: findCounty('polk-fl')!, observedAt }), { runs: 1000, check: everyRecordValid });
  });
});
