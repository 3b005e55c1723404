// The `Game` a designer writes, and the adapter that turns it into the
// contract's `rules` export. The adapter does what the Rust SDK does before
// a game's own code runs: it refuses moves after the end and out of turn,
// parses moves (refusing the malformed), keeps the player count and a
// forfeit's outcome, and encodes the state as JSON.

import { Rng } from "./rng.ts";
import { redact } from "./secrets.ts";
import { type Forfeit, type GameInfo, MoveError, type Outcome, type Phase, type Seat, type Viewer } from "./types.ts";

/** The seat moving now, its randomness, and the events it produces. */
export class Turn {
  readonly events: string[] = [];
  constructor(
    /** The seat making the move. */
    readonly seat: Seat,
    /** Number of moves applied before this one. */
    readonly ply: number,
    /** Randomness for this move, derived by the host from the game's seed. */
    readonly rng: Rng,
  ) {}

  /** Records a public event (shown to every viewer and kept in the log). */
  emit(event: unknown): void {
    this.events.push(JSON.stringify(event));
  }
}

/** A game's rules, with typed state, moves and options. The state must be
 * plain JSON data (objects, arrays, strings, numbers, booleans, null). */
export interface Game<S, M, O = Record<string, never>> {
  /** What the game says about itself. */
  info: GameInfo;
  /** Options when none are given. */
  defaultOptions?: O;
  /** Sets up a game for `players` (already within the info's counts); throw
   * a string or an Error to refuse the options. */
  start(players: number, options: O, rng: Rng): S;
  /** Whose turn it is, or how the game ended. */
  phase(state: S): Phase;
  /** Turns a move's JSON into a move, or throws `MoveError.malformed`. */
  parseMove(json: unknown): M;
  /** Applies a move for `turn.seat` (already checked to be to move); throw
   * `MoveError.illegal(...)` to refuse it. */
  apply(state: S, move: M, turn: Turn): void;
  /** What `viewer` may see. Default: the state with the declared secrets
   * the viewer may not see set to null. */
  view?(state: S, viewer: Viewer): unknown;
  /** Every move `seat` may make now. Default: none listed. */
  legalMoves?(state: S, seat: Seat): M[];
  /** Takes `seat` out: return the outcome to end the game, or null to go on
   * without it. Default: every other seat wins. */
  forfeit?(state: S, seat: Seat, why: Forfeit, players: number): Outcome | null;
}

/** What the adapter stores: the game's state and what it must remember. */
interface Envelope<S> {
  players: number;
  ended: Outcome | null;
  game: S;
}

type WitPhase = { tag: "to-move"; val: Seat[] } | { tag: "finished"; val: WitOutcome };
type WitOutcome = { winners: Uint32Array | Seat[]; draw: boolean; scores: BigInt64Array | bigint[]; reason: string };
type WitViewer = { tag: "seat"; val: Seat } | { tag: "spectator" } | { tag: "omniscient" };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function witOutcome(o: Outcome): WitOutcome {
  return { winners: o.winners, draw: o.draw, scores: o.scores.map((s) => BigInt(s)), reason: o.reason };
}

/** The `rules` export of `game`, in the shape the component bindings take. */
export function exportRules<S, M, O>(game: Game<S, M, O>) {
  const decode = (state: Uint8Array): Envelope<S> => JSON.parse(decoder.decode(state));
  const phaseOf = (e: Envelope<S>): Phase => (e.ended ? { finished: e.ended } : game.phase(e.game));
  const witPhase = (p: Phase): WitPhase =>
    "finished" in p ? { tag: "finished", val: witOutcome(p.finished) } : { tag: "to-move", val: p.toMove };
  const transition = (e: Envelope<S>, events: string[] = []) => ({
    state: encoder.encode(JSON.stringify(e)),
    phase: witPhase(phaseOf(e)),
    events,
  });
  const mayMove = (p: Phase, seat: Seat) => "toMove" in p && p.toMove.includes(seat);
  const viewer = (v: WitViewer): Viewer =>
    v.tag === "seat" ? { kind: "seat", seat: v.val } : { kind: v.tag };
  const info = game.info;
  return {
    info() {
      return {
        id: info.id,
        name: info.name,
        version: info.version,
        minPlayers: info.minPlayers,
        maxPlayers: info.maxPlayers,
        description: info.description,
        optionsSchema: info.optionsSchema,
        information:
          info.information.kind === "hidden"
            ? { tag: "hidden", val: info.information.secrets }
            : { tag: info.information.kind },
        exampleMoves: info.exampleMoves,
      };
    },
    start(setup: { players: number; options: string; seed: bigint }) {
      if (setup.players < info.minPlayers || setup.players > info.maxPlayers) {
        throw `${info.name} takes ${info.minPlayers} to ${info.maxPlayers} players, not ${setup.players}`;
      }
      let options: O;
      try {
        options = setup.options.trim() === "" ? (game.defaultOptions as O) : { ...game.defaultOptions, ...JSON.parse(setup.options) };
      } catch (e) {
        throw `invalid options: ${e}`;
      }
      try {
        return transition({ players: setup.players, ended: null, game: game.start(setup.players, options, new Rng(setup.seed)) });
      } catch (e) {
        throw e instanceof Error ? e.message : String(e);
      }
    },
    apply(state: Uint8Array, ctx: { seat: Seat; ply: bigint; entropy: bigint }, move: string) {
      const e = decode(state);
      const phase = phaseOf(e);
      if ("finished" in phase) throw { tag: "finished" };
      if (!mayMove(phase, ctx.seat)) throw { tag: "not-your-turn" };
      let parsed: M;
      try {
        parsed = game.parseMove(JSON.parse(move));
      } catch (err) {
        throw { tag: "malformed", val: err instanceof Error ? err.message : String(err) };
      }
      const turn = new Turn(ctx.seat, Number(ctx.ply), new Rng(ctx.entropy));
      try {
        game.apply(e.game, parsed, turn);
      } catch (err) {
        if (err instanceof MoveError) {
          if (err.kind === "malformed" || err.kind === "illegal") throw { tag: err.kind, val: err.reason };
          throw { tag: err.kind };
        }
        throw err;
      }
      return transition(e, turn.events);
    },
    view(state: Uint8Array, who: WitViewer) {
      const e = decode(state);
      const v = viewer(who);
      if (game.view) return JSON.stringify(game.view(e.game, v) ?? null);
      const whole = JSON.parse(JSON.stringify(e.game));
      if (info.information.kind === "hidden") redact(whole, info.information.secrets, v);
      return JSON.stringify(whole);
    },
    legalMoves(state: Uint8Array, seat: Seat) {
      const e = decode(state);
      if (!mayMove(phaseOf(e), seat) || !game.legalMoves) return [];
      return game.legalMoves(e.game, seat).map((m) => JSON.stringify(m));
    },
    forfeit(state: Uint8Array, seat: Seat, why: Forfeit) {
      const e = decode(state);
      if (!e.ended && !("finished" in game.phase(e.game)) && seat < e.players) {
        e.ended = game.forfeit
          ? game.forfeit(e.game, seat, why, e.players)
          : {
              winners: [...Array(e.players).keys()].filter((s) => s !== seat),
              draw: false,
              scores: [],
              reason: `seat ${seat} ${why === "resign" ? "resigned" : why === "timeout" ? "ran out of time" : "abandoned the game"}`,
            };
      }
      return transition(e);
    },
  };
}
