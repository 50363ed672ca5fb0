import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../core/http/errors';
import { countyForFields, countyListSchema, findCounty, mappedFieldNames, SEED_COUNTIES, type CountyConfig } from './counties';
import { mailingMatchesSite, postcodeFrom, splitSiteAddress } from './mapping';
import { parseCount, parseFeaturePage, parseGeoJsonPage, parseLayerMetadata, parseObjectIds, parseStatistics } from './parse';

// The real samples live beside the checkout (see ../shared/fixtures/arcgis-parcels/SOURCES.md).
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/arcgis-parcels', import.meta.url));
const present = existsSync(FIXTURES);
if (!present) console.warn(`arcgis-parcels acceptance tests skipped: the real samples folder ${FIXTURES} is absent.`);
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const county = (id: string): CountyConfig => findCounty(id)!;
const observedAt = '2026-11-27T10:00:00.000Z';

function expectRefusal(run: () => unknown, message: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe('refused-by-source');
    expect((error as ConnectorError).message).toMatch(message);
    return;
  }
  throw new Error('expected a refusal');
}

describe.skipIf(!present)('ArcGIS parcels: real county answers', () => {
  it('reads Washington County MN: year built, market value, homestead, living area; owner names stay out', () => {
    const page = parseFeaturePage(fixture('oa-machine_us-mn-washington-0-allfields.json'), { county: county('washington-mn'), observedAt });
    expect(page.exceededTransferLimit).toBe(true);
    expect(page.rejected).toEqual([]);
    expect(page.parcels).toHaveLength(1);
    const { observation, boundary } = page.parcels[0]!;
    expect(observation).toMatchObject({
      source: 'arcgis-parcels',
      sourceRecordId: 'washington-mn:0902721410036',
      parcelId: '0902721410036',
      address: { houseNumber: '7710', street: 'IVERSON AVE S', unit: null, city: 'COTTAGE GROVE', state: 'MN', postcode: '55016' },
      yearBuilt: 1974,
      marketValueUsd: 221_400,
      assessedValueUsd: null,
      ownerOccupied: true,
      livingAreaSqft: 1596,
      landUse: '100 Res 1 unit',
      footprint: null,
      attribution: 'Parcel data courtesy of Washington County, MN',
    });
    // The rings are Web Mercator (wkid 102100): converted to a lot in Cottage Grove, MN.
    expect(observation.location!.lat).toBeCloseTo(44.8, 1);
    expect(observation.location!.lng).toBeCloseTo(-92.93, 1);
    expect(boundary!.coordinates[0]!.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(page)).not.toMatch(/JOSLIN/);
  });

  it('reads Lancaster County NE: assessed value, owner-occupancy from the owner mailing line, no owner names', () => {
    const page = parseFeaturePage(fixture('oa-machine_us-ne-lancaster-0-allfields.json'), { county: county('lancaster-ne'), observedAt });
    expect(page.parcels.map((p) => p.observation.address)).toEqual([
      { houseNumber: '22500', street: 'N 27 ST', unit: null, city: null, state: 'NE', postcode: null },
      { houseNumber: '3500', street: 'W LITTLE SALT RD', unit: null, city: null, state: 'NE', postcode: null },
    ]);
    expect(page.parcels[0]!.observation).toMatchObject({ assessedValueUsd: 258_500, landUse: 'A1', ownerOccupied: true, parcelId: '1906300006000' });
    expect(page.parcels[0]!.observation.location!.lat).toBeCloseTo(41.03, 2);
    expect(JSON.stringify(page)).not.toMatch(/SCHMIDT/);
  });

  it('reads Kent County MI: 15 parcels with ZIPs from "MI49327", SEV as assessed value, and warns that state-plane shapes cannot be placed', () => {
    const page = parseFeaturePage(fixture('pyesridump_us-mi-kent_us-mi-kent-0.json'), { county: county('kent-mi'), observedAt });
    expect(page.parcels).toHaveLength(15);
    expect(page.parcels[0]!.observation).toMatchObject({
      sourceRecordId: 'kent-mi:41-01-06-100-009',
      address: { houseNumber: '4660', street: '22 MILE RD NW', city: 'GRANT', state: 'MI', postcode: '49327' },
      assessedValueUsd: 56_100,
      location: null,
    });
    expect(page.warnings.join(' ')).toMatch(/NAD_1983_StatePlane_Michigan_South.*outSR=4326/);
    expect(JSON.stringify(page)).not.toMatch(/NIECE/);
  });

  it('rejects the Madison County MS sliver (no parcel id, no address) with a reason, never silently', () => {
    const page = parseFeaturePage(fixture('pyesridump_us-ms-madison_us-ms-madison-0.json'), { county: county('madison-ms'), observedAt });
    expect(page.parcels).toEqual([]);
    expect(page.rejected).toEqual([{ index: 0, objectId: 26353, reason: expect.stringMatching(/neither a parcel id nor a site address/) }]);
  });

  it('reads Polk County FL address points: points become locations', () => {
    const page = parseFeaturePage(fixture('pyesridump_us-fl-polk_us-fl-polk-0.json'), { county: county('polk-fl'), observedAt });
    expect(page.parcels).toHaveLength(10);
    expect(page.parcels[0]!.observation).toMatchObject({
      address: { houseNumber: '7', street: 'BRIDGEWATER DR', city: 'WINTER HAVEN', state: 'FL', postcode: '33884' },
      parcelId: '262911687421000210',
      location: { lat: 27.9749764, lng: -81.6913585 },
      landUse: 'R1',
    });
    expect(page.parcels[8]!.observation.address.unit).toBe('192');
  });

  it('reads every layer description: paging support, record limits, object id fields', () => {
    const washington = parseLayerMetadata(fixture('oa-machine_us-mn-washington-metadata.json'), 'Washington');
    expect(washington).toMatchObject({ name: 'TaxParcel', geometryType: 'esriGeometryPolygon', maxRecordCount: 1000, supportsPagination: true, objectIdField: 'OBJECTID_1', supportsQuery: true, supportsGeoJson: false });
    const kent = parseLayerMetadata(fixture('pyesridump_us-mi-kent_us-mi-kent-metadata.json'), 'Kent');
    expect(kent).toMatchObject({ supportsPagination: false, objectIdField: 'OBJECTID', currentVersion: 10.22 });
    for (const name of ['oa-machine_us-ne-lancaster-metadata.json', 'pyesridump_us-ms-madison_us-ms-madison-metadata.json', 'pyesridump_us-fl-polk_us-fl-polk-metadata.json']) {
      expect(parseLayerMetadata(fixture(name), name).fields.length).toBeGreaterThan(10);
    }
  });

  it('every real county mapping names only fields its layer has', () => {
    const pairs: Array<[string, string]> = [
      ['washington-mn', 'oa-machine_us-mn-washington-metadata.json'],
      ['lancaster-ne', 'oa-machine_us-ne-lancaster-metadata.json'],
      ['kent-mi', 'pyesridump_us-mi-kent_us-mi-kent-metadata.json'],
      ['madison-ms', 'pyesridump_us-ms-madison_us-ms-madison-metadata.json'],
      ['polk-fl', 'pyesridump_us-fl-polk_us-fl-polk-metadata.json'],
    ];
    for (const [id, file] of pairs) {
      const fields = parseLayerMetadata(fixture(file), id).fields.map((field) => field.name);
      expect(mappedFieldNames(county(id).fields).filter((name) => !fields.includes(name)), id).toEqual([]);
      expect(countyForFields(fields)?.id, id).toBe(id);
    }
  });

  it('reads counts, object ids and statistics', () => {
    expect(parseCount(fixture('oa-machine_us-mn-washington-count-only.json'), 'x')).toBe(3120);
    expect(parseCount(fixture('pyesridump_us-ms-madison_us-ms-madison-count-only.json'), 'x')).toBe(124);
    expect(parseObjectIds(fixture('pyesridump_us-mi-kent_us-mi-kent-ids-only.json'), 'x')).toEqual({ objectIdFieldName: 'OBJECTID', objectIds: [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 17] });
    expect(parseStatistics(fixture('oa-machine_us-ne-lancaster-statistics.json'), 'x')).toEqual([{ THE_MIN: 76080666, THE_MAX: 76081096 }]);
    expect(parseStatistics(fixture('pyesridump_us-ms-madison_us-ms-madison-outStatistics.json'), 'x')).toEqual([{ THE_MIN: 0, THE_MAX: 43 }]);
  });

  it('turns the real {"error":…} bodies (sent with HTTP 200) into refusals that quote the server', () => {
    const ctx = { county: county('washington-mn'), observedAt };
    expectRefusal(() => parseFeaturePage(fixture('oa-machine_us-mn-washington-0.json'), ctx), /County parcels \(Washington County, MN\) refused the query: "Failed to execute query\." \(code 400\)/);
    expectRefusal(() => parseFeaturePage(fixture('oa-machine_us-ne-lancaster-0.json'), ctx), /Invalid or missing input parameters/);
    expectRefusal(() => parseStatistics(fixture('pyesridump_us-mi-kent_us-mi-kent-statistics.json'), 'Kent'), /Unable to complete operation.*Settings → Data sources/);
    expectRefusal(() => parseGeoJsonPage(fixture('oa-machine_us-ne-lancaster-0.json'), ctx), /Invalid or missing/);
  });
});

describe('ArcGIS parcels: format details', () => {
  const ctx = { county: county('demo'), observedAt };

  it('reads GeoJSON pages, paging flag in properties, MultiPolygon largest part', () => {
    const body = {
      type: 'FeatureCollection',
      properties: { exceededTransferLimit: true },
      features: [
        {
          type: 'Feature',
          id: 7,
          geometry: { type: 'MultiPolygon', coordinates: [[[[-97, 30], [-96.999, 30], [-96.999, 30.001], [-97, 30]]], [[[-97.01, 30.01], [-97.0099, 30.01], [-97.0099, 30.0101], [-97.01, 30.01]]]] },
          properties: { PARCEL_ID: 'P-7', SITE_NUM: '12', SITE_STREET: 'Oak St', SITE_ZIP: 78701, YEAR_BUILT: 0, MARKET_VAL: '215,000', HOMESTEAD: 'N', OWNER_NAME: 'Someone' },
        },
      ],
    };
    const page = parseGeoJsonPage(body, ctx);
    expect(page.exceededTransferLimit).toBe(true);
    expect(page.parcels[0]!.objectId).toBe(7);
    expect(page.parcels[0]!.observation).toMatchObject({ yearBuilt: null, marketValueUsd: 215_000, ownerOccupied: false, address: { postcode: '78701', state: 'TX' } });
    expect(page.parcels[0]!.boundary!.coordinates[0]![0]).toEqual([-97, 30]);
    expect(JSON.stringify(page)).not.toMatch(/Someone/);
  });

  it('says what is wrong instead of returning an empty page', () => {
    expect(() => parseFeaturePage({ count: 3 }, ctx)).toThrow(/a count where features were asked for/);
    expect(() => parseFeaturePage('{"features": [', ctx)).toThrow(expect.objectContaining({ kind: 'truncated' }));
    expect(() => parseFeaturePage('<html><title>Proxy Error</title></html>', ctx)).toThrow(expect.objectContaining({ kind: 'html-error-page' }));
    expect(() => parseGeoJsonPage({ features: [] }, ctx)).toThrow(/FeatureCollection/);
    expect(() => parseLayerMetadata({ layers: [{ id: 0 }] }, 'X')).toThrow(/map service, not one layer/);
    expect(() => parseLayerMetadata({ error: { code: 499, message: 'Token Required' } }, 'X')).toThrow(/sign-in token/);
  });

  it('keeps a parcel whose shape cannot be read, without a position, and says so', () => {
    const page = parseFeaturePage({ features: [{ attributes: { PARCEL_ID: 'A', SITE_NUM: '1', SITE_STREET: 'Elm' }, geometry: { rings: [[[500, 500], [501, 500], [500, 501], [500, 500]]] } }] }, ctx);
    expect(page.parcels[0]!.observation.location).toBeNull();
    expect(page.warnings[0]).toMatch(/1 parcel shape/);
  });

  it('reads addresses the way counties write them', () => {
    expect(postcodeFrom('MI49327     ')).toBe('49327');
    expect(postcodeFrom(2134)).toBe('02134');
    expect(postcodeFrom('55016-1234')).toBe('55016-1234');
    expect(postcodeFrom('123456')).toBeNull();
    expect(splitSiteAddress('7710 IVERSON AVE S, CITY OF COTTAGE GROVE')).toEqual({ houseNumber: '7710', street: 'IVERSON AVE S' });
    expect(mailingMatchesSite('7710 S IVERSON AVE', { houseNumber: '7710', street: 'IVERSON AVE S' })).toBe(true);
    expect(mailingMatchesSite('PO BOX 12', { houseNumber: '7710', street: 'IVERSON AVE S' })).toBeNull();
    expect(mailingMatchesSite('1 MAIN ST', { houseNumber: '7710', street: 'IVERSON AVE S' })).toBe(false);
  });

  it('refuses a county list that breaks the contract, saying which rule', () => {
    const bad = countyListSchema.safeParse([{ ...SEED_COUNTIES[0], id: 'x', fields: { parcelId: 'PIN' } }]);
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toMatch(/siteAddress or both houseNumber and street/);
    expect(countyListSchema.safeParse([{ ...SEED_COUNTIES[0], layerUrl: 'https://x.example/arcgis/rest/services/P/MapServer' }]).success).toBe(false);
    expect(countyListSchema.safeParse([SEED_COUNTIES[0], SEED_COUNTIES[0]]).error!.issues[0]!.message).toMatch(/listed twice/);
  });
});
