import { htmlPage, textAnswer } from './respond';
import type { EmulatorResponse } from './route-types';

/**
 * Faults an emulator can be switched to, per source, so connector tests and the demo can see
 * every real kind of failure: slowness, 429 with Retry-After, 5xx, HTML error pages, cut or
 * garbled bodies, a wrong Content-Type, and a server that never answers.
 *
 * Note: faults are applied by the server BEFORE the route runs (for body faults, to the route's
 * real answer), so every route gets them without a line of its own.
 */

export type Fault =
  /** 429 Too Many Requests; Retry-After in seconds (default 1) or an HTTP-date string. */
  | { kind: 'rate-limited'; retryAfter?: number | string }
  /** 500/502/503/504 with a short plain-text body; optional Retry-After (seconds). */
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504; retryAfter?: number }
  /** An HTML page (a proxy's or a maintenance page), with 200 or an error status. */
  | { kind: 'html-error-page'; status?: number; title?: string }
  /** The real answer cut in half (Content-Length of the half: the client sees a complete, short body). */
  | { kind: 'truncated' }
  /** The real answer garbled in the middle, or `body` instead. */
  | { kind: 'malformed'; body?: string }
  /** The real answer with another Content-Type (default application/octet-stream). */
  | { kind: 'wrong-content-type'; contentType?: string }
  /** Never answer; the connection stays open until the client gives up or the server closes. */
  | { kind: 'hang' };

export type FaultKind = Fault['kind'];

export interface EmulatorFaults {
  /** Delay before any answer (also before a fault). */
  latencyMs?: number;
  fault?: Fault;
  /** Serve the fault to this many requests, then answer normally (default: every request). */
  times?: number;
}

/** What the server should do with one request under a source's faults. */
export type FaultPlan =
  | { kind: 'answer' } // the route's answer as is
  | { kind: 'respond'; response: EmulatorResponse } // a fault answer; the route is not called
  | { kind: 'transform'; transform: (real: EmulatorResponse) => EmulatorResponse } // the route's answer, changed
  | { kind: 'hang' };

/** The plan for the next request; decrements `times` in the state it is given. */
export function planFault(state: EmulatorFaults | undefined): FaultPlan {
  const fault = state?.fault;
  if (!state || !fault) return { kind: 'answer' };
  if (state.times !== undefined) {
    if (state.times <= 0) return { kind: 'answer' };
    state.times -= 1;
  }
  switch (fault.kind) {
    case 'rate-limited':
      return {
        kind: 'respond',
        response: textAnswer('Too Many Requests: you have exceeded the rate limit for this service.\n', {
          status: 429,
          headers: { 'retry-after': String(fault.retryAfter ?? 1) },
        }),
      };
    case 'server-error': {
      const status = fault.status ?? 503;
      const reason = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[status];
      return {
        kind: 'respond',
        response: textAnswer(`${status} ${reason}\n`, { status, headers: fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) } }),
      };
    }
    case 'html-error-page': {
      const status = fault.status ?? 200;
      const title = fault.title ?? (status >= 500 ? `${status} Bad Gateway` : 'Service temporarily unavailable for maintenance');
      return { kind: 'respond', response: htmlPage(status, title) };
    }
    case 'truncated':
      return { kind: 'transform', transform: (real) => ({ ...real, gzip: false, body: halfOf(real.body) }) };
    case 'malformed':
      return { kind: 'transform', transform: (real) => ({ ...real, gzip: false, body: fault.body ?? garble(real.body, contentTypeOf(real)) }) };
    case 'wrong-content-type':
      return {
        kind: 'transform',
        transform: (real) => ({ ...real, headers: { ...withoutContentType(real.headers), 'content-type': fault.contentType ?? 'application/octet-stream' } }),
      };
    case 'hang':
      return { kind: 'hang' };
  }
}

function halfOf(body: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return bytes.subarray(0, Math.floor(bytes.length / 2));
}

/**
 * Breaks the answer in its middle so it no longer parses but does not look cut off: closers with
 * no openers for JSON (and XML), an unbalanced quote and stray bytes for CSV and other text.
 */
function garble(body: string | Buffer, contentType: string): string {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  const middle = Math.floor(text.length / 2);
  if (/json|javascript/.test(contentType) || /^\s*[[{]/.test(text)) return `${text.slice(0, middle)}]]}}}"oops":${text.slice(middle)}`;
  if (/xml/.test(contentType) || /^\s*</.test(text)) return `${text.slice(0, middle)}</broken><<&${text.slice(middle)}`;
  return `${text.slice(0, middle)}\u0000\ufffd,"unbalanced quote\n,,x"y,\n${text.slice(middle)}`;
}

function contentTypeOf(response: EmulatorResponse): string {
  const entry = Object.entries(response.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type');
  return entry ? entry[1].toLowerCase() : '';
}

function withoutContentType(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-type'));
}
