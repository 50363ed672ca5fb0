import { describe, expect, it } from 'vitest';
import {
  MoneyError,
  addMicros,
  formatUsd,
  micros,
  microsSchema,
  mulRatio,
  parseUsd,
  safeParseUsd,
  subMicros,
  sumMicros,
  type Micros,
} from './money';

function refusal(fn: () => unknown): MoneyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MoneyError) return error;
    throw error;
  }
  throw new Error('expected a MoneyError');
}

describe('parseUsd', () => {
  it.each([
    ['10', 10_000_000],
    ['10.50', 10_500_000],
    ['$1,234.56', 1_234_560_000],
    [' $ 0.002 ', 2_000],
    ['.5', 500_000],
    ['7.', 7_000_000],
    ['0.000001', 1],
    ['$1,000,000,000', 1_000_000_000_000_000],
    ['-0', 0],
  ])('reads %j as %d micros', (text, expected) => {
    expect(parseUsd(text)).toBe(expected);
  });

  it('reads numbers through their decimal text, not float multiplication', () => {
    expect(parseUsd(0.1)).toBe(100_000);
    expect(parseUsd(19.99)).toBe(19_990_000);
    expect(parseUsd(4.35)).toBe(4_350_000); // 4.35 * 1e6 is 4349999.999999999 in floats
  });

  it('accepts negatives only when asked', () => {
    expect(refusal(() => parseUsd('-5')).kind).toBe('negative');
    expect(parseUsd('-$5.25', { allowNegative: true })).toBe(-5_250_000);
    expect(parseUsd('$-5', { allowNegative: true })).toBe(-5_000_000);
    expect(parseUsd(-2, { allowNegative: true })).toBe(-2_000_000);
  });

  it.each([
    ['abc', 'not-a-number'],
    ['', 'not-a-number'],
    ['$', 'not-a-number'],
    ['1,2,3', 'not-a-number'],
    ['10 dollars', 'not-a-number'],
    ['-$-5', 'not-a-number'],
    ['1e3', 'not-a-number'],
    [Number.NaN, 'not-a-number'],
    [Number.POSITIVE_INFINITY, 'not-a-number'],
    ['0.0000001', 'too-precise'],
    [1e-7, 'too-precise'],
    [0.1 + 0.2, 'too-precise'],
    ['1000000000.01', 'too-large'],
    ['99999999999999999999', 'too-large'],
    [1e21, 'too-large'],
  ] as const)('refuses %j as %s with a readable message', (input, kind) => {
    const error = refusal(() => parseUsd(input));
    expect(error.kind).toBe(kind);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('has a non-throwing form for forms', () => {
    expect(safeParseUsd('12')).toEqual({ ok: true, value: 12_000_000 });
    const result = safeParseUsd('twelve');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.kind).toBe('not-a-number');
  });
});

describe('micros', () => {
  it('refuses anything but a safe integer', () => {
    expect(micros(5)).toBe(5);
    expect(refusal(() => micros(1.5)).kind).toBe('not-an-integer');
    expect(refusal(() => micros(Number.NaN)).kind).toBe('not-a-number');
    expect(refusal(() => micros(Number.NEGATIVE_INFINITY)).kind).toBe('not-a-number');
    expect(refusal(() => micros(2 ** 53)).kind).toBe('unsafe-integer');
    expect(microsSchema.safeParse(10).success).toBe(true);
    expect(microsSchema.safeParse(0.5).success).toBe(false);
    expect(microsSchema.safeParse('10').success).toBe(false);
  });
});

describe('formatUsd', () => {
  it.each([
    [10_500_000, '$10.50'],
    [0, '$0.00'],
    [2_000, '$0.002'],
    [1, '$0.000001'],
    [1_234_567_890_000, '$1,234,567.89'],
    [-3_000_000, '-$3.00'],
  ])('shows %d micros as %s', (amount, text) => {
    expect(formatUsd(amount as Micros)).toBe(text);
  });

  it('round-trips through parseUsd', () => {
    for (const text of ['$0.01', '$9,999.99', '$0.123456', '$10.00']) {
      expect(formatUsd(parseUsd(text))).toBe(text);
    }
  });
});

describe('arithmetic', () => {
  const m = (n: number) => micros(n);
  it('adds, subtracts and sums exactly', () => {
    expect(addMicros(m(100_000), m(200_000))).toBe(300_000);
    expect(subMicros(m(100_000), m(300_000))).toBe(-200_000);
    expect(sumMicros(Array.from({ length: 10 }, () => m(100_000)))).toBe(1_000_000);
    expect(refusal(() => addMicros(m(Number.MAX_SAFE_INTEGER), m(1))).kind).toBe('unsafe-integer');
  });

  it('splits budgets by ratio with the documented rounding', () => {
    const daily = parseUsd('10');
    expect(mulRatio(daily, 60, 100)).toBe(6_000_000);
    expect(mulRatio(m(10), 1, 3, 'floor')).toBe(3);
    expect(mulRatio(m(10), 1, 3, 'ceil')).toBe(4);
    expect(mulRatio(m(5), 1, 2, 'nearest')).toBe(3);
    expect(mulRatio(m(-5), 1, 2, 'nearest')).toBe(-3);
    expect(mulRatio(m(-10), 1, 3, 'floor')).toBe(-4);
    expect(mulRatio(m(-10), 1, 3, 'ceil')).toBe(-3);
    expect(mulRatio(m(10), -1, 3, 'floor')).toBe(-4);
    // Exact even where amount × numerator passes 2^53.
    expect(mulRatio(parseUsd('1000000000'), 999, 1000)).toBe(999_000_000_000_000);
    expect(refusal(() => mulRatio(m(10), 1, 0)).kind).toBe('not-an-integer');
    expect(refusal(() => mulRatio(m(10), 0.5, 1)).kind).toBe('not-an-integer');
  });
});
