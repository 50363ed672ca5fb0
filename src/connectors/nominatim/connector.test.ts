import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { configureSource } from '../../core/cost/sources';
import { ConnectorError, type ConnectorErrorKind } from '../../core/http/errors';
import type { Fault } from '../../emulators/faults';
import { applyEmulatorBaseUrls, startEmulators, type Emulators } from '../../emulators/server';
import { tinyWorld } from '../../emulators/tiny-world';
import { reverseNominatim, searchNominatim } from './connector';
import { nominatimEmulator } from './emulator';

/** The connector against the emulator on loopback, under every fault. */

const QUERY = '1201 Maple Ave, Plano, TX 75074';
let emulators: Emulators;
const test = costTestDb('fm-nominatim-conn-');
const db = test.db;

beforeAll(async () => {
  emulators = await startEmulators({ world: tinyWorld(), routes: [nominatimEmulator] });
  applyEmulatorBaseUrls(db, emulators.baseUrls);
});
afterAll(async () => {
  await emulators.close();
  test.cleanup();
});
afterEach(() => emulators.setFaults('nominatim', null));

const attempts = () => emulators.requests('nominatim').length;

async function failureUnder(fault: Fault, options: Parameters<typeof searchNominatim>[2] = {}): Promise<ConnectorError> {
  emulators.setFaults('nominatim', { fault });
  const error = await searchNominatim(db, QUERY, { retries: 0, timeoutMs: 500, ...options }).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  expect((error as ConnectorError).message).toContain('Nominatim');
  return error as ConnectorError;
}

describe('Nominatim connector under faults', () => {
  const cases: [Fault, ConnectorErrorKind][] = [
    [{ kind: 'rate-limited', retryAfter: 30 }, 'rate-limited'],
    [{ kind: 'server-error', status: 503 }, 'server-error'],
    [{ kind: 'html-error-page', status: 200, title: 'Nominatim is down for maintenance' }, 'html-error-page'],
    [{ kind: 'truncated' }, 'truncated'],
    [{ kind: 'malformed' }, 'malformed-body'],
    [{ kind: 'wrong-content-type', contentType: 'text/html' }, 'wrong-content-type'],
    [{ kind: 'hang' }, 'timeout'],
  ];
  it.each(cases)('%j → %s', async (fault, kind) => {
    const error = await failureUnder(fault);
    expect(error.kind).toBe(kind);
    if (kind === 'rate-limited') expect(error.retryAfterMs).toBeGreaterThan(29_000);
  });

  it('a 429 with Retry-After is waited out and retried, then answers', async () => {
    emulators.setFaults('nominatim', { fault: { kind: 'rate-limited', retryAfter: 1 }, times: 1 });
    const before = attempts();
    const results = await searchNominatim(db, QUERY, { retries: 2 });
    expect(results).toHaveLength(1);
    expect(attempts() - before).toBe(2);
  });

  it('a 503 is retried as many times as allowed, then reported', async () => {
    emulators.setFaults('nominatim', { fault: { kind: 'server-error' } });
    const before = attempts();
    const error = await searchNominatim(db, QUERY, { retries: 1 }).catch((caught: ConnectorError) => caught);
    expect(error).toMatchObject({ kind: 'server-error', status: 503 });
    expect(attempts() - before).toBe(2);
  });

  it('a cancelled search stops at once with kind cancelled', async () => {
    emulators.setFaults('nominatim', { fault: { kind: 'hang' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await reverseNominatim(db, { lat: 33.02, lng: -96.7 }, { signal: controller.signal, timeoutMs: 60_000 }).catch((caught: ConnectorError) => caught);
    expect(error).toMatchObject({ kind: 'cancelled', source: 'nominatim' });
  });

  it('latency alone is no failure', async () => {
    emulators.setFaults('nominatim', { latencyMs: 80 });
    expect(await searchNominatim(db, QUERY)).toHaveLength(1);
  });
});

describe('Nominatim usage policy', () => {
  it('refuses to call with a stock library User-Agent, and says what to set', async () => {
    const data = costTestDb('fm-nominatim-ua-');
    try {
      configureSource(data.db, 'nominatim', { baseUrl: emulators.baseUrls.nominatim, userAgent: 'python-requests/2.31.0' }, { actor: 'test' });
      const before = attempts();
      const error = await searchNominatim(data.db, QUERY).catch((caught: ConnectorError) => caught);
      expect(error).toMatchObject({ kind: 'not-configured', message: expect.stringContaining('Settings → Data sources') });
      expect(attempts()).toBe(before);
    } finally {
      data.cleanup();
    }
  });

  it('refuses coordinates that are not on Earth, and empty queries, without a call', async () => {
    const before = attempts();
    await expect(reverseNominatim(db, { lat: 91, lng: 0 })).rejects.toMatchObject({ kind: 'http-status' });
    await expect(searchNominatim(db, '   ')).rejects.toMatchObject({ kind: 'http-status' });
    expect(attempts()).toBe(before);
  });
});
