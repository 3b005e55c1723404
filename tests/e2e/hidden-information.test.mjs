// Hidden information: a random three-player game of Liar's Dice, played to
// the end from the legal moves the server lists, with a spectator. Every
// payload every socket receives (events and answers) is recorded, then
// checked: a seat only ever sees its own dice, a spectator sees none, except
// in the public reveal of a round that has ended and in the omniscient
// finalView of game:ended.
//
// The Liar's Dice views (plugins/liars-dice/src/lib.rs):
//   {round, to_move, winner, total_dice, players: [{seat, dice_count, out,
//    dice?}], bid, bids, last_challenge, you?, your_dice?}
// where `players[].dice` is only in the omniscient view and `you` /
// `your_dice` only in a seat's view. A challenge emits the public event
// {"challenge": {challenger, bid, dice: [[...] per seat], actual, loser}}
// with the cups of the round it ends.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  TIMEOUT_MS,
  disconnectAll,
  mark,
  ok,
  parseMove,
  players,
  prng,
  startGame,
  startServer,
  waitFor,
} from "./harness.mjs";

const json = (v) => JSON.stringify(v);
const SEATS = 3;
const MAX_MOVES = 1000;

/**
 * Walks `value` depth first, calling `visit(value, path)` on every node.
 * Strings holding JSON objects or arrays (legal moves, events may be JSON
 * texts) are parsed and walked too, under `path + "(json)"`.
 */
function walk(value, visit, path = "$") {
  visit(value, path);
  if (typeof value === "string") {
    const t = value.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
      let parsed;
      try {
        parsed = JSON.parse(t);
      } catch {
        return;
      }
      walk(parsed, visit, `${path}(json)`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, visit, `${path}[${i}]`));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) walk(v, visit, `${path}.${k}`);
  }
}

/** The events of a move-made payload, parsed when they are JSON texts. */
function events(made) {
  return (made.events ?? []).map((e) => (typeof e === "string" ? JSON.parse(e) : e));
}

/** The Liar's Dice view a payload carries, if any (move-made, snapshot, or an answer holding a snapshot). */
function viewOf(entry) {
  const p = entry.payload;
  if (!p || typeof p !== "object") return undefined;
  if (entry.event === "game:ended") return undefined; // finalView: omniscient, checked apart
  if (p.view && typeof p.view === "object") return p.view;
  if (p.game?.view && typeof p.game.view === "object") return p.game.view;
  return undefined;
}

/** A cup: dice faces 1-6 (empty once the seat is out). */
const isCup = (v) => Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 1 && d <= 6);
/** Something that could be a cup of dice. */
const isDice = (v) => isCup(v) && v.length > 0;

describe("hidden information", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await disconnectAll();
    await server?.stop();
  });

  it("Liar's Dice: no seat ever sees another seat's dice, a spectator sees none", async () => {
    const seed = Number(process.env.E2E_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const note = `(seed ${seed}; rerun with E2E_SEED=${seed})`;
    const transports = [["websocket"], ["polling"], ["websocket"], ["polling"]];
    const [p0, p1, p2, watcher] = await players(server.url, ["Ann", "Ben", "Cat", "Watcher"], transports);
    const seated = [p0, p1, p2];
    const everyone = [p0, p1, p2, watcher];

    const { gameId, joins } = await startGame(p0, [p1, p2], { gameType: "liars-dice", players: SEATS });
    const spectate = await ok(watcher.socket, "game:spectate", { gameId });
    assert.equal(spectate.game.you, null);
    for (const p of seated) {
      const started = await waitFor(p.socket, "game:started", (e) => e?.gameId === gameId);
      assert.deepEqual(started.you, { seat: p.seat });
      assert.equal(started.seats, SEATS);
    }

    // Play: the seat whose latest payload lists it in toMove picks one of
    // its legal moves. Low bids first keep rounds short; a call ends one.
    let version = joins.at(-1).game.version;
    let latest = seated.map((p) => p.socket.received.findLast((e) => e.event === "game:started").payload);
    let ended = false;
    let moves = 0;
    while (!ended) {
      assert.ok(moves++ < MAX_MOVES, `the game ends within ${MAX_MOVES} moves ${note}`);
      const movers = seated.filter((p, s) => latest[s].toMove.includes(p.seat));
      assert.equal(movers.length, 1, `one seat to move at version ${version}: ${json(latest.map((l) => l.toMove))} ${note}`);
      const mover = movers[0];
      const legal = latest[mover.seat].legalMoves.map(parseMove);
      assert.ok(legal.length > 0, `the seat to move has legal moves ${note}`);
      for (const p of seated) {
        if (p !== mover) assert.deepEqual(latest[p.seat].legalMoves, [], "no legal moves off turn");
      }
      const call = legal.find((m) => m.call === "liar");
      const bids = legal.filter((m) => m.bid);
      const mv =
        call && (bids.length === 0 || random() < 0.4) ? call : bids[Math.floor(random() * Math.min(6, bids.length))];

      const since = everyone.map((p) => mark(p.socket));
      const answer = await ok(mover.socket, "game:move", { gameId, move: mv, version });
      assert.ok(answer.version > version, `versions grow ${note}`);
      version = answer.version;
      const made = await Promise.all(
        everyone.map((p, i) =>
          waitFor(p.socket, "game:move-made", (e) => e?.gameId === gameId && e.version === version, TIMEOUT_MS, {
            since: since[i],
          }),
        ),
      );
      latest = made.slice(0, SEATS);
      ended = made[0].phase.kind === "finished";
    }

    const endings = await Promise.all(everyone.map((p) => waitFor(p.socket, "game:ended", (e) => e?.gameId === gameId)));
    for (const e of endings) {
      assert.equal(e.version, version);
      assert.equal(e.outcome.winners.length, 1, "one winner");
      assert.deepEqual(e.finalView, endings[0].finalView, "everyone gets the same final view");
    }
    const finalView = endings[0].finalView;
    const winner = endings[0].outcome.winners[0];
    assert.equal(finalView.winner, winner);

    // Ground truth. Each seat's own cup per round, from the views it got
    // (the plugin's view is per viewer, so a seat's own cup is known only
    // to it); it must not change within a round.
    const truth = new Map(); // round -> [cup per seat]
    for (const p of seated) {
      for (const entry of p.socket.received) {
        const view = viewOf(entry);
        if (!view || view.round === undefined) continue;
        if (view.winner !== null && view.winner !== undefined) continue; // after the last reveal
        assert.ok(isCup(view.your_dice), `seat ${p.seat} sees its own dice in ${entry.event}: ${json(view.your_dice)}`);
        const cups = truth.get(view.round) ?? Array(SEATS).fill(undefined);
        if (cups[p.seat] === undefined) cups[p.seat] = view.your_dice;
        else assert.deepEqual(view.your_dice, cups[p.seat], `seat ${p.seat}'s cup is stable in round ${view.round}`);
        truth.set(view.round, cups);
      }
    }

    // The public reveals, in order, from the spectator's stream: each must
    // show exactly the cups of the round it ends, never those of a later one.
    const reveals = [];
    let round = spectate.game.view.round;
    for (const entry of watcher.socket.received) {
      if (entry.event !== "game:move-made" || entry.payload.gameId !== gameId) continue;
      for (const ev of events(entry.payload)) {
        if (ev.challenge) reveals.push({ round, dice: ev.challenge.dice, loser: ev.challenge.loser });
      }
      round = entry.payload.view.round;
    }
    assert.ok(reveals.length >= 1, "the game ends on a challenge");
    for (const r of reveals) {
      const cups = truth.get(r.round);
      assert.ok(cups, `round ${r.round} was seen`);
      for (let s = 0; s < SEATS; s++) {
        assert.deepEqual(r.dice[s], cups[s] ?? [], `the reveal of round ${r.round} shows seat ${s}'s cup of that round ${note}`);
      }
    }
    // The omniscient finalView: the last reveal less the loser's die (a
    // cup is sorted and loses its last die).
    const lastReveal = reveals.at(-1);
    for (let s = 0; s < SEATS; s++) {
      const expected = s === lastReveal.loser ? lastReveal.dice[s].slice(0, -1) : lastReveal.dice[s];
      assert.deepEqual(finalView.players[s].dice, expected, `finalView shows seat ${s}'s final cup`);
    }
    assert.ok(truth.size >= 1 && truth.size === reveals.length, `one reveal per round: ${truth.size} rounds, ${reveals.length} reveals`);

    // The check: every payload every socket got.
    const leaks = [];
    for (const [who, p] of everyone.entries()) {
      const seat = who < SEATS ? p.seat : null; // null: the spectator
      const label = seat === null ? "the spectator" : `seat ${seat}`;
      let current = spectate.game.view.round;
      let finished = false; // once a view shows the winner, nothing is secret any more
      for (const entry of p.socket.received) {
        const view = viewOf(entry);
        if (view?.round !== undefined) current = view.round;
        if (view?.winner !== null && view?.winner !== undefined) finished = true;
        // Cups nobody but their owner may see yet: this round's and later ones'.
        const secret = [];
        for (const [r, cups] of truth) {
          if (r < current || (r === current && finished)) continue;
          cups.forEach((cup, o) => {
            if (o !== seat && cup && cup.length > 1) secret.push({ r, o, cup });
          });
        }
        walk(entry.payload, (node, path) => {
          const where = `${label} got ${entry.event} ${path}`;
          if (entry.event === "game:ended" && path.startsWith("$.finalView")) return; // omniscient by design
          if (node && typeof node === "object" && !Array.isArray(node)) {
            if ("your_dice" in node && node.your_dice !== null && node.your_dice !== undefined) {
              if (seat === null) leaks.push(`${where}.your_dice = ${json(node.your_dice)}`);
              else if (finished) {
                // The last view (after the final reveal) shows the seat's own remaining cup.
                if (json(node.your_dice) !== json(finalView.players[seat].dice)) leaks.push(`${where}.your_dice = ${json(node.your_dice)} is not its own final cup`);
              } else if (json(node.your_dice) !== json(truth.get(node.round)?.[seat])) {
                leaks.push(`${where}.your_dice = ${json(node.your_dice)} is not seat ${seat}'s cup`);
              }
            }
            if ("you" in node && node.you !== null && node.you !== undefined && node.you !== seat && typeof node.you !== "object") {
              leaks.push(`${where}.you = ${json(node.you)}: another seat's view`);
            }
            if (Array.isArray(node.players)) {
              node.players.forEach((pl, i) => {
                if (pl && typeof pl === "object" && "dice" in pl) leaks.push(`${where}.players[${i}].dice = ${json(pl.dice)}`);
              });
            }
            if ("dice" in node && !/\.challenge$/.test(path) && !/\.players\[\d+\]$/.test(path)) {
              leaks.push(`${where}.dice = ${json(node.dice)}: dice outside a reveal`);
            }
          }
          if (isDice(node) && !/\.your_dice$/.test(path) && !/\.challenge\.dice\[\d+\]$/.test(path)) {
            for (const s of secret) {
              if (json(node) === json(s.cup) && (seat === null || json(node) !== json(truth.get(s.r)?.[seat]))) {
                leaks.push(`${where} = ${json(node)}: seat ${s.o}'s cup in round ${s.r}`);
              }
            }
          }
          if (/\.challenge$/.test(path) && node && typeof node === "object" && Array.isArray(node.dice)) {
            // A reveal may only come once its round is over: in the
            // move-made of the call, whose view has moved on to the next
            // round (or the end), or later.
            const r = reveals.find((x) => json(x.dice) === json(node.dice));
            if (!r) leaks.push(`${where}.dice = ${json(node.dice)} reveals no ended round`);
            else if (!(current > r.round || finished)) {
              leaks.push(`${where}: round ${r.round}'s cups revealed while it was being played`);
            }
          }
        });
      }
    }
    assert.deepEqual(leaks, [], `hidden dice reached a client ${note}:\n${leaks.slice(0, 20).join("\n")}`);
    // The spectator got the reveals, as public events, and nothing else.
    assert.equal(reveals.length, truth.size);
  });
});
