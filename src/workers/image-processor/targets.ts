import type { BBox } from '../../core/domain/geo';
import type { RoofTarget } from '../../core/imagery/types';
import { statement, type Db } from '../../core/store/database';
import { getProperty, propertiesInBBox, type Property } from '../../core/store/property-rows';

/**
 * The properties imagery works on, as RoofTargets: located ones only (a property with no position
 * cannot be imaged), with the outer ring of the footprint where one is known.
 */

export function roofTargetOf(property: Property): RoofTarget | null {
  if (!property.location) return null;
  const ring = property.footprint?.coordinates[0] ?? null;
  return { propertyId: property.id, lat: property.location.lat, lng: property.location.lng, footprint: ring && ring.length >= 4 ? ring : null };
}

export function roofTargetById(db: Db, propertyId: string): RoofTarget | null {
  const property = getProperty(db, propertyId);
  return property ? roofTargetOf(property) : null;
}

/**
 * Located properties in the box still needing a roof image: none yet, one older than the cache
 * lifetime, or only a synthetic one (real imagery may be had now).
 */
export function roofTargetsNeedingImages(db: Db, bbox: BBox, options: { freshSince: string }): RoofTarget[] {
  const fresh = new Set(
    statement(db, `SELECT property_id FROM roof_images WHERE updated_at >= ? AND step_kind <> 'fallback'`)
      .pluck()
      .all(options.freshSince) as string[],
  );
  const [west, south, east, north] = bbox;
  return propertiesInBBox(db, bbox)
    .filter((property) => property.location && property.location.lat >= south && property.location.lat <= north && property.location.lng >= west && property.location.lng <= east)
    .filter((property) => !fresh.has(property.id))
    .map(roofTargetOf)
    .filter((target): target is RoofTarget => target !== null);
}
