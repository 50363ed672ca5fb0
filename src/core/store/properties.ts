import { SAME_PLACE_METERS, distanceMeters, keyOfNormalised, metersToDegrees, normaliseAddress, pointInPolygon, polygonCentroid } from '../address';
import type { LatLng, Polygon } from '../domain/geo';
import { propertyObservationSchema, type PostalAddress, type PropertyObservation } from '../domain/records';
import { nowIso, statement, writeTransaction, type Db } from './database';
import { StoreError, parseInput, parseRow } from './errors';
import { computeCompleteness, mergeFields, sourceRank, type FieldValues, type MergedField } from './property-merge';
import { findMatchingProperty } from './property-matching';
import { payloadHash } from './payload-hash';
import { getProperty, getPropertySource, propertiesTable, propertyRowSchema, type Property } from './property-rows';
import { writeSynced, type ColumnValue } from './synced';

/**
 * Writing properties: every source's observation goes through `upsertPropertyObservation`, which
 * finds the property it describes (same source record → same address key → same street number
 * and street in a compatible locality → spatial fallback; rules in core/address/match.ts), merges
 * its facts by source precedence (property-merge.ts), records the source record in
 * property_sources, and writes the synced row (with its outbox entry) only when something changed.
 *
 *   upsertPropertyObservation(db, obs, { territoryId?, propertyId? }) → UpsertPropertyResult
 *   setPropertyCensusArea(db, propertyId, geoid, source)              → Property
 *   refreshPropertyCompleteness(db, propertyId)                       → Property
 *   refreshRoofPermitDate(db, propertyId)                             → did it change?
 *
 * Idempotent: the same source record with the same payload (observedAt aside) changes nothing
 * and writes no outbox row. A property deleted by a user stays deleted when a source sees it again.
 */

export interface UpsertPropertyOptions {
  /** Claim the property for this territory if it has none yet (a property keeps its first territory). */
  territoryId?: string | null;
  /** Attach the observation to this property without matching (targeted enrichment knows it). */
  propertyId?: string;
}

export interface UpsertPropertyResult {
  propertyId: string;
  /**
   * created: a new property · updated: facts changed · linked: a new source record of a known
   * property that taught nothing new · unchanged: seen before with the same payload · deleted:
   * the property was deleted on this device and stays so.
   */
  outcome: 'created' | 'updated' | 'linked' | 'unchanged' | 'deleted';
  created: boolean;
  /** Domain fields whose value changed ('territoryId' included when it was claimed). */
  updatedFields: string[];
}

const COLUMN_OF: Record<Exclude<MergedField, 'location'>, string> = {
  houseNumber: 'house_number',
  street: 'street',
  unit: 'unit',
  city: 'city',
  state: 'state',
  postcode: 'postcode',
  footprint: 'footprint',
  buildingType: 'building_type',
  levels: 'levels',
  yearBuilt: 'year_built',
  roofMaterial: 'roof_material',
  roofInstalledYear: 'roof_installed_year',
  parcelId: 'parcel_id',
  landUse: 'land_use',
  assessedValueUsd: 'assessed_value_usd',
  marketValueUsd: 'market_value_usd',
  ownerOccupied: 'owner_occupied',
  livingAreaSqft: 'living_area_sqft',
};
const ADDRESS_FIELDS = ['houseNumber', 'street', 'unit', 'city', 'state', 'postcode'] as const;

export function upsertPropertyObservation(db: Db, observation: PropertyObservation, options: UpsertPropertyOptions = {}): UpsertPropertyResult {
  const obs = parseInput(propertyObservationSchema, observation, 'property observation');
  const hash = observationHash(obs);
  const address = normaliseAddress(obs.address);
  const key = keyOfNormalised(address);
  const location = obs.location ?? (obs.footprint ? polygonCentroid(obs.footprint) : null);

  return writeTransaction(db, () => {
    const link = getPropertySource(db, obs.source, obs.sourceRecordId);
    let property: Property | null = null;
    if (options.propertyId !== undefined) {
      property = getProperty(db, options.propertyId, { includeDeleted: true });
      if (!property) throw new StoreError('not-found', `There is no property ${options.propertyId} to attach ${obs.source} data to; it may have been deleted.`);
    } else if (link) {
      property = getProperty(db, link.propertyId, { includeDeleted: true });
    }
    const claimsTerritory = Boolean(options.territoryId) && property !== null && property.territoryId === null && !property.deleted;
    if (link && property && link.propertyId === property.id && link.payloadHash === hash && !claimsTerritory) {
      statement(db, 'UPDATE property_sources SET last_seen_at = ? WHERE source = ? AND source_record_id = ?').run(nowIso(), obs.source, obs.sourceRecordId);
      return { propertyId: property.id, outcome: property.deleted ? 'deleted' : 'unchanged', created: false, updatedFields: [] };
    }
    property ??= findMatchingProperty(db, { address, key, location, source: obs.source });
    if (property?.deleted) {
      saveSourceLink(db, obs, property.id, hash);
      return { propertyId: property.id, outcome: 'deleted', created: false, updatedFields: [] };
    }
    if (!property && key === null && location === null) {
      throw new StoreError(
        'invalid-input',
        'This record has neither a full address (house number, street, and a ZIP or a city with its state) nor a location, so it cannot be placed on the map.',
      );
    }

    const incoming = observedFields(obs, address, location);
    const ownRecord = link !== null && property !== null && link.propertyId === property.id;
    const result = property ? mergeIntoProperty(db, property, incoming, obs.source, { ...options, ownRecord }) : createProperty(db, incoming, obs.source, key, options);
    saveSourceLink(db, obs, result.propertyId, hash);
    if (result.created || result.newKey) linkWaitingPermits(db, result.propertyId);
    const outcome = result.created ? 'created' : result.updatedFields.length > 0 ? 'updated' : link ? 'unchanged' : 'linked';
    return { propertyId: result.propertyId, outcome, created: result.created, updatedFields: result.updatedFields };
  });
}

/** The observation's facts under the merge's field names (location from the footprint if need be). */
function observedFields(obs: PropertyObservation, address: PostalAddress, location: LatLng | null): FieldValues {
  return {
    ...address,
    location,
    footprint: obs.footprint,
    buildingType: obs.buildingType,
    levels: obs.levels,
    yearBuilt: obs.yearBuilt,
    roofMaterial: obs.roofMaterial,
    roofInstalledYear: obs.roofInstalledYear ?? null,
    parcelId: obs.parcelId,
    landUse: obs.landUse,
    assessedValueUsd: obs.assessedValueUsd,
    marketValueUsd: obs.marketValueUsd,
    ownerOccupied: obs.ownerOccupied,
    livingAreaSqft: obs.livingAreaSqft,
  };
}

function currentFields(property: Property): FieldValues {
  return {
    ...property.address,
    location: property.location,
    footprint: property.footprint,
    buildingType: property.buildingType,
    levels: property.levels,
    yearBuilt: property.yearBuilt,
    roofMaterial: property.roofMaterial,
    roofInstalledYear: property.roofInstalledYear,
    parcelId: property.parcelId,
    landUse: property.landUse,
    assessedValueUsd: property.assessedValueUsd,
    marketValueUsd: property.marketValueUsd,
    ownerOccupied: property.ownerOccupied,
    livingAreaSqft: property.livingAreaSqft,
  };
}

/** Column values for merged fields (location → lat/lng; year_built_source follows year_built). */
function columnsFor(values: FieldValues, fieldSources: Record<string, string>): Record<string, ColumnValue> {
  const columns: Record<string, ColumnValue> = {};
  for (const [field, value] of Object.entries(values) as [MergedField, unknown][]) {
    if (field === 'location') {
      const point = value as LatLng;
      columns.lat = point.lat;
      columns.lng = point.lng;
    } else {
      columns[COLUMN_OF[field]] = value as ColumnValue;
    }
  }
  if ('yearBuilt' in values) columns.year_built_source = fieldSources.yearBuilt ?? null;
  return columns;
}

interface WriteResult {
  propertyId: string;
  created: boolean;
  updatedFields: string[];
  /** The address key the property gained by this write, if any. */
  newKey: string | null;
}

function createProperty(db: Db, incoming: FieldValues, source: string, key: string | null, options: UpsertPropertyOptions): WriteResult {
  const merged = mergeFields({}, {}, incoming, source);
  const row = writeSynced(db, propertiesTable, 'insert', {
    ...columnsFor(merged.values, merged.fieldSources),
    address_key: key,
    territory_id: options.territoryId ?? null,
    field_sources: merged.fieldSources,
    completeness: completenessOf(db, { ...emptyFacts(), ...merged.values, addressKey: key, censusGeoid: null }),
    created_at: nowIso(),
  });
  return { propertyId: row.id, created: true, updatedFields: merged.changed, newKey: key };
}

function mergeIntoProperty(db: Db, property: Property, observed: FieldValues, source: string, options: UpsertPropertyOptions & { ownRecord: boolean }): WriteResult {
  const incoming = withoutSmallerOutline(db, property, observed, source, options.ownRecord);
  const merged = mergeFields(currentFields(property), property.fieldSources, incoming, source);
  let newKey: string | null = null;
  const changedAddress = merged.changed.some((field) => (ADDRESS_FIELDS as readonly string[]).includes(field));
  if (changedAddress) {
    const next = { ...property.address } as PostalAddress;
    for (const field of ADDRESS_FIELDS) if (field in merged.values) next[field] = merged.values[field] as string;
    const key = keyOfNormalised(next);
    if (key !== null && key !== property.addressKey) {
      const holder = statement(db, 'SELECT id FROM properties WHERE address_key = ? AND id != ?').pluck().get(key, property.id);
      if (holder === undefined) newKey = key;
      else dropAddressChanges(merged, property); // another property already holds that address: keep ours
    }
  }
  const columns = columnsFor(merged.values, merged.fieldSources);
  if ((merged.fieldSources.yearBuilt ?? null) !== property.yearBuiltSource) columns.year_built_source = merged.fieldSources.yearBuilt ?? null;
  const updatedFields: string[] = [...merged.changed];
  if (newKey !== null) columns.address_key = newKey;
  if (options.territoryId && property.territoryId === null) {
    columns.territory_id = options.territoryId;
    updatedFields.push('territoryId');
  }
  const completeness = completenessOf(db, { ...currentFields(property), ...merged.values, addressKey: newKey ?? property.addressKey, lastRoofPermitAt: property.lastRoofPermitAt, censusGeoid: property.censusGeoid });
  if (completeness !== property.completeness) columns.completeness = completeness;
  const provenanceChanged = JSON.stringify(merged.fieldSources) !== JSON.stringify(property.fieldSources);
  if (Object.keys(columns).length > 0 || provenanceChanged) {
    writeSynced(db, propertiesTable, 'update', { id: property.id, ...columns, field_sources: merged.fieldSources });
  }
  return { propertyId: property.id, created: false, updatedFields, newKey };
}

/**
 * Two outlines of equal rank for one address (a house and its garage, both tagged with the
 * address): the larger is the house and keeps the property; the smaller one's outline, point,
 * type, storeys and roof are not taken. A better-ranked source still replaces the outline whatever its size.
 */
function withoutSmallerOutline(db: Db, property: Property, incoming: FieldValues, source: string, ownRecord: boolean): FieldValues {
  const outline = incoming.footprint as Polygon | null | undefined;
  const heldSource = property.fieldSources.footprint;
  if (!outline || !property.footprint || heldSource === undefined) return incoming;
  // The one record of this source on the property is correcting its own outline.
  const records = statement(db, 'SELECT count(*) FROM property_sources WHERE property_id = ? AND source = ?').pluck().get(property.id, source) as number;
  if (records <= 1 && heldSource === source && ownRecord) return incoming;
  if (sourceRank('footprint', source) !== sourceRank('footprint', heldSource)) return incoming;
  if (outlineArea(outline) >= outlineArea(property.footprint)) return incoming;
  // The smaller building's own facts (its type, storeys, roof) describe the garage, not the house.
  const { footprint: _footprint, location: _location, buildingType: _type, levels: _levels, roofMaterial: _roof, ...rest } = incoming;
  return rest;
}

function outlineArea(polygon: Polygon): number {
  const ring = polygon.coordinates[0]!;
  let twice = 0;
  for (let i = 0; i < ring.length - 1; i++) twice += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return Math.abs(twice / 2);
}

function dropAddressChanges(merged: ReturnType<typeof mergeFields>, property: Property): void {
  for (const field of ADDRESS_FIELDS) {
    delete merged.values[field];
    if (property.fieldSources[field] === undefined) delete merged.fieldSources[field];
    else merged.fieldSources[field] = property.fieldSources[field]!;
  }
  merged.changed = merged.changed.filter((field) => !(ADDRESS_FIELDS as readonly string[]).includes(field));
}

interface FactsForCompleteness extends FieldValues {
  addressKey: string | null;
  lastRoofPermitAt?: string | null;
  censusGeoid: string | null;
}

function emptyFacts(): FieldValues {
  return { location: null, yearBuilt: null, roofInstalledYear: null, assessedValueUsd: null, marketValueUsd: null, ownerOccupied: null };
}

function completenessOf(db: Db, facts: FactsForCompleteness): number {
  return computeCompleteness({
    addressKey: facts.addressKey,
    location: facts.location ?? null,
    yearBuilt: (facts.yearBuilt as number | null | undefined) ?? null,
    roofInstalledYear: (facts.roofInstalledYear as number | null | undefined) ?? null,
    lastRoofPermitAt: facts.lastRoofPermitAt ?? null,
    assessedValueUsd: (facts.assessedValueUsd as number | null | undefined) ?? null,
    marketValueUsd: (facts.marketValueUsd as number | null | undefined) ?? null,
    ownerOccupied: (facts.ownerOccupied as boolean | null | undefined) ?? null,
    censusIncomeKnown: facts.censusGeoid !== null && censusIncomeKnown(db, facts.censusGeoid),
  });
}

function censusIncomeKnown(db: Db, geoid: string): boolean {
  const income = statement(db, "SELECT json_extract(figures, '$.medianHouseholdIncomeUsd') FROM census_areas WHERE geoid = ?").pluck().get(geoid);
  return typeof income === 'number';
}

function saveSourceLink(db: Db, obs: PropertyObservation, propertyId: string, hash: string): void {
  const now = nowIso();
  statement(
    db,
    `INSERT INTO property_sources (source, source_record_id, property_id, first_seen_at, last_seen_at, payload_hash, attribution)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (source, source_record_id) DO UPDATE SET
       property_id = excluded.property_id, last_seen_at = excluded.last_seen_at,
       payload_hash = excluded.payload_hash, attribution = excluded.attribution`,
  ).run(obs.source, obs.sourceRecordId, propertyId, now, now, hash, obs.attribution);
}

/** The observation's facts without observedAt, so re-fetching the same facts hashes the same. */
export function observationHash(obs: PropertyObservation): string {
  const { observedAt: _observedAt, ...facts } = obs;
  return payloadHash(facts);
}

/**
 * Attaches permits that arrived before their property: those with its address key, and those
 * with no address key but a location on its roof or within 15 m. Carries their roofing date over.
 */
function linkWaitingPermits(db: Db, propertyId: string): void {
  const property = getProperty(db, propertyId);
  if (!property) return;
  const now = nowIso();
  let linked = 0;
  if (property.addressKey !== null) {
    linked += statement(db, 'UPDATE building_permits SET property_id = ?, updated_at = ? WHERE address_key = ? AND property_id IS NULL').run(propertyId, now, property.addressKey).changes;
  }
  if (property.location !== null) {
    const span = metersToDegrees(SAME_PLACE_METERS * 2, property.location.lat);
    const nearby = statement(
      db,
      `SELECT id, lat, lng FROM building_permits
       WHERE property_id IS NULL AND address_key IS NULL AND lat BETWEEN ? AND ? AND lng BETWEEN ? AND ?`,
    ).all(property.location.lat - span.lat, property.location.lat + span.lat, property.location.lng - span.lng, property.location.lng + span.lng) as {
      id: string;
      lat: number;
      lng: number;
    }[];
    const link = statement(db, 'UPDATE building_permits SET property_id = ?, updated_at = ? WHERE id = ?');
    for (const permit of nearby) {
      const onRoof = property.footprint !== null && pointInPolygon(permit, property.footprint);
      if (onRoof || distanceMeters(permit, property.location) <= SAME_PLACE_METERS) linked += link.run(propertyId, now, permit.id).changes;
    }
  }
  if (linked > 0) refreshRoofPermitDate(db, propertyId);
}

/** Sets last_roof_permit_at to the latest roofing permit linked to the property, if later. */
export function refreshRoofPermitDate(db: Db, propertyId: string): boolean {
  return writeTransaction(db, () => {
    const latest = statement(
      db,
      `SELECT issued_at, source FROM building_permits WHERE property_id = ? AND is_roofing = 1 AND issued_at IS NOT NULL ORDER BY issued_at DESC LIMIT 1`,
    ).get(propertyId) as { issued_at: string; source: string } | undefined;
    const property = getProperty(db, propertyId);
    if (!latest || !property) return false;
    if (property.lastRoofPermitAt !== null && property.lastRoofPermitAt >= latest.issued_at) return false;
    const completeness = completenessOf(db, { ...currentFields(property), addressKey: property.addressKey, lastRoofPermitAt: latest.issued_at, censusGeoid: property.censusGeoid });
    writeSynced(db, propertiesTable, 'update', {
      id: propertyId,
      last_roof_permit_at: latest.issued_at,
      field_sources: { ...property.fieldSources, lastRoofPermitAt: latest.source },
      completeness,
    });
    return true;
  });
}

/** Links the property to its census area (tract, block group…) and updates its completeness. */
export function setPropertyCensusArea(db: Db, propertyId: string, geoid: string, source: string): Property {
  return writeTransaction(db, () => {
    const property = getProperty(db, propertyId);
    if (!property) throw new StoreError('not-found', `There is no property ${propertyId}; it may have been deleted.`);
    if (property.censusGeoid === geoid) return refreshPropertyCompleteness(db, propertyId);
    const completeness = completenessOf(db, { ...currentFields(property), addressKey: property.addressKey, lastRoofPermitAt: property.lastRoofPermitAt, censusGeoid: geoid });
    return writeSynced(db, propertiesTable, 'update', {
      id: propertyId,
      census_geoid: geoid,
      completeness,
      field_sources: { ...property.fieldSources, censusGeoid: source },
    });
  });
}

/** Recomputes completeness (e.g. after its census area's figures arrived); writes only on change. */
export function refreshPropertyCompleteness(db: Db, propertyId: string): Property {
  return writeTransaction(db, () => {
    const property = getProperty(db, propertyId);
    if (!property) throw new StoreError('not-found', `There is no property ${propertyId}; it may have been deleted.`);
    const completeness = completenessOf(db, { ...currentFields(property), addressKey: property.addressKey, lastRoofPermitAt: property.lastRoofPermitAt, censusGeoid: property.censusGeoid });
    return completeness === property.completeness ? property : writeSynced(db, propertiesTable, 'update', { id: propertyId, completeness });
  });
}
