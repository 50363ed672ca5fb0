import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { nowIso, statement, writeTransaction, type Db } from '../core/store/database';
import { parseRow } from '../core/store/errors';
import { MlError } from './errors';
import { LEAD_MODEL_FILE } from './lead-model';

/**
 * The versions of each local model this device has (table ml_models, files under
 * `<dataDir>/models/`). A retrained model is a new version; the old ones stay for rollback.
 * Exactly one version of a kind is active (a unique partial index holds it).
 *
 *   activeModel(db, kind, { dataDir, builtModelsDir, builtDefault? }) → ActiveModel (bytes checked)
 *   registerModel(db, kind, bytes, { dataDir, metrics?, trainedOn?, parentId? }) → the new active version
 *   rollbackModel(db, kind)  → the version below the active one, now active
 *   listModels(db, kind)     → every version, newest first
 *
 * Note: the first use copies the built default (models/<kind>.onnx, written by `npm run build`)
 * into the data folder as v1, so rolling back always has a file even after an app update
 * replaces the built one.
 */

export const MODEL_KINDS = ['lead-score', 'roof-condition'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** The default model of each kind in the built models folder. */
export const BUILT_MODEL_FILES: Record<ModelKind, string> = {
  'lead-score': LEAD_MODEL_FILE,
  'roof-condition': 'roof-condition.onnx',
};

const rowSchema = z
  .object({
    id: z.string(),
    kind: z.enum(MODEL_KINDS),
    version: z.number().int().min(1),
    file: z.string(),
    sha256: z.string(),
    created_at: z.string(),
    active: z.union([z.literal(0), z.literal(1)]),
    trained_on: z.number().int().min(0),
    metrics: z.string(),
    parent_id: z.string().nullable(),
  })
  .transform((row) => ({
    id: row.id,
    kind: row.kind,
    version: row.version,
    file: row.file,
    sha256: row.sha256,
    createdAt: row.created_at,
    active: row.active === 1,
    trainedOn: row.trained_on,
    metrics: JSON.parse(row.metrics) as Record<string, unknown>,
    parentId: row.parent_id,
  }));
export type RegisteredModel = z.output<typeof rowSchema>;

export interface ActiveModel extends RegisteredModel {
  /** Absolute path of the model file. */
  path: string;
  bytes: Uint8Array;
}

export function modelsDirOf(dataDir: string): string {
  return join(dataDir, 'models');
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function readRows(db: Db, kind: ModelKind): RegisteredModel[] {
  return statement(db, 'SELECT * FROM ml_models WHERE kind = ? ORDER BY version DESC')
    .all(kind)
    .map((row) => parseRow(rowSchema, row, 'model version'));
}

export function listModels(db: Db, kind: ModelKind): RegisteredModel[] {
  return readRows(db, kind);
}

function activeRow(db: Db, kind: ModelKind): RegisteredModel | null {
  const row = statement(db, 'SELECT * FROM ml_models WHERE kind = ? AND active = 1').get(kind);
  return row === undefined ? null : parseRow(rowSchema, row, 'model version');
}

export interface ActiveModelOptions {
  dataDir: string;
  /** Where `npm run build` wrote the default models (model-files.ts defaultModelsDir()). */
  builtModelsDir: string;
  /**
   * The built default's bytes when the built file is absent (a checkout not yet built): a pure
   * function giving the same bytes the build writes (e.g. buildLeadModelOnnx(DEFAULT_LEAD_PRIOR)).
   */
  builtDefault?: () => Uint8Array;
}

export function activeModel(db: Db, kind: ModelKind, options: ActiveModelOptions): ActiveModel {
  let active = activeRow(db, kind);
  if (!active) {
    const builtPath = join(options.builtModelsDir, BUILT_MODEL_FILES[kind]);
    let bytes: Uint8Array;
    if (existsSync(builtPath)) bytes = readFileSync(builtPath);
    else if (options.builtDefault) bytes = options.builtDefault();
    else throw new MlError('model-missing', `No ${kind} model: ${builtPath} is missing. Run \`npm run build\` (it writes the default models).`);
    // Note: two processes may both get here on a new data folder; the transaction lets one
    // register v1 and the other find it.
    active = writeTransaction(db, () => activeRow(db, kind) ?? registerInTransaction(db, kind, bytes, { dataDir: options.dataDir, metrics: { source: `built default ${BUILT_MODEL_FILES[kind]}` }, trainedOn: 0, parentId: null }));
  }
  const path = join(modelsDirOf(options.dataDir), active.file);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new MlError('model-missing', `The active ${kind} model ${active.id} is missing (${path}): run \`fishmouth model rollback\` to use the previous version`, { cause: error });
  }
  if (sha256(bytes) !== active.sha256) {
    throw new MlError('model-invalid', `The active ${kind} model file ${path} does not match its recorded sha256 (changed on disk): run \`fishmouth model rollback\` to use the previous version`);
  }
  return { ...active, path, bytes };
}

export interface RegisterOptions {
  dataDir: string;
  metrics?: Record<string, unknown>;
  /** How many outcomes it was trained on (0 for a built default). */
  trainedOn?: number;
  /** The version it was trained from. */
  parentId?: string | null;
}

/** Writes the file (temp + rename) and makes it the active version, in one transaction. */
export function registerModel(db: Db, kind: ModelKind, bytes: Uint8Array, options: RegisterOptions): RegisteredModel {
  return writeTransaction(db, () => registerInTransaction(db, kind, bytes, options));
}

function registerInTransaction(db: Db, kind: ModelKind, bytes: Uint8Array, options: RegisterOptions): RegisteredModel {
  if (bytes.length === 0) throw new MlError('model-invalid', `Refusing to register an empty ${kind} model`);
  const version = ((statement(db, 'SELECT max(version) FROM ml_models WHERE kind = ?').pluck().get(kind) as number | null) ?? 0) + 1;
  const id = `${kind}-v${version}`;
  const file = `${id}.onnx`;
  const dir = modelsDirOf(options.dataDir);
  mkdirSync(dir, { recursive: true });
  // Note: written before the row commits; if the transaction then fails, the next register of
  // this version overwrites the orphan file.
  const temporary = join(dir, `${file}.${process.pid}.tmp`);
  writeFileSync(temporary, bytes);
  renameSync(temporary, join(dir, file));
  statement(db, 'UPDATE ml_models SET active = 0 WHERE kind = ? AND active = 1').run(kind);
  statement(
    db,
    `INSERT INTO ml_models (id, kind, version, file, sha256, created_at, active, trained_on, metrics, parent_id)
     VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
  ).run(id, kind, version, file, sha256(bytes), nowIso(), options.trainedOn ?? 0, JSON.stringify(options.metrics ?? {}), options.parentId ?? null);
  return activeRow(db, kind)!;
}

/** Reactivates the version below the active one (a second rollback goes one further back). */
export function rollbackModel(db: Db, kind: ModelKind): RegisteredModel {
  return writeTransaction(db, () => {
    const active = activeRow(db, kind);
    if (!active) throw new MlError('model-missing', `No ${kind} model is registered yet: nothing to roll back`);
    const previous = readRows(db, kind).find((m) => m.version < active.version);
    if (!previous) throw new MlError('invalid-option', `${active.id} is the first ${kind} model: there is no earlier version to roll back to`);
    statement(db, 'UPDATE ml_models SET active = 0 WHERE id = ?').run(active.id);
    statement(db, 'UPDATE ml_models SET active = 1 WHERE id = ?').run(previous.id);
    return activeRow(db, kind)!;
  });
}
