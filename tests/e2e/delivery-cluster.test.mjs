// Who hears what, across a cluster of three nodes on one Redis and one
// MongoDB: the listener matrix (delivery.mjs) with the two players and the
// spectator on three different nodes, a passing spectator on a fourth
// place and the dropped player coming back on another node; offers made on
// one node and answered on another.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, describe, it } from "node:test";
import { authed, connect, disconnectAll, mark, mintToken, ok, request, startGame, startServer, waitFor } from "./harness.mjs";
import { startMongo, startRedis } from "./services.mjs";
import { matrixCases, person } from "./delivery.mjs";

describe("delivery across a cluster", () => {
  let redis;
  let mongo;
  let admin;
  const secret = crypto.randomBytes(24).toString("hex");
  const nodes = [];

  before(async () => {
    redis = await startRedis();
    mongo = await startMongo();
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startServer({
          args: ["--token-secret", secret, "--reconnect-grace-ms", "5000"],
          env: { GAMEHOST_REDIS_URL: redis.url, GAMEHOST_MONGODB_URL: mongo.url },
        }),
      );
    }
    admin = await mintToken(nodes[0], { name: "Root", role: "admin", secret });
  });
  after(async () => {
    await disconnectAll();
    for (const n of nodes) await n.stop().catch(() => {});
    await redis?.stop();
    await mongo?.stop();
    mongo?.remove();
  });

  // Announced through node 0; its players sit on all three.
  const announce = async (gameId, message) => {
    const sent = await authed(nodes[0].url, admin.token, "POST", "/api/admin/announcements", {
      message,
      target: { scope: "game", id: gameId },
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
  };

  describe("every seat and spectator on every node hears every event, however the game was entered", () => {
    const where = {
      get seat0() {
        return nodes[0].url;
      },
      get seat1() {
        return nodes[1].url;
      },
      get watcher() {
        return nodes[2].url;
      },
      get passer() {
        return nodes[1].url;
      },
      get back() {
        return nodes[2].url;
      },
    };
    for (const [name, run] of matrixCases(where, announce)) it(name, run);
  });

  it("draw and rematch offers made on one node are answered on another", async () => {
    const ann = await person(nodes[0].url, "Ann");
    const bob = await person(nodes[1].url, "Bob");
    const { gameId } = await startGame(ann, [bob], { gameType: "chess" });

    // Declined across nodes.
    let since = mark(ann.socket);
    await ok(ann.socket, "game:offer-draw", { gameId });
    await waitFor(bob.socket, "game:draw-offered", (e) => e.gameId === gameId && e.userId === ann.userId);
    await ok(bob.socket, "game:decline-draw", { gameId });
    await waitFor(ann.socket, "game:draw-declined", (e) => e.gameId === gameId, undefined, { since });
    const none = await request(bob.socket, "game:accept-draw", { gameId });
    assert.equal(none?.error?.code, "NO_DRAW_OFFER");

    // Accepted across nodes, by a third node's socket of the same player.
    const bobElsewhere = { ...bob, socket: await connect(nodes[2].url, bob.token) };
    since = mark(ann.socket);
    await ok(ann.socket, "game:offer-draw", { gameId });
    const accepted = await ok(bobElsewhere.socket, "game:accept-draw", { gameId });
    assert.equal(typeof accepted.version, "number", JSON.stringify(accepted));
    for (const s of [ann.socket, bob.socket, bobElsewhere.socket]) {
      const ended = await waitFor(s, "game:ended", (e) => e.gameId === gameId, undefined, s === ann.socket ? { since } : {});
      assert.equal(ended.outcome.draw, true);
    }

    // A rematch offered on node 1, declined and offered again, accepted on node 0.
    since = mark(ann.socket);
    await ok(bob.socket, "game:offer-revenge", { gameId });
    await waitFor(ann.socket, "game:revenge-offered", (e) => e.gameId === gameId, undefined, { since });
    await ok(ann.socket, "game:decline-revenge", { gameId });
    await waitFor(bob.socket, "game:revenge-declined", (e) => e.gameId === gameId);
    const twice = await request(ann.socket, "game:accept-revenge", { gameId });
    assert.equal(twice?.error?.code, "NO_REVENGE_OFFER");
    await ok(bob.socket, "game:offer-revenge", { gameId });
    const rematch = await ok(ann.socket, "game:accept-revenge", { gameId });
    assert.equal(typeof rematch.newGameId, "string", JSON.stringify(rematch));
    for (const s of [ann.socket, bob.socket]) {
      const started = await waitFor(s, "game:started", (g) => g.gameId === rematch.newGameId);
      assert.deepEqual(started.players.map((x) => x.userId), [bob.userId, ann.userId]);
    }
    const exists = await request(bob.socket, "game:offer-revenge", { gameId });
    assert.equal(exists?.error?.code, "CONFLICT", "a second rematch is refused");
  });
});
