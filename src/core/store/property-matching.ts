import {
  SAME_PLACE_METERS,
  addressesConflict,
  distanceMeters,
  keyOfNormalised,
  localitiesCompatible,
  metersToDegrees,
  normaliseAddress,
  pointInPolygon,
} from '../address';
import type { LatLng } from '../domain/geo';
import type { PostalAddress } from '../domain/records';
import { statement, type Db } from './database';
import { parseRow } from './errors';
import { propertyRowSchema, type Property } from './property-rows';

/**
 * Which stored property an observation describes: the rules of core/address/match.ts, in order —
 * the address key, then the same house number and street in a compatible locality (exactly one),
 * then the spatial fallback (on the roof, or within 15 m of its point, no conflicting address; two
 * keyed addresses never merge by distance; another record of the same source is never the same
 * building). The first rule, the same source record, is the caller's (properties.ts).
 *
 *   findMatchingProperty(db, query) → Property | null   (a deleted property matched by key is returned)
 *   findPropertyFor(db, { address, location }) → the live property, for permits
 */

export interface MatchQuery {
  address: PostalAddress;
  key: string | null;
  location: LatLng | null;
  /** The observation's source: another record of the same source is never the same building. */
  source: string | null;
}

/** The live property an address and/or location describes, by the matching rules (permits use it). */
export function findPropertyFor(db: Db, where: { address: PostalAddress; location: LatLng | null }): Property | null {
  const address = normaliseAddress(where.address);
  const found = findMatchingProperty(db, { address, key: keyOfNormalised(address), location: where.location, source: null });
  return found && !found.deleted ? found : null;
}

/** A deleted property matched by key is returned: it stays deleted. */
export function findMatchingProperty(db: Db, query: MatchQuery): Property | null {
  if (query.key !== null) {
    const byKey = statement(db, 'SELECT * FROM properties WHERE address_key = ?').get(query.key);
    if (byKey !== undefined) return parseRow(propertyRowSchema, byKey, 'property');
    const streetKey = query.key.slice(0, query.key.indexOf('|') + 1);
    const sameStreet = statement(db, 'SELECT * FROM properties WHERE address_key >= ? AND address_key < ? AND deleted = 0')
      .all(streetKey, `${streetKey.slice(0, -1)}}`)
      .map((row) => parseRow(propertyRowSchema, row, 'property'))
      .filter((candidate) => localitiesCompatible(query.address, candidate.address as PostalAddress));
    if (sameStreet.length === 1) return sameStreet[0]!;
  }
  return query.location ? nearbyProperty(db, query, query.location) : null;
}

function nearbyProperty(db: Db, query: MatchQuery, point: LatLng): Property | null {
  const span = metersToDegrees(SAME_PLACE_METERS, point.lat);
  const candidates = statement(
    db,
    `SELECT p.* FROM properties_rtree r JOIN properties p ON p.rid = r.rid
     WHERE r.min_lng <= ? AND r.max_lng >= ? AND r.min_lat <= ? AND r.max_lat >= ? AND p.deleted = 0
       AND (? IS NULL OR NOT EXISTS (SELECT 1 FROM property_sources s WHERE s.property_id = p.id AND s.source = ?))`,
  )
    .all(point.lng + span.lng, point.lng - span.lng, point.lat + span.lat, point.lat - span.lat, query.source, query.source)
    .map((row) => parseRow(propertyRowSchema, row, 'property'));
  let best: { property: Property; inside: boolean; meters: number } | null = null;
  for (const candidate of candidates) {
    // Two keyed addresses never merge by distance alone (a row of townhouses is closer than 15 m).
    if (query.key !== null && candidate.addressKey !== null) continue;
    if (addressesConflict(query.address, candidate.address as PostalAddress)) continue;
    const inside = candidate.footprint !== null && pointInPolygon(point, candidate.footprint);
    const meters = candidate.location ? distanceMeters(point, candidate.location) : Number.POSITIVE_INFINITY;
    if (!inside && meters > SAME_PLACE_METERS) continue;
    if (!best || (inside && !best.inside) || (inside === best.inside && meters < best.meters)) best = { property: candidate, inside, meters };
  }
  return best?.property ?? null;
}

