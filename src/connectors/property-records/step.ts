import type { Micros } from '../../core/money';
import type { LatLng } from '../../core/domain/geo';
import type { PostalAddress, PropertyObservation } from '../../core/domain/records';
import { hit, stepError, type PaidStep } from '../../core/cost/chain-types';
import { priceFor } from '../../core/cost/prices';
import { connectorStepError } from '../../core/http/errors';
import { addressLines, lookupPropertyAt, lookupPropertyByAddress } from './connector';
import { PROPERTY_RECORDS_SOURCE_ID } from './parse';

/**
 * Targeted paid enrichment as a free-first chain step (ARCHITECTURE.md: paid sources only after a
 * budget reservation). The enrichment service adds it after the free steps for a property whose
 * completeness is below 0.75; the chain reserves the price first and refuses the call when the
 * budget does not allow it.
 *
 *   PROPERTY_RECORD_FIELDS / missingPropertyRecordFields(observation)   the facts a property record can fill
 *   propertyRecordsPaidStep({ apiKey })                     → PaidStep<PropertyRecordsNeed, PropertyObservation>
 *
 * Billing: a found record and a "no such property" answer are both billed at the reserved price
 * (the vendor charges per call); a refusal before the call (no key, incomplete address) or a
 * failed call is not.
 */

export const PROPERTY_RECORD_FIELDS = ['yearBuilt', 'roofInstalledYear', 'marketValueUsd', 'ownerOccupied'] as const;
export type PropertyRecordField = (typeof PROPERTY_RECORD_FIELDS)[number];

export function missingPropertyRecordFields(observation: Partial<Pick<PropertyObservation, PropertyRecordField>>): PropertyRecordField[] {
  return PROPERTY_RECORD_FIELDS.filter((field) => observation[field] === null || observation[field] === undefined);
}

export interface PropertyRecordsNeed {
  address: PostalAddress;
  location: LatLng | null;
  /** The fields the free sources left empty; the hit's quality is the share of them filled. */
  missing?: readonly PropertyRecordField[];
}

export const PROPERTY_DETAIL_OPERATION = 'property-detail';

export interface PropertyRecordsStepOptions {
  /** Reads the 'property-records.api-key' secret (ctx.secrets.get in a service). */
  apiKey: () => string | null | undefined | Promise<string | null | undefined>;
  timeoutMs?: number;
  /** Allowed distance for a lookup by position when the address is incomplete (miles, default 0.02). */
  radiusMiles?: number;
}

export function propertyRecordsPaidStep<N extends PropertyRecordsNeed>(options: PropertyRecordsStepOptions): PaidStep<N, PropertyObservation> {
  return {
    kind: 'paid',
    source: PROPERTY_RECORDS_SOURCE_ID,
    operation: PROPERTY_DETAIL_OPERATION,
    estimateMicros: (_need, ctx) => priceFor(ctx.db, PROPERTY_RECORDS_SOURCE_ID, PROPERTY_DETAIL_OPERATION),
    async fetch(need, ctx) {
      const apiKey = await options.apiKey();
      const common = { apiKey, signal: ctx.signal, ...(ctx.policy ? { policy: ctx.policy } : {}), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
      let lookup;
      try {
        if (addressLines(need.address)) lookup = await lookupPropertyByAddress(ctx.db, need.address, common);
        else if (need.location) lookup = await lookupPropertyAt(ctx.db, need.location, { ...common, ...(options.radiusMiles === undefined ? {} : { radiusMiles: options.radiusMiles }) });
        else return stepError('not-configured', 'Property records need a full street address or a position; this property has neither, so no paid call was made.');
      } catch (error) {
        const failed = connectorStepError(error, 'Property records');
        return stepError(failed.kind, failed.message, failed.retryAfterMs === undefined ? {} : { retryAfterMs: failed.retryAfterMs });
      }
      const billed = ctx.reservedMicros as Micros;
      if (lookup.kind === 'no-match') return { kind: 'miss', message: lookup.message, costMicros: billed };
      const wanted = need.missing && need.missing.length > 0 ? need.missing : PROPERTY_RECORD_FIELDS;
      const filled = wanted.filter((field) => lookup.observation[field] !== null && lookup.observation[field] !== undefined).length;
      if (filled === 0) return { kind: 'miss', message: `Property records had the property but none of ${wanted.join(', ')}.`, costMicros: billed };
      return hit(lookup.observation, filled / wanted.length, { costMicros: billed });
    },
  };
}
