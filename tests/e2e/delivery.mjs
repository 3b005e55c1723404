// The listener matrix shared by delivery.test.mjs (one node) and
// delivery-cluster.test.mjs (three nodes): for each way into a game, every
// seat and every spectator hears every event of it, without ever asking
// (no game:sync, no re-spectate). Each assertion is on the events a socket
// received, never on a later snapshot.
//
// `where` places the people of a path on servers: `{seat0, seat1, watcher,
// passer, back}` are base URLs (`back` is where the player who drops out
// reconnects); `announce(gameId, message)` sends a game-scoped announcement
// through the admin API.

import assert from "node:assert/strict";
import { connect, guest, mark, ok, payloads, playMoves, request, TIMEOUT_MS, waitFor } from "./harness.mjs";

/** A guest with a socket on `url`. */
export async function person(url, name) {
  const g = await guest(url, name);
  const socket = await connect(url, g.token);
  return { ...g, url, socket };
}

/** The people of one path: two players, a spectator and a passing spectator. */
export async function cast(where, tag) {
  return {
    ann: await person(where.seat0, `Ann ${tag}`),
    bob: await person(where.seat1, `Bob ${tag}`),
    cat: await person(where.watcher, `Cat ${tag}`),
    dan: await person(where.passer, `Dan ${tag}`),
  };
}

/** Waits for `game:started` of `gameId` on each of `people` (from `since[i]`): the players in seat order. */
async function startedFor(people, since, gameId) {
  let players;
  for (const [i, p] of people.entries()) {
    const started = await waitFor(p.socket, "game:started", (g) => g?.gameId === gameId, TIMEOUT_MS, { since: since[i] });
    assert.equal(started.status, "active", `${p.name}'s game:started is of the running game`);
    players = started.players;
  }
  // Seat order, as the game has it (a rematch moves everyone one seat on).
  return players
    .slice()
    .sort((a, b) => a.seat - b.seat)
    .map((s) => {
      const p = people.find((x) => x.userId === s.userId);
      assert.ok(p, `seat ${s.seat} is one of the players: ${JSON.stringify(players)}`);
      p.seat = s.seat;
      return p;
    });
}

/** game:create + a spectator of the waiting game + game:join. */
export async function viaCreateAndJoin({ ann, bob, cat }) {
  const since = [ann, bob, cat].map((p) => mark(p.socket));
  const { gameId } = await ok(ann.socket, "game:create", { gameType: "tic-tac-toe" });
  const watching = await ok(cat.socket, "game:spectate", { gameId });
  assert.equal(watching.game.status, "waiting");
  await ok(bob.socket, "game:join", { gameId });
  for (const p of [ann, cat]) {
    const joined = await waitFor(p.socket, "game:joined", (j) => j.gameId === gameId, TIMEOUT_MS, { since: since[[ann, bob, cat].indexOf(p)] });
    assert.equal(joined.userId, bob.userId);
  }
  // The spectator was there before the start, so it hears game:started too.
  const seats = await startedFor([ann, bob, cat], since, gameId);
  return { gameId, seats: seats.filter((p) => p !== cat), watching: true };
}

/** A lobby room whose members all got ready: the server seats them. */
export async function viaLobbyRoom({ ann, bob }) {
  const since = [ann, bob].map((p) => mark(p.socket));
  const { roomId } = await ok(ann.socket, "lobby:create-room", { gameType: "tic-tac-toe", name: `Room of ${ann.name}` });
  await ok(bob.socket, "lobby:join-room", { roomId });
  await ok(ann.socket, "lobby:ready", { roomId });
  const last = await ok(bob.socket, "lobby:ready", { roomId });
  const gameId = last.gameId;
  assert.equal(typeof gameId, "string", `the last ready member starts the game: ${JSON.stringify(last)}`);
  for (const [i, p] of [ann, bob].entries()) {
    const started = await waitFor(p.socket, "lobby:game-started", (g) => g.roomId === roomId, TIMEOUT_MS, { since: since[i] });
    assert.equal(started.gameId, gameId);
  }
  const seats = await startedFor([ann, bob], since, gameId);
  // The room closed with the start.
  const gone = await request(ann.socket, "lobby:ready", { roomId });
  assert.equal(gone?.error?.code, "NOT_FOUND", `a started room is closed: ${JSON.stringify(gone)}`);
  return { gameId, seats, watching: false };
}

/** Quick play: two players queue for the same game type; the server seats them. */
export async function viaQuickPlay({ ann, bob }) {
  const since = [ann, bob].map((p) => mark(p.socket));
  const first = await ok(ann.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
  assert.equal(first.queued, true, JSON.stringify(first));
  const second = await ok(bob.socket, "lobby:quick-play", { gameType: "tic-tac-toe" });
  assert.equal(second.queued, false, `the second player completes the table: ${JSON.stringify(second)}`);
  const gameId = second.gameId;
  for (const [i, p] of [ann, bob].entries()) {
    const matched = await waitFor(p.socket, "lobby:matched", (m) => m.gameId === gameId, TIMEOUT_MS, { since: since[i] });
    assert.equal(matched.gameType, "tic-tac-toe");
  }
  const seats = await startedFor([ann, bob], since, gameId);
  return { gameId, seats, watching: false };
}

/** A rematch of the finished `previous` game: one offers, the other accepts. */
export async function viaRematch(previous) {
  const [first, second] = previous.seats;
  const since = [first, second].map((p) => mark(p.socket));
  const offer = await ok(first.socket, "game:offer-revenge", { gameId: previous.gameId });
  assert.deepEqual(offer.waitingFor, [second.seat]);
  const offered = await waitFor(second.socket, "game:revenge-offered", (o) => o.gameId === previous.gameId, TIMEOUT_MS, { since: since[1] });
  assert.equal(offered.userId, first.userId);
  const accepted = await ok(second.socket, "game:accept-revenge", { gameId: previous.gameId });
  const gameId = accepted.newGameId;
  assert.equal(typeof gameId, "string", JSON.stringify(accepted));
  for (const [i, p] of [first, second].entries()) {
    const news = await waitFor(p.socket, "game:revenge-accepted", (a) => a.gameId === previous.gameId, TIMEOUT_MS, { since: since[i] });
    assert.equal(news.newGameId, gameId);
  }
  const seats = await startedFor([first, second], since, gameId);
  assert.deepEqual(
    seats.map((p) => p.userId),
    [second.userId, first.userId],
    "in the rematch everyone moved one seat on",
  );
  return { gameId, seats, watching: false };
}

/** Waits for `event` of `gameId` on every one of `people` (from their marks): the payloads. */
async function allHear(people, since, event, gameId, predicate = () => true) {
  const got = [];
  for (const [i, p] of people.entries()) {
    got.push(
      await waitFor(p.socket, event, (e) => e?.gameId === gameId && predicate(e), TIMEOUT_MS, { since: since.get(p) }),
    );
  }
  return got;
}

function marks(people) {
  return new Map(people.map((p) => [p, mark(p.socket)]));
}

/**
 * The matrix on a started tic-tac-toe game: `game.seats` are its players in
 * seat order, `cat` its spectator (already watching when `game.watching`),
 * `dan` a spectator who comes and goes by closing his socket. The seat-1
 * player drops out and comes back on `where.back`. Seat 0 wins on 0, 1, 2.
 */
export async function listenerMatrix(game, { cat, dan }, where, announce) {
  const { gameId } = game;
  const [p0, p1] = game.seats;
  let since = marks([p0, p1, cat]);

  // A spectator arrives: the players hear it.
  if (!game.watching) {
    const watching = await ok(cat.socket, "game:spectate", { gameId });
    assert.equal(watching.game.status, "active");
    const joined = await allHear([p0, p1], since, "game:spectator-joined", gameId, (e) => e.userId === cat.userId);
    for (const j of joined) assert.equal(j.spectators, 1);
  }

  // Another one comes and leaves by closing his socket: counted and uncounted.
  since = marks([p0, p1, cat]);
  await ok(dan.socket, "game:spectate", { gameId });
  for (const j of await allHear([p0, p1, cat], since, "game:spectator-joined", gameId, (e) => e.userId === dan.userId)) {
    assert.equal(j.spectators, 2, `two spectators now: ${JSON.stringify(j)}`);
  }
  since = marks([p0, p1, cat]);
  dan.socket.disconnect();
  for (const l of await allHear([p0, p1, cat], since, "game:spectator-left", gameId, (e) => e.userId === dan.userId)) {
    assert.equal(l.spectators, 1, `a closed spectator socket is not counted: ${JSON.stringify(l)}`);
  }

  // A game-scoped announcement reaches the players and the spectator.
  since = marks([p0, p1, cat]);
  const message = `to the players and watchers of ${gameId}`;
  await announce(gameId, message);
  for (const p of [p0, p1, cat]) {
    const got = await waitFor(p.socket, "announcement", (a) => a.message === message, TIMEOUT_MS, { since: since.get(p) });
    assert.deepEqual(got.target, { scope: "game", id: gameId });
  }

  const versions = await playMoves(gameId, [[p0, 0]], [p0, p1, cat]);

  // Seat 1 drops out: the others hear it, and it comes back elsewhere.
  since = marks([p0, cat]);
  const oldSocket = p1.socket;
  oldSocket.disconnect();
  for (const d of await allHear([p0, cat], since, "user:temporarily-disconnected", gameId, (e) => e.userId === p1.userId)) {
    assert.equal(d.seat, p1.seat);
    assert.ok(d.reconnectWindowMs > 0);
  }
  since = marks([p0, cat]);
  p1.socket = await connect(where.back, p1.token);
  const restored = await waitFor(p1.socket, "connection:restored");
  assert.ok(restored.games.includes(gameId), `the seat comes back: ${JSON.stringify(restored)}`);
  const state = await waitFor(p1.socket, "game:state-update", (s) => s.gameId === gameId);
  assert.equal(state.version, versions[0], "the returning socket gets the game as it is");
  await allHear([p0, cat], since, "user:reconnected", gameId, (e) => e.userId === p1.userId);

  since = marks([p0, p1, cat]);
  versions.push(
    ...(await playMoves(gameId, [[p1, 3], [p0, 1], [p1, 4], [p0, 2]], [p0, p1, cat], versions[0])),
  );
  for (const e of await allHear([p0, p1, cat], since, "game:ended", gameId)) {
    assert.deepEqual(e.outcome.winners, [0], JSON.stringify(e));
    assert.equal(e.version, versions.at(-1));
  }

  // Each socket heard each move exactly once, and nobody asked for anything.
  const heard = (socket) => payloads(socket, "game:move-made").filter((m) => m.gameId === gameId).map((m) => m.version);
  assert.deepEqual(heard(p0.socket), versions);
  assert.deepEqual(heard(cat.socket), versions);
  assert.deepEqual(heard(oldSocket), versions.slice(0, 1));
  assert.deepEqual(heard(p1.socket), versions.slice(1));
  for (const socket of [p0.socket, p1.socket, cat.socket]) {
    assert.equal(payloads(socket, "game:ended").filter((e) => e.gameId === gameId).length, 1, "game:ended once");
  }
  for (const socket of [p0.socket, p1.socket, oldSocket, cat.socket]) {
    assert.equal(payloads(socket, "ack:game:sync").length, 0, "no listener resynced");
  }
  return { gameId, seats: [p0, p1] };
}

/** Every path into a game, each through the matrix with fresh users: `[name, run]`. */
export function matrixCases(where, announce) {
  return [
    ["game:create + game:join, then a rematch of that game", async () => {
      const who = await cast(where, "cj");
      const first = await listenerMatrix(await viaCreateAndJoin(who), who, where, announce);
      // The rematch of that game, with a fresh passing spectator.
      const again = { ...who, dan: await person(where.passer, "Dan rm") };
      await listenerMatrix(await viaRematch(first), again, where, announce);
    }],
    ["a lobby room", async () => {
      const who = await cast(where, "lr");
      await listenerMatrix(await viaLobbyRoom(who), who, where, announce);
    }],
    ["quick play", async () => {
      const who = await cast(where, "qp");
      await listenerMatrix(await viaQuickPlay(who), who, where, announce);
    }],
  ];
}
