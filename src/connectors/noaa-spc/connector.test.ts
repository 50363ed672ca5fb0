import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { configureSource } from '../../core/cost/sources';
import { ConnectorError } from '../../core/http/errors';
import type { Db } from '../../core/store/database';
import { startEmulators, type Emulators, type Fault } from '../../emulators/server';
import { fetchSpcReports, isNoReportsError, resolveReportDay, spcReportPath } from './connector';
import { noaaSpcEmulator } from './emulator';
import { stormTestWorld } from './storm-world.testkit';

/** The SPC connector against its emulator on loopback: real paths, the 12Z–12Z day, missing days, and every failure typed. */

let emulators: Emulators;
let db: Db;
let cleanup: () => void;

beforeAll(async () => {
  emulators = await startEmulators({ world: stormTestWorld(), routes: [noaaSpcEmulator] });
  ({ db, cleanup } = costTestDb('fm-spc-'));
  // The government default (one request every 2 s) would only slow the test down.
  configureSource(db, 'noaa-spc', { baseUrl: emulators.baseUrls['noaa-spc'], requestsPerSecond: 100, burst: 10 }, { actor: 'test' });
});
afterAll(async () => {
  await emulators.close();
  cleanup();
});
afterEach(() => emulators.setFaults('noaa-spc', null));

async function failure(fault: Fault, options: { timeoutMs?: number } = {}): Promise<ConnectorError> {
  emulators.setFaults('noaa-spc', { fault });
  const error = await fetchSpcReports(db, '2024-05-20', ['hail'], { retries: 0, timeoutMs: 2_000, ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('fetchSpcReports', () => {
  it("reads a report day's three files from SPC's real paths, times past midnight UTC included", async () => {
    const before = emulators.requests('noaa-spc').length;
    const result = await fetchSpcReports(db, '2024-05-20', ['hail', 'wind', 'tornado'], { firstRequestAcquired: false });
    expect(emulators.requests('noaa-spc').slice(before).map((r) => r.path)).toEqual([
      '/climo/reports/240520_rpts_filtered_hail.csv',
      '/climo/reports/240520_rpts_filtered_wind.csv',
      '/climo/reports/240520_rpts_filtered_torn.csv',
    ]);
    expect(result.reportDay).toBe('2024-05-20');
    expect(result.files.map((f) => [f.kind, f.published, f.reports.length])).toEqual([
      ['hail', true, 4],
      ['wind', true, 2],
      ['tornado', true, 1],
    ]);
    expect(result.reports.filter((r) => r.occurredAt.startsWith('2024-05-21'))).toHaveLength(3);
    expect(result.reports.find((r) => r.kind === 'tornado')).toMatchObject({ tornadoScale: 'EF1', occurredAt: '2024-05-20T23:48:00.000Z', source: 'noaa-spc' });
  });

  it('takes a day SPC has no file for (its 404 page) as a day without reports, keeping the typed error', async () => {
    const result = await fetchSpcReports(db, '2024-05-22', ['hail']);
    expect(result.reports).toEqual([]);
    const [file] = result.files;
    expect([file!.published, file!.missing?.kind, file!.missing?.status]).toEqual([false, 'http-status', 404]);
    expect(isNoReportsError(file!.missing)).toBe(true);
  });

  it("asks for today's and yesterday's files by their own names", async () => {
    const now = new Date('2024-05-21T09:00:00Z');
    expect(resolveReportDay('today', now)).toBe('2024-05-20');
    expect(resolveReportDay('yesterday', now)).toBe('2024-05-19');
    expect(resolveReportDay('today', new Date('2024-05-21T12:00:00Z'))).toBe('2024-05-21');
    expect(spcReportPath('today', '2024-05-20', 'tornado')).toBe('/climo/reports/today_filtered_torn.csv');
    const result = await fetchSpcReports(db, 'yesterday', ['wind']);
    expect(result.files[0]!.published).toBe(true);
    expect(emulators.requests('noaa-spc').at(-1)!.path).toBe('/climo/reports/yesterday_filtered_wind.csv');
  });

  it('refuses a day that is not a date before asking', async () => {
    await expect(fetchSpcReports(db, '2024-02-30', ['hail'])).rejects.toThrow(/not a report day/);
  });

  it('waits out a 429 with Retry-After and a 5xx, then answers', async () => {
    emulators.setFaults('noaa-spc', { fault: { kind: 'rate-limited', retryAfter: 1 }, times: 1 });
    expect((await fetchSpcReports(db, '2024-05-20', ['hail'], { retries: 2 })).reports).toHaveLength(4);
    emulators.setFaults('noaa-spc', { fault: { kind: 'server-error', status: 500 }, times: 1 });
    expect((await fetchSpcReports(db, '2024-05-20', ['hail'], { retries: 2 })).reports).toHaveLength(4);
  });

  it('turns every other failure into a typed error, and an HTML page served as 200 is not "no reports"', async () => {
    expect((await failure({ kind: 'rate-limited', retryAfter: 60 })).kind).toBe('rate-limited');
    expect((await failure({ kind: 'server-error', status: 503 })).kind).toBe('server-error');
    const page = await failure({ kind: 'html-error-page', status: 200, title: 'Down for maintenance' });
    expect(page.kind).toBe('html-error-page');
    expect(isNoReportsError(page)).toBe(false);
    expect((await failure({ kind: 'wrong-content-type', contentType: 'image/png' })).kind).toBe('wrong-content-type');
    expect((await failure({ kind: 'malformed', body: 'om,yr,mo,dy\n1,1955,01,17\n' })).kind).toBe('malformed-body');
    expect((await failure({ kind: 'hang' }, { timeoutMs: 300 })).kind).toBe('timeout');
  });

  it('keeps the rows it can read when the file is cut part-way', async () => {
    emulators.setFaults('noaa-spc', { fault: { kind: 'truncated' } });
    const result = await fetchSpcReports(db, '2024-05-20', ['hail'], { retries: 0 });
    const [file] = result.files;
    // Half a file: the whole rows before the cut, and the cut row rejected with its reason.
    expect(file!.reports.length).toBeLessThan(4);
    expect(file!.rejected).toEqual([{ line: file!.reports.length + 2, reason: expect.stringMatching(/ends part-way through this row/) }]);
  });
});
