import { bboxSchema, type BBox, type LngLat } from '../../core/domain/geo';
import { jsonAnswer, notFound } from '../../emulators/respond';
import type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World, WorldParcel } from '../../emulators/world';

/**
 * A county parcel layer over ArcGIS REST, answered from `world.parcelsIn(bbox)` with the demo
 * county's field names (counties.ts 'demo'), plus OWNER_NAME as real layers have — the connector
 * must never ask for it.
 *
 *   …/FeatureServer/N           layer description, as ArcGIS Server 10.9 (pagination, GeoJSON)
 *   …/MapServer/N               as ArcGIS Server 10.2 (no pagination, no GeoJSON), like the real
 *                               Kent and Madison layers: a resultOffset query fails as theirs do
 *   …/N/query                   GET or POST (form): where 1=1, envelope geometry (inSR 4326),
 *                               esriSpatialRelIntersects, outFields, outSR 4326 or 3857,
 *                               returnCountOnly, returnIdsOnly, objectIds, orderByFields,
 *                               resultOffset/resultRecordCount, f=json|pjson|geojson
 *
 * Refusals look like the real server's: HTTP 200 with {"error":{"code":400,…}}.
 */

const MAX_RECORD_COUNT = 1000;
const LAYER_PATH = /^(?:\/.*)?\/(FeatureServer|MapServer)\/(\d+)(\/query)?\/?$/;

type FieldSpec = { name: string; type: string; alias: string; length?: number };
const FIELDS: FieldSpec[] = [
  { name: 'OBJECTID', type: 'esriFieldTypeOID', alias: 'OBJECTID' },
  { name: 'PARCEL_ID', type: 'esriFieldTypeString', alias: 'Parcel ID', length: 30 },
  { name: 'SITE_NUM', type: 'esriFieldTypeString', alias: 'Site House Number', length: 12 },
  { name: 'SITE_STREET', type: 'esriFieldTypeString', alias: 'Site Street', length: 60 },
  { name: 'SITE_UNIT', type: 'esriFieldTypeString', alias: 'Site Unit', length: 12 },
  { name: 'SITE_CITY', type: 'esriFieldTypeString', alias: 'Site City', length: 40 },
  { name: 'SITE_STATE', type: 'esriFieldTypeString', alias: 'Site State', length: 2 },
  { name: 'SITE_ZIP', type: 'esriFieldTypeString', alias: 'Site ZIP', length: 10 },
  { name: 'YEAR_BUILT', type: 'esriFieldTypeSmallInteger', alias: 'Year Built' },
  { name: 'ASSESSED_VAL', type: 'esriFieldTypeDouble', alias: 'Assessed Value' },
  { name: 'MARKET_VAL', type: 'esriFieldTypeDouble', alias: 'Market Value' },
  { name: 'HOMESTEAD', type: 'esriFieldTypeString', alias: 'Homestead', length: 1 },
  { name: 'LAND_USE', type: 'esriFieldTypeString', alias: 'Land Use', length: 60 },
  { name: 'LIVING_SQFT', type: 'esriFieldTypeDouble', alias: 'Living Area (sq ft)' },
  { name: 'OWNER_NAME', type: 'esriFieldTypeString', alias: 'Owner Name', length: 80 },
];
const FIELD_BY_NAME = new Map(FIELDS.map((field) => [field.name.toUpperCase(), field]));

// Object ids must stay the same from one request to the next, as a real layer's do.
const layers = new WeakMap<World, { parcels: WorldParcel[]; objectIds: Map<string, number> }>();
function layerOf(world: World): { parcels: WorldParcel[]; objectIds: Map<string, number> } {
  let layer = layers.get(world);
  if (!layer) {
    const parcels = [...world.parcelsIn(world.bbox)].sort((a, b) => (a.parcelId < b.parcelId ? -1 : a.parcelId > b.parcelId ? 1 : 0));
    layer = { parcels, objectIds: new Map(parcels.map((parcel, index) => [parcel.parcelId, index + 1])) };
    layers.set(world, layer);
  }
  return layer;
}

function arcgisError(message: string, details: string[] = []): EmulatorResponse {
  return esriJson({ error: { code: 400, message, details } });
}

// ArcGIS Server answers f=json as text/plain.
function esriJson(value: unknown): EmulatorResponse {
  return jsonAnswer(value, { contentType: 'text/plain; charset=utf-8', gzip: true });
}

function attributes(parcel: WorldParcel, objectId: number): Record<string, string | number | null> {
  const a = parcel.siteAddress;
  return {
    OBJECTID: objectId,
    PARCEL_ID: parcel.parcelId,
    SITE_NUM: a.houseNumber,
    SITE_STREET: a.street,
    SITE_UNIT: a.unit,
    SITE_CITY: a.city,
    SITE_STATE: a.state,
    SITE_ZIP: a.postcode,
    // Counties write 0, not null, for an unknown year in a SmallInteger field.
    YEAR_BUILT: parcel.yearBuilt ?? 0,
    ASSESSED_VAL: parcel.assessedValueUsd,
    MARKET_VAL: parcel.marketValueUsd,
    HOMESTEAD: parcel.homestead ? 'Y' : 'N',
    LAND_USE: parcel.landUse,
    LIVING_SQFT: parcel.livingAreaSqft,
    OWNER_NAME: parcel.ownerName,
  };
}

function params(request: EmulatorRequest): URLSearchParams {
  const merged = new URLSearchParams(request.query);
  if (request.method === 'POST' && /x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '')) {
    for (const [name, value] of new URLSearchParams(request.body.toString('utf8'))) merged.set(name, value);
  }
  return merged;
}

function envelope(text: string | null): BBox | null | 'invalid' {
  if (text === null || text.trim() === '') return null;
  let numbers: unknown[];
  if (text.trim().startsWith('{')) {
    try {
      const g = JSON.parse(text) as Record<string, unknown>;
      numbers = [g.xmin, g.ymin, g.xmax, g.ymax];
    } catch {
      return 'invalid';
    }
  } else {
    numbers = text.split(',').map((part) => Number(part));
  }
  const parsed = bboxSchema.safeParse(numbers);
  return parsed.success ? parsed.data : 'invalid';
}

const toMercator = ([lng, lat]: LngLat): [number, number] => [
  (lng * Math.PI * 6_378_137) / 180,
  Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) * 6_378_137,
];

function clockwise(ring: LngLat[]): LngLat[] {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i += 1) sum += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  // Esri JSON outer rings run clockwise (negative shoelace area); GeoJSON exteriors counter-clockwise.
  return sum > 0 ? [...ring].reverse() : ring;
}

function metadata(modern: boolean, world: World): EmulatorResponse {
  const [xmin, ymin, xmax, ymax] = world.bbox;
  return esriJson({
    currentVersion: modern ? 10.91 : 10.22,
    id: 0,
    name: 'Parcels',
    type: 'Feature Layer',
    description: `Tax parcels of ${world.name} (synthetic).`,
    geometryType: 'esriGeometryPolygon',
    copyrightText: 'Demo County Assessor',
    extent: { xmin, ymin, xmax, ymax, spatialReference: { wkid: 4326, latestWkid: 4326 } },
    displayField: 'PARCEL_ID',
    objectIdField: 'OBJECTID',
    fields: FIELDS,
    capabilities: modern ? 'Query' : 'Map,Query,Data',
    maxRecordCount: MAX_RECORD_COUNT,
    supportedQueryFormats: modern ? 'JSON, geoJSON, PBF' : 'JSON, AMF',
    supportsStatistics: true,
    ...(modern ? { advancedQueryCapabilities: { supportsPagination: true, supportsOrderBy: true, supportsQueryWithResultType: true } } : {}),
  });
}

function query(p: URLSearchParams, modern: boolean, world: World): EmulatorResponse {
  const format = (p.get('f') ?? 'html').toLowerCase();
  if (format === 'html') return notFound('/query?f=html');
  if (format !== 'json' && format !== 'pjson' && !(format === 'geojson' && modern)) return arcgisError('Invalid or missing input parameters.', [`'f' parameter is invalid`]);
  const where = (p.get('where') ?? '').trim();
  if (where !== '' && !/^1\s*=\s*1$/.test(where)) return arcgisError('Unable to complete operation.', ['Unable to perform query operation.', 'Invalid query']);
  const box = envelope(p.get('geometry'));
  if (box === 'invalid') return arcgisError('Invalid or missing input parameters.', ['Invalid geometry']);
  if (box && (p.get('geometryType') ?? 'esriGeometryEnvelope') !== 'esriGeometryEnvelope') return arcgisError('Invalid or missing input parameters.', ['Only envelopes are served here']);
  if (box && !['', '4326'].includes(p.get('inSR') ?? '')) return arcgisError('Invalid or missing input parameters.', ["'inSR' must be 4326"]);
  if (!['', 'esriSpatialRelIntersects', 'esriSpatialRelEnvelopeIntersects'].includes(p.get('spatialRel') ?? '')) return arcgisError('Unable to complete operation.', ['Spatial relationship not supported']);
  const outSR = p.get('outSR') ?? '4326';
  if (!['4326', '3857', '102100'].includes(outSR)) return arcgisError('Invalid or missing input parameters.', ["'outSR' is not supported"]);
  const offset = p.get('resultOffset');
  const count = p.get('resultRecordCount');
  // Real 10.2 layers answer a paging request with this (the Washington County sample).
  if (!modern && (offset !== null || count !== null)) return arcgisError('Failed to execute query.');

  const layer = layerOf(world);
  let matches = box ? world.parcelsIn(box) : layer.parcels;
  const idList = p.get('objectIds');
  if (idList) {
    const wanted = new Set(idList.split(',').map((id) => Number(id.trim())));
    matches = layer.parcels.filter((parcel) => wanted.has(layer.objectIds.get(parcel.parcelId)!));
  }
  const rows = matches.map((parcel) => ({ parcel, objectId: layer.objectIds.get(parcel.parcelId)! })).sort((a, b) => a.objectId - b.objectId);
  if (p.get('returnCountOnly') === 'true') return esriJson({ count: rows.length });
  if (p.get('returnIdsOnly') === 'true') return esriJson({ objectIdFieldName: 'OBJECTID', objectIds: rows.map((row) => row.objectId) });

  const outFields = (p.get('outFields') ?? '').split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const everything = outFields.includes('*');
  const unknown = outFields.filter((name) => name !== '*' && !FIELD_BY_NAME.has(name.toUpperCase()));
  if (unknown.length > 0) return arcgisError('Failed to execute query.', [`Invalid field: ${unknown[0]}`]);
  const fields = everything ? FIELDS : outFields.length === 0 ? [FIELDS[0]!] : outFields.map((name) => FIELD_BY_NAME.get(name.toUpperCase())!);

  const start = Math.max(0, Number(offset ?? 0) || 0);
  const limit = Math.min(MAX_RECORD_COUNT, Math.max(1, Number(count ?? MAX_RECORD_COUNT) || MAX_RECORD_COUNT));
  const page = rows.slice(start, start + limit);
  const exceeded = start + page.length < rows.length;
  const withGeometry = p.get('returnGeometry') !== 'false';
  const pick = (parcel: WorldParcel, objectId: number) => {
    const all = attributes(parcel, objectId);
    return Object.fromEntries(fields.map((field) => [field.name, all[field.name] ?? null]));
  };

  if (format === 'geojson') {
    return jsonAnswer(
      {
        type: 'FeatureCollection',
        ...(exceeded ? { properties: { exceededTransferLimit: true } } : {}),
        features: page.map(({ parcel, objectId }) => ({
          type: 'Feature',
          id: objectId,
          geometry: withGeometry ? { type: 'Polygon', coordinates: [[...clockwise(parcel.ring)].reverse()] } : null,
          properties: pick(parcel, objectId),
        })),
      },
      { contentType: 'application/geo+json; charset=utf-8', gzip: true },
    );
  }
  const mercator = outSR !== '4326';
  return esriJson({
    objectIdFieldName: 'OBJECTID',
    globalIdFieldName: '',
    geometryType: 'esriGeometryPolygon',
    spatialReference: mercator ? { wkid: 102100, latestWkid: 3857 } : { wkid: 4326, latestWkid: 4326 },
    fields,
    features: page.map(({ parcel, objectId }) => ({
      attributes: pick(parcel, objectId),
      ...(withGeometry ? { geometry: { rings: [clockwise(parcel.ring).map((position) => (mercator ? toMercator(position) : position))] } } : {}),
    })),
    ...(exceeded ? { exceededTransferLimit: true } : {}),
  });
}

export const arcgisParcelsEmulator: EmulatorRoute = {
  source: 'arcgis-parcels',
  prefix: '/arcgis-parcels',
  handle(request, world) {
    const match = LAYER_PATH.exec(request.path);
    if (!match) return notFound(request.path);
    const modern = match[1] === 'FeatureServer';
    const p = params(request);
    if (!match[3]) {
      const format = (p.get('f') ?? 'html').toLowerCase();
      return format === 'json' || format === 'pjson' ? metadata(modern, world) : notFound(request.path);
    }
    return query(p, modern, world);
  },
};
