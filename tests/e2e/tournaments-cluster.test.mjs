// A tournament in a cluster: players on three nodes, the node that paired
// the first round is SIGKILLed mid-round, the others run the rest; every
// round is paired exactly once (no player is seated in an extra game).

import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, describe, it } from "node:test";
import { authed, connect, disconnectAll, eventually, guest, mintToken, request, startServer } from "./harness.mjs";
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
});
