// Write Gamehost game rules in TypeScript. A game is a `Game` object; the
// build (`gamehost-rules-build`) bundles it and makes the WebAssembly
// component the host loads, against the same contract (wit/0.2.0) as the
// Rust SDK.

export { exportRules, type Game, Turn } from "./game.ts";
export { Rng } from "./rng.ts";
export { redact } from "./secrets.ts";
export * from "./types.ts";
