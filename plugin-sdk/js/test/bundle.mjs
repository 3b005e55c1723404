// Node 20 runs no TypeScript: bundle each test/*.test.ts into
// target/test/*.test.mjs for `node --test`.
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tests = readdirSync(path.join(root, "test")).filter((f) => f.endsWith(".test.ts"));
await build({
  entryPoints: tests.map((f) => path.join(root, "test", f)),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: path.join(root, "target/test"),
  outExtension: { ".js": ".mjs" },
  packages: "external",
  logLevel: "warning",
});
