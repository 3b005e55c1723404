// `gamehost serve --dev`: the plugins folder is watched and a rebuilt
// component is published and serves new games at once; a broken rebuild is
// refused with its reason in the log and the last good version stays.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { componentPath, disconnectAll, eventually, getJson, move, players, sleep, startGame, startServer } from "./harness.mjs";

/** Writes `from` to `to` the way a build does: a new file renamed over the old. */
function rebuild(from, to) {
  const partial = `${to}.partial`;
  fs.copyFileSync(from, partial);
  fs.renameSync(partial, to);
}

async function activeVersion(url, gameType) {
  const games = await getJson(url, "/api/games");
  return games.find((g) => g.id === gameType)?.version;
}

describe("dev mode", () => {
  let server;
  let dir;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-dev-"));
    server = await startServer({ pluginsDir: dir, args: ["--dev"] });
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a component dropped in, then rebuilt, serves new games within a second or two", async () => {
    const target = path.join(dir, "countdown.wasm");
    assert.equal(await activeVersion(server.url, "countdown"), undefined);
    let since = Date.now();
    rebuild(componentPath("fixtures", "countdown-1"), target);
    await eventually("countdown 1.0.0 is loaded", async () => (await activeVersion(server.url, "countdown")) === "1.0.0", 10_000);
    const firstLoad = Date.now() - since;

    const [a, b] = await players(server.url, ["A", "B"]);
    const before = await startGame(a, [b], { gameType: "countdown" });
    assert.equal(before.started.view.left, 10);

    since = Date.now();
    rebuild(componentPath("fixtures", "countdown-2"), target);
    await eventually("countdown 2.0.0 is loaded", async () => (await activeVersion(server.url, "countdown")) === "2.0.0", 10_000);
    const reload = Date.now() - since;
    const [c, d] = await players(server.url, ["C", "D"]);
    const after = await startGame(c, [d], { gameType: "countdown" });
    assert.equal(after.started.view.left, 12, "new games get the rebuilt rules");
    // The game started before the rebuild keeps its rules.
    await move(a, before.gameId, 1);
    const record = await getJson(server.url, `/api/games/${before.gameId}`);
    assert.equal(record.pluginVersion, "1.0.0");
    assert.equal(record.view.left, 9);
    console.log(`dev mode: first load ${firstLoad} ms, reload ${reload} ms`);
  });

  it("reading a component, or writing the same bytes again, reloads nothing", async () => {
    const target = path.join(dir, "countdown.wasm");
    const loads = () => (server.stderr().match(/plugin loaded/g) ?? []).length;
    const before = loads();
    for (let i = 0; i < 20; i++) fs.readFileSync(target);
    rebuild(componentPath("fixtures", "countdown-2"), target);
    await sleep(1500);
    assert.equal(loads(), before, "no reload for reads or for the same content");
    assert.equal(await activeVersion(server.url, "countdown"), "2.0.0");
  });

  it("a broken rebuild is refused with its reason in the log; the last good version stays", async () => {
    const target = path.join(dir, "countdown.wasm");
    rebuild(componentPath("fixtures", "plays-after-end"), target);
    await eventually(
      "the refusal is logged",
      async () => /plugin refused.*after-the-end/.test(server.stderr()),
      15_000,
    );
    // Reported once for its content, however often it is read.
    for (let i = 0; i < 20; i++) fs.readFileSync(target);
    await sleep(1500);
    assert.equal((server.stderr().match(/plugin refused/g) ?? []).length, 1, "the refusal is reported once");
    assert.equal(await activeVersion(server.url, "countdown"), "2.0.0");
    const [a, b] = await players(server.url, ["E", "F"]);
    const { started } = await startGame(a, [b], { gameType: "countdown" });
    assert.equal(started.view.left, 12);
  });
});
