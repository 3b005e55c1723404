// Ending a game without a mate: game:resign, and draws by agreement
// (game:offer-draw, game:accept-draw, game:decline-draw).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  TRANSPORTS,
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

describe("resignation and draws", () => {
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
      it("game:resign ends the game and the other seat wins", async () => {
        const [white, black] = await players(server.url, ["White", "Black"], transports);
        const { gameId, joins } = await startGame(white, [black], { gameType: "chess" });
        const [v1] = await playMoves(gameId, [[white, "e2e4"]], [white, black], joins[0].game.version);

        const resign = await ok(white.socket, "game:resign", { gameId });
        assert.equal(resign.gameId, gameId);
        assert.equal(resign.version, v1 + 1, "a forfeit is one change");
        for (const p of [white, black]) {
          const ended = await waitFor(p.socket, "game:ended", (e) => e?.gameId === gameId);
          assert.equal(ended.version, resign.version);
          assert.deepEqual(ended.outcome.winners, [1], "black wins when white resigns");
          assert.equal(ended.outcome.draw, false);
          assert.equal(ended.outcome.reason, "white resigned");
          assert.equal(typeof ended.reason, "string");
        }
      });

      it("a draw offer can be declined, then accepted", async () => {
        const [white, black] = await players(server.url, ["White", "Black"], transports);
        const { gameId, joins } = await startGame(white, [black], { gameType: "chess" });
        const v0 = joins[0].game.version;

        // Offer, decline.
        let since = mark(black.socket);
        const offer = await ok(white.socket, "game:offer-draw", { gameId });
        assert.equal(offer.gameId, gameId);
        const offered = await waitFor(black.socket, "game:draw-offered", (e) => e?.gameId === gameId, undefined, { since });
        assert.equal(offered.seat, 0);
        assert.equal(offered.userId, white.userId);
        assert.equal(offered.version, v0, "an offer is no change of the game");

        since = mark(white.socket);
        const decline = await ok(black.socket, "game:decline-draw", { gameId });
        assert.equal(decline.gameId, gameId);
        const declined = await waitFor(white.socket, "game:draw-declined", (e) => e?.gameId === gameId, undefined, {
          since,
        });
        assert.equal(declined.seat, 1);
        assert.equal(declined.userId, black.userId);
        assert.equal(declined.version, v0);

        // Nothing left to accept.
        const none = await request(black.socket, "game:accept-draw", { gameId });
        assert.equal(none.ok, false);
        assert.equal(none.error.code, "NO_DRAW_OFFER", JSON.stringify(none));

        // The game goes on; a new offer is accepted.
        const [v1] = await playMoves(gameId, [[white, "e2e4"]], [white, black], v0);
        since = mark(black.socket);
        await ok(white.socket, "game:offer-draw", { gameId });
        const again = await waitFor(black.socket, "game:draw-offered", (e) => e?.gameId === gameId, undefined, { since });
        assert.equal(again.version, v1);
        const accept = await ok(black.socket, "game:accept-draw", { gameId });
        assert.equal(accept.gameId, gameId);
        assert.equal(accept.version, v1 + 1, "an agreed draw is one change");
        for (const p of [white, black]) {
          const ended = await waitFor(p.socket, "game:ended", (e) => e?.gameId === gameId);
          assert.equal(ended.version, accept.version);
          assert.equal(ended.outcome.draw, true);
          assert.deepEqual(ended.outcome.winners, []);
        }
        const late = await request(black.socket, "game:move", { gameId, move: "e7e5" });
        assert.equal(late.error?.code, "GAME_FINISHED", JSON.stringify(late));
      });
    });
  }
});
