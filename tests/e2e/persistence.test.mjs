// Persistence: a stored move survives a crash (SIGKILL); after a restart on
// the same data folder the players come back with the same tokens, find the
// game at the same version and finish it; the HTTP API then shows the
// finished game, its move log and each player's list of games.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  FOOLS_MATE,
  connect,
  disconnectAll,
  getJson,
  ok,
  playMoves,
  players,
  request,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

const json = (v) => JSON.stringify(v);

describe("persistence", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("a chess game survives SIGKILL and a restart, then finishes", async () => {
    const transports = [["websocket"], ["polling"]];
    const [white, black] = await players(server.url, ["White", "Black"], transports);
    const { gameId, joins } = await startGame(white, [black], { gameType: "chess" });
    const gamePath = `/api/games/${encodeURIComponent(gameId)}`;
    const opening = FOOLS_MATE.slice(0, 2).map((mv, i) => [i % 2 === 0 ? white : black, mv]);
    const [, v2] = await playMoves(gameId, opening, [white, black], joins[0].game.version);
    const beforeCrash = await getJson(server.url, gamePath);
    assert.equal(beforeCrash.version, v2);
    assert.equal(beforeCrash.status, "active");

    // Crash: every acknowledged move must have been stored.
    await server.kill9();
    for (const p of [white, black]) p.socket.disconnect();
    await server.restart();

    for (const [i, p] of [white, black].entries()) {
      p.socket = await connect(server.url, p.token, { transports: transports[i] }).catch((err) => {
        throw new Error(`${p.name} cannot reconnect with the same token after a restart: ${err.message}`);
      });
      const confirmed = await waitFor(p.socket, "connection:confirmed");
      assert.equal(confirmed.userId, p.userId);
    }

    const afterCrash = await getJson(server.url, gamePath);
    assert.equal(afterCrash.version, v2, "the game is back at the version it had");
    assert.equal(afterCrash.status, "active");
    assert.deepEqual(afterCrash.view, beforeCrash.view, "the position is back");

    for (const p of [white, black]) {
      const sync = await ok(p.socket, "game:sync", { gameId, version: v2 });
      assert.equal(sync.gameId, gameId);
      assert.equal(sync.version, v2);
      if (sync.missed !== undefined) assert.deepEqual(sync.missed, []);
      else assert.equal(sync.game.version, v2);

      // Back in the game: either a snapshot of the same seat, or "you already
      // hold a seat here".
      const join = await request(p.socket, "game:join", { gameId });
      if (join.ok) {
        assert.equal(join.seat, p.seat, `${p.name} gets its own seat back: ${json(join)}`);
        assert.equal(join.game.version, v2, "joining back is no change");
        assert.deepEqual(join.game.view, beforeCrash.view);
        assert.deepEqual(join.game.you, { seat: p.seat });
      } else {
        assert.equal(join.error?.code, "ALREADY_IN_GAME", json(join));
      }
    }

    const finish = FOOLS_MATE.slice(2).map((mv, i) => [i % 2 === 0 ? white : black, mv]);
    const [, v4] = await playMoves(gameId, finish, [white, black], v2);
    assert.equal(v4, v2 + 2);
    for (const p of [white, black]) {
      const ended = await waitFor(p.socket, "game:ended", (e) => e?.gameId === gameId);
      assert.equal(ended.version, v4);
      assert.deepEqual(ended.outcome.winners, [1]);
      assert.equal(ended.outcome.reason, "checkmate");
    }

    // The record, also after a clean restart.
    for (const phase of ["after the end", "after a second restart"]) {
      if (phase === "after a second restart") {
        await disconnectAll();
        await server.restart();
      }
      const game = await getJson(server.url, gamePath);
      assert.equal(game.gameId, gameId, phase);
      assert.equal(game.gameType, "chess");
      assert.equal(game.pluginVersion, "1.0.0");
      assert.equal(game.status, "finished", phase);
      assert.equal(game.version, v4, phase);
      assert.ok(game.createdAt !== undefined && game.createdAt !== null, "createdAt is set");
      assert.deepEqual(game.outcome.winners, [1]);
      assert.equal(game.outcome.reason, "checkmate");
      assert.deepEqual(
        game.players.map((p) => [p.seat, p.userId]),
        [
          [0, white.userId],
          [1, black.userId],
        ],
      );
      assert.equal(game.view.result.reason, "checkmate", "the finished game's view is the omniscient one");
      assert.ok(Array.isArray(game.moves), `the move log is a list: ${json(game.moves)}`);
      assert.equal(game.moves.length, 4, `${phase}: four moves were stored: ${json(game.moves)}`);
      for (const [i, uci] of FOOLS_MATE.entries()) {
        assert.ok(json(game.moves[i]).includes(uci), `move ${i} is ${uci}: ${json(game.moves[i])}`);
      }

      for (const p of [white, black]) {
        const list = await getJson(server.url, `/api/users/${encodeURIComponent(p.userId)}/games`);
        assert.ok(Array.isArray(list), `a list of games: ${json(list)}`);
        const entry = list.find((g) => g.gameId === gameId);
        assert.ok(entry, `${phase}: ${p.name}'s games list the game: ${json(list)}`);
        assert.equal(entry.gameType, "chess");
        assert.equal(entry.status, "finished");
        assert.equal(entry.seat, p.seat);
        assert.deepEqual(entry.outcome?.winners, [1]);
        assert.ok(entry.updatedAt !== undefined && entry.updatedAt !== null, "updatedAt is set");
      }
    }
  });
});
