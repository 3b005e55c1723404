// Tournaments end to end: bots (the official client) register, are paired
// by the server, play every game they are seated in, and the tournament
// reaches its final standings: a round-robin of 5, a knockout of 6 (byes),
// a 5-round Swiss of 9 with a draw and a no-show, a short arena, Liar's
// Dice tables, a restart of the host mid-round; and every refusal.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { authed, connect, disconnectAll, eventually, guest, mintToken, payloads, prng, request, runGamehost, startServer, waitFor } from "./harness.mjs";

/** A player that plays every game the server seats it in: a seeded pick of the listed legal moves. */
async function bot(url, name, { seed = 1, offerDraw = () => false, passive = false } = {}) {
  const g = await guest(url, name);
  // A passive bot takes its seats but does not move.
  // Games in `hold` are not moved in either (a draw is being offered there).
  const me = { ...g, name, games: new Set(), paired: [], passive, hold: new Set() };
  const random = prng(seed);
  const attach = (socket) => {
    const play = (p) => {
      if (me.passive || !p?.gameId || p.status !== "active" || !Array.isArray(p.legalMoves) || p.legalMoves.length === 0) return;
      if (me.hold.has(p.gameId)) {
        // On its own turn, so that no move of the opponent's withdraws the offer.
        socket.emit("game:offer-draw", { gameId: p.gameId });
        return;
      }
      const mv = JSON.parse(p.legalMoves[Math.floor(random() * p.legalMoves.length)]);
      socket.emit("game:move", { gameId: p.gameId, move: mv, version: p.version });
    };
    socket.on("game:started", (p) => {
      me.games.add(p.gameId);
      if (offerDraw(p.gameId, me)) me.hold.add(p.gameId);
    });
    socket.on("game:draw-offered", (p) => {
      if (p.userId !== me.userId) socket.emit("game:accept-draw", { gameId: p.gameId });
    });
    socket.on("tournament:paired", (p) => me.paired.push(p));
    for (const event of ["game:started", "game:state-update", "game:move-made"]) socket.on(event, play);
  };
  me.socket = await connect(url, g.token);
  attach(me.socket);
  me.reconnect = async (newUrl) => {
    me.socket = await connect(newUrl, g.token);
    attach(me.socket);
    return me.socket;
  };
  return me;
}

async function joinAll(bots, tournamentId, extra = {}) {
  for (const b of bots) {
    const answer = await request(b.socket, "tournament:join", { tournamentId, ...extra });
    assert.equal(answer?.ok, true, JSON.stringify(answer));
    assert.equal(answer.joined, true);
  }
}

/** Every pairing of a finished tournament: [round, [userIds], result]. */
function pairings(t) {
  return t.rounds.flatMap((r) => r.games.map((g) => ({ round: r.number, players: g.players.map((p) => p.userId), result: g.result, gameId: g.gameId })));
}

describe("tournaments", () => {
  let server;
  let admin;
  let configDir;

  const create = async (body) => {
    const res = await authed(server.url, admin.token, "POST", "/api/admin/tournaments", body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.tournamentId;
  };
  const start = async (id) => {
    const res = await authed(server.url, admin.token, "POST", `/api/admin/tournaments/${id}/start`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.tournament;
  };
  const get = async (id) => (await authed(server.url, null, "GET", `/api/tournaments/${id}`)).body;
  const finished = (id, ms = 60_000) => eventually(`tournament ${id} ends`, async () => ((await get(id)).status === "finished" ? get(id) : null), ms);

  before(async () => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), "gamehost-tournaments-"));
    const config = path.join(configDir, "gamehost.toml");
    fs.writeFileSync(
      config,
      "[rate_limit]\nper_second = 2000\nburst = 2000\ndisconnect_after = 100000\n\n[tournaments]\ntick_ms = 200\n",
    );
    server = await startServer({ args: ["--config", config, "--reconnect-grace-ms", "1500"] });
    admin = await mintToken(server, { name: "Arbiter", role: "admin" });
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  it("a round-robin of 5: everyone meets everyone once, one bye each, every listener hears it", async () => {
    const bots = [];
    for (let i = 0; i < 5; i++) bots.push(await bot(server.url, `RR ${i}`, { seed: 10 + i }));
    const watcher = await bot(server.url, "RR watcher");
    const id = await create({ name: "Round-robin of 5", gameType: "tic-tac-toe", format: { kind: "round-robin" }, maxPlayers: 5 });
    const spectated = await request(watcher.socket, "tournament:spectate", { tournamentId: id });
    assert.equal(spectated.ok, true);
    assert.equal(spectated.tournament.status, "registering");
    await joinAll(bots, id);
    // An announcement to the tournament reaches its players and watchers, nobody else.
    const outsider = await bot(server.url, "RR outsider");
    const said = await authed(server.url, admin.token, "POST", "/api/admin/announcements", { message: "Round 1 soon", target: { scope: "tournament", id } });
    assert.equal(said.status, 201, JSON.stringify(said.body));
    for (const b of [...bots, watcher]) {
      const a = await waitFor(b.socket, "announcement", (x) => x.message === "Round 1 soon");
      assert.deepEqual(a.target, { scope: "tournament", id });
    }
    assert.equal(payloads(outsider.socket, "announcement").length, 0);
    await start(id);
    const t = await finished(id);
    assert.equal(t.rounds.length, 5);
    const all = pairings(t);
    assert.equal(all.length, 10, "5 players: 10 games");
    const met = new Set(all.map((p) => [...p.players].sort().join("|")));
    assert.equal(met.size, 10, "every pair exactly once");
    for (const b of bots) {
      assert.equal(all.filter((p) => p.players.includes(b.userId)).length, 4, `${b.name} played 4`);
      assert.equal(t.rounds.filter((r) => r.byes.some((y) => y.userId === b.userId)).length, 1, `${b.name} had one bye`);
      assert.equal(b.paired.filter((p) => p.tournamentId === id).length, 4, `${b.name} heard tournament:paired 4 times`);
      for (const p of b.paired.filter((p) => p.tournamentId === id)) {
        assert.ok(p.opponent?.userId && p.opponent.userId !== b.userId, JSON.stringify(p));
        assert.ok(b.games.has(p.gameId), `${b.name} got game:started for ${p.gameId}`);
      }
      const ended = await waitFor(b.socket, "tournament:ended", (p) => p.tournamentId === id);
      assert.equal(ended.standings.length, 5);
    }
    const points = t.standings.reduce((s, l) => s + l.points, 0);
    assert.equal(points, 10 + 5, "10 games and 5 byes worth a point each");
    assert.deepEqual(t.standings.map((l) => l.rank), [1, 2, 3, 4, 5]);
    // The watcher followed the room: every round's start, standings, the end.
    await waitFor(watcher.socket, "tournament:ended", (p) => p.tournamentId === id);
    assert.equal(payloads(watcher.socket, "tournament:round-started").filter((p) => p.tournamentId === id).length, 5);
    assert.ok(payloads(watcher.socket, "tournament:standings").filter((p) => p.tournamentId === id).length >= 5);
    assert.ok(payloads(watcher.socket, "tournament:updated").some((p) => p.tournamentId === id && p.status === "running"));
    assert.equal(payloads(watcher.socket, "tournament:paired").length, 0, "pairings go to the players only");
  });

  it("a knockout of 6: byes to the top two seeds, one champion", async () => {
    const bots = [];
    for (let i = 0; i < 6; i++) bots.push(await bot(server.url, `KO ${i}`, { seed: 20 + i }));
    const id = await create({ name: "Knockout of 6", gameType: "tic-tac-toe", format: { kind: "knockout", draws: "higher-seed" }, maxPlayers: 6, startWhenFull: true });
    await joinAll(bots, id);
    const t = await finished(id);
    assert.equal(t.rounds.length, 3);
    const seeds = t.players.map((p) => p.userId);
    assert.deepEqual(t.rounds[0].byes.map((b) => b.userId), [seeds[0], seeds[1]], "seeds 1 and 2 skip round 1");
    assert.equal(t.rounds[0].games.length, 2);
    assert.equal(t.rounds[1].games.length, 2);
    assert.equal(t.rounds[2].games.length, 1, "one final");
    const final = t.rounds[2].games[0];
    const champion = final.result[0] > final.result[1] ? final.players[0] : final.result[1] > final.result[0] ? final.players[1] : [...final.players].sort((a, b) => seeds.indexOf(a.userId) - seeds.indexOf(b.userId))[0];
    assert.equal(t.winner.userId, champion.userId);
    assert.equal(t.standings[0].userId, champion.userId);
  });

  it("a 5-round Swiss of 9 with a draw and a no-show", async () => {
    const bots = [];
    let drawn = null;
    for (let i = 0; i < 9; i++) {
      bots.push(
        await bot(server.url, `SW ${i}`, {
          seed: 30 + i,
          // The top seed offers a draw in its first game (and stops moving there); its opponent accepts.
          offerDraw: (gameId) => {
            if (i !== 0 || drawn) return false;
            drawn = gameId;
            return true;
          },
        }),
      );
    }
    const id = await create({ name: "Swiss of 9", gameType: "tic-tac-toe", format: { kind: "swiss", rounds: 5 }, maxPlayers: 9, noShowMs: 5000 });
    await joinAll(bots, id);
    // The ninth player goes away before the start: a no-show in each game.
    const absent = bots[8];
    absent.socket.disconnect();
    await start(id);
    const t = await finished(id, 120_000);
    assert.equal(t.rounds.length, 5);
    const all = pairings(t);
    const met = all.map((p) => [...p.players].sort().join("|"));
    assert.equal(new Set(met).size, met.length, "no pairing repeats");
    const byes = t.rounds.flatMap((r) => r.byes.map((b) => b.userId));
    assert.equal(new Set(byes).size, byes.length, "at most one bye per player");
    assert.equal(byes.length, 5, "one bye a round with 9 players");
    const drawGame = all.find((p) => p.gameId === drawn);
    assert.deepEqual(drawGame?.result, [0.5, 0.5], "the agreed draw counts half a point each");
    const absentGames = all.filter((p) => p.players.includes(absent.userId));
    assert.ok(absentGames.length >= 4);
    for (const g of absentGames) {
      const mine = g.result[g.players.indexOf(absent.userId)];
      assert.equal(mine, 0, `the no-show lost ${g.gameId}`);
    }
    // Colour balance stays within 2.
    for (const b of bots) {
      const first = all.filter((p) => p.players[0] === b.userId).length;
      const second = all.filter((p) => p.players[1] === b.userId).length;
      assert.ok(Math.abs(first - second) <= 2, `${b.name}: ${first} first, ${second} second`);
    }
    // Standings: by points, then Buchholz.
    for (let i = 1; i < t.standings.length; i++) {
      const [a, b] = [t.standings[i - 1], t.standings[i]];
      assert.ok(a.points > b.points || (a.points === b.points && a.buchholz >= b.buchholz), JSON.stringify([a, b]));
    }
    assert.equal(t.standings.at(-1).userId, absent.userId, "the no-show is last");
  });

  it("a short arena: whoever is free is paired at once, never with the last opponent", async () => {
    const bots = [];
    for (let i = 0; i < 4; i++) bots.push(await bot(server.url, `AR ${i}`, { seed: 40 + i }));
    const id = await create({ name: "Arena", gameType: "tic-tac-toe", format: { kind: "arena", minutes: 1 }, maxPlayers: 4 });
    await joinAll(bots, id);
    await start(id);
    const t = await finished(id, 120_000);
    assert.equal(t.rounds.length, 1);
    const all = pairings(t);
    assert.ok(all.length >= 8, `many games in a minute: ${all.length}`);
    for (const b of bots) {
      const mine = all.filter((p) => p.players.includes(b.userId));
      for (let i = 1; i < mine.length; i++) {
        const prev = mine[i - 1].players.find((u) => u !== b.userId);
        const next = mine[i].players.find((u) => u !== b.userId);
        assert.notEqual(next, prev, `${b.name} met ${next} twice in a row`);
      }
      // Points as the arena counts them: 2 a win, 1 a draw, doubled on a streak after two wins.
      let points = 0;
      let streak = 0;
      for (const g of mine) {
        const half = g.result[g.players.indexOf(b.userId)] * 2;
        const base = half === 2 ? 2 : half === 1 ? 1 : 0;
        points += streak >= 2 ? base * 2 : base;
        streak = half === 2 ? streak + 1 : 0;
      }
      assert.equal(t.standings.find((l) => l.userId === b.userId).points, points, b.name);
    }
  });

  it("Liar's Dice tables of 3: players seated by points, points by placement", async () => {
    const bots = [];
    for (let i = 0; i < 6; i++) bots.push(await bot(server.url, `LD ${i}`, { seed: 50 + i }));
    const id = await create({ name: "Dice tables", gameType: "liars-dice", format: { kind: "tables", rounds: 2, seats: 3 }, maxPlayers: 6 });
    await joinAll(bots, id);
    await start(id);
    const t = await finished(id, 120_000);
    assert.equal(t.rounds.length, 2);
    for (const r of t.rounds) {
      assert.equal(r.games.length, 2, "two tables of three each round");
      for (const g of r.games) {
        assert.equal(g.players.length, 3);
        assert.equal(g.result.reduce((s, x) => s + x, 0), 3, "placement points 2 + 1 + 0");
      }
    }
    assert.equal(t.standings.reduce((s, l) => s + l.points, 0), 12);
  });

  it("a restart of the host mid-round: the tournament goes on and finishes", async () => {
    const bots = [];
    for (let i = 0; i < 4; i++) bots.push(await bot(server.url, `RS ${i}`, { passive: true }));
    const id = await create({ name: "Restarted", gameType: "chess", format: { kind: "round-robin" }, maxPlayers: 4 });
    await joinAll(bots, id);
    // The bots take their seats and stand still: the restart lands mid-round.
    await start(id);
    await eventually("round 1 paired", async () => (await get(id)).rounds.length === 1);
    const url = await server.restart();
    admin = await mintToken(server, { name: "Arbiter", role: "admin" });
    for (const b of bots) await b.reconnect(url);
    const after = await get(id);
    assert.equal(after.status, "running", "still running after the restart");
    // From now on each game is resigned as it starts.
    for (const b of bots) {
      b.socket.on("game:started", (p) => b.socket.emit("game:resign", { gameId: p.gameId }));
      b.socket.on("game:state-update", (p) => p.status === "active" && b.socket.emit("game:resign", { gameId: p.gameId }));
      b.socket.on("tournament:paired", (p) => b.socket.emit("game:resign", { gameId: p.gameId }));
    }
    for (const game of after.currentGames) await request(bots.find((b) => b.userId === game.players[0].userId).socket, "game:resign", { gameId: game.gameId });
    const t = await finished(id, 90_000);
    assert.equal(t.rounds.length, 3);
    assert.equal(pairings(t).length, 6);
    assert.ok(pairings(t).every((p) => p.result), "every game has a result");
  });

  it("the command line creates and starts a tournament", async () => {
    const spec = path.join(configDir, "cup.json");
    fs.writeFileSync(spec, JSON.stringify({ name: "CLI cup", gameType: "connect-four", format: { kind: "swiss", rounds: 2 }, maxPlayers: 4 }));
    const made = await runGamehost(["tournament", "create", spec, "--server", server.url, "--token", admin.token]);
    assert.equal(made.code, 0, made.stderr);
    const id = made.stdout.trim().split(": ").at(-1);
    assert.equal((await get(id)).name, "CLI cup");
    const bots = [await bot(server.url, "CLI 0", { seed: 70 }), await bot(server.url, "CLI 1", { seed: 71 }), await bot(server.url, "CLI 2", { seed: 72 })];
    await joinAll(bots, id);
    const started = await runGamehost(["tournament", "start", id, "--server", server.url, "--token", admin.token]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /running/);
    const t = await finished(id);
    assert.equal(t.rounds.length, 2);
    assert.equal(t.rounds.flatMap((r) => r.byes).length, 2, "three players: a bye each round, to two different players");
    assert.notEqual(t.rounds[0].byes[0].userId, t.rounds[1].byes[0].userId);
    const again = await runGamehost(["tournament", "start", id, "--server", server.url, "--token", admin.token]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /TOURNAMENT_STARTED/);
  });

  it("an admin cancels a running tournament: its games are aborted, it ends without a winner", async () => {
    const bots = [await bot(server.url, "CX 0", { passive: true }), await bot(server.url, "CX 1", { passive: true })];
    const id = await create({ name: "Cancelled", gameType: "tic-tac-toe", format: { kind: "round-robin" }, maxPlayers: 2 });
    await joinAll(bots, id);
    const started = await start(id);
    const gameId = started.rounds[0].games[0].gameId;
    const forbidden = await authed(server.url, bots[0].token, "POST", `/api/admin/tournaments/${id}/cancel`, { reason: "mine" });
    assert.equal(forbidden.status, 403);
    const res = await authed(server.url, admin.token, "POST", `/api/admin/tournaments/${id}/cancel`, { reason: "venue closed" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.tournament.status, "finished");
    assert.match(res.body.tournament.cancelled, /venue closed/);
    for (const b of bots) {
      const ended = await waitFor(b.socket, "game:ended", (e) => e.gameId === gameId);
      assert.equal(ended.aborted, true);
      const over = await waitFor(b.socket, "tournament:ended", (e) => e.tournamentId === id);
      assert.equal(over.winner, null);
    }
    const again = await authed(server.url, admin.token, "POST", `/api/admin/tournaments/${id}/cancel`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "TOURNAMENT_FINISHED");
    assert.equal((await get(id)).winner, null);
  });

  it("refusals: full, started, finished, wrong password, leaving twice, bad parameters, moving in someone else's game", async () => {
    const [a, b, c] = [await bot(server.url, "Ref A", { passive: true }), await bot(server.url, "Ref B", { passive: true }), await bot(server.url, "Ref C")];
    const code = async (socket, event, payload) => (await request(socket, event, payload))?.error?.code;
    for (const [format, why] of [
      [{ kind: "swiss", rounds: 0 }, "0 rounds"],
      [{ kind: "swiss", rounds: 9 }, "more rounds than players allow"],
      [{ kind: "ladder" }, "unknown format"],
      [{ kind: "tables", rounds: 1, seats: 3 }, "tables of 3 for a 2-player game"],
      [{ kind: "arena", minutes: 0 }, "an arena of no time"],
    ]) {
      const body = { name: "Bad", gameType: "tic-tac-toe", format, maxPlayers: 8 };
      const res = await authed(server.url, admin.token, "POST", "/api/admin/tournaments", body);
      assert.equal(res.status, 400, `${why}: ${JSON.stringify(res.body)}`);
      assert.ok(["BAD_OPTIONS", "MALFORMED"].includes(res.body.error.code), `${why}: ${res.body.error.code}`);
    }
    const forbidden = await code(a.socket, "tournament:create", { name: "Mine", gameType: "tic-tac-toe", format: { kind: "round-robin" } });
    assert.equal(forbidden, "FORBIDDEN", "players do not create tournaments by default");
    const listedBefore = (await authed(server.url, null, "GET", "/api/tournaments")).body.tournaments.length;

    const locked = await create({ name: "Locked", gameType: "tic-tac-toe", format: { kind: "round-robin" }, maxPlayers: 2, password: "sesame" });
    assert.equal(await code(a.socket, "tournament:join", { tournamentId: locked, password: "wrong" }), "WRONG_PASSWORD");
    assert.equal(await code(a.socket, "tournament:join", { tournamentId: locked }), "WRONG_PASSWORD");
    assert.equal((await get(locked)).playerCount, 0, "a refused join changes nothing");
    await joinAll([a, b], locked, { password: "sesame" });
    assert.equal(await code(c.socket, "tournament:join", { tournamentId: locked, password: "sesame" }), "TOURNAMENT_FULL");
    await request(b.socket, "tournament:leave", { tournamentId: locked });
    assert.equal(await code(b.socket, "tournament:leave", { tournamentId: locked }), "NOT_IN_TOURNAMENT", "leaving twice");
    await joinAll([b], locked, { password: "sesame" });
    const started = await start(locked);
    assert.equal(started.status, "running");
    assert.equal(await code(c.socket, "tournament:join", { tournamentId: locked, password: "sesame" }), "TOURNAMENT_STARTED");
    const game = started.rounds[0].games[0].gameId;
    assert.equal(await code(c.socket, "game:move", { gameId: game, move: 4 }), "NOT_IN_GAME", "a player not in the tournament cannot move in its games");
    await request(a.socket, "game:resign", { gameId: game });
    const t = await finished(locked);
    assert.equal(await code(c.socket, "tournament:join", { tournamentId: locked, password: "sesame" }), "TOURNAMENT_FINISHED");
    assert.equal(await code(a.socket, "tournament:leave", { tournamentId: locked }), "TOURNAMENT_FINISHED");
    assert.equal(t.standings.length, 2);
    assert.equal(await code(a.socket, "tournament:join", { tournamentId: "no-such-tournament" }), "NOT_FOUND");
    assert.equal(await code(a.socket, "tournament:join", { tournamentId: 42 }), "MALFORMED");
    const listed = (await authed(server.url, null, "GET", "/api/tournaments")).body.tournaments;
    assert.equal(listed.length, listedBefore + 1);
    assert.equal(listed.find((x) => x.tournamentId === locked).hasPassword, true);
    assert.ok(!JSON.stringify(listed).includes("sesame"), "never the password");
  });
});
