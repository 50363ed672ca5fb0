import { z } from 'zod';
import { keyOfNormalised, normaliseAddress } from '../address';
import { buildingPermitSchema, type BuildingPermit } from '../domain/records';
import { newId } from '../ids';
import { nowIso, statement, writeTransaction, type Db } from './database';
import { parseInput, parseRow } from './errors';
import { payloadHash } from './payload-hash';
import { findPropertyFor } from './property-matching';
import { refreshRoofPermitDate } from './properties';

/**
 * Building permits (Socrata portals, imports): a local cache of public records, each linked to the
 * property it is for — by address key, else by the same matching rules as properties (a location
 * on the roof or within 15 m). A permit that arrives before its property waits with its address
 * key and is linked when the property appears (properties.ts). A linked roofing permit sets the
 * property's last_roof_permit_at when it is the latest.
 *
 *   upsertPermits(db, permits)                 → { inserted, updated, unchanged, linked }
 *   permitsForProperty(db, propertyId)         → newest first
 */

export interface PermitCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Permits (new or changed) now linked to a property. */
  linked: number;
}

const permitRowSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    source_record_id: z.string(),
    permit_number: z.string().nullable(),
    issued_at: z.string().nullable(),
    description: z.string().nullable(),
    work_class: z.string().nullable(),
    is_roofing: z.union([z.literal(0), z.literal(1)]),
    valuation_usd: z.number().int().nullable(),
    address_key: z.string().nullable(),
    lat: z.number().nullable(),
    lng: z.number().nullable(),
    property_id: z.string().nullable(),
  })
  .transform((row) => ({
    id: row.id,
    source: row.source,
    sourceRecordId: row.source_record_id,
    permitNumber: row.permit_number,
    issuedAt: row.issued_at,
    description: row.description,
    workClass: row.work_class,
    isRoofing: row.is_roofing === 1,
    valuationUsd: row.valuation_usd,
    addressKey: row.address_key,
    location: row.lat === null || row.lng === null ? null : { lat: row.lat, lng: row.lng },
    propertyId: row.property_id,
  }));
export type StoredPermit = z.output<typeof permitRowSchema>;

function permitHash(permit: BuildingPermit): string {
  const { source: _source, sourceRecordId: _id, ...facts } = permit;
  return payloadHash(facts);
}

export function upsertPermits(db: Db, permits: readonly BuildingPermit[]): PermitCounts {
  const valid = permits.map((permit) => parseInput(buildingPermitSchema, permit, 'building permit'));
  const held = statement(db, 'SELECT payload_hash FROM building_permits WHERE source = ? AND source_record_id = ?').pluck();
  const write = statement(
    db,
    `INSERT INTO building_permits (id, source, source_record_id, permit_number, issued_at, description, work_class, is_roofing,
       valuation_usd, house_number, street, unit, city, state, postcode, address_key, lat, lng, property_id, payload_hash, created_at, updated_at)
     VALUES (@id, @source, @sourceRecordId, @permitNumber, @issuedAt, @description, @workClass, @isRoofing,
       @valuationUsd, @houseNumber, @street, @unit, @city, @state, @postcode, @addressKey, @lat, @lng, @propertyId, @hash, @now, @now)
     ON CONFLICT (source, source_record_id) DO UPDATE SET
       permit_number = excluded.permit_number, issued_at = excluded.issued_at, description = excluded.description,
       work_class = excluded.work_class, is_roofing = excluded.is_roofing, valuation_usd = excluded.valuation_usd,
       house_number = excluded.house_number, street = excluded.street, unit = excluded.unit, city = excluded.city,
       state = excluded.state, postcode = excluded.postcode, address_key = excluded.address_key, lat = excluded.lat,
       lng = excluded.lng, property_id = coalesce(excluded.property_id, building_permits.property_id),
       payload_hash = excluded.payload_hash, updated_at = excluded.updated_at`,
  );
  return writeTransaction(db, () => {
    const counts: PermitCounts = { inserted: 0, updated: 0, unchanged: 0, linked: 0 };
    const touched = new Set<string>();
    const now = nowIso();
    for (const permit of valid) {
      const hash = permitHash(permit);
      const previous: unknown = held.get(permit.source, permit.sourceRecordId);
      if (previous === hash) {
        counts.unchanged += 1;
        continue;
      }
      const address = normaliseAddress(permit.address);
      const property = findPropertyFor(db, { address, location: permit.location });
      write.run({
        ...address,
        id: newId(),
        source: permit.source,
        sourceRecordId: permit.sourceRecordId,
        permitNumber: permit.permitNumber,
        // Note: stored as UTC ISO text so that the latest permit is simply the greatest string.
        issuedAt: permit.issuedAt === null ? null : new Date(permit.issuedAt).toISOString(),
        description: permit.description,
        workClass: permit.workClass,
        isRoofing: permit.isRoofing ? 1 : 0,
        valuationUsd: permit.valuationUsd,
        addressKey: keyOfNormalised(address),
        lat: permit.location?.lat ?? null,
        lng: permit.location?.lng ?? null,
        propertyId: property?.id ?? null,
        hash,
        now,
      });
      if (previous === undefined) counts.inserted += 1;
      else counts.updated += 1;
      if (property) {
        counts.linked += 1;
        if (permit.isRoofing) touched.add(property.id);
      }
    }
    for (const propertyId of touched) refreshRoofPermitDate(db, propertyId);
    return counts;
  });
}

export function permitsForProperty(db: Db, propertyId: string): StoredPermit[] {
  return statement(db, 'SELECT * FROM building_permits WHERE property_id = ? ORDER BY issued_at DESC, id')
    .all(propertyId)
    .map((row) => parseRow(permitRowSchema, row, 'building permit'));
}
