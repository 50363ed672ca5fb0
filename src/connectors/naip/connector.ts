import sharp from 'sharp';
import type { SourcePolicy } from '../../core/cost/source-policy';
import { sourcePolicy } from '../../core/cost/sources';
import { httpRequest, type HttpRequest } from '../../core/http/client';
import { ConnectorError, isConnectorError } from '../../core/http/errors';
import { takeRateToken } from '../../core/http/rate-token';
import type { ImageGrid, MercatorBox } from '../../core/imagery/types';
import type { Db } from '../../core/store/database';
import { inspectImage } from './image-check';
import { arcgisErrorOf, arcgisFailure, NAIP_SOURCE_ID, parseCaptureDate, parseNaipServiceInfo, type NaipServiceInfo } from './parse';
import { DEFAULT_NAIP_LIMITS, planNaipExports, type NaipExportLimits } from './plan';

/**
 * USGS NAIP aerial imagery (public domain, ~0.6 m) from the National Map's ImageServer:
 *
 *   fetchNaipServiceInfo(db, options)             GET {base}?f=json → maxImageWidth / maxImageHeight
 *   exportNaipImage(db, { box, width, height })   GET {base}/exportImage?bbox=…&bboxSR=3857&imageSR=3857
 *                                                    &size=W,H&format=png&pixelType=U8&noData=0
 *                                                    &interpolation=RSP_BilinearInterpolation&f=image
 *   fetchNaipCaptureDate(db, box, options)        GET {base}/query?where=1=1&geometry=…&outFields=…&f=json
 *   fetchNaipMosaic(db, { box, groundMetresPerPixel }) → every part of the plan, stitched into one PNG
 *
 * ArcGIS reports a failed export as a JSON error object with HTTP 200, not as a status: it is read
 * here and thrown as a typed ConnectorError. An image that is entirely no-data (outside NAIP's
 * coverage) is a miss, not an error: nothing is wrong, there is just no picture there.
 *
 * Rate: the free-first chain takes the first request's token; every further request here takes
 * its own (`firstRequestAcquired: false` when nothing took the first).
 */

export interface NaipCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
  /** The policy in force (the chain passes ctx.policy); default: read from the database. */
  policy?: SourcePolicy;
  /** The caller already holds a rate-limit token for the first request (the chain does). Default true. */
  firstRequestAcquired?: boolean;
  maxRateWaitMs?: number;
}

export type NaipFormat = 'png' | 'jpgpng' | 'tiff';

export interface NaipExportRequest extends NaipCallOptions {
  box: MercatorBox;
  width: number;
  height: number;
  format?: NaipFormat;
}

export type NaipExport =
  | { kind: 'image'; bytes: Buffer; mime: string; grid: ImageGrid; latencyMs: number; noDataShare: number }
  | { kind: 'miss'; message: string; grid: ImageGrid; latencyMs: number };

export interface NaipMosaicRequest extends NaipCallOptions {
  box: MercatorBox;
  groundMetresPerPixel: number;
  /** Known export limits; default: the service's own (read once an hour), else 4000 × 4000. */
  limits?: NaipExportLimits;
  /** Ask the catalogue for the capture date (one more request). Default true. */
  captureDate?: boolean;
  onPart?: (progress: { index: number; total: number; part: NaipExport }) => void;
}

export type NaipMosaic =
  | {
      kind: 'image';
      /** PNG, 3 bands; no-data is black. */
      bytes: Buffer;
      mime: 'image/png';
      grid: ImageGrid;
      latencyMs: number;
      noDataShare: number;
      parts: number;
      requests: number;
      /** YYYY-MM-DD (or YYYY when only the year is known); null when the catalogue did not say. */
      capturedAt: string | null;
      warnings: string[];
    }
  | { kind: 'miss'; message: string; grid: ImageGrid; latencyMs: number; parts: number; requests: number; warnings: string[] };

const LIMITS_TTL_MS = 3_600_000;
const limitsCache = new Map<string, { info: NaipServiceInfo; at: number }>();
const ALL_NO_DATA = 0.999;

class NaipSession {
  requests = 0;
  private tokenHeld: boolean;
  readonly policy: SourcePolicy;

  constructor(
    private readonly db: Db,
    private readonly options: NaipCallOptions,
  ) {
    const policy = options.policy ?? sourcePolicy(db, NAIP_SOURCE_ID);
    if (!policy) throw new ConnectorError({ kind: 'not-configured', source: NAIP_SOURCE_ID, message: 'NAIP imagery is not in the source catalogue; reinstall Fish Mouth.' });
    this.policy = policy;
    this.tokenHeld = options.firstRequestAcquired ?? true;
  }

  get label(): string {
    return this.policy.name;
  }

  async call(request: Omit<HttpRequest, 'signal' | 'timeoutMs' | 'retries'>) {
    if (!this.tokenHeld) await takeRateToken(this.db, this.policy, this.options);
    this.tokenHeld = false;
    this.requests += 1;
    return httpRequest(this.policy, {
      ...request,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
      ...(this.options.retries === undefined ? {} : { retries: this.options.retries }),
    });
  }

  async serviceInfo(): Promise<NaipServiceInfo> {
    const key = this.policy.baseUrl ?? '';
    const cached = limitsCache.get(key);
    if (cached && Date.now() - cached.at < LIMITS_TTL_MS) return cached.info;
    const info = parseNaipServiceInfo((await this.call({ path: '', query: { f: 'json' }, expect: 'json' })).body, this.label);
    limitsCache.set(key, { info, at: Date.now() });
    return info;
  }

  async export(request: NaipExportRequest): Promise<NaipExport> {
    const { box, width, height } = request;
    const format = request.format ?? 'png';
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`A NAIP export is a whole number of pixels, at least 1 × 1; got ${width} × ${height}.`);
    }
    if (!box.every(Number.isFinite) || box[2] <= box[0] || box[3] <= box[1]) throw new RangeError(`A NAIP export needs a box with min < max, got [${box.join(', ')}].`);
    const grid: ImageGrid = { box: [...box], width, height };
    const response = await this.call({
      path: 'exportImage',
      query: exportQuery(box, width, height, format),
      expect: 'bytes',
      // ArcGIS answers a failed f=image export with a JSON error (text/plain or application/json).
      accept: ['image/*', 'application/json', 'text/plain'],
    });
    const bytes = response.body as Buffer;
    const type = response.headers['content-type'] ?? '';
    if (/json|text\/plain/i.test(type) || /^\s*[{[]/.test(bytes.subarray(0, 16).toString('latin1'))) {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch {
        // Not JSON either: reported below as an unreadable answer.
      }
      const error = arcgisErrorOf(parsed);
      if (error) throw arcgisFailure(error, this.label, 'the image export');
      throw new ConnectorError({ kind: 'malformed-body', source: NAIP_SOURCE_ID, status: 200, message: `${this.label} answered the image export with text instead of an image (${bytes.subarray(0, 80).toString('utf8').replace(/\s+/g, ' ')}…). Check its address in Settings → Data sources.` });
    }
    const image = await inspectImage(bytes, { source: NAIP_SOURCE_ID, label: this.label, width, height });
    if (image.noDataShare >= ALL_NO_DATA) {
      return { kind: 'miss', grid, latencyMs: response.latencyMs, message: `${this.label} has no imagery for this area (every pixel is no-data): NAIP covers the continental United States only.` };
    }
    return { kind: 'image', bytes, mime: image.mime, grid, latencyMs: response.latencyMs, noDataShare: image.noDataShare };
  }

  async captureDate(box: MercatorBox): Promise<string | null> {
    const response = await this.call({
      path: 'query',
      query: {
        where: '1=1',
        geometry: box.map(coordinate).join(','),
        geometryType: 'esriGeometryEnvelope',
        inSR: '3857',
        spatialRel: 'esriSpatialRelIntersects',
        outFields: 'OBJECTID,Name,Year,acquisition_date',
        returnGeometry: 'false',
        f: 'json',
      },
      expect: 'json',
    });
    return parseCaptureDate(response.body, this.label);
  }
}

/** exportImage's parameters, exactly as the service takes them. */
export function exportQuery(box: MercatorBox, width: number, height: number, format: NaipFormat): Record<string, string> {
  return {
    bbox: box.map(coordinate).join(','),
    bboxSR: '3857',
    imageSR: '3857',
    size: `${width},${height}`,
    format,
    pixelType: 'U8',
    noData: '0',
    interpolation: 'RSP_BilinearInterpolation',
    // Note: the box and size already agree; without this ArcGIS may widen the box to "fix" rounding.
    adjustAspectRatio: 'false',
    f: 'image',
  };
}

/** Millimetres are plenty in Web Mercator metres. */
function coordinate(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

export async function fetchNaipServiceInfo(db: Db, options: NaipCallOptions = {}): Promise<NaipServiceInfo> {
  return new NaipSession(db, options).serviceInfo();
}

export async function exportNaipImage(db: Db, request: NaipExportRequest): Promise<NaipExport> {
  return new NaipSession(db, request).export(request);
}

export async function fetchNaipCaptureDate(db: Db, box: MercatorBox, options: NaipCallOptions = {}): Promise<string | null> {
  return new NaipSession(db, options).captureDate(box);
}

/**
 * The box at a ground resolution as one PNG: split into exports within the service's limits,
 * fetched in turn, stitched with sharp. A part with no imagery is left black; only when every
 * part misses is the whole a miss. The capture date is asked for last and never fails the image.
 */
export async function fetchNaipMosaic(db: Db, request: NaipMosaicRequest): Promise<NaipMosaic> {
  const session = new NaipSession(db, request);
  const warnings: string[] = [];
  let limits = request.limits;
  if (!limits) {
    try {
      limits = await session.serviceInfo();
    } catch (error) {
      if (isConnectorError(error) && error.kind === 'cancelled') throw error;
      limits = DEFAULT_NAIP_LIMITS;
      warnings.push(`${session.label} did not describe its export limits (${isConnectorError(error) ? error.kind : 'error'}); assumed ${limits.maxImageWidth} × ${limits.maxImageHeight}.`);
    }
  }
  const plan = planNaipExports(request.box, request.groundMetresPerPixel, limits);
  const fetched: { part: (typeof plan.parts)[number]; result: NaipExport }[] = [];
  let latencyMs = 0;
  for (const [index, part] of plan.parts.entries()) {
    const result = await session.export({ box: part.grid.box, width: part.grid.width, height: part.grid.height, format: 'png' });
    latencyMs += result.latencyMs;
    fetched.push({ part, result });
    request.onPart?.({ index, total: plan.parts.length, part: result });
  }
  const images = fetched.filter((entry) => entry.result.kind === 'image');
  if (images.length === 0) {
    const message = fetched[0]?.result.kind === 'miss' ? fetched[0].result.message : `${session.label} sent no imagery for this area.`;
    return { kind: 'miss', message, grid: plan.grid, latencyMs, parts: plan.parts.length, requests: session.requests, warnings };
  }
  let noDataPixels = 0;
  for (const { part, result } of fetched) {
    noDataPixels += part.grid.width * part.grid.height * (result.kind === 'image' ? result.noDataShare : 1);
  }
  const bytes = await stitch(plan.grid, images.map(({ part, result }) => ({ input: (result as { bytes: Buffer }).bytes, left: part.left, top: part.top })));

  let capturedAt: string | null = null;
  if (request.captureDate ?? true) {
    try {
      capturedAt = await session.captureDate(request.box);
    } catch (error) {
      if (isConnectorError(error) && error.kind === 'cancelled') throw error;
      warnings.push(`The capture date is unknown: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {
    kind: 'image',
    bytes,
    mime: 'image/png',
    grid: plan.grid,
    latencyMs,
    noDataShare: noDataPixels / (plan.grid.width * plan.grid.height),
    parts: plan.parts.length,
    requests: session.requests,
    capturedAt,
    warnings,
  };
}

async function stitch(grid: ImageGrid, parts: { input: Buffer; left: number; top: number }[]): Promise<Buffer> {
  if (parts.length === 1 && parts[0]!.left === 0 && parts[0]!.top === 0) {
    const only = sharp(parts[0]!.input);
    const meta = await only.metadata();
    if (meta.width === grid.width && meta.height === grid.height) return only.removeAlpha().png().toBuffer();
  }
  return sharp({ create: { width: grid.width, height: grid.height, channels: 3, background: { r: 0, g: 0, b: 0 } }, limitInputPixels: false })
    .composite(parts)
    .removeAlpha()
    .png()
    .toBuffer();
}

/** Forget the service limits read so far (tests, or after Settings → Data sources changes the address). */
export function forgetNaipServiceInfo(): void {
  limitsCache.clear();
}
