// Authentication: guest tokens over HTTP, and the Socket.IO handshake
// refusing connections without a valid token (docs/protocol.md,
// "Authentication").

import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  TRANSPORTS,
  connect,
  disconnectAll,
  guest,
  http,
  startServer,
  waitFor,
} from "./harness.mjs";

const b64url = (value) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** A well-formed HS256 JWT signed with a key the server does not know. */
function forgedToken(claims) {
  const header = b64url({ alg: "HS256", typ: "JWT" });
  const body = b64url(claims);
  const key = crypto.randomBytes(32);
  const sig = crypto.createHmac("sha256", key).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${sig}`;
}

/** `token` with its claims replaced but its signature kept. */
function tamperedToken(token, changes) {
  const [header, body, sig] = token.split(".");
  const claims = { ...JSON.parse(Buffer.from(body, "base64url").toString()), ...changes };
  return `${header}.${b64url(claims)}.${sig}`;
}

async function refusal(url, token, opts) {
  try {
    const socket = await connect(url, token, opts);
    socket.disconnect();
  } catch (err) {
    return err.message;
  }
  assert.fail(`the connection with token ${JSON.stringify(token)} was accepted`);
}

describe("authentication", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("POST /api/auth/guest returns a player token", async () => {
    const a = await guest(server.url, "Ada");
    assert.equal(typeof a.token, "string");
    assert.equal(a.token.split(".").length, 3, "a JWT has three parts");
    assert.equal(typeof a.userId, "string");
    assert.ok(a.userId.length > 0);
    assert.equal(a.name, "Ada");
    assert.equal(a.role, "player");
    const claims = JSON.parse(Buffer.from(a.token.split(".")[1], "base64url").toString());
    assert.equal(claims.sub, a.userId, "the token's sub is the user id");
    assert.equal(claims.name, "Ada");
    assert.equal(typeof claims.exp, "number");

    const again = await guest(server.url, "Ada");
    assert.notEqual(again.userId, a.userId, "every guest is a new user");

    const longest = "x".repeat(32);
    assert.equal((await guest(server.url, longest)).name, longest);
  });

  it("POST /api/auth/guest refuses names that are not 1-32 characters with 400 MALFORMED", async () => {
    for (const body of [{ name: "" }, { name: "x".repeat(33) }, { name: 42 }, {}]) {
      const res = await http(server.url, "POST", "/api/auth/guest", body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body?.error?.code, "MALFORMED", JSON.stringify(res.body));
      assert.equal(typeof res.body.error.message, "string");
    }
  });

  for (const transports of TRANSPORTS) {
    describe(`over ${transports[0]}`, () => {
      it("refuses a connection without a token", async () => {
        const message = await refusal(server.url, undefined, { transports });
        assert.match(message, /^authentication failed/);
        assert.equal(message, "authentication failed: no token");
      });

      it("refuses forged and tampered tokens", async () => {
        const exp = Math.floor(Date.now() / 1000) + 3600;
        const real = await guest(server.url, "Eve");
        const tokens = {
          garbage: "not-a-jwt",
          forged: forgedToken({ sub: "guest-forged", name: "Mallory", role: "admin", exp }),
          tampered: tamperedToken(real.token, { sub: "someone-else", role: "admin" }),
        };
        for (const [kind, token] of Object.entries(tokens)) {
          const message = await refusal(server.url, token, { transports });
          assert.match(message, /^authentication failed: invalid token/, `${kind} token: ${message}`);
        }
        // The same forgery in the Authorization header.
        const viaHeader = await refusal(server.url, undefined, {
          transports,
          extraHeaders: { Authorization: `Bearer ${tokens.forged}` },
        });
        assert.match(viaHeader, /^authentication failed: invalid token/);
      });

      it("confirms a connection with a valid guest token", async () => {
        const g = await guest(server.url, "Ada");
        const t0 = Date.now();
        const socket = await connect(server.url, g.token, { transports });
        const confirmed = await waitFor(socket, "connection:confirmed");
        assert.equal(confirmed.socketId, socket.id);
        assert.equal(confirmed.userId, g.userId);
        assert.equal(confirmed.name, "Ada");
        assert.equal(confirmed.role, "player");
        const serverTime =
          typeof confirmed.serverTime === "number" ? confirmed.serverTime : Date.parse(confirmed.serverTime);
        assert.ok(
          Number.isFinite(serverTime) && Math.abs(serverTime - t0) < 60_000,
          `serverTime ${JSON.stringify(confirmed.serverTime)} is a time near now`,
        );
        assert.ok(Array.isArray(confirmed.features), "features is a list");
        assert.ok(confirmed.features.includes("play"), `a player may play: ${JSON.stringify(confirmed.features)}`);
        assert.ok(confirmed.features.includes("spectate"), `a player may spectate: ${JSON.stringify(confirmed.features)}`);
        assert.ok(!confirmed.features.includes("admin"), "a guest is no admin");
        assert.equal(socket.connected, true);
        socket.disconnect();
      });

      it("accepts the token as an Authorization: Bearer header", async () => {
        const g = await guest(server.url, "Bob");
        const socket = await connect(server.url, undefined, {
          transports,
          extraHeaders: { Authorization: `Bearer ${g.token}` },
        });
        const confirmed = await waitFor(socket, "connection:confirmed");
        assert.equal(confirmed.userId, g.userId);
        socket.disconnect();
      });
    });
  }
});
