import type { z } from 'zod';
import type { Micros } from '../money';
import type { Progress } from '../rpc/protocol';
import type { Db } from '../store/database';
import type { Priority } from './budget-settings';
import type { LedgerEntry, LedgerEntryInput, LedgerOutcome } from './ledger';
import type { CommitLedgerFields, ReserveRequest, ReserveResult } from './reservations';
import type { LicencePolicy, SourcePolicy, SourcePolicyInput } from './source-policy';

/**
 * The vocabulary of the free-first chain (chain.ts): how a service describes a chain as data,
 * what each step returns, and what resolving a need gives back.
 */

export type StepKind = 'cache' | 'free' | 'batch' | 'paid' | 'fallback';
/** The order steps must be declared in; paid steps are re-sorted by price when a need runs. */
export const STEP_ORDER: readonly StepKind[] = ['cache', 'free', 'batch', 'paid', 'fallback'];

/** A step's failure, as a value: a kind a program can branch on and a message a person can act on. */
export interface StepError {
  kind: string;
  message: string;
  /** A 429/503 Retry-After, as ms from now: the source is paused for every process. */
  retryAfterMs?: number;
}

export type StepResult<V> =
  | {
      kind: 'hit';
      value: V;
      /** 0..1: how well the value serves the need (resolution, recency, completeness). */
      quality: number;
      /** Paid steps: what the call actually cost (default: the estimate). Ignored elsewhere. */
      costMicros?: Micros;
      /** The batch that served it (batch steps). */
      batchId?: string;
      message?: string;
    }
  | { kind: 'miss'; message?: string; /** Paid steps: a call billed although it found nothing. */ costMicros?: Micros }
  | { kind: 'error'; error: StepError; /** Paid steps: a call billed although it failed. */ costMicros?: Micros };

export function hit<V>(value: V, quality: number, extra: { costMicros?: Micros; batchId?: string; message?: string } = {}): StepResult<V> {
  return { kind: 'hit', value, quality, ...extra };
}

export function miss<V = never>(message?: string): StepResult<V> {
  return message === undefined ? { kind: 'miss' } : { kind: 'miss', message };
}

export function stepError<V = never>(kind: string, message: string, extra: { retryAfterMs?: number; costMicros?: Micros } = {}): StepResult<V> {
  const { costMicros, ...rest } = extra;
  return costMicros === undefined ? { kind: 'error', error: { kind, message, ...rest } } : { kind: 'error', error: { kind, message, ...rest }, costMicros };
}

/** What every step function is given. */
export interface NeedContext {
  db: Db;
  service: string;
  requestId: string | null;
  propertyId: string | null;
  batchId: string | null;
  territoryId: string | null;
  priority: Priority;
  qualityTarget: number;
  /** Fires when the caller cancels, or (paid steps) when the reservation could not be kept. */
  signal: AbortSignal;
  /** The step's source policy in force (address, User-Agent, licence), or null for cache/fallback steps without one. */
  policy: SourcePolicy | null;
}

export interface PaidContext extends NeedContext {
  reservationId: string;
  /** The amount set aside; a call costing more is capped at it and audited. */
  reservedMicros: Micros;
}

type MaybePromise<T> = T | Promise<T>;

interface StepBase {
  source: string;
  /** The ledger's operation name; defaults to the chain's need. */
  operation?: string;
}

export interface CacheStep<N, V> extends StepBase {
  kind: 'cache';
  lookup(need: N, ctx: NeedContext): MaybePromise<StepResult<V>>;
}

export interface FreeStep<N, V> extends StepBase {
  kind: 'free';
  /** The connector's own declaration; by default the seed catalogue's entry for `source`. */
  policy?: SourcePolicy | SourcePolicyInput;
  /** Longest wait for a rate-limit token before the source is skipped (default: the request's). */
  maxRateWaitMs?: number;
  fetch(need: N, ctx: NeedContext): MaybePromise<StepResult<V>>;
}

export interface BatchStep<N, V> extends StepBase {
  kind: 'batch';
  /** Joins (or forms) a geographic batch; the batch's own request goes through the rate limiter where it is made. */
  join(need: N, ctx: NeedContext): MaybePromise<StepResult<V>>;
}

export interface PaidStep<N, V> extends StepBase {
  kind: 'paid';
  operation: string;
  policy?: SourcePolicy | SourcePolicyInput;
  maxRateWaitMs?: number;
  /** The price of this call, reserved before it is made; null when it cannot be priced (the step is refused). */
  estimateMicros(need: N, ctx: NeedContext): MaybePromise<Micros | null>;
  fetch(need: N, ctx: PaidContext): MaybePromise<StepResult<V>>;
}

export interface FallbackStep<N, V> extends StepBase {
  kind: 'fallback';
  /** A local estimate or synthetic result; always reported as low confidence. */
  produce(need: N, ctx: NeedContext): MaybePromise<StepResult<V>>;
}

export type ChainStep<N, V> = CacheStep<N, V> | FreeStep<N, V> | BatchStep<N, V> | PaidStep<N, V> | FallbackStep<N, V>;

export interface ChainDefinition<N, V> {
  /** What the chain resolves, e.g. 'roof-image'; the default ledger operation. */
  need: string;
  /** Checks each need before anything is tried. */
  needSchema?: z.ZodType<N>;
  steps: ChainStep<N, V>[];
}

export interface Chain<N, V> {
  readonly need: string;
  readonly needSchema: z.ZodType<N> | null;
  readonly steps: readonly ChainStep<N, V>[];
  /** Declared policies of free and paid steps, by step index. */
  readonly declaredPolicies: ReadonlyMap<number, SourcePolicy>;
}

/** The budget functions the chain calls; the default is reservations.ts, a test may wrap it. */
export interface BudgetGate {
  reserve(db: Db, request: ReserveRequest): ReserveResult;
  commit(db: Db, reservationId: string, actual: { costMicros: Micros; ledger: CommitLedgerFields }): { entry: LedgerEntry; cappedFromMicros: number | null };
  release(db: Db, reservationId: string, reason: string): void;
  renew(db: Db, reservationId: string, ttlMs?: number): boolean;
}

export interface LedgerWriter {
  append(db: Db, entry: LedgerEntryInput): LedgerEntry;
}

export interface ResolveOptions {
  db: Db;
  service: string;
  requestId?: string | null;
  propertyId?: string | null;
  batchId?: string | null;
  territoryId?: string | null;
  priority?: Priority;
  /** 0..1; the first result at or above it ends the chain. Default 0.75. */
  qualityTarget?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Longest wait for a rate-limit token per step (default 10 s). */
  rateWaitMs?: number;
  /** Reservation lifetime without renewal (default: the budget settings'). */
  reservationTtlMs?: number;
  /** Who holds the reservations (default: service and process id). */
  holder?: string;
  budget?: BudgetGate;
  ledger?: LedgerWriter;
}

/** One attempt: one ledger row. */
export interface Attempt {
  source: string;
  kind: StepKind;
  operation: string;
  outcome: LedgerOutcome;
  costMicros: Micros;
  latencyMs: number | null;
  quality: number | null;
  errorKind: string | null;
  message: string | null;
  ledgerId: string;
  reservationId: string | null;
}

export interface ChainSuccess<V> {
  ok: true;
  need: string;
  value: V;
  quality: number;
  source: string;
  kind: StepKind;
  /** False when the source's licence forbids keeping the result (Google Static Maps): never persist it. */
  storable: boolean;
  licence: LicencePolicy | null;
  /** Below the quality target, or a local fallback: show it as an estimate. */
  lowConfidence: boolean;
  meetsTarget: boolean;
  sourcesTried: Attempt[];
  /** The sum of this resolution's ledger rows. */
  costMicros: Micros;
}

export type ChainFailureKind =
  | 'invalid-request' // the need or the options fail their schema; nothing was tried
  | 'settings-unreadable' // the data source settings cannot be read; nothing was tried
  | 'exhausted' // every step missed, failed or was refused
  | 'cancelled'
  | 'ledger-unavailable' // an attempt could not be recorded, so the chain stopped (fail closed)
  | 'internal'; // a fault in the engine itself (a bug); the message says where

export interface ChainFailure {
  ok: false;
  need: string;
  failure: { kind: ChainFailureKind; message: string };
  sourcesTried: Attempt[];
  costMicros: Micros;
}

export type ChainOutcome<V> = ChainSuccess<V> | ChainFailure;
