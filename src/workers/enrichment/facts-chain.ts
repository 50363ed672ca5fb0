import type { CriticalField } from '../../core/contracts/enrichment-contract';
import { defaultBudgetGate, defineChain, hit, miss, stepError, type BudgetGate, type Chain, type ChainStep, type PaidStep } from '../../core/cost';
import type { PropertyRecordField as RecordField, PropertyRecordsNeed } from '../../connectors/property-records/step';
import type { PropertyObservation } from '../../core/domain/records';
import { statement, writeTransaction, type Db } from '../../core/store/database';
import { getProperty, type Property } from '../../core/store/property-rows';
import { upsertPropertyObservation } from '../../core/store/properties';
import { estimateValue, LOCAL_ESTIMATE_SOURCE, saveValueEstimate, type TypicalAreas } from './estimate';
import { factsOf, missingOf } from './facts';

/**
 * The free-first chain of one property's critical facts ("property-facts"):
 *
 *   cache     local-store         the facts already collected from free sources (and any record
 *                                 bought before): a hit when complete enough, or when a paid record
 *                                 is already on file (a resumed scan never buys it twice)
 *   paid      property-records    a targeted record lookup (the connector's own paid step: billed
 *                                 as the vendor bills), under a budget reservation, keeping ONLY
 *                                 the critical facts still missing
 *   fallback  local-estimate      the value estimated from census tract figures (low confidence)
 *
 * A good store hit carries the paid record's price as its list price in the ledger: that is the
 * "savings versus paying for everything" the spend report shows.
 *
 * Crash safety of the paid step: the answer is held in memory until the budget commit, and the
 * commit saves it in the SAME transaction as the ledger row (savingBudgetGate). Either both the
 * charge and the facts are on file — and the cache step finds them next time — or neither is and
 * the reservation expires by itself.
 */

export const FACTS_NEED = 'property-facts';
export const STORE_SOURCE = 'local-store';
export const PAID_SOURCE = 'property-records';

export interface FactsNeed {
  propertyId: string;
  /** The critical facts to fill (the paid step keeps only these). */
  missing: CriticalField[];
}

export interface FactsValue {
  completeness: number;
  /** Critical facts this resolution filled. */
  filled: CriticalField[];
  /** 'store': known already · 'bought-before': a record on file from an earlier call · 'paid' · 'estimate'. */
  from: 'store' | 'bought-before' | 'paid' | 'estimate';
}

/** The paid source's own chain step (connectors/property-records/step.ts): billing and errors as the vendor bills. */
export type PropertyRecordsStep = PaidStep<PropertyRecordsNeed, PropertyObservation>;

/** Critical facts a property record can supply (location and census income it cannot). */
export const RECORD_FILLABLE: readonly CriticalField[] = ['address', 'yearBuiltOrRoofAge', 'value', 'ownerOccupied'];

/** The paid record's fields that fill each critical fact (the address travels whole). */
const RECORD_FIELDS: Record<CriticalField, RecordField[]> = {
  address: [],
  location: [],
  yearBuiltOrRoofAge: ['yearBuilt', 'roofInstalledYear'],
  value: ['marketValueUsd'],
  ownerOccupied: ['ownerOccupied'],
  censusIncome: [],
};

export interface FactsChains {
  /** cache → paid → fallback */
  withPaid: Chain<FactsNeed, FactsValue>;
  /** cache → fallback (paid enrichment switched off for the scan) */
  freeOnly: Chain<FactsNeed, FactsValue>;
  /** Commits a paid call and saves its answer in one transaction. */
  budget: BudgetGate;
}

export function hasPaidRecord(db: Db, propertyId: string): boolean {
  return statement(db, 'SELECT 1 FROM property_sources WHERE property_id = ? AND source = ? LIMIT 1').get(propertyId, PAID_SOURCE) !== undefined;
}

export function createFactsChains(records: PropertyRecordsStep, typicalAreas: TypicalAreas): FactsChains {
  const pending = new Map<string, { propertyId: string; observation: PropertyObservation; missing: CriticalField[] }>();

  const cache: ChainStep<FactsNeed, FactsValue> = {
    kind: 'cache',
    source: STORE_SOURCE,
    lookup(need, ctx) {
      const property = getProperty(ctx.db, need.propertyId);
      if (!property) return stepError('not-found', `Property ${need.propertyId} is no longer on file (deleted?).`);
      const facts = factsOf(ctx.db, property);
      if (hasPaidRecord(ctx.db, property.id)) {
        return hit({ completeness: property.completeness, filled: [], from: 'bought-before' }, 1, { message: 'A property record bought earlier is on file.' });
      }
      if (property.completeness >= ctx.qualityTarget) return hit({ completeness: property.completeness, filled: [], from: 'store' }, property.completeness);
      return miss(`Only ${Math.round(property.completeness * 100)}% of the critical facts are known (missing: ${missingOf(facts).join(', ')}).`);
    },
  };

  const paid: ChainStep<FactsNeed, FactsValue> = {
    kind: 'paid',
    source: records.source,
    operation: records.operation,
    estimateMicros: (_need, ctx) => records.estimateMicros(recordsNeed(null, []), ctx),
    async fetch(need, ctx) {
      const property = getProperty(ctx.db, need.propertyId);
      if (!property) return stepError('not-found', `Property ${need.propertyId} is no longer on file (deleted?).`);
      const result = await records.fetch(recordsNeed(property, need.missing), ctx);
      if (result.kind !== 'hit') return result;
      const observation = onlyMissing(result.value, property, need.missing);
      pending.set(ctx.reservationId, { propertyId: property.id, observation, missing: need.missing });
      const value: FactsValue = { completeness: property.completeness, filled: need.missing.filter((field) => RECORD_FIELDS[field].some((name) => observation[name] != null)), from: 'paid' };
      return hit(value, 1, result.costMicros === undefined ? {} : { costMicros: result.costMicros });
    },
  };

  const fallback: ChainStep<FactsNeed, FactsValue> = {
    kind: 'fallback',
    source: LOCAL_ESTIMATE_SOURCE,
    produce(need, ctx) {
      const property = getProperty(ctx.db, need.propertyId);
      if (!property) return stepError('not-found', `Property ${need.propertyId} is no longer on file (deleted?).`);
      if (property.marketValueUsd !== null || property.assessedValueUsd !== null) {
        return miss('Only the value can be estimated locally, and it is known; the other missing facts stay unknown.');
      }
      const estimate = estimateValue(ctx.db, property, typicalAreas);
      if (!estimate) return miss('No census tract figures to estimate the value from.');
      saveValueEstimate(ctx.db, property, estimate);
      const after = getProperty(ctx.db, property.id)!;
      return hit({ completeness: after.completeness, filled: ['value'], from: 'estimate' }, after.completeness, { message: `Value estimated at $${estimate.valueUsd.toLocaleString('en-US')} from census tract figures.` });
    },
  };

  const budget: BudgetGate = {
    ...defaultBudgetGate,
    commit(db, reservationId, actual) {
      return writeTransaction(db, () => {
        const committed = defaultBudgetGate.commit(db, reservationId, actual);
        const answer = pending.get(reservationId);
        pending.delete(reservationId);
        if (answer && actual.ledger.outcome === 'hit') upsertPropertyObservation(db, answer.observation, { propertyId: answer.propertyId });
        return committed;
      });
    },
    release(db, reservationId, reason) {
      pending.delete(reservationId);
      defaultBudgetGate.release(db, reservationId, reason);
    },
  };

  return {
    withPaid: defineChain({ need: FACTS_NEED, steps: [cache, paid, fallback] }),
    freeOnly: defineChain({ need: FACTS_NEED, steps: [cache, fallback] }),
    budget,
  };
}

function recordsNeed(property: Property | null, missing: CriticalField[]): PropertyRecordsNeed {
  const wanted = [...new Set(missing.flatMap((field) => RECORD_FIELDS[field]))];
  return {
    address: property?.address ?? { houseNumber: null, street: null, unit: null, city: null, state: null, postcode: null },
    location: property?.location ?? null,
    ...(wanted.length > 0 ? { missing: wanted } : {}),
  };
}

/**
 * The record cut down to the critical facts the property lacks: a paid answer never overwrites
 * what the free sources said (the merge would rank a record above a parcel for some fields).
 */
function onlyMissing(record: PropertyObservation, property: Property, missing: CriticalField[]): PropertyObservation {
  const keep = new Set(missing.flatMap((field) => RECORD_FIELDS[field]));
  const pick = <K extends RecordField>(field: K): PropertyObservation[K] => (keep.has(field) ? record[field] : null) as PropertyObservation[K];
  return {
    source: record.source,
    sourceRecordId: record.sourceRecordId,
    observedAt: record.observedAt,
    address: missing.includes('address') ? record.address : { houseNumber: null, street: null, unit: null, city: null, state: null, postcode: null },
    location: missing.includes('location') ? record.location : null,
    footprint: null,
    buildingType: null,
    levels: null,
    yearBuilt: pick('yearBuilt'),
    roofInstalledYear: pick('roofInstalledYear'),
    roofMaterial: null,
    parcelId: null,
    landUse: null,
    assessedValueUsd: null,
    marketValueUsd: pick('marketValueUsd'),
    ownerOccupied: pick('ownerOccupied'),
    livingAreaSqft: property.livingAreaSqft === null ? record.livingAreaSqft : null,
    attribution: record.attribution,
  };
}
