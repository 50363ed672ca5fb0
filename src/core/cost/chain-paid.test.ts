import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Micros } from '../money';
import { listAudit, type Db } from '../store';
import { updateBudgetSettings } from './budget-settings';
import { defaultBudgetGate, defineChain, resolveNeed } from './chain';
import {
  AUSTIN_HOUSE,
  GOOGLE_PRICE,
  ledgerRows,
  MAPBOX_PRICE,
  newRequestId,
  paidImageStep,
  reservationRows,
  syntheticFallback,
  type RoofImage,
  type RoofNeed,
} from './chain-testkit';
import { costTestDb } from './cost.testkit';
import { hit, miss, stepError, type ChainOutcome, type ResolveOptions } from './chain-types';
import { getReservation } from './reservations';

/** Paid steps: money moves only through a granted reservation, and every path settles it. */

describe('paid steps of the free-first chain', () => {
  let db: Db;
  let cleanup: () => void;
  let requestId: string;
  beforeEach(() => {
    ({ db, cleanup } = costTestDb('fm-chain-'));
    requestId = newRequestId();
  });
  afterEach(() => cleanup());

  const resolve = (chain: Parameters<typeof resolveNeed<RoofNeed, RoofImage>>[0], extra: Partial<ResolveOptions> = {}) =>
    resolveNeed(chain, AUSTIN_HOUSE, { db, service: 'image-processor', requestId, propertyId: AUSTIN_HOUSE.propertyId, rateWaitMs: 0, ...extra });

  const ledgerTotal = (outcome: ChainOutcome<unknown>) => {
    const rows = ledgerRows(db, requestId);
    expect(rows.reduce((sum, row) => sum + row.costMicros, 0)).toBe(outcome.costMicros);
    return rows;
  };

  it('calls a paid source only under a granted reservation and commits the actual cost; its result is not storable', async () => {
    const seen: { state?: string; amount?: number } = {};
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        { kind: 'free', source: 'naip', fetch: () => miss('no NAIP coverage') },
        paidImageStep('google-static-maps', (_need, ctx) => {
          const reservation = getReservation(ctx.db, ctx.reservationId);
          seen.state = reservation?.state;
          seen.amount = reservation?.amountMicros;
          return hit({ from: 'google', resolutionCm: 15 }, 0.95, { costMicros: 1_500 as Micros });
        }),
        syntheticFallback,
      ],
    });
    const outcome = await resolve(chain);

    expect(seen).toEqual({ state: 'open', amount: GOOGLE_PRICE });
    expect(outcome).toMatchObject({ ok: true, source: 'google-static-maps', kind: 'paid', storable: false, lowConfidence: false, costMicros: 1_500 });
    if (outcome.ok) expect(outcome.licence).toMatchObject({ storable: false, cacheable: false, attribution: 'Imagery © Google' });
    expect(reservationRows(db)).toMatchObject([{ state: 'committed', amount_micros: GOOGLE_PRICE, committed_micros: 1_500 }]);
    const rows = ledgerTotal(outcome);
    expect(rows.map((r) => [r.source, r.outcome, r.paid, r.costMicros, r.pool])).toEqual([
      ['naip', 'miss', false, 0, null],
      ['google-static-maps', 'hit', true, 1_500, 'daily'],
    ]);
    expect(rows[1]!.reservationId).toBe(reservationRows(db)[0]!.id);
  });

  it('tries paid sources cheapest first', async () => {
    const google = vi.fn(() => hit<RoofImage>({ from: 'google', resolutionCm: 15 }, 0.95));
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [paidImageStep('google-static-maps', google), paidImageStep('mapbox-static-images', () => hit({ from: 'mapbox', resolutionCm: 30 }, 0.9))],
    });
    const outcome = await resolve(chain);
    expect(outcome).toMatchObject({ ok: true, source: 'mapbox-static-images', costMicros: MAPBOX_PRICE });
    expect(google).not.toHaveBeenCalled();
  });

  it('with a $0.00 budget refuses every paid step and still completes from the fallback', async () => {
    updateBudgetSettings(db, { dailyMicros: 0 as Micros }, 'manager');
    const google = vi.fn(() => hit<RoofImage>({ from: 'google', resolutionCm: 15 }, 0.95));
    const mapbox = vi.fn(() => hit<RoofImage>({ from: 'mapbox', resolutionCm: 30 }, 0.9));
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        { kind: 'free', source: 'naip', fetch: () => miss() },
        paidImageStep('google-static-maps', google),
        paidImageStep('mapbox-static-images', mapbox),
        syntheticFallback,
      ],
    });
    const outcome = await resolve(chain);

    expect(outcome).toMatchObject({ ok: true, source: 'synthetic', lowConfidence: true, costMicros: 0 });
    expect(google).not.toHaveBeenCalled();
    expect(mapbox).not.toHaveBeenCalled();
    expect(reservationRows(db)).toEqual([]);
    const rows = ledgerTotal(outcome);
    expect(rows.map((r) => [r.source, r.outcome, r.errorKind])).toEqual([
      ['naip', 'miss', null],
      ['mapbox-static-images', 'refused', 'daily-limit'],
      ['google-static-maps', 'refused', 'daily-limit'],
      ['synthetic', 'fallback', null],
    ]);
    expect(rows[1]!.message).toMatch(/Today's budget of \$0\.00/);
  });

  it('releases the reservation of a call that found nothing, and commits one that was billed anyway', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        paidImageStep('mapbox-static-images', () => miss('no satellite tile at zoom 20')),
        paidImageStep('google-static-maps', () => stepError('bad-image', 'Google returned a blank "no imagery" tile.', { costMicros: GOOGLE_PRICE })),
        syntheticFallback,
      ],
    });
    const outcome = await resolve(chain);
    expect(outcome).toMatchObject({ ok: true, source: 'synthetic', costMicros: GOOGLE_PRICE });
    expect(reservationRows(db).map((r) => [r.source, r.state, r.committed_micros])).toEqual([
      ['mapbox-static-images', 'released', null],
      ['google-static-maps', 'committed', GOOGLE_PRICE],
    ]);
    expect(ledgerTotal(outcome).map((r) => [r.source, r.outcome, r.costMicros, r.errorKind])).toEqual([
      ['mapbox-static-images', 'miss', 0, null],
      ['google-static-maps', 'error', GOOGLE_PRICE, 'bad-image'],
      ['synthetic', 'fallback', 0, null],
    ]);
  });

  it('caps a call that cost more than its reservation, and says so', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [paidImageStep('google-static-maps', () => hit({ from: 'google', resolutionCm: 15 }, 0.95, { costMicros: 5_000 as Micros }))],
    });
    const outcome = await resolve(chain);
    expect(outcome).toMatchObject({ ok: true, costMicros: GOOGLE_PRICE });
    const [row] = ledgerTotal(outcome);
    expect(row!.message).toMatch(/reported \$0\.005, more than the \$0\.002 reserved/);
    expect(listAudit(db).map((a) => a.action)).toContain('budget.commit.capped');
  });

  it('cancellation during a paid call releases the reservation and runs nothing after it', async () => {
    const controller = new AbortController();
    const fallback = vi.fn(() => hit<RoofImage>({ from: 'synthetic', resolutionCm: 100 }, 0.2));
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        paidImageStep(
          'google-static-maps',
          (_need, ctx) =>
            new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
              controller.abort();
            }),
        ),
        { kind: 'fallback', source: 'synthetic', produce: fallback },
      ],
    });
    const outcome = await resolve(chain, { signal: controller.signal });

    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'cancelled' }, costMicros: 0 });
    expect(fallback).not.toHaveBeenCalled();
    expect(reservationRows(db).map((r) => r.state)).toEqual(['released']);
    expect(ledgerTotal(outcome).map((r) => [r.outcome, r.errorKind, r.paid, r.costMicros])).toEqual([['error', 'cancelled', true, 0]]);
  });

  it('a request cancelled before it starts tries nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await resolve(defineChain<RoofNeed, RoofImage>({ need: 'roof-image', steps: [syntheticFallback] }), { signal: controller.signal });
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'cancelled' } });
    expect(ledgerRows(db, requestId)).toEqual([]);
  });

  it('keeps the reservation alive through a call longer than its lifetime', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        paidImageStep('google-static-maps', async () => {
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return hit({ from: 'google', resolutionCm: 15 }, 0.95);
        }),
      ],
    });
    const outcome = await resolve(chain, { reservationTtlMs: 600 });
    expect(outcome).toMatchObject({ ok: true, costMicros: GOOGLE_PRICE });
    expect(reservationRows(db).map((r) => r.state)).toEqual(['committed']);
  });

  it('stops a paid call whose reservation could not be kept, and moves on without charging', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        paidImageStep(
          'google-static-maps',
          (_need, ctx) =>
            new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
            }),
        ),
        syntheticFallback,
      ],
    });
    const outcome = await resolve(chain, { reservationTtlMs: 60, budget: { ...defaultBudgetGate, renew: () => false } });
    expect(outcome).toMatchObject({ ok: true, source: 'synthetic', costMicros: 0 });
    const [paidRow] = ledgerTotal(outcome);
    expect(paidRow).toMatchObject({ outcome: 'error', errorKind: 'reservation-lost', costMicros: 0 });
    expect(reservationRows(db).map((r) => r.state)).not.toContain('committed');
  });

  it('refuses a paid source with no price instead of calling it unbudgeted', async () => {
    const fetch = vi.fn(() => hit<RoofImage>({ from: 'google', resolutionCm: 15 }, 0.95));
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [{ kind: 'paid', source: 'google-static-maps', operation: 'satellite-image', estimateMicros: () => null, fetch }, syntheticFallback],
    });
    await resolve(chain);
    expect(fetch).not.toHaveBeenCalled();
    expect(ledgerRows(db, requestId)[0]).toMatchObject({ outcome: 'refused', errorKind: 'unpriced' });
  });
});
