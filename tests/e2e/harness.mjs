// Shared fixtures of the Socket.IO end-to-end tests: a real `gamehost serve`
// process on a free loopback port, guest tokens, and sockets that record
// every payload they receive.
//
// Environment:
// - GAMEHOST_BIN: the binary to run (default <target>/debug/gamehost).
// - CARGO_TARGET_DIR: the build's target folder (default <repo>/target);
//   the games' components are read from <target>/plugins.
// - E2E_SERVER_LOG=1: copy the servers' stderr to this process's stderr.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";

/** The repository's root folder. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** How long one wait (an ack, an event) may take (E2E_TIMEOUT_MS overrides). */
export const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS) || 5000;

/** The two Socket.IO transports every cheap test runs over. */
export const TRANSPORTS = [["websocket"], ["polling"]];

const BUILD_HINT = "build it with `cargo xtask test`";

/** The build's target folder. */
export function targetDir() {
  return process.env.CARGO_TARGET_DIR
    ? path.resolve(process.env.CARGO_TARGET_DIR)
    : path.join(REPO, "target");
}

/** The `gamehost` binary the tests run. */
export function gamehostBin() {
  return process.env.GAMEHOST_BIN
    ? path.resolve(process.env.GAMEHOST_BIN)
    : path.join(targetDir(), "debug", process.platform === "win32" ? "gamehost.exe" : "gamehost");
}

/** The folder of the bundled games' components. */
export function pluginsDir() {
  return path.join(targetDir(), "plugins");
}

function checkBuild() {
  const bin = gamehostBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: ${BUILD_HINT} (or point GAMEHOST_BIN at a gamehost binary)`);
  }
  const plugins = pluginsDir();
  const wasm = fs.existsSync(plugins)
    ? fs.readdirSync(plugins).filter((f) => f.endsWith(".wasm"))
    : [];
  if (wasm.length === 0) {
    throw new Error(`${plugins} is missing or holds no components: ${BUILD_HINT}`);
  }
  return { bin, plugins };
}

const LISTENING = /^gamehost listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/;

/** Every server started by this process, so none is left behind. */
const liveProcesses = new Set();
process.on("exit", () => {
  for (const child of liveProcesses) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});

/**
 * Spawns `gamehost serve` on `dataDir` and resolves once it prints its
 * listening line: `{child, url, stderrTail, stderrLines}` (`stderrLines.count`
 * counts every line it wrote).
 */
function spawnServer({ bin, plugins, dataDir, args, env, startTimeoutMs }) {
  const argv = [
    "serve",
    "--listen",
    "127.0.0.1:0",
    "--plugins-dir",
    plugins,
    "--data-dir",
    dataDir,
    ...args,
  ];
  const child = spawn(bin, argv, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  liveProcesses.add(child);
  child.once("exit", () => liveProcesses.delete(child));

  // Keep the last lines of stderr for error messages; always drain it so the
  // server never blocks on a full pipe.
  const stderrTail = [];
  const stderrLines = { count: 0 };
  readline.createInterface({ input: child.stderr }).on("line", (line) => {
    stderrLines.count += 1;
    stderrTail.push(line);
    if (stderrTail.length > 60) stderrTail.shift();
    if (process.env.E2E_SERVER_LOG) process.stderr.write(`[gamehost ${child.pid}] ${line}\n`);
  });
  const tail = () =>
    stderrTail.length ? `\n--- last lines of its stderr ---\n${stderrTail.join("\n")}` : "";

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err, url) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        reject(err);
      } else {
        resolve({ child, url, stderrTail, stderrLines });
      }
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `gamehost (${bin} ${argv.join(" ")}) did not print "gamehost listening on ..." within ${startTimeoutMs} ms${tail()}`,
          ),
        ),
      startTimeoutMs,
    );
    const lines = readline.createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const m = LISTENING.exec(line);
      if (m) finish(null, m[1]);
    });
    child.once("error", (err) =>
      finish(new Error(`cannot start ${bin}: ${err.message} (${BUILD_HINT})`)),
    );
    child.once("exit", (code, signal) =>
      finish(
        new Error(
          `gamehost exited (code ${code}, signal ${signal}) before listening: ${bin} ${argv.join(" ")}${tail()}`,
        ),
      ),
    );
  });
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts `gamehost serve --listen 127.0.0.1:0 --plugins-dir <target>/plugins
 * --data-dir <fresh temp dir> ...opts.args` and waits until it listens.
 *
 * Returns `{url, dataDir, stop(), kill9(), restart(), stderr()}`:
 * - `stop()`: SIGTERM (SIGKILL after 5 s), then removes the data folder;
 *   call it once, at the end (in `after`).
 * - `kill9()`: SIGKILL, as a crash would; the data folder stays.
 * - `restart()`: starts a new process on the same data folder (a new free
 *   port: `url` changes and is returned); stops the old process first, with
 *   SIGTERM, if it is still running.
 */
export async function startServer(opts = {}) {
  const { args = [], env = {}, startTimeoutMs = 60_000 } = opts;
  const checked = checkBuild();
  const bin = checked.bin;
  // `opts.pluginsDir`: a folder of components other than the bundled games.
  const plugins = opts.pluginsDir ?? checked.plugins;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-e2e-"));
  let current;
  try {
    current = await spawnServer({ bin, plugins, dataDir, args, env, startTimeoutMs });
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  const terminate = async (signal) => {
    const child = current.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (!(await waitExit(child, 5000))) {
      console.error(`gamehost (pid ${child.pid}) did not exit within 5 s of ${signal}: killing it`);
      child.kill("SIGKILL");
      await waitExit(child, 5000);
    }
  };

  const server = {
    url: current.url,
    dataDir,
    /** The server's process id. */
    get pid() {
      return current.child.pid;
    },
    /** The last lines the server wrote to stderr. */
    stderr() {
      return current.stderrTail.join("\n");
    },
    /** How many lines the server (this process of it) wrote to stderr. */
    stderrLineCount() {
      return current.stderrLines.count;
    },
    async stop() {
      await terminate("SIGTERM");
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async kill9() {
      await terminate("SIGKILL");
    },
    async restart() {
      await terminate("SIGTERM");
      current = await spawnServer({ bin, plugins, dataDir, args, env, startTimeoutMs });
      server.url = current.url;
      return server.url;
    },
  };
  return server;
}

/** A plain HTTP request to the server: `{status, body}` (JSON when it parses). */
export async function http(url, method, urlPath, body) {
  const res = await fetch(`${url}${urlPath}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

/** GET `urlPath`, expecting 200: the JSON body. */
export async function getJson(url, urlPath) {
  const { status, body } = await http(url, "GET", urlPath);
  if (status !== 200) {
    throw new Error(`GET ${urlPath} answered ${status}: ${JSON.stringify(body)}`);
  }
  return body;
}

/** A guest token from `POST /api/auth/guest`: `{token, userId, name, role}`. */
export async function guest(url, name) {
  const { status, body } = await http(url, "POST", "/api/auth/guest", { name });
  if (status !== 200 || typeof body !== "object" || typeof body?.token !== "string") {
    throw new Error(`POST /api/auth/guest {"name":${JSON.stringify(name)}} answered ${status}: ${JSON.stringify(body)}`);
  }
  return body;
}

/** Every socket opened by `connect`, for `disconnectAll`. */
const openSockets = new Set();

/**
 * A connected Socket.IO client for `token` (no `auth` at all when `token` is
 * null or undefined). Resolves once connected; rejects with the server's
 * `connect_error` message otherwise. Never reconnects by itself.
 *
 * The socket records everything it receives in `socket.received`, in order:
 * `{event, payload, args, at}` for every server event (via `onAny`) and
 * `{event: "ack:<name>", payload}` for every answer to `request`.
 */
export function connect(url, token, { transports = ["websocket"], extraHeaders, timeoutMs = TIMEOUT_MS } = {}) {
  const socket = io(url, {
    transports,
    ...(token === undefined || token === null ? {} : { auth: { token } }),
    ...(extraHeaders ? { extraHeaders } : {}),
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  socket.received = [];
  socket.waiters = new Set();
  socket.rateKey = token ?? extraHeaders?.Authorization ?? socket;
  socket.onAny((event, ...args) => record(socket, { event, payload: args[0], args, at: Date.now() }));
  socket.on("disconnect", (reason) => {
    for (const w of [...socket.waiters]) w.fail(new Error(`socket disconnected (${reason}) while waiting for ${w.what}`));
  });
  openSockets.add(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      socket.close();
      openSockets.delete(socket);
      reject(new Error(`no connect or connect_error within ${timeoutMs} ms (${transports.join(",")})`));
    }, timeoutMs + 500);
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (err) => {
      cleanup();
      socket.close();
      openSockets.delete(socket);
      const e = new Error(err.message);
      e.data = err.data;
      e.cause = err;
      reject(e);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
    };
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
    socket.connect();
  });
}

function record(socket, entry) {
  socket.received.push(entry);
  for (const w of [...socket.waiters]) w.check(entry);
}

/**
 * Closes every socket `connect` opened, and gives their close packets a
 * moment to reach the server (a long-polling client's close is a request of
 * its own; a server stopped before it arrives keeps the poll open).
 */
export async function disconnectAll() {
  const any = openSockets.size > 0;
  for (const socket of openSockets) socket.disconnect();
  openSockets.clear();
  if (any) await sleep(200);
}

// The server allows 10 events per second per user with a burst of 20
// (docs/protocol.md, RATE_LIMITED). The tests stay under that with a local
// token bucket per user (per token) of 15 events refilled at 9 per second,
// so that no test is refused for going too fast.
const BUCKET_SIZE = 15;
const BUCKET_RATE = 9 / 1000; // events per ms
const buckets = new Map();

async function throttle(socket) {
  const key = socket.rateKey ?? socket;
  for (;;) {
    const now = Date.now();
    const b = buckets.get(key) ?? { tokens: BUCKET_SIZE, at: now };
    b.tokens = Math.min(BUCKET_SIZE, b.tokens + (now - b.at) * BUCKET_RATE);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    await sleep(Math.ceil((1 - b.tokens) / BUCKET_RATE));
  }
}

/** `socket.emit(event, payload)` without an acknowledgement (rate-limited like `request`). */
export async function send(socket, event, payload) {
  await throttle(socket);
  socket.emit(event, payload);
}

/**
 * `socket.timeout(5000).emitWithAck(event, payload)`, with a clear message on
 * timeout; the answer is recorded in `socket.received` as `ack:<event>`.
 */
export async function request(socket, event, payload) {
  await throttle(socket);
  let answer;
  try {
    answer = await socket.timeout(TIMEOUT_MS).emitWithAck(event, payload);
  } catch (err) {
    throw new Error(`no answer to ${event} ${JSON.stringify(payload)} within ${TIMEOUT_MS} ms (${err.message})`);
  }
  record(socket, { event: `ack:${event}`, payload: answer, args: [answer], at: Date.now() });
  return answer;
}

/** `request`, expecting `{ok: true, ...}`: the answer. */
export async function ok(socket, event, payload) {
  const answer = await request(socket, event, payload);
  if (!answer || answer.ok !== true) {
    throw new Error(`${event} ${JSON.stringify(payload)} was refused: ${JSON.stringify(answer)}`);
  }
  return answer;
}

/** The index of the next entry `socket` will record (for `waitFor`'s `since`). */
export function mark(socket) {
  return socket.received.length;
}

/**
 * The payload of the first `event` the socket received (from entry `since`
 * on, including those already recorded) for which `predicate` holds; waits up
 * to `timeoutMs` for it.
 */
export function waitFor(socket, event, predicate = () => true, timeoutMs = TIMEOUT_MS, { since = 0 } = {}) {
  const matches = (entry) => entry.event === event && predicate(entry.payload);
  for (let i = since; i < socket.received.length; i++) {
    if (matches(socket.received[i])) return Promise.resolve(socket.received[i].payload);
  }
  const what = `"${event}"${predicate.toString() === "() => true" ? "" : ` matching ${predicate}`}`;
  return new Promise((resolve, reject) => {
    const waiter = {
      what,
      check(entry) {
        if (matches(entry)) {
          done();
          resolve(entry.payload);
        }
      },
      fail(err) {
        done();
        reject(err);
      },
    };
    const timer = setTimeout(() => {
      done();
      const seen = socket.received
        .filter((e) => e.event === event)
        .slice(-5)
        .map((e) => JSON.stringify(e.payload).slice(0, 400));
      const names = [...new Set(socket.received.map((e) => e.event))];
      reject(
        new Error(
          `no ${what} within ${timeoutMs} ms; last "${event}" payloads: ${seen.length ? seen.join(" | ") : "none"}; events seen: ${names.join(", ") || "none"}`,
        ),
      );
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      socket.waiters.delete(waiter);
    };
    socket.waiters.add(waiter);
  });
}

/** Every recorded payload of `event`, in order. */
export function payloads(socket, event) {
  return socket.received.filter((e) => e.event === event).map((e) => e.payload);
}

/** Resolves after `ms`. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A legal move as the snapshot lists it (a JSON text) turned into the move value. */
export function parseMove(text) {
  if (typeof text !== "string") {
    throw new Error(`legalMoves entries are JSON texts, got ${JSON.stringify(text)}`);
  }
  return JSON.parse(text);
}

/** A small seeded PRNG (mulberry32), so a failing random game can be replayed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A guest per name, each with a connected socket:
 * `[{token, userId, name, socket}]`. `transports` is one list for all, or one
 * per player.
 */
export async function players(url, names, transports = ["websocket"]) {
  const out = [];
  for (const [i, name] of names.entries()) {
    const g = await guest(url, name);
    const t = Array.isArray(transports[0]) ? transports[i % transports.length] : transports;
    const socket = await connect(url, g.token, { transports: t });
    out.push({ ...g, socket });
  }
  return out;
}

/**
 * `game:create` by `creator` then `game:join` by each of `joiners` (seats 1,
 * 2, ... in order): `{gameId, create, joins, started}` where `started` is
 * the creator's `game:started` snapshot.
 */
export async function startGame(creator, joiners, createPayload) {
  const since = mark(creator.socket);
  const create = await ok(creator.socket, "game:create", createPayload);
  const gameId = create.gameId;
  assert.equal(typeof gameId, "string", `game:create answers a gameId: ${JSON.stringify(create)}`);
  creator.seat = 0;
  const joins = [];
  for (const [i, j] of joiners.entries()) {
    const join = await ok(j.socket, "game:join", { gameId });
    assert.equal(join.gameId, gameId);
    assert.equal(join.seat, i + 1, "joiners take the free seats in order");
    j.seat = join.seat;
    joins.push(join);
  }
  const started = await waitFor(creator.socket, "game:started", (p) => p?.gameId === gameId, TIMEOUT_MS, { since });
  return { gameId, create, joins, started };
}

/** `game:move`, expecting `{ok: true, gameId, version}`: the answer. */
export function move(player, gameId, mv, version) {
  return ok(player.socket, "game:move", version === undefined ? { gameId, move: mv } : { gameId, move: mv, version });
}

/**
 * Plays `moves` (`[[player, move], ...]`, each player with its `seat`) in
 * order. Checks that every answer is `{ok: true, gameId, version}` with a
 * growing version and that every socket of `watchers` receives the
 * `game:move-made` of that version (with `move` only for the mover).
 * Returns the versions, in order.
 */
export async function playMoves(gameId, moves, watchers, lastVersion = -1) {
  const versions = [];
  for (const [player, mv] of moves) {
    const since = watchers.map((w) => mark(w.socket));
    const answer = await move(player, gameId, mv);
    assert.equal(answer.gameId, gameId);
    assert.equal(typeof answer.version, "number", `the answer carries the version: ${JSON.stringify(answer)}`);
    assert.ok(answer.version > lastVersion, `versions grow: ${answer.version} after ${lastVersion}`);
    lastVersion = answer.version;
    versions.push(answer.version);
    for (const [i, w] of watchers.entries()) {
      const made = await waitFor(
        w.socket,
        "game:move-made",
        (p) => p?.gameId === gameId && p.version === answer.version,
        TIMEOUT_MS,
        { since: since[i] },
      );
      assert.equal(made.seat, player.seat, "move-made names the mover's seat");
      assert.equal(made.userId, player.userId, "move-made names the mover");
      assert.ok(Array.isArray(made.events), "move-made carries the move's events");
      assert.ok(made.view !== undefined && made.view !== null, "move-made carries the receiver's view");
      assert.equal(typeof made.phase?.kind, "string", "move-made carries the phase");
      assert.ok(Array.isArray(made.toMove), "move-made carries toMove");
      assert.ok(Array.isArray(made.legalMoves), "move-made carries legalMoves");
      assert.ok("clocks" in made, "move-made carries clocks (null without a time control)");
      if (w === player) {
        assert.ok("move" in made, "the mover's move-made carries its move");
        const sent = made.move;
        assert.ok(
          JSON.stringify(sent) === JSON.stringify(mv) || sent === JSON.stringify(mv),
          `the mover's move-made carries the move it made: ${JSON.stringify(sent)} vs ${JSON.stringify(mv)}`,
        );
      } else {
        assert.ok(made.move === undefined || made.move === null, `only the mover gets "move": ${JSON.stringify(made.move)}`);
      }
    }
  }
  return versions;
}

/** Fool's mate: black mates on the fourth move. */
export const FOOLS_MATE = ["f2f3", "e7e5", "g2g4", "d8h4"];

/** A component built by `cargo xtask plugins`: `group` is plugins or fixtures. */
export function componentPath(group, name) {
  const file = path.join(targetDir(), group, `${name}.wasm`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${BUILD_HINT}`);
  return file;
}

/**
 * Runs the `gamehost` binary with `args` to completion:
 * `{code, stdout, stderr}`. Never throws on a non-zero exit.
 */
export function runGamehost(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(gamehostBin(), args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", (err) => reject(new Error(`cannot run ${gamehostBin()}: ${err.message} (${BUILD_HINT})`)));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A token signed with `server`'s secret, minted by `gamehost token` on its
 * data folder: `{token, userId, name, role}`.
 */
export async function mintToken(server, { name, role = "player", userId, secret } = {}) {
  const args = ["token", "--name", name, "--role", role, "--data-dir", server.dataDir];
  if (userId) args.push("--user-id", userId);
  // A cluster's nodes share a secret given on the command line.
  if (secret) args.push("--token-secret", secret);
  const { code, stdout, stderr } = await runGamehost(args);
  if (code !== 0) throw new Error(`gamehost token failed (${code}): ${stderr}`);
  const token = stdout.trim();
  const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  return { token, userId: claims.sub, name, role };
}

/**
 * A request with `Authorization: Bearer <token>` (none when `token` is
 * null): `{status, body}`. A Buffer body is sent as application/wasm,
 * anything else as JSON.
 */
export async function authed(url, token, method, urlPath, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (Buffer.isBuffer(body)) {
    headers["content-type"] = "application/wasm";
    payload = body;
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${url}${urlPath}`, { method, headers, body: payload, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

/** Waits until `check()` resolves truthy (polling every 50 ms): its value. */
export async function eventually(what, check, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}
