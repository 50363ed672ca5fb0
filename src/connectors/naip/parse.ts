import { z } from 'zod';
import { ConnectorError, type ConnectorErrorKind } from '../../core/http/errors';
import { DEFAULT_NAIP_LIMITS, type NaipExportLimits } from './plan';

/**
 * Readers of the NAIP ImageServer's JSON answers (ArcGIS REST): the service info (`?f=json`), the
 * exportImage f=json result, catalogue queries for the capture date, and the error object ArcGIS
 * sends with HTTP 200 — `{"error":{"code":400,"message":"…","details":["…"]}}`.
 */

export const NAIP_SOURCE_ID = 'naip';

const arcgisErrorSchema = z.object({
  error: z.object({
    code: z.coerce.number().optional(),
    message: z.string().optional(),
    details: z.array(z.unknown()).optional(),
  }),
});

export interface ArcgisError {
  code: number | null;
  message: string;
  details: string[];
}

/** The ArcGIS error object in an answer, or null when it is not one. */
export function arcgisErrorOf(body: unknown): ArcgisError | null {
  const parsed = arcgisErrorSchema.safeParse(body);
  if (!parsed.success) return null;
  const { code, message, details } = parsed.data.error;
  return {
    code: code === undefined || !Number.isFinite(code) ? null : code,
    message: message?.trim() || 'no message',
    details: (details ?? []).filter((detail): detail is string => typeof detail === 'string' && detail.trim().length > 0),
  };
}

/** The ConnectorError for an ArcGIS error object: its code decides the kind. */
export function arcgisFailure(error: ArcgisError, label: string, doing: string): ConnectorError {
  const code = error.code;
  const said = [error.message, ...error.details].join(' — ').slice(0, 300);
  let kind: ConnectorErrorKind = 'http-status';
  let advice = 'Check the source\'s address in Settings → Data sources; if it is right, the service\'s interface may have changed.';
  if (code === 498 || code === 499 || code === 401 || code === 403) {
    kind = 'refused-by-source';
    advice = 'The service asks for a token it never needed before; check its address in Settings → Data sources.';
  } else if (code !== null && code >= 500) {
    kind = 'server-error';
    advice = 'The problem is on the service\'s side; try again later.';
  } else if (/exceed|size limit|too large/i.test(said)) {
    advice = 'The export was larger than the service allows; Fish Mouth reads the limit from the service, so it may have just lowered it — try again.';
  }
  return new ConnectorError({ kind, source: NAIP_SOURCE_ID, message: `${label} refused ${doing}: "${said}" (ArcGIS code ${code ?? 'none'}). ${advice}`, status: 200 });
}

const serviceInfoSchema = z
  .object({
    name: z.string().optional(),
    maxImageWidth: z.coerce.number().optional(),
    maxImageHeight: z.coerce.number().optional(),
    pixelSizeX: z.coerce.number().optional(),
  })
  .passthrough();

export interface NaipServiceInfo extends NaipExportLimits {
  name: string | null;
  /** The service's native cell size in its own units, when it says. */
  pixelSize: number | null;
}

export function parseNaipServiceInfo(body: unknown, label: string): NaipServiceInfo {
  const error = arcgisErrorOf(body);
  if (error) throw arcgisFailure(error, label, 'to describe itself');
  const parsed = serviceInfoSchema.safeParse(body);
  if (!parsed.success || body === null || typeof body !== 'object') {
    throw new ConnectorError({ kind: 'malformed-body', source: NAIP_SOURCE_ID, message: `${label} described itself in a form Fish Mouth cannot read; check its address in Settings → Data sources points at the ImageServer.`, status: 200 });
  }
  const limit = (value: number | undefined, fallback: number) => (value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback);
  return {
    name: parsed.data.name ?? null,
    maxImageWidth: limit(parsed.data.maxImageWidth, DEFAULT_NAIP_LIMITS.maxImageWidth),
    maxImageHeight: limit(parsed.data.maxImageHeight, DEFAULT_NAIP_LIMITS.maxImageHeight),
    pixelSize: parsed.data.pixelSizeX !== undefined && Number.isFinite(parsed.data.pixelSizeX) ? parsed.data.pixelSizeX : null,
  };
}

const querySchema = z.object({ features: z.array(z.object({ attributes: z.record(z.string(), z.unknown()) })) });

/** Field names the NAIP catalogue has used for the acquisition date (epoch ms or text). */
const DATE_FIELDS = ['acquisition_date', 'AcquisitionDate', 'acquisitionDate', 'AcqDate', 'SrcImgDate'];

/**
 * The latest acquisition date (YYYY-MM-DD) among the catalogue records a query returned, or null
 * when none carries one. Falls back to the record's Year (as YYYY-01-01 would claim a day it does
 * not know, it gives `YYYY` alone).
 */
export function parseCaptureDate(body: unknown, label: string): string | null {
  const error = arcgisErrorOf(body);
  if (error) throw arcgisFailure(error, label, 'the catalogue query');
  const parsed = querySchema.safeParse(body);
  if (!parsed.success) {
    throw new ConnectorError({ kind: 'malformed-body', source: NAIP_SOURCE_ID, message: `${label} answered the catalogue query in a form Fish Mouth cannot read (no features list).`, status: 200 });
  }
  let best: string | null = null;
  for (const { attributes } of parsed.data.features) {
    const date = dateOf(attributes);
    if (date && (best === null || date > best)) best = date;
  }
  return best;
}

function dateOf(attributes: Record<string, unknown>): string | null {
  for (const field of DATE_FIELDS) {
    const value = attributes[field];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return new Date(value).toISOString().slice(0, 10);
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
    if (typeof value === 'string' && /^\d{8}$/.test(value)) return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  }
  const year = Number(attributes.Year ?? attributes.year);
  return Number.isInteger(year) && year > 1990 && year < 2200 ? String(year) : null;
}

const exportJsonSchema = z.object({
  href: z.string().min(1),
  width: z.coerce.number(),
  height: z.coerce.number(),
  extent: z.object({ xmin: z.number(), ymin: z.number(), xmax: z.number(), ymax: z.number() }).passthrough(),
});

/** exportImage with f=json: where the server put the image, and what it covers. */
export function parseExportJson(body: unknown, label: string): { href: string; width: number; height: number; extent: [number, number, number, number] } {
  const error = arcgisErrorOf(body);
  if (error) throw arcgisFailure(error, label, 'the image export');
  const parsed = exportJsonSchema.safeParse(body);
  if (!parsed.success) throw new ConnectorError({ kind: 'malformed-body', source: NAIP_SOURCE_ID, message: `${label} answered the export without an image address (href).`, status: 200 });
  const { href, width, height, extent } = parsed.data;
  return { href, width, height, extent: [extent.xmin, extent.ymin, extent.xmax, extent.ymax] };
}
