import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BBox } from '../domain/geo';
import { openDatabase, type Db } from './database';
import { StoreError } from './errors';
import { runMigrations } from './migrations';
import {
  createScanRun,
  finishScanStep,
  getScanRun,
  listScanRuns,
  listScanSteps,
  planScanSteps,
  releaseInterruptedSteps,
  scanProgress,
  setScanRunState,
  startScanStep,
} from './scan-runs';

const bbox: BBox = [-97.75, 30.25, -97.7, 30.3];
let dataDir: string;
let db: Db;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-scan-runs-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError');
}

describe('scan runs', () => {
  it('go through their lifecycle and refuse to leave a finished state', () => {
    const run = createScanRun(db, { bbox, options: { budgetMicros: 0 } });
    expect(run).toMatchObject({ state: 'planned', bbox, options: { budgetMicros: 0 }, summary: {}, finishedAt: null, territoryId: null });
    expect(setScanRunState(db, run.id, 'running').state).toBe('running');
    expect(setScanRunState(db, run.id, 'paused').state).toBe('paused');
    setScanRunState(db, run.id, 'running');
    const done = setScanRunState(db, run.id, 'completed', { summary: { properties: 12 } });
    expect(done).toMatchObject({ state: 'completed', summary: { properties: 12 } });
    expect(done.finishedAt).not.toBeNull();
    const refused = storeError(() => setScanRunState(db, run.id, 'running'));
    expect(refused.kind).toBe('invalid-input');
    expect(refused.message).toContain('start a new scan');
  });

  it('keep the reason a run failed, and may be resumed after it', () => {
    const run = createScanRun(db, { bbox });
    setScanRunState(db, run.id, 'running');
    expect(setScanRunState(db, run.id, 'failed', { error: 'Overpass timed out' })).toMatchObject({ state: 'failed', error: 'Overpass timed out' });
    expect(setScanRunState(db, run.id, 'running')).toMatchObject({ state: 'running', error: null, finishedAt: null });
  });

  it('are listed newest first, filtered by state', () => {
    const first = createScanRun(db, { bbox });
    const second = createScanRun(db, { bbox });
    setScanRunState(db, first.id, 'running');
    expect(listScanRuns(db).map((r) => r.id)).toEqual([second.id, first.id]);
    expect(listScanRuns(db, { states: ['running'] }).map((r) => r.id)).toEqual([first.id]);
    expect(getScanRun(db, 'nope')).toBeNull();
    expect(storeError(() => setScanRunState(db, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'running')).kind).toBe('not-found');
  });

  it('refuse an absurd box', () => {
    expect(storeError(() => createScanRun(db, { bbox: [-97.7, 30.3, -97.75, 30.25] as BBox })).kind).toBe('invalid-input');
  });
});

describe('scan steps', () => {
  it('resume after a crash: done steps stay done, running ones go back to pending with their request id', () => {
    const run = createScanRun(db, { bbox });
    expect(planScanSteps(db, run.id, 'collect', ['tile-1', 'tile-2', 'tile-3'])).toBe(3);
    startScanStep(db, run.id, 'collect', 'tile-1');
    finishScanStep(db, run.id, 'collect', 'tile-1', { state: 'done', result: { properties: 40 } });
    startScanStep(db, run.id, 'collect', 'tile-2', { ledgerRequestId: 'req-42' });
    // …the process is killed here; a new one plans the same steps again and resumes.
    expect(planScanSteps(db, run.id, 'collect', ['tile-1', 'tile-2', 'tile-3'])).toBe(0);
    expect(releaseInterruptedSteps(db, run.id)).toBe(1);
    const pending = listScanSteps(db, run.id, { stage: 'collect', states: ['pending'] });
    expect(pending.map((s) => [s.key, s.attempts, s.ledgerRequestId])).toEqual([
      ['tile-2', 1, 'req-42'],
      ['tile-3', 0, null],
    ]);
    expect(listScanSteps(db, run.id, { states: ['done'] })[0]).toMatchObject({ key: 'tile-1', result: { properties: 40 } });
    expect(storeError(() => startScanStep(db, run.id, 'collect', 'tile-1')).message).toContain('already done');
  });

  it('report progress per stage', () => {
    const run = createScanRun(db, { bbox });
    planScanSteps(db, run.id, 'collect', ['a', 'b']);
    planScanSteps(db, run.id, 'enrich', ['p1', 'p2', 'p3']);
    startScanStep(db, run.id, 'collect', 'a');
    finishScanStep(db, run.id, 'collect', 'a', { state: 'done' });
    startScanStep(db, run.id, 'enrich', 'p1');
    finishScanStep(db, run.id, 'enrich', 'p1', { state: 'failed', error: 'census refused the key' });
    finishScanStep(db, run.id, 'enrich', 'p2', { state: 'skipped' });
    expect(scanProgress(db, run.id)).toEqual({
      collect: { pending: 1, running: 0, done: 1, failed: 0, skipped: 0, total: 2 },
      enrich: { pending: 1, running: 0, done: 0, failed: 1, skipped: 1, total: 3 },
    });
    expect(listScanSteps(db, run.id, { states: ['failed'] })[0]!.error).toBe('census refused the key');
  });

  it('need a planned step and an existing run', () => {
    const run = createScanRun(db, { bbox });
    expect(storeError(() => startScanStep(db, run.id, 'collect', 'never')).kind).toBe('not-found');
    expect(storeError(() => planScanSteps(db, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'collect', ['x'])).kind).toBe('not-found');
  });
});
