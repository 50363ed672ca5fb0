import { parseRetryAfter } from '../cost/rate-limiter';
import type { SourcePolicy } from '../cost/source-policy';
import {
  BodyTooLargeError,
  charsetOf,
  decodeText,
  describeErrorBody,
  gunzipLimited,
  htmlTitle,
  isGzip,
  looksLikeHtml,
  mediaType,
  mediaTypeAccepted,
  parseJsonText,
  readBodyLimited,
} from './body';
import { ConnectorError, isConnectorError, isTransient, type ConnectorErrorKind } from './errors';

/**
 * THE HTTP client of every connector (one way to call the network):
 *
 *   httpRequest(policy, request) → Promise<HttpResponse>   (throws ConnectorError, nothing else)
 *
 * Address and User-Agent come from the source policy in force (so tests point it at loopback and
 * Settings → Data sources can change it). Retries with exponential backoff and jitter for network
 * failures, timeouts, 5xx and 429, honouring Retry-After; never for other 4xx; the total time
 * spent waiting between attempts is bounded. Rate limits and daily caps are NOT applied here: the
 * free-first chain acquires a token before each call, and a 429's `retryAfterMs` on the thrown
 * error is what it passes to `penalise` so every process pauses the source.
 */

export interface MultipartFile {
  filename: string;
  content: string | Buffer;
  contentType?: string;
}

export interface HttpRequest {
  /** Below the policy's base URL, e.g. '/interpreter'. */
  path: string;
  query?: Record<string, string | number | undefined>;
  method?: 'GET' | 'POST';
  /** Sent as application/x-www-form-urlencoded (POST). */
  form?: Record<string, string>;
  /** Sent as multipart/form-data (POST): the Census geocoder's batch upload. */
  multipart?: Record<string, string | MultipartFile>;
  headers?: Record<string, string>;
  expect: 'json' | 'text' | 'bytes';
  /** Acceptable media types ('text/csv', 'image/*', 'application/*+json'). Default for json: JSON-ish types and text/plain; otherwise anything but HTML. */
  accept?: string[];
  /** Per attempt, headers and body together. */
  timeoutMs?: number;
  /** Largest decoded body accepted. */
  maxBytes?: number;
  signal?: AbortSignal;
  /** Further attempts after the first (transient failures only). */
  retries?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON, a string, or a Buffer, per `expect`. */
  body: unknown;
  /** Decoded body size. */
  bytes: number;
  latencyMs: number;
  url: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_RETRIES = 2;
/** The most spent waiting between attempts of one request; a longer Retry-After ends the retries. */
export const MAX_TOTAL_RETRY_WAIT_MS = 30_000;
const RETRY_BASE_MS = 250;
const MAX_ONE_BACKOFF_MS = 8_000;
const ERROR_BODY_BYTES = 256 * 1024;

// ArcGIS answers f=json as text/plain; a few servers still say text/javascript.
const JSON_TYPES = ['application/json', 'application/*+json', 'text/json', 'text/plain', 'text/javascript', 'application/javascript'];

export async function httpRequest(policy: SourcePolicy, request: HttpRequest): Promise<HttpResponse> {
  const url = requestUrl(policy, request);
  const retries = Math.max(0, Math.min(10, Math.floor(request.retries ?? DEFAULT_RETRIES)));
  let waitedMs = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptOnce(policy, url, request);
    } catch (error) {
      const failure = isConnectorError(error) ? error : unexpected(policy, error);
      if (attempt >= retries || !isTransient(failure)) throw failure;
      const delay = retryDelayMs(policy, attempt, failure);
      if (waitedMs + delay > MAX_TOTAL_RETRY_WAIT_MS) throw failure;
      await sleep(delay, request.signal, policy);
      waitedMs += delay;
    }
  }
}

/** The full address of a request: policy base URL + path + query. Throws 'not-configured'. */
export function requestUrl(policy: SourcePolicy, request: Pick<HttpRequest, 'path' | 'query'>): URL {
  if (!policy.enabled) {
    throw fail(policy, 'not-configured', `${policy.name} is turned off in Settings → Data sources; turn it on there to use it.`);
  }
  if (!policy.baseUrl) {
    throw fail(policy, 'not-configured', `${policy.name} has no address set; enter the service's address in Settings → Data sources.`);
  }
  const base = policy.baseUrl.replace(/\/+$/, '');
  const path = request.path.replace(/^\/+/, '');
  const url = new URL(path ? `${base}/${path}` : base);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.append(name, String(value));
  }
  return url;
}

async function attemptOnce(policy: SourcePolicy, url: URL, request: HttpRequest): Promise<HttpResponse> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES;
  if (request.signal?.aborted) throw cancelled(policy);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const started = performance.now();
  const aborted = () => (request.signal?.aborted ? cancelled(policy) : timeout.aborted ? timedOut(policy, timeoutMs) : null);

  let response: Response;
  try {
    response = await fetch(url, { method: requestMethod(request), headers: requestHeaders(policy, request), body: requestBody(request), signal, redirect: 'follow' });
  } catch (error) {
    throw aborted() ?? networkFailure(policy, url, error);
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  const status = response.status;
  const ok = status >= 200 && status < 300;

  const declaredLength = Number(headers['content-length']);
  // Note: with Content-Encoding the header counts compressed bytes, so it only refuses early.
  if (ok && Number.isFinite(declaredLength) && declaredLength > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(policy, maxBytes);
  }
  let raw: Buffer;
  try {
    raw = await readBodyLimited(response.body, ok ? maxBytes : Math.min(maxBytes, ERROR_BODY_BYTES));
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      if (ok) throw tooLarge(policy, maxBytes);
      raw = Buffer.alloc(0);
    } else {
      throw aborted() ?? fail(policy, 'truncated', `${policy.name} closed the connection before its whole answer arrived. Try again; if it keeps happening the service may be overloaded.`, { cause: error, status });
    }
  }
  const latencyMs = Math.round(performance.now() - started);
  if (!ok) throw statusFailure(policy, status, headers, raw);

  const body = decodeBody(policy, request, headers, raw, maxBytes);
  return { status, headers, body: body.value, bytes: body.bytes, latencyMs, url: response.url || url.toString() };
}

function decodeBody(policy: SourcePolicy, request: HttpRequest, headers: Record<string, string>, raw: Buffer, maxBytes: number): { value: unknown; bytes: number } {
  const accept = request.accept ?? (request.expect === 'json' ? JSON_TYPES : null);
  const wantsHtml = accept?.some((type) => mediaTypeAccepted('text/html', [type]) && type !== '*/*') ?? false;
  let bytes = raw;
  if (request.expect !== 'bytes' && isGzip(bytes) && !headers['content-encoding']) {
    const unpacked = gunzipLimited(bytes, maxBytes);
    if (!unpacked.ok) {
      if (unpacked.reason === 'too-large') throw tooLarge(policy, maxBytes);
      const kind = unpacked.reason === 'truncated' ? 'truncated' : 'malformed-body';
      throw fail(policy, kind, `${policy.name} sent a compressed answer that could not be unpacked (${unpacked.detail}). Try again; if it persists the service's files may be damaged.`);
    }
    bytes = unpacked.bytes;
  }
  if (!wantsHtml && looksLikeHtml(bytes)) {
    throw htmlPage(policy, 200, bytes);
  }
  const type = mediaType(headers['content-type']);
  if (accept && type && !mediaTypeAccepted(type, accept)) {
    throw fail(
      policy,
      'wrong-content-type',
      `${policy.name} answered with ${type} where ${accept.join(' or ')} was expected. Check its address in Settings → Data sources: it may point at the wrong service or page.`,
      { status: 200 },
    );
  }
  if (request.expect === 'bytes') return { value: bytes, bytes: bytes.length };
  const text = decodeText(bytes, charsetOf(headers['content-type']));
  if (request.expect === 'text') return { value: text, bytes: bytes.length };
  if (text.trim().length === 0) {
    throw fail(policy, 'malformed-body', `${policy.name} sent an empty answer where data was expected. Try again later; the service may be restarting.`, { status: 200 });
  }
  const parsed = parseJsonText(text);
  if (parsed.ok) return { value: parsed.value, bytes: bytes.length };
  if (parsed.truncated) {
    throw fail(policy, 'truncated', `${policy.name} sent an incomplete answer (it stops after ${bytes.length} bytes, part-way through the data). The connection may have dropped; try again.`, { status: 200 });
  }
  throw fail(policy, 'malformed-body', `${policy.name} sent an answer that is not valid JSON (${parsed.detail}). The service may have changed its format; try again later and report it if it persists.`, { status: 200 });
}

function statusFailure(policy: SourcePolicy, status: number, headers: Record<string, string>, body: Buffer): ConnectorError {
  const now = Date.now();
  const until = parseRetryAfter(headers['retry-after'], now);
  const retryAfterMs = until === null ? undefined : Math.max(0, until - now);
  const said = describeErrorBody(body);
  const saying = said ? `: "${said}"` : '';
  if (status === 429) {
    const when = retryAfterMs === undefined ? '' : ` and asked us to wait ${Math.ceil(retryAfterMs / 1000)} s`;
    return fail(policy, 'rate-limited', `${policy.name} is limiting our requests (HTTP 429)${when}. Fish Mouth pauses this source and retries later; if this repeats, lower its rate in Settings → Data sources.`, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 500) {
    if (looksLikeHtml(body)) return htmlPage(policy, status, body, retryAfterMs);
    return fail(policy, 'server-error', `${policy.name} had a server error (HTTP ${status}${saying}). The problem is on the service's side; try again later.`, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 401 || status === 403) {
    return fail(policy, 'refused-by-source', `${policy.name} refused access (HTTP ${status}${saying}). Check its key and address in Settings → Data sources; the service may also have blocked us for too many requests.`, { status });
  }
  if (status === 404 || status === 410) {
    return fail(policy, 'http-status', `${policy.name} has nothing at this address (HTTP ${status}${saying}). Check the source's address in Settings → Data sources.`, { status });
  }
  return fail(policy, 'http-status', `${policy.name} refused the request (HTTP ${status}${saying}). Check the source's address in Settings → Data sources; if it is right, the service's interface may have changed.`, { status });
}

function htmlPage(policy: SourcePolicy, status: number, body: Buffer, retryAfterMs?: number): ConnectorError {
  const title = htmlTitle(body);
  const named = title ? ` ("${title}")` : '';
  return fail(
    policy,
    'html-error-page',
    `${policy.name} sent a web page${named} instead of data (HTTP ${status}). The service may be down for maintenance or behind a proxy or login page; try again later, and check its address in Settings → Data sources.`,
    { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  );
}

function requestMethod(request: HttpRequest): 'GET' | 'POST' {
  return request.method ?? (request.form || request.multipart ? 'POST' : 'GET');
}

function requestHeaders(policy: SourcePolicy, request: HttpRequest): Record<string, string> {
  const accept = request.accept ?? (request.expect === 'json' ? ['application/json'] : ['*/*']);
  const headers: Record<string, string> = { accept: accept.join(', '), 'accept-encoding': 'gzip, deflate', ...lowerCase(request.headers ?? {}) };
  // The source's usage policy asks us to identify ourselves; callers may not change who we are.
  headers['user-agent'] = policy.userAgent;
  if (request.form && !request.multipart) headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  return headers;
}

function requestBody(request: HttpRequest): string | FormData | undefined {
  if (request.multipart) {
    const form = new FormData();
    for (const [name, part] of Object.entries(request.multipart)) {
      if (typeof part === 'string') form.append(name, part);
      else form.append(name, new Blob([part.content], { type: part.contentType ?? 'application/octet-stream' }), part.filename);
    }
    return form;
  }
  if (request.form) return new URLSearchParams(request.form).toString();
  return undefined;
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/**
 * Exponential backoff with equal jitter, never faster than the source's own rate, and never
 * sooner than its Retry-After.
 */
function retryDelayMs(policy: SourcePolicy, attempt: number, failure: ConnectorError): number {
  const floor = policy.rateLimit ? 1000 / policy.rateLimit.requestsPerSecond : 0;
  const base = Math.min(MAX_ONE_BACKOFF_MS, Math.max(RETRY_BASE_MS, floor) * 2 ** attempt);
  const jittered = base / 2 + (Math.random() * base) / 2;
  return Math.round(Math.max(failure.retryAfterMs ?? 0, floor, jittered));
}

function sleep(ms: number, signal: AbortSignal | undefined, policy: SourcePolicy): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(policy));
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(policy));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function networkFailure(policy: SourcePolicy, url: URL, error: unknown): ConnectorError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : 'unknown error');
  return fail(policy, 'network', `Could not reach ${policy.name} at ${url.origin} (${code}). Check the internet connection, or the source's address in Settings → Data sources.`, { cause: error });
}

function cancelled(policy: SourcePolicy): ConnectorError {
  return fail(policy, 'cancelled', `The request to ${policy.name} was cancelled; nothing was changed.`);
}

function timedOut(policy: SourcePolicy, timeoutMs: number): ConnectorError {
  const seconds = Math.round(timeoutMs / 100) / 10;
  return fail(policy, 'timeout', `${policy.name} did not answer within ${seconds} s. The service may be busy; try again later, or a smaller area.`);
}

function tooLarge(policy: SourcePolicy, maxBytes: number): ConnectorError {
  const size = maxBytes >= 1024 * 1024 ? `${Math.round((maxBytes / 1024 / 1024) * 10) / 10} MB` : `${maxBytes} bytes`;
  return fail(policy, 'too-large', `${policy.name} sent more than ${size}, the most allowed for this request. Try a smaller area or a narrower request.`);
}

function unexpected(policy: SourcePolicy, error: unknown): ConnectorError {
  const detail = error instanceof Error ? error.message : String(error);
  return fail(policy, 'network', `The request to ${policy.name} failed unexpectedly (${detail.slice(0, 200)}). Try again; report it if it persists.`, { cause: error });
}

function fail(policy: SourcePolicy, kind: ConnectorErrorKind, message: string, extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {}): ConnectorError {
  return new ConnectorError({ kind, message, source: policy.id, ...extra });
}
