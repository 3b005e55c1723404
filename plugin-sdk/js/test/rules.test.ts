// The adapter does what the Rust SDK does before a game's code runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import ticTacToe from "../examples/tic-tac-toe.ts";
import { exportRules, type Game, MoveError, winner } from "../src/index.ts";

const rules = exportRules(ticTacToe);
const setup = { players: 2, options: "", seed: 5n };
const ctx = (seat: number, ply = 0) => ({ seat, ply: BigInt(ply), entropy: 9n });
const refusal = (call: () => unknown) => {
  try {
    call();
  } catch (e) {
    return e;
  }
  assert.fail("the call was not refused");
};

test("info is the contract's game-info", () => {
  const info = rules.info();
  assert.equal(info.id, "tic-tac-toe-ts");
  assert.deepEqual(info.information, { tag: "perfect" });
  assert.deepEqual(info.exampleMoves, ["4"]);
});

test("start refuses player counts outside the game's", () => {
  assert.match(String(refusal(() => rules.start({ ...setup, players: 3 }))), /takes 2 to 2 players, not 3/);
  const t = rules.start(setup);
  assert.deepEqual(t.phase, { tag: "to-move", val: [0] });
});

test("moves out of turn, malformed, illegal and after the end are refused with their kind", () => {
  let t = rules.start(setup);
  assert.deepEqual(refusal(() => rules.apply(t.state, ctx(1), "4")), { tag: "not-your-turn" });
  assert.equal((refusal(() => rules.apply(t.state, ctx(0), "\"pass\"")) as { tag: string }).tag, "malformed");
  assert.equal((refusal(() => rules.apply(t.state, ctx(0), "{not json")) as { tag: string }).tag, "malformed");
  assert.deepEqual(refusal(() => rules.apply(t.state, ctx(0), "9")), { tag: "illegal", val: "cell 9 is off the board" });
  for (const [ply, cell] of [0, 3, 1, 4, 2].entries()) {
    t = rules.apply(t.state, ctx(ply % 2, ply), String(cell));
  }
  assert.equal(t.phase.tag, "finished");
  assert.deepEqual([...(t.phase as { val: { winners: number[] } }).val.winners], [0]);
  assert.deepEqual(refusal(() => rules.apply(t.state, ctx(1, 5), "8")), { tag: "finished" });
  assert.deepEqual(rules.legalMoves(t.state, 1), []);
});

test("events are JSON and legal moves are listed only for the seat to move", () => {
  const t = rules.apply(rules.start(setup).state, ctx(0), "4");
  assert.deepEqual(t.events.map((e) => JSON.parse(e)), [{ placed: 4, by: 0 }]);
  assert.equal(rules.legalMoves(t.state, 0).length, 0);
  assert.deepEqual(rules.legalMoves(t.state, 1), ["0", "1", "2", "3", "5", "6", "7", "8"]);
});

test("a forfeit ends the game for the others unless the game says otherwise", () => {
  const t = rules.forfeit(rules.start(setup).state, 0, "resign");
  assert.equal(t.phase.tag, "finished");
  const outcome = (t.phase as { val: { winners: number[]; reason: string } }).val;
  assert.deepEqual([...outcome.winners], [1]);
  assert.equal(outcome.reason, "seat 0 resigned");
});

interface Hands {
  hands: number[][];
  deck: number[];
}

const cards: Game<Hands, number> = {
  info: {
    id: "hands",
    name: "Hands",
    version: "1.0.0",
    minPlayers: 2,
    maxPlayers: 2,
    description: "A hand each, and a deck.",
    information: { kind: "hidden", secrets: { seatPrivate: ["/hands/{seat}"], hidden: ["/deck"] } },
    exampleMoves: [],
  },
  start: (_players, _options, rng) => {
    const deck = [...Array(10).keys()];
    rng.shuffle(deck);
    return { hands: [deck.splice(0, 3), deck.splice(0, 3)], deck };
  },
  phase: () => ({ finished: winner(0, "dealt") }),
  parseMove: (json) => {
    if (typeof json !== "number") throw MoveError.malformed("a card");
    return json;
  },
  apply: () => {},
};

test("the default view of a game with hidden information hides what the viewer may not see", () => {
  const hidden = exportRules(cards);
  const { state } = hidden.start(setup);
  const whole = JSON.parse(hidden.view(state, { tag: "omniscient" }));
  const seat0 = JSON.parse(hidden.view(state, { tag: "seat", val: 0 }));
  const spectator = JSON.parse(hidden.view(state, { tag: "spectator" }));
  assert.deepEqual(seat0.hands[0], whole.hands[0]);
  assert.equal(seat0.hands[1], null);
  assert.equal(seat0.deck, null);
  assert.deepEqual(spectator, { hands: [null, null], deck: null });
  assert.equal(whole.deck.length, 4);
  assert.deepEqual(hidden.info().information, { tag: "hidden", val: cards.info.information.kind === "hidden" ? cards.info.information.secrets : null });
});
