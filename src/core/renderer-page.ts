/**
 * What both page servers (the desktop window's app:// protocol and the headless host's HTTP
 * server) need to serve the renderer the same way: content types and the page's security policy.
 * Pure: no Electron, no file system.
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.pbf': 'application/x-protobuf',
  '.txt': 'text/plain; charset=utf-8',
};

/** The content type for a file name, by its extension (works for POSIX and Windows paths). */
export function contentTypeFor(fileName: string): string {
  const extension = /\.[^./\\]+$/.exec(fileName)?.[0].toLowerCase() ?? '';
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}

/**
 * The Content-Security-Policy sent with the renderer's files when its page declares none. The
 * page's own `<meta http-equiv>` policy is preferred (see `pagePolicyHeader`), so the desktop
 * window and the browser always enforce the same one.
 */
export const DEFAULT_RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "worker-src 'self'",
  // 'self' also matches ws:// on the page's own host and port (CSP Level 3): the API socket.
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The CSP header for a page: its meta policy plus `frame-ancestors 'none'`, which browsers ignore
 * in a meta tag and so only a header can set. Falls back to the default when there is no meta.
 */
export function pagePolicyHeader(html: string | null): string {
  const meta = html === null ? null : /<meta\s[^>]*http-equiv=["']Content-Security-Policy["'][^>]*>/i.exec(html);
  const quoted = meta ? /\scontent=(?:"([^"]*)"|'([^']*)')/i.exec(meta[0]) : null;
  const content = quoted ? (quoted[1] ?? quoted[2]) : undefined;
  // A header value may not hold line breaks or control characters.
  const policy = content?.replace(/\s+/g, ' ').trim();
  if (!policy || /[^\x20-\x7e]/.test(policy)) return DEFAULT_RENDERER_CSP;
  return /(^|;)\s*frame-ancestors\s/i.test(policy) ? policy : `${policy.replace(/;\s*$/, '')}; frame-ancestors 'none'`;
}

