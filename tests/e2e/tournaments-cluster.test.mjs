// Tournaments and ratings in a cluster: players on three nodes, the node
// that paired the first round is SIGKILLed mid-round, the others run the
// rest; every round is paired exactly once (no player is seated in an
// extra game). Quick play across nodes pairs by rating.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, describe, it } from "node:test";
import { authed, connect, disconnectAll, eventually, guest, mark, mintToken, ok, request, startServer, waitFor } from "./harness.mjs";
import { startMongo, startRedis } from "./services.mjs";

describe("a tournament across a cluster", () => {
  let redis;
  let mongo;
  const secret = crypto.randomBytes(24).toString("hex");
  const nodes = [];

  before(async () => {
    redis = await startRedis();
    mongo = await startMongo();
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startServer({
          args: ["--token-secret", secret],
          env: { GAMEHOST_REDIS_URL: redis.url, GAMEHOST_MONGODB_URL: mongo.url },
        }),
      );
    }
  });
  after(async () => {
    await disconnectAll();
    for (const n of nodes) await n.stop().catch(() => {});
    await redis?.stop();
    await mongo?.stop();
    mongo?.remove();
  });

  it("a node SIGKILLed mid-round: the others finish the tournament, each round paired once", async () => {
    const [n0, n1, n2] = nodes;
    const admin = await mintToken(n0, { name: "Arbiter", role: "admin", secret });
    // Players resign every game they are seated in once `resigning` is set.
    let resigning = false;
    const players = [];
    for (let i = 0; i < 4; i++) {
      const home = [n0, n0, n1, n2][i];
      const g = await guest(home.url, `Node player ${i}`);
      const p = { ...g, home };
      p.attach = (socket) => {
        p.socket = socket;
        const resign = (gameId) => resigning && gameId && socket.emit("game:resign", { gameId });
        socket.on("game:started", (s) => resign(s.gameId));
        socket.on("game:state-update", (s) => s.status === "active" && resign(s.gameId));
      };
      p.attach(await connect(home.url, g.token));
      players.push(p);
    }
    const created = await authed(n0.url, admin.token, "POST", "/api/admin/tournaments", {
      name: "Cluster cup",
      gameType: "tic-tac-toe",
      format: { kind: "round-robin" },
      maxPlayers: 4,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.tournamentId;
    for (const p of players) assert.equal((await request(p.socket, "tournament:join", { tournamentId: id })).ok, true);
    const started = await authed(n0.url, admin.token, "POST", `/api/admin/tournaments/${id}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.tournament.rounds.length, 1);

    await n0.kill9();
    for (const p of players.filter((p) => p.home === n0)) p.attach(await connect(n1.url, p.token));
    resigning = true;
    const get = async () => (await authed(n1.url, null, "GET", `/api/tournaments/${id}`)).body;
    for (const game of (await get()).currentGames) {
      const seat0 = players.find((p) => p.userId === game.players[0].userId);
      await request(seat0.socket, "game:resign", { gameId: game.gameId });
    }
    const t = await eventually("the tournament ends on the surviving nodes", async () => ((await get()).status === "finished" ? get() : null), 60_000);
    assert.equal(t.rounds.length, 3);
    for (const r of t.rounds) assert.equal(r.games.length, 2, `round ${r.number}: two games`);
    const ids = t.rounds.flatMap((r) => r.games.map((g) => g.gameId));
    assert.equal(new Set(ids).size, 6);
    assert.ok(t.rounds.flatMap((r) => r.games).every((g) => g.result), "every game counted");
    // Each player sat in exactly three games: no round was paired twice.
    for (const p of players) {
      const games = (await authed(n2.url, null, "GET", `/api/users/${p.userId}/games`)).body;
      assert.equal(games.length, 3, `${p.name}: ${JSON.stringify(games.map((g) => g.gameId))}`);
      assert.ok(games.every((g) => ids.includes(g.gameId)));
    }
  });

  it("quick play across nodes: a rated game counts once, and the closest ratings meet first", async () => {
    const [, n1, n2] = nodes;
    const person = async (server, name) => {
      const g = await guest(server.url, name);
      return { ...g, socket: await connect(server.url, g.token) };
    };
    const ann = await person(n1, "Ann QP");
    const bob = await person(n2, "Bob QP");
    assert.equal((await ok(ann.socket, "lobby:quick-play", { gameType: "connect-four" })).queued, true);
    const matched = await ok(bob.socket, "lobby:quick-play", { gameType: "connect-four" });
    assert.equal(matched.queued, false);
    // Ann (seat 0) wins with four in column 0.
    for (const [who, col] of [[ann, 0], [bob, 1], [ann, 0], [bob, 1], [ann, 0], [bob, 1], [ann, 0]]) {
      await ok(who.socket, "game:move", { gameId: matched.gameId, move: col });
    }
    const board = await eventually("rated on one node, seen on another", async () => {
      const b = (await authed(n2.url, null, "GET", "/api/leaderboards/connect-four")).body;
      return b.total === 2 ? b : null;
    });
    assert.deepEqual(board.entries.map((e) => [e.userId, e.rating, e.games]), [[ann.userId, 1662, 1], [bob.userId, 1338, 1]]);

    const since = mark(ann.socket);
    assert.equal((await ok(ann.socket, "lobby:quick-play", { gameType: "connect-four" })).queued, true);
    const cy = await person(n2, "Cy QP");
    const di = await person(n1, "Di QP");
    assert.equal((await ok(cy.socket, "lobby:quick-play", { gameType: "connect-four" })).queued, true, "162 from Ann: not at once");
    const paired = await ok(di.socket, "lobby:quick-play", { gameType: "connect-four" });
    assert.equal(paired.queued, false, "Cy and Di, both 1500, meet");
    const started = await waitFor(cy.socket, "game:started", (g) => g.gameId === paired.gameId);
    assert.deepEqual(started.players.map((p) => p.userId).sort(), [cy.userId, di.userId].sort());
    // Ann waits; her accepted gap widens until Bob (324 away, on another node) is in it.
    await ok(bob.socket, "lobby:quick-play", { gameType: "connect-four" });
    const late = await waitFor(ann.socket, "lobby:matched", () => true, 25_000, { since });
    const game = await waitFor(bob.socket, "game:started", (g) => g.gameId === late.gameId, 5_000);
    assert.deepEqual(game.players.map((p) => p.userId), [ann.userId, bob.userId], "the longer waiter sits first");
  });
});
