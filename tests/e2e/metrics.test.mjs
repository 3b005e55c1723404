// Operations endpoints: health, readiness, and Prometheus metrics that
// count what the server did.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { disconnectAll, http, ok, players, request, startGame, startServer } from "./harness.mjs";

describe("operations endpoints", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("healthz, readyz and metrics report connections, events, errors and latencies", async () => {
    assert.equal((await http(server.url, "GET", "/healthz")).status, 200);
    assert.equal((await http(server.url, "GET", "/readyz")).status, 200);

    const [white, black] = await players(server.url, ["White", "Black"]);
    const { gameId } = await startGame(white, [black], { gameType: "chess" });
    const refused = await request(white.socket, "game:move", { gameId, move: "e2e5" });
    assert.equal(refused.error?.code, "ILLEGAL_MOVE");
    await ok(white.socket, "game:move", { gameId, move: "e2e4" });

    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const value = (line) => {
      const found = text.split("\n").find((l) => l.startsWith(line));
      assert.ok(found, `metrics lack ${line}:\n${text}`);
      return Number(found.slice(line.length).trim());
    };
    assert.equal(value('gamehost_connections{role="player"}'), 2);
    assert.equal(value('gamehost_events_total{event="game:move"}'), 2);
    assert.equal(value('gamehost_errors_total{code="ILLEGAL_MOVE"}'), 1);
    assert.equal(value('gamehost_move_latency_seconds_count{game_type="chess"}'), 1);
    assert.ok(value('gamehost_plugin_call_seconds_count{call="apply",game="chess"}') >= 2);
  });

  it("CORS: the allow-list's origins may call with credentials, others may not", async () => {
    const preflight = (origin) =>
      fetch(`${server.url}/api/auth/guest`, {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
    const allowed = await preflight("http://localhost:3000");
    assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:3000");
    assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
    const refused = await preflight("http://evil.example");
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
  });
});
