// No request is lost at connect: 1,000 sockets each send a request the
// moment the server accepts them (socket.io-client sends what was emitted
// before the connection right after the server's CONNECT packet, before
// `connection:confirmed` can arrive); every one is answered.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { io } from "socket.io-client";
import { guest, startServer } from "./harness.mjs";

const USERS = 100;
const SOCKETS_PER_USER = 10; // under the per-user burst, so every answer is a real one
const AT_ONCE = 50;

describe("requests sent at connect", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  /** One socket that asks for a lobby the instant it connects: what it got. */
  function askAtConnect(token) {
    return new Promise((resolve) => {
      const socket = io(server.url, { transports: ["websocket"], auth: { token }, reconnection: false, forceNew: true });
      const seen = { answer: undefined, errors: [] };
      socket.on("error", (e) => seen.errors.push(e));
      const finish = () => {
        clearTimeout(timer);
        socket.close();
        resolve(seen);
      };
      const timer = setTimeout(finish, 10_000);
      socket.on("connect_error", (err) => {
        seen.errors.push({ connectError: err.message });
        finish();
      });
      // Emitted while connecting: sent right after the server's CONNECT.
      socket.emit("lobby:join", { gameType: "chess" }, (answer) => {
        seen.answer = answer;
        finish();
      });
    });
  }

  it("every one of 1,000 sockets that emit on connect gets its answer", async () => {
    const tokens = [];
    for (let i = 0; i < USERS; i++) tokens.push((await guest(server.url, `Racer ${i}`)).token);
    const all = tokens.flatMap((t) => Array.from({ length: SOCKETS_PER_USER }, () => t));
    const results = [];
    for (let i = 0; i < all.length; i += AT_ONCE) {
      results.push(...(await Promise.all(all.slice(i, i + AT_ONCE).map(askAtConnect))));
    }
    const unanswered = results.filter((r) => r.answer === undefined);
    assert.equal(unanswered.length, 0, `unanswered: ${JSON.stringify(unanswered.slice(0, 3))}`);
    const refused = results.filter((r) => r.answer?.ok !== true);
    assert.equal(refused.length, 0, `refused: ${JSON.stringify(refused.slice(0, 3).map((r) => r.answer))}`);
    assert.deepEqual(results.flatMap((r) => r.errors), [], "no error event");
  });
});
