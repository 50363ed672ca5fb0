import type { LatLng, Polygon } from '../../core/domain/geo';
import type { PostalAddress, PropertyObservation } from '../../core/domain/records';
import { normalisePostcode, normaliseState } from '../../core/address/normalise';

/**
 * One OSM building (a way or a multipolygon relation) as a PropertyObservation: the address from
 * the addr:* tags, the building facts a roofer cares about from building=*, building:levels,
 * roof:material and start_date, and the ODbL attribution that must travel with it.
 */

/** What the ODbL asks us to show wherever OSM-derived data is shown. */
export const OSM_ATTRIBUTION = '© OpenStreetMap contributors, ODbL 1.0';

export type OsmTags = Readonly<Record<string, string>>;

export interface OsmBuildingShape {
  /** 'way/123' or 'relation/456', the form openstreetmap.org uses in its own links. */
  sourceRecordId: string;
  tags: OsmTags;
  footprint: Polygon;
  centroid: LatLng;
}

/** Is this element tagged as a building (building=no and building=entrance are not)? */
export function isBuildingTagged(tags: OsmTags | null): boolean {
  const value = tags?.['building']?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'no' && value !== 'entrance';
}

/** Trimmed text within the record's length limit; anything empty or longer is not usable. */
function tagText(tags: OsmTags, key: string, max: number): string | null {
  const value = tags[key]?.trim();
  return value !== undefined && value.length > 0 && value.length <= max ? value : null;
}

/** A plain year ("1925") from start_date or building:year; "1920s", "~1925" or "before 1950" are not facts. */
export function plainYear(text: string | undefined): number | null {
  const value = text?.trim();
  if (value === undefined || !/^\d{4}$/.test(value)) return null;
  const year = Number(value);
  return year >= 1600 && year <= 2100 ? year : null;
}

/** building:levels "2" or "2.5"; "2;3" or "-1" are not a count of storeys. */
export function levelCount(text: string | undefined): number | null {
  const value = text?.trim();
  if (value === undefined || !/^\d{1,3}(\.\d+)?$/.test(value)) return null;
  const levels = Number(value);
  return levels <= 200 ? levels : null;
}

export function postalAddressFromTags(tags: OsmTags): PostalAddress {
  return {
    houseNumber: tagText(tags, 'addr:housenumber', 40),
    street: tagText(tags, 'addr:street', 200),
    unit: tagText(tags, 'addr:unit', 40),
    city: tagText(tags, 'addr:city', 120),
    // USPS codes and five-digit ZIPs, the one way the app writes them (core/address).
    state: normaliseState(tags['addr:state']),
    postcode: normalisePostcode(tags['addr:postcode']),
  };
}

export function hasHouseNumber(tags: OsmTags): boolean {
  return tagText(tags, 'addr:housenumber', 40) !== null;
}

export function buildingObservation(shape: OsmBuildingShape, context: { source: string; observedAt: string }): PropertyObservation {
  const { tags } = shape;
  return {
    source: context.source,
    sourceRecordId: shape.sourceRecordId,
    observedAt: context.observedAt,
    address: postalAddressFromTags(tags),
    location: shape.centroid,
    footprint: shape.footprint,
    buildingType: tagText(tags, 'building', 80),
    levels: levelCount(tags['building:levels']),
    yearBuilt: plainYear(tags['start_date']) ?? plainYear(tags['building:year']),
    roofMaterial: tagText(tags, 'roof:material', 80),
    parcelId: null,
    landUse: null,
    assessedValueUsd: null,
    marketValueUsd: null,
    ownerOccupied: null,
    livingAreaSqft: null,
    attribution: OSM_ATTRIBUTION,
  };
}
