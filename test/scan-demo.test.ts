import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanPaidRequestId } from '../src/core/contracts/enrichment-contract';
import { DEMO_TERRITORY_NAME } from '../src/demo/session';
import { isBuilt, waitFor } from './helpers';
import { demoScanRig, duplicateFacts, incompleteAtEnrich, paidRows, type DemoScanRig } from './scan-kit';

/**
 * The demo territory scanned end to end through the real host (six worker-thread services), the
 * real connectors and the loopback emulators: free sources first, paid records only where a
 * property stays incomplete and the budget allows, and a scan that survives being killed.
 */

const PROPERTIES = 300;
const PRICE_MICROS = 50_000;
/** A whole scan, imagery and leads included, on two shared cores. */
const SCAN_TEST_MS = 240_000;

let rig: DemoScanRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const built = isBuilt();
if (!built) console.warn('scan-demo tests skipped: run `npm run build` first (the services run from out/main/workers).');

describe.skipIf(!built)('scanning the demo territory', () => {
  it('with a budget of $0.00 refuses every paid step and still completes from free sources and local estimates', async () => {
    rig = await demoScanRig({ properties: PROPERTIES, dailyBudgetMicros: 0 });
    const runId = await rig.startScan();
    const status = await rig.finished(runId);

    expect(status.state).toBe('completed');
    const summary = status.summary!;
    expect(summary.properties).toBe(PROPERTIES);
    expect(summary.spendMicros).toBe(0);
    const paid = paidRows(rig.db, runId);
    expect(paid.length).toBeGreaterThan(0);
    expect(paid.every((row) => row.outcome === 'refused' && row.cost_micros === 0)).toBe(true);
    expect(new Set(paid.map((row) => row.error_kind))).toEqual(new Set(['daily-limit']));
    expect(summary.paidRefused).toBe(paid.length);
    expect(summary.paidRecords).toBe(0);
    // The gaps were filled where a local estimate can fill them, and said so.
    const estimates = summary.sources.find((source) => source.source === 'local-estimate');
    expect(estimates?.fallbacks).toBeGreaterThan(0);
    expect(summary.estimatedValues).toBeGreaterThan(0);
    // Free sources answered: buildings, parcels, permits, storms, census.
    for (const source of ['osm-overpass', 'arcgis-parcels', 'socrata-permits', 'noaa-spc', 'ncei-storm-events', 'census-geocoder', 'census-acs']) {
      expect(summary.sources.find((entry) => entry.source === source)?.hits, source).toBeGreaterThan(0);
    }
    expect(summary.hailReports).toBeGreaterThan(0);
    expect(summary.roofingPermits).toBeGreaterThan(0);
  }, SCAN_TEST_MS);

  it('with a budget, buys a record only for properties the free sources left incomplete, filling only what they lacked', async () => {
    rig = await demoScanRig({ properties: PROPERTIES });
    const runId = await rig.startScan();
    const status = await rig.finished(runId);
    expect(status.state).toBe('completed');

    const incomplete = incompleteAtEnrich(rig.db, runId);
    const paid = paidRows(rig.db, runId);
    expect(paid.length).toBeGreaterThan(0);
    expect(paid.every((row) => row.outcome === 'hit' && row.cost_micros === PRICE_MICROS)).toBe(true);
    for (const row of paid) expect(incomplete.has(row.property_id)).toBe(true);
    // The rest of the spend is roof imagery bought where NAIP lies under cloud (its own stage).
    expect(status.summary!.spendMicros - (status.summary!.imagery?.costMicros ?? 0)).toBe(paid.length * PRICE_MICROS);
    // Complete properties were served from the store: one ledger row each, carrying the savings.
    const stored = rig.db
      .prepare(`SELECT count(*) FROM cost_ledger WHERE request_id = ? AND source = 'local-store' AND operation = 'property-facts' AND outcome = 'hit' AND list_price_micros = ?`)
      .pluck()
      .get(runId, PRICE_MICROS) as number;
    expect(stored).toBe(PROPERTIES - incomplete.size);
    expect(status.summary!.savingsMicros).toBeGreaterThan(0);
    // A record never replaces a fact a free source gave: only the fields the property lacked come from it.
    for (const row of paid) {
      const sources = JSON.parse(rig.db.prepare('SELECT field_sources FROM properties WHERE id = ?').pluck().get(row.property_id) as string) as Record<string, string>;
      const fromRecords = Object.entries(sources).filter(([, source]) => source === 'property-records').map(([field]) => field);
      expect(fromRecords.length).toBeGreaterThan(0);
      expect(fromRecords.every((field) => ['yearBuilt', 'roofInstalledYear', 'marketValueUsd', 'ownerOccupied', 'livingAreaSqft', 'houseNumber', 'street', 'city', 'state', 'postcode'].includes(field))).toBe(true);
    }
    expect(duplicateFacts(rig.db)).toEqual({ properties: PROPERTIES, osmRecords: PROPERTIES, osmProperties: PROPERTIES });
  }, SCAN_TEST_MS);

  it('finishes after the scraper is killed mid-run, with no duplicate properties', async () => {
    rig = await demoScanRig({ properties: PROPERTIES });
    await rig.startHost();
    // Slow storm reports keep the scrape stage busy long enough to kill the scraper in it.
    rig.emulators.setFaults('noaa-spc', { latencyMs: 300 });
    const runId = await rig.startScan();
    await waitFor(() => stepsDone(rig!, runId, 'scrape') >= 2, 'two scrape steps');
    rig.host!.supervisor('scraper').current!.kill();
    const status = await rig.finished(runId);
    expect(status.state).toBe('completed');
    expect(rig.host!.status().services.find((service) => service.name === 'scraper')!.restarts).toBeGreaterThanOrEqual(1);
    expect(status.stages.find((stage) => stage.stage === 'scrape')!.failed).toBe(0);
    expect(duplicateFacts(rig.db)).toEqual({ properties: PROPERTIES, osmRecords: PROPERTIES, osmProperties: PROPERTIES });
  }, SCAN_TEST_MS);

  it('resumes after the orchestrator is killed in the paid stage, charging no record twice', async () => {
    rig = await demoScanRig({ properties: PROPERTIES });
    await rig.startHost();
    rig.emulators.setFaults('property-records', { latencyMs: 250 });
    const runId = await rig.startScan();
    await waitFor(() => stepsDone(rig!, runId, 'paid') >= 2, 'two paid steps', 30_000);
    rig.host!.supervisor('orchestrator').current!.kill();
    const status = await rig.finished(runId);
    expect(status.state).toBe('completed');
    expectNoDoubleCharge(rig, runId);
    expect(duplicateFacts(rig.db).properties).toBe(PROPERTIES);
  }, SCAN_TEST_MS);

  it('cancels on request: the run ends cancelled with nothing left running, and the next scan of the territory starts afresh', async () => {
    rig = await demoScanRig({ properties: PROPERTIES });
    const link = await rig.startHost();
    rig.emulators.setFaults('noaa-spc', { latencyMs: 400 });
    const runId = await rig.startScan();
    await waitFor(() => rig!.db.prepare(`SELECT 1 FROM scan_steps WHERE run_id = ? AND key LIKE 'buildings:%' AND state = 'done'`).get(runId), 'buildings collected');
    const cancelling = await link.api.cancelScan(runId);
    expect(['running', 'cancelled']).toContain(cancelling.state);
    const status = await rig.finished(runId);
    expect(status.state).toBe('cancelled');
    expect(status.stages.every((stage) => stage.running === 0)).toBe(true);
    // What was collected stays; a new scan is a new run (a cancelled run is final).
    expect(duplicateFacts(rig.db).properties).toBeGreaterThan(0);
    rig.emulators.setFaults('noaa-spc', null);
    const again = await rig.startScan();
    expect(again).not.toBe(runId);
    expect((await rig.finished(again)).state).toBe('completed');
    expect(duplicateFacts(rig.db)).toEqual({ properties: PROPERTIES, osmRecords: PROPERTIES, osmProperties: PROPERTIES });
  }, SCAN_TEST_MS);

  it('resumes a SIGKILLed `fishmouth scan` where it stopped: same run, no duplicates, no second charge', async () => {
    rig = await demoScanRig({ properties: PROPERTIES });
    rig.emulators.setFaults('property-records', { latencyMs: 250 });
    const args = ['scan', '--territory', DEMO_TERRITORY_NAME, '--county', 'demo', '--permits', 'demo', '--json', '--data', rig.dir];
    const first = runCli(args);
    const runId = await waitFor(() => rig!.db.prepare('SELECT id FROM scan_runs').pluck().get() as string | undefined, 'the scan to start', 30_000);
    await waitFor(() => stepsDone(rig!, runId, 'paid') >= 2, 'two paid steps', 30_000);
    first.child.kill('SIGKILL');
    await first.exit;
    expect(rig.db.prepare('SELECT state FROM scan_runs WHERE id = ?').pluck().get(runId)).toBe('running');
    const paidBefore = paidRows(rig.db, runId).filter((row) => row.cost_micros > 0).length;

    const second = runCli(args);
    expect(await second.exit).toBe(0);
    const answer = JSON.parse(second.stdout()) as { ok: boolean; scan: { runId: string; state: string; summary: { properties: number } } };
    expect(answer.ok).toBe(true);
    expect(answer.scan.runId).toBe(runId);
    expect(answer.scan.summary.properties).toBe(PROPERTIES);
    expect(paidRows(rig.db, runId).filter((row) => row.cost_micros > 0).length).toBeGreaterThanOrEqual(paidBefore);
    expectNoDoubleCharge(rig, runId);
    expect(duplicateFacts(rig.db)).toEqual({ properties: PROPERTIES, osmRecords: PROPERTIES, osmProperties: PROPERTIES });
  }, SCAN_TEST_MS);
});

function stepsDone(rig: DemoScanRig, runId: string, stage: string): number {
  return Number(rig.db.prepare(`SELECT count(*) FROM scan_steps WHERE run_id = ? AND stage = ? AND state = 'done'`).pluck().get(runId, stage));
}

/** One charge at most per property, every charge's facts on file, and the spend equal to the charges. */
function expectNoDoubleCharge(rig: DemoScanRig, runId: string): void {
  const charged = paidRows(rig.db, runId).filter((row) => row.cost_micros > 0);
  const perProperty = new Map<string, number>();
  for (const row of charged) perProperty.set(row.property_id, (perProperty.get(row.property_id) ?? 0) + 1);
  expect([...perProperty.values()].every((count) => count === 1)).toBe(true);
  const withRecord = rig.db.prepare(`SELECT count(DISTINCT property_id) FROM property_sources WHERE source = 'property-records'`).pluck().get() as number;
  expect(withRecord).toBe(charged.filter((row) => row.outcome === 'hit').length);
  const spent = rig.db.prepare(`SELECT coalesce(sum(cost_micros), 0) FROM cost_ledger WHERE request_id IN (?, ?)`).pluck().get(runId, scanPaidRequestId(runId)) as number;
  expect(spent).toBe(charged.length * PRICE_MICROS);
}

/** The built CLI as a child process, as a user runs it. */
function runCli(args: string[]) {
  let out = '';
  const child = fork(resolve('bin/fishmouth.js'), args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, FISHMOUTH_DATA: '' } });
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr!.resume();
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exit, stdout: () => out };
}
