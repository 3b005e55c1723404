// The contract's values, as TypeScript sees them. They mirror
// wit/0.2.0/plugin.wit and the Rust SDK's `types` module; the WIT file
// documents every field.

/** A 0-based seat of a player in one game. */
export type Seat = number;

/** Who is looking at the game. */
export type Viewer = { kind: "seat"; seat: Seat } | { kind: "spectator" } | { kind: "omniscient" };

/** How a finished game ended. */
export interface Outcome {
  /** Seats that won (empty on a draw). */
  winners: Seat[];
  /** True on a draw. */
  draw: boolean;
  /** Final score per seat, in seat order; empty when the game keeps no score. */
  scores: number[];
  /** Why the game ended, in words. */
  reason: string;
}

/** Whose turn it is, or how the game ended. */
export type Phase = { toMove: Seat[] } | { finished: Outcome };

/** Why a seat leaves a game before its end. */
export type Forfeit = "resign" | "timeout" | "abandon";

/** Where the omniscient view keeps what not every viewer may see. */
export interface Secrets {
  /** Each seat's own secrets: JSON Pointers with a `{seat}` segment. */
  seatPrivate: string[];
  /** What no player sees: JSON Pointers. */
  hidden: string[];
}

/** What of a game not every viewer may see. */
export type Information = { kind: "perfect" } | { kind: "hidden"; secrets: Secrets };

/** What the rules say about themselves. */
export interface GameInfo {
  id: string;
  name: string;
  version: string;
  minPlayers: number;
  maxPlayers: number;
  description: string;
  optionsSchema?: string;
  information: Information;
  /** Moves as a client sends them, each a JSON document. */
  exampleMoves: string[];
}

/** Why a move was refused. Throw one from `apply`. */
export class MoveError extends Error {
  constructor(
    readonly kind: "malformed" | "illegal" | "not-your-turn" | "finished",
    readonly reason = "",
  ) {
    super(reason || kind);
  }

  /** A move against the rules, with the reason in words. */
  static illegal(reason: string): MoveError {
    return new MoveError("illegal", reason);
  }

  /** A move that is not a move of this game. */
  static malformed(reason: string): MoveError {
    return new MoveError("malformed", reason);
  }
}

/** One winner. */
export function winner(seat: Seat, reason: string): Outcome {
  return { winners: [seat], draw: false, scores: [], reason };
}

/** Nobody wins. */
export function draw(reason: string): Outcome {
  return { winners: [], draw: true, scores: [], reason };
}
