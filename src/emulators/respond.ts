import type { EmulatorResponse } from './route-types';

/**
 * Small builders for emulator answers, so every route formats status, type and body the same way
 * and an error looks like the real service's (a JSON error object, a plain-text line, an HTML page).
 */

export function jsonAnswer(value: unknown, options: { status?: number; contentType?: string; gzip?: boolean } = {}): EmulatorResponse {
  return {
    status: options.status ?? 200,
    headers: { 'content-type': options.contentType ?? 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
    ...(options.gzip === undefined ? {} : { gzip: options.gzip }),
  };
}

export function textAnswer(text: string, options: { status?: number; contentType?: string; gzip?: boolean; headers?: Record<string, string> } = {}): EmulatorResponse {
  return {
    status: options.status ?? 200,
    headers: { 'content-type': options.contentType ?? 'text/plain; charset=utf-8', ...options.headers },
    body: text,
    ...(options.gzip === undefined ? {} : { gzip: options.gzip }),
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (ch) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[ch]};`);

/** An HTML error page like the ones web servers and proxies serve (nginx, Apache, Tomcat). */
export function htmlPage(status: number, title: string, message = title): EmulatorResponse {
  const body = `<!DOCTYPE html>\n<html>\n<head><title>${escapeHtml(title)}</title></head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>\n<hr><address>nginx</address>\n</body>\n</html>\n`;
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

export function notFound(path: string): EmulatorResponse {
  return htmlPage(404, '404 Not Found', `The requested URL ${path} was not found on this server.`);
}
