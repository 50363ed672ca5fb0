import { z } from 'zod';
import { statement, writeTransaction, type Db } from '../store/database';
import { parseRow } from '../store/errors';
import { budgetDay, budgetDayBounds } from './budget-day';
import { getBudgetSettings } from './budget-settings';
import type { SourcePolicy } from './source-policy';

/**
 * Rate limits and daily caps per source, shared by every process through the `rate_limits`
 * table: one token bucket per source, refilled at the source's rate up to its burst, and a count
 * of requests for the budget day. Each decision is one BEGIN IMMEDIATE transaction, so six
 * service processes calling the same source see one bucket.
 *
 *   tryAcquire(db, source, policy, { now?, timeZone? })  → RateDecision (never waits)
 *   acquire(db, source, policy, { signal?, maxWaitMs? }) → Promise<RateDecision | cancelled>
 *   penalise(db, source, untilMs, now?)                  → pause the source for every process
 *   parseRetryAfter(headerValue, now?)                   → the instant a 429/503 says to retry
 *   readRateLimit(db, source)                            → the stored bucket, for status screens
 *
 * Note: a pause is stored as `refilled_at_ms` in the future with an empty bucket, so no column is
 * needed for it and the first request after the pause still waits for one token's refill: a
 * server's Retry-After never makes us faster than our own limit.
 */

export type RateLimitPolicy = Pick<SourcePolicy, 'rateLimit' | 'dailyCap'> & { name?: string };

export type RateDecision =
  | { ok: true; remainingToday: number | null }
  | { ok: false; reason: 'rate' | 'daily-cap'; retryAfterMs: number | null; message: string };

export type AcquireOutcome = RateDecision | { ok: false; reason: 'cancelled'; retryAfterMs: null; message: string };

/** A Retry-After further out than this is a server bug or an attack; we resume after a day. */
export const MAX_PAUSE_MS = 24 * 3_600_000;
export const DEFAULT_MAX_WAIT_MS = 30_000;
// Token counts are REAL; a bucket refilled in many small steps may land a hair under a whole token.
const EPSILON = 1e-9;

const bucketRowSchema = z.object({
  source: z.string(),
  tokens: z.number().finite(),
  refilled_at_ms: z.number().int(),
  day: z.string(),
  day_count: z.number().int().nonnegative(),
});
type BucketRow = z.infer<typeof bucketRowSchema>;

export interface RateLimitState {
  source: string;
  tokens: number;
  /** When set and in the future, the source is paused until then for every process. */
  pausedUntilMs: number | null;
  day: string;
  requestsToday: number;
}

function readBucket(db: Db, source: string): BucketRow | undefined {
  const row = statement(db, 'SELECT source, tokens, refilled_at_ms, day, day_count FROM rate_limits WHERE source = ?').get(source);
  return row === undefined ? undefined : parseRow(bucketRowSchema, row, 'rate limit');
}

function writeBucket(db: Db, row: BucketRow): void {
  statement(
    db,
    `INSERT INTO rate_limits (source, tokens, refilled_at_ms, day, day_count) VALUES (@source, @tokens, @refilled_at_ms, @day, @day_count)
     ON CONFLICT (source) DO UPDATE SET tokens = excluded.tokens, refilled_at_ms = excluded.refilled_at_ms, day = excluded.day, day_count = excluded.day_count`,
  ).run(row);
}

/** The budget time zone, so caps reset with the budget; UTC when settings cannot be read. */
function capTimeZone(db: Db): string {
  try {
    return getBudgetSettings(db).timeZone;
  } catch {
    return 'UTC';
  }
}

export function readRateLimit(db: Db, source: string, now = Date.now()): RateLimitState | null {
  const row = readBucket(db, source);
  if (!row) return null;
  return { source, tokens: row.tokens, pausedUntilMs: row.refilled_at_ms > now ? row.refilled_at_ms : null, day: row.day, requestsToday: row.day_count };
}

export interface TryAcquireOptions {
  /** The clock, for tests; by default read under the write lock so processes agree on order. */
  now?: number;
  timeZone?: string;
}

/** Takes one request's token and counts it against today's cap, or says when to come back. */
export function tryAcquire(db: Db, source: string, policy: RateLimitPolicy, options: TryAcquireOptions = {}): RateDecision {
  const timeZone = options.timeZone ?? capTimeZone(db);
  const name = policy.name ?? source;
  return writeTransaction(db, () => {
    // Note: the clock is read after the lock is taken; a time read while waiting for the lock
    // could be older than the refill another process just stored.
    const now = options.now ?? Date.now();
    const today = budgetDay(new Date(now), timeZone);
    const burst = policy.rateLimit?.burst ?? 1;
    const stored = readBucket(db, source);
    const bucket: BucketRow = stored ? { ...stored } : { source, tokens: burst, refilled_at_ms: now, day: today, day_count: 0 };

    if (policy.rateLimit && now > bucket.refilled_at_ms) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilled_at_ms) * policy.rateLimit.requestsPerSecond) / 1000);
      bucket.refilled_at_ms = now;
    }
    // A later day resets the count; an earlier one (the clock stepped back) must not.
    if (today > bucket.day) {
      bucket.day = today;
      bucket.day_count = 0;
    }

    if (policy.dailyCap !== null && bucket.day_count >= policy.dailyCap) {
      let retryAfterMs: number | null = null;
      try {
        retryAfterMs = Math.max(0, budgetDayBounds(bucket.day, timeZone).end.getTime() - now);
      } catch {
        retryAfterMs = null;
      }
      return {
        ok: false,
        reason: 'daily-cap',
        retryAfterMs,
        message:
          policy.dailyCap === 0
            ? `${name} is switched off for today (its daily cap is 0); raise the cap in Settings → Data sources to use it.`
            : `${name} has used its ${policy.dailyCap} requests for today; it resumes at midnight (${timeZone}), or raise its daily cap in Settings → Data sources.`,
      };
    }

    if (policy.rateLimit) {
      const pausedMs = Math.max(0, bucket.refilled_at_ms - now);
      if (pausedMs > 0 || bucket.tokens < 1 - EPSILON) {
        const refillMs = Math.ceil((Math.max(0, 1 - bucket.tokens) * 1000) / policy.rateLimit.requestsPerSecond);
        const retryAfterMs = pausedMs + refillMs;
        return {
          ok: false,
          reason: 'rate',
          retryAfterMs,
          message:
            pausedMs > 0
              ? `${name} asked us to slow down; every Fish Mouth process waits until ${new Date(bucket.refilled_at_ms).toISOString()} before calling it again.`
              : `${name} allows ${policy.rateLimit.requestsPerSecond} requests a second; the next one may go in ${retryAfterMs} ms.`,
        };
      }
      bucket.tokens -= 1;
    }
    bucket.day_count += 1;
    writeBucket(db, bucket);
    return { ok: true, remainingToday: policy.dailyCap === null ? null : policy.dailyCap - bucket.day_count };
  });
}

export interface AcquireOptions extends TryAcquireOptions {
  signal?: AbortSignal;
  /** Give up (returning the refusal) rather than wait longer than this. Default 30 s. */
  maxWaitMs?: number;
}

/**
 * Waits for a token, up to `maxWaitMs`. Returns at once when the source is at its daily cap or
 * the wait would be longer than allowed; returns `cancelled` when the signal fires.
 */
export async function acquire(db: Db, source: string, policy: RateLimitPolicy, options: AcquireOptions = {}): Promise<AcquireOutcome> {
  const maxWaitMs = Math.max(0, options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
  const deadline = Date.now() + maxWaitMs;
  const cancelled = (): AcquireOutcome => ({
    ok: false,
    reason: 'cancelled',
    retryAfterMs: null,
    message: `Waiting for ${policy.name ?? source} was cancelled.`,
  });
  for (;;) {
    if (options.signal?.aborted) return cancelled();
    const decision = tryAcquire(db, source, policy, { timeZone: options.timeZone });
    if (decision.ok || decision.reason === 'daily-cap' || decision.retryAfterMs === null) return decision;
    if (Date.now() + decision.retryAfterMs > deadline) return decision;
    // Jitter keeps processes that were refused together from all retrying in the same millisecond.
    const slept = await sleep(decision.retryAfterMs + Math.floor(Math.random() * 10), options.signal);
    if (!slept) return cancelled();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Pauses a source for every process until `untilMs` (a 429 or 503 with Retry-After seen by one
 * process). A shorter pause never cuts a longer one short.
 */
export function penalise(db: Db, source: string, untilMs: number, now?: number): void {
  if (!Number.isFinite(untilMs)) return;
  writeTransaction(db, () => {
    const at = now ?? Date.now();
    const until = Math.min(Math.floor(untilMs), at + MAX_PAUSE_MS);
    if (until <= at) return;
    const stored = readBucket(db, source);
    if (stored && stored.refilled_at_ms >= until) return;
    writeBucket(db, {
      source,
      tokens: 0,
      refilled_at_ms: until,
      day: stored?.day ?? budgetDay(new Date(at), capTimeZone(db)),
      day_count: stored?.day_count ?? 0,
    });
  });
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or malformed. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return now + Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(now, date) : null;
}
