import { gunzipSync } from 'node:zlib';
import iconv from 'iconv-lite';

/**
 * Reading and judging an HTTP answer's body, shared by the client and by parsers that read files
 * a user downloaded: size-limited streaming, gzip, charsets, HTML error pages and whether a JSON
 * text was cut off. Pure helpers; the client turns their verdicts into ConnectorErrors.
 */

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads a fetch body chunk by chunk, refusing it as soon as it passes `maxBytes` (decoded size). */
export async function readBodyLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLargeError(maxBytes);
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, total);
}

export function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export type GunzipVerdict = { ok: true; bytes: Buffer } | { ok: false; reason: 'too-large' | 'truncated' | 'corrupt'; detail: string };

/**
 * Note: some sources serve `.gz` files without a Content-Encoding header (the answer is the
 * file), so text and JSON answers that start with the gzip magic are unpacked here as well.
 */
export function gunzipLimited(bytes: Buffer, maxBytes: number): GunzipVerdict {
  try {
    return { ok: true, bytes: gunzipSync(bytes, { maxOutputLength: maxBytes }) };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const detail = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return { ok: false, reason: 'too-large', detail };
    if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(detail)) return { ok: false, reason: 'truncated', detail };
    return { ok: false, reason: 'corrupt', detail };
  }
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.length > 0 ? type : null;
}

export function charsetOf(contentType: string | undefined): string | null {
  const match = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return match ? match[1]!.toLowerCase() : null;
}

/** 'type/subtype' matches itself, 'type/*', '*\/*', and 'application/*+json' matches any '+json'. */
export function mediaTypeAccepted(type: string, accept: readonly string[]): boolean {
  return accept.some((pattern) => {
    const wanted = pattern.trim().toLowerCase();
    if (wanted === '*/*' || wanted === type) return true;
    if (wanted.endsWith('/*')) return type.startsWith(wanted.slice(0, -1));
    const suffix = /^([a-z]+)\/\*\+([a-z0-9.-]+)$/.exec(wanted);
    return suffix !== null && type.startsWith(`${suffix[1]}/`) && type.endsWith(`+${suffix[2]}`);
  });
}

/** Decodes text by its declared charset (UTF-8 when none or unknown), without a byte-order mark. */
export function decodeText(bytes: Buffer, charset: string | null): string {
  const name = charset && charset !== 'utf-8' && charset !== 'utf8' && iconv.encodingExists(charset) ? charset : 'utf-8';
  const text = name === 'utf-8' ? bytes.toString('utf8') : iconv.decode(bytes, name);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const HTML_START = /^(?:\s|<!--[\s\S]*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html|head|body|title)[\s>]/i;

/** Does this body look like an HTML page (whatever its Content-Type says)? */
export function looksLikeHtml(bytes: Buffer | string): boolean {
  const head = typeof bytes === 'string' ? bytes.slice(0, 2048) : bytes.subarray(0, 2048).toString('latin1');
  return HTML_START.test(head.replace(/^\uFEFF|^\xEF\xBB\xBF/, ''));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The page's <title> (or first heading), cleaned for a message; null when it has neither. */
export function htmlTitle(bytes: Buffer | string): string | null {
  const text = typeof bytes === 'string' ? bytes.slice(0, 65_536) : bytes.subarray(0, 65_536).toString('utf8');
  const match = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(text);
  if (!match) return null;
  const clean = match[1]!
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (entity, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16) || 32);
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)) || 32);
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > 0 ? clean.slice(0, 160) : null;
}

/**
 * Whether a JSON text that failed to parse stops mid-structure (an open string, object or array)
 * — the sign of a dropped connection or a cut file — rather than being wrong throughout.
 */
export function jsonEndsMidStructure(text: string): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let sawStructure = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === 0x5c) escaped = true;
      else if (ch === 0x22) inString = false;
      continue;
    }
    if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      depth++;
      sawStructure = true;
    } else if (ch === 0x7d || ch === 0x5d) {
      // More closers than openers: wrong, not cut.
      if (--depth < 0) return false;
    }
  }
  if (inString || depth > 0) return true;
  // A document that ends right after a separator ("[1,2," cut at a closer) or a dangling key.
  return sawStructure && /[,:]\s*$/.test(text);
}

/** Parses JSON, saying why not: cut off part-way, or not JSON at all. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; truncated: boolean; detail: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const truncated = /unexpected end/i.test(detail) || jsonEndsMidStructure(text);
    return { ok: false, truncated, detail: detail.slice(0, 200) };
  }
}

/** A short, printable excerpt of an error body for a message: an HTML title, a JSON message, or the text. */
export function describeErrorBody(bytes: Buffer): string | null {
  if (bytes.length === 0) return null;
  if (looksLikeHtml(bytes)) return htmlTitle(bytes);
  const text = bytes.subarray(0, 4096).toString('utf8').trim();
  const parsed = parseJsonText(text);
  if (parsed.ok && parsed.value && typeof parsed.value === 'object') {
    const found = findMessage(parsed.value as Record<string, unknown>);
    if (found) return found.slice(0, 200);
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 0 ? line.slice(0, 200) : null;
}

function findMessage(value: Record<string, unknown>): string | null {
  for (const key of ['message', 'errorMessage', 'error_description', 'detail', 'error', 'errors', 'remark']) {
    const field = value[key];
    if (typeof field === 'string' && field.trim()) return field.trim();
    if (field && typeof field === 'object' && !Array.isArray(field)) {
      const inner = findMessage(field as Record<string, unknown>);
      if (inner) return inner;
    }
    if (Array.isArray(field) && typeof field[0] === 'string') return field[0];
  }
  return null;
}
