// Lobby rooms that end: 600 games played through rooms leave the lobby
// empty and the 601st room is created (the 500-room cap counts open rooms
// only); a member whose sockets all closed leaves the room after the
// reconnection window; per-user room and option-size caps; leaving the
// quick-play queue by cancel, by lobby:leave and by staying away.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { disconnectAll, eventually, mark, ok, payloads, request, sleep, startServer, TIMEOUT_MS, waitFor } from "./harness.mjs";
import { person } from "./delivery.mjs";

const GRACE_MS = 2000;

/** An acknowledged request without the harness's pacing (the server's budget is raised here). */
async function fast(socket, event, payload) {
  const answer = await socket.timeout(TIMEOUT_MS).emitWithAck(event, payload);
  if (!answer?.ok) throw new Error(`${event} ${JSON.stringify(payload)} was refused: ${JSON.stringify(answer)}`);
  return answer;
}

describe("the lobby room lifecycle", () => {
  let server;
  let configDir;

  before(async () => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-lobby-"));
    const config = path.join(configDir, "gamehost.toml");
    // A budget large enough for one client to play hundreds of games quickly.
    fs.writeFileSync(config, "[rate_limit]\nper_second = 5000\nburst = 5000\ndisconnect_after = 100000\n");
    server = await startServer({ args: ["--config", config, "--reconnect-grace-ms", String(GRACE_MS)] });
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  it("600 games played through rooms leave no open room, and the 601st room is created", async () => {
    const watcher = await person(server.url, "Watcher");
    await ok(watcher.socket, "lobby:join", { gameType: "tic-tac-toe" });
    const pairs = [];
    for (let i = 0; i < 4; i++) pairs.push([await person(server.url, `Host ${i}`), await person(server.url, `Guest ${i}`)]);
    const started = new Set();
    await Promise.all(
      pairs.map(async ([host, guest]) => {
        for (let n = 0; n < 150; n++) {
          const { roomId } = await fast(host.socket, "lobby:create-room", { gameType: "tic-tac-toe", name: `${host.name} #${n}` });
          await fast(guest.socket, "lobby:join-room", { roomId });
          await fast(host.socket, "lobby:ready", { roomId });
          const { gameId } = await fast(guest.socket, "lobby:ready", { roomId });
          assert.equal(typeof gameId, "string");
          started.add(gameId);
          await fast(host.socket, "game:resign", { gameId });
        }
      }),
    );
    assert.equal(started.size, 600);

    const listed = await ok(watcher.socket, "lobby:join", { gameType: "tic-tac-toe" });
    assert.deepEqual(listed.rooms, [], "every room closed when its game started");
    // The watcher heard every change; the last list it heard is empty.
    await eventually("the last lobby:rooms is empty", () => payloads(watcher.socket, "lobby:rooms").at(-1)?.rooms.length === 0);
    assert.ok(payloads(watcher.socket, "lobby:rooms").length >= 600, "rooms opening and closing were announced");

    const one = await ok(pairs[0][0].socket, "lobby:create-room", { gameType: "tic-tac-toe", name: "The 601st" });
    assert.equal(one.room.name, "The 601st");
    await ok(pairs[0][0].socket, "lobby:leave-room", { roomId: one.roomId });
  });

  it("a user owns at most three open rooms, and room options are capped at 16 KiB", async () => {
    const uma = await person(server.url, "Uma");
    const rooms = [];
    for (let i = 0; i < 3; i++) rooms.push((await ok(uma.socket, "lobby:create-room", { gameType: "chess", name: `Uma ${i}` })).roomId);
    const fourth = await request(uma.socket, "lobby:create-room", { gameType: "chess", name: "Uma 3" });
    assert.equal(fourth?.error?.code, "LIMIT_REACHED", JSON.stringify(fourth));
    // Closing one frees a place.
    await ok(uma.socket, "lobby:leave-room", { roomId: rooms[0] });
    await ok(uma.socket, "lobby:create-room", { gameType: "chess", name: "Uma 3" });

    const vic = await person(server.url, "Vic");
    const big = await request(vic.socket, "lobby:create-room", {
      gameType: "tic-tac-toe",
      name: "Big",
      options: { filler: "x".repeat(17 * 1024) },
    });
    assert.equal(big?.error?.code, "PAYLOAD_TOO_LARGE", JSON.stringify(big));
    const listed = await ok(vic.socket, "lobby:join", { gameType: "tic-tac-toe" });
    assert.ok(!listed.rooms.some((r) => r.name === "Big"), "nothing was created");

    const notMine = await request(vic.socket, "lobby:leave-room", { roomId: rooms[1] });
    assert.equal(notMine?.error?.code, "NOT_IN_ROOM", JSON.stringify(notMine));
    const notReady = await request(vic.socket, "lobby:ready", { roomId: rooms[1] });
    assert.equal(notReady?.error?.code, "NOT_IN_ROOM", JSON.stringify(notReady));
  });

  it("a member whose last socket closed leaves the room after the reconnection window", async () => {
    const wes = await person(server.url, "Wes");
    const xan = await person(server.url, "Xan");
    const { roomId } = await ok(wes.socket, "lobby:create-room", { gameType: "connect-four", name: "Wes's" });
    await ok(xan.socket, "lobby:join-room", { roomId });
    const since = mark(wes.socket);
    const closedAt = Date.now();
    xan.socket.disconnect();
    const updated = await waitFor(
      wes.socket,
      "lobby:room-updated",
      (r) => r.roomId === roomId && !r.members.some((m) => m.userId === xan.userId),
      GRACE_MS + 5000,
      { since },
    );
    assert.ok(Date.now() - closedAt >= GRACE_MS - 100, "not before the window ended");
    assert.deepEqual(updated.members.map((m) => m.name), ["Wes"]);

    // The last member leaving deletes the room.
    const watcher = await person(server.url, "Yul");
    const listed = await ok(watcher.socket, "lobby:join", { gameType: "connect-four" });
    assert.ok(listed.rooms.some((r) => r.roomId === roomId));
    await ok(wes.socket, "lobby:leave-room", { roomId });
    await waitFor(watcher.socket, "lobby:rooms", (l) => l.gameType === "connect-four" && !l.rooms.some((r) => r.roomId === roomId));
    const gone = await request(watcher.socket, "lobby:join-room", { roomId });
    assert.equal(gone?.error?.code, "NOT_FOUND");
  });

  it("quick play is left by cancelling, by lobby:leave and by staying away past the window", async () => {
    const zed = await person(server.url, "Zed");
    const amy = await person(server.url, "Amy");
    const ben = await person(server.url, "Ben");
    const cal = await person(server.url, "Cal");

    assert.equal((await ok(zed.socket, "lobby:quick-play", { gameType: "connect-four" })).queued, true);
    assert.equal((await ok(zed.socket, "lobby:quick-play-cancel", { gameType: "connect-four" })).cancelled, true);
    // No payload at all (not even null) is a valid request.
    const again = await zed.socket.timeout(TIMEOUT_MS).emitWithAck("lobby:quick-play-cancel");
    assert.equal(again?.ok, true, JSON.stringify(again));
    assert.equal(again.cancelled, false, "nothing left to cancel");
    assert.equal((await ok(amy.socket, "lobby:quick-play", { gameType: "connect-four" })).queued, true, "Zed is no longer waiting");

    // lobby:leave without a payload leaves the queue too.
    const left = await amy.socket.timeout(TIMEOUT_MS).emitWithAck("lobby:leave");
    assert.equal(left.quickPlayCancelled, true);
    assert.equal((await ok(ben.socket, "lobby:quick-play", { gameType: "connect-four" })).queued, true, "Amy is no longer waiting");

    // Ben goes away for longer than the window.
    ben.socket.disconnect();
    await sleep(GRACE_MS + 1000);
    const alone = await ok(cal.socket, "lobby:quick-play", { gameType: "connect-four" });
    assert.equal(alone.queued, true, `Ben left the queue with his last socket: ${JSON.stringify(alone)}`);
    await ok(cal.socket, "lobby:quick-play-cancel", {});
    for (const p of [zed, amy, cal]) assert.equal(payloads(p.socket, "lobby:matched").length, 0, `${p.name} was never matched`);
  });
});
