import { acquire } from '../cost/rate-limiter';
import type { SourcePolicy } from '../cost/source-policy';
import type { Db } from '../store';
import { ConnectorError } from './errors';

export const DEFAULT_MAX_RATE_WAIT_MS = 30_000;

/**
 * Takes one token of a source's shared rate limit for a request a connector makes beyond the one
 * the free-first chain already paid for (the next page, the next file), waiting up to
 * `maxRateWaitMs`. A source that stays busy or is at its daily cap throws a typed ConnectorError
 * ('rate-limited', or 'cancelled' when the caller gave up), so the chain records and moves on.
 */
export async function takeRateToken(db: Db, policy: SourcePolicy, options: { signal?: AbortSignal; maxRateWaitMs?: number } = {}): Promise<void> {
  const wait = await acquire(db, policy.id, policy, {
    ...(options.signal ? { signal: options.signal } : {}),
    maxWaitMs: options.maxRateWaitMs ?? DEFAULT_MAX_RATE_WAIT_MS,
  });
  if (wait.ok) return;
  throw new ConnectorError({
    kind: wait.reason === 'cancelled' ? 'cancelled' : 'rate-limited',
    source: policy.id,
    message: `${policy.name}: ${wait.message}`,
    ...(wait.retryAfterMs === null ? {} : { retryAfterMs: wait.retryAfterMs }),
  });
}
