import { describe, expect, it } from 'vitest';
import { HLC_MAX_DRIFT_MS, Hlc, HlcError, compareHlc, formatHlc, hlcSchema, parseHlc } from './hlc';

function manualClock(start: number) {
  let now = start;
  return { read: () => now, set: (ms: number) => (now = ms) };
}

describe('Hlc', () => {
  it('issues strictly increasing timestamps even when the wall clock stalls or goes back', () => {
    const wall = manualClock(1_700_000_000_000);
    const clock = new Hlc({ deviceId: 'device-a', wallClock: wall.read });
    const stamps = [clock.now(), clock.now()];
    wall.set(1_600_000_000_000); // someone set the system clock back
    stamps.push(clock.now(), clock.now());
    wall.set(1_700_000_000_005);
    stamps.push(clock.now());
    for (let i = 1; i < stamps.length; i++) expect(compareHlc(stamps[i - 1]!, stamps[i]!)).toBe(-1);
    expect(parseHlc(stamps[3]!)).toEqual({ wallMs: 1_700_000_000_000, counter: 3, deviceId: 'device-a' });
    expect(parseHlc(stamps[4]!).counter).toBe(0);
  });

  it('sorts by text the same way as by (time, counter, device)', () => {
    const a = formatHlc({ wallMs: 9, counter: 999_999, deviceId: 'zz' });
    const b = formatHlc({ wallMs: 10, counter: 0, deviceId: 'aa' });
    const c = formatHlc({ wallMs: 10, counter: 0, deviceId: 'ab' });
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect(compareHlc(b, b)).toBe(0);
  });

  it('orders a received change before anything issued after it', () => {
    const wallA = manualClock(1_000_000);
    const wallB = manualClock(1_000_000 + 60_000); // B runs a minute fast
    const a = new Hlc({ deviceId: 'a', wallClock: wallA.read });
    const b = new Hlc({ deviceId: 'b', wallClock: wallB.read });
    const fromB = b.now();
    const merged = a.receive(fromB);
    expect(compareHlc(merged, fromB)).toBe(1);
    const next = a.now();
    expect(compareHlc(next, merged)).toBe(1);
    expect(parseHlc(next).wallMs).toBe(1_060_000); // A keeps B's time until its own catches up
  });

  it('merges equal wall times by taking the larger counter', () => {
    const wall = manualClock(5_000);
    const a = new Hlc({ deviceId: 'a', wallClock: wall.read });
    a.now();
    const remote = formatHlc({ wallMs: 5_000, counter: 41, deviceId: 'b' });
    expect(parseHlc(a.receive(remote)).counter).toBe(42);
  });

  it('refuses a remote timestamp too far in the future, with a message naming the device', () => {
    const wall = manualClock(10_000_000);
    const a = new Hlc({ deviceId: 'a', wallClock: wall.read });
    const remote = formatHlc({ wallMs: 10_000_000 + HLC_MAX_DRIFT_MS + 60_000, counter: 0, deviceId: 'tablet-7' });
    let caught: unknown;
    try {
      a.receive(remote);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HlcError);
    expect((caught as HlcError).kind).toBe('clock-drift');
    expect((caught as HlcError).message).toContain('tablet-7');
    // Within the allowance it is accepted.
    const near = formatHlc({ wallMs: 10_000_000 + HLC_MAX_DRIFT_MS - 1, counter: 0, deviceId: 'tablet-7' });
    expect(compareHlc(a.receive(near), near)).toBe(1);
  });

  it('resumes after a restart from the last issued timestamp', () => {
    const wall = manualClock(2_000);
    const before = new Hlc({ deviceId: 'a', wallClock: () => 9_000 });
    const last = before.now();
    const after = new Hlc({ deviceId: 'a', wallClock: wall.read, last });
    expect(compareHlc(after.now(), last)).toBe(1);
  });

  it('rejects malformed timestamps and device ids', () => {
    expect(() => parseHlc('yesterday')).toThrow(HlcError);
    expect(() => new Hlc({ deviceId: 'has space' })).toThrow(HlcError);
    expect(hlcSchema.safeParse('000000000000001-000000-a').success).toBe(true);
    expect(hlcSchema.safeParse('1-0-a').success).toBe(false);
  });
});
