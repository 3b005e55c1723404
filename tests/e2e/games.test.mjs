// Whole games between two players: game:create, game:join, game:started,
// game:move answers, game:move-made and game:ended (docs/protocol.md, "Game
// requests" and "The game snapshot").

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  FOOLS_MATE,
  TRANSPORTS,
  disconnectAll,
  mark,
  ok,
  payloads,
  playMoves,
  players,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

const json = (v) => JSON.stringify(v);

describe("games", () => {
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
      it("two players play chess to checkmate (Fool's mate)", async () => {
        const [white, black] = await players(server.url, ["White", "Black"], transports);
        const whiteSince = mark(white.socket);
        const blackSince = mark(black.socket);

        const create = await ok(white.socket, "game:create", { gameType: "chess" });
        const gameId = create.gameId;
        assert.equal(typeof gameId, "string");
        const created = create.game;
        assert.equal(created.gameId, gameId);
        assert.equal(created.gameType, "chess");
        assert.equal(created.pluginVersion, "1.0.0");
        assert.equal(created.status, "waiting");
        assert.equal(created.seats, 2);
        assert.deepEqual(created.you, { seat: 0 }, "the creator sits in seat 0");
        assert.equal(created.players.length, 1);
        assert.equal(created.players[0].seat, 0);
        assert.equal(created.players[0].userId, white.userId);
        assert.equal(created.players[0].name, "White");
        assert.equal(typeof created.version, "number");
        assert.equal(created.outcome, null);

        white.seat = 0;
        const join = await ok(black.socket, "game:join", { gameId });
        black.seat = 1;
        assert.equal(join.gameId, gameId);
        assert.equal(join.seat, 1);
        const joined = join.game;
        assert.equal(joined.status, "active", "the last seat taken starts the game");
        assert.equal(joined.version, created.version + 1, "taking a seat is one change");
        assert.deepEqual(joined.you, { seat: 1 });
        assert.deepEqual(
          joined.players.map((p) => [p.seat, p.userId, p.name]),
          [
            [0, white.userId, "White"],
            [1, black.userId, "Black"],
          ],
        );
        assert.deepEqual(joined.toMove, [0], "white moves first");
        assert.deepEqual(joined.phase, { kind: "to-move", value: [0] });
        assert.deepEqual(joined.legalMoves, [], "no legal moves off turn");
        assert.equal(joined.clocks, null, "no clocks without a time control");
        assert.equal(joined.outcome, null);
        assert.equal(joined.view.turn, "white");
        assert.equal(joined.view.fen, "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1");

        const joinedEvent = await waitFor(white.socket, "game:joined", (p) => p?.gameId === gameId, undefined, {
          since: whiteSince,
        });
        assert.equal(joinedEvent.version, joined.version);
        assert.equal(joinedEvent.userId, black.userId);
        assert.equal(joinedEvent.name, "Black");
        assert.equal(joinedEvent.seat, 1);

        const startedWhite = await waitFor(white.socket, "game:started", (p) => p?.gameId === gameId, undefined, {
          since: whiteSince,
        });
        const startedBlack = await waitFor(black.socket, "game:started", (p) => p?.gameId === gameId, undefined, {
          since: blackSince,
        });
        assert.equal(startedWhite.version, joined.version);
        assert.equal(startedWhite.status, "active");
        assert.deepEqual(startedWhite.you, { seat: 0 });
        assert.deepEqual(startedWhite.toMove, [0]);
        assert.equal(startedWhite.legalMoves.length, 20, "white has 20 first moves");
        assert.ok(startedWhite.legalMoves.includes(json("e2e4")), "legal moves are JSON texts");
        assert.ok(startedWhite.legalMoves.includes(json("f2f3")));
        assert.deepEqual(startedBlack.you, { seat: 1 });
        assert.deepEqual(startedBlack.legalMoves, []);
        assert.deepEqual(startedBlack.view, startedWhite.view, "chess has no hidden information");

        const seq = FOOLS_MATE.map((mv, i) => [i % 2 === 0 ? white : black, mv]);
        const versions = await playMoves(gameId, seq, [white, black], joined.version);
        assert.deepEqual(
          versions,
          FOOLS_MATE.map((_, i) => joined.version + i + 1),
          "every move is one change",
        );

        // After 1. f3 it was black's turn: black got its legal moves, white none.
        const afterF3 = (s) => payloads(s, "game:move-made").find((p) => p.gameId === gameId && p.version === versions[0]);
        assert.deepEqual(afterF3(white.socket).toMove, [1]);
        assert.deepEqual(afterF3(white.socket).legalMoves, []);
        assert.equal(afterF3(black.socket).legalMoves.length, 20);
        assert.equal(afterF3(black.socket).view.fen, "rnbqkbnr/pppppppp/8/8/8/5P2/PPPPP1PP/RNBQKBNR b KQkq - 0 1");

        const last = versions.at(-1);
        for (const p of [white, black]) {
          const mate = payloads(p.socket, "game:move-made").find((m) => m.gameId === gameId && m.version === last);
          assert.equal(mate.phase.kind, "finished");
          assert.deepEqual(mate.phase.value.winners, [1]);
          assert.deepEqual(mate.toMove, []);
          assert.deepEqual(mate.legalMoves, []);

          const ended = await waitFor(p.socket, "game:ended", (e) => e?.gameId === gameId);
          assert.equal(ended.version, last, "the mating move is the last change");
          assert.deepEqual(ended.outcome.winners, [1], "black wins");
          assert.equal(ended.outcome.draw, false);
          assert.equal(ended.outcome.reason, "checkmate");
          assert.equal(typeof ended.reason, "string");
          assert.equal(ended.finalView.result.reason, "checkmate");
          assert.equal(ended.finalView.fen, "rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3");
          assert.equal(payloads(p.socket, "game:ended").filter((e) => e.gameId === gameId).length, 1, "one game:ended");
        }
      });

      it("two players play tic-tac-toe to a draw", async () => {
        const [x, o] = await players(server.url, ["Xavier", "Olga"], transports);
        const { gameId, joins, started } = await startGame(x, [o], { gameType: "tic-tac-toe" });
        assert.deepEqual(started.legalMoves, [0, 1, 2, 3, 4, 5, 6, 7, 8].map(json));

        const cells = [0, 1, 2, 4, 3, 5, 7, 6, 8];
        const seq = cells.map((cell, i) => [i % 2 === 0 ? x : o, cell]);
        const versions = await playMoves(gameId, seq, [x, o], joins[0].game.version);
        for (const p of [x, o]) {
          const ended = await waitFor(p.socket, "game:ended", (e) => e?.gameId === gameId);
          assert.equal(ended.version, versions.at(-1));
          assert.equal(ended.outcome.draw, true);
          assert.deepEqual(ended.outcome.winners, []);
          assert.equal(ended.outcome.reason, "board full");
        }
      });
    });
  }
});
