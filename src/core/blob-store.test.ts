import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bundleForChildren, forkChild, type ChildBundle } from '../../test/fixtures/children';
import type { StoreChildPlan } from '../../test/fixtures/store/store-child';
import { BlobStore, sha256Of } from './blob-store';
import { openDatabase, runMigrations, StoreError, type Db } from './store';

let dataDir: string;
let db: Db;
let blobs: BlobStore;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-blobs-'));
  db = openDatabase(dataDir);
  runMigrations(db);
  blobs = new BlobStore({ db, dataDir });
});

afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every file under a content name, and whether its bytes hash to that name. */
function contentFiles(root: string): { sha: string; size: number; intact: boolean }[] {
  const found: { sha: string; size: number; intact: boolean }[] = [];
  for (const a of readdirSync(root).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
    for (const b of readdirSync(join(root, a))) {
      for (const sha of readdirSync(join(root, a, b))) {
        const bytes = readFileSync(join(root, a, b, sha));
        found.push({ sha, size: bytes.length, intact: createHash('sha256').update(bytes).digest('hex') === sha });
      }
    }
  }
  return found;
}

describe('BlobStore', () => {
  it('stores bytes under their SHA-256 and gives them back with their type', async () => {
    const png = Buffer.from('roof tile pixels');
    const put = await blobs.put(png, 'image/png');
    expect(put).toEqual({ sha256: sha256Of(png), bytes: png.length, mime: 'image/png', stored: true });
    const sha = put.sha256;
    expect(blobs.pathFor(sha)).toBe(join(dataDir, 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha));
    expect(readFileSync(blobs.pathFor(sha))).toEqual(png);
    expect(await blobs.get(sha)).toEqual({ bytes: png, mime: 'image/png' });
    expect(blobs.has(sha)).toBe(true);
    expect(await blobs.verify(sha)).toEqual({ ok: true });
    expect(await blobs.get(sha256Of(Buffer.from('never stored')))).toBeNull();
  });

  it('keeps one copy of identical content and counts its references', async () => {
    const bytes = Buffer.from('the same aerial image');
    const first = await blobs.put(bytes, 'image/jpeg');
    const second = await blobs.put(Buffer.from(bytes), 'image/jpeg');
    expect(second).toEqual({ ...first, stored: false });
    await blobs.put(Buffer.from('another image'), 'image/jpeg');
    expect(contentFiles(blobs.root)).toHaveLength(2);
    expect(blobs.info(first.sha256)?.refcount).toBe(2);
    expect(blobs.totalSize()).toBe(bytes.length + 'another image'.length);

    expect(await blobs.release(first.sha256)).toBe(false);
    expect(blobs.has(first.sha256)).toBe(true);
    expect(await blobs.release(first.sha256)).toBe(true);
    expect(blobs.has(first.sha256)).toBe(false);
    expect(existsSync(blobs.pathFor(first.sha256))).toBe(false);
    expect(blobs.totalSize()).toBe('another image'.length);
  });

  it('deletes regardless of references, and a later put stores the content again', async () => {
    const bytes = Buffer.from('licence expired');
    const { sha256 } = await blobs.put(bytes, 'image/png');
    await blobs.put(bytes, 'image/png');
    expect(await blobs.delete(sha256)).toBe(true);
    expect(blobs.has(sha256)).toBe(false);
    expect(existsSync(blobs.pathFor(sha256))).toBe(false);
    expect((await blobs.put(bytes, 'image/png')).stored).toBe(true);
    expect(blobs.info(sha256)?.refcount).toBe(1);
  });

  it('finds a file that was damaged or removed behind its back', async () => {
    const { sha256 } = await blobs.put(Buffer.from('pristine'), 'image/png');
    writeFileSync(blobs.pathFor(sha256), 'tampered');
    expect(await blobs.verify(sha256)).toEqual({ ok: false, problem: 'corrupt' });
    rmSync(blobs.pathFor(sha256));
    expect(await blobs.verify(sha256)).toEqual({ ok: false, problem: 'missing-file' });
    await expect(blobs.get(sha256)).rejects.toMatchObject({ kind: 'not-found' });
    // Putting the content again repairs it.
    await blobs.put(Buffer.from('pristine'), 'image/png');
    expect(await blobs.verify(sha256)).toEqual({ ok: true });
    expect(await blobs.verify(sha256Of(Buffer.from('unknown')))).toEqual({ ok: false, problem: 'unknown' });
  });

  it('never shows an abandoned temp file as an image, and sweeps it away', async () => {
    const bytes = Buffer.from('half written before the crash');
    const sha = sha256Of(bytes);
    mkdirSync(join(blobs.root, 'tmp'), { recursive: true });
    writeFileSync(join(blobs.root, 'tmp', `${sha}.99999.abcdef.tmp`), bytes.subarray(0, 5));
    expect(blobs.has(sha)).toBe(false);
    expect(await blobs.get(sha)).toBeNull();
    expect(blobs.totalSize()).toBe(0);
    expect(await blobs.removeStaleTemp()).toBe(0); // young: it may belong to a running write
    expect((await blobs.put(bytes, 'image/png')).stored).toBe(true);
    expect(await blobs.verify(sha)).toEqual({ ok: true });
    expect(await blobs.removeStaleTemp(0)).toBe(1);
    expect(readdirSync(join(blobs.root, 'tmp'))).toEqual([]);
  });

  it('refuses bad ids and media types with a clear error', async () => {
    expect(() => blobs.has('../../etc/passwd')).toThrow(StoreError);
    await expect(blobs.put(Buffer.from('x'), 'not a type')).rejects.toMatchObject({ kind: 'invalid-input' });
  });
});

describe('BlobStore when the writing process is killed', () => {
  let bundle: ChildBundle<'store-child'>;
  beforeAll(async () => {
    bundle = await bundleForChildren({ 'store-child': 'test/fixtures/store/store-child.ts' }, 'store-tests');
  });
  afterAll(() => bundle?.remove());

  it('leaves only whole files under content names, and every recorded image intact', async () => {
    const child = forkChild(bundle.files['store-child'], { mode: 'put-blobs', dataDir } satisfies StoreChildPlan);
    const stored: string[] = [];
    await new Promise<void>((resolve, reject) => {
      child.on('message', (message: { type?: string; sha256?: string }) => {
        if (message.type === 'ready') child.send({ type: 'go' });
        if (message.type === 'stored' && message.sha256) {
          stored.push(message.sha256);
          // A short pause after the second image usually lands the kill while the third is being
          // written; wherever it lands, the checks below must hold.
          if (stored.length === 2) setTimeout(() => child.kill('SIGKILL'), 8);
        }
      });
      child.once('exit', () => resolve());
      child.once('error', reject);
    });

    const files = contentFiles(blobs.root);
    expect(files.every((f) => f.intact)).toBe(true);
    for (const sha of stored) expect(await blobs.verify(sha)).toEqual({ ok: true });
    const recorded = db.prepare('SELECT sha256 FROM blobs').pluck().all() as string[];
    for (const sha of recorded) expect(await blobs.verify(sha)).toEqual({ ok: true });
    expect(blobs.totalSize()).toBe(recorded.length * 8 * 1024 * 1024);

    // Whatever the kill left in tmp/ is invisible, and the store keeps working.
    const leftovers = existsSync(join(blobs.root, 'tmp')) ? readdirSync(join(blobs.root, 'tmp')) : [];
    for (const name of leftovers) expect(blobs.has(name.slice(0, 64))).toBe(false);
    expect(await blobs.removeStaleTemp(0)).toBe(leftovers.length);
    const after = await blobs.put(Buffer.from('after the crash'), 'image/png');
    expect(statSync(blobs.pathFor(after.sha256)).size).toBe('after the crash'.length);
  });
});
