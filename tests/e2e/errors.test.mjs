// Refused requests: the exact error codes of docs/protocol.md ("Error
// codes"), the `error` event that comes with every refusal, and that a
// refusal changes nothing and keeps the socket connected.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  FOOLS_MATE,
  TIMEOUT_MS,
  TRANSPORTS,
  disconnectAll,
  getJson,
  mark,
  ok,
  playMoves,
  players,
  request,
  send,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

const json = (v) => JSON.stringify(v);

/**
 * Sends `event` with `payload` and expects the answer `{ok: false, error:
 * {code, message}}` and an `error` event `{event, code, message}`.
 */
async function refused(socket, event, payload, code) {
  const since = mark(socket);
  const answer = await request(socket, event, payload);
  const what = `${event} ${json(payload)}`;
  assert.equal(answer?.ok, false, `${what} was not refused: ${json(answer)}`);
  assert.equal(answer.error?.code, code, `${what}: ${json(answer)}`);
  assert.equal(typeof answer.error.message, "string", `${what}: the error has a message`);
  const err = await waitFor(socket, "error", (e) => e?.event === event && e.code === code, TIMEOUT_MS, { since });
  assert.equal(typeof err.message, "string");
  return answer.error;
}

/** game:sync at `version`: asserts the game is still at `version`. */
async function assertStillAt(socket, gameId, version) {
  const sync = await ok(socket, "game:sync", { gameId, version });
  assert.equal(sync.gameId, gameId);
  assert.equal(sync.version, version, `the game is still at version ${version}: ${json(sync)}`);
  if (sync.missed !== undefined) {
    assert.deepEqual(sync.missed, [], "nothing was missed");
  } else {
    assert.equal(sync.game?.version, version);
  }
}

describe("errors", () => {
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
      it("refuses bad requests with the documented codes and changes nothing", async () => {
        // The requests are spread over several users to stay far from the
        // per-user rate limit.
        const [white, black, intruder, prober] = await players(
          server.url,
          ["White", "Black", "Intruder", "Prober"],
          transports,
        );
        const { gameId, joins } = await startGame(white, [black], { gameType: "chess" });
        const v0 = joins[0].game.version;
        const gamePath = `/api/games/${encodeURIComponent(gameId)}`;
        const before0 = await getJson(server.url, gamePath);
        assert.equal(before0.version, v0);

        // Turn, legality, membership.
        await refused(black.socket, "game:move", { gameId, move: "e7e5" }, "NOT_YOUR_TURN");
        const illegal = await refused(white.socket, "game:move", { gameId, move: "e2e5" }, "ILLEGAL_MOVE");
        assert.ok(illegal.message.length > 0, "an illegal move says why");
        await refused(intruder.socket, "game:move", { gameId, move: "e2e4" }, "NOT_IN_GAME");
        await refused(intruder.socket, "game:join", { gameId }, "GAME_FULL");
        await refused(intruder.socket, "game:move", { gameId, move: "e2e4" }, "NOT_IN_GAME");
        await refused(white.socket, "game:move", { gameId, move: "e2e4", version: v0 - 1 }, "CONFLICT");

        // Unknown games and game types.
        const missing = "no-such-game";
        await refused(prober.socket, "game:move", { gameId: missing, move: "e2e4" }, "NOT_FOUND");
        await refused(prober.socket, "game:join", { gameId: missing }, "NOT_FOUND");
        await refused(prober.socket, "game:spectate", { gameId: missing }, "NOT_FOUND");
        await refused(prober.socket, "game:sync", { gameId: missing, version: 0 }, "NOT_FOUND");
        await refused(prober.socket, "game:create", { gameType: "no-such-game-type" }, "UNKNOWN_GAME_TYPE");

        // Payloads of the wrong shape.
        for (const payload of ["hello", 42, null, [gameId, "e2e4"], { move: "e2e4" }, { gameId: 42, move: "e2e4" }, { gameId }]) {
          await refused(prober.socket, "game:move", payload, "MALFORMED");
        }
        for (const payload of ["hello", {}]) {
          await refused(prober.socket, "game:join", payload, "MALFORMED");
        }
        for (const payload of ["chess", {}, { gameType: 7 }]) {
          await refused(prober.socket, "game:create", payload, "MALFORMED");
        }

        // An event the server does not have, sent without an ack.
        let since = mark(prober.socket);
        await send(prober.socket, "game:teleport", { gameId });
        const unknown = await waitFor(prober.socket, "error", (e) => e?.code === "UNKNOWN_EVENT", TIMEOUT_MS, { since });
        assert.equal(unknown.event, "game:teleport");
        assert.equal(typeof unknown.message, "string");

        // A refused request without an ack still gets the error event.
        since = mark(black.socket);
        await send(black.socket, "game:move", { gameId, move: "e7e5" });
        const noAck = await waitFor(black.socket, "error", (e) => e?.event === "game:move", TIMEOUT_MS, { since });
        assert.equal(noAck.code, "NOT_YOUR_TURN");

        // Nothing changed, nobody was disconnected.
        for (const p of [white, black, intruder, prober]) {
          assert.equal(p.socket.connected, true, `${p.name} is still connected`);
        }
        await assertStillAt(white.socket, gameId, v0);
        await assertStillAt(black.socket, gameId, v0);
        const after0 = await getJson(server.url, gamePath);
        assert.equal(after0.version, v0);
        assert.deepEqual(after0.view, before0.view, "the game is unchanged");
        assert.equal(after0.status, "active");

        // The game still plays; once over, moves and resignations are refused.
        const seq = FOOLS_MATE.map((mv, i) => [i % 2 === 0 ? white : black, mv]);
        const versions = await playMoves(gameId, seq, [white, black], v0);
        const last = versions.at(-1);
        await waitFor(white.socket, "game:ended", (e) => e?.gameId === gameId);
        await refused(white.socket, "game:move", { gameId, move: "e2e4" }, "GAME_FINISHED");
        await refused(black.socket, "game:move", { gameId, move: "e5e4" }, "GAME_FINISHED");
        await refused(white.socket, "game:resign", { gameId }, "GAME_FINISHED");
        for (const p of [white, black, intruder, prober]) {
          assert.equal(p.socket.connected, true, `${p.name} is still connected`);
        }
        await assertStillAt(black.socket, gameId, last);
      });
    });
  }
});
