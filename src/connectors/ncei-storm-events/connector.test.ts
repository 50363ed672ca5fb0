import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { configureSource } from '../../core/cost/sources';
import { ConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { planFault } from '../../emulators/faults';
import type { EmulatorRoute } from '../../emulators/route-types';
import { startEmulators, type Emulators, type Fault } from '../../emulators/server';
import { stormTestWorld } from '../noaa-spc/storm-world.testkit';
import { fetchStormEvents, type StormEventsRequest } from './connector';
import { nceiStormEventsEmulator } from './emulator';

/** The Storm Events connector against its emulator on loopback: listing, download, filter, and every failure typed. */

let emulators: Emulators;
let db: Db;
let cleanup: () => void;
const PLANO: StormEventsRequest = { year: 2024, bbox: [-96.8, 32.95, -96.6, 33.1] };

/** The emulator, with a fault that hits only the download (the listing answers normally). */
let downloadFault: Fault | null = null;
const route: EmulatorRoute = {
  ...nceiStormEventsEmulator,
  async handle(request, world) {
    const answer = await nceiStormEventsEmulator.handle(request, world);
    if (!downloadFault || !request.path.endsWith('.csv.gz')) return answer;
    const plan = planFault({ fault: downloadFault });
    return plan.kind === 'transform' ? plan.transform(answer) : plan.kind === 'respond' ? plan.response : answer;
  },
};

beforeAll(async () => {
  emulators = await startEmulators({ world: stormTestWorld(), routes: [route] });
  ({ db, cleanup } = costTestDb('fm-ncei-'));
  configureSource(db, 'ncei-storm-events', { baseUrl: emulators.baseUrls['ncei-storm-events'], requestsPerSecond: 100, burst: 10 }, { actor: 'test' });
});
afterAll(async () => {
  await emulators.close();
  cleanup();
});
afterEach(() => {
  emulators.setFaults('ncei-storm-events', null);
  downloadFault = null;
});

/** The error of a fetch under a fault of every request (null: none). */
async function failure(fault: Fault | null, options: { timeoutMs?: number } = {}): Promise<ConnectorError> {
  emulators.setFaults('ncei-storm-events', fault === null ? null : { fault });
  const error = await fetchStormEvents(db, PLANO, { retries: 0, timeoutMs: 2_000, ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('fetchStormEvents', () => {
  it("finds the year's newest file in the listing, downloads it and keeps the reports in the box", async () => {
    const before = emulators.requests('ncei-storm-events').length;
    const result = await fetchStormEvents(db, PLANO);
    expect(emulators.requests('ncei-storm-events').slice(before).map((r) => r.path)).toEqual([
      '/pub/data/swdi/stormevents/csvfiles/',
      '/pub/data/swdi/stormevents/csvfiles/StormEvents_details-ftp_v1.0_d2024_c20240603.csv.gz',
    ]);
    expect(result.file).toMatchObject({ year: 2024, createdOn: '2024-06-03' });
    expect(result.rows).toBe(8);
    // The Oklahoma City report is outside the box.
    expect(result.reports.map((r) => r.kind).sort()).toEqual(['hail', 'hail', 'hail', 'tornado', 'wind', 'wind', 'wind']);
    expect(result.reports.every((r) => r.source === 'ncei-storm-events' && r.state === 'TX')).toBe(true);
  });

  it('keeps only the dates and kinds asked for', async () => {
    const result = await fetchStormEvents(db, { ...PLANO, kinds: ['hail'], from: '2024-05-20T12:00:00Z', to: '2024-05-21T00:00:00Z' });
    expect(result.reports.map((r) => [r.occurredAt, r.hailSizeInches])).toEqual([
      ['2024-05-20T22:41:00.000Z', 1.75],
      ['2024-05-20T23:05:00.000Z', 2.75],
    ]);
  });

  it('says when NCEI has not published the year', async () => {
    const error = await fetchStormEvents(db, { ...PLANO, year: 2023 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    const refused = error as ConnectorError;
    expect([refused.kind, refused.message]).toEqual(['http-status', 'NCEI has not published Storm Events details for 2023 (it has 2024–2024); the newest months appear a few months late.']);
  });

  it('refuses requests it cannot make before asking', async () => {
    await expect(fetchStormEvents(db, { year: 1900 })).rejects.toThrow(/starts in 1950/);
    await expect(fetchStormEvents(db, { year: 2024, bbox: [-90, 30, -80, 40] })).rejects.toThrow(/not a territory box/);
  });

  it('waits out a 429 with Retry-After and a 5xx, then answers', async () => {
    emulators.setFaults('ncei-storm-events', { fault: { kind: 'rate-limited', retryAfter: 1 }, times: 1 });
    expect((await fetchStormEvents(db, PLANO, { retries: 2 })).reports).toHaveLength(7);
    emulators.setFaults('ncei-storm-events', { fault: { kind: 'server-error', status: 502 }, times: 2 });
    expect((await fetchStormEvents(db, PLANO, { retries: 2 })).reports).toHaveLength(7);
  });

  it('turns every other failure of the listing or the download into a typed error', async () => {
    expect((await failure({ kind: 'rate-limited', retryAfter: 60 })).kind).toBe('rate-limited');
    expect((await failure({ kind: 'server-error', status: 503 })).kind).toBe('server-error');
    const page = await failure({ kind: 'html-error-page', status: 200, title: 'NCEI is down for maintenance' });
    expect([page.kind, page.message]).toEqual(['html-error-page', expect.stringContaining('"NCEI is down for maintenance"')]);
    expect((await failure({ kind: 'hang' }, { timeoutMs: 300 })).kind).toBe('timeout');
    // The listing answers; the download is cut, garbled or of the wrong type.
    const downloadFailure = async (fault: Fault) => {
      downloadFault = fault;
      return failure(null);
    };
    const cut = await downloadFailure({ kind: 'truncated' });
    expect([cut.kind, cut.message]).toEqual(['truncated', expect.stringContaining('Download it again')]);
    expect((await downloadFailure({ kind: 'malformed', body: 'not a gzip file at all' })).kind).toBe('malformed-body');
    expect((await downloadFailure({ kind: 'wrong-content-type', contentType: 'image/jpeg' })).kind).toBe('wrong-content-type');
  });
});
