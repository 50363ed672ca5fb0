import { looksLikeHtml, parseJsonText } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';
import { pointSchema, type LatLng } from '../../core/domain/geo';
import { buildingPermitSchema, type BuildingPermit, type PostalAddress } from '../../core/domain/records';
import { cleanNumber, cleanText, postcodeFrom, splitSiteAddress, wholeDollars } from '../arcgis-parcels/mapping';
import { floatingToUtc } from './floating-time';
import { DEFAULT_CERTAIN_ROOFING_PATTERN, type PortalConfig } from './portals';

/**
 * Socrata SODA answers → typed values (PURE).
 *
 *   parseSodaRows(body, label)           → rows: SODA's JSON array of objects, every value a string
 *                                          (numbers too), or a Location/Point object; null columns
 *                                          are simply absent. Error bodies become ConnectorErrors.
 *   socrataRefusal(status, body, label)  → the ConnectorError for a 4xx JSON error body
 *   permitsFromRows(rows, ctx)           → { permits, rejected } through the portal's mapping
 *   isRoofingPermit(portal, workClass, description) → the roofing verdict, explained in portals.ts
 */

export const SOCRATA_SOURCE_ID = 'socrata-permits';

export type SodaValue = string | number | boolean | null | Record<string, unknown> | unknown[];
export type SodaRow = Record<string, SodaValue>;

export interface PermitRejection {
  index: number;
  reason: string;
}

export interface PermitRows {
  permits: BuildingPermit[];
  rejected: PermitRejection[];
}

function malformed(label: string, detail: string): ConnectorError {
  return new ConnectorError({
    kind: 'malformed-body',
    source: SOCRATA_SOURCE_ID,
    message: `${label} sent an answer that is not a list of SODA rows (${detail}). Check the portal address and dataset id in Settings → Data sources, or try again later.`,
  });
}

/**
 * Socrata's error bodies: SODA 2.0 `{"code":"query.soql.no-such-column","error":true,"message":…}`,
 * 2.1 `{"errorCode":…,"message":…}`, and the bare `{"message":…,"error":true}` of a 403.
 */
export function socrataRefusal(status: number | null, body: unknown, label: string): ConnectorError {
  const object = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const said = typeof object.message === 'string' ? object.message.trim().slice(0, 300) : '';
  const code = typeof object.code === 'string' ? object.code : typeof object.errorCode === 'string' ? object.errorCode : null;
  const quoted = `"${said || 'no reason given'}"${code ? ` (${code})` : ''}`;
  if (status === 401 || status === 403 || /logged in|permission|forbidden|app_token|app token/i.test(`${said} ${code ?? ''}`)) {
    return new ConnectorError({
      kind: 'refused-by-source',
      source: SOCRATA_SOURCE_ID,
      ...(status === null ? {} : { status }),
      message: `${label} refused access: ${quoted}. The dataset may be private or moved, or the portal refused the app token: check the Socrata app token in Settings → API keys and the dataset id in Settings → Data sources.`,
    });
  }
  if (status === 429) {
    return new ConnectorError({ kind: 'rate-limited', source: SOCRATA_SOURCE_ID, status, message: `${label} is throttling us: ${quoted}. A Socrata app token (Settings → API keys) raises the limit.` });
  }
  const soql = code !== null && /query|soql/i.test(code);
  return new ConnectorError({
    kind: soql ? 'refused-by-source' : 'http-status',
    source: SOCRATA_SOURCE_ID,
    ...(status === null ? {} : { status }),
    message: soql
      ? `${label} could not run the permit query: ${quoted}. A column named in the portal's field mapping or roofing filter may not exist in this dataset; fix it in Settings → Data sources.`
      : `${label} refused the request: ${quoted}. Check the portal address and dataset id in Settings → Data sources.`,
  });
}

export function parseSodaRows(body: unknown, label: string): SodaRow[] {
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');
    if (looksLikeHtml(text)) throw new ConnectorError({ kind: 'html-error-page', source: SOCRATA_SOURCE_ID, message: `${label} sent a web page instead of rows; the portal may be down or the dataset moved. Try again later or check Settings → Data sources.` });
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      throw parsed.truncated
        ? new ConnectorError({ kind: 'truncated', source: SOCRATA_SOURCE_ID, message: `${label}'s answer stops part-way (${parsed.detail}); the connection may have dropped. Try again.` })
        : malformed(label, `not JSON: ${parsed.detail}`);
    }
    value = parsed.value;
  }
  if (!Array.isArray(value)) {
    if (value && typeof value === 'object' && ('error' in value || 'message' in value || 'errorCode' in value)) throw socrataRefusal(null, value, label);
    throw malformed(label, 'expected a JSON array of rows');
  }
  value.forEach((row, index) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw malformed(label, `row ${index + 1} is not an object`);
  });
  return value as SodaRow[];
}

/** A Location ({latitude, longitude}) or Point ({type: 'Point', coordinates: [lng, lat]}) column. */
export function pointFrom(value: SodaValue | undefined): LatLng | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const object = value as Record<string, unknown>;
  let lat: number | null = null;
  let lng: number | null = null;
  if (Array.isArray(object.coordinates) && object.coordinates.length >= 2) {
    lng = cleanNumber(object.coordinates[0]);
    lat = cleanNumber(object.coordinates[1]);
  } else {
    lat = cleanNumber(object.latitude);
    lng = cleanNumber(object.longitude);
  }
  // 0,0 is how a Location column says "no position".
  if (lat === null || lng === null || (lat === 0 && lng === 0)) return null;
  const point = { lat, lng };
  return pointSchema.safeParse(point).success ? point : null;
}

const patterns = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let compiled = patterns.get(source);
  if (!compiled) {
    compiled = new RegExp(source, 'i');
    patterns.set(source, compiled);
  }
  return compiled;
}

export function isRoofingPermit(portal: PortalConfig, workClass: string | null, description: string | null): boolean {
  const rule = portal.roofing;
  if (workClass && rule.workClassValues.some((value) => value.toUpperCase() === workClass.toUpperCase())) return true;
  if (!description) return false;
  if (regex(DEFAULT_CERTAIN_ROOFING_PATTERN).test(description)) return true;
  return regex(rule.descriptionPattern).test(description) && !regex(rule.notRoofingPattern).test(description);
}

export interface PermitContext {
  portal: PortalConfig;
}

function joined(row: SodaRow, columns: string | string[] | undefined, max: number): string | null {
  if (columns === undefined) return null;
  const parts = (Array.isArray(columns) ? columns : [columns]).map((name) => cleanText(row[name], max)).filter((part): part is string => part !== null);
  return parts.length === 0 ? null : cleanText(parts.join(Array.isArray(columns) && columns.length > 1 ? ' ' : ''), max);
}

function descriptionOf(row: SodaRow, columns: string | string[]): string | null {
  const parts = (Array.isArray(columns) ? columns : [columns]).map((name) => cleanText(row[name], 4000)).filter((part): part is string => part !== null);
  return parts.length === 0 ? null : cleanText(parts.join(' — '), 4000);
}

export function permitsFromRows(rows: readonly SodaRow[], ctx: PermitContext): PermitRows {
  const { portal } = ctx;
  const f = portal.fields;
  const permits: BuildingPermit[] = [];
  const rejected: PermitRejection[] = [];
  rows.forEach((row, index) => {
    const permitNumber = cleanText(row[f.permitNumber], 100);
    const rowId = cleanText(row[':id'], 200);
    const ownId = permitNumber ?? (rowId ? `row:${rowId}` : null);
    if (!ownId) {
      rejected.push({ index, reason: `has no permit number (${f.permitNumber}) and no row id` });
      return;
    }
    const issuedText = cleanText(row[f.issuedAt], 40);
    const issuedAt = issuedText ? floatingToUtc(issuedText, portal.timeZone) : null;
    const site = f.address ? splitSiteAddress(row[f.address]) : { houseNumber: cleanText(row[f.houseNumber!], 40), street: joined(row, f.street, 200) };
    const stateText = f.state ? cleanText(row[f.state], 40)?.toUpperCase() : undefined;
    const address: PostalAddress = {
      houseNumber: site.houseNumber,
      street: site.street,
      unit: null,
      city: f.city ? cleanText(row[f.city], 120) : null,
      state: stateText && /^[A-Z]{2}$/.test(stateText) ? stateText : portal.state,
      postcode: f.postcode ? postcodeFrom(row[f.postcode]) : null,
    };
    let location = f.location ? pointFrom(row[f.location]) : null;
    if (!location && f.latitude && f.longitude) {
      const lat = cleanNumber(row[f.latitude]);
      const lng = cleanNumber(row[f.longitude]);
      if (lat !== null && lng !== null && !(lat === 0 && lng === 0) && pointSchema.safeParse({ lat, lng }).success) location = { lat, lng };
    }
    const description = descriptionOf(row, f.description);
    const workClass = f.workClass ? cleanText(row[f.workClass], 200) : null;
    const permit: BuildingPermit = {
      source: SOCRATA_SOURCE_ID,
      sourceRecordId: `${portal.id}:${ownId}`,
      permitNumber,
      issuedAt,
      description,
      workClass,
      isRoofing: isRoofingPermit(portal, workClass, description),
      valuationUsd: f.valuation ? wholeDollars(row[f.valuation]) : null,
      address,
      location,
    };
    if (!address.street && !location) {
      rejected.push({ index, reason: `permit ${ownId} has neither a street address nor a location, so it cannot be matched to a property` });
      return;
    }
    const checked = buildingPermitSchema.safeParse(permit);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      rejected.push({ index, reason: `permit ${ownId}: field ${issue.path.join('.') || '(record)'} is not usable: ${issue.message}` });
      return;
    }
    permits.push(checked.data);
  });
  return { permits, rejected };
}
