import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/helpers';
import { openDatabase, runMigrations } from '../core/store';
import { readMlRuntime, recordMlRuntime } from './runtime-record';

const folders: Array<{ cleanup(): void }> = [];
afterEach(() => folders.splice(0).forEach((folder) => folder.cleanup()));

describe('the record of what the models run on', () => {
  it('is read back as written, and a damaged record reads as none', () => {
    const folder = tempDataDir('fm-ml-runtime-');
    folders.push(folder);
    const db = openDatabase(folder.dir);
    runMigrations(db);
    expect(readMlRuntime(db)).toBeNull();
    const info = { provider: 'cpu' as const, providerNote: 'no CUDA, DirectML or CoreML provider on this machine', models: [{ id: 'esrgan-slim-x4@1.0.0', kind: 'super-resolution' as const, scale: 4, sha256: 'f'.repeat(64), source: '@upscalerjs/esrgan-slim@1.0.0', licence: 'MIT' }], problem: null };
    recordMlRuntime(db, info, new Date('2026-11-27T12:00:00Z'));
    expect(readMlRuntime(db)).toEqual({ ...info, at: '2026-11-27T12:00:00.000Z' });
    db.prepare(`UPDATE meta SET value = '{"provider":"quantum"}' WHERE key = 'ml_runtime'`).run();
    expect(readMlRuntime(db)).toBeNull();
    db.close();
  });
});
