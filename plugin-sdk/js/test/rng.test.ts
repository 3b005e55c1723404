// The same seed gives the same numbers as the Rust SDK: both test against
// rng-vectors.json (plugin-sdk/src/rng.rs reads it too).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Rng } from "../src/index.ts";

const vectors: {
  seed: string;
  nextU64: string[];
  below: { bounds: number[]; draws: number[] };
  shuffle10: number[];
}[] = JSON.parse(readFileSync(new URL("../../test/rng-vectors.json", import.meta.url), "utf8"));

test("draws match the Rust SDK's SplitMix64 for every vector seed", () => {
  for (const v of vectors) {
    const rng = new Rng(BigInt(v.seed));
    assert.deepEqual(v.nextU64.map(() => rng.nextU64().toString()), v.nextU64, `seed ${v.seed}`);
    const b = new Rng(BigInt(v.seed));
    assert.deepEqual(v.below.bounds.map((n) => b.below(n)), v.below.draws, `below, seed ${v.seed}`);
    const items = [...Array(10).keys()];
    new Rng(BigInt(v.seed)).shuffle(items);
    assert.deepEqual(items, v.shuffle10, `shuffle, seed ${v.seed}`);
  }
});

test("rolls stay on the die and cover every face", () => {
  const rng = new Rng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 600; i++) {
    const face = rng.roll(6);
    assert.ok(face >= 1 && face <= 6, `${face}`);
    seen.add(face);
  }
  assert.equal(seen.size, 6);
});
