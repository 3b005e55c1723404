// Browser fixtures: Debian's Chromium driven by playwright-core (never a
// downloaded browser), screenshots saved as test artifacts, and a TCP proxy
// whose connections a test can cut to drop a browser's link to the server.

import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { chromium } from "playwright-core";
import { REPO, targetDir } from "./harness.mjs";

/** Where Debian installs Chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The built browser client. */
export function webDist() {
  const dist = path.join(REPO, "web", "dist");
  if (!fs.existsSync(path.join(dist, "index.html"))) {
    throw new Error(`${dist} has no index.html: build the client with \`npm ci && npm run build\` in web/ (\`cargo xtask test\` does it)`);
  }
  return dist;
}

/** Headless Chromium, as the machine's closed network needs it. */
export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's Chromium with \`apt-get install chromium\` (\`cargo xtask test\` does it)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The folder screenshots go to: <target>/e2e-artifacts. */
export function artifactsDir() {
  const dir = path.join(targetDir(), "e2e-artifacts");
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Saves a full-page screenshot of `page` as `<name>.png` in the artifacts. */
export async function screenshot(page, name) {
  const file = path.join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A TCP proxy on a free loopback port to `target` (`http://127.0.0.1:PORT`):
 * `{url, cut(), restore(), close()}`. `cut()` drops every open connection
 * and refuses new ones until `restore()`, as a lost network would.
 */
export async function startProxy(target) {
  const { hostname, port } = new URL(target);
  const open = new Set();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    const pair = [client, upstream];
    for (const s of pair) {
      open.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        open.delete(s);
        for (const other of pair) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cut() {
      refusing = true;
      for (const s of open) s.destroy();
    },
    restore() {
      refusing = false;
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
