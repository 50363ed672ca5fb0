import { z } from 'zod';

/**
 * Money in Fish Mouth is an integer count of micro-dollars (1 USD = 1,000,000 micros), branded
 * so a plain number cannot be passed where money is meant. Floats never hold stored money:
 * parsing goes from decimal text straight to an integer, and arithmetic stays integral.
 *
 *   micros(n)                    → Micros          (throws MoneyError unless n is a safe integer)
 *   parseUsd(text | number, o?)  → Micros          (throws MoneyError: "10", "10.50", "$1,234.56")
 *   safeParseUsd(text | number)  → MoneyResult      (the same, as a value for forms)
 *   formatUsd(m)                 → "$10.50", "$0.002", "-$1,234.00"
 *   addMicros / subMicros / sumMicros / mulRatio   (integer results, overflow refused)
 *   microsSchema                 zod schema for Micros at boundaries
 */

declare const microsBrand: unique symbol;
export type Micros = number & { readonly [microsBrand]: 'Micros' };

export const MICROS_PER_USD = 1_000_000;
/** Amounts above a billion dollars are a typo or an attack, never a roofing budget. */
export const MAX_USD = 1_000_000_000;
export const MAX_MICROS = MAX_USD * MICROS_PER_USD;
export const ZERO_MICROS = 0 as Micros;

export type MoneyErrorKind =
  | 'not-a-number' // NaN, Infinity, empty or non-numeric text
  | 'not-an-integer' // a fractional micro-dollar count
  | 'unsafe-integer' // beyond 2^53, where integers stop being exact
  | 'negative'
  | 'too-precise' // more than 6 decimal places (finer than one micro-dollar)
  | 'too-large'; // more than MAX_USD

export class MoneyError extends Error {
  readonly kind: MoneyErrorKind;
  constructor(kind: MoneyErrorKind, message: string) {
    super(message);
    this.name = 'MoneyError';
    this.kind = kind;
  }
}

export type MoneyResult = { ok: true; value: Micros } | { ok: false; error: MoneyError };

export function isMicros(value: unknown): value is Micros {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Brands an integer count of micro-dollars; refuses anything that is not an exact integer. */
export function micros(n: number): Micros {
  if (typeof n !== 'number' || Number.isNaN(n) || !Number.isFinite(n)) {
    throw new MoneyError('not-a-number', `A money amount must be a number of micro-dollars, got ${String(n)}.`);
  }
  if (!Number.isInteger(n)) {
    throw new MoneyError('not-an-integer', `A money amount must be a whole number of micro-dollars, got ${n}.`);
  }
  if (!Number.isSafeInteger(n)) {
    throw new MoneyError('unsafe-integer', `The amount ${n} micro-dollars is too large to count exactly.`);
  }
  return n as Micros;
}

export const microsSchema = z.custom<Micros>(isMicros, {
  message: 'Expected a whole number of micro-dollars (1 USD = 1,000,000)',
});

export interface ParseUsdOptions {
  /** Refunds and corrections may be negative; prices and budgets may not. Default false. */
  allowNegative?: boolean;
}

// Sign may sit before or after the dollar sign ("-$5", "$-5"); thousands separators must be
// well placed ("1,234", not "1,2,3"); ".5" and "5." are accepted as people type them.
const USD_TEXT = /^([+-]?)\s*(\$?)\s*([+-]?)\s*((?:\d{1,3}(?:,\d{3})+)|\d*)(?:\.(\d*))?$/;

/** Parses a dollar amount into micros, refusing anything that would lose or invent money. */
export function parseUsd(input: string | number, options: ParseUsdOptions = {}): Micros {
  const text = typeof input === 'number' ? numberToDecimalText(input) : String(input).trim();
  const match = USD_TEXT.exec(text);
  const whole = match?.[4] ?? '';
  const fraction = match?.[5] ?? '';
  if (!match || (whole === '' && fraction === '') || (match[1] && match[3])) {
    throw new MoneyError('not-a-number', `"${shorten(String(input))}" is not a dollar amount; write it like 10, 10.50 or $1,234.56.`);
  }
  const negative = match[1] === '-' || match[3] === '-';
  if (fraction.length > 6) {
    throw new MoneyError('too-precise', `"${shorten(String(input))}" has more than 6 decimal places; the smallest amount is $0.000001.`);
  }
  const wholeDigits = whole.replace(/,/g, '').replace(/^0+(?=\d)/, '');
  if (wholeDigits.length > String(MAX_USD).length) throw tooLarge(input);
  const value = Number(wholeDigits || '0') * MICROS_PER_USD + Number(fraction.padEnd(6, '0'));
  if (value > MAX_MICROS) throw tooLarge(input);
  if (negative && value !== 0 && !options.allowNegative) {
    throw new MoneyError('negative', `"${shorten(String(input))}" is negative; enter an amount of zero or more.`);
  }
  return (negative && value !== 0 ? -value : value) as Micros;
}

export function safeParseUsd(input: string | number, options?: ParseUsdOptions): MoneyResult {
  try {
    return { ok: true, value: parseUsd(input, options) };
  } catch (error) {
    if (error instanceof MoneyError) return { ok: false, error };
    throw error;
  }
}

/** "$10.50", "$0.002" (sub-cent digits kept, trailing zeros past the cents dropped), "-$1,234.00". */
export function formatUsd(amount: Micros): string {
  const value = micros(amount);
  const abs = Math.abs(value);
  const whole = Math.floor(abs / MICROS_PER_USD);
  let fraction = String(abs % MICROS_PER_USD).padStart(6, '0').replace(/0+$/, '');
  fraction = fraction.padEnd(2, '0');
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value < 0 ? '-' : ''}$${grouped}.${fraction}`;
}

export function addMicros(a: Micros, b: Micros): Micros {
  return micros(a + b);
}

export function subMicros(a: Micros, b: Micros): Micros {
  return micros(a - b);
}

export function sumMicros(amounts: Iterable<Micros>): Micros {
  let total = 0;
  for (const amount of amounts) total = micros(total + amount);
  return total as Micros;
}

/**
 * How `mulRatio` rounds a result that falls between two micros:
 * - 'floor': toward −∞ (a spending cap: never allow more than the exact share),
 * - 'ceil': toward +∞ (a reservation: never reserve less than the exact cost),
 * - 'nearest': to the nearest micro, ties away from zero (a report).
 */
export type Rounding = 'floor' | 'ceil' | 'nearest';

/**
 * `amount × numerator / denominator`, e.g. the 60 % high-priority share of a daily budget is
 * `mulRatio(daily, 60, 100, 'floor')`. Computed exactly in BigInt, rounded once.
 */
export function mulRatio(amount: Micros, numerator: number, denominator: number, rounding: Rounding = 'nearest'): Micros {
  micros(amount);
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator === 0) {
    throw new MoneyError('not-an-integer', `A money ratio needs whole numbers and a non-zero denominator, got ${numerator}/${denominator}.`);
  }
  let product = BigInt(amount) * BigInt(numerator);
  let divisor = BigInt(denominator);
  if (divisor < 0n) {
    product = -product;
    divisor = -divisor;
  }
  let quotient = product / divisor; // truncates toward zero
  const remainder = product % divisor;
  if (remainder !== 0n) {
    const positive = product > 0n;
    if (rounding === 'floor' && !positive) quotient -= 1n;
    else if (rounding === 'ceil' && positive) quotient += 1n;
    else if (rounding === 'nearest') {
      const twice = (remainder < 0n ? -remainder : remainder) * 2n;
      if (twice >= divisor) quotient += positive ? 1n : -1n;
    }
  }
  if (quotient > BigInt(Number.MAX_SAFE_INTEGER) || quotient < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError('unsafe-integer', 'The result of this money calculation is too large to count exactly.');
  }
  return Number(quotient) as Micros;
}

function numberToDecimalText(n: number): string {
  if (Number.isNaN(n) || !Number.isFinite(n)) {
    throw new MoneyError('not-a-number', `${String(n)} is not a dollar amount.`);
  }
  const text = String(n);
  if (!/e/i.test(text)) return text;
  // Note: JS writes numbers below 1e-6 or from 1e21 in exponent form; both are out of range.
  if (Math.abs(n) >= 1) throw tooLarge(n);
  throw new MoneyError('too-precise', `${text} has more than 6 decimal places; the smallest amount is $0.000001.`);
}

function tooLarge(input: string | number): MoneyError {
  return new MoneyError('too-large', `"${shorten(String(input))}" is more than $1,000,000,000; check the amount.`);
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
