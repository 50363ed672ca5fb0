import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../core/store/database';
import { runMigrations } from '../core/store/migrations';
import { isMlError } from './errors';
import { buildLeadModelOnnx, DEFAULT_LEAD_PRIOR, leadModelFromOnnx } from './lead-model';
import { activeModel, listModels, registerModel, rollbackModel } from './model-registry';

let dataDir: string;
let builtDir: string;
let db: Db;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-registry-'));
  builtDir = join(dataDir, 'built');
  mkdirSync(builtDir);
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const prior = buildLeadModelOnnx(DEFAULT_LEAD_PRIOR);
const retrained = buildLeadModelOnnx({ ...DEFAULT_LEAD_PRIOR, weights: DEFAULT_LEAD_PRIOR.weights.map((w) => w * 1.5) });

describe('model registry', () => {
  it('first use registers the built default as v1, copied into the data folder', () => {
    writeFileSync(join(builtDir, 'lead-score.onnx'), prior);
    const v1 = activeModel(db, 'lead-score', { dataDir, builtModelsDir: builtDir });
    expect(v1).toMatchObject({ id: 'lead-score-v1', version: 1, active: true, trainedOn: 0 });
    expect(Buffer.from(v1.bytes).equals(Buffer.from(prior))).toBe(true);
    expect(v1.path).toBe(join(dataDir, 'models', 'lead-score-v1.onnx'));
    // Second use reads the registered one; the built file may go away.
    rmSync(join(builtDir, 'lead-score.onnx'));
    expect(activeModel(db, 'lead-score', { dataDir, builtModelsDir: builtDir }).id).toBe('lead-score-v1');
    expect(listModels(db, 'lead-score')).toHaveLength(1);
  });

  it('says to build when there is no built default, or builds it in memory when told how', () => {
    let error: unknown;
    try {
      activeModel(db, 'lead-score', { dataDir, builtModelsDir: builtDir });
    } catch (e) {
      error = e;
    }
    expect(isMlError(error, 'model-missing') && error.message).toMatch(/npm run build/);
    const v1 = activeModel(db, 'lead-score', { dataDir, builtModelsDir: builtDir, builtDefault: () => prior });
    expect(leadModelFromOnnx(v1.bytes, v1.id).weights).toEqual(DEFAULT_LEAD_PRIOR.weights);
  });

  it('a retrained model becomes v2 and active, the old one stays; rollback returns to v1', () => {
    const options = { dataDir, builtModelsDir: builtDir, builtDefault: () => prior };
    const v1 = activeModel(db, 'lead-score', options);
    const v2 = registerModel(db, 'lead-score', retrained, { dataDir, metrics: { aucTrained: 0.8 }, trainedOn: 120, parentId: v1.id });
    expect(v2).toMatchObject({ id: 'lead-score-v2', version: 2, active: true, trainedOn: 120, parentId: 'lead-score-v1', metrics: { aucTrained: 0.8 } });
    expect(Buffer.from(activeModel(db, 'lead-score', options).bytes).equals(Buffer.from(retrained))).toBe(true);
    expect(listModels(db, 'lead-score').map((m) => [m.version, m.active])).toEqual([[2, true], [1, false]]);
    expect(readdirSync(join(dataDir, 'models')).sort()).toEqual(['lead-score-v1.onnx', 'lead-score-v2.onnx']);

    expect(rollbackModel(db, 'lead-score').id).toBe('lead-score-v1');
    expect(Buffer.from(activeModel(db, 'lead-score', options).bytes).equals(Buffer.from(prior))).toBe(true);
    expect(existsSync(join(dataDir, 'models', 'lead-score-v2.onnx'))).toBe(true);
    expect(() => rollbackModel(db, 'lead-score')).toThrow(/first lead-score model: there is no earlier version/);
    // Training again after a rollback makes v3, never reusing v2's number.
    expect(registerModel(db, 'lead-score', retrained, { dataDir }).version).toBe(3);
  });

  it('refuses a model file changed on disk instead of scoring with it', () => {
    const options = { dataDir, builtModelsDir: builtDir, builtDefault: () => prior };
    const v1 = activeModel(db, 'lead-score', options);
    writeFileSync(v1.path, '<html>oops</html>');
    expect(() => activeModel(db, 'lead-score', options)).toThrow(/does not match its recorded sha256/);
    expect(() => rollbackModel(db, 'roof-condition')).toThrow(/No roof-condition model is registered yet/);
  });
});
