import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, openDatabase, runMigrations, type Db } from '../store';
import { DEFAULT_IMAGERY_SETTINGS, getImagerySettings, ImagerySettingsError, setImagerySettings } from './imagery-settings';

let dataDir: string;
let db: Db;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-imagery-settings-'));
  db = openDatabase(dataDir);
  runMigrations(db);
});
afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function refusal(fn: () => unknown): ImagerySettingsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ImagerySettingsError) return error;
    throw error;
  }
  throw new Error('expected the settings to be refused');
}

describe('imagery settings', () => {
  it('start at the documented defaults, never saved', () => {
    expect(getImagerySettings(db)).toEqual({
      cacheTtlDays: 7,
      qualityThreshold: 0.75,
      cacheCapBytes: 2 * 1024 ** 3,
      batchRadiusM: 2000,
      batchMaxSize: 25,
      batchMinSize: 3,
      allowPaid: true,
      enhanceScale: 4,
      roofMarginM: 6,
      version: 0,
      changedAt: null,
      changedBy: null,
    });
  });

  it('apply a patch, keep the other values, and record who changed what in the audit log', () => {
    const saved = setImagerySettings(db, { qualityThreshold: 0.8, allowPaid: false, batchRadiusM: 2000 }, { actor: 'Dana (manager)' });
    expect(saved).toMatchObject({ qualityThreshold: 0.8, allowPaid: false, cacheTtlDays: 7, version: 1, changedBy: 'Dana (manager)' });
    expect(getImagerySettings(db)).toEqual(saved);

    const [entry] = listAudit(db);
    expect(entry).toMatchObject({ actor: 'Dana (manager)', action: 'imagery-settings-changed' });
    // Only what changed is listed, with what it was before.
    expect(entry!.details).toEqual({ changes: { qualityThreshold: 0.8, allowPaid: false }, previous: { qualityThreshold: 0.75, allowPaid: true }, version: 1 });

    expect(setImagerySettings(db, { enhanceScale: 2 }, { actor: 'Dana (manager)', expectedVersion: 1 })).toMatchObject({ enhanceScale: 2, qualityThreshold: 0.8, version: 2 });
  });

  it('refuse values out of range with a message naming the setting, and save nothing', () => {
    expect(refusal(() => setImagerySettings(db, { qualityThreshold: 1.5 }, { actor: 'Dana' })).message).toMatch(/quality threshold must be from 0 to 1/);
    expect(refusal(() => setImagerySettings(db, { enhanceScale: 3 as 2 }, { actor: 'Dana' })).message).toMatch(/enhancement scale must be 2 or 4/);
    expect(refusal(() => setImagerySettings(db, { batchMinSize: 30 }, { actor: 'Dana' })).message).toMatch(/smallest batch cannot be larger than the largest/);
    expect(refusal(() => setImagerySettings(db, { cacheCapBytes: 1000 }, { actor: 'Dana' })).message).toMatch(/at least 16 MiB/);
    expect(refusal(() => setImagerySettings(db, { cacheTtlDays: 1.5 }, { actor: 'Dana' })).message).toMatch(/whole days/);
    expect(refusal(() => setImagerySettings(db, { colour: 'red' } as never, { actor: 'Dana' })).kind).toBe('invalid-settings');
    expect(refusal(() => setImagerySettings(db, { allowPaid: false }, { actor: ' ' })).message).toMatch(/Say who/);
    expect(getImagerySettings(db)).toMatchObject({ ...DEFAULT_IMAGERY_SETTINGS, version: 0 });
    expect(listAudit(db)).toEqual([]);
  });

  it('refuse an edit made on settings someone else changed since', () => {
    setImagerySettings(db, { roofMarginM: 8 }, { actor: 'Dana' });
    const stale = refusal(() => setImagerySettings(db, { roofMarginM: 4 }, { actor: 'Lee', expectedVersion: 0 }));
    expect(stale.kind).toBe('stale-settings');
    expect(stale.message).toMatch(/reload/);
    expect(getImagerySettings(db).roofMarginM).toBe(8);
  });

  it('refuse to read settings edited into nonsense outside the app', () => {
    db.prepare("INSERT INTO meta (key, value) VALUES ('imagery_settings', ?)").run(JSON.stringify({ version: 3, at: 'x', actor: 'x', settings: { batchMaxSize: -1 } }));
    expect(() => getImagerySettings(db)).toThrow(/imagery settings row/);
  });
});
