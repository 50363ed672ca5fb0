import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ImportError } from './errors';

/**
 * Opening a file a user downloaded by hand. Compression is told by the file's first bytes, not
 * its name (browsers save "foo.csv.gz" as "foo.csv" and the other way round): gzip is unpacked
 * on the fly; bzip2, zip and xz are refused with how to unpack them.
 *
 *   inspectFile(path)                  → { path, label, bytes, compression }
 *   openDecompressed(file)             → a byte stream of the unpacked content
 *   readWholeFile(file, { maxBytes })  → the unpacked content (for formats read whole, like JSON)
 */

export type Compression = 'gzip' | 'none';

export interface InputFile {
  path: string;
  /** "The file foo.csv", for messages. */
  label: string;
  /** Size on disk. */
  bytes: number;
  compression: Compression;
}

const MAGIC: { bytes: number[]; name: string; advice: string }[] = [
  { bytes: [0x42, 0x5a, 0x68], name: 'bzip2', advice: 'unpack it first (bunzip2, 7-Zip) and import the unpacked file' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], name: 'zip', advice: 'unzip it and import the file inside' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz', advice: 'unpack it first (unxz, 7-Zip) and import the unpacked file' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd', advice: 'unpack it first (unzstd) and import the unpacked file' },
];

export async function inspectFile(path: string): Promise<InputFile> {
  const label = `The file ${basename(path)}`;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ImportError('file-not-found', `${label} is a folder, not a file: give the path of the file to import.`);
    size = info.size;
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw fileError(error, path, label);
  }
  const head = Buffer.alloc(8);
  let read = 0;
  try {
    const handle = await open(path, 'r');
    try {
      read = (await handle.read(head, 0, head.length, 0)).bytesRead;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileError(error, path, label);
  }
  const start = head.subarray(0, read);
  for (const format of MAGIC) {
    if (format.bytes.every((byte, i) => start[i] === byte)) {
      throw new ImportError('unsupported-compression', `${label} is ${format.name}-compressed, which Fish Mouth does not unpack: ${format.advice}. (gzip files are read as they are.)`);
    }
  }
  return { path, label, bytes: size, compression: start[0] === 0x1f && start[1] === 0x8b ? 'gzip' : 'none' };
}

function fileError(error: unknown, path: string, label: string): ImportError {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new ImportError('file-not-found', `There is no file at ${path}: check the path.`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new ImportError('unreadable', `${label} cannot be read (permission denied): check its permissions.`, { cause: error });
  return new ImportError('unreadable', `${label} cannot be read (${(error as Error).message}).`, { cause: error });
}

/** The unpacked bytes as a stream; a damaged gzip stream errors with ImportError 'damaged-file'. */
export function openDecompressed(file: InputFile): Readable {
  const raw = createReadStream(file.path);
  if (file.compression === 'none') return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  raw.pipe(gunzip);
  return gunzip;
}

/** Turns a stream failure into the import's own error. */
export function streamFailure(error: unknown, file: InputFile): ImportError {
  if (error instanceof ImportError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code.startsWith('Z_') || /unexpected end of file|incorrect header check|invalid (block|distance|stored)/i.test(String((error as Error).message))) {
    return new ImportError('damaged-file', `${file.label} is a damaged gzip file (${(error as Error).message}): download it again.`, { cause: error });
  }
  return new ImportError('unreadable', `${file.label} could not be read to the end (${(error as Error).message}).`, { cause: error });
}

export async function readWholeFile(file: InputFile, options: { maxBytes: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of openDecompressed(file)) {
      total += (chunk as Buffer).length;
      if (total > options.maxBytes) {
        throw new ImportError(
          'too-large',
          `${file.label} unpacks to more than ${Math.round(options.maxBytes / (1024 * 1024))} MB, the most this kind of file is read at once: export a smaller area or split the file.`,
        );
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw streamFailure(error, file);
  }
  return Buffer.concat(chunks, total);
}
