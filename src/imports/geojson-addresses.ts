import iconv from 'iconv-lite';
import { polygonCentroid } from '../core/address';
import { polygonSchema, type LatLng, type Polygon } from '../core/domain/geo';
import { parseJsonText } from '../core/http/body';
import { columnOfName, observationFromRow, type RowValues } from './address-rows';
import { ImportError } from './errors';
import type { InputFile } from './file-input';
import type { ImportItem } from './report';

/**
 * A GeoJSON FeatureCollection a user made or exported (QGIS, geojson.io, a county open-data
 * portal): Point features are address points, Polygon and MultiPolygon features are building
 * outlines (the largest part of a MultiPolygon), and each feature's properties are read like CSV
 * columns (address-rows.ts), OSM-style addr:* keys included. A feature without geometry may still
 * carry lat/lon properties. The file is read whole (GeoJSON has no row boundaries to stream on).
 *
 *   readAddressGeoJson(file, bytes, { source, observedAt, notes }) → ImportItem[]
 */

export function readAddressGeoJson(file: InputFile, bytes: Buffer, ctx: { source: string; observedAt: string; notes: string[] }): ImportItem[] {
  const text = decodeJsonBytes(bytes);
  if (/^\s*</.test(text)) throw new ImportError('wrong-format', `${file.label} is a web page or XML, not GeoJSON: export the layer as GeoJSON and import that.`);
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new ImportError(
      parsed.truncated ? 'damaged-file' : 'wrong-format',
      parsed.truncated ? `${file.label} stops part-way (${parsed.detail}): download or export it again.` : `${file.label} is not valid JSON (${parsed.detail}).`,
    );
  }
  const features = featuresOf(parsed.value, file);
  const items: ImportItem[] = [];
  const seen = new Set<string>();
  features.forEach((feature, index) => {
    const where = `feature ${index + 1}`;
    if (!feature || typeof feature !== 'object' || (feature as { type?: unknown }).type !== 'Feature') {
      items.push({ type: 'rejected', kind: 'unreadable-row', line: index + 1, reason: `${where}: is not a GeoJSON Feature` });
      return;
    }
    const { geometry, properties } = feature as { geometry?: unknown; properties?: unknown };
    const shape = shapeOf(geometry);
    if ('reason' in shape) {
      items.push({ type: 'rejected', kind: shape.kind, line: index + 1, reason: `${where}: ${shape.reason}` });
      return;
    }
    const item = observationFromRow(valuesOf(properties), {
      source: ctx.source,
      observedAt: ctx.observedAt,
      where,
      line: index + 1,
      ...(shape.location ? { geometry: { location: shape.location, footprint: shape.footprint } } : {}),
    });
    if (item.type === 'property' && item.recordId) {
      if (seen.has(item.recordId)) {
        items.push({ type: 'skipped', reason: 'duplicate feature in the file (same address or location as an earlier one)' });
        return;
      }
      seen.add(item.recordId);
    }
    const { recordId: _recordId, ...plain } = item;
    items.push(plain as ImportItem);
  });
  return items;
}

function decodeJsonBytes(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes, 'utf-16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes, 'utf-16be');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return iconv.decode(bytes, 'windows-1252');
  }
}

function featuresOf(document: unknown, file: InputFile): unknown[] {
  const object = document as { type?: unknown; features?: unknown } | null;
  if (object && object.type === 'FeatureCollection' && Array.isArray(object.features)) return object.features;
  if (object && object.type === 'Feature') return [object];
  if (Array.isArray(document) && document.every((f) => (f as { type?: unknown } | null)?.type === 'Feature')) return document;
  if (object && Array.isArray((object as { elements?: unknown }).elements)) {
    throw new ImportError('wrong-format', `${file.label} is an Overpass answer, not GeoJSON: import it with "fishmouth import overpass".`);
  }
  throw new ImportError('wrong-format', `${file.label} is JSON but not a GeoJSON FeatureCollection: export the layer as GeoJSON (a FeatureCollection of points or polygons).`);
}

function valuesOf(properties: unknown): RowValues {
  const values: RowValues = {};
  if (!properties || typeof properties !== 'object') return values;
  for (const [name, value] of Object.entries(properties as Record<string, unknown>)) {
    const column = columnOfName(name);
    if (column === undefined || values[column] !== undefined) continue;
    if (typeof value === 'string') values[column] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') values[column] = String(value);
  }
  return values;
}

type Shape = { location: LatLng | null; footprint: Polygon | null } | { kind: 'absurd-coordinates' | 'invalid-value'; reason: string };

function shapeOf(geometry: unknown): Shape {
  if (geometry === null || geometry === undefined) return { location: null, footprint: null };
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  if (type === 'Point') {
    const point = Array.isArray(coordinates) ? coordinates : [];
    const [lng, lat] = point as unknown[];
    if (typeof lng !== 'number' || typeof lat !== 'number' || !Number.isFinite(lng) || !Number.isFinite(lat)) return { kind: 'invalid-value', reason: 'its point has no usable coordinates' };
    if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return { kind: 'absurd-coordinates', reason: `longitude ${lng}, latitude ${lat} is not on Earth` };
    if (lat === 0 && lng === 0) return { kind: 'absurd-coordinates', reason: 'coordinates 0, 0 are a placeholder, not a place' };
    return { location: { lat, lng }, footprint: null };
  }
  if (type === 'Polygon' || type === 'MultiPolygon') {
    const polygons = (type === 'Polygon' ? [coordinates] : Array.isArray(coordinates) ? coordinates : []) as unknown[];
    const valid = polygons.map((rings) => polygonSchema.safeParse({ type: 'Polygon', coordinates: rings }));
    const failed = valid.find((result) => !result.success);
    if (failed && !failed.success) {
      const message = failed.error.issues[0]?.message ?? 'unreadable';
      return { kind: /latitude|longitude/.test(message) ? 'absurd-coordinates' : 'invalid-value', reason: `its outline is not usable (${message})` };
    }
    const shapes = valid.map((result) => (result as { data: Polygon }).data);
    if (shapes.length === 0) return { kind: 'invalid-value', reason: 'its outline has no rings' };
    const largest = shapes.reduce((a, b) => (ringArea(b) > ringArea(a) ? b : a));
    return { location: polygonCentroid(largest), footprint: largest };
  }
  return { kind: 'invalid-value', reason: `a ${String(type)} is neither an address point nor a building outline` };
}

function ringArea(polygon: Polygon): number {
  const ring = polygon.coordinates[0]!;
  let area = 0;
  for (let i = 0; i < ring.length - 1; i++) area += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return Math.abs(area / 2);
}
