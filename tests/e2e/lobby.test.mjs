// The lobby: live room lists per game type, rooms with passwords (never sent
// back), ready / unready, the game starting when every seat is ready, and
// quick play pairing waiting players.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { disconnectAll, mark, ok, players, request, startServer, waitFor } from "./harness.mjs";

describe("lobby", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("rooms: list, password, ready, and the game starts when all are ready", async () => {
    const [ada, bob, eve] = await players(server.url, ["Ada", "Bob", "Eve"]);
    const watching = await ok(eve.socket, "lobby:join", { gameType: "connect-four" });
    assert.deepEqual(watching.rooms, []);
    const unknown = await request(eve.socket, "lobby:join", { gameType: "no-such-game" });
    assert.equal(unknown.error?.code, "UNKNOWN_GAME_TYPE");

    const since = mark(eve.socket);
    const created = await ok(ada.socket, "lobby:create-room", {
      gameType: "connect-four",
      name: "Friday night",
      seats: 2,
      password: "s3cret",
    });
    const roomId = created.roomId;
    assert.equal(created.room.hasPassword, true);
    const listed = await waitFor(eve.socket, "lobby:rooms", (e) => e?.rooms?.some((r) => r.roomId === roomId), 5000, {
      since,
    });
    const entry = listed.rooms.find((r) => r.roomId === roomId);
    assert.equal(entry.name, "Friday night");
    assert.ok(!JSON.stringify(listed).includes("s3cret"), "the password is never sent");
    assert.ok(!JSON.stringify(created).includes("s3cret"));

    const wrong = await request(bob.socket, "lobby:join-room", { roomId, password: "guess" });
    assert.equal(wrong.error?.code, "WRONG_PASSWORD");
    const joined = await ok(bob.socket, "lobby:join-room", { roomId, password: "s3cret" });
    assert.equal(joined.room.members.length, 2);
    const full = await request(eve.socket, "lobby:join-room", { roomId, password: "s3cret" });
    assert.equal(full.error?.code, "GAME_FULL");

    // Ready, unready, ready again: the game starts only when both are ready.
    await ok(ada.socket, "lobby:ready", { roomId });
    await ok(ada.socket, "lobby:unready", { roomId });
    const notYet = await ok(bob.socket, "lobby:ready", { roomId });
    assert.equal(notYet.gameId, undefined);
    const adaSince = mark(ada.socket);
    const go = await ok(ada.socket, "lobby:ready", { roomId });
    assert.equal(typeof go.gameId, "string");
    const started = await waitFor(ada.socket, "game:started", (e) => e?.gameId === go.gameId, 5000, {
      since: adaSince,
    });
    assert.deepEqual(started.you, { seat: 0 });
    const notice = await waitFor(bob.socket, "lobby:game-started", (e) => e?.roomId === roomId);
    assert.equal(notice.gameId, go.gameId);
    // The game is playable right away, by the room's members.
    const bobSince = mark(bob.socket);
    await ok(ada.socket, "game:move", { gameId: go.gameId, move: 3 });
    await waitFor(bob.socket, "game:move-made", (e) => e?.gameId === go.gameId, 5000, { since: bobSince });
  });

  it("quick play pairs waiting players into a new game", async () => {
    const [ada, bob] = await players(server.url, ["Ada", "Bob"]);
    const waiting = await ok(ada.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
    assert.equal(waiting.queued, true);
    const matched = await ok(bob.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
    assert.equal(matched.queued, false);
    const forAda = await waitFor(ada.socket, "lobby:matched", (e) => e?.gameId === matched.gameId);
    assert.equal(forAda.gameType, "tic-tac-toe");
    const started = await waitFor(ada.socket, "game:started", (e) => e?.gameId === matched.gameId);
    assert.deepEqual(started.you, { seat: 0 }, "the longest waiting player sits first");
    await ok(ada.socket, "game:move", { gameId: matched.gameId, move: 4 });
  });

  it("rooms survive a restart, passwords still hashed", async () => {
    const [ada] = await players(server.url, ["Ada"]);
    const created = await ok(ada.socket, "lobby:create-room", {
      gameType: "chess",
      name: "Kept",
      password: "pw",
    });
    await disconnectAll();
    await server.restart();
    const [bob] = await players(server.url, ["Bob"]);
    const listed = await ok(bob.socket, "lobby:join", { gameType: "chess" });
    const room = listed.rooms.find((r) => r.roomId === created.roomId);
    assert.ok(room, `the room is listed after the restart: ${JSON.stringify(listed.rooms)}`);
    assert.equal(room.hasPassword, true);
    const wrong = await request(bob.socket, "lobby:join-room", { roomId: created.roomId, password: "nope" });
    assert.equal(wrong.error?.code, "WRONG_PASSWORD");
    const joined = await ok(bob.socket, "lobby:join-room", { roomId: created.roomId, password: "pw" });
    assert.equal(joined.room.members.length, 2);
  });
});
