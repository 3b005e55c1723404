// `gamehost plugin new NAME --lang ts` writes a package that builds and
// passes the suite as generated.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const sdk = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.GAMEHOST_BIN ?? path.resolve(sdk, "../../target/debug/gamehost");

test("a new TypeScript game builds and passes gamehost plugin check untouched", { timeout: 600_000 }, () => {
  assert.ok(existsSync(bin), `no gamehost binary at ${bin} (set GAMEHOST_BIN)`);
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "scaffold-ts-")), "stone-heap");
  const created = spawnSync(bin, ["plugin", "new", "stone-heap", "--lang", "ts", "--dir", dir], { encoding: "utf8" });
  assert.equal(created.status, 0, created.stdout + created.stderr);
  assert.match(readFileSync(path.join(dir, "package.json"), "utf8"), /"@gamehost\/rules": "file:/);
  const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` };
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir, env, encoding: "utf8" });
  assert.equal(install.status, 0, install.stdout + install.stderr);
  const run = spawnSync("npm", ["test"], { cwd: dir, env, encoding: "utf8" });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /stone-heap 0\.1\.0/);
  assert.match(run.stdout, /all \d+ checks passed/);
  assert.ok(existsSync(path.join(dir, "dist/stone-heap.wasm")));
});
