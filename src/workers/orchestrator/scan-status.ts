import { SCAN_STAGES, scanOptionsSchema, scanSummarySchema, type ScanOptions, type ScanStage, type ScanStatus, type StageProgress } from '../../core/contracts/scan-api';
import { RpcError } from '../../core/rpc/protocol';
import type { Db } from '../../core/store/database';
import { getScanRun, scanProgress, type ScanRun } from '../../core/store/scan-runs';

/**
 * A scan's status as the UI and the CLI see it, read from the store (so it is the same in every
 * process and after any restart): the run's state, per-stage step counts, the summary once done,
 * and one line saying what is happening.
 */

/** What a run keeps in scan_runs.options besides the scan options themselves. */
export interface StoredRunOptions {
  options: ScanOptions;
  territoryName: string | null;
}

export function storeRunOptions(options: ScanOptions, territoryName: string | null): Record<string, unknown> {
  return { ...options, territoryName };
}

export function readRunOptions(run: ScanRun): StoredRunOptions {
  const { territoryName, ...rest } = run.options;
  const parsed = scanOptionsSchema.safeParse(rest);
  // Note: options written by a newer version may not parse; the defaults keep the run readable.
  return { options: parsed.success ? parsed.data : scanOptionsSchema.parse({}), territoryName: typeof territoryName === 'string' ? territoryName : null };
}

const STAGE_WORDS: Record<ScanStage, string> = {
  scrape: 'Collecting buildings, parcels, permits and storm reports',
  census: 'Finding census tracts and their figures',
  enrich: 'Joining facts, estimating what is missing, and scoring completeness',
  paid: 'Filling the gaps of incomplete properties',
  imagery: 'Fetching, enhancing and scoring roof images',
  leads: 'Assessing roofs and scoring leads',
  summary: 'Adding up',
};

export function stagesOf(db: Db, runId: string): StageProgress[] {
  const progress = scanProgress(db, runId);
  return SCAN_STAGES.map((stage) => {
    const counts = progress[stage];
    return {
      stage,
      total: counts?.total ?? 0,
      done: counts?.done ?? 0,
      failed: counts?.failed ?? 0,
      skipped: counts?.skipped ?? 0,
      running: counts?.running ?? 0,
      pending: counts?.pending ?? 0,
    };
  });
}

export function scanStatus(db: Db, runId: string, live: { stage: ScanStage | null } | null = null): ScanStatus {
  const run = getScanRun(db, runId);
  if (!run) throw new RpcError('bad-input', `There is no scan ${runId} in this data folder; \`fishmouth scan\` starts one.`);
  const { options, territoryName } = readRunOptions(run);
  const stages = stagesOf(db, runId);
  const summary = run.state === 'completed' ? scanSummarySchema.safeParse(run.summary) : null;
  const stage = live?.stage ?? null;
  return {
    runId: run.id,
    territoryId: run.territoryId,
    territoryName,
    bbox: run.bbox,
    state: run.state,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    finishedAt: run.finishedAt,
    stage,
    stages,
    options,
    summary: summary?.success ? summary.data : null,
    error: run.error,
    message: messageOf(run, stage, stages, live !== null),
  };
}

function messageOf(run: ScanRun, stage: ScanStage | null, stages: StageProgress[], active: boolean): string {
  switch (run.state) {
    case 'completed':
      return 'Scan complete.';
    case 'cancelled':
      return 'Scan cancelled; what it collected is kept.';
    case 'failed':
      return `Scan stopped: ${run.error ?? 'an unexpected error'}. Resume it to try again.`;
    case 'paused':
      return 'Scan paused; resume it to go on.';
    case 'planned':
      return 'Scan planned; starting…';
    case 'running': {
      if (!active) return 'Scan interrupted; it resumes when Fish Mouth runs again.';
      if (!stage) return 'Scan running…';
      const counts = stages.find((entry) => entry.stage === stage)!;
      const finished = counts.done + counts.failed + counts.skipped;
      return `${STAGE_WORDS[stage]}: ${finished} of ${counts.total} steps.`;
    }
  }
}
