import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * Deterministic mutation fuzzing for parsers: start from a REAL sample, break it the ways real
 * answers and files break (cut off, bytes flipped, lines lost or doubled, numbers absurd, wrong
 * encodings, an HTML page spliced in, JSON keys missing or of the wrong type), and check that the
 * parser either returns or throws a typed error with a message — never a TypeError, a RangeError
 * or an error with nothing to tell the user.
 *
 *   fuzzParser(sample, parse, { runs?, seed?, mutationsPerRun?, isTypedError?, check? }) → FuzzReport
 *     (throws FuzzFailure naming the seed, run and mutations of the first bad cases)
 *   mutate(sample, random, count?) → { input, applied }       one mutated input
 *   fuzzRandom(seed)                                          the seeded generator behind both
 *
 * Note: the same seed gives the same inputs on every machine, so a failure is reproduced by its
 * seed and run number. Keep samples to tens of kilobytes: every run copies the whole input.
 */

export interface FuzzRandom {
  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

export function fuzzRandom(seed: number): FuzzRandom {
  const rng: RandomGenerator = xoroshiro128plus(seed | 0);
  const random: FuzzRandom = {
    int: (min, max) => (max <= min ? min : uniformInt(rng, min, max)),
    pick: (items) => items[random.int(0, items.length - 1)]!,
    chance: (probability) => uniformInt(rng, 0, 999_999) < probability * 1_000_000,
  };
  return random;
}

export type TextMutation = (input: string, random: FuzzRandom) => string;

const ABSURD_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e309', '-1', '-99999999', '99999999999999999999', '0', '-0', '1.7976931348623157e308', '"12"', '""', 'null', 'abc', '12abc', '0x1F', '1,000'];
const HTML_SNIPPETS = ['<html>', '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>', '</body></html>', '<br/>', '<html><body><h1>Error</h1></body></html>'];
const STRAY = ['"', ',', '\n', '\r\n', '\t', ';', '{', '}', '[', ']', ':', '\\', '\u0000', '\ufffd', '\u2028', '""', ',,,'];

const at = (input: string, random: FuzzRandom) => random.int(0, input.length);
const lines = (input: string) => input.split('\n');

/** Text mutations by name (applied to strings, or to bytes read as latin1). */
export const TEXT_MUTATIONS: Record<string, TextMutation> = {
  flipBytes(input, random) {
    let out = input;
    for (let n = random.int(1, 4); n > 0 && out.length > 0; n--) {
      const i = random.int(0, out.length - 1);
      out = out.slice(0, i) + String.fromCharCode(random.int(0, 255)) + out.slice(i + 1);
    }
    return out;
  },
  truncate: (input, random) => input.slice(0, random.int(0, Math.max(0, input.length - 1))),
  truncateNearEnd: (input, random) => input.slice(0, Math.max(0, input.length - random.int(1, 40))),
  duplicateLine(input, random) {
    const all = lines(input);
    const i = random.int(0, all.length - 1);
    all.splice(i, 0, all[i]!);
    return all.join('\n');
  },
  removeLine(input, random) {
    const all = lines(input);
    all.splice(random.int(0, all.length - 1), 1);
    return all.join('\n');
  },
  swapLines(input, random) {
    const all = lines(input);
    const i = random.int(0, all.length - 1);
    const j = random.int(0, all.length - 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
    return all.join('\n');
  },
  /** Absurd numbers where numbers were: NaN, huge, negative, strings, empty. */
  replaceNumber(input, random) {
    const found = [...input.matchAll(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)];
    if (found.length === 0) return input;
    const match = random.pick(found);
    return input.slice(0, match.index) + random.pick(ABSURD_NUMBERS) + input.slice(match.index + match[0].length);
  },
  /** A JSON key repeated with another value, or removed with its value where that is simple. */
  duplicateJsonKey(input, random) {
    const found = [...input.matchAll(/"([^"\\]{1,64})"\s*:/g)];
    if (found.length === 0) return input;
    const match = random.pick(found);
    return `${input.slice(0, match.index)}${match[0]}${random.pick(['null', '"x"', '-1', '[]', '{}'])},${input.slice(match.index)}`;
  },
  removeJsonKey(input, random) {
    const found = [...input.matchAll(/"[^"\\]{1,64}"\s*:\s*(?:"(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false|null)\s*,?/g)];
    if (found.length === 0) return input;
    const match = random.pick(found);
    return input.slice(0, match.index) + input.slice(match.index + match[0].length);
  },
  insertHtml(input, random) {
    const i = random.chance(0.3) ? 0 : at(input, random);
    return input.slice(0, i) + random.pick(HTML_SNIPPETS) + input.slice(i);
  },
  insertStray(input, random) {
    let out = input;
    for (let n = random.int(1, 3); n > 0; n--) {
      const i = at(out, random);
      out = out.slice(0, i) + random.pick(STRAY) + out.slice(i);
    }
    return out;
  },
  deleteSpan(input, random) {
    const i = at(input, random);
    return input.slice(0, i) + input.slice(Math.min(input.length, i + random.int(1, 200)));
  },
  duplicateSpan(input, random) {
    const i = at(input, random);
    const span = input.slice(i, i + random.int(1, 200));
    return input.slice(0, i) + span + span + input.slice(i);
  },
  /** UTF-8 read as Latin-1 (mojibake), UTF-16 bytes read as Latin-1, or a byte-order mark. */
  wrongEncoding(input, random) {
    switch (random.int(0, 3)) {
      case 0:
        return Buffer.from(input, 'utf8').toString('latin1');
      case 1:
        return Buffer.from(input.slice(0, 20_000), 'utf16le').toString('latin1');
      case 2:
        return `\uFEFF${input}`;
      default:
        return Buffer.from(Buffer.from(input, 'latin1').toString('utf8'), 'utf8').toString('utf8');
    }
  },
  empty: (_input, random) => random.pick(['', ' ', '\n', '\r\n\r\n', '\u0000', '\uFEFF']),
};

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const ODD_VALUES: JsonValue[] = [null, '', 'NaN', -1, -999_999_999, 1e300, 0, true, false, [], {}, 'x'.repeat(500), '<html>', '1e309', ' 12 '];

/** Structural JSON mutations: one node removed, doubled, emptied or replaced by an odd value. */
export function mutateJsonValue(root: JsonValue, random: FuzzRandom): { value: JsonValue; name: string } {
  const path: (string | number)[] = [];
  let node: JsonValue = root;
  // Walk down a random branch, stopping at a random depth.
  while (node !== null && typeof node === 'object' && random.chance(0.8)) {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const key = random.pick(keys);
    path.push(key);
    node = (node as Record<string | number, JsonValue>)[key]!;
  }
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1];
  const choices = ['replace', 'remove', 'duplicate', 'empty', 'stringify'] as const;
  const name = random.pick(choices);
  const change = (parent: JsonValue): JsonValue => {
    if (key === undefined || parent === null || typeof parent !== 'object') return random.pick(ODD_VALUES);
    const copy: JsonValue = Array.isArray(parent) ? [...parent] : { ...parent };
    const current = (parent as Record<string | number, JsonValue>)[key]!;
    const target = copy as Record<string | number, JsonValue>;
    if (name === 'replace') target[key] = random.pick(ODD_VALUES);
    else if (name === 'stringify') target[key] = typeof current === 'string' ? Number(current) : JSON.stringify(current) ?? null;
    else if (name === 'empty') target[key] = Array.isArray(current) ? [] : current !== null && typeof current === 'object' ? {} : null;
    else if (Array.isArray(copy)) {
      if (name === 'remove') copy.splice(key as number, 1);
      else copy.splice(key as number, 0, current);
    } else if (name === 'remove') delete target[key];
    else target[`${key}`] = current;
    return copy;
  };
  return { value: updateAt(root, parentPath, change), name: `json:${name}` };
}

function updateAt(node: JsonValue, path: (string | number)[], change: (node: JsonValue) => JsonValue): JsonValue {
  if (path.length === 0) return change(node);
  if (node === null || typeof node !== 'object') return node;
  const [head, ...rest] = path;
  const copy: JsonValue = Array.isArray(node) ? [...node] : { ...node };
  (copy as Record<string | number, JsonValue>)[head!] = updateAt((node as Record<string | number, JsonValue>)[head!]!, rest, change);
  return copy;
}

export interface Mutated<I> {
  input: I;
  applied: string[];
}

/** One mutated input: `count` mutations (default 1–3), text or JSON-structural. */
export function mutate<I extends string | Buffer>(sample: I, random: FuzzRandom, count = random.int(1, 3), json: JsonValue | undefined = undefined): Mutated<I> {
  const applied: string[] = [];
  const original: string | Buffer = sample;
  let text = typeof original === 'string' ? original : original.toString('latin1');
  const names = Object.keys(TEXT_MUTATIONS);
  if (json !== undefined && random.chance(0.5)) {
    let value = json;
    for (let n = 0; n < count; n++) {
      const step = mutateJsonValue(value, random);
      value = step.value;
      applied.push(step.name);
    }
    text = JSON.stringify(value);
    if (Buffer.isBuffer(sample)) text = Buffer.from(text, 'utf8').toString('latin1');
  } else {
    for (let n = 0; n < count; n++) {
      const name = random.pick(names);
      text = TEXT_MUTATIONS[name]!(text, random);
      applied.push(name);
    }
  }
  return { input: (Buffer.isBuffer(sample) ? Buffer.from(text, 'latin1') : text) as I, applied };
}

export interface FuzzOptions {
  runs?: number;
  seed?: number;
  /** What a well-behaved failure is; default: an Error with a non-empty string `kind` and message, not a built-in error class. */
  isTypedError?: (error: unknown) => boolean;
  /** Checks a returned value (e.g. every record passes its schema); throw to report it. */
  check?: (result: unknown) => void;
}

export interface FuzzReport {
  runs: number;
  seed: number;
  returned: number;
  typedErrors: number;
  /** Typed errors by kind. */
  byKind: Record<string, number>;
}

const BUILT_IN_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

export function isTypedError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (BUILT_IN_ERRORS.some((type) => error.constructor === type)) return false;
  const kind = (error as { kind?: unknown }).kind;
  return typeof kind === 'string' && kind.length > 0 && typeof error.message === 'string' && error.message.trim().length > 0;
}

export class FuzzFailure extends Error {
  constructor(
    message: string,
    readonly cases: { run: number; applied: string[]; problem: string; excerpt: string }[],
  ) {
    super(message);
    this.name = 'FuzzFailure';
  }
}

/** Runs the parser on `runs` mutated inputs; throws FuzzFailure describing the first bad cases. */
export async function fuzzParser<I extends string | Buffer>(sample: I, parse: (input: I) => unknown, options: FuzzOptions = {}): Promise<FuzzReport> {
  const runs = options.runs ?? 2000;
  const seed = options.seed ?? 20_240_604;
  const typed = options.isTypedError ?? isTypedError;
  const random = fuzzRandom(seed);
  const json = parseSampleJson(sample);
  const report: FuzzReport = { runs, seed, returned: 0, typedErrors: 0, byKind: {} };
  const bad: FuzzFailure['cases'] = [];
  for (let run = 0; run < runs; run++) {
    const { input, applied } = mutate(sample, random, undefined, json);
    let problem: string | null = null;
    try {
      const result = await parse(input);
      options.check?.(result);
      report.returned += 1;
    } catch (error) {
      if (typed(error)) {
        report.typedErrors += 1;
        const kind = (error as { kind: string }).kind;
        report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
      } else {
        problem = error instanceof Error ? `${error.constructor.name}: ${error.message || '(no message)'}\n${error.stack?.split('\n').slice(1, 4).join('\n') ?? ''}` : `threw ${String(error)}`;
      }
    }
    if (problem !== null) {
      const text = Buffer.isBuffer(input) ? input.toString('latin1') : input;
      bad.push({ run, applied, problem, excerpt: JSON.stringify(text.slice(0, 300)) });
      if (bad.length >= 5) break;
    }
  }
  if (bad.length > 0) {
    const details = bad.map((c) => `  run ${c.run} [${c.applied.join(', ')}]: ${c.problem}\n    input starts ${c.excerpt}`).join('\n');
    throw new FuzzFailure(`The parser failed badly on ${bad.length} mutated input(s) (seed ${seed}):\n${details}`, bad);
  }
  return report;
}

function parseSampleJson(sample: string | Buffer): JsonValue | undefined {
  const text = Buffer.isBuffer(sample) ? sample.toString('utf8') : sample;
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}
