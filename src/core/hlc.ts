import { z } from 'zod';

/**
 * Hybrid logical clock for last-writer-wins sync. A timestamp is text that sorts
 * lexicographically in causal order: `<wall ms, 15 digits>-<counter, 6 digits>-<device id>`,
 * e.g. `001718000000000-000003-0190a1b2-...`. The device id breaks ties, so two devices never
 * produce equal timestamps.
 *
 *   new Hlc({ deviceId, wallClock?, maxDriftMs?, last? })
 *   clock.now()            → a timestamp greater than every one this clock issued or saw
 *   clock.receive(remote)  → merge a remote timestamp (refuses one too far in the future)
 *   clock.observe(ts)      → catch up with a timestamp this device issued elsewhere (no guard)
 *   compareHlc(a, b)       → -1 | 0 | 1;  parseHlc / formatHlc / isHlc / hlcSchema
 *
 * Note: the store keeps one clock per process and persists the last issued timestamp in the
 * database, so the six service processes of one device share one ordering (see store/clock.ts).
 */

export type HlcTimestamp = string;

export interface HlcParts {
  wallMs: number;
  counter: number;
  deviceId: string;
}

export const HLC_MAX_DRIFT_MS = 5 * 60_000;
const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
const MAX_WALL = 10 ** WALL_DIGITS - 1;
const DEVICE_ID = /^[0-9A-Za-z_-]{1,64}$/;
const HLC_TEXT = /^(\d{15})-(\d{6})-([0-9A-Za-z_-]{1,64})$/;

export type HlcErrorKind = 'malformed' | 'clock-drift';

export class HlcError extends Error {
  readonly kind: HlcErrorKind;
  constructor(kind: HlcErrorKind, message: string) {
    super(message);
    this.name = 'HlcError';
    this.kind = kind;
  }
}

export function formatHlc(parts: HlcParts): HlcTimestamp {
  if (!Number.isSafeInteger(parts.wallMs) || parts.wallMs < 0 || parts.wallMs > MAX_WALL) {
    throw new HlcError('malformed', `Clock time ${parts.wallMs} is out of range.`);
  }
  if (!Number.isInteger(parts.counter) || parts.counter < 0 || parts.counter > MAX_COUNTER) {
    throw new HlcError('malformed', `Clock counter ${parts.counter} is out of range.`);
  }
  if (!DEVICE_ID.test(parts.deviceId)) {
    throw new HlcError('malformed', `Device id "${parts.deviceId}" may only hold letters, digits, "-" and "_" (1–64).`);
  }
  return `${String(parts.wallMs).padStart(WALL_DIGITS, '0')}-${String(parts.counter).padStart(COUNTER_DIGITS, '0')}-${parts.deviceId}`;
}

export function parseHlc(text: string): HlcParts {
  const match = typeof text === 'string' ? HLC_TEXT.exec(text) : null;
  if (!match) throw new HlcError('malformed', `"${String(text).slice(0, 100)}" is not a sync timestamp.`);
  return { wallMs: Number(match[1]), counter: Number(match[2]), deviceId: match[3]! };
}

export function isHlc(text: unknown): text is HlcTimestamp {
  return typeof text === 'string' && HLC_TEXT.test(text);
}

export const hlcSchema = z.string().refine(isHlc, { message: 'Expected a sync timestamp (HLC)' });

/** Fixed-width fields make plain string order the causal order. */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface HlcOptions {
  deviceId: string;
  /** Milliseconds since the epoch; injectable for tests. */
  wallClock?: () => number;
  /** How far in the future a remote timestamp may be before `receive` refuses it. */
  maxDriftMs?: number;
  /** The last timestamp issued before a restart, so the clock never goes back. */
  last?: HlcTimestamp;
}

export class Hlc {
  readonly deviceId: string;
  private readonly wallClock: () => number;
  private readonly maxDriftMs: number;
  private wallMs = 0;
  private counter = 0;
  private issued = false;

  constructor(options: HlcOptions) {
    if (!DEVICE_ID.test(options.deviceId)) {
      throw new HlcError('malformed', `Device id "${options.deviceId}" may only hold letters, digits, "-" and "_" (1–64).`);
    }
    this.deviceId = options.deviceId;
    this.wallClock = options.wallClock ?? Date.now;
    this.maxDriftMs = options.maxDriftMs ?? HLC_MAX_DRIFT_MS;
    if (options.last !== undefined) this.observe(options.last);
  }

  /** The latest timestamp this clock issued or caught up with, if any. */
  get last(): HlcTimestamp | undefined {
    return this.issued ? this.format() : undefined;
  }

  now(): HlcTimestamp {
    const physical = this.physical();
    if (physical > this.wallMs) {
      this.wallMs = physical;
      this.counter = 0;
    } else {
      this.bumpCounter();
    }
    this.issued = true;
    return this.format();
  }

  /** Merges a timestamp from another device; the result sorts after both it and our own. */
  receive(remote: HlcTimestamp): HlcTimestamp {
    const theirs = parseHlc(remote);
    const physical = this.physical();
    if (theirs.wallMs - physical > this.maxDriftMs) {
      const minutes = Math.round((theirs.wallMs - physical) / 60_000);
      throw new HlcError(
        'clock-drift',
        `A change from device ${theirs.deviceId} is stamped about ${minutes} minute(s) in the future; check the date and time on that device (or on this one) and sync again.`,
      );
    }
    const wall = Math.max(this.wallMs, theirs.wallMs, physical);
    if (wall === this.wallMs && wall === theirs.wallMs) {
      this.counter = Math.max(this.counter, theirs.counter);
      this.bumpCounter();
    } else if (wall === this.wallMs) {
      this.bumpCounter();
    } else if (wall === theirs.wallMs) {
      this.wallMs = wall;
      this.counter = theirs.counter;
      this.bumpCounter();
    } else {
      this.wallMs = wall;
      this.counter = 0;
    }
    this.issued = true;
    return this.format();
  }

  /**
   * Catches up with a timestamp this device issued in another process (or before a restart),
   * without issuing one. No drift guard: refusing our own past would block every write after
   * the system clock was set back.
   */
  observe(timestamp: HlcTimestamp): void {
    const seen = parseHlc(timestamp);
    if (seen.wallMs > this.wallMs || (seen.wallMs === this.wallMs && seen.counter > this.counter)) {
      this.wallMs = seen.wallMs;
      this.counter = seen.counter;
    }
    this.issued = true;
  }

  private physical(): number {
    const ms = Math.floor(this.wallClock());
    return Number.isFinite(ms) && ms >= 0 ? ms : 0;
  }

  /** Past a million events in one millisecond, borrow the next millisecond rather than wrap. */
  private bumpCounter(): void {
    if (this.counter >= MAX_COUNTER) {
      this.wallMs += 1;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
  }

  private format(): HlcTimestamp {
    return formatHlc({ wallMs: this.wallMs, counter: this.counter, deviceId: this.deviceId });
  }
}
