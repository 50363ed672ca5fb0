import { z } from 'zod';
import { looksLikeHtml, parseJsonText } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';
import type { CountyConfig } from './counties';
import { describeSpatialReference, esriShape, geoJsonShape, spatialReferenceKind, type ShapeResult } from './geometry';
import { ARCGIS_SOURCE_ID, mapParcel, type ParcelRecord, type ParcelRejection } from './mapping';

/**
 * ArcGIS REST layer answers → typed values (PURE). Reads what the county parcel connector asks a
 * FeatureServer/MapServer layer for: its metadata (`?f=json`), counts (`returnCountOnly`), object
 * ids (`returnIdsOnly`), statistics (`outStatistics`) and feature pages in esri JSON (`f=json`)
 * and GeoJSON (`f=geojson`). ArcGIS reports refusals as `{"error":{"code":400,"message":…}}`
 * with HTTP 200; every parser here turns that into ConnectorError 'refused-by-source' with the
 * server's message. Anything unreadable is 'malformed-body' (or 'truncated'), never an empty page.
 *
 *   parseLayerMetadata(body, label)          → LayerMetadata
 *   parseCount(body, label)                  → number
 *   parseObjectIds(body, label)              → { objectIdFieldName, objectIds }
 *   parseStatistics(body, label)             → attribute rows
 *   parseFeaturePage(body, ctx)              → ParcelPage  (esri JSON)
 *   parseGeoJsonPage(body, ctx)              → ParcelPage  (GeoJSON)
 */

export interface LayerField {
  name: string;
  type: string;
}

export interface LayerMetadata {
  name: string | null;
  geometryType: string | null;
  /** The most features one query returns (ArcGIS's default is 1000 when the layer does not say). */
  maxRecordCount: number;
  /** resultOffset/resultRecordCount paging (ArcGIS Server 10.3+). */
  supportsPagination: boolean;
  supportsGeoJson: boolean;
  supportsQuery: boolean;
  objectIdField: string | null;
  fields: LayerField[];
  currentVersion: number | null;
}

export interface ParcelPage {
  parcels: ParcelRecord[];
  rejected: ParcelRejection[];
  /** Page-wide problems worth telling the user (e.g. coordinates that could not be placed). */
  warnings: string[];
  /** More features match than this page holds: ask for the next page. */
  exceededTransferLimit: boolean;
  featureCount: number;
}

export interface PageContext {
  county: CountyConfig;
  observedAt: string;
}

const DEFAULT_MAX_RECORD_COUNT = 1000;

function malformed(label: string, detail: string): ConnectorError {
  return new ConnectorError({
    kind: 'malformed-body',
    source: ARCGIS_SOURCE_ID,
    message: `${label} sent an answer that is not an ArcGIS layer answer (${detail}). Check the layer address in Settings → Data sources, or try again later.`,
  });
}

/** Raw JSON (or its text, for files read from disk) with ArcGIS's in-body refusal checked first. */
function readBody(body: unknown, label: string): Record<string, unknown> {
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (looksLikeHtml(text)) throw new ConnectorError({ kind: 'html-error-page', source: ARCGIS_SOURCE_ID, message: `${label} sent a web page instead of data; the server may be down or the layer address wrong. Try again later or check Settings → Data sources.` });
    const parsed = parseJsonText(text.replace(/^\uFEFF/, ''));
    if (!parsed.ok) {
      throw parsed.truncated
        ? new ConnectorError({ kind: 'truncated', source: ARCGIS_SOURCE_ID, message: `${label}'s answer stops part-way (${parsed.detail}); the connection may have dropped. Try again.` })
        : malformed(label, `not JSON: ${parsed.detail}`);
    }
    value = parsed.value;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed(label, 'expected a JSON object');
  const object = value as Record<string, unknown>;
  if (object.error !== undefined) throw arcgisRefusal(object.error, label);
  return object;
}

const errorSchema = z.object({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
  details: z.array(z.unknown()).optional(),
});

/** `{"error":{…}}` → 'refused-by-source', with advice by code (498/499: the layer wants a token). */
export function arcgisRefusal(error: unknown, label: string): ConnectorError {
  const parsed = errorSchema.safeParse(error);
  const code = parsed.success ? Number(parsed.data.code) : Number.NaN;
  const details = parsed.success ? (parsed.data.details ?? []).filter((d): d is string => typeof d === 'string' && d.trim().length > 0) : [];
  const said = [parsed.success ? parsed.data.message?.trim() : undefined, ...details].filter((part) => part && part.length > 0).join(' ').slice(0, 300);
  const advice =
    code === 498 || code === 499 || code === 401 || code === 403
      ? 'the layer needs a sign-in token, so its parcels are not public; choose another county layer'
      : code === 400
        ? 'check the county field mapping and layer address in Settings → Data sources → County parcels'
        : 'try again later; if it persists, check the layer address in Settings → Data sources';
  return new ConnectorError({
    kind: 'refused-by-source',
    source: ARCGIS_SOURCE_ID,
    ...(Number.isFinite(code) ? { status: code } : {}),
    message: `${label} refused the query: "${said || 'no reason given'}"${Number.isFinite(code) ? ` (code ${code})` : ''}; ${advice}.`,
  });
}

const metadataSchema = z.object({
  name: z.string().nullish(),
  type: z.string().nullish(),
  geometryType: z.string().nullish(),
  maxRecordCount: z.number().nullish(),
  supportsPagination: z.boolean().nullish(),
  advancedQueryCapabilities: z.object({ supportsPagination: z.boolean().nullish() }).passthrough().nullish(),
  objectIdField: z.string().nullish(),
  fields: z.array(z.object({ name: z.string(), type: z.string() }).passthrough()).nullish(),
  supportedQueryFormats: z.string().nullish(),
  capabilities: z.string().nullish(),
  currentVersion: z.union([z.number(), z.string()]).nullish(),
  layers: z.array(z.unknown()).nullish(),
});

export function parseLayerMetadata(body: unknown, label: string): LayerMetadata {
  const object = readBody(body, label);
  const parsed = metadataSchema.safeParse(object);
  if (!parsed.success) throw malformed(label, `layer description: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`);
  const meta = parsed.data;
  if (!meta.fields && meta.layers) {
    throw new ConnectorError({
      kind: 'not-configured',
      source: ARCGIS_SOURCE_ID,
      message: `${label}'s address is a map service, not one layer: end it with the parcel layer's number (…/MapServer/0) in Settings → Data sources.`,
    });
  }
  if (!meta.fields) throw malformed(label, 'the layer description lists no fields');
  const fields = meta.fields.map((field) => ({ name: field.name, type: field.type }));
  const maxRecordCount = meta.maxRecordCount && Number.isInteger(meta.maxRecordCount) && meta.maxRecordCount > 0 ? Math.min(meta.maxRecordCount, 100_000) : DEFAULT_MAX_RECORD_COUNT;
  const version = typeof meta.currentVersion === 'number' ? meta.currentVersion : Number.parseFloat(meta.currentVersion ?? '');
  return {
    name: meta.name ?? null,
    geometryType: meta.geometryType ?? null,
    maxRecordCount,
    supportsPagination: meta.advancedQueryCapabilities?.supportsPagination ?? meta.supportsPagination ?? false,
    supportsGeoJson: /geojson/i.test(meta.supportedQueryFormats ?? ''),
    // Layers that do not list capabilities (old servers) answer queries.
    supportsQuery: meta.capabilities == null || /\bquery\b/i.test(meta.capabilities),
    objectIdField: meta.objectIdField ?? fields.find((field) => field.type === 'esriFieldTypeOID')?.name ?? null,
    fields,
    currentVersion: Number.isFinite(version) ? version : null,
  };
}

export function parseCount(body: unknown, label: string): number {
  const object = readBody(body, label);
  const count = object.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw malformed(label, 'a count answer without a whole "count"');
  return count;
}

export function parseObjectIds(body: unknown, label: string): { objectIdFieldName: string; objectIds: number[] } {
  const object = readBody(body, label);
  const parsed = z.object({ objectIdFieldName: z.string().min(1), objectIds: z.array(z.number().int()).nullable() }).safeParse(object);
  if (!parsed.success) throw malformed(label, 'an id answer without "objectIdFieldName" and a list of whole "objectIds"');
  // ArcGIS answers null, not [], when nothing matches.
  return { objectIdFieldName: parsed.data.objectIdFieldName, objectIds: parsed.data.objectIds ?? [] };
}

export function parseStatistics(body: unknown, label: string): Array<Record<string, number | string | null>> {
  const object = readBody(body, label);
  const parsed = z.object({ features: z.array(z.object({ attributes: z.record(z.string(), z.union([z.number(), z.string(), z.null()])) })) }).safeParse(object);
  if (!parsed.success) throw malformed(label, 'a statistics answer without rows of numbers');
  return parsed.data.features.map((feature) => feature.attributes);
}

function objectIdOf(attributes: Record<string, unknown>, field: string | null, fallback: unknown): number | null {
  const value = field ? attributes[field] : undefined;
  const candidate = typeof value === 'number' ? value : typeof fallback === 'number' ? fallback : attributes.OBJECTID;
  return typeof candidate === 'number' && Number.isSafeInteger(candidate) ? candidate : null;
}

function collect(
  features: unknown[],
  ctx: PageContext,
  read: (feature: Record<string, unknown>) => { attributes: unknown; shape: ShapeResult; id: unknown },
  objectIdField: string | null,
): { parcels: ParcelRecord[]; rejected: ParcelRejection[]; unplaced: number } {
  const parcels: ParcelRecord[] = [];
  const rejected: ParcelRejection[] = [];
  let unplaced = 0;
  features.forEach((feature, index) => {
    if (!feature || typeof feature !== 'object' || Array.isArray(feature)) {
      rejected.push({ index, objectId: null, reason: 'is not a feature object' });
      return;
    }
    const { attributes, shape, id } = read(feature as Record<string, unknown>);
    if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) {
      rejected.push({ index, objectId: null, reason: 'has no attributes' });
      return;
    }
    const attrs = attributes as Record<string, unknown>;
    const objectId = objectIdOf(attrs, objectIdField, id);
    // A bad shape costs the parcel its place on the map, not its facts.
    if (!shape.ok) unplaced += 1;
    const mapped = mapParcel(attrs, shape.ok ? shape.shape : { boundary: null, location: null }, objectId, ctx);
    if (mapped.ok) parcels.push(mapped.record);
    else rejected.push({ index, objectId, reason: mapped.reason });
  });
  return { parcels, rejected, unplaced };
}

function featureList(object: Record<string, unknown>, label: string): unknown[] {
  if (Array.isArray(object.features)) return object.features;
  if (typeof object.count === 'number') throw malformed(label, 'a count where features were asked for');
  if (Array.isArray(object.objectIds)) throw malformed(label, 'object ids where features were asked for');
  throw malformed(label, 'no "features" list');
}

/** One page of an esri JSON (`f=json`) query answer. */
export function parseFeaturePage(body: unknown, ctx: PageContext): ParcelPage {
  const label = `County parcels (${ctx.county.label})`;
  const object = readBody(body, label);
  const features = featureList(object, label);
  const srKind = spatialReferenceKind(object.spatialReference);
  const objectIdField = typeof object.objectIdFieldName === 'string' ? object.objectIdFieldName : null;
  const { parcels, rejected, unplaced } = collect(features, ctx, (feature) => ({ attributes: feature.attributes, shape: esriShape(feature.geometry, srKind), id: undefined }), objectIdField);
  const warnings: string[] = [];
  if (srKind === 'unsupported' && features.length > 0) {
    warnings.push(`Coordinates are in ${describeSpatialReference(object.spatialReference)}, which Fish Mouth cannot convert; ${features.length} parcel(s) kept without a map position. Ask the layer for outSR=4326 (the connector does).`);
  } else if (unplaced > 0) {
    warnings.push(`${unplaced} parcel shape(s) could not be read and were kept without a map position.`);
  }
  return { parcels, rejected, warnings, exceededTransferLimit: object.exceededTransferLimit === true, featureCount: features.length };
}

/** One page of a GeoJSON (`f=geojson`) query answer; paging shows as properties.exceededTransferLimit. */
export function parseGeoJsonPage(body: unknown, ctx: PageContext): ParcelPage {
  const label = `County parcels (${ctx.county.label})`;
  const object = readBody(body, label);
  if (object.type !== 'FeatureCollection') throw malformed(label, 'GeoJSON without "type": "FeatureCollection"');
  const features = featureList(object, label);
  const { parcels, rejected, unplaced } = collect(features, ctx, (feature) => ({ attributes: feature.properties, shape: geoJsonShape(feature.geometry), id: feature.id }), null);
  const properties = object.properties && typeof object.properties === 'object' ? (object.properties as Record<string, unknown>) : {};
  const warnings = unplaced > 0 ? [`${unplaced} parcel shape(s) could not be read and were kept without a map position.`] : [];
  return {
    parcels,
    rejected,
    warnings,
    exceededTransferLimit: properties.exceededTransferLimit === true || object.exceededTransferLimit === true,
    featureCount: features.length,
  };
}
