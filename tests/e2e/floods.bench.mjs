// The flood benchmark: players' move latency with and without each kind of
// cheap hostile traffic, in one run, side by side. Not a test (nothing
// here asserts); it writes a report.
//
//   cargo build --release -p gamehost && cargo xtask plugins
//   node tests/e2e/floods.bench.mjs            # from the repository root
//
// The server (release build, its defaults except `exempt_loopback =
// false`, so the local floods meet the per-address limits a remote
// attacker meets; the players' tokens are minted with `gamehost token`)
// runs pinned to CPU 0, this generator to CPU 1. Set EXEMPT=1 to let the
// floods reach the host whole instead. GAMES games of two players
// each move every PACE_MS; each phase lasts PHASE_S seconds; the phases
// alternate a quiet baseline with one flood. The report (markdown) goes to
// target/bench/floods.md and to stdout.
//
// Environment: GAMEHOST_BIN (default target/release/gamehost), GAMES (10),
// PACE_MS (100), PHASE_S (10), ROUNDS (2).

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import WebSocket from "ws";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = process.env.GAMEHOST_BIN ?? path.join(REPO, "target/release/gamehost");
const GAMES = Number(process.env.GAMES ?? 10);
const PACE_MS = Number(process.env.PACE_MS ?? 100);
const PHASE_S = Number(process.env.PHASE_S ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
} catch {
  // not pinned: the figures are noisier
}

async function startServer() {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-floods-"));
  const config = path.join(data, "gamehost.toml");
  fs.writeFileSync(config, `[limits]\nexempt_loopback = ${process.env.EXEMPT === "1"}\n`);
  const args = ["serve", "--config", config, "--listen", "127.0.0.1:0", "--data-dir", data, "--plugins-dir", path.join(REPO, "target/plugins")];
  const child = spawn("taskset", ["-c", "0", BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GAMEHOST_LOG: "warn" } });
  child.stderr.resume();
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url, child, data };
}

/** A player token signed with the server's secret (no HTTP budget spent). */
function mint(data, name) {
  return execFileSync(BIN, ["token", "--name", name, "--data-dir", data]).toString().trim();
}

async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return res.json();
}

function socketFor(url, token) {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], auth: { token }, reconnection: false, forceNew: true });
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
}

/** Two players per game, moving in turn every PACE_MS; latency = emit to ack of game:move. */
async function startPlayers(url, data) {
  const samples = [];
  const games = [];
  for (let g = 0; g < GAMES; g++) {
    const a = mint(data, `A${g}`);
    const b = mint(data, `B${g}`);
    games.push({ sockets: [await socketFor(url, a), await socketFor(url, b)] });
  }
  let running = true;
  const order = [0, 4, 8, 1, 7, 6, 2, 5, 3]; // a draw
  const loops = games.map(async (game) => {
    while (running) {
      const created = await game.sockets[0].timeout(10_000).emitWithAck("game:create", { gameType: "tic-tac-toe" });
      await game.sockets[1].timeout(10_000).emitWithAck("game:join", { gameId: created.gameId });
      for (const [i, cell] of order.entries()) {
        if (!running) break;
        const started = performance.now();
        const answer = await game.sockets[i % 2].timeout(10_000).emitWithAck("game:move", { gameId: created.gameId, move: cell });
        if (answer?.ok) samples.push(performance.now() - started);
        await sleep(PACE_MS);
      }
    }
  });
  return {
    take() {
      return samples.splice(0, samples.length);
    },
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      for (const g of games) for (const s of g.sockets) s.close();
    },
    gameIdOf: async () => {
      const live = await (await fetch(`${url}/api/live-games`)).json();
      return live[0]?.gameId;
    },
  };
}

/**
 * Each flood: start() returns stop(). Their rates are those of the attacks
 * that were seen (about 200 reads a second, 100 guest tokens a second, 2,000
 * idle connections, a user sending 1,000 events a second): a generator on
 * its own core could always send more than one core can refuse.
 */
const FLOODS = {
  "HTTP reads of a played game (32 clients, about 200 requests/s)": (url, players) => {
    let on = true;
    const loops = Array.from({ length: 32 }, async () => {
      while (on) {
        const id = await players.gameIdOf().catch(() => undefined);
        for (let i = 0; i < 20 && on && id; i++) {
          await fetch(`${url}/api/games/${id}`).then((r) => r.arrayBuffer()).catch(() => {});
          await sleep(160);
        }
      }
    });
    return async () => {
      on = false;
      await Promise.allSettled(loops);
    };
  },
  "guest-token churn (16 clients, about 100 requests/s)": (url) => {
    let on = true;
    let n = 0;
    const loops = Array.from({ length: 16 }, async () => {
      while (on) {
        await post(`${url}/api/auth/guest`, { name: `Churn ${n++}` }).catch(() => {});
        await sleep(160);
      }
    });
    return async () => {
      on = false;
      await Promise.allSettled(loops);
    };
  },
  "2,000 unauthenticated websocket connections, each reopened a second after it is closed": (url) => {
    let on = true;
    const open = new Set();
    const one = () => {
      if (!on) return;
      const ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
      open.add(ws);
      ws.on("error", () => {});
      ws.on("close", () => {
        open.delete(ws);
        setTimeout(one, 1000);
      });
    };
    for (let i = 0; i < 2000; i++) one();
    return async () => {
      on = false;
      for (const ws of open) ws.terminate();
    };
  },
  "one user flooding events (1,000 a second of 10 KB; reconnecting when cut off)": async (url, _players, data) => {
    const token = mint(data, "Flood");
    let on = true;
    const big = { gameType: "x".repeat(10_000) };
    const loop = (async () => {
      while (on) {
        const s = await socketFor(url, token).catch(() => null);
        if (!s) {
          await sleep(50);
          continue;
        }
        while (on && s.connected) {
          for (let i = 0; i < 10; i++) s.emit("lobby:join", big);
          await sleep(10);
        }
        s.close();
      }
    })();
    return async () => {
      on = false;
      await loop;
    };
  },
};

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99) };
}

async function phase(players, seconds) {
  players.take();
  await sleep(seconds * 1000);
  return summary(players.take());
}

// `--flood N URL DATA`: run flood N against URL until killed (each flood
// runs in a process of its own, so that its work never delays the players'
// event loop and the figures measure the server alone).
if (process.argv[2] === "--flood") {
  const [, , , index, url, data] = process.argv;
  const flood = Object.values(FLOODS)[Number(index)];
  const gameIdOf = async () => (await (await fetch(`${url}/api/live-games`)).json())[0]?.gameId;
  await flood(url, { gameIdOf }, data);
  await new Promise(() => {});
}

/** Starts flood `index` in its own process: resolves to its stop(). */
async function floodProcess(index, url, data) {
  const child = spawn("taskset", ["-c", "1", process.execPath, fileURLToPath(import.meta.url), "--flood", String(index), url, data], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return async () => {
    child.kill("SIGKILL");
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", resolve)));
  };
}

const server = await startServer();
const players = await startPlayers(server.url, server.data);
await sleep(2000); // warm-up
const rows = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const [index, name] of Object.keys(FLOODS).entries()) {
    const quiet = await phase(players, PHASE_S);
    const stop = await floodProcess(index, server.url, server.data);
    await sleep(1000); // let it build up
    const loud = await phase(players, PHASE_S);
    await stop();
    await sleep(1000);
    rows.push({ round, name, quiet, loud });
    console.error(`${name}: quiet p50 ${quiet.p50?.toFixed(2)} p99 ${quiet.p99?.toFixed(2)} | flood p50 ${loud.p50?.toFixed(2)} p99 ${loud.p99?.toFixed(2)} (${loud.n} moves)`);
  }
}
await players.stop();
server.child.kill("SIGTERM");
fs.rmSync(server.data, { recursive: true, force: true });

const fmt = (v) => (Number.isFinite(v) ? v.toFixed(2) : "-");
const byName = {};
for (const r of rows) (byName[r.name] ??= []).push(r);
let report = `| flood | moves (quiet / flood) | p50 ms quiet | p50 ms flood | p99 ms quiet | p99 ms flood | p99 ratio |\n|---|---:|---:|---:|---:|---:|---:|\n`;
for (const [name, rs] of Object.entries(byName)) {
  // Medians over rounds.
  const med = (f) => {
    const v = rs.map(f).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  const q99 = med((r) => r.quiet.p99);
  const l99 = med((r) => r.loud.p99);
  report += `| ${name} | ${med((r) => r.quiet.n)} / ${med((r) => r.loud.n)} | ${fmt(med((r) => r.quiet.p50))} | ${fmt(med((r) => r.loud.p50))} | ${fmt(q99)} | ${fmt(l99)} | ${(l99 / q99).toFixed(2)}x |\n`;
}
const out = path.join(REPO, "target/bench");
fs.mkdirSync(out, { recursive: true });
const header = `Floods (${process.env.EXEMPT === "1" ? "loopback exempt" : "per-address limits on"}): ${GAMES} games moving every ${PACE_MS} ms, ${PHASE_S} s phases, ${ROUNDS} rounds (medians), ${new Date().toISOString()}\n\n`;
fs.writeFileSync(path.join(out, "floods.md"), header + report);
console.log(header + report);
process.exit(0);
