import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, openSync, closeSync, fsyncSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { nowIso, statement, writeTransaction, type Db } from './store/database';
import { StoreError, parseRow } from './store/errors';

/**
 * Content-addressed image store beside the database: `<dataDir>/blobs/ab/cd/<sha256>`.
 * The database `blobs` table keeps size, mime type, use time and a reference count.
 *
 *   const blobs = new BlobStore({ db, dataDir })
 *   await blobs.put(bytes, mime)   → { sha256, bytes, mime, stored }  (stored=false: deduplicated)
 *   await blobs.get(sha)           → { bytes, mime } | null
 *   blobs.has(sha) / blobs.info(sha) / blobs.totalSize()
 *   await blobs.release(sha)       → drops one reference; the file goes with the last one
 *   await blobs.delete(sha)        → removes it whatever its references
 *   await blobs.verify(sha)        → { ok: true } | { ok: false, problem }
 *   await blobs.removeStaleTemp()  → how many abandoned temp files were removed
 *
 * Note: bytes go to a temp file (fsynced) first and reach their final name by rename, so a
 * killed process never leaves a half file under a content name. The rename and the row change
 * happen together under the database write lock, so a put and a delete of the same content in
 * two processes cannot leave a row without its file.
 */

export const BLOBS_DIR = 'blobs';
const TEMP_DIR = 'tmp';
const SHA256 = /^[0-9a-f]{64}$/;
const MIME = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/i;
const TOUCH_AFTER_MS = 60_000;

const blobRowSchema = z
  .object({
    sha256: z.string().regex(SHA256),
    bytes: z.number().int().nonnegative(),
    mime: z.string(),
    created_at: z.string(),
    last_used_at: z.string(),
    refcount: z.number().int().nonnegative(),
  })
  .transform((row) => ({
    sha256: row.sha256,
    bytes: row.bytes,
    mime: row.mime,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    refcount: row.refcount,
  }));
export type BlobInfo = z.output<typeof blobRowSchema>;

export interface PutResult {
  sha256: string;
  bytes: number;
  mime: string;
  /** false when identical content was already stored and only gained a reference. */
  stored: boolean;
}

export type BlobVerdict = { ok: true } | { ok: false; problem: 'unknown' | 'missing-file' | 'corrupt' };

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class BlobStore {
  readonly root: string;
  private readonly db: Db;
  private readonly tempDir: string;

  constructor(options: { db: Db; dataDir: string }) {
    this.db = options.db;
    this.root = join(options.dataDir, BLOBS_DIR);
    this.tempDir = join(this.root, TEMP_DIR);
  }

  /** Where the file for `sha` lives (two directory levels keep folders small). */
  pathFor(sha: string): string {
    checkSha(sha);
    return join(this.root, sha.slice(0, 2), sha.slice(2, 4), sha);
  }

  async put(bytes: Uint8Array, mime: string): Promise<PutResult> {
    if (!MIME.test(mime)) throw new StoreError('invalid-input', `"${mime.slice(0, 100)}" is not a media type like image/png.`);
    const sha = sha256Of(bytes);
    const final = this.pathFor(sha);
    const result = { sha256: sha, bytes: bytes.byteLength, mime };
    if (existsSync(final) && this.addReference(sha)) return { ...result, mime: this.info(sha)?.mime ?? mime, stored: false };

    await mkdir(this.tempDir, { recursive: true });
    await mkdir(dirname(final), { recursive: true });
    const temp = join(this.tempDir, `${sha}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const stored = writeTransaction(this.db, () => {
        // Another process may have stored the same content while we wrote ours.
        if (existsSync(final) && this.addReference(sha)) return false;
        renameSync(temp, final);
        const now = nowIso();
        statement(
          this.db,
          `INSERT INTO blobs (sha256, bytes, mime, created_at, last_used_at, refcount) VALUES (?, ?, ?, ?, ?, 1)
           ON CONFLICT (sha256) DO UPDATE SET refcount = refcount + 1, last_used_at = excluded.last_used_at`,
        ).run(sha, bytes.byteLength, mime, now, now);
        return true;
      });
      if (stored) syncDirectory(dirname(final));
      return { ...result, mime: this.info(sha)?.mime ?? mime, stored };
    } catch (error) {
      throw ioError(error, `Could not save an image to ${this.root}`);
    } finally {
      rmSync(temp, { force: true });
    }
  }

  async get(sha: string): Promise<{ bytes: Buffer; mime: string } | null> {
    const info = this.info(sha);
    if (!info) return null;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathFor(sha));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StoreError('not-found', `The image ${sha.slice(0, 12)}… is recorded but its file is missing from ${this.root}; it will be fetched again when needed.`);
      }
      throw ioError(error, `Could not read an image from ${this.root}`);
    }
    // Note: use times feed cache eviction; refreshing them at most once a minute keeps reads
    // from taking the write lock on every image shown.
    if (Date.now() - Date.parse(info.lastUsedAt) > TOUCH_AFTER_MS) {
      statement(this.db, 'UPDATE blobs SET last_used_at = ? WHERE sha256 = ?').run(nowIso(), sha);
    }
    return { bytes, mime: info.mime };
  }

  has(sha: string): boolean {
    return this.info(sha) !== null;
  }

  info(sha: string): BlobInfo | null {
    checkSha(sha);
    const row = statement(this.db, 'SELECT * FROM blobs WHERE sha256 = ?').get(sha);
    return row === undefined ? null : parseRow(blobRowSchema, row, 'image');
  }

  /** Total bytes of all stored images, as recorded. */
  totalSize(): number {
    return Number(statement(this.db, 'SELECT coalesce(sum(bytes), 0) FROM blobs').pluck().get());
  }

  /** Drops one reference; returns true when that was the last one and the image was removed. */
  async release(sha: string): Promise<boolean> {
    checkSha(sha);
    return writeTransaction(this.db, () => {
      const row = statement(this.db, 'SELECT refcount FROM blobs WHERE sha256 = ?').pluck().get(sha);
      if (typeof row !== 'number') return false;
      if (row > 1) {
        statement(this.db, 'UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = ?').run(sha);
        return false;
      }
      this.removeLocked(sha);
      return true;
    });
  }

  /** Removes the image whatever its references (eviction, licence expiry). */
  async delete(sha: string): Promise<boolean> {
    checkSha(sha);
    return writeTransaction(this.db, () => this.removeLocked(sha));
  }

  /** Re-reads the file and checks it still hashes to its name and recorded size. */
  async verify(sha: string): Promise<BlobVerdict> {
    const info = this.info(sha);
    if (!info) return { ok: false, problem: 'unknown' };
    const path = this.pathFor(sha);
    try {
      const size = (await stat(path)).size;
      if (size !== info.bytes) return { ok: false, problem: 'corrupt' };
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      return hash.digest('hex') === sha ? { ok: true } : { ok: false, problem: 'corrupt' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, problem: 'missing-file' };
      throw ioError(error, `Could not check an image in ${this.root}`);
    }
  }

  /**
   * Removes temp files abandoned by a killed write. Only old ones: a younger one may belong to
   * a put still running in another process.
   */
  async removeStaleTemp(olderThanMs = 60 * 60_000): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tempDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw ioError(error, `Could not list ${this.tempDir}`);
    }
    let removed = 0;
    for (const name of names) {
      const path = join(this.tempDir, name);
      const info = await stat(path).catch(() => null);
      if (info && Date.now() - info.mtimeMs >= olderThanMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Caller holds the write transaction. */
  private removeLocked(sha: string): boolean {
    const gone = statement(this.db, 'DELETE FROM blobs WHERE sha256 = ?').run(sha).changes > 0;
    try {
      unlinkSync(this.pathFor(sha));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, `Could not remove an image from ${this.root}`);
    }
    return gone;
  }

  /** Adds a reference to an already stored image; false when there is no row for it. */
  private addReference(sha: string): boolean {
    return statement(this.db, 'UPDATE blobs SET refcount = refcount + 1, last_used_at = ? WHERE sha256 = ?').run(nowIso(), sha).changes > 0;
  }
}

function checkSha(sha: string): void {
  if (typeof sha !== 'string' || !SHA256.test(sha)) {
    throw new StoreError('invalid-input', `"${String(sha).slice(0, 80)}" is not an image id (a lower-case SHA-256).`);
  }
}

/** Makes a rename durable on POSIX; Windows cannot open a directory, and NTFS journals renames. */
function syncDirectory(path: string): void {
  if (process.platform === 'win32') return;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Note: some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** File-system failures become StoreErrors with a hint; anything else (SQLite, bugs) passes through. */
function ioError(error: unknown, what: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('E')) return error;
  const hint = code === 'ENOSPC' ? ' The disk is full: free some space.' : code === 'EACCES' || code === 'EPERM' ? ' Check the folder permissions.' : '';
  return new StoreError('cannot-open', `${what}: ${error.message}.${hint}`, { cause: error });
}
