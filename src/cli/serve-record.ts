import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../core/rpc/protocol';

/**
 * `<dataDir>/serve.json`: how other `fishmouth` commands find the headless host running on a
 * data folder.
 *
 * Note: the record holds the access token, and the file is created with mode 0600. The token
 * guards the API of a host whose whole state (database, images, keys) lives in this same folder;
 * anyone who can read the folder can already read and change everything the token protects, so
 * keeping it here exposes nothing new, while letting later commands (`scan`, `import`, …) hand
 * work to the running host instead of starting a second one. Other local users cannot read it.
 */
export const serveRecordSchema = z.object({
  app: z.literal('fishmouth'),
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  bindAddress: z.string().min(1),
  /** The address without the token. */
  url: z.url(),
  token: z.string().min(16),
  dataDir: z.string().min(1),
  version: z.string(),
  startedAt: z.string(),
});
export type ServeRecord = z.infer<typeof serveRecordSchema>;

export const SERVE_RECORD_FILE = 'serve.json';

export function serveRecordPath(dataDir: string): string {
  return join(dataDir, SERVE_RECORD_FILE);
}

export type ReadServeRecord = { kind: 'found'; record: ServeRecord } | { kind: 'none' } | { kind: 'invalid'; message: string };

export function readServeRecord(dataDir: string): ReadServeRecord {
  let text: string;
  try {
    text = readFileSync(serveRecordPath(dataDir), 'utf8');
  } catch {
    return { kind: 'none' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', message: `${serveRecordPath(dataDir)} is not JSON` };
  }
  const parsed = serveRecordSchema.safeParse(json);
  return parsed.success ? { kind: 'found', record: parsed.data } : { kind: 'invalid', message: describeZodError(parsed.error) };
}

/** Written whole under a temporary name, then renamed, so a reader never sees half a file. */
export function writeServeRecord(record: ServeRecord): void {
  mkdirSync(record.dataDir, { recursive: true });
  const target = serveRecordPath(record.dataDir);
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(serveRecordSchema.parse(record), null, 2)}\n`, { mode: 0o600 });
  // The umask cannot widen 0600, but a pre-existing file of that name might have other bits.
  chmodSync(temporary, 0o600);
  renameSync(temporary, target);
}

/** Removes the record if it still describes this process (a newer host may have replaced it). */
export function removeServeRecord(dataDir: string, pid: number = process.pid): void {
  const current = readServeRecord(dataDir);
  if (current.kind === 'found' && current.record.pid !== pid) return;
  rmSync(serveRecordPath(dataDir), { force: true });
}
