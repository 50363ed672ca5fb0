import type { Db } from '../../src/core/store';

/**
 * What bench/pipeline watches while a scan runs, without touching the app's code:
 *
 *   recordStepStarts(db)                → a trigger in the bench's throwaway store that keeps the
 *                                         time each stage's FIRST step was marked running
 *   stageTimings(db, runId, createdAt)  → per stage: first step started, last step done (s from the
 *                                         scan's creation), steps
 *   new PeakSampler(read, everyMs)      → polls memory figures and keeps the maximum of each
 *
 * Note: a step's row in scan_steps has one timestamp, overwritten when the step finishes, so the
 * start of a stage is only known while it runs; the trigger copies the orchestrator's own
 * `updated_at` of the running row (one INSERT OR IGNORE per step start: negligible next to the
 * step's own writes).
 */

export function recordStepStarts(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS bench_stage_starts (run_id TEXT NOT NULL, stage TEXT NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (run_id, stage)) STRICT;
    CREATE TRIGGER IF NOT EXISTS bench_stage_started AFTER UPDATE OF state ON scan_steps
      WHEN NEW.state = 'running' AND OLD.state <> 'running'
      BEGIN INSERT OR IGNORE INTO bench_stage_starts (run_id, stage, started_at) VALUES (NEW.run_id, NEW.stage, NEW.updated_at); END;
  `);
}

export interface StageTiming {
  stage: string;
  steps: number;
  /** Seconds from the scan's creation to its first step marked running (null: never ran). */
  firstStartS: number | null;
  /** Seconds from the scan's creation to its last step finishing. */
  lastDoneS: number | null;
  /** lastDone − firstStart. */
  seconds: number | null;
}

export function stageTimings(db: Db, runId: string, createdAt: string): StageTiming[] {
  const origin = Date.parse(createdAt);
  const rows = db
    .prepare(
      `SELECT s.stage AS stage, count(*) AS steps, max(CASE WHEN s.state IN ('done', 'failed', 'skipped') THEN s.updated_at END) AS last, b.started_at AS first
       FROM scan_steps s LEFT JOIN bench_stage_starts b ON b.run_id = s.run_id AND b.stage = s.stage
       WHERE s.run_id = ? GROUP BY s.stage`,
    )
    .all(runId) as Array<{ stage: string; steps: number; last: string | null; first: string | null }>;
  const since = (iso: string | null) => (iso === null ? null : (Date.parse(iso) - origin) / 1000);
  return rows.map((row) => {
    const firstStartS = since(row.first);
    const lastDoneS = since(row.last);
    return { stage: row.stage, steps: row.steps, firstStartS, lastDoneS, seconds: firstStartS !== null && lastDoneS !== null ? lastDoneS - firstStartS : null };
  });
}

/** Polls `read` every `everyMs` and keeps the largest value seen under each name. */
export class PeakSampler {
  readonly peaks = new Map<string, number>();
  samples = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly read: () => Record<string, number | null>, everyMs: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    this.samples += 1;
    for (const [name, value] of Object.entries(this.read())) {
      if (value !== null && Number.isFinite(value) && value > (this.peaks.get(name) ?? -1)) this.peaks.set(name, value);
    }
  }

  stop(): Record<string, number> {
    clearInterval(this.timer);
    this.sample();
    return Object.fromEntries(this.peaks);
  }
}
