// Plugin versions on a running host, through the admin API, the
// `gamehost plugin` CLI and the /admin namespace: hot-swapping a game's
// rules under load, rolling back, refusing broken components, a breaker
// tripping on a release that fails in production, and what a restart keeps.
//
// The game is the `countdown` release fixtures: 1.0.0 counts down from ten,
// 2.0.0 from twelve (so a game's view shows its version), 3.0.0 traps when
// created with `{"fragile": true}`.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  authed,
  componentPath,
  connect,
  disconnectAll,
  getJson,
  mintToken,
  move,
  ok,
  payloads,
  players,
  request,
  runGamehost,
  sleep,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

const RELEASE = {
  v1: componentPath("fixtures", "countdown-1"),
  v2: componentPath("fixtures", "countdown-2"),
  v3: componentPath("fixtures", "countdown-3-fragile"),
};

/** `gamehost plugin <args> --server <url> --token <admin>`. */
function pluginCli(server, admin, args) {
  return runGamehost(["plugin", ...args, "--server", server.url, "--token", admin.token]);
}

async function cliOk(server, admin, args) {
  const run = await pluginCli(server, admin, args);
  assert.equal(run.code, 0, `gamehost plugin ${args.join(" ")} failed: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

/** Plays `countdown` by taking one at a time until `stopAt` is left. */
async function takeOnes(players, gameId, left, stopAt, pauseMs) {
  let turn = (10 - left) % 2;
  while (left > stopAt) {
    await move(players[turn], gameId, 1);
    left -= 1;
    turn = 1 - turn;
    if (pauseMs) await sleep(pauseMs);
  }
  return left;
}

/** The versions of `countdown`, as the admin API lists them, by number. */
async function countdownVersions(server, admin) {
  const { status, body } = await authed(server.url, admin.token, "GET", "/api/admin/plugins");
  assert.equal(status, 200, JSON.stringify(body));
  const game = body.games.find((g) => g.gameId === "countdown");
  return { active: game?.active, byNumber: Object.fromEntries((game?.versions ?? []).map((v) => [v.version, v])) };
}

describe("plugin versions on a running host", () => {
  let server;
  let dir;
  let admin;
  let adminSocket;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-versions-"));
    fs.copyFileSync(RELEASE.v1, path.join(dir, "countdown.wasm"));
    const config = path.join(dir, "gamehost.toml");
    fs.writeFileSync(config, "[plugin]\nbreaker_min_calls = 4\nbreaker_failure_ratio = 0.5\n");
    server = await startServer({ pluginsDir: dir, args: ["--config", config] });
    admin = await mintToken(server, { name: "Root", role: "admin", userId: "root" });
    adminSocket = await connect(`${server.url}/admin`, admin.token);
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("every admin endpoint refuses a missing, a forged and a player's token", async () => {
    const player = await mintToken(server, { name: "Pat" });
    const forged = `${player.token.slice(0, -4)}AAAA`;
    const routes = [
      ["GET", "/api/admin/plugins"],
      ["POST", "/api/admin/plugins"],
      ["POST", "/api/admin/plugins/countdown/activate"],
      ["POST", "/api/admin/plugins/countdown/rollback"],
      ["GET", "/api/admin/games"],
      ["GET", "/api/admin/games/x"],
      ["POST", "/api/admin/games/x/abort"],
      ["GET", "/api/admin/users"],
      ["POST", "/api/admin/users/x/kick"],
      ["POST", "/api/admin/users/x/ban"],
      ["DELETE", "/api/admin/users/x/ban"],
      ["GET", "/api/admin/bans"],
      ["POST", "/api/admin/announcements"],
      ["GET", "/api/admin/audit"],
    ];
    for (const [method, route] of routes) {
      const none = await authed(server.url, null, method, route);
      assert.equal(none.status, 401, `${method} ${route} without a token: ${JSON.stringify(none.body)}`);
      assert.equal(none.body.error.code, "UNAUTHORIZED");
      const bad = await authed(server.url, forged, method, route);
      assert.equal(bad.status, 401, `${method} ${route} with a forged token`);
      const denied = await authed(server.url, player.token, method, route);
      assert.equal(denied.status, 403, `${method} ${route} with a player's token: ${JSON.stringify(denied.body)}`);
      assert.equal(denied.body.error.code, "FORBIDDEN");
    }
    await assert.rejects(connect(`${server.url}/admin`, player.token), /forbidden/);
    await assert.rejects(connect(`${server.url}/admin`, null), /no token/);
    // The CLI says why.
    const run = await runGamehost(["plugin", "list", "--server", server.url, "--token", player.token]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /403 Forbidden FORBIDDEN/);
  });

  it("activating 2.0.0 under load: games in progress finish on 1.0.0, new ones start on 2.0.0, nobody is dropped", async () => {
    const tables = [];
    for (let i = 0; i < 4; i++) {
      const seats = await players(server.url, [`A${i}`, `B${i}`]);
      const { gameId, started } = await startGame(seats[0], [seats[1]], { gameType: "countdown" });
      assert.equal(started.pluginVersion, "1.0.0");
      assert.equal(started.view.left, 10);
      tables.push({ seats, gameId });
    }
    const everyone = tables.flatMap((t) => t.seats);
    const drops = [];
    for (const p of everyone) p.socket.on("disconnect", (reason) => drops.push(`${p.name}: ${reason}`));

    // Every game moves while the new version is published and activated;
    // none may finish before the activation is done.
    let activated;
    const activation = new Promise((resolve) => (activated = resolve));
    const underway = [];
    const games = tables.map(async ({ seats, gameId }, i) => {
      const twoDone = takeOnes(seats, gameId, 10, 8, 0);
      underway.push(twoDone);
      await twoDone;
      const left = await takeOnes(seats, gameId, 8, 2, 40 + 10 * i);
      await activation;
      await takeOnes(seats, gameId, left, 0, 0);
    });
    await Promise.all(underway);
    const published = await cliOk(server, admin, ["publish", RELEASE.v2]);
    assert.match(published, /^published countdown 2\.0\.0 \([0-9a-f]{12}\)\n$/);
    const listed = await cliOk(server, admin, ["activate", "countdown", "2.0.0"]);
    assert.match(listed, /countdown 2\.0\.0 is active/);
    const during = await countdownVersions(server, admin);
    activated();
    await Promise.all(games);

    assert.equal(during.active, "2.0.0");
    assert.equal(during.byNumber["1.0.0"].state, "pinned", JSON.stringify(during.byNumber["1.0.0"]));
    assert.ok(during.byNumber["1.0.0"].pinnedBy >= 1);
    for (const { gameId } of tables) {
      const record = await getJson(server.url, `/api/games/${gameId}`);
      assert.equal(record.status, "finished");
      assert.equal(record.pluginVersion, "1.0.0", "a game keeps the version it started with");
      assert.equal(record.moves.length, 10, "ten moves: it counted down from ten");
    }
    const [c, d] = await players(server.url, ["C", "D"]);
    const fresh = await startGame(c, [d], { gameType: "countdown" });
    assert.equal(fresh.started.pluginVersion, "2.0.0");
    assert.equal(fresh.started.view.left, 12);

    assert.deepEqual(drops, [], "no client was disconnected");
    for (const p of everyone) {
      assert.ok(p.socket.connected);
      assert.deepEqual(payloads(p.socket, "error"), [], `${p.name} got no error`);
    }
    // The admins' event stream shows it all, in order.
    const events = adminSocket.received.map((e) => e.event);
    const uploaded = events.indexOf("plugin:uploaded");
    const activatedAt = events.indexOf("plugin:activated");
    assert.ok(uploaded >= 0 && activatedAt > uploaded, events.join(", "));
    const activatedEvent = adminSocket.received[activatedAt].payload;
    assert.equal(activatedEvent.version, "2.0.0");
    assert.equal(activatedEvent.by, "root");
    const endedAfter = adminSocket.received.slice(activatedAt).filter((e) => e.event === "game:ended");
    assert.ok(endedAfter.length >= 1, "games ended after the activation");
    for (const e of endedAfter) assert.equal(e.payload.pluginVersion, "1.0.0");
    await waitFor(adminSocket, "game:started", (p) => p.gameId === fresh.gameId && p.pluginVersion === "2.0.0");

    const list = await cliOk(server, admin, ["list"]);
    assert.match(list, /countdown\s+2\.0\.0\s+active/);
    assert.match(list, /countdown\s+1\.0\.0\s+retired/);
  });

  it("rollback restores the previous version for new games", async () => {
    const out = await cliOk(server, admin, ["rollback", "countdown"]);
    assert.match(out, /countdown rolled back to 1\.0\.0/);
    const event = await waitFor(adminSocket, "plugin:rolled-back");
    assert.equal(event.version, "1.0.0");
    assert.equal(event.from, "2.0.0");
    const [a, b] = await players(server.url, ["E", "F"]);
    const { started } = await startGame(a, [b], { gameType: "countdown" });
    assert.equal(started.pluginVersion, "1.0.0");
    assert.equal(started.view.left, 10);
    // Nothing earlier to go back to.
    const again = await pluginCli(server, admin, ["rollback", "countdown"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no earlier version to roll back to/);
  });

  it("a broken component is refused at upload with the suite's reasons", async () => {
    const cli = await pluginCli(server, admin, ["publish", componentPath("fixtures", "loops-forever")]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /422 Unprocessable Entity PLUGIN_REJECTED: the component failed conformance: .*deadline/);
    const api = await authed(server.url, admin.token, "POST", "/api/admin/plugins", fs.readFileSync(componentPath("fixtures", "plays-after-end")));
    assert.equal(api.status, 422);
    assert.ok(api.body.error.checks.some((c) => c.startsWith("after-the-end")), JSON.stringify(api.body));
    // Hidden information that leaks is refused like a crash, naming the
    // view, the secret and the seed that replays it.
    const leaky = await authed(server.url, admin.token, "POST", "/api/admin/plugins", fs.readFileSync(componentPath("fixtures", "leaks-to-spectators")));
    assert.equal(leaky.status, 422, JSON.stringify(leaky.body));
    const leak = leaky.body.error.checks.find((c) => c.startsWith("hidden-info"));
    assert.match(leak ?? "", /view\(spectator\) equals the omniscient view.*\(seed \d+\)$/, JSON.stringify(leaky.body));
    const garbage = await authed(server.url, admin.token, "POST", "/api/admin/plugins", Buffer.from("not a component"));
    assert.equal(garbage.status, 422);
    assert.match(garbage.body.error.message, /component/);
    // The same version number with other bytes is a conflict.
    const altered = Buffer.concat([fs.readFileSync(RELEASE.v2), Buffer.from([0, 6, 5, 0x6e, 0x6f, 0x74, 0x65, 0x21])]);
    const conflict = await authed(server.url, admin.token, "POST", "/api/admin/plugins", altered);
    assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
    assert.match(conflict.body.error.message, /already published/);
    const { byNumber } = await countdownVersions(server, admin);
    assert.deepEqual(Object.keys(byNumber).sort(), ["1.0.0", "2.0.0"], "nothing was stored");
  });

  it("a release that fails at runtime trips its breaker; new games go to the previous version", async () => {
    const watcher = await connect(server.url, admin.token);
    const out = await cliOk(server, admin, ["publish", "--activate", RELEASE.v3]);
    assert.match(out, /published countdown 3\.0\.0 .*, active/);
    const [a] = await players(server.url, ["G"]);
    for (let i = 0; i < 4; i++) {
      const failed = await request(a.socket, "game:create", { gameType: "countdown", options: { fragile: true } });
      assert.equal(failed.error?.code, "PLUGIN_FAILURE", JSON.stringify(failed));
    }
    const tripped = await waitFor(adminSocket, "plugin:tripped");
    assert.equal(tripped.version, "3.0.0");
    assert.equal(tripped.nowActive, "1.0.0");
    assert.ok(tripped.failures >= 2, JSON.stringify(tripped));
    // Admins on the main namespace are told too (the role:admin room).
    await waitFor(watcher, "plugin:tripped", (p) => p.version === "3.0.0");
    const { active, byNumber } = await countdownVersions(server, admin);
    assert.equal(active, "1.0.0");
    assert.equal(byNumber["3.0.0"].state, "tripped");
    const created = await ok(a.socket, "game:create", { gameType: "countdown", options: {} });
    assert.equal(created.game.pluginVersion, "1.0.0");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /gamehost_plugin_breaker_trips_total\{game="countdown",version="3\.0\.0"\} 1/);
    assert.match(metrics, /gamehost_plugin_faults_total\{game="countdown",kind="trap",version="3\.0\.0"\} [4-9]/);
  });

  it("a restart keeps the uploaded versions, the active choice and the pins", async () => {
    const [a, b] = await players(server.url, ["H", "I"]);
    const { gameId } = await startGame(a, [b], { gameType: "countdown" });
    await move(a, gameId, 1);
    await cliOk(server, admin, ["activate", "countdown", "2.0.0"]);
    await disconnectAll();
    await server.restart();

    const { active, byNumber } = await countdownVersions(server, admin);
    assert.equal(active, "2.0.0");
    assert.deepEqual(Object.keys(byNumber).sort(), ["1.0.0", "2.0.0", "3.0.0"]);
    assert.equal(byNumber["3.0.0"].state, "tripped");
    assert.equal(byNumber["2.0.0"].uploader, "root");
    assert.ok(byNumber["1.0.0"].pinnedBy >= 1, JSON.stringify(byNumber["1.0.0"]));
    // The pinned game goes on on 1.0.0 after the restart.
    const [a2, b2] = [
      { ...a, socket: await connect(server.url, a.token) },
      { ...b, socket: await connect(server.url, b.token) },
    ];
    const answer = await move(b2, gameId, 1);
    assert.ok(answer.version > 0);
    const record = await getJson(server.url, `/api/games/${gameId}`);
    assert.equal(record.pluginVersion, "1.0.0");
    assert.equal(record.view.left, 8);
    const fresh = await ok(a2.socket, "game:create", { gameType: "countdown" });
    assert.equal(fresh.game.pluginVersion, "2.0.0");
    assert.equal(fresh.game.view.left, 12);
  });
});
