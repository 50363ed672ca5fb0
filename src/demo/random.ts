import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * Seeded randomness for the demo world. Every house, neighbourhood and storm draws from its own
 * stream, keyed by (seed, purpose, index), so any one of them can be generated on its own, in any
 * order, and always comes out the same: the world never has to be built all at once.
 */

/** A 32-bit finaliser (MurmurHash3 fmix32): nearby keys give unrelated words. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function hashKey(seed: number, purpose: string, index: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (let i = 0; i < purpose.length; i += 1) h = mix32(h ^ Math.imul(purpose.charCodeAt(i), 0x01000193));
  h = mix32(h ^ Math.imul(index | 0, 0x27d4eb2d));
  // Note: indexes above 2^32 do not occur (a world holds at most a few million houses).
  return mix32(h ^ Math.floor(index / 4_294_967_296));
}

export class Stream {
  private readonly rng: RandomGenerator;

  constructor(seed: number, purpose: string, index = 0) {
    const h = hashKey(seed, purpose, index);
    // Note: xoroshiro must not start from an all-zero state; mixing distinct constants in avoids it.
    this.rng = xoroshiro128plusFromState([mix32(h ^ 0x243f6a88), mix32(h ^ 0x85a308d3), mix32(h ^ 0x13198a2e), mix32(h ^ 0x03707344) | 1]);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  /** Standard normal (Box–Muller), clipped to ±4 so no draw is absurd. */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(-4, Math.min(4, z));
  }

  /** A deterministic shuffle (Fisher–Yates) of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }
}

/** Rounds to 7 decimals (about 1 cm), as OpenStreetMap stores coordinates. */
export function round7(value: number): number {
  return Math.round(value * 1e7) / 1e7;
}
