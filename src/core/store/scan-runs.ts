import { z } from 'zod';
import { bboxSchema, type BBox } from '../domain/geo';
import { newId } from '../ids';
import { nowIso, statement, writeTransaction, type Db } from './database';
import { StoreError, parseInput, parseRow } from './errors';

/**
 * Territory scans as rows, so a scan killed at any moment resumes where it stopped: a run, and
 * one step per unit of work (a tile, a property, a census tract…) in each stage. A step that is
 * `done` is never redone; a step that was `running` when the process died goes back to `pending`
 * and keeps its `ledger_request_id`, so a paid call already made can be found in the ledger and
 * not paid twice. Local to this device (not synced).
 *
 *   createScanRun(db, { bbox, territoryId?, options?, id? })   → ScanRun ('planned')
 *   getScanRun(db, id) · listScanRuns(db, { states?, territoryId?, limit? })
 *   setScanRunState(db, id, state, { summary?, error? })      → ScanRun (transitions checked)
 *   updateScanRunSummary(db, id, summary)                      → ScanRun
 *   planScanSteps(db, runId, stage, keys)                      → how many were new (pending)
 *   startScanStep(db, runId, stage, key, { ledgerRequestId? }) → ScanStep (running, attempts + 1)
 *   finishScanStep(db, runId, stage, key, { state, result?, error? }) → ScanStep
 *   getScanStep · listScanSteps(db, runId, { stage?, states?, limit? })
 *   releaseInterruptedSteps(db, runId)                          → steps put back to pending
 *   scanProgress(db, runId)                                     → counts per stage and state
 */

export const SCAN_RUN_STATES = ['planned', 'running', 'paused', 'cancelled', 'failed', 'completed'] as const;
export type ScanRunState = (typeof SCAN_RUN_STATES)[number];
export const SCAN_STEP_STATES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type ScanStepState = (typeof SCAN_STEP_STATES)[number];

/** Which states a run may move to from each state. Cancelled and completed runs are final. */
const RUN_TRANSITIONS: Record<ScanRunState, readonly ScanRunState[]> = {
  planned: ['running', 'cancelled', 'failed'],
  running: ['running', 'paused', 'cancelled', 'failed', 'completed'],
  paused: ['running', 'cancelled'],
  failed: ['running', 'cancelled'],
  cancelled: [],
  completed: [],
};
const FINISHED: ReadonlySet<ScanRunState> = new Set(['cancelled', 'failed', 'completed']);

const jsonObject = z.string().transform((text, ctx) => {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'not a JSON object' });
  return z.NEVER;
});

const scanRunRowSchema = z
  .object({
    id: z.string().min(1),
    territory_id: z.string().nullable(),
    bbox: z.string().transform((text) => JSON.parse(text) as unknown).pipe(bboxSchema),
    state: z.enum(SCAN_RUN_STATES),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
    options: jsonObject,
    summary: jsonObject,
    error: z.string().nullable(),
  })
  .transform((row) => ({
    id: row.id,
    territoryId: row.territory_id,
    bbox: row.bbox,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    options: row.options,
    summary: row.summary,
    error: row.error,
  }));
export type ScanRun = z.output<typeof scanRunRowSchema>;

const scanStepRowSchema = z
  .object({
    run_id: z.string(),
    stage: z.string(),
    key: z.string(),
    state: z.enum(SCAN_STEP_STATES),
    attempts: z.number().int().min(0),
    result: z.string().nullable().transform((text) => (text === null ? null : (JSON.parse(text) as unknown))),
    error: z.string().nullable(),
    ledger_request_id: z.string().nullable(),
    updated_at: z.string(),
  })
  .transform((row) => ({
    runId: row.run_id,
    stage: row.stage,
    key: row.key,
    state: row.state,
    attempts: row.attempts,
    result: row.result,
    error: row.error,
    ledgerRequestId: row.ledger_request_id,
    updatedAt: row.updated_at,
  }));
export type ScanStep = z.output<typeof scanStepRowSchema>;

const newRunSchema = z.object({
  id: z.string().uuid().optional(),
  bbox: bboxSchema,
  territoryId: z.string().min(1).nullable().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});
const stepNameSchema = z.string().trim().min(1).max(300);

export function createScanRun(db: Db, input: { bbox: BBox; territoryId?: string | null; options?: Record<string, unknown>; id?: string }): ScanRun {
  const valid = parseInput(newRunSchema, input, 'scan');
  const id = valid.id ?? newId();
  const now = nowIso();
  statement(
    db,
    `INSERT INTO scan_runs (id, territory_id, bbox, state, created_at, updated_at, options)
     VALUES (?, ?, ?, 'planned', ?, ?, ?)`,
  ).run(id, valid.territoryId ?? null, JSON.stringify(valid.bbox), now, now, JSON.stringify(valid.options ?? {}));
  return getScanRun(db, id)!;
}

export function getScanRun(db: Db, id: string): ScanRun | null {
  const row = statement(db, 'SELECT * FROM scan_runs WHERE id = ?').get(id);
  return row === undefined ? null : parseRow(scanRunRowSchema, row, 'scan run');
}

/** Newest first. */
export function listScanRuns(db: Db, filter: { states?: readonly ScanRunState[]; territoryId?: string; limit?: number } = {}): ScanRun[] {
  const states = filter.states ?? SCAN_RUN_STATES;
  return statement(
    db,
    `SELECT * FROM scan_runs
     WHERE state IN (SELECT value FROM json_each(?)) AND (? IS NULL OR territory_id = ?)
     ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
    .all(JSON.stringify(states), filter.territoryId ?? null, filter.territoryId ?? null, filter.limit ?? 100)
    .map((row) => parseRow(scanRunRowSchema, row, 'scan run'));
}

/** Moves a run to `state`; refuses a move the lifecycle does not allow (e.g. out of 'completed'). */
export function setScanRunState(db: Db, id: string, state: ScanRunState, details: { summary?: Record<string, unknown>; error?: string | null } = {}): ScanRun {
  return writeTransaction(db, () => {
    const run = requireRun(db, id);
    if (!RUN_TRANSITIONS[run.state].includes(state)) {
      throw new StoreError('invalid-input', `This scan is ${run.state} and cannot become ${state}${FINISHED.has(run.state) ? '; start a new scan instead' : ''}.`);
    }
    const now = nowIso();
    statement(
      db,
      `UPDATE scan_runs SET state = ?, updated_at = ?, finished_at = ?,
         summary = coalesce(?, summary), error = ?
       WHERE id = ?`,
    ).run(
      state,
      now,
      FINISHED.has(state) ? now : null,
      details.summary === undefined ? null : JSON.stringify(details.summary),
      state === 'failed' ? (details.error ?? run.error ?? 'The scan failed.') : (details.error ?? null),
      id,
    );
    return getScanRun(db, id)!;
  });
}

export function updateScanRunSummary(db: Db, id: string, summary: Record<string, unknown>): ScanRun {
  const result = statement(db, 'UPDATE scan_runs SET summary = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(summary), nowIso(), id);
  if (result.changes === 0) throw notFound(id);
  return getScanRun(db, id)!;
}

/** Adds pending steps for `keys`; keys already planned (in any state) are left as they are. */
export function planScanSteps(db: Db, runId: string, stage: string, keys: readonly string[]): number {
  const validStage = parseInput(stepNameSchema, stage, 'scan stage');
  const insert = statement(db, `INSERT OR IGNORE INTO scan_steps (run_id, stage, key, state, updated_at) VALUES (?, ?, ?, 'pending', ?)`);
  return writeTransaction(db, () => {
    requireRun(db, runId);
    const now = nowIso();
    let added = 0;
    for (const key of keys) added += insert.run(runId, validStage, parseInput(stepNameSchema, key, 'scan step key'), now).changes;
    return added;
  });
}

/**
 * Marks a step running and counts the attempt. Record the request id of a paid call here BEFORE
 * making it: after a crash, the ledger tells whether that request was already charged.
 */
export function startScanStep(db: Db, runId: string, stage: string, key: string, options: { ledgerRequestId?: string } = {}): ScanStep {
  return writeTransaction(db, () => {
    const step = requireStep(db, runId, stage, key);
    if (step.state === 'done' || step.state === 'skipped') {
      throw new StoreError('invalid-input', `Scan step ${stage}/${key} is already ${step.state}; it is not run again.`);
    }
    statement(
      db,
      `UPDATE scan_steps SET state = 'running', attempts = attempts + 1, ledger_request_id = coalesce(?, ledger_request_id), error = NULL, updated_at = ?
       WHERE run_id = ? AND stage = ? AND key = ?`,
    ).run(options.ledgerRequestId ?? null, nowIso(), runId, stage, key);
    return requireStep(db, runId, stage, key);
  });
}

export function finishScanStep(
  db: Db,
  runId: string,
  stage: string,
  key: string,
  outcome: { state: 'done' | 'failed' | 'skipped'; result?: unknown; error?: string },
): ScanStep {
  return writeTransaction(db, () => {
    requireStep(db, runId, stage, key);
    statement(db, 'UPDATE scan_steps SET state = ?, result = ?, error = ?, updated_at = ? WHERE run_id = ? AND stage = ? AND key = ?').run(
      outcome.state,
      outcome.result === undefined ? null : JSON.stringify(outcome.result),
      outcome.state === 'failed' ? (outcome.error ?? 'failed') : (outcome.error ?? null),
      nowIso(),
      runId,
      stage,
      key,
    );
    return requireStep(db, runId, stage, key);
  });
}

export function getScanStep(db: Db, runId: string, stage: string, key: string): ScanStep | null {
  const row = statement(db, 'SELECT * FROM scan_steps WHERE run_id = ? AND stage = ? AND key = ?').get(runId, stage, key);
  return row === undefined ? null : parseRow(scanStepRowSchema, row, 'scan step');
}

/** In key order, so a resumed scan works through its steps in the order it planned them. */
export function listScanSteps(db: Db, runId: string, filter: { stage?: string; states?: readonly ScanStepState[]; limit?: number } = {}): ScanStep[] {
  return statement(
    db,
    `SELECT * FROM scan_steps
     WHERE run_id = ? AND (? IS NULL OR stage = ?) AND state IN (SELECT value FROM json_each(?))
     ORDER BY stage, key LIMIT ?`,
  )
    .all(runId, filter.stage ?? null, filter.stage ?? null, JSON.stringify(filter.states ?? SCAN_STEP_STATES), filter.limit ?? -1)
    .map((row) => parseRow(scanStepRowSchema, row, 'scan step'));
}

/** After a crash: steps left 'running' go back to 'pending' (attempts and request ids kept). */
export function releaseInterruptedSteps(db: Db, runId: string): number {
  return statement(db, `UPDATE scan_steps SET state = 'pending', updated_at = ? WHERE run_id = ? AND state = 'running'`).run(nowIso(), runId).changes;
}

export type StageProgress = Record<ScanStepState, number> & { total: number };

export function scanProgress(db: Db, runId: string): Record<string, StageProgress> {
  const rows = statement(db, 'SELECT stage, state, count(*) AS n FROM scan_steps WHERE run_id = ? GROUP BY stage, state ORDER BY stage').all(runId) as {
    stage: string;
    state: ScanStepState;
    n: number;
  }[];
  const progress: Record<string, StageProgress> = {};
  for (const row of rows) {
    const stage = (progress[row.stage] ??= { pending: 0, running: 0, done: 0, failed: 0, skipped: 0, total: 0 });
    stage[row.state] += row.n;
    stage.total += row.n;
  }
  return progress;
}

function requireRun(db: Db, id: string): ScanRun {
  const run = getScanRun(db, id);
  if (!run) throw notFound(id);
  return run;
}

function requireStep(db: Db, runId: string, stage: string, key: string): ScanStep {
  const step = getScanStep(db, runId, stage, key);
  if (!step) throw new StoreError('not-found', `Scan step ${stage}/${key} was never planned for scan ${runId}.`);
  return step;
}

function notFound(id: string): StoreError {
  return new StoreError('not-found', `There is no scan ${id} in this data folder; start a new scan.`);
}
