import type { BBox } from '../../core/domain/geo';
import { takeRateToken } from '../../core/http/rate-token';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import { httpRequest, type HttpRequest } from '../../core/http/client';
import { ConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { mappedFieldNames, type CountyConfig } from './counties';
import { ARCGIS_SOURCE_ID, type ParcelRecord, type ParcelRejection } from './mapping';
import { parseCount, parseFeaturePage, parseGeoJsonPage, parseLayerMetadata, parseObjectIds, type LayerMetadata, type ParcelPage } from './parse';

/**
 * County parcels from a county's ArcGIS REST layer (FeatureServer or MapServer), the real way:
 *
 *   fetchLayerMetadata(db, county, options)        GET {layer}?f=json
 *   countParcels(db, county, bbox, options)        GET {layer}/query?returnCountOnly=true&geometry=…
 *   fetchParcelIds(db, county, bbox, options)      GET {layer}/query?returnIdsOnly=true&geometry=…
 *   fetchParcels(db, county, bbox, options)        → every parcel in the box, paged:
 *     - layers with pagination: resultOffset/resultRecordCount, ordered by object id, until a page
 *       comes back without exceededTransferLimit;
 *     - older layers (ArcGIS Server before 10.3, like Kent's and Madison's): all object ids first,
 *       then POST …/query with objectIds in batches of the layer's maxRecordCount.
 *
 * Only the county's mapped fields are asked for (outFields), so owner names never leave the
 * county's server. Coordinates are asked for in WGS84 (inSR/outSR 4326).
 *
 * Rate: the free-first chain takes one token of the source's shared limit before calling in; every
 * further request here takes its own (`firstRequestAcquired: false` when nothing took the first).
 */

export interface ArcgisCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
  /** The policy in force (the chain passes ctx.policy); default: read from the database. */
  policy?: SourcePolicy;
  /** The caller already holds a rate-limit token for the first request (the chain does). Default true. */
  firstRequestAcquired?: boolean;
  /** Longest wait for each further token (default 30 s). */
  maxRateWaitMs?: number;
}

export interface FetchParcelsOptions extends ArcgisCallOptions {
  format?: 'json' | 'geojson';
  /** A SQL where clause in the layer's own fields; default every parcel ('1=1'). */
  where?: string;
  /** Features per request; at most the layer's maxRecordCount. */
  pageSize?: number;
  /** Stop (with a warning) after this many features; default 100,000. */
  maxFeatures?: number;
  now?: () => Date;
  onProgress?: (progress: { fetched: number; total: number | null }) => void;
}

export interface ParcelFetch {
  county: string;
  layer: LayerMetadata;
  /** The layer's own count of parcels in the box. */
  total: number;
  parcels: ParcelRecord[];
  rejected: ParcelRejection[];
  warnings: string[];
  paging: 'offset' | 'object-ids';
  requests: number;
  /** False when maxFeatures cut the fetch short. */
  complete: boolean;
}

const DEFAULT_MAX_FEATURES = 100_000;

/** The source policy with the county's layer as its address (its name naming the county, for messages). */
export function countyLayerPolicy(db: Db, county: CountyConfig, policy?: SourcePolicy): SourcePolicy {
  const inForce = policy ?? sourcePolicy(db, ARCGIS_SOURCE_ID);
  if (!inForce) throw new ConnectorError({ kind: 'not-configured', source: ARCGIS_SOURCE_ID, message: 'County parcels are not in the source catalogue; reinstall Fish Mouth.' });
  const name = `County parcels (${county.label})`;
  if (county.layerUrl === null) {
    throw new ConnectorError({ kind: 'not-configured', source: ARCGIS_SOURCE_ID, message: `${name} has no layer address yet; enter the county's parcel layer (…/FeatureServer/N or …/MapServer/N) in Settings → Data sources.` });
  }
  if (/^[a-z]+:/i.test(county.layerUrl)) return { ...inForce, name, baseUrl: county.layerUrl };
  if (!inForce.baseUrl) {
    throw new ConnectorError({ kind: 'not-configured', source: ARCGIS_SOURCE_ID, message: `${name}'s layer address is relative (${county.layerUrl}) and the County parcels source has no address to resolve it against; set one in Settings → Data sources.` });
  }
  return { ...inForce, name, baseUrl: `${inForce.baseUrl.replace(/\/+$/, '')}/${county.layerUrl}` };
}

class LayerSession {
  requests = 0;
  private tokenHeld: boolean;

  constructor(
    private readonly db: Db,
    readonly county: CountyConfig,
    readonly policy: SourcePolicy,
    private readonly options: ArcgisCallOptions,
  ) {
    this.tokenHeld = options.firstRequestAcquired ?? true;
  }

  get label(): string {
    return this.policy.name;
  }

  async call(request: Omit<HttpRequest, 'expect' | 'signal' | 'timeoutMs' | 'retries'>): Promise<unknown> {
    if (!this.tokenHeld) {
      await takeRateToken(this.db, this.policy, this.options);
    }
    this.tokenHeld = false;
    this.requests += 1;
    const response = await httpRequest(this.policy, {
      ...request,
      expect: 'json',
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
      ...(this.options.retries === undefined ? {} : { retries: this.options.retries }),
    });
    return response.body;
  }

  async metadata(): Promise<LayerMetadata> {
    const layer = parseLayerMetadata(await this.call({ path: '', query: { f: 'json' } }), this.label);
    if (!layer.supportsQuery) {
      throw new ConnectorError({ kind: 'not-configured', source: ARCGIS_SOURCE_ID, message: `${this.label}: the layer does not allow queries; choose the county's queryable parcel layer in Settings → Data sources.` });
    }
    const present = new Set(layer.fields.map((field) => field.name.toUpperCase()));
    const missing = mappedFieldNames(this.county.fields).filter((name) => !present.has(name.toUpperCase()));
    if (missing.length > 0) {
      throw new ConnectorError({
        kind: 'not-configured',
        source: ARCGIS_SOURCE_ID,
        message: `${this.label}: the field mapping names ${missing.join(', ')}, which the layer does not have (it may have been renamed); fix the county's field mapping in Settings → Data sources.`,
      });
    }
    return layer;
  }
}

function spatialFilter(bbox: BBox, where: string | undefined): Record<string, string> {
  return {
    where: where?.trim() || '1=1',
    geometry: bbox.join(','),
    geometryType: 'esriGeometryEnvelope',
    inSR: '4326',
    spatialRel: 'esriSpatialRelIntersects',
  };
}

export async function fetchLayerMetadata(db: Db, county: CountyConfig, options: ArcgisCallOptions = {}): Promise<LayerMetadata> {
  return new LayerSession(db, county, countyLayerPolicy(db, county, options.policy), options).metadata();
}

export async function countParcels(db: Db, county: CountyConfig, bbox: BBox, options: ArcgisCallOptions & { where?: string } = {}): Promise<number> {
  const session = new LayerSession(db, county, countyLayerPolicy(db, county, options.policy), options);
  return parseCount(await session.call({ path: 'query', query: { ...spatialFilter(bbox, options.where), returnCountOnly: 'true', f: 'json' } }), session.label);
}

export async function fetchParcelIds(db: Db, county: CountyConfig, bbox: BBox, options: ArcgisCallOptions & { where?: string } = {}): Promise<number[]> {
  const session = new LayerSession(db, county, countyLayerPolicy(db, county, options.policy), options);
  return parseObjectIds(await session.call({ path: 'query', query: { ...spatialFilter(bbox, options.where), returnIdsOnly: 'true', f: 'json' } }), session.label).objectIds;
}

export async function fetchParcels(db: Db, county: CountyConfig, bbox: BBox, options: FetchParcelsOptions = {}): Promise<ParcelFetch> {
  const session = new LayerSession(db, county, countyLayerPolicy(db, county, options.policy), options);
  const layer = await session.metadata();
  const format = options.format ?? 'json';
  if (format === 'geojson' && !layer.supportsGeoJson) {
    throw new ConnectorError({ kind: 'not-configured', source: ARCGIS_SOURCE_ID, message: `${session.label}: the layer does not offer GeoJSON (ArcGIS Server before 10.4); use the JSON format for this county.` });
  }
  const filter = spatialFilter(bbox, options.where);
  const total = parseCount(await session.call({ path: 'query', query: { ...filter, returnCountOnly: 'true', f: 'json' } }), session.label);
  const pageSize = Math.max(1, Math.min(layer.maxRecordCount, Math.floor(options.pageSize ?? layer.maxRecordCount)));
  const maxFeatures = options.maxFeatures ?? DEFAULT_MAX_FEATURES;
  const observedAt = () => (options.now?.() ?? new Date()).toISOString();
  const outFields = [...new Set([...(layer.objectIdField ? [layer.objectIdField] : []), ...mappedFieldNames(county.fields)])].join(',');
  const common = { outFields, outSR: '4326', returnGeometry: 'true', f: format };

  const result: ParcelFetch = { county: county.id, layer, total, parcels: [], rejected: [], warnings: [], paging: 'offset', requests: 0, complete: true };
  const seen = new Set<string>();
  const take = (page: ParcelPage): void => {
    for (const parcel of page.parcels) {
      // Offset paging over a layer that changes under us can repeat a parcel; keep it once.
      if (seen.has(parcel.observation.sourceRecordId)) continue;
      seen.add(parcel.observation.sourceRecordId);
      result.parcels.push(parcel);
    }
    result.rejected.push(...page.rejected);
    for (const warning of page.warnings) if (!result.warnings.includes(warning)) result.warnings.push(warning);
    options.onProgress?.({ fetched: result.parcels.length + result.rejected.length, total });
  };
  const parse = (body: unknown): ParcelPage => (format === 'geojson' ? parseGeoJsonPage(body, { county, observedAt: observedAt() }) : parseFeaturePage(body, { county, observedAt: observedAt() }));
  const fetched = () => result.parcels.length + result.rejected.length;

  if (total > 0 && layer.supportsPagination && layer.objectIdField) {
    let offset = 0;
    let firstOfPrevious: number | null | undefined;
    for (;;) {
      const page = parse(await session.call({ path: 'query', query: { ...filter, ...common, orderByFields: layer.objectIdField, resultOffset: String(offset), resultRecordCount: String(pageSize) } }));
      const first = page.parcels[0]?.objectId ?? page.rejected[0]?.objectId;
      if (offset > 0 && first !== undefined && first === firstOfPrevious) {
        // The server ignores resultOffset and repeats page one: page by object ids instead.
        result.warnings.push(`${session.label} repeated its first page instead of paging; fetched by object ids instead.`);
        result.parcels = [];
        result.rejected = [];
        seen.clear();
        break;
      }
      firstOfPrevious = first;
      take(page);
      offset += page.featureCount;
      if (!page.exceededTransferLimit || page.featureCount === 0) {
        result.requests = session.requests;
        return result;
      }
      if (fetched() >= maxFeatures) return stopEarly(result, session, maxFeatures);
    }
  }
  if (total === 0) {
    result.requests = session.requests;
    return result;
  }

  result.paging = 'object-ids';
  const ids = parseObjectIds(await session.call({ path: 'query', query: { ...filter, returnIdsOnly: 'true', f: 'json' } }), session.label).objectIds.sort((a, b) => a - b);
  for (let start = 0; start < ids.length; start += pageSize) {
    if (fetched() >= maxFeatures) return stopEarly(result, session, maxFeatures);
    // POST: a thousand ids do not fit in a URL every proxy accepts.
    const batch = ids.slice(start, start + pageSize).join(',');
    take(parse(await session.call({ path: 'query', form: { objectIds: batch, ...common } })));
  }
  result.requests = session.requests;
  return result;
}

function stopEarly(result: ParcelFetch, session: LayerSession, maxFeatures: number): ParcelFetch {
  result.complete = false;
  result.requests = session.requests;
  result.warnings.push(`${session.label}: stopped after ${maxFeatures.toLocaleString('en-US')} of ${result.total.toLocaleString('en-US')} parcels; scan a smaller area to get them all.`);
  return result;
}
