// The browser client in real headless Chromium against the real host: two
// players meet in the lobby and play tic-tac-toe and chess by clicking, a
// third watches, a dropped connection recovers by itself, an admin uploads
// and activates a plugin version from the admin page, and a game the client
// has never seen is played on the generic page. Every page is saved as a
// screenshot in <target>/e2e-artifacts.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { artifactsDir, launchBrowser, screenshot, startProxy, webDist } from "./browser.mjs";
import { authed, componentPath, connect, disconnectAll, guest as guestToken, mintToken, request, startServer } from "./harness.mjs";

const WAIT = { timeout: 10_000 };
const PHONE = { viewport: { width: 390, height: 844 } };
const DESKTOP = { viewport: { width: 1100, height: 900 } };

describe("the browser client", () => {
  let server;
  let browser;
  let proxy;
  const contexts = [];

  /** A new browser context on `url`, signed in as a guest called `name`. */
  async function guest(name, { url = server.url, view = DESKTOP } = {}) {
    const context = await browser.newContext(view);
    contexts.push(context);
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`[${name}] page error: ${e.message}`));
    await page.goto(url);
    await page.getByLabel("Your name").fill(name);
    await page.getByRole("button", { name: "Play as guest" }).click();
    await page.getByRole("heading", { name: `Hello, ${name}` }).waitFor(WAIT);
    await page.locator("#connection[data-state=connected]").waitFor(WAIT);
    return page;
  }

  async function openLobby(page, gameType) {
    await page.locator(`[data-game-type="${gameType}"] a`).click();
    await page.getByRole("heading", { name: /^Lobby:/ }).waitFor(WAIT);
  }

  /** Waits until `page` shows mark `text` in tic-tac-toe cell `i`. */
  const cellShows = (page, i, text) => page.locator(`.ttt button[data-cell="${i}"]`, { hasText: text }).waitFor(WAIT);

  before(async () => {
    server = await startServer({ args: ["--web-dir", webDist()] });
    browser = await launchBrowser();
    proxy = await startProxy(server.url);
    console.log(`screenshots in ${artifactsDir()}`);
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await proxy?.close();
    await disconnectAll();
    await server?.stop();
  });

  it("two players meet in the lobby and play tic-tac-toe to the end while a third watches", async () => {
    const ann = await guest("Ann", { view: PHONE });
    await screenshot(ann, "home");
    const bob = await guest("Bob");
    await openLobby(ann, "tic-tac-toe");
    await ann.getByLabel("Room name").fill("Ann's table");
    await ann.getByLabel("Password (optional)").fill("sesame");
    await ann.getByRole("button", { name: "Create room" }).click();
    await ann.getByRole("heading", { name: "Your room: Ann's table" }).waitFor(WAIT);
    await screenshot(ann, "lobby");

    await openLobby(bob, "tic-tac-toe");
    const room = bob.locator(`[data-room="Ann's table"]`);
    await room.waitFor(WAIT);
    await room.getByLabel("Password for Ann's table").fill("wrong");
    await room.getByRole("button", { name: "Join Ann's table" }).click();
    await bob.getByText("Wrong password for that room.").first().waitFor(WAIT);
    await room.getByLabel("Password for Ann's table").fill("sesame");
    await room.getByRole("button", { name: "Join Ann's table" }).click();
    await bob.getByRole("heading", { name: "Your room: Ann's table" }).waitFor(WAIT);
    await ann.getByText("Bob: not ready").waitFor(WAIT);
    await ann.getByRole("button", { name: "Ready", exact: true }).click();
    await bob.getByText("Ann: ready ✔").waitFor(WAIT);
    await bob.getByRole("button", { name: "Ready", exact: true }).click();
    await ann.waitForURL(/#\/game\//, WAIT);
    await bob.waitForURL(/#\/game\//, WAIT);
    const gameId = ann.url().split("#/game/")[1];

    // A third person finds the game in the live list and watches.
    const cat = await guest("Cat");
    const watch = cat.getByRole("link", { name: "Watch Ann vs Bob" });
    await watch.waitFor(WAIT);
    await watch.click();
    await cat.getByText("You are watching this game.").waitFor(WAIT);
    await ann.locator("[data-spectators='1']").waitFor(WAIT);
    assert.equal(cat.url().split("#/game/")[1], gameId);

    // X: 0, 1, 2 wins the top row; O: 3, 4.
    const plays = [[ann, 0, "X"], [bob, 3, "O"], [ann, 1, "X"], [bob, 4, "O"], [ann, 2, "X"]];
    for (const [page, cell, mark] of plays) {
      const button = page.locator(`.ttt button[data-cell="${cell}"]`);
      await assert.doesNotReject(button.click(WAIT), `cell ${cell} is clickable for its player`);
      for (const p of [ann, bob, cat]) await cellShows(p, cell, mark);
    }
    for (const p of [ann, bob, cat]) {
      await p.locator("[data-result]", { hasText: "Ann won" }).waitFor(WAIT);
    }
    assert.equal(await bob.locator(".ttt button:enabled").count(), 0, "no cell is playable after the end");
    assert.match(await ann.locator("[aria-label='Move list']").innerText(), /X at row 1, column 3/);
    await screenshot(ann, "tic-tac-toe-finished-phone");
    await screenshot(cat, "tic-tac-toe-spectator");
  });

  it("a short chess game by clicking, after quick play", async () => {
    const [white, black] = await Promise.all([guest("Wes"), guest("Bea")]);
    await openLobby(white, "chess");
    await white.getByRole("button", { name: "Quick play" }).click();
    await white.getByRole("button", { name: "Waiting for an opponent…" }).waitFor(WAIT);
    await openLobby(black, "chess");
    await black.getByRole("button", { name: "Quick play" }).click();
    await white.waitForURL(/#\/game\//, WAIT);
    await black.waitForURL(/#\/game\//, WAIT);

    const square = (page, name) => page.locator(`.chess button[data-square="${name}"]`);
    async function play(page, from, to, other) {
      await square(page, from).click(WAIT);
      // The legal targets of the picked piece are highlighted.
      await page.locator(`.chess button[data-square="${to}"].target`).waitFor(WAIT);
      await square(page, to).click();
      await other.locator(`.chess button[data-square="${to}"].last`).waitFor(WAIT);
    }
    await play(white, "f2", "f3", black);
    await screenshot(white, "chess-white");
    await play(black, "e7", "e5", white);
    await play(white, "g2", "g4", black);
    await play(black, "d8", "h4", white);
    for (const p of [white, black]) {
      await p.locator("[data-result]", { hasText: /Bea won — checkmate/i }).waitFor(WAIT);
    }
    assert.deepEqual(await white.locator("[aria-label='Move list'] li").allInnerTexts(), ["f2f3 e7e5", "g2g4 d8h4"]);
    await screenshot(black, "chess-checkmate-black");
  });

  it("a player's dropped connection comes back by itself and the board catches up", async () => {
    const dee = await guest("Dee", { url: proxy.url });
    const eve = await guest("Eve");
    await dee.locator(`[data-game-type="tic-tac-toe"] button`, { hasText: "New game" }).click();
    await dee.waitForURL(/#\/game\//, WAIT);
    const gameId = dee.url().split("#/game/")[1];
    await eve.getByLabel("Open a game by its id").fill(gameId);
    await eve.getByRole("button", { name: "Open game" }).click();
    await eve.getByRole("button", { name: "Take a seat" }).click();
    await dee.locator(".ttt button[data-cell='4']:enabled").waitFor(WAIT);
    await dee.locator(".ttt button[data-cell='4']").click();
    await cellShows(eve, 4, "X");

    proxy.cut();
    await dee.locator("#connection[data-state=reconnecting]").waitFor(WAIT);
    await screenshot(dee, "connection-lost");
    await eve.locator(".ttt button[data-cell='0']").click(WAIT);
    await cellShows(eve, 0, "O");
    assert.equal(await dee.locator(".ttt button[data-cell='0']").innerText(), "", "Dee cannot see the move while cut off");
    proxy.restore();
    await dee.locator("#connection[data-state=connected]").waitFor({ timeout: 15_000 });
    await cellShows(dee, 0, "O");
    // Dee's turn again, on the resynced board, without a reload.
    await dee.locator(".ttt button[data-cell='8']:enabled").waitFor(WAIT);
    await dee.locator(".ttt button[data-cell='8']").click();
    await cellShows(eve, 8, "X");
    await screenshot(dee, "connection-restored");
  });

  it("an admin publishes and activates a plugin version from the admin page; the generic page plays it", async () => {
    const admin = await mintToken(server, { name: "Root", role: "admin", userId: "root" });
    const context = await browser.newContext(DESKTOP);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel("Token").fill(admin.token);
    await page.getByRole("button", { name: "Sign in with token" }).click();
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("heading", { name: "Admin" }).waitFor(WAIT);

    await page.getByLabel("Component (.wasm)").setInputFiles(componentPath("fixtures", "countdown-1"));
    await page.getByRole("button", { name: "Upload" }).click();
    await page.locator("[data-plugin='countdown@1.0.0'][data-state=active]").waitFor(WAIT);
    await page.getByLabel("Component (.wasm)").setInputFiles(componentPath("fixtures", "countdown-2"));
    await page.getByRole("button", { name: "Upload" }).click();
    await page.locator("[data-plugin='countdown@2.0.0'][data-state=retired]").waitFor(WAIT);
    await page.getByRole("button", { name: "Activate countdown 2.0.0" }).click();
    await page.locator("[data-plugin='countdown@2.0.0'][data-state=active]").waitFor(WAIT);
    await page.getByText(/plugin:activated countdown 2\.0\.0/).waitFor(WAIT);
    // A refused upload is explained in words.
    await page.getByLabel("Component (.wasm)").setInputFiles(componentPath("fixtures", "plays-after-end"));
    await page.getByRole("button", { name: "Upload" }).click();
    await page.locator(".notice.error", { hasText: "The component was refused." }).waitFor(WAIT);
    await screenshot(page, "admin");

    // countdown is a game this client has never seen: the generic page.
    const [fay, gus] = await Promise.all([guest("Fay"), guest("Gus")]);
    await fay.locator(`[data-game-type="countdown"] button`, { hasText: "New game" }).click();
    await fay.waitForURL(/#\/game\//, WAIT);
    const gameId = fay.url().split("#/game/")[1];
    await gus.goto(`${server.url}/#/game/${gameId}`);
    await gus.getByRole("button", { name: "Take a seat" }).click();
    await fay.locator("pre.view", { hasText: '"left": 12' }).waitFor(WAIT);
    await fay.getByRole("button", { name: "Play 2" }).click();
    await gus.locator("pre.view", { hasText: '"left": 10' }).waitFor(WAIT);
    await gus.getByRole("button", { name: "Play 1" }).waitFor(WAIT);
    await screenshot(gus, "generic-game");
  });

  it("a player joins a tournament from the tournaments page, plays the game it is paired into, and the standings update", async () => {
    const admin = await mintToken(server, { name: "Arbiter", role: "admin" });
    const made = await authed(server.url, admin.token, "POST", "/api/admin/tournaments", {
      name: "Browser cup",
      gameType: "tic-tac-toe",
      format: { kind: "round-robin" },
      maxPlayers: 2,
      startWhenFull: true,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = made.body.tournamentId;
    const hal = await guest("Hal");
    const watcher = await guest("Ivy");
    await watcher.goto(`${server.url}/#/tournament/${id}`);
    await watcher.getByRole("heading", { name: "Browser cup" }).waitFor(WAIT);

    await hal.getByRole("link", { name: "Tournaments" }).click();
    const line = hal.locator(`[data-tournament-id="${id}"]`);
    await line.waitFor(WAIT);
    await line.getByRole("button", { name: "Join" }).click();
    await hal.getByRole("heading", { name: "Browser cup" }).waitFor(WAIT);
    await screenshot(hal, "tournament-registered");

    // The second player, a bot on a socket, plays 3 then 4.
    const botToken = await guestToken(server.url, "Jo");
    const bot = await connect(server.url, botToken.token);
    const play = (p) => {
      if (p?.status !== "active" || !p.legalMoves?.length) return;
      const moves = p.legalMoves.map((m) => JSON.parse(m));
      const mv = [3, 4, 5, 6, 7, 8].find((c) => moves.includes(c)) ?? moves[0];
      bot.emit("game:move", { gameId: p.gameId, move: mv });
    };
    for (const event of ["game:started", "game:move-made"]) bot.on(event, play);
    assert.equal((await request(bot, "tournament:join", { tournamentId: id })).ok, true);

    // Full: it starts, and Hal's game opens by itself.
    await hal.waitForURL(/#\/game\//, WAIT);
    for (const cell of [0, 1, 2]) {
      await hal.locator(`.ttt button[data-cell="${cell}"]:enabled`).click(WAIT);
      await cellShows(hal, cell, "X");
    }
    await hal.locator("[data-result]", { hasText: "Hal won" }).waitFor(WAIT);
    // The watcher's standings changed without a reload.
    await watcher.locator(`tr[data-user-id="${botToken.userId}"]`).waitFor(WAIT);
    await watcher.locator("[data-status=finished]").waitFor(WAIT);
    const halRow = watcher.locator("table.standings tbody tr").first();
    assert.match(await halRow.innerText(), /Hal/);
    assert.match(await halRow.locator("td.points").innerText(), /^1$/);
    await watcher.getByText("Winner: Hal").waitFor(WAIT);
    await screenshot(watcher, "tournament-standings");
  });
});
