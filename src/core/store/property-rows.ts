import { z } from 'zod';
import { polygonSchema, type BBox } from '../domain/geo';
import { hlcSchema } from '../hlc';
import { statement, type Db } from './database';
import { parseRow } from './errors';
import { jsonText } from './json-column';
import type { SyncedTable } from './synced';

/**
 * The `properties` table as domain rows, and the read-side queries (the writes are in
 * properties.ts). A property is one building with one roof, merged from every source that
 * described it.
 *
 *   getProperty(db, id, { includeDeleted? })         → Property | null
 *   findPropertyByAddressKey(db, key)                 → Property | null (live ones)
 *   propertiesInBBox(db, bbox, { limit? })            → live properties whose footprint or point meets the box
 *   propertiesInTerritory(db, territoryId, { limit?, offset? }) → by address
 *   countProperties(db, { territoryId? })             → number
 *   propertySources(db, propertyId)                   → every source record it came from
 */

export const propertyRowSchema = z
  .object({
    rid: z.number().int(),
    id: z.string().uuid(),
    address_key: z.string().nullable(),
    house_number: z.string().nullable(),
    street: z.string().nullable(),
    unit: z.string().nullable(),
    city: z.string().nullable(),
    state: z.string().nullable(),
    postcode: z.string().nullable(),
    lat: z.number().nullable(),
    lng: z.number().nullable(),
    footprint: jsonText(polygonSchema).nullable(),
    territory_id: z.string().nullable(),
    building_type: z.string().nullable(),
    levels: z.number().nullable(),
    year_built: z.number().int().nullable(),
    year_built_source: z.string().nullable(),
    roof_material: z.string().nullable(),
    roof_installed_year: z.number().int().nullable(),
    last_roof_permit_at: z.string().nullable(),
    parcel_id: z.string().nullable(),
    land_use: z.string().nullable(),
    assessed_value_usd: z.number().int().nullable(),
    market_value_usd: z.number().int().nullable(),
    owner_occupied: z.union([z.literal(0), z.literal(1)]).nullable(),
    living_area_sqft: z.number().int().nullable(),
    census_geoid: z.string().nullable(),
    completeness: z.number().min(0).max(1),
    field_sources: jsonText(z.record(z.string(), z.string())),
    created_at: z.string(),
    updated_at: z.string(),
    hlc: hlcSchema,
    device_id: z.string().min(1),
    deleted: z.union([z.literal(0), z.literal(1)]),
  })
  .transform((row) => ({
    id: row.id,
    addressKey: row.address_key,
    address: { houseNumber: row.house_number, street: row.street, unit: row.unit, city: row.city, state: row.state, postcode: row.postcode },
    location: row.lat === null || row.lng === null ? null : { lat: row.lat, lng: row.lng },
    footprint: row.footprint,
    territoryId: row.territory_id,
    buildingType: row.building_type,
    levels: row.levels,
    yearBuilt: row.year_built,
    yearBuiltSource: row.year_built_source,
    roofMaterial: row.roof_material,
    roofInstalledYear: row.roof_installed_year,
    lastRoofPermitAt: row.last_roof_permit_at,
    parcelId: row.parcel_id,
    landUse: row.land_use,
    assessedValueUsd: row.assessed_value_usd,
    marketValueUsd: row.market_value_usd,
    ownerOccupied: row.owner_occupied === null ? null : row.owner_occupied === 1,
    livingAreaSqft: row.living_area_sqft,
    censusGeoid: row.census_geoid,
    completeness: row.completeness,
    fieldSources: row.field_sources,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    hlc: row.hlc,
    deviceId: row.device_id,
    deleted: row.deleted === 1,
  }));
export type Property = z.output<typeof propertyRowSchema>;

export const propertiesTable: SyncedTable<Property> = {
  name: 'properties',
  columns: [
    'address_key',
    'house_number',
    'street',
    'unit',
    'city',
    'state',
    'postcode',
    'lat',
    'lng',
    'footprint',
    'territory_id',
    'building_type',
    'levels',
    'year_built',
    'year_built_source',
    'roof_material',
    'roof_installed_year',
    'last_roof_permit_at',
    'parcel_id',
    'land_use',
    'assessed_value_usd',
    'market_value_usd',
    'owner_occupied',
    'living_area_sqft',
    'census_geoid',
    'completeness',
    'field_sources',
    'created_at',
  ],
  kind: 'editable',
  rowSchema: propertyRowSchema,
  label: 'property',
};

export function getProperty(db: Db, id: string, options: { includeDeleted?: boolean } = {}): Property | null {
  const row = statement(db, 'SELECT * FROM properties WHERE id = ?').get(id);
  if (row === undefined) return null;
  const property = parseRow(propertyRowSchema, row, 'property');
  return property.deleted && !options.includeDeleted ? null : property;
}

export function findPropertyByAddressKey(db: Db, key: string): Property | null {
  const row = statement(db, 'SELECT * FROM properties WHERE address_key = ? AND deleted = 0').get(key);
  return row === undefined ? null : parseRow(propertyRowSchema, row, 'property');
}

/** Live properties whose footprint (or point) meets the box, through the R*Tree. */
export function propertiesInBBox(db: Db, bbox: BBox, options: { limit?: number } = {}): Property[] {
  const [west, south, east, north] = bbox;
  return statement(
    db,
    `SELECT p.* FROM properties_rtree r JOIN properties p ON p.rid = r.rid
     WHERE r.min_lng <= ? AND r.max_lng >= ? AND r.min_lat <= ? AND r.max_lat >= ? AND p.deleted = 0
     ORDER BY p.rid LIMIT ?`,
  )
    .all(east, west, north, south, options.limit ?? -1)
    .map((row) => parseRow(propertyRowSchema, row, 'property'));
}

export function propertiesInTerritory(db: Db, territoryId: string, options: { limit?: number; offset?: number } = {}): Property[] {
  return statement(
    db,
    `SELECT * FROM properties WHERE territory_id = ? AND deleted = 0
     ORDER BY street, CAST(house_number AS INTEGER), house_number, rid LIMIT ? OFFSET ?`,
  )
    .all(territoryId, options.limit ?? -1, options.offset ?? 0)
    .map((row) => parseRow(propertyRowSchema, row, 'property'));
}

export function countProperties(db: Db, filter: { territoryId?: string } = {}): number {
  return Number(
    statement(db, 'SELECT count(*) FROM properties WHERE deleted = 0 AND (? IS NULL OR territory_id = ?)')
      .pluck()
      .get(filter.territoryId ?? null, filter.territoryId ?? null),
  );
}

const propertySourceRowSchema = z
  .object({
    source: z.string(),
    source_record_id: z.string(),
    property_id: z.string(),
    first_seen_at: z.string(),
    last_seen_at: z.string(),
    payload_hash: z.string(),
    attribution: z.string().nullable(),
  })
  .transform((row) => ({
    source: row.source,
    sourceRecordId: row.source_record_id,
    propertyId: row.property_id,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    payloadHash: row.payload_hash,
    attribution: row.attribution,
  }));
export type PropertySource = z.output<typeof propertySourceRowSchema>;

export function propertySources(db: Db, propertyId: string): PropertySource[] {
  return statement(db, 'SELECT * FROM property_sources WHERE property_id = ? ORDER BY first_seen_at, source, source_record_id')
    .all(propertyId)
    .map((row) => parseRow(propertySourceRowSchema, row, 'property source'));
}

export function getPropertySource(db: Db, source: string, sourceRecordId: string): PropertySource | null {
  const row = statement(db, 'SELECT * FROM property_sources WHERE source = ? AND source_record_id = ?').get(source, sourceRecordId);
  return row === undefined ? null : parseRow(propertySourceRowSchema, row, 'property source');
}
