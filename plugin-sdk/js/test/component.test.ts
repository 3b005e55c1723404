// The example, built into a component by gamehost-rules-build, passes the
// host's whole conformance suite in the sandbox.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const sdk = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.GAMEHOST_BIN ?? path.resolve(sdk, "../../target/debug/gamehost");

test("the TypeScript tic-tac-toe builds and passes gamehost plugin check", { timeout: 600_000 }, () => {
  assert.ok(existsSync(bin), `no gamehost binary at ${bin} (set GAMEHOST_BIN)`);
  const out = path.join(mkdtempSync(path.join(tmpdir(), "rules-ts-")), "tic-tac-toe-ts.wasm");
  execFileSync("node", [path.join(sdk, "bin/build.mjs"), path.join(sdk, "examples/tic-tac-toe.ts"), "-o", out], {
    stdio: "inherit",
  });
  const check = spawnSync(bin, ["plugin", "check", out, "--json", "--playouts", "20"], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const report = JSON.parse(check.stdout);
  assert.equal(report.game.id, "tic-tac-toe-ts");
  const names = report.checks.map((c: { name: string }) => c.name);
  for (const name of ["contract", "playouts", "rule-holes", "forfeit", "determinism", "cost"]) {
    assert.ok(names.includes(name), `no ${name} check: ${names}`);
  }
  assert.ok(report.checks.every((c: { status: string }) => c.status === "pass"), check.stdout);
});
