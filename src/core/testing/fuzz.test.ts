import { describe, expect, it } from 'vitest';
import { FuzzFailure, fuzzParser, fuzzRandom, isTypedError, mutate } from './fuzz';

class SampleError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

const SAMPLE = JSON.stringify({ elements: [{ id: 1, lat: 33.02, lon: -96.7, tags: { 'addr:street': 'Maple Avenue' } }, { id: 2, lat: 33.03, lon: -96.71, tags: {} }] }, null, 1);

/** A careful parser: every failure is typed. */
function carefulParse(text: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SampleError('malformed-body', `Not JSON: ${(error as Error).message}`);
  }
  const elements = (value as { elements?: unknown } | null)?.elements;
  if (!Array.isArray(elements)) throw new SampleError('malformed-body', 'No elements list.');
  return elements.map((element) => {
    const lat = (element as { lat?: unknown } | null)?.lat;
    if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) throw new SampleError('malformed-body', 'Bad latitude.');
    return lat;
  });
}

describe('fuzzParser', () => {
  it('is deterministic: the same seed gives the same mutated inputs', () => {
    const a = fuzzRandom(7);
    const b = fuzzRandom(7);
    const first = Array.from({ length: 50 }, () => mutate(SAMPLE, a));
    const second = Array.from({ length: 50 }, () => mutate(SAMPLE, b));
    expect(first).toEqual(second);
    expect(new Set(first.map((m) => m.input)).size).toBeGreaterThan(40);
  });

  it('passes a parser whose every failure is typed, and counts returns and errors by kind', async () => {
    const report = await fuzzParser(SAMPLE, carefulParse, { runs: 1500, seed: 1 });
    expect(report.runs).toBe(1500);
    expect(report.returned + report.typedErrors).toBe(1500);
    expect(report.returned).toBeGreaterThan(50);
    expect(report.typedErrors).toBeGreaterThan(300);
    expect(Object.keys(report.byKind)).toEqual(['malformed-body']);
  });

  it('catches a parser that crashes with a TypeError, naming the seed, run and mutations', async () => {
    const careless = (text: string) => (JSON.parse(text) as { elements: { lat: number }[] }).elements.map((e) => e.lat.toFixed(2));
    const failure = await fuzzParser(SAMPLE, careless, { runs: 500, seed: 3 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FuzzFailure);
    expect((failure as FuzzFailure).message).toMatch(/seed 3/);
    expect((failure as FuzzFailure).message).toMatch(/SyntaxError|TypeError/);
    expect((failure as FuzzFailure).cases[0]!.applied.length).toBeGreaterThan(0);
  });

  it('checks returned values too', async () => {
    const failure = await fuzzParser(SAMPLE, carefulParse, {
      runs: 300,
      check: (lats) => {
        if ((lats as number[]).length !== 2) throw new Error('lost an element silently');
      },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FuzzFailure);
    expect((failure as FuzzFailure).message).toContain('lost an element silently');
  });

  it('mutates bytes as bytes', async () => {
    const seen: Buffer[] = [];
    await fuzzParser(Buffer.from('a,b,c\n1,2,3\n4,5,6\n'), (bytes) => void seen.push(bytes), { runs: 200 });
    expect(seen.every((input) => Buffer.isBuffer(input))).toBe(true);
  });

  it('counts only errors with a kind and a message as typed', () => {
    expect(isTypedError(new SampleError('x', 'a message'))).toBe(true);
    expect(isTypedError(new SampleError('x', ''))).toBe(false);
    expect(isTypedError(new TypeError('x'))).toBe(false);
    expect(isTypedError(Object.assign(new RangeError('Invalid time value'), { kind: 'x' }))).toBe(false);
    expect(isTypedError('a string')).toBe(false);
  });
});
