// The cluster's outside services, each on a free loopback port and
// stopped with the tests: Debian's redis-server, and the MongoDB-wire test
// server (PyPI's secantusdb, in the virtual environment `cargo xtask test`
// makes at .venv/secantus). A missing one fails the test and says how to
// install it.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { REPO, sleep } from "./harness.mjs";

const live = new Set();
process.on("exit", () => {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }
});

/** A free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, what, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before listening on ${port}`);
    const open = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A service process that can be stopped and started again on its port. */
function service(what, command, args, port) {
  let child = null;
  const self = {
    port,
    async start() {
      if (!fs.existsSync(command)) throw new Error(`${command} is missing: ${what === "redis" ? "install Redis 7 with `apt-get install redis-server`" : "install the MongoDB-wire test server with `python3 -m venv .venv/secantus && .venv/secantus/bin/pip install secantusdb==0.7.0b3`"} (\`cargo xtask test\` does it)`);
      child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
      live.add(child);
      child.once("exit", () => live.delete(child));
      try {
        await waitForPort(port, what, child);
      } catch (e) {
        throw new Error(`${e.message}\n${stderr}`);
      }
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  return self;
}

/** redis-server on a free port, without persistence: `{url, start, stop}`. */
export async function startRedis() {
  const port = await freePort();
  const redis = service("redis", "/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], port);
  await redis.start();
  redis.url = `redis://127.0.0.1:${port}`;
  return redis;
}

/**
 * The MongoDB-wire server on a free port, storing in a temp folder (so a
 * stop and start keeps the data): `{url, start, stop, remove}`.
 */
export async function startMongo() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-mongo-"));
  const bin = process.env.GAMEHOST_SECANTUSD ?? path.join(REPO, ".venv", "secantus", "bin", "secantusd-py");
  const mongo = service("mongodb", bin, ["--host", "127.0.0.1", "--port", String(port), "--storage-path", path.join(dir, "data"), "--sync-on-commit"], port);
  await mongo.start();
  mongo.url = `mongodb://127.0.0.1:${port}/gamehost`;
  mongo.remove = () => fs.rmSync(dir, { recursive: true, force: true });
  return mongo;
}
