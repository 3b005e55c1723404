// Bad input and bad plugins in a live server: a plugin that traps or loops
// fails that request with PLUGIN_FAILURE, the game is unchanged, the socket
// and the server stay up; an oversized move is refused.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { disconnectAll, ok, players, request, startGame, startServer, targetDir } from "./harness.mjs";

describe("bad plugins and bad input", () => {
  let server;
  let dir;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-badplugins-"));
    fs.copyFileSync(path.join(targetDir(), "plugins", "tic-tac-toe.wasm"), path.join(dir, "tic-tac-toe.wasm"));
    for (const fixture of ["traps-on-input", "loops-forever"]) {
      fs.copyFileSync(path.join(targetDir(), "fixtures", `${fixture}.wasm`), path.join(dir, `${fixture}.wasm`));
    }
    server = await startServer({ pluginsDir: dir });
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a trap fails the move with PLUGIN_FAILURE and changes nothing", async () => {
    const [a, b] = await players(server.url, ["A", "B"]);
    const { gameId } = await startGame(a, [b], { gameType: "traps-on-input" });
    const first = await ok(a.socket, "game:move", { gameId, move: 1 });
    // Taking two from nine trips the fixture's bug.
    const failed = await request(b.socket, "game:move", { gameId, move: 2 });
    assert.equal(failed.error?.code, "PLUGIN_FAILURE", JSON.stringify(failed));
    const sync = await ok(b.socket, "game:sync", { gameId, version: first.version });
    assert.equal(sync.version, first.version, "the failed move stored nothing");
    assert.deepEqual(sync.game.toMove, [1]);
    // The same player, another move: the game goes on.
    const next = await ok(b.socket, "game:move", { gameId, move: 1 });
    assert.equal(next.version, first.version + 1);
    assert.ok(b.socket.connected);
  });

  it("a plugin that loops is stopped at its deadline; the server answers others meanwhile", async () => {
    const [a, b] = await players(server.url, ["A", "B"]);
    const { gameId, joins } = await startGame(a, [b], { gameType: "loops-forever" });
    const looping = request(a.socket, "game:move", { gameId, move: 1 });
    // While the plugin spins on a blocking thread, other requests are served.
    const [c, d] = await players(server.url, ["C", "D"]);
    const other = await startGame(c, [d], { gameType: "tic-tac-toe" });
    await ok(c.socket, "game:move", { gameId: other.gameId, move: 4 });
    const failed = await looping;
    assert.equal(failed.error?.code, "PLUGIN_FAILURE");
    assert.match(failed.error.message, /deadline/);
    const sync = await ok(a.socket, "game:sync", { gameId, version: 0 });
    assert.equal(sync.version, joins[0].game.version);
  });

  it("a move over 16 KiB is refused as PAYLOAD_TOO_LARGE", async () => {
    const [a, b] = await players(server.url, ["A", "B"]);
    const { gameId } = await startGame(a, [b], { gameType: "tic-tac-toe" });
    const huge = await request(a.socket, "game:move", { gameId, move: "x".repeat(20_000) });
    assert.equal(huge.error?.code, "PAYLOAD_TOO_LARGE");
    await ok(a.socket, "game:move", { gameId, move: 0 });
  });
});
