import type { CriticalField } from '../../core/contracts/enrichment-contract';
import type { Db } from '../../core/store/database';
import { getCensusArea } from '../../core/store/census-areas';
import { computeCompleteness, missingCriticalFields, type CompletenessFacts } from '../../core/store/property-merge';
import type { Property } from '../../core/store/property-rows';

/**
 * A property's critical facts as the store's completeness rule sees them (one rule, in
 * core/store/property-merge.ts), with its census area's income looked up once per tract.
 */

export function factsOf(db: Db, property: Property, incomeKnown: Map<string, boolean> = new Map()): CompletenessFacts {
  let censusIncomeKnown = false;
  if (property.censusGeoid) {
    if (!incomeKnown.has(property.censusGeoid)) incomeKnown.set(property.censusGeoid, getCensusArea(db, property.censusGeoid)?.medianHouseholdIncomeUsd != null);
    censusIncomeKnown = incomeKnown.get(property.censusGeoid)!;
  }
  return {
    addressKey: property.addressKey,
    location: property.location,
    yearBuilt: property.yearBuilt,
    roofInstalledYear: property.roofInstalledYear,
    lastRoofPermitAt: property.lastRoofPermitAt,
    assessedValueUsd: property.assessedValueUsd,
    marketValueUsd: property.marketValueUsd,
    ownerOccupied: property.ownerOccupied,
    censusIncomeKnown,
  };
}

export function missingOf(facts: CompletenessFacts): CriticalField[] {
  return missingCriticalFields(facts);
}

export function completenessOf(facts: CompletenessFacts): number {
  return computeCompleteness(facts);
}
