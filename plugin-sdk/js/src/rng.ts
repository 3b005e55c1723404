// Deterministic randomness: SplitMix64, the Rust SDK's algorithm, so the same
// seed gives the same numbers in either language.

const MASK = (1n << 64n) - 1n;

export class Rng {
  private state: bigint;

  /** A generator whose draws are a function of `seed` alone. */
  constructor(seed: bigint | number) {
    this.state = BigInt(seed) & MASK;
  }

  /** The next 64 random bits. */
  nextU64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  /** A uniform integer in `0..bound` (bound at least 1), without modulo bias. */
  below(bound: number): number {
    const b = BigInt(Math.max(1, Math.floor(bound)));
    // Reject the top partial range so every residue is equally likely.
    const zone = MASK - (MASK % b);
    for (;;) {
      const draw = this.nextU64();
      if (draw < zone) return Number(draw % b);
    }
  }

  /** A die roll: `1..=sides`. */
  roll(sides: number): number {
    return this.below(sides) + 1;
  }

  /** Shuffles `items` in place (Fisher-Yates). */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i >= 1; i--) {
      const j = this.below(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
  }
}
