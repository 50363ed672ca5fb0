import { z } from 'zod';
import { pointSchema, type LatLng } from '../../core/domain/geo';
import { propertyObservationSchema, type PropertyObservation } from '../../core/domain/records';
import { looksLikeHtml, parseJsonText } from '../../core/http/body';
import { ConnectorError } from '../../core/http/errors';
import { buildYear, cleanNumber, cleanText, postcodeFrom, splitSiteAddress, wholeDollars } from '../arcgis-parcels/mapping';

/**
 * A paid property-records answer → PropertyObservation (PURE). The format is ATTOM's Property
 * API (`/propertyapi/v1.0.0/property/detail`), following its public documentation as we know it:
 *
 *   { status: { code, msg, total },
 *     property: [{ identifier: { attomId }, address: { oneLine, line1, line2, postal1, locality, countrySubd },
 *                  location: { latitude, longitude },            (strings in ATTOM's answers)
 *                  summary: { yearbuilt, propclass, proptype, absenteeInd },
 *                  building: { summary: { levels }, construction: { roofcover }, size: { livingsize } },
 *                  assessment: { market: { mktttlvalue } },
 *                  owner: { absenteeownerstatus },                 ('O' owner-occupied, 'A' absentee)
 *                  buildingPermits: [{ effectiveDate, type, description }] }] }
 *
 * Roof age comes from the permit history (the latest roofing permit's year), as ATTOM's
 * building-permit data gives it; without one the roof's year stays unknown. No real answer was
 * available to check this against (no fixture exists): the emulator round trip is the format
 * check. Another vendor needs only a new parse.ts with the same output.
 *
 * Owner names (owner.owner1…) are never read.
 */

export const PROPERTY_RECORDS_SOURCE_ID = 'property-records';
export const DEFAULT_PROPERTY_RECORDS_ATTRIBUTION = 'Property data licensed from the property-records provider; not for redistribution';

export interface PropertyRecord {
  /** The vendor's own id (ATTOM's attomId). */
  recordId: string;
  matchedAddress: string | null;
  observation: PropertyObservation;
}

export type PropertyDetail = { kind: 'found'; records: PropertyRecord[] } | { kind: 'no-match'; message: string };

export interface PropertyDetailContext {
  observedAt: string;
  attribution?: string | null;
  label?: string;
}

const statusSchema = z.object({
  code: z.union([z.number(), z.string()]).optional(),
  msg: z.string().optional(),
  total: z.number().optional(),
});

function malformed(label: string, detail: string): ConnectorError {
  return new ConnectorError({
    kind: 'malformed-body',
    source: PROPERTY_RECORDS_SOURCE_ID,
    message: `${label} sent an answer that is not a property-detail answer (${detail}). Check its address in Settings → Data sources; if the vendor changed its format, report it.`,
  });
}

const objectOf = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** A no-result answer: status code 1 / "SuccessWithoutResult" / total 0. ATTOM sends it with HTTP 400. */
export function isNoResult(status: { code?: number | string; msg?: string; total?: number }): boolean {
  return Number(status.code) === 1 || /withoutresult/i.test(status.msg ?? '') || (Number(status.code) === 0 && status.total === 0);
}

function roofYear(permits: unknown, observedAt: string): number | null {
  if (!Array.isArray(permits)) return null;
  let latest: number | null = null;
  for (const permit of permits) {
    const p = objectOf(permit);
    const what = `${cleanText(p.type, 200) ?? ''} ${cleanText(p.description, 2000) ?? ''}`;
    if (!/\broof|re-?roof|shingle/i.test(what)) continue;
    const date = cleanText(p.effectiveDate, 40);
    const year = date && /^\d{4}/.test(date) ? buildYear(Number(date.slice(0, 4)), observedAt) : null;
    if (year !== null && (latest === null || year > latest)) latest = year;
  }
  return latest;
}

function ownerOccupancy(owner: Record<string, unknown>, summary: Record<string, unknown>): boolean | null {
  const status = cleanText(owner.absenteeownerstatus, 20)?.toUpperCase();
  if (status === 'O') return true;
  if (status === 'A') return false;
  const indicator = cleanText(summary.absenteeInd, 80)?.toUpperCase();
  if (indicator?.startsWith('OWNER OCCUPIED')) return true;
  if (indicator?.startsWith('ABSENTEE')) return false;
  return null;
}

function locationOf(location: Record<string, unknown>): LatLng | null {
  const lat = cleanNumber(location.latitude);
  const lng = cleanNumber(location.longitude);
  if (lat === null || lng === null || (lat === 0 && lng === 0)) return null;
  return pointSchema.safeParse({ lat, lng }).success ? { lat, lng } : null;
}

function recordFrom(raw: unknown, index: number, ctx: PropertyDetailContext): PropertyRecord | string {
  const property = objectOf(raw);
  const identifier = objectOf(property.identifier);
  const recordId = cleanText(identifier.attomId ?? identifier.Id, 40);
  if (!recordId) return `property ${index + 1} has no identifier.attomId`;
  const address = objectOf(property.address);
  const summary = objectOf(property.summary);
  const building = objectOf(property.building);
  const site = splitSiteAddress(address.line1);
  const state = cleanText(address.countrySubd, 10)?.toUpperCase() ?? null;
  const levels = cleanNumber(objectOf(building.summary).levels);
  const living = cleanNumber(objectOf(building.size).livingsize);
  const observation: PropertyObservation = {
    source: PROPERTY_RECORDS_SOURCE_ID,
    sourceRecordId: recordId,
    observedAt: ctx.observedAt,
    address: {
      houseNumber: site.houseNumber,
      street: site.street,
      unit: null,
      city: cleanText(address.locality, 120),
      state: state && /^[A-Z]{2}$/.test(state) ? state : null,
      postcode: postcodeFrom(address.postal1),
    },
    location: locationOf(objectOf(property.location)),
    footprint: null,
    buildingType: cleanText(summary.proptype, 80),
    levels: levels !== null && levels >= 0 && levels <= 200 ? levels : null,
    yearBuilt: buildYear(summary.yearbuilt, ctx.observedAt),
    roofMaterial: cleanText(objectOf(building.construction).roofcover, 80),
    roofInstalledYear: roofYear(property.buildingPermits, ctx.observedAt),
    parcelId: cleanText(identifier.apn, 100),
    landUse: cleanText(summary.propclass, 120),
    assessedValueUsd: wholeDollars(objectOf(objectOf(property.assessment).assessed).assdttlvalue),
    marketValueUsd: wholeDollars(objectOf(objectOf(property.assessment).market).mktttlvalue),
    ownerOccupied: ownerOccupancy(objectOf(property.owner), summary),
    livingAreaSqft: living !== null && living > 0 && living <= 1_000_000 ? Math.round(living) : null,
    attribution: ctx.attribution === undefined ? DEFAULT_PROPERTY_RECORDS_ATTRIBUTION : ctx.attribution,
  };
  const checked = propertyObservationSchema.safeParse(observation);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return `property ${recordId}: field ${issue.path.join('.') || '(record)'} is not usable: ${issue.message}`;
  }
  return { recordId, matchedAddress: cleanText(address.oneLine, 500), observation: checked.data };
}

export function parsePropertyDetail(body: unknown, ctx: PropertyDetailContext): PropertyDetail {
  const label = ctx.label ?? 'Property records';
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');
    if (looksLikeHtml(text)) throw new ConnectorError({ kind: 'html-error-page', source: PROPERTY_RECORDS_SOURCE_ID, message: `${label} sent a web page instead of data; the service may be down. Try again later.` });
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      throw parsed.truncated
        ? new ConnectorError({ kind: 'truncated', source: PROPERTY_RECORDS_SOURCE_ID, message: `${label}'s answer stops part-way (${parsed.detail}); the connection may have dropped. Try again.` })
        : malformed(label, `not JSON: ${parsed.detail}`);
    }
    value = parsed.value;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw malformed(label, 'expected a JSON object');
  const object = value as Record<string, unknown>;
  const status = statusSchema.safeParse(object.status);
  if (!status.success || object.status === undefined) throw malformed(label, 'no "status" object');
  if (isNoResult(status.data)) return { kind: 'no-match', message: `${label} has no property at that address (${status.data.msg ?? 'no result'}).` };
  if (Number(status.data.code) !== 0) {
    throw new ConnectorError({
      kind: 'refused-by-source',
      source: PROPERTY_RECORDS_SOURCE_ID,
      message: `${label} refused the lookup: "${(status.data.msg ?? 'no reason given').slice(0, 200)}" (code ${String(status.data.code)}); check the address given and the API key in Settings → API keys.`,
    });
  }
  if (!Array.isArray(object.property)) throw malformed(label, 'a success status without a "property" list');
  if (object.property.length === 0) return { kind: 'no-match', message: `${label} found no property for that address.` };
  const records: PropertyRecord[] = [];
  const problems: string[] = [];
  object.property.forEach((raw, index) => {
    const record = recordFrom(raw, index, ctx);
    if (typeof record === 'string') problems.push(record);
    else records.push(record);
  });
  // A paid answer whose every property is unreadable must not pass as "nothing found".
  if (records.length === 0) throw malformed(label, problems[0] ?? 'no readable property');
  return { kind: 'found', records };
}
