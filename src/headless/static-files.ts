import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { contentTypeFor } from '../core/renderer-page';
import { SECURITY_HEADERS } from './security';


export type StaticLookup = { ok: true; file: string; size: number } | { ok: false; status: 400 | 404; message: string };

/**
 * Maps a URL path to a file inside `root`, refusing anything that would leave it: `..` segments
 * (plain or percent-encoded), NUL bytes, backslashes, and symbolic links pointing outside.
 */
export async function locateStaticFile(root: string, urlPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, message: 'The address is not valid.' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400, message: 'The address is not valid.' };
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { ok: false, status: 400, message: 'The address is not valid.' };
  if (segments.length === 0) segments.push('index.html');

  const rootDir = resolve(root);
  const candidate = join(rootDir, ...segments);
  try {
    const [realRoot, realFile] = await Promise.all([realpath(rootDir), realpath(candidate)]);
    if (realFile !== realRoot && !realFile.startsWith(realRoot + sep)) {
      return { ok: false, status: 404, message: 'Not found.' };
    }
    const info = await stat(realFile);
    if (!info.isFile()) return { ok: false, status: 404, message: 'Not found.' };
    return { ok: true, file: realFile, size: info.size };
  } catch {
    return { ok: false, status: 404, message: 'Not found.' };
  }
}

/** Serves a GET or HEAD for a file of the renderer build, under the page's CSP. */
export async function serveStaticFile(
  root: string,
  urlPath: string,
  req: IncomingMessage,
  res: ServerResponse,
  contentSecurityPolicy: string,
): Promise<void> {
  const found = await locateStaticFile(root, urlPath);
  if (!found.ok) {
    res.writeHead(found.status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(found.message);
    return;
  }
  const isPage = extname(found.file).toLowerCase() === '.html';
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': contentTypeFor(found.file),
    'Content-Length': String(found.size),
    'Content-Security-Policy': contentSecurityPolicy,
    // The page is tiny and must pick up a new build at once; hashed assets may be cached briefly.
    'Cache-Control': isPage ? 'no-store' : 'private, max-age=300',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(found.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
