import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/helpers';
import { addLead } from '../../core/leads/leads.testkit';
import { logVisit } from '../../core/leads/visits-store';
import type { VisitOutcome } from '../../core/leads/types';
import { openDatabase, runMigrations, type Db } from '../../core/store';
import { DEFAULT_LEAD_PRIOR, leadModelFromOnnx } from '../../ml/lead-model';
import { normals, uniforms } from '../../ml/ml.testkit';
import { activeModel } from '../../ml/model-registry';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { modelCommand } from './model';

const root = tempDataDir('fishmouth-model-cli-');
afterAll(() => root.cleanup());
let counter = 0;
const freshDataDir = () => join(root.dir, `data-${++counter}`);

async function run(args: string[]) {
  const ctx = testContext();
  const code = await runCli(['model', ...args], ctx, [modelCommand]);
  return { code, out: ctx.out(), err: ctx.err(), json: () => JSON.parse(ctx.out()) };
}

function withDb<T>(dataDir: string, work: (db: Db) => T): T {
  const db = openDatabase(dataDir);
  runMigrations(db);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

const INCOME = 7;
/**
 * Logs `n` door visits, each on its own lead with a feature vector at the time; the doors that
 * booked are mostly those in richer tracts (a signal the prior weighs at 0.1). A few leads get a
 * 'contacted' first or a corrected outcome later, as reps do.
 */
function logSyntheticVisits(db: Db, n: number, seed = 9): void {
  const u = uniforms(seed);
  const normal = normals(u);
  for (let i = 0; i < n; i++) {
    const z = DEFAULT_LEAD_PRIOR.mean.map(() => normal());
    const features = z.map((zi, j) => DEFAULT_LEAD_PRIOR.mean[j]! + DEFAULT_LEAD_PRIOR.scale[j]! * zi);
    const booked = u() < 1 / (1 + Math.exp(-(-0.8 + 2.2 * z[INCOME]!)));
    const lead = addLead(db, { lat: 30.5 + i * 1e-4, lng: -97.68 }, { features });
    const at = (hours: number) => new Date(Date.UTC(2025, 2, 1) + (i * 6 + hours) * 3_600_000).toISOString();
    if (i % 7 === 0) logVisit(db, { leadId: lead.id, outcome: 'contacted', at: at(0) });
    const outcome: VisitOutcome = booked ? (i % 2 ? 'appointment' : 'sold') : i % 3 ? 'not_interested' : 'not_home';
    if (i % 11 === 0) logVisit(db, { leadId: lead.id, outcome: booked ? 'not_home' : 'appointment', at: at(1) });
    logVisit(db, { leadId: lead.id, outcome, at: at(2) });
  }
}

describe('fishmouth model', () => {
  it('refuses to train on too few outcomes and says how many more it needs (exit 1)', async () => {
    const dataDir = freshDataDir();
    withDb(dataDir, (db) => logSyntheticVisits(db, 12));
    const text = await run(['train', '--data', dataDir]);
    expect(text.code).toBe(EXIT.failure);
    expect(text.err).toMatch(/needs 28 more outcomes/);
    const json = await run(['train', '--json', '--data', dataDir]);
    expect(json.code).toBe(EXIT.failure);
    expect(json.json()).toMatchObject({ ok: false, needMore: 28, outcomes: 12, error: { kind: 'too-few-outcomes' } });
    // Nothing new was written: only the built default v1 is registered.
    expect(withDb(dataDir, (db) => activeModel(db, 'lead-score', { dataDir, builtModelsDir: '/nonexistent' }).id)).toBe('lead-score-v1');
  });

  it('trains v2 from visit outcomes, reports held-out AUC and calibration against the prior, keeps v1; rollback returns to v1', async () => {
    const dataDir = freshDataDir();
    withDb(dataDir, (db) => logSyntheticVisits(db, 160));
    const trained = await run(['train', '--json', '--data', dataDir]);
    expect(trained.code).toBe(EXIT.ok);
    const report = trained.json();
    expect(report.model).toMatchObject({ id: 'lead-score-v2', version: 2, active: true, trainedOn: 160, parentId: 'lead-score-v1' });
    expect(report.metrics.n).toBe(160);
    expect(report.metrics.holdoutN).toBeGreaterThanOrEqual(40);
    expect(report.metrics.aucTrained).toBeGreaterThan(report.metrics.aucPrior);
    expect(report.metrics.calibration).toHaveLength(5);
    expect(report.weights.find((w: { feature: string }) => w.feature === 'tract-income-log').trained).toBeGreaterThan(0.5);
    expect(readdirSync(join(dataDir, 'models')).sort()).toEqual(['lead-score-v1.onnx', 'lead-score-v2.onnx']);
    // The active model file is the trained one, readable as lead model parameters.
    const weights = withDb(dataDir, (db) => {
      const active = activeModel(db, 'lead-score', { dataDir, builtModelsDir: '/nonexistent' });
      return leadModelFromOnnx(active.bytes, active.id).weights;
    });
    expect(weights[INCOME]).toBeCloseTo(report.weights[INCOME].trained, 5);

    const list = await run(['list', '--data', dataDir]);
    expect(list.code).toBe(EXIT.ok);
    expect(list.out).toMatch(/v2\s+lead-score-v2\s+yes/);
    expect(list.out).toMatch(/v1\s+lead-score-v1\s{2,}/);

    const text = await run(['rollback', '--data', dataDir]);
    expect(text.code).toBe(EXIT.ok);
    expect(text.out).toContain('Rolled back lead-score: lead-score-v2 → lead-score-v1 (the built default)');
    const again = await run(['rollback', '--json', '--data', dataDir]);
    expect(again.code).toBe(EXIT.failure);
    expect(again.json().error.message).toMatch(/no earlier version/);
  });

  it('prints a readable training report', async () => {
    const dataDir = freshDataDir();
    withDb(dataDir, (db) => logSyntheticVisits(db, 60, 4));
    const result = await run(['train', '--data', dataDir]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toMatch(/^Trained lead-score-v2 on 60 visit outcomes/);
    expect(result.out).toMatch(/default prior\s+0\.\d{3}\s+0\.\d{3}/);
    expect(result.out).toContain('Calibration of the trained model on the held-out outcomes:');
    expect(result.out).toMatch(/tract-income-log\s+0\.10\s+\d\.\d\d/);
  });

  it('rejects unknown actions and training the roof-condition model', async () => {
    expect((await run(['retrain'])).code).toBe(EXIT.usage);
    expect((await run(['train', '--kind', 'roof-condition'])).code).toBe(EXIT.usage);
  });
});
