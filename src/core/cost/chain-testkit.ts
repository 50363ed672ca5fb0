import { z } from 'zod';
import { newId } from '../ids';
import type { Micros } from '../money';
import type { Db } from '../store';
import { statement } from '../store/database';
import { hit, type FallbackStep, type PaidContext, type PaidStep, type StepResult } from './chain-types';
import { listLedger, type LedgerEntry } from './ledger';
import { priceFor } from './prices';

/** Shared by the chain tests: a real migrated database, a roof-image need, and step builders. */

export const roofNeedSchema = z.object({ propertyId: z.string().min(1), lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });
export type RoofNeed = z.infer<typeof roofNeedSchema>;
export interface RoofImage {
  from: string;
  resolutionCm: number;
}

export const AUSTIN_HOUSE: RoofNeed = { propertyId: 'parcel-0042', lat: 30.2672, lon: -97.7431 };

export function newRequestId(): string {
  return newId();
}

/** The request's ledger rows, oldest first. */
export function ledgerRows(db: Db, requestId: string): LedgerEntry[] {
  return listLedger(db, { requestId }).reverse();
}

export interface ReservationRow {
  id: string;
  state: string;
  amount_micros: number;
  committed_micros: number | null;
  source: string;
}

export function reservationRows(db: Db): ReservationRow[] {
  return statement(db, 'SELECT id, state, amount_micros, committed_micros, source FROM budget_reservations ORDER BY created_at').all() as ReservationRow[];
}

/** A paid imagery step priced from the price table, with a fetch the test controls. */
export function paidImageStep(
  source: 'google-static-maps' | 'mapbox-static-images',
  fetch: (need: RoofNeed, ctx: PaidContext) => StepResult<RoofImage> | Promise<StepResult<RoofImage>>,
): PaidStep<RoofNeed, RoofImage> {
  return { kind: 'paid', source, operation: 'satellite-image', estimateMicros: (_need, ctx) => priceFor(ctx.db, source, 'satellite-image'), fetch };
}

export const syntheticFallback: FallbackStep<RoofNeed, RoofImage> = {
  kind: 'fallback',
  source: 'synthetic',
  produce: () => hit({ from: 'synthetic', resolutionCm: 100 }, 0.2),
};

export const GOOGLE_PRICE = 2_000 as Micros;
export const MAPBOX_PRICE = 1_000 as Micros;
