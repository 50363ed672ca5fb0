import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { protocol } from 'electron';
import { APP_SCHEME, rendererResponseHeaders, resolveRendererFile, windowContentSecurityPolicy } from './renderer-files';

/**
 * Must run before the app is ready. `standard` gives pages a real origin (relative URLs, storage,
 * CSP 'self'); `secure` makes it a secure context like https; `supportFetchAPI` lets the page
 * fetch its own bundled files. No `bypassCSP`, no `corsEnabled`: the page talks to nothing else.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the built renderer (out/renderer) on app://fishmouth/, read-only, GET only. */
export function serveRenderer(rendererDir: string, onRefused: (url: string, reason: string) => void): void {
  const csp = windowContentSecurityPolicy(readIndexHtml(rendererDir));
  const plain = (status: number, text: string) =>
    new Response(text, { status, headers: rendererResponseHeaders('text/plain; charset=utf-8', csp) });
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    const resolved = resolveRendererFile(rendererDir, request.url);
    if (resolved.kind === 'forbidden') {
      onRefused(request.url, resolved.reason);
      return plain(403, 'Forbidden');
    }
    try {
      const body = await readFile(resolved.path);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: rendererResponseHeaders(resolved.contentType, csp) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' ? plain(404, 'Not found') : plain(500, 'Cannot read file');
    }
  });
}

/** A missing page is reported by the 404 the window then gets; the policy falls back to the default. */
function readIndexHtml(rendererDir: string): string | null {
  try {
    return readFileSync(join(rendererDir, 'index.html'), 'utf8');
  } catch {
    return null;
  }
}
