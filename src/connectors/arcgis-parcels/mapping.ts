import type { LatLng, Polygon } from '../../core/domain/geo';
import { propertyObservationSchema, type PostalAddress, type PropertyObservation } from '../../core/domain/records';
import type { CountyConfig } from './counties';

/**
 * One parcel's attributes, read through its county's field mapping (counties.ts), into the
 * domain's PropertyObservation. Counties write "unknown" in many ways — blank padding, 0 for a
 * year or a value, integer ZIPs that lost their leading zero — and all of them become null here,
 * never a made-up fact.
 *
 * Note: the parcel outline is not a building footprint, so `footprint` stays null and the
 * outline travels beside the observation (ParcelRecord.boundary) for matching buildings to lots.
 */

export const ARCGIS_SOURCE_ID = 'arcgis-parcels';

export interface ParcelRecord {
  observation: PropertyObservation;
  boundary: Polygon | null;
  objectId: number | null;
}

export interface ParcelRejection {
  /** Position of the feature in its page. */
  index: number;
  objectId: number | null;
  reason: string;
}

export interface MappingContext {
  county: CountyConfig;
  /** ISO time the answer was received. */
  observedAt: string;
}

type Attributes = Record<string, unknown>;

/** Reads attributes by field name: exact first, then case-insensitively (f=geojson and hand edits vary). */
export function attributeReader(attributes: Attributes): (name: string) => unknown {
  let folded: Map<string, unknown> | null = null;
  return (name) => {
    if (Object.hasOwn(attributes, name)) return attributes[name];
    folded ??= new Map(Object.entries(attributes).map(([key, value]) => [key.toUpperCase(), value]));
    return folded.get(name.toUpperCase());
  };
}

/** Trimmed text with runs of spaces collapsed; blank, or longer than `max`, is null. */
export function cleanText(value: unknown, max: number): string | null {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return null;
  text = text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length === 0 || text.length > max ? null : text;
}

export function cleanNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.replace(/[$,\s]/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Whole dollars; 0 or less is "not assessed", above $10 billion a typo. */
export function wholeDollars(value: unknown): number | null {
  const n = cleanNumber(value);
  if (n === null || n <= 0 || n > 10_000_000_000) return null;
  return Math.round(n);
}

export function buildYear(value: unknown, observedAt: string): number | null {
  const n = cleanNumber(value);
  if (n === null || !Number.isInteger(n)) return null;
  const latest = Number(observedAt.slice(0, 4)) + 1;
  return n >= 1600 && n <= Math.min(2100, Number.isFinite(latest) ? latest : 2100) ? n : null;
}

/** The first 5-digit group ("MI49327", "55016-1234", 2134 → "02134"). */
export function postcodeFrom(value: unknown): string | null {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value > 0 && value < 100_000 ? String(value).padStart(5, '0') : null;
  }
  const text = cleanText(value, 40);
  if (!text) return null;
  const match = /(?:^|\D)(\d{5})(?:-(\d{4}))?(?!\d)/.exec(text);
  if (!match) return null;
  return match[2] ? `${match[1]}-${match[2]}` : match[1]!;
}

/** "7710 IVERSON AVE S, CITY OF COTTAGE GROVE" → house number and street (the part before the first comma). */
export function splitSiteAddress(value: unknown): { houseNumber: string | null; street: string | null } {
  const text = cleanText(value, 300);
  if (!text) return { houseNumber: null, street: null };
  const line = text.split(',')[0]!.trim();
  const match = /^(\d+[A-Z]?(?:[-/]\d+[A-Z]?)?)\s+(.+)$/i.exec(line);
  if (!match) return { houseNumber: null, street: cleanText(line, 200) };
  return { houseNumber: cleanText(match[1], 40), street: cleanText(match[2], 200) };
}

function addressTokens(line: string): string[] {
  return line
    .toUpperCase()
    .replace(/[.,#]/g, ' ')
    .split(/\s+/)
    .filter((token) => token.length > 0)
    .sort();
}

/**
 * Owner-occupied when the owner's mailing line names the site (same tokens in any order:
 * "7710 S IVERSON AVE" = "7710 IVERSON AVE S"). A P.O. box says nothing either way.
 */
export function mailingMatchesSite(mailing: unknown, site: { houseNumber: string | null; street: string | null }): boolean | null {
  const line = cleanText(mailing, 300);
  if (!line || !site.houseNumber || !site.street) return null;
  if (/\bP\.?\s*O\.?\s*BOX\b|\bPOB\b/i.test(line)) return null;
  const owner = addressTokens(line);
  const parcel = addressTokens(`${site.houseNumber} ${site.street}`);
  return owner.length === parcel.length && owner.every((token, i) => token === parcel[i]);
}

export type MappedParcel = { ok: true; record: ParcelRecord } | { ok: false; reason: string };

export function mapParcel(
  attributes: Attributes,
  shape: { boundary: Polygon | null; location: LatLng | null },
  objectId: number | null,
  ctx: MappingContext,
): MappedParcel {
  const { county, observedAt } = ctx;
  const fields = county.fields;
  const read = attributeReader(attributes);

  let site: { houseNumber: string | null; street: string | null };
  const fromParts = {
    houseNumber: fields.houseNumber ? cleanText(read(fields.houseNumber), 40) : null,
    street: fields.street ? cleanText((Array.isArray(fields.street) ? fields.street : [fields.street]).map((name) => cleanText(read(name), 200) ?? '').join(' '), 200) : null,
  };
  if (fromParts.street || !fields.siteAddress) site = fromParts;
  else site = splitSiteAddress(read(fields.siteAddress));

  const stateText = fields.state ? cleanText(read(fields.state), 40)?.toUpperCase() : undefined;
  const address: PostalAddress = {
    houseNumber: site.houseNumber,
    street: site.street,
    unit: fields.unit ? cleanText(read(fields.unit), 40) : null,
    city: fields.city ? cleanText(read(fields.city), 120) : null,
    state: stateText && /^[A-Z]{2}$/.test(stateText) ? stateText : county.state,
    postcode: fields.postcode ? postcodeFrom(read(fields.postcode)) : null,
  };

  const parcelId = cleanText(read(fields.parcelId), 100);
  if (!parcelId && !site.street) return { ok: false, reason: 'has neither a parcel id nor a site address (an unaddressed sliver or right-of-way)' };
  const ownId = parcelId ?? (objectId !== null ? `oid:${objectId}` : null);
  if (!ownId) return { ok: false, reason: 'has no parcel id and no object id, so it cannot be told apart from the others' };

  let ownerOccupied: boolean | null = null;
  if (fields.homestead) {
    const flag = cleanText(read(fields.homestead.field), 40)?.toUpperCase();
    if (flag) ownerOccupied = fields.homestead.ownerOccupiedValues.some((value) => value.toUpperCase() === flag);
  }
  if (ownerOccupied === null && fields.ownerMailingAddress) ownerOccupied = mailingMatchesSite(read(fields.ownerMailingAddress), site);

  const livingArea = fields.livingArea ? cleanNumber(read(fields.livingArea)) : null;
  const observation: PropertyObservation = {
    source: ARCGIS_SOURCE_ID,
    sourceRecordId: `${county.id}:${ownId}`,
    observedAt,
    address,
    location: shape.location,
    footprint: null,
    buildingType: null,
    levels: null,
    yearBuilt: fields.yearBuilt ? buildYear(read(fields.yearBuilt), observedAt) : null,
    roofMaterial: null,
    parcelId,
    landUse: fields.landUse ? cleanText(read(fields.landUse), 120) : null,
    assessedValueUsd: fields.assessedValue ? wholeDollars(read(fields.assessedValue)) : null,
    marketValueUsd: fields.marketValue ? wholeDollars(read(fields.marketValue)) : null,
    ownerOccupied,
    livingAreaSqft: livingArea !== null && livingArea > 0 && livingArea <= 1_000_000 ? Math.round(livingArea) : null,
    attribution: county.attribution ?? `Parcel data courtesy of ${county.label}`,
  };
  const checked = propertyObservationSchema.safeParse(observation);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { ok: false, reason: `field ${issue.path.join('.') || '(record)'} is not usable: ${issue.message}` };
  }
  return { ok: true, record: { observation: checked.data, boundary: shape.boundary, objectId } };
}
