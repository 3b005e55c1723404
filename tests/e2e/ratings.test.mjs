// Ratings: a rated game moves both players' Glicko-2 ratings by the
// expected amounts, a casual game moves none, the leaderboard orders and
// pages by rating, and quick play pairs the closest ratings first.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { authed, disconnectAll, eventually, mark, ok, request, startServer, waitFor } from "./harness.mjs";
import { person } from "./delivery.mjs";

const board = async (server, query = "") => (await authed(server.url, null, "GET", `/api/leaderboards/tic-tac-toe${query}`)).body;

/** Plays tic-tac-toe `gameId` so that seat 0 wins on the top row. */
async function seatZeroWins(zero, one, gameId) {
  for (const [who, cell] of [[zero, 0], [one, 3], [zero, 1], [one, 4], [zero, 2]]) {
    await ok(who.socket, "game:move", { gameId, move: cell });
  }
}

describe("ratings", () => {
  let server;
  let configDir;

  before(async () => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-ratings-"));
    const config = path.join(configDir, "gamehost.toml");
    fs.writeFileSync(config, "[rate_limit]\nper_second = 1000\nburst = 1000\n");
    server = await startServer({ args: ["--config", config] });
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  it("a rated quick-play game moves both ratings by Glicko-2's numbers; a casual game moves none", async () => {
    const ann = await person(server.url, "Ann");
    const bob = await person(server.url, "Bob");
    const queued = await ok(ann.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
    assert.equal(queued.queued, true);
    const since = mark(bob.socket);
    const matched = await ok(bob.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
    const gameId = matched.gameId;
    const started = await waitFor(bob.socket, "game:started", (g) => g.gameId === gameId, undefined, { since });
    assert.equal(started.rated, true, "quick-play games are rated");
    assert.deepEqual(started.players.map((p) => [p.userId, p.rating]), [[ann.userId, 1500], [bob.userId, 1500]], "ratings next to the players");
    await seatZeroWins(ann, bob, gameId);
    const rated = await eventually("ratings counted", async () => ((await board(server)).total === 2 ? board(server) : null));
    const [first, second] = rated.entries;
    assert.equal(first.userId, ann.userId);
    // Two new players (1500, RD 350, volatility 0.06): the winner gains 162.3, the loser loses as much; RD 290.3.
    assert.equal(first.rating, 1662);
    assert.equal(second.rating, 1338);
    assert.equal(first.deviation, 290);
    assert.equal(first.games, 1);
    assert.equal(first.provisional, true);

    // A casual game (game:create) does not count, whoever wins.
    const created = await ok(bob.socket, "game:create", { gameType: "tic-tac-toe" });
    await ok(ann.socket, "game:join", { gameId: created.gameId });
    await seatZeroWins(bob, ann, created.gameId);
    await waitFor(ann.socket, "game:ended", (e) => e.gameId === created.gameId);
    const after = await board(server);
    assert.deepEqual(after.entries.map((e) => [e.userId, e.rating, e.games]), [[ann.userId, 1662, 1], [bob.userId, 1338, 1]]);

    // Pages.
    const page = await board(server, "?offset=1&limit=1");
    assert.equal(page.total, 2);
    assert.deepEqual(page.entries.map((e) => [e.rank, e.userId]), [[2, bob.userId]]);
    const bad = await authed(server.url, null, "GET", "/api/leaderboards/tic-tac-toe?limit=lots");
    assert.equal(bad.status, 400);
    assert.equal((await board(server, "?limit=1")).entries.length, 1);

    // Ratings in the lobby: room members carry theirs.
    const room = await ok(ann.socket, "lobby:create-room", { gameType: "tic-tac-toe", name: "Rated room" });
    assert.equal(room.room.members[0].rating, 1662);
    const eve = await person(server.url, "Eve");
    const joined = await ok(eve.socket, "lobby:join-room", { roomId: room.roomId });
    assert.deepEqual(joined.room.members.map((m) => m.rating), [1662, 1500]);
    await ok(ann.socket, "lobby:leave-room", { roomId: room.roomId });
    await ok(eve.socket, "lobby:leave-room", { roomId: room.roomId });

    // Quick play pairs the closest ratings first: Ann (1662) waits; two new
    // players (1500 each) arriving after her are paired together.
    const [annSince, bobSince] = [mark(ann.socket), mark(bob.socket)];
    await ok(ann.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
    const cy = await person(server.url, "Cy");
    const di = await person(server.url, "Di");
    assert.equal((await ok(cy.socket, "lobby:quick-play", { gameType: "tic-tac-toe" })).queued, true, "162 apart: not yet");
    const paired = await ok(di.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
    assert.equal(paired.queued, false);
    const players = (await waitFor(di.socket, "game:started", (g) => g.gameId === paired.gameId)).players.map((p) => p.userId);
    assert.deepEqual(players.sort(), [cy.userId, di.userId].sort(), "the two closest ratings");
    // Ann is still waiting. Bob (1338) is 324 from her: nobody is paired at
    // once, and after about 11 s of waiting both accept the gap.
    const bobQueued = await ok(bob.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
    assert.equal(bobQueued.queued, true, "324 apart: not at once");
    const waitStarted = Date.now();
    const wide = await waitFor(ann.socket, "lobby:matched", () => true, 20_000, { since: annSince });
    assert.ok(Date.now() - waitStarted > 8_000, "the gap widened with waiting");
    const bobMatched = await waitFor(bob.socket, "lobby:matched", (m) => m.gameId === wide.gameId, 5_000, { since: bobSince });
    assert.equal(bobMatched.gameId, wide.gameId);
    const cancelled = await request(cy.socket, "lobby:quick-play-cancel", {});
    assert.equal(cancelled.ok, true);
  });
});
