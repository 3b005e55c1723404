// Server-side clocks (a flag calls the rules' forfeit(timeout)) and the
// reconnection window (user:temporarily-disconnected, connection:restored,
// game:sync, and forfeit(abandon) once the window closes).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  connect,
  disconnectAll,
  mark,
  ok,
  playMoves,
  players,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

describe("clocks", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("a player whose clock runs out loses, and clocks travel with the events", async () => {
    const [white, black] = await players(server.url, ["White", "Black"]);
    const { gameId, started } = await startGame(white, [black], {
      gameType: "chess",
      timeControl: { initialMs: 1500, incrementMs: 0 },
    });
    assert.equal(started.clocks.remainingMs.length, 2);
    assert.equal(started.clocks.running, 0, "white's clock runs first");
    assert.ok(started.clocks.remainingMs[0] <= 1500);
    // White never moves: the server flags it.
    for (const p of [white, black]) {
      const ended = await waitFor(p.socket, "game:ended", (e) => e?.gameId === gameId, 6000);
      assert.deepEqual(ended.outcome.winners, [1], "black wins on time");
      assert.match(ended.outcome.reason, /time/);
    }
    const after = await ok(white.socket, "game:sync", { gameId, version: 0 });
    assert.equal(after.game.status, "finished");
    assert.equal(after.game.clocks.running, null);
  });

  it("a flag against a lone king is a draw: the rules decide", async () => {
    const [white, black] = await players(server.url, ["White", "Black"]);
    const { gameId } = await startGame(white, [black], {
      gameType: "chess",
      options: { fen: "4k3/8/8/8/8/8/8/4K2Q b - - 0 1" },
      timeControl: { initialMs: 1000 },
    });
    // Black, with a lone king, moves; then white runs out of time: nobody
    // can mate with a lone king, so the rules call it a draw.
    await playMoves(gameId, [[black, "e8d8"]], [white, black]);
    const ended = await waitFor(white.socket, "game:ended", (e) => e?.gameId === gameId, 6000);
    assert.equal(ended.outcome.draw, true, JSON.stringify(ended.outcome));
  });
});

describe("reconnection", () => {
  let server;
  before(async () => {
    server = await startServer({ args: ["--reconnect-grace-ms", "1500"] });
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("a player who drops and comes back in time keeps the seat and resyncs", async () => {
    const [x, o] = await players(server.url, ["X", "O"]);
    const { gameId, joins } = await startGame(x, [o], { gameType: "tic-tac-toe" });
    const [v1] = await playMoves(gameId, [[x, 4]], [x, o], joins[0].game.version);

    const since = mark(x.socket);
    o.socket.disconnect();
    const gone = await waitFor(x.socket, "user:temporarily-disconnected", (e) => e?.gameId === gameId, 5000, { since });
    assert.equal(gone.userId, o.userId);
    assert.equal(gone.seat, 1);
    assert.equal(gone.reconnectWindowMs, 1500);

    // X moves while O is away... no: it is O's turn; O comes back.
    const back = await connect(server.url, o.token);
    const restored = await waitFor(back, "connection:restored");
    assert.deepEqual(restored.games, [gameId]);
    const sync = await ok(back, "game:sync", { gameId, version: 0 });
    assert.equal(sync.version, v1);
    assert.deepEqual(sync.game.you, { seat: 1 });
    assert.ok(sync.missed.length >= 2, "the seats taken and the move are listed");
    assert.deepEqual(sync.game.toMove, [1]);
    const seen = await waitFor(x.socket, "user:reconnected", (e) => e?.gameId === gameId, 5000, { since });
    assert.equal(seen.userId, o.userId);

    // The window passes: no abandonment, and play goes on.
    await new Promise((r) => setTimeout(r, 2000));
    const answer = await ok(back, "game:move", { gameId, move: 0 });
    assert.equal(answer.version, v1 + 1);
    assert.equal(x.socket.received.filter((e) => e.event === "game:ended").length, 0);
  });

  it("a player who does not come back in time forfeits by abandonment", async () => {
    const [x, o] = await players(server.url, ["X", "O"]);
    const { gameId, joins } = await startGame(x, [o], { gameType: "tic-tac-toe" });
    await playMoves(gameId, [[x, 4]], [x, o], joins[0].game.version);
    o.socket.disconnect();
    const ended = await waitFor(x.socket, "game:ended", (e) => e?.gameId === gameId, 6000);
    assert.deepEqual(ended.outcome.winners, [0]);
    assert.match(ended.outcome.reason, /abandon/);
  });
});
