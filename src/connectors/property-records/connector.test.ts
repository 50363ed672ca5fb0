import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { updateBudgetSettings } from '../../core/cost/budget-settings';
import { defineChain, resolveNeed } from '../../core/cost/chain';
import { listLedger } from '../../core/cost/ledger';
import type { Micros } from '../../core/money';
import { ConnectorError, type ConnectorErrorKind } from '../../core/http/errors';
import type { Fault } from '../../emulators/faults';
import { emulatedSource, failure, type EmulatedSource } from '../arcgis-parcels/emulator.testkit';
import { testWorld } from '../arcgis-parcels/world.testkit';
import { lookupPropertyByAddress } from './connector';
import { propertyRecordsEmulator } from './emulator';
import { missingPropertyRecordFields, propertyRecordsPaidStep, type PropertyRecordsNeed } from './step';

/** The paid connector on loopback: keys, faults, and the chain's budget gate around it. */

const world = testWorld({ lotsPerStreet: 4, streets: 1 });
const [first, second] = world.parcelsIn(world.bbox);
const apiKey = 'emulatorKey123';
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(propertyRecordsEmulator, world);
});
afterAll(() => source.close());
afterEach(() => source.emulators.setFaults('property-records', null));

describe('Property records connector', () => {
  it('refuses without a key before calling, so nothing is billed', async () => {
    const before = source.emulators.requests('property-records').length;
    const error = await failure(lookupPropertyByAddress(source.db, first!.siteAddress, { apiKey: null }));
    expect(error).toMatchObject({ kind: 'not-configured', message: expect.stringMatching(/needs an API key.*Settings → API keys.*Nothing was charged/) });
    expect(source.emulators.requests('property-records').length).toBe(before);
  });

  it('a refused key (the emulator\'s 401 JSON) is refused-by-source with what to check', async () => {
    const error = await failure(lookupPropertyByAddress(source.db, first!.siteAddress, { apiKey: 'bad-key' }));
    expect(error).toMatchObject({ kind: 'refused-by-source', status: 401, message: expect.stringMatching(/refused the API key \(HTTP 401\).*property-records\.api-key/) });
  });

  it('refuses an address it cannot look up instead of paying to find nothing', async () => {
    const error = await failure(lookupPropertyByAddress(source.db, { ...first!.siteAddress, houseNumber: null }, { apiKey }));
    expect(error).toMatchObject({ kind: 'not-configured', message: expect.stringMatching(/incomplete, so no paid call was made/) });
  });

  const faults: Array<[Fault, ConnectorErrorKind]> = [
    [{ kind: 'server-error', status: 500 }, 'server-error'],
    [{ kind: 'html-error-page' }, 'html-error-page'],
    [{ kind: 'truncated' }, 'truncated'],
    [{ kind: 'malformed' }, 'malformed-body'],
    [{ kind: 'wrong-content-type', contentType: 'application/xml' }, 'wrong-content-type'],
  ];
  for (const [fault, kind] of faults) {
    it(`turns ${fault.kind}${'contentType' in fault ? ` (${fault.contentType})` : ''} into '${kind}'`, async () => {
      source.emulators.setFaults('property-records', { fault });
      const error = await failure(lookupPropertyByAddress(source.db, first!.siteAddress, { apiKey, retries: 0 }));
      expect(error.kind).toBe(kind);
      expect(error.source).toBe('property-records');
    });
  }

  it('waits out a 429 with Retry-After and gets the record', async () => {
    source.emulators.setFaults('property-records', { fault: { kind: 'rate-limited', retryAfter: 1 }, times: 1 });
    expect((await lookupPropertyByAddress(source.db, first!.siteAddress, { apiKey })).kind).toBe('found');
  });

  it('times out on a vendor that never answers', async () => {
    source.emulators.setFaults('property-records', { fault: { kind: 'hang' } });
    expect((await failure(lookupPropertyByAddress(source.db, first!.siteAddress, { apiKey, timeoutMs: 300, retries: 0 }))).kind).toBe('timeout');
  });
});

describe('Property records as the chain\'s paid step', () => {
  const chain = defineChain<PropertyRecordsNeed, unknown>({ need: 'property-facts', steps: [propertyRecordsPaidStep({ apiKey: () => apiKey })] });
  const need = (parcel = first!): PropertyRecordsNeed => ({ address: parcel.siteAddress, location: parcel.centroid, missing: missingPropertyRecordFields({ yearBuilt: null, roofInstalledYear: null, marketValueUsd: 100_000, ownerOccupied: true }) });

  it('reserves, calls once and charges the $0.05 list price to the ledger', async () => {
    const outcome = await resolveNeed(chain, need(), { db: source.db, service: 'enrichment' });
    expect(outcome.ok).toBe(true);
    expect(outcome.costMicros).toBe(50_000);
    const rows = listLedger(source.db, { source: 'property-records' });
    expect(rows.at(-1)).toMatchObject({ outcome: 'hit', costMicros: 50_000 });
  });

  it('with a budget of $0.00 the step is refused and the vendor is never called', async () => {
    updateBudgetSettings(source.db, { dailyMicros: 0 as Micros }, 'test');
    try {
      const before = source.emulators.requests('property-records').length;
      const outcome = await resolveNeed(chain, need(second), { db: source.db, service: 'enrichment' });
      expect(outcome.ok).toBe(false);
      expect(outcome.sourcesTried).toEqual([expect.objectContaining({ source: 'property-records', outcome: 'refused', costMicros: 0 })]);
      expect(source.emulators.requests('property-records').length).toBe(before);
    } finally {
      updateBudgetSettings(source.db, { dailyMicros: 10_000_000 as Micros }, 'test');
    }
  });

  it('a no-match is still billed (the vendor charges per call); a failed call is not', async () => {
    const nowhere = { ...need(), address: { ...first!.siteAddress, houseNumber: '9999' }, location: null };
    const missed = await resolveNeed(chain, nowhere, { db: source.db, service: 'enrichment' });
    expect(missed.costMicros).toBe(50_000);
    source.emulators.setFaults('property-records', { fault: { kind: 'server-error', status: 503 } });
    const failed = await resolveNeed(chain, need(second), { db: source.db, service: 'enrichment' });
    expect(failed.costMicros).toBe(0);
    expect(failed.sourcesTried[0]).toMatchObject({ outcome: 'error', errorKind: 'server-error' });
  });
});
