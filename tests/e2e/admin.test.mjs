// Admin operations on a running host: who is online, live games, inspecting
// and aborting a game, kicking and banning a user, announcements now and
// later to every audience, and the audit log of it all.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  authed,
  connect,
  disconnectAll,
  mintToken,
  move,
  ok,
  players,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

describe("admin operations", () => {
  let server;
  let admin;
  let adminSocket;
  const api = (method, route, body) => authed(server.url, admin.token, method, route, body);
  before(async () => {
    server = await startServer();
    admin = await mintToken(server, { name: "Root", role: "admin", userId: "root" });
    adminSocket = await connect(`${server.url}/admin`, admin.token);
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("lists online users and live games, inspects a game with everything, and aborts it", async () => {
    const initial = await waitFor(adminSocket, "users:online");
    assert.equal(typeof initial.count, "number");
    const [a, b] = await players(server.url, ["Ann", "Bob"]);
    await waitFor(adminSocket, "users:online", (p) => p.count >= 2);
    const users = await api("GET", "/api/admin/users");
    assert.equal(users.status, 200);
    const names = users.body.users.map((u) => u.name);
    assert.ok(names.includes("Ann") && names.includes("Bob"), JSON.stringify(users.body));
    assert.equal(users.body.users.find((u) => u.userId === a.userId).sockets, 1);

    const { gameId } = await startGame(a, [b], { gameType: "liars-dice" });
    await waitFor(adminSocket, "game:started", (p) => p.gameId === gameId && p.gameType === "liars-dice");
    const live = await api("GET", "/api/admin/games");
    const listed = live.body.games.find((g) => g.gameId === gameId);
    assert.equal(listed.status, "active");
    assert.equal(listed.pluginVersion, "1.0.0");
    assert.deepEqual(listed.players.map((p) => p.name), ["Ann", "Bob"]);

    // The omniscient view: every seat's dice, which no player or spectator sees.
    const inspected = await api("GET", `/api/admin/games/${gameId}`);
    assert.equal(inspected.status, 200, JSON.stringify(inspected.body));
    assert.equal(inspected.body.pluginVersion, "1.0.0");
    assert.ok(Array.isArray(inspected.body.moves));
    const spectatorView = (await authed(server.url, null, "GET", `/api/games/${gameId}`)).body.view;
    assert.notDeepEqual(inspected.body.view, spectatorView, "the admin sees more than a spectator");
    assert.match(JSON.stringify(inspected.body.view), /dice/);

    const aborted = await api("POST", `/api/admin/games/${gameId}/abort`, { reason: "stuck table" });
    assert.equal(aborted.status, 200, JSON.stringify(aborted.body));
    for (const p of [a, b]) {
      const ended = await waitFor(p.socket, "game:ended", (e) => e.gameId === gameId);
      assert.equal(ended.aborted, true);
      assert.match(ended.reason, /aborted by an administrator: stuck table/);
      assert.deepEqual(ended.outcome.winners, []);
    }
    await waitFor(adminSocket, "game:ended", (p) => p.gameId === gameId);
    const moveAfter = await ok(a.socket, "game:sync", { gameId, version: 0 });
    assert.equal(moveAfter.game.status, "finished");
    const again = await api("POST", `/api/admin/games/${gameId}/abort`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "GAME_FINISHED");
    const missing = await api("GET", "/api/admin/games/no-such-game");
    assert.equal(missing.status, 404);
  });

  it("kicks a user, bans one (refused at connect) and lifts the ban", async () => {
    const [kicked, banned] = await players(server.url, ["Kim", "Ben"]);
    const kickedGone = new Promise((resolve) => kicked.socket.once("disconnect", resolve));
    const kick = await api("POST", `/api/admin/users/${kicked.userId}/kick`);
    assert.equal(kick.status, 200);
    assert.equal(kick.body.disconnected, 1);
    assert.equal(await kickedGone, "io server disconnect");
    // A kick is not a ban: they may come back.
    const back = await connect(server.url, kicked.token);
    assert.ok(back.connected);

    const bannedGone = new Promise((resolve) => banned.socket.once("disconnect", resolve));
    const ban = await api("POST", `/api/admin/users/${banned.userId}/ban`, { reason: "cheating" });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    assert.equal(await bannedGone, "io server disconnect");
    await assert.rejects(connect(server.url, banned.token), /authentication failed: banned/);
    const bans = await api("GET", "/api/admin/bans");
    assert.deepEqual(bans.body.bans.map((b) => [b.userId, b.reason]), [[banned.userId, "cheating"]]);
    const badBody = await api("POST", `/api/admin/users/${banned.userId}/ban`, "{not json");
    assert.equal(badBody.status, 400);

    const lifted = await api("DELETE", `/api/admin/users/${banned.userId}/ban`);
    assert.equal(lifted.status, 200);
    const reconnected = await connect(server.url, banned.token);
    assert.ok(reconnected.connected);
    const notBanned = await api("DELETE", `/api/admin/users/${banned.userId}/ban`);
    assert.equal(notBanned.status, 404);
  });

  it("announces to everyone, a lobby, a game and a user, now or at a set time", async () => {
    const [a, b, c] = await players(server.url, ["Ada", "Bea", "Cy"]);
    await ok(c.socket, "lobby:join", { gameType: "chess" });
    const { gameId } = await startGame(a, [b], { gameType: "tic-tac-toe" });

    const all = await api("POST", "/api/admin/announcements", { message: "Maintenance at noon", target: { scope: "all" } });
    assert.equal(all.status, 201, JSON.stringify(all.body));
    for (const p of [a, b, c]) {
      const got = await waitFor(p.socket, "announcement", (x) => x.message === "Maintenance at noon");
      assert.equal(got.from, "Root");
    }
    await api("POST", "/api/admin/announcements", { message: "to the lobby", target: { scope: "lobby", id: "chess" } });
    await api("POST", "/api/admin/announcements", { message: "to the game", target: { scope: "game", id: gameId } });
    await api("POST", "/api/admin/announcements", { message: "to Bea", target: { scope: "user", id: b.userId } });
    await waitFor(c.socket, "announcement", (x) => x.message === "to the lobby");
    await waitFor(a.socket, "announcement", (x) => x.message === "to the game");
    await waitFor(b.socket, "announcement", (x) => x.message === "to the game");
    await waitFor(b.socket, "announcement", (x) => x.message === "to Bea");
    // Each went only where it was sent (checked after a later message to
    // everyone has arrived, so nothing is still on its way).
    await api("POST", "/api/admin/announcements", { message: "flush", target: { scope: "all" } });
    for (const p of [a, b, c]) await waitFor(p.socket, "announcement", (x) => x.message === "flush");
    const got = (p) => p.socket.received.filter((e) => e.event === "announcement").map((e) => e.payload.message);
    assert.ok(!got(a).includes("to the lobby") && !got(a).includes("to Bea"), got(a).join(", "));
    assert.ok(!got(c).includes("to the game"), got(c).join(", "));

    const at = Date.now() + 1200;
    const later = await api("POST", "/api/admin/announcements", { message: "later", target: { scope: "all" }, at });
    assert.equal(later.status, 201);
    assert.equal(later.body.announcement.sentAt, null);
    const arrived = await waitFor(a.socket, "announcement", (x) => x.message === "later", 5000);
    assert.ok(Date.now() >= at - 50, "not before its time");
    assert.ok(arrived.sentAt >= at - 50);

    const empty = await api("POST", "/api/admin/announcements", { message: "  ", target: { scope: "all" } });
    assert.equal(empty.status, 400);
    const wrong = await api("POST", "/api/admin/announcements", { message: "x", target: { scope: "planet" } });
    assert.equal(wrong.status, 400);
    await move(a, gameId, 4);
  });

  it("a scheduled announcement survives a restart", async () => {
    // Far enough ahead that the host is back (about 2 s) before it is due.
    const at = Date.now() + 6000;
    const scheduled = await api("POST", "/api/admin/announcements", { message: "after the restart", target: { scope: "all" }, at });
    assert.equal(scheduled.status, 201);
    await disconnectAll();
    await server.restart();
    const [p] = await players(server.url, ["Dee"]);
    const got = await waitFor(p.socket, "announcement", (x) => x.message === "after the restart", 10_000);
    assert.ok(got.sentAt >= at - 50, `sent at ${got.sentAt}, due ${at}`);
    adminSocket = await connect(`${server.url}/admin`, admin.token);
  });

  it("every admin action is in the audit log, newest first", async () => {
    const { status, body } = await api("GET", "/api/admin/audit?limit=50");
    assert.equal(status, 200);
    const actions = body.entries.map((e) => e.action);
    for (const action of ["game.abort", "user.kick", "user.ban", "user.unban", "announcement.create"]) {
      assert.ok(actions.includes(action), `${action} is logged: ${actions.join(", ")}`);
    }
    assert.ok(body.entries.every((e) => e.actorId === "root" && e.actorName === "Root"));
    const ids = body.entries.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x), "newest first");
    const ban = body.entries.find((e) => e.action === "user.ban");
    assert.equal(ban.details.reason, "cheating");
  });
});
