import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Micros } from '../money';
import type { Db } from '../store';
import { ChainDefinitionError, defineChain, resolveNeed } from './chain';
import {
  AUSTIN_HOUSE,
  GOOGLE_PRICE,
  ledgerRows,
  newRequestId,
  paidImageStep,
  reservationRows,
  roofNeedSchema,
  syntheticFallback,
  type RoofImage,
  type RoofNeed,
} from './chain-testkit';
import { costTestDb } from './cost.testkit';
import { hit, miss, stepError } from './chain-types';
import { penalise, readRateLimit } from './rate-limiter';
import { configureSource } from './sources';

/**
 * The free-first chain against a real database: the real ledger, reservations, prices and rate
 * limiter. Paid behaviour (reservations, cancellation, renewal) is in chain-paid.test.ts.
 */

describe('the free-first chain', () => {
  let db: Db;
  let cleanup: () => void;
  let requestId: string;
  beforeEach(() => {
    ({ db, cleanup } = costTestDb('fm-chain-'));
    requestId = newRequestId();
  });
  afterEach(() => cleanup());

  const resolve = <V>(chain: Parameters<typeof resolveNeed<RoofNeed, V>>[0], extra: Partial<Parameters<typeof resolveNeed>[2]> = {}) =>
    resolveNeed(chain, AUSTIN_HOUSE, { db, service: 'image-processor', requestId, propertyId: AUSTIN_HOUSE.propertyId, rateWaitMs: 0, ...extra });

  it('stops at the first good-enough result and never touches the paid source', async () => {
    const paidFetch = vi.fn(() => hit<RoofImage>({ from: 'google', resolutionCm: 15 }, 0.95));
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      needSchema: roofNeedSchema,
      steps: [
        { kind: 'cache', source: 'image-cache', lookup: () => miss('no image within 50 m') },
        { kind: 'free', source: 'naip', fetch: () => hit({ from: 'naip', resolutionCm: 60 }, 0.8) },
        paidImageStep('google-static-maps', paidFetch),
        syntheticFallback,
      ],
    });
    const outcome = await resolve(chain);

    expect(outcome).toMatchObject({ ok: true, source: 'naip', kind: 'free', quality: 0.8, lowConfidence: false, meetsTarget: true, storable: true, costMicros: 0 });
    if (outcome.ok) expect(outcome.value).toEqual({ from: 'naip', resolutionCm: 60 });
    expect(paidFetch).not.toHaveBeenCalled();
    expect(reservationRows(db)).toEqual([]);
    const rows = ledgerRows(db, requestId);
    expect(rows.map((r) => [r.source, r.outcome, r.cacheHit])).toEqual([
      ['image-cache', 'miss', false],
      ['naip', 'hit', false],
    ]);
    // The free image saved what Google would have charged; the miss saved nothing.
    expect(rows.map((r) => r.listPriceMicros)).toEqual([0, GOOGLE_PRICE]);
    expect(rows.every((r) => r.propertyId === 'parcel-0042' && r.service === 'image-processor' && r.priority === 'medium')).toBe(true);
  });

  it('serves a cache hit as a cache hit', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [{ kind: 'cache', source: 'image-cache', lookup: () => hit({ from: 'cache', resolutionCm: 30 }, 0.9) }, syntheticFallback],
    });
    const outcome = await resolve(chain);
    expect(outcome).toMatchObject({ ok: true, source: 'image-cache', kind: 'cache' });
    expect(ledgerRows(db, requestId).map((r) => [r.outcome, r.cacheHit, r.paid, r.costMicros])).toEqual([['hit', true, false, 0]]);
  });

  it('falls through misses, returned errors and thrown errors with one ledger row each, to a low-confidence fallback', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        { kind: 'cache', source: 'image-cache', lookup: () => miss() },
        { kind: 'free', source: 'naip', fetch: () => stepError('no-coverage', 'NAIP has no imagery of this area from the last 3 years.') },
        {
          kind: 'free',
          source: 'osm-tiles',
          fetch: () => {
            throw new Error('socket hang up');
          },
        },
        { kind: 'batch', source: 'naip-batch', operation: 'batch-crop', join: () => miss('no batch within 2 km') },
        syntheticFallback,
      ],
    });
    const outcome = await resolve(chain);

    expect(outcome).toMatchObject({ ok: true, source: 'synthetic', kind: 'fallback', lowConfidence: true, meetsTarget: false, costMicros: 0 });
    const rows = ledgerRows(db, requestId);
    expect(rows.map((r) => [r.source, r.operation, r.outcome, r.errorKind])).toEqual([
      ['image-cache', 'roof-image', 'miss', null],
      ['naip', 'roof-image', 'error', 'no-coverage'],
      ['osm-tiles', 'roof-image', 'error', 'exception'],
      ['naip-batch', 'batch-crop', 'miss', null],
      ['synthetic', 'roof-image', 'fallback', null],
    ]);
    expect(rows[2]!.message).toMatch(/osm-tiles failed unexpectedly: socket hang up/);
    expect(rows.every((r) => r.listPriceMicros === 0)).toBe(true);
    if (outcome.ok) expect(outcome.sourcesTried.map((a) => a.ledgerId)).toEqual(rows.map((r) => r.id));
  });

  it('without a fallback, says which source failed how instead of returning nothing', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        { kind: 'free', source: 'naip', fetch: () => miss('outside the survey area') },
        { kind: 'free', source: 'osm-tiles', fetch: () => ({ kind: 'hit', value: { from: 'osm', resolutionCm: 1 }, quality: 7 }) },
      ],
    });
    const outcome = await resolve(chain);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'exhausted' } });
    if (!outcome.ok) expect(outcome.failure.message).toMatch(/naip: miss \(outside the survey area\); osm-tiles: error \(osm-tiles returned a quality of 7/);
    expect(ledgerRows(db, requestId)).toHaveLength(2);
  });

  it('skips a source paused by a server Retry-After, or at its daily cap, with a refused row', async () => {
    penalise(db, 'naip', Date.now() + 60_000);
    configureSource(db, 'osm-tiles', { dailyCap: 0 }, { actor: 'manager' });
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        { kind: 'free', source: 'naip', fetch: () => hit({ from: 'naip', resolutionCm: 60 }, 0.9) },
        { kind: 'free', source: 'osm-tiles', fetch: () => hit({ from: 'osm', resolutionCm: 60 }, 0.9) },
        { kind: 'free', source: 'nominatim', operation: 'lookup', fetch: () => hit({ from: 'nominatim', resolutionCm: 60 }, 0.9) },
      ],
    });
    const outcome = await resolve(chain);
    expect(outcome).toMatchObject({ ok: true, source: 'nominatim' });
    expect(ledgerRows(db, requestId).map((r) => [r.source, r.outcome, r.errorKind])).toEqual([
      ['naip', 'refused', 'rate-limit'],
      ['osm-tiles', 'refused', 'daily-cap'],
      ['nominatim', 'hit', null],
    ]);
  });

  it('waits its turn for a free source rather than skipping to paid', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [{ kind: 'free', source: 'nominatim', fetch: () => hit({ from: 'nominatim', resolutionCm: 60 }, 0.9) }],
    });
    const custom = { rateWaitMs: 5_000 };
    expect((await resolve(chain, custom)).ok).toBe(true);
    // Nominatim allows one request a second: the second need waits for the token.
    expect((await resolve(chain, custom)).ok).toBe(true);
    expect(ledgerRows(db, requestId).map((r) => r.outcome)).toEqual(['hit', 'hit']);
  });

  it('a switched-off source is refused without being called', async () => {
    configureSource(db, 'naip', { enabled: false }, { actor: 'manager' });
    const naip = vi.fn(() => hit<RoofImage>({ from: 'naip', resolutionCm: 60 }, 0.9));
    const chain = defineChain<RoofNeed, RoofImage>({ need: 'roof-image', steps: [{ kind: 'free', source: 'naip', fetch: naip }, syntheticFallback] });
    await resolve(chain);
    expect(naip).not.toHaveBeenCalled();
    expect(ledgerRows(db, requestId)[0]).toMatchObject({ outcome: 'refused', errorKind: 'source-disabled' });
  });

  it('a 429 with Retry-After from one attempt pauses the source for every process', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [{ kind: 'free', source: 'naip', fetch: () => stepError('rate-limited', 'NAIP answered 429 Too Many Requests.', { retryAfterMs: 120_000 }) }, syntheticFallback],
    });
    await resolve(chain);
    expect(readRateLimit(db, 'naip')?.pausedUntilMs).toBeGreaterThan(Date.now() + 60_000);
  });

  it('keeps a below-target result as best effort, marked low confidence, when nothing better arrives', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        { kind: 'free', source: 'naip', fetch: () => hit({ from: 'naip', resolutionCm: 100 }, 0.5) },
        { kind: 'free', source: 'osm-tiles', fetch: () => hit({ from: 'osm', resolutionCm: 200 }, 0.3) },
      ],
    });
    const outcome = await resolve(chain);
    expect(outcome).toMatchObject({ ok: true, source: 'naip', quality: 0.5, lowConfidence: true, meetsTarget: false });
    // Both tried; a result below the target saved nothing.
    expect(ledgerRows(db, requestId).map((r) => [r.outcome, r.quality, r.listPriceMicros])).toEqual([
      ['hit', 0.5, 0],
      ['hit', 0.3, 0],
    ]);
  });

  it('stops at once when the request asks for less quality', async () => {
    const osm = vi.fn(() => hit<RoofImage>({ from: 'osm', resolutionCm: 200 }, 0.9));
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        { kind: 'free', source: 'naip', fetch: () => hit({ from: 'naip', resolutionCm: 100 }, 0.5) },
        { kind: 'free', source: 'osm-tiles', fetch: osm },
      ],
    });
    const relaxed = await resolve(chain, { qualityTarget: 0.4 });
    expect(relaxed).toMatchObject({ ok: true, source: 'naip', lowConfidence: false, meetsTarget: true });
    expect(relaxed.sourcesTried).toHaveLength(1);
    expect(osm).not.toHaveBeenCalled();
  });

  it('refuses a malformed request or need before trying anything', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({ need: 'roof-image', needSchema: roofNeedSchema, steps: [syntheticFallback] });
    for (const extra of [{ qualityTarget: 1.5 }, { qualityTarget: Number.NaN }, { service: '' }, { priority: 'urgent' as never }]) {
      const outcome = await resolve(chain, extra);
      expect(outcome).toMatchObject({ ok: false, failure: { kind: 'invalid-request' } });
    }
    const badNeed = await resolveNeed(chain, { propertyId: 'x', lat: 200, lon: 0 }, { db, service: 'image-processor', requestId });
    expect(badNeed).toMatchObject({ ok: false, failure: { kind: 'invalid-request' } });
    if (!badNeed.ok) expect(badNeed.failure.message).toMatch(/lat/);
    expect(ledgerRows(db, requestId)).toEqual([]);
  });

  it('stops, recording nothing further, when the ledger cannot be written', async () => {
    const chain = defineChain<RoofNeed, RoofImage>({ need: 'roof-image', steps: [{ kind: 'free', source: 'naip', fetch: () => miss() }, syntheticFallback] });
    const outcome = await resolve(chain, {
      ledger: {
        append: () => {
          throw new Error('disk I/O error');
        },
      },
    });
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'ledger-unavailable' } });
    if (!outcome.ok) expect(outcome.failure.message).toMatch(/disk I\/O error/);
  });

  it('reports progress step by step', async () => {
    const stages: string[] = [];
    const chain = defineChain<RoofNeed, RoofImage>({ need: 'roof-image', steps: [{ kind: 'cache', source: 'image-cache', lookup: () => miss() }, syntheticFallback] });
    await resolve(chain, { onProgress: (p) => stages.push(`${p.stage} ${p.done}/${p.total}`) });
    expect(stages).toEqual(['cache:image-cache 0/2', 'fallback:synthetic 1/2', 'done 2/2']);
  });
});

describe('chain declarations', () => {
  const fetch = () => miss<RoofImage>();
  it('refuses steps out of order, sources without a policy, and a free source posing as paid', () => {
    expect(() => defineChain({ need: 'roof-image', steps: [syntheticFallback, { kind: 'free', source: 'naip', fetch }] })).toThrow(/declare steps in the order cache → free → batch → paid → fallback/);
    expect(() => defineChain({ need: 'roof-image', steps: [{ kind: 'free', source: 'bing-maps', fetch }] })).toThrow(/bing-maps, which has no source policy/);
    expect(() =>
      defineChain({ need: 'roof-image', steps: [{ kind: 'paid', source: 'naip', operation: 'x', estimateMicros: () => 1 as Micros, fetch }] }),
    ).toThrow(/naip is a free source and cannot be a paid step/);
    expect(() => defineChain({ need: 'Roof Image!', steps: [syntheticFallback] })).toThrow(ChainDefinitionError);
    expect(() => defineChain({ need: 'roof-image', steps: [] })).toThrow(/no steps/);
  });

  it('accepts a connector that declares its own policy', () => {
    const chain = defineChain<RoofNeed, RoofImage>({
      need: 'roof-image',
      steps: [
        {
          kind: 'free',
          source: 'county-ortho',
          policy: {
            id: 'county-ortho',
            name: 'Travis County orthoimagery',
            kind: 'free',
            baseUrl: 'http://127.0.0.1:9/ortho',
            rateLimit: { requestsPerSecond: 2, burst: 2 },
            dailyCap: 200,
            price: null,
            licence: { name: 'Public domain', storable: true, cacheable: true, cacheTtlMs: null, offlineUse: true, bulkDownload: true, attribution: 'Travis County', url: null },
          },
          fetch,
        },
      ],
    });
    expect(chain.declaredPolicies.get(0)?.baseUrl).toBe('http://127.0.0.1:9/ortho');
  });
});
