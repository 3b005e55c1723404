// Who hears what, on one node: the listener matrix for every way into a
// game (delivery.mjs), n-player draws, what a reconnect restores, private
// games over HTTP, and waiting games that expire.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  authed,
  connect,
  disconnectAll,
  http,
  mark,
  mintToken,
  ok,
  payloads,
  playMoves,
  request,
  sleep,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";
import { matrixCases, person } from "./delivery.mjs";

// Short windows, so the tests can wait them out.
const GRACE_MS = 3000;
const EXPIRY_MS = 3000;

describe("delivery on one node", () => {
  let server;
  let admin;

  before(async () => {
    server = await startServer({
      args: ["--reconnect-grace-ms", String(GRACE_MS), "--waiting-game-expiry-ms", String(EXPIRY_MS)],
    });
    admin = await mintToken(server, { name: "Root", role: "admin" });
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  const announce = async (gameId, message) => {
    const sent = await authed(server.url, admin.token, "POST", "/api/admin/announcements", {
      message,
      target: { scope: "game", id: gameId },
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
  };

  describe("every seat and spectator hears every event of the game, however it was entered", () => {
    for (const [name, run] of matrixCases(
      {
        get seat0() {
          return server.url;
        },
        get seat1() {
          return server.url;
        },
        get watcher() {
          return server.url;
        },
        get passer() {
          return server.url;
        },
        get back() {
          return server.url;
        },
      },
      announce,
    )) {
      it(name, run);
    }
  });

  it("a draw in a game of three needs both other seats; a decline by either clears it", async () => {
    const p = [];
    for (const name of ["Ida", "Jo", "Kit"]) p.push(await person(server.url, name));
    const { gameId } = await startGame(p[0], [p[1], p[2]], { gameType: "liars-dice", players: 3 });

    let since = p.map((x) => mark(x.socket));
    const offer = await ok(p[0].socket, "game:offer-draw", { gameId });
    assert.deepEqual(offer.agreed, [0]);
    assert.deepEqual(offer.waitingFor, [1, 2]);
    for (const [i, x] of p.entries()) {
      if (i === 0) continue;
      const o = await waitFor(x.socket, "game:draw-offered", (e) => e.gameId === gameId, undefined, { since: since[i] });
      assert.deepEqual(o.waitingFor, [1, 2]);
    }
    const first = await ok(p[1].socket, "game:accept-draw", { gameId });
    assert.deepEqual(first.waitingFor, [2], `one agreement is not enough: ${JSON.stringify(first)}`);
    const told = await waitFor(p[2].socket, "game:draw-accepted", (e) => e.gameId === gameId && e.seat === 1, undefined, {
      since: since[2],
    });
    assert.deepEqual(told.agreed, [0, 1]);
    assert.deepEqual(told.waitingFor, [2]);
    // The game goes on: nobody heard it end.
    await sleep(200);
    for (const x of p) assert.equal(payloads(x.socket, "game:ended").length, 0);
    const again = await request(p[1].socket, "game:accept-draw", { gameId });
    assert.equal(again?.error?.code, "NO_DRAW_OFFER", `a seat agrees once: ${JSON.stringify(again)}`);

    // The third seat declines: the offer is gone for everyone.
    since = p.map((x) => mark(x.socket));
    await ok(p[2].socket, "game:decline-draw", { gameId });
    for (const [i, x] of p.entries()) {
      if (i === 2) continue;
      const d = await waitFor(x.socket, "game:draw-declined", (e) => e.gameId === gameId, undefined, { since: since[i] });
      assert.equal(d.seat, 2);
    }
    const stale = await request(p[2].socket, "game:accept-draw", { gameId });
    assert.equal(stale?.error?.code, "NO_DRAW_OFFER");

    // Offered again, agreed by both others: drawn for all three.
    since = p.map((x) => mark(x.socket));
    await ok(p[1].socket, "game:offer-draw", { gameId });
    const mid = await ok(p[2].socket, "game:accept-draw", { gameId });
    assert.deepEqual(mid.waitingFor, [0]);
    const last = await ok(p[0].socket, "game:accept-draw", { gameId });
    assert.equal(typeof last.version, "number");
    for (const [i, x] of p.entries()) {
      const ended = await waitFor(x.socket, "game:ended", (e) => e.gameId === gameId, undefined, { since: since[i] });
      assert.equal(ended.outcome.draw, true);
      assert.equal(ended.version, last.version);
    }
  });

  it("a reconnect restores lobby watching, room membership and spectating without a request", async () => {
    const lia = await person(server.url, "Lia");
    const max = await person(server.url, "Max");
    const ned = await person(server.url, "Ned");
    // Lia watches a lobby, is in a room, and spectates a game.
    await ok(lia.socket, "lobby:join", { gameType: "connect-four" });
    const { roomId } = await ok(max.socket, "lobby:create-room", { gameType: "connect-four", name: "Max's table" });
    await ok(lia.socket, "lobby:join-room", { roomId });
    const { gameId } = await startGame(max, [ned], { gameType: "tic-tac-toe" });
    await ok(lia.socket, "game:spectate", { gameId });
    await waitFor(max.socket, "game:spectator-joined", (e) => e.gameId === gameId && e.userId === lia.userId);

    const maxSince = mark(max.socket);
    lia.socket.disconnect();
    const left = await waitFor(max.socket, "game:spectator-left", (e) => e.gameId === gameId && e.userId === lia.userId, undefined, {
      since: maxSince,
    });
    assert.equal(left.spectators, 0);

    lia.socket = await connect(server.url, lia.token);
    const restored = await waitFor(lia.socket, "connection:restored");
    assert.deepEqual(restored.lobbies, ["connect-four"]);
    assert.deepEqual(restored.rooms, [roomId]);
    assert.deepEqual(restored.spectating, [gameId]);
    const rooms = await waitFor(lia.socket, "lobby:rooms", (r) => r.gameType === "connect-four");
    assert.ok(rooms.rooms.some((r) => r.roomId === roomId));
    const back = await waitFor(max.socket, "game:spectator-joined", (e) => e.gameId === gameId && e.userId === lia.userId, undefined, {
      since: maxSince,
    });
    assert.equal(back.spectators, 1, "counted again");

    // Events of all three keep arriving at the new socket.
    await ok(max.socket, "lobby:ready", { roomId });
    const updated = await waitFor(lia.socket, "lobby:room-updated", (r) => r.roomId === roomId);
    assert.ok(updated.members.some((m) => m.userId === max.userId && m.ready));
    await ok(ned.socket, "lobby:create-room", { gameType: "connect-four", name: "Ned's table" });
    await waitFor(lia.socket, "lobby:rooms", (r) => r.rooms.some((x) => x.name === "Ned's table"));
    max.seat = 0;
    ned.seat = 1;
    await playMoves(gameId, [[max, 4]], [max, ned, lia]);
    assert.equal(payloads(lia.socket, "ack:game:sync").length + payloads(lia.socket, "ack:game:spectate").length, 0);
  });

  it("a game that does not allow spectators is hidden from everyone not seated in it, staff aside", async () => {
    const ora = await person(server.url, "Ora");
    const pat = await person(server.url, "Pat");
    const out = await person(server.url, "Quin");
    const { gameId } = await startGame(ora, [pat], { gameType: "tic-tac-toe", allowSpectators: false });

    assert.equal((await http(server.url, "GET", `/api/games/${gameId}`)).status, 404, "unauthenticated");
    assert.equal((await authed(server.url, out.token, "GET", `/api/games/${gameId}`)).status, 404, "an outsider");
    assert.equal((await authed(server.url, "not.a.token", "GET", `/api/games/${gameId}`)).status, 404, "a bad token");
    for (const [who, token] of [["a player", pat.token], ["an admin", admin.token]]) {
      const seen = await authed(server.url, token, "GET", `/api/games/${gameId}`);
      assert.equal(seen.status, 200, who);
      assert.deepEqual(seen.body.players.map((x) => x.name), ["Ora", "Pat"], who);
    }

    const list = (token) => authed(server.url, token, "GET", `/api/users/${ora.userId}/games`);
    const ids = (answer) => answer.body.map((g) => g.gameId);
    assert.ok(!ids(await list(null)).includes(gameId), "not listed to the public");
    assert.ok(!ids(await list(out.token)).includes(gameId), "not listed to others");
    assert.ok(ids(await list(ora.token)).includes(gameId), "listed to the player");
    assert.ok(ids(await list(admin.token)).includes(gameId), "listed to staff");
    // A public game of the same player is listed to everyone.
    const { gameId: open } = await startGame(ora, [pat], { gameType: "tic-tac-toe" });
    assert.ok(ids(await list(null)).includes(open));
  });

  it("a game nobody joins expires, ends for its creator and is not restored", async () => {
    const rue = await person(server.url, "Rue");
    const since = mark(rue.socket);
    const { gameId } = await ok(rue.socket, "game:create", { gameType: "chess" });
    const ended = await waitFor(rue.socket, "game:ended", (e) => e.gameId === gameId, EXPIRY_MS + 5000, { since });
    assert.equal(ended.reason, "expired");
    assert.equal(ended.expired, true);
    assert.equal(ended.outcome?.winners?.length ?? 0, 0, "no result");

    const sam = await person(server.url, "Sam");
    const late = await request(sam.socket, "game:join", { gameId });
    assert.equal(late?.error?.code, "GAME_FINISHED", JSON.stringify(late));
    const record = await http(server.url, "GET", `/api/games/${gameId}`);
    assert.equal(record.body.status, "finished");

    rue.socket.disconnect();
    rue.socket = await connect(server.url, rue.token);
    await waitFor(rue.socket, "connection:confirmed");
    await sleep(300);
    for (const r of payloads(rue.socket, "connection:restored")) {
      assert.ok(!r.games.includes(gameId), `an expired game is not restored: ${JSON.stringify(r)}`);
    }
  });
});
