// The board for a game type; games the client does not know get the
// generic one, so every game is playable.

import type { Board } from "./board";
import { chess } from "./chess";
import { connectFour } from "./connectfour";
import { generic } from "./generic";
import { liarsDice } from "./liarsdice";
import { ticTacToe } from "./tictactoe";

const BOARDS: Record<string, Board> = {
  "tic-tac-toe": ticTacToe,
  "connect-four": connectFour,
  chess,
  "liars-dice": liarsDice,
};

export function boardFor(gameType: string): Board {
  return BOARDS[gameType] ?? generic;
}
