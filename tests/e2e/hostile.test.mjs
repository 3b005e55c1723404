// Hostile input: what a cheap attacker sends is refused or absorbed, and a
// game between two other players goes on meanwhile. Each case asserts the
// refusal, then that the game still takes a move with the next version
// (both players hear it) and that /healthz answers.
//
// Raw websockets (`ws`) and raw TCP are used where the official client
// cannot send the bad input. The server runs with loopback NOT exempt from
// the per-address limits, and with short timeouts, so the cases are quick.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { io } from "socket.io-client";
import WebSocket from "ws";
import { authed, connect, disconnectAll, http, mintToken, ok, request, sleep, startServer, waitFor } from "./harness.mjs";

const SECRET = crypto.randomBytes(24).toString("hex");
const CONFIG = `
[socket]
connect_timeout_ms = 1000

[limits]
exempt_loopback = false
max_connections_per_address = 40
api_per_second = 20
api_burst = 40
guests_per_minute = 6
guest_burst = 8
header_read_timeout_ms = 1500
body_timeout_ms = 1500
spectated_games_per_user = 3

[plugin]
compile_memory_mib = 512
compile_timeout_secs = 30
`;

/** An HS256 token signed with the server's secret, with any claims. */
function sign(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const head = `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}`;
  return `${head}.${crypto.createHmac("sha256", SECRET).update(head).digest("base64url")}`;
}

/** A raw Engine.IO websocket: `{ws, frames, closed}` (`closed` resolves to the close code). */
function rawSocket(url) {
  const ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
  const frames = [];
  ws.on("message", (data) => frames.push(data.toString()));
  const closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("error", () => {});
  const opened = new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return { ws, frames, closed, opened };
}

/** A raw socket that has authenticated (sent CONNECT with `token` and got the answer). */
async function authenticatedRaw(url, token) {
  const raw = rawSocket(url);
  await raw.opened;
  raw.ws.send(`40${JSON.stringify({ token })}`);
  const deadline = Date.now() + 5000;
  while (!raw.frames.some((f) => f.startsWith("40"))) {
    if (Date.now() > deadline) throw new Error(`no CONNECT answer: ${raw.frames.join(" | ")}`);
    await sleep(20);
  }
  return raw;
}

/**
 * A component that holds nothing but itself nested `depth` deep: about 12
 * bytes a level to upload, far more to validate and compile.
 */
function nestedComponent(depth) {
  const preamble = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
  const leb = (n) => {
    const out = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  // Sizes from the innermost out, then the bytes from the outermost in.
  const sizes = new Array(depth + 1);
  sizes[depth] = preamble.length;
  for (let k = depth - 1; k >= 0; k--) sizes[k] = preamble.length + 1 + leb(sizes[k + 1]).length + sizes[k + 1];
  const bytes = Buffer.alloc(sizes[0]);
  let at = 0;
  for (let k = 0; k <= depth; k++) {
    bytes.set(preamble, at);
    at += preamble.length;
    if (k < depth) {
      bytes[at++] = 0x04; // a nested component section
      const size = leb(sizes[k + 1]);
      bytes.set(size, at);
      at += size.length;
    }
  }
  return bytes;
}

/** The resident memory of process `pid`, in bytes. */
function rss(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** Resolves to true if `promise` settles within `ms`. */
async function within(promise, ms) {
  return Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);
}

describe("hostile input", () => {
  let server;
  let configDir;
  let ann;
  let bob;
  let gameId;
  let version;
  let turn = 0;
  // Columns that fill the bottom rows without four in a row.
  const COLUMNS = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 1, 0, 3, 2, 5, 4];

  /** The game between Ann and Bob takes its next move, heard by both; /healthz answers. */
  async function stillPlaying() {
    const mover = turn % 2 === 0 ? ann : bob;
    const answer = await ok(mover.socket, "game:move", { gameId, move: COLUMNS[turn] });
    assert.equal(answer.version, version + 1, "the versions stay contiguous");
    version = answer.version;
    turn += 1;
    for (const p of [ann, bob]) await waitFor(p.socket, "game:move-made", (m) => m.gameId === gameId && m.version === version);
    assert.equal((await http(server.url, "GET", "/healthz")).status, 200);
  }

  before(async () => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-hostile-"));
    const config = path.join(configDir, "gamehost.toml");
    fs.writeFileSync(config, CONFIG);
    server = await startServer({ args: ["--config", config, "--token-secret", SECRET] });
    const person = async (name) => {
      const t = await mintToken(server, { name, secret: SECRET });
      return { ...t, socket: await connect(server.url, t.token) };
    };
    ann = await person("Ann");
    bob = await person("Bob");
    ({ gameId } = await ok(ann.socket, "game:create", { gameType: "connect-four" }));
    const joined = await ok(bob.socket, "game:join", { gameId });
    version = joined.game.version;
    await stillPlaying();
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  it("a websocket message over the payload limit closes the connection", async () => {
    const t = await mintToken(server, { name: "Big", secret: SECRET });
    for (const size of [1_000_001, 15_000_000]) {
      const raw = await authenticatedRaw(server.url, t.token);
      raw.ws.send(`42${JSON.stringify(["lobby:join", { gameType: "x".repeat(size) }])}`);
      const code = await Promise.race([raw.closed, sleep(10_000).then(() => "open")]);
      assert.notEqual(code, "open", `a ${size} B message closes the connection`);
    }
    await stillPlaying();
  });

  it("an auth object over 4 KiB is refused before it is parsed", async () => {
    const t = await mintToken(server, { name: "Padded", secret: SECRET });
    const refused = await new Promise((resolve) => {
      const s = io(server.url, {
        transports: ["websocket"],
        auth: { token: t.token, junk: "x".repeat(8000) },
        reconnection: false,
        forceNew: true,
      });
      s.on("connect", () => {
        s.close();
        resolve({ connected: true });
      });
      s.on("connect_error", (e) => {
        s.close();
        resolve({ message: e.message });
      });
    });
    assert.match(refused.message ?? "", /auth object is over 4096 bytes/, JSON.stringify(refused));
    // The same token with a small auth object connects.
    (await connect(server.url, t.token)).disconnect();
    // 2 MB of auth: closed by the message limit before anything is parsed.
    const raw = rawSocket(server.url);
    await raw.opened;
    raw.ws.send(`40${JSON.stringify({ token: t.token, junk: "y".repeat(2_000_000) })}`);
    assert.notEqual(await Promise.race([raw.closed, sleep(10_000).then(() => "open")]), "open");
    await stillPlaying();
  });

  it("a packet announcing binary attachments closes the connection", async () => {
    const t = await mintToken(server, { name: "Binary", secret: SECRET });
    const raw = await authenticatedRaw(server.url, t.token);
    raw.ws.send(`451-${JSON.stringify(["lobby:join", { _placeholder: true, num: 0 }])}`);
    assert.ok(await within(raw.closed, 5000), "closed without waiting for the attachment");
    await stillPlaying();
  });

  it("a connection that never authenticates is closed after the connect timeout", async () => {
    const started = Date.now();
    const raw = rawSocket(server.url);
    await raw.opened;
    assert.ok(await within(raw.closed, 6000), "closed");
    assert.ok(Date.now() - started >= 900, "not before the timeout");
    await stillPlaying();
  });

  it("headers sent a line at a time are cut off by the header timeout", async () => {
    const socket = net.connect(new URL(server.url).port, "127.0.0.1");
    const closed = new Promise((resolve) => socket.on("close", resolve));
    socket.on("error", () => {});
    socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
    const drip = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 300);
    const cut = await within(closed, 8000);
    clearInterval(drip);
    socket.destroy();
    assert.ok(cut, "the server closed a request whose headers never end");
    await stillPlaying();
  });

  it("a body that drips is cut off by the body timeout", async () => {
    const socket = net.connect(new URL(server.url).port, "127.0.0.1");
    let answer = "";
    socket.on("data", (d) => (answer += d));
    socket.on("error", () => {});
    const closed = new Promise((resolve) => socket.on("close", resolve));
    const started = Date.now();
    socket.write("POST /api/auth/guest HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    const drip = setInterval(() => socket.writable && socket.write(" "), 250);
    let done = false;
    const outcome = await Promise.race([
      closed.then(() => "closed"),
      (async () => {
        while (!done && !answer.includes("\r\n\r\n")) await sleep(50);
        return "answered";
      })(),
      sleep(8000).then(() => "still waiting"),
    ]);
    done = true;
    clearInterval(drip);
    socket.destroy();
    assert.notEqual(outcome, "still waiting", "the server gave up on the body");
    assert.ok(Date.now() - started >= 1000, "after the body timeout, not at once");
    assert.ok(answer === "" || /^HTTP\/1\.1 4\d\d/.test(answer), `refused: ${JSON.stringify(answer.slice(0, 80))}`);
    await stillPlaying();
  });

  it("connections over the per-address cap are turned away with 503", async () => {
    const port = new URL(server.url).port;
    const sockets = [];
    const answers = [];
    for (let i = 0; i < 80; i++) {
      const socket = net.connect(port, "127.0.0.1");
      const got = { text: "" };
      socket.on("data", (d) => (got.text += d));
      socket.on("error", () => {});
      sockets.push(socket);
      answers.push(got);
    }
    await sleep(700);
    const turnedAway = answers.filter((a) => a.text.startsWith("HTTP/1.1 503") && a.text.includes("TOO_MANY_CONNECTIONS"));
    assert.ok(turnedAway.length >= 40, `${turnedAway.length} of 80 turned away`);
    for (const s of sockets) s.destroy();
    // The players' open connections were never touched.
    await stillPlaying();
  });

  it("the HTTP API has a budget per address; health checks do not spend it", async () => {
    let limited;
    for (let i = 0; i < 80 && !limited; i++) {
      const res = await fetch(`${server.url}/api/games/${gameId}`);
      if (res.status === 429) limited = { body: await res.json(), retry: res.headers.get("retry-after") };
      else assert.equal(res.status, 200);
    }
    assert.ok(limited, "refused before 80 requests in a row");
    assert.equal(limited.body.error.code, "RATE_LIMITED");
    assert.ok(Number(limited.retry) >= 1, "with Retry-After");
    assert.equal((await http(server.url, "GET", "/healthz")).status, 200);
    await stillPlaying();
    // Let the budget refill for the cases after, and the kept-alive
    // connections close (the header timeout) rather than race a reuse.
    await sleep(2500);
  });

  it("names that hide what they are are refused with the rule they broke", async () => {
    for (const name of ["\u200b\u200b\u200b", "\u202eVictim", "Ada\u2028Admin", "...", " ".repeat(40), "x".repeat(33)]) {
      const res = await http(server.url, "POST", "/api/auth/guest", { name });
      assert.equal(res.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "MALFORMED");
      assert.match(res.body.error.message, /a name/);
    }
    await stillPlaying();
  });

  it("guest tokens have a budget per address", async () => {
    const statuses = [];
    let retry;
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${server.url}/api/auth/guest`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: `Churn ${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) retry = res.headers.get("retry-after");
    }
    assert.ok(statuses.includes(429), statuses.join(","));
    assert.ok(Number(retry) >= 1);
    await stillPlaying();
  });

  it("a token used before its nbf is refused, on sockets and the admin API", async () => {
    const now = Math.floor(Date.now() / 1000);
    const early = sign({ sub: "admin-early", name: "Early", role: "admin", exp: now + 7200, nbf: now + 3600 });
    await assert.rejects(connect(server.url, early), /not valid yet/);
    const api = await authed(server.url, early, "GET", "/api/admin/plugins");
    assert.equal(api.status, 401, JSON.stringify(api.body));
    // The same token without nbf is fine: the refusal is about nbf alone.
    const fine = sign({ sub: "admin-early", name: "Early", role: "admin", exp: now + 7200 });
    assert.equal((await authed(server.url, fine, "GET", "/api/admin/plugins")).status, 200);
    await stillPlaying();
  });

  it("a component that costs gigabytes to compile is refused within the compile budget", async () => {
    const admin = await mintToken(server, { name: "Root", role: "admin", secret: SECRET });
    const bomb = nestedComponent(10_000);
    assert.ok(bomb.length < 130_000, `${bomb.length} B to upload`);
    const before = rss(server.pid);
    const started = Date.now();
    const refused = await authed(server.url, admin.token, "POST", "/api/admin/plugins", bomb);
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /compiling needed more than 512 MiB/);
    assert.ok(Date.now() - started < 30_000, "within the time budget");
    const grown = rss(server.pid) - before;
    assert.ok(grown < 128 << 20, `the host grew by ${grown >> 20} MiB`);
    await stillPlaying();
  });

  it("a flood of identical errors from one connection is logged a few times, not once each", async () => {
    const t = await mintToken(server, { name: "Noisy", secret: SECRET });
    const raw = await authenticatedRaw(server.url, t.token);
    const before = server.stderrLineCount();
    // 5,000 connects to namespaces that do not exist, and 500 unknown events.
    for (let i = 0; i < 5000; i++) raw.ws.send(`40/nowhere-${i % 7},`);
    for (let i = 0; i < 500; i++) raw.ws.send(`42${JSON.stringify(["no:such-event", {}])}`);
    await sleep(1500);
    raw.ws.close();
    const written = server.stderrLineCount() - before;
    assert.ok(written < 100, `${written} lines logged for 5,500 bad packets`);
    await stillPlaying();
  });

  it("one user holds a bounded number of waiting games and spectated games", async () => {
    const t = await mintToken(server, { name: "Hoarder", secret: SECRET });
    const socket = await connect(server.url, t.token);
    for (let i = 0; i < 5; i++) await ok(socket, "game:create", { gameType: "tic-tac-toe" });
    const sixth = await request(socket, "game:create", { gameType: "tic-tac-toe" });
    assert.equal(sixth?.error?.code, "LIMIT_REACHED", JSON.stringify(sixth));

    const w = await mintToken(server, { name: "Watcher", secret: SECRET });
    const watcher = await connect(server.url, w.token);
    const games = [];
    for (let i = 0; i < 4; i++) {
      const host = await mintToken(server, { name: `Host ${i}`, secret: SECRET });
      const hs = await connect(server.url, host.token);
      games.push((await ok(hs, "game:create", { gameType: "tic-tac-toe" })).gameId);
    }
    for (const g of games.slice(0, 3)) await ok(watcher, "game:spectate", { gameId: g });
    const fourth = await request(watcher, "game:spectate", { gameId: games[3] });
    assert.equal(fourth?.error?.code, "LIMIT_REACHED", JSON.stringify(fourth));
    await ok(watcher, "game:stop-spectating", { gameId: games[0] });
    await ok(watcher, "game:spectate", { gameId: games[3] });
    await stillPlaying();
  });
});
