import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { ConnectorError, type ConnectorErrorKind } from '../../core/http/errors';
import type { Fault } from '../../emulators/faults';
import { applyEmulatorBaseUrls, startEmulators, type Emulators } from '../../emulators/server';
import { tinyWorld } from '../../emulators/tiny-world';
import { geocodeCensusBatch, geocodeCensusOneLine } from './connector';
import { censusGeocoderEmulator } from './emulator';

/** Both Census geocoder calls against the emulator on loopback, under every fault. */

const ONE_LINE = '1201 Maple Ave, Plano, TX 75074';
const BATCH = [
  { id: '1', street: '1201 Maple Ave', city: 'Plano', state: 'TX', zip: '75074' },
  { id: '2', street: '1203 Maple Ave', city: 'Plano', state: 'TX', zip: '75074' },
  { id: '3', street: '1205 Maple Ave', city: 'Plano', state: 'TX', zip: '75074' },
  { id: '4', street: '1207 Maple Ave', city: 'Plano', state: 'TX', zip: '75074' },
];
let emulators: Emulators;
const test = costTestDb('fm-census-geo-conn-');
const db = test.db;

beforeAll(async () => {
  emulators = await startEmulators({ world: tinyWorld(), routes: [censusGeocoderEmulator] });
  applyEmulatorBaseUrls(db, emulators.baseUrls);
});
afterAll(async () => {
  await emulators.close();
  test.cleanup();
});
afterEach(() => emulators.setFaults('census-geocoder', null));

const attempts = () => emulators.requests('census-geocoder').length;
const settle = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

const cases: [Fault, ConnectorErrorKind, ConnectorErrorKind][] = [
  // fault, one-line kind, batch kind
  [{ kind: 'rate-limited', retryAfter: 45 }, 'rate-limited', 'rate-limited'],
  [{ kind: 'server-error', status: 500 }, 'server-error', 'server-error'],
  [{ kind: 'html-error-page', status: 200, title: 'Census Geocoder maintenance' }, 'html-error-page', 'html-error-page'],
  [{ kind: 'html-error-page', status: 502 }, 'html-error-page', 'html-error-page'],
  [{ kind: 'truncated' }, 'truncated', 'truncated'],
  [{ kind: 'malformed' }, 'malformed-body', 'malformed-body'],
  [{ kind: 'wrong-content-type', contentType: 'application/pdf' }, 'wrong-content-type', 'wrong-content-type'],
  [{ kind: 'hang' }, 'timeout', 'timeout'],
];

describe('Census geocoder connector under faults', () => {
  it.each(cases)('%j → one-line %s, batch %s', async (fault, oneLineKind, batchKind) => {
    emulators.setFaults('census-geocoder', { fault });
    const oneLine = await settle(geocodeCensusOneLine(db, ONE_LINE, { retries: 0, timeoutMs: 400 }));
    const batch = await settle(geocodeCensusBatch(db, BATCH, { retries: 0, timeoutMs: 400 }));
    for (const [error, kind] of [
      [oneLine, oneLineKind],
      [batch, batchKind],
    ] as const) {
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ kind, source: 'census-geocoder' });
      expect((error as ConnectorError).message).toContain('Census geocoder');
    }
  });

  it('a 429 with Retry-After is waited out, then the batch answers', async () => {
    emulators.setFaults('census-geocoder', { fault: { kind: 'rate-limited', retryAfter: 1 }, times: 1 });
    const before = attempts();
    const rows = await geocodeCensusBatch(db, BATCH, { retries: 1 });
    expect(rows.every((row) => row.status === 'match')).toBe(true);
    expect(attempts() - before).toBe(2);
  });

  it('a 502 is retried, then answers', async () => {
    emulators.setFaults('census-geocoder', { fault: { kind: 'server-error', status: 502 }, times: 1 });
    const before = attempts();
    expect(await geocodeCensusOneLine(db, ONE_LINE, { retries: 2 })).toHaveLength(1);
    expect(attempts() - before).toBe(2);
  });

  it('a 400 refusal is never retried', async () => {
    const before = attempts();
    const error = await settle(geocodeCensusOneLine(db, 'x'.repeat(101)));
    expect(error).toMatchObject({ kind: 'http-status' });
    expect(attempts()).toBe(before);
  });

  it('cancelling a batch stops it at once', async () => {
    emulators.setFaults('census-geocoder', { fault: { kind: 'hang' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect(await settle(geocodeCensusBatch(db, BATCH, { signal: controller.signal }))).toMatchObject({ kind: 'cancelled' });
  });

  it('an empty list needs no call', async () => {
    const before = attempts();
    expect(await geocodeCensusBatch(db, [])).toEqual([]);
    expect(attempts()).toBe(before);
  });
});
