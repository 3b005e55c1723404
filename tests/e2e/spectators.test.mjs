// Spectators: game:spectate, game:spectator-joined, and a spectator
// following a game through game:move-made with the spectator view
// (docs/protocol.md).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  FOOLS_MATE,
  TRANSPORTS,
  disconnectAll,
  getJson,
  mark,
  ok,
  payloads,
  playMoves,
  players,
  request,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

describe("spectators", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  for (const transports of TRANSPORTS) {
    describe(`over ${transports[0]}`, () => {
      it("a spectator follows a chess game with the spectator view", async () => {
        const [white, black, watcher] = await players(server.url, ["White", "Black", "Watcher"], transports);
        const { gameId, joins } = await startGame(white, [black], { gameType: "chess" });
        const since = [white, black].map((p) => mark(p.socket));

        const spectate = await ok(watcher.socket, "game:spectate", { gameId });
        assert.equal(spectate.gameId, gameId);
        const snap = spectate.game;
        assert.equal(snap.gameId, gameId);
        assert.equal(snap.status, "active");
        assert.equal(snap.you, null, "a spectator has no seat");
        assert.deepEqual(snap.legalMoves, [], "a spectator has no moves");
        assert.deepEqual(snap.toMove, [0]);
        assert.equal(snap.spectators, 1);
        assert.equal(snap.version, joins[0].game.version, "spectating is no change of the game");
        const http0 = await getJson(server.url, `/api/games/${encodeURIComponent(gameId)}`);
        assert.equal(http0.version, snap.version);
        assert.deepEqual(snap.view, http0.view, "the snapshot's view is the spectator view");

        for (const [i, p] of [white, black].entries()) {
          const joined = await waitFor(p.socket, "game:spectator-joined", (e) => e?.gameId === gameId, undefined, {
            since: since[i],
          });
          assert.equal(joined.userId, watcher.userId);
          assert.equal(joined.name, "Watcher");
          assert.equal(joined.spectators, 1);
        }

        let version = snap.version;
        for (const [i, mv] of FOOLS_MATE.entries()) {
          const mover = i % 2 === 0 ? white : black;
          const [v] = await playMoves(gameId, [[mover, mv]], [white, black, watcher], version);
          version = v;
          const made = payloads(watcher.socket, "game:move-made").find((p) => p.gameId === gameId && p.version === v);
          assert.deepEqual(made.legalMoves, [], "a spectator never gets legal moves");
          const game = await getJson(server.url, `/api/games/${encodeURIComponent(gameId)}`);
          assert.equal(game.version, v);
          assert.deepEqual(made.view, game.view, `the spectator's view at version ${v} is the spectator view`);
          for (const p of [white, black]) {
            const theirs = payloads(p.socket, "game:move-made").find((m) => m.gameId === gameId && m.version === v);
            assert.deepEqual(theirs.view, made.view, "chess views are the same for everyone");
          }
          assert.equal(made.view.lastMove, mv);
        }

        const ended = await waitFor(watcher.socket, "game:ended", (e) => e?.gameId === gameId);
        assert.equal(ended.version, version);
        assert.deepEqual(ended.outcome.winners, [1]);
        assert.equal(ended.outcome.reason, "checkmate");
      });

      it("a game created without spectators refuses them", async () => {
        const [a, b, c] = await players(server.url, ["Ann", "Ben", "Cat"], transports);
        const { gameId } = await startGame(a, [b], { gameType: "tic-tac-toe", allowSpectators: false });
        const answer = await request(c.socket, "game:spectate", { gameId });
        assert.equal(answer.ok, false);
        assert.equal(answer.error.code, "SPECTATORS_NOT_ALLOWED", JSON.stringify(answer));
      });
    });
  }
});
