// Rematches (game:offer-revenge / accept / decline, seats rotated) and the
// per-user rate limit (RATE_LIMITED, then a disconnect for sustained abuse).

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import {
  disconnectAll,
  mark,
  ok,
  playMoves,
  players,
  request,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

const X_WINS = [0, 3, 1, 4, 2];

describe("rematch", () => {
  let server;
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("a rematch after a finished game rotates the seats; a declined offer starts nothing", async () => {
    server = await startServer();
    const [ada, bob] = await players(server.url, ["Ada", "Bob"]);
    const { gameId, joins } = await startGame(ada, [bob], { gameType: "tic-tac-toe" });

    const early = await request(ada.socket, "game:offer-revenge", { gameId });
    assert.equal(early.error?.code, "GAME_NOT_FINISHED");

    const moves = X_WINS.map((cell, i) => [i % 2 === 0 ? ada : bob, cell]);
    await playMoves(gameId, moves, [ada, bob], joins[0].game.version);
    await waitFor(bob.socket, "game:ended", (e) => e?.gameId === gameId);

    const none = await request(bob.socket, "game:accept-revenge", { gameId });
    assert.equal(none.error?.code, "NO_REVENGE_OFFER");

    // Offered, declined.
    let since = mark(ada.socket);
    await ok(bob.socket, "game:offer-revenge", { gameId });
    await waitFor(ada.socket, "game:revenge-offered", (e) => e?.gameId === gameId, 5000, { since });
    await ok(ada.socket, "game:decline-revenge", { gameId });
    await waitFor(bob.socket, "game:revenge-declined", (e) => e?.gameId === gameId);

    // Offered again, accepted: a new game, Bob now in seat 0.
    since = mark(ada.socket);
    await ok(bob.socket, "game:offer-revenge", { gameId });
    await waitFor(ada.socket, "game:revenge-offered", (e) => e?.gameId === gameId, 5000, { since });
    const accepted = await ok(ada.socket, "game:accept-revenge", { gameId });
    assert.equal(typeof accepted.newGameId, "string");
    assert.notEqual(accepted.newGameId, gameId);
    const notice = await waitFor(bob.socket, "game:revenge-accepted", (e) => e?.gameId === gameId);
    assert.equal(notice.newGameId, accepted.newGameId);
    const started = await waitFor(bob.socket, "game:started", (e) => e?.gameId === accepted.newGameId);
    assert.deepEqual(started.you, { seat: 0 }, "seats rotate: the second player moves first");
    assert.equal(started.players.find((p) => p.seat === 0).userId, bob.userId);
    assert.equal(started.players.find((p) => p.seat === 1).userId, ada.userId);

    // The rematch is playable, and both get its events.
    const since2 = mark(ada.socket);
    await ok(bob.socket, "game:move", { gameId: accepted.newGameId, move: 4 });
    const made = await waitFor(ada.socket, "game:move-made", (e) => e?.gameId === accepted.newGameId, 5000, {
      since: since2,
    });
    assert.equal(made.seat, 0);
  });
});

describe("rate limit", () => {
  let server;
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("events over the budget get RATE_LIMITED; sustained abuse disconnects the socket", async () => {
    const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-rate-")), "gamehost.toml");
    fs.writeFileSync(config, "[rate_limit]\nper_second = 5\nburst = 5\ndisconnect_after = 25\n");
    server = await startServer({ args: ["--config", config] });
    const [ada] = await players(server.url, ["Ada"]);

    // A burst a little over the budget: the excess is refused, the socket stays.
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => request(ada.socket, "game:sync", { gameId: "nope", version: 0 })),
    );
    const limited = answers.filter((a) => a.error?.code === "RATE_LIMITED").length;
    const served = answers.filter((a) => a.error?.code === "NOT_FOUND").length;
    assert.ok(limited >= 1, `some events were limited: ${JSON.stringify(answers)}`);
    assert.ok(served >= 5, "the burst was served");
    assert.equal(limited + served, 12);
    assert.ok(ada.socket.connected, "a short burst does not disconnect");

    // Keeping it up: the server disconnects the socket.
    const closed = new Promise((resolve) => ada.socket.once("disconnect", resolve));
    for (let i = 0; i < 60 && ada.socket.connected; i++) {
      ada.socket.emit("game:sync", { gameId: "nope", version: 0 });
    }
    const reason = await Promise.race([closed, new Promise((r) => setTimeout(() => r("still connected"), 5000))]);
    assert.ok(["io server disconnect", "transport close"].includes(reason), `disconnected by the server: ${reason}`);
    fs.rmSync(path.dirname(config), { recursive: true, force: true });
  });
});
