#!/usr/bin/env node
// gamehost-rules-build GAME.ts -o OUT.wasm
//
// Bundles a game module (its default export is a `Game`) with the SDK's
// adapter into one JavaScript module, then componentizes it against the
// contract (wit/0.2.0) into the WebAssembly component the host loads.
//
// componentize-js imports @bytecodealliance/preview2-shim without declaring
// it (it relies on npm hoisting jco's copy); package.json pins the version
// it works with, so an install never leaves it out.

import { componentize } from "@bytecodealliance/componentize-js";
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const WIT = path.resolve(here, "../../../wit/0.2.0");
const SDK = path.resolve(here, "../src/index.ts");

function usage(message) {
  if (message) console.error(`gamehost-rules-build: ${message}`);
  console.error("usage: gamehost-rules-build GAME.ts -o OUT.wasm");
  process.exit(2);
}

const args = process.argv.slice(2);
const outAt = args.indexOf("-o");
if (outAt < 0 || !args[outAt + 1]) usage("no output (-o OUT.wasm)");
const out = path.resolve(args[outAt + 1]);
const inputs = args.filter((_, i) => i !== outAt && i !== outAt + 1);
if (inputs.length !== 1) usage("one game module expected");
const game = path.resolve(inputs[0]);

const work = mkdtempSync(path.join(tmpdir(), "gamehost-rules-"));
try {
  const entry = path.join(work, "entry.ts");
  writeFileSync(
    entry,
    `import game from ${JSON.stringify(game)};\n` +
      `import { exportRules } from ${JSON.stringify(SDK)};\n` +
      `export const rules = exportRules(game);\n`,
  );
  const bundle = path.join(work, "rules.js");
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outfile: bundle,
    logLevel: "warning",
  });
  const started = Date.now();
  const { component } = await componentize({
    sourcePath: bundle,
    witPath: WIT,
    worldName: "game",
    // Rules need no network: the host links none.
    disableFeatures: ["http", "fetch-event"],
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, component);
  console.error(
    `gamehost-rules-build: ${path.relative(process.cwd(), out)} (${(component.length / 1048576).toFixed(1)} MiB, componentized in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
