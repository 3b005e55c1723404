// Builds the browser client into dist/: the TypeScript bundled by esbuild,
// and the static files copied as they are. `node build.mjs --watch` rebuilds
// on every change.

import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "dist");
fs.mkdirSync(dist, { recursive: true });
for (const file of fs.readdirSync(path.join(here, "static"))) {
  fs.copyFileSync(path.join(here, "static", file), path.join(dist, file));
}
const options = {
  entryPoints: [path.join(here, "src", "main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  sourcemap: true,
  minify: true,
  outfile: path.join(dist, "app.js"),
  logLevel: "info",
};
if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
