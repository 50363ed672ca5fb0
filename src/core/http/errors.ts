import type { StepError } from '../cost/chain-types';

/**
 * The one error every connector throws: a kind a program can branch on (retry, pause the source,
 * give up) and a message a person can act on, naming the source and what to do. The free-first
 * chain records `kind` and `message` in the ledger (see `connectorStepError`).
 */

export const CONNECTOR_ERROR_KINDS = [
  'network', // no connection, DNS, refused, reset
  'timeout', // no complete answer within the time allowed
  'cancelled', // the caller gave up (its AbortSignal fired)
  'http-status', // a 4xx other than 429: our request was wrong for the source
  'rate-limited', // 429 (or a source's own "slow down" answer); retryAfterMs when the source said
  'server-error', // 5xx
  'html-error-page', // an HTML page where data was expected (proxy, maintenance or error page)
  'wrong-content-type', // the answer is not of a type the caller accepts
  'malformed-body', // the answer could not be read as the source's format
  'truncated', // the answer stopped part-way
  'too-large', // the answer exceeds the size the caller allows
  'refused-by-source', // 401/403, a refused key, or a source-level refusal in the body
  'not-configured', // the source has no address set, or is turned off in Settings → Data sources
] as const;
export type ConnectorErrorKind = (typeof CONNECTOR_ERROR_KINDS)[number];

export interface ConnectorErrorInit {
  kind: ConnectorErrorKind;
  message: string;
  /** The source id, e.g. 'nominatim'. */
  source: string;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  readonly source: string;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(init: ConnectorErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ConnectorError';
    this.kind = init.kind;
    this.source = init.source;
    if (init.status !== undefined) this.status = init.status;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

export function isConnectorError(value: unknown): value is ConnectorError {
  return value instanceof ConnectorError;
}

/** Kinds worth another attempt later: the same request may well succeed. */
export function isTransient(error: ConnectorError): boolean {
  return (
    error.kind === 'network' ||
    error.kind === 'timeout' ||
    error.kind === 'rate-limited' ||
    error.kind === 'server-error' ||
    error.kind === 'truncated' ||
    (error.kind === 'html-error-page' && error.status !== undefined && error.status >= 500)
  );
}

/**
 * A chain step's error from whatever a connector threw. Anything that is not a ConnectorError is
 * a bug in the connector; it still becomes a value (never a crash of the chain), kind 'internal'.
 */
export function connectorStepError(error: unknown, sourceLabel = 'The data source'): StepError {
  if (isConnectorError(error)) {
    return error.retryAfterMs === undefined
      ? { kind: error.kind, message: error.message }
      : { kind: error.kind, message: error.message, retryAfterMs: error.retryAfterMs };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message: `${sourceLabel} failed unexpectedly (${detail.slice(0, 300)}); please report this with the log file.` };
}
