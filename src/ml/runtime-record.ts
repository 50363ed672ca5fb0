import { mlInfoSchema, type MlInfo } from '../core/contracts/ml-contract';
import { statement, type Db } from '../core/store/database';

/**
 * What ml-inference runs on, written where `fishmouth status` (which reads the data folder, not
 * the services) can show it: the execution provider chosen at start, the models, any problem.
 */

const KEY = 'ml_runtime';

export function recordMlRuntime(db: Db, info: MlInfo, at: Date = new Date()): void {
  statement(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(KEY, JSON.stringify({ ...info, at: at.toISOString() }));
}

export function readMlRuntime(db: Db): (MlInfo & { at: string }) | null {
  const text = statement(db, 'SELECT value FROM meta WHERE key = ?').pluck().get(KEY);
  if (typeof text !== 'string') return null;
  try {
    const parsed = mlInfoSchema.extend({ at: mlInfoSchema.shape.providerNote.unwrap() }).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
