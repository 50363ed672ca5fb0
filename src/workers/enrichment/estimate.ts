import type { PropertyObservation } from '../../core/domain/records';
import type { Db } from '../../core/store/database';
import { statement } from '../../core/store/database';
import { getCensusArea } from '../../core/store/census-areas';
import type { Property } from '../../core/store/property-rows';
import { upsertPropertyObservation } from '../../core/store/properties';

/**
 * The local estimate of a home's value where no source gave one: the census tract's median home
 * value (ACS, owner-occupied homes), scaled by the home's living area against the tract's typical
 * living area (the median of the properties in that tract whose area is known), with the ratio
 * kept between 0.6 and 1.8 so that one odd record cannot make an absurd figure; without a living
 * area, the tract median itself. Rounded to $1,000.
 *
 * It is stored as a property observation of the source LOCAL_ESTIMATE_SOURCE, which ranks below
 * every real source (core/store/property-merge.ts): a parcel or a paid record that arrives later
 * replaces it, and the property's provenance says "local-estimate" — shown as low confidence.
 */

export const LOCAL_ESTIMATE_SOURCE = 'local-estimate';
const MIN_RATIO = 0.6;
const MAX_RATIO = 1.8;
const TYPICAL_AREA_FALLBACK_SQFT = 2_000;

export interface ValueEstimate {
  valueUsd: number;
  /** How it was worked out, for the record and the UI. */
  basis: 'tract-median-scaled-by-area' | 'tract-median';
}

export function estimateValue(db: Db, property: Property, typicalAreas: TypicalAreas): ValueEstimate | null {
  if (!property.censusGeoid) return null;
  const area = getCensusArea(db, property.censusGeoid);
  const median = area?.medianHomeValueUsd ?? null;
  if (median === null || median <= 0) return null;
  if (property.livingAreaSqft === null || property.livingAreaSqft <= 0) return { valueUsd: roundThousand(median), basis: 'tract-median' };
  const typical = typicalAreas.of(db, property.censusGeoid) ?? TYPICAL_AREA_FALLBACK_SQFT;
  const ratio = Math.min(MAX_RATIO, Math.max(MIN_RATIO, property.livingAreaSqft / typical));
  return { valueUsd: roundThousand(median * ratio), basis: 'tract-median-scaled-by-area' };
}

/** Saves the estimate as a low-ranked observation of the property (idempotent: same estimate, no change). */
export function saveValueEstimate(db: Db, property: Property, estimate: ValueEstimate): void {
  const observation: PropertyObservation = {
    source: LOCAL_ESTIMATE_SOURCE,
    sourceRecordId: `${property.id}:market-value`,
    observedAt: new Date().toISOString(),
    address: { houseNumber: null, street: null, unit: null, city: null, state: null, postcode: null },
    location: null,
    footprint: null,
    buildingType: null,
    levels: null,
    yearBuilt: null,
    roofMaterial: null,
    parcelId: null,
    landUse: null,
    assessedValueUsd: null,
    marketValueUsd: estimate.valueUsd,
    ownerOccupied: null,
    livingAreaSqft: null,
    attribution: `Estimated by Fish Mouth from US Census Bureau ACS tract figures (${estimate.basis === 'tract-median' ? 'tract median value' : 'tract median value scaled by living area'}); low confidence`,
  };
  upsertPropertyObservation(db, observation, { propertyId: property.id });
}

/**
 * The median living area of each tract's properties, worked out for every tract in one pass and
 * kept for a while: medians of hundreds of homes hardly move while a scan adds a few more.
 */
export class TypicalAreas {
  private medians = new Map<string, number>();
  private readAt = 0;

  constructor(private readonly maxAgeMs = 60_000) {}

  of(db: Db, geoid: string): number | null {
    if (!this.medians.has(geoid) && Date.now() - this.readAt > this.maxAgeMs) this.read(db);
    return this.medians.get(geoid) ?? null;
  }

  private read(db: Db): void {
    const rows = statement(
      db,
      'SELECT census_geoid AS geoid, living_area_sqft AS area FROM properties WHERE census_geoid IS NOT NULL AND living_area_sqft > 0 AND deleted = 0 ORDER BY census_geoid, living_area_sqft',
    ).all() as Array<{ geoid: string; area: number }>;
    const medians = new Map<string, number>();
    for (let start = 0; start < rows.length; ) {
      let end = start;
      while (end < rows.length && rows[end]!.geoid === rows[start]!.geoid) end += 1;
      medians.set(rows[start]!.geoid, rows[start + ((end - start) >> 1)]!.area);
      start = end;
    }
    this.medians = medians;
    this.readAt = Date.now();
  }
}

function roundThousand(value: number): number {
  return Math.max(1_000, Math.round(value / 1_000) * 1_000);
}
