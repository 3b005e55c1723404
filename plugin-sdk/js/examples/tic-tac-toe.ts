// Tic-tac-toe in TypeScript: the yardstick game, as plugins/tic-tac-toe is
// in Rust. Moves are cell numbers 0-8, row by row.

import { draw, type Game, MoveError, type Seat, winner } from "../src/index.ts";

interface Board {
  cells: (Seat | null)[];
  next: Seat;
}

const LINES = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]];

const game: Game<Board, number> = {
  info: {
    id: "tic-tac-toe-ts",
    name: "Tic-tac-toe (TypeScript)",
    version: "1.0.0",
    minPlayers: 2,
    maxPlayers: 2,
    description: "Three in a row wins; a full board is a draw.",
    information: { kind: "perfect" },
    exampleMoves: ["4"],
  },
  start: () => ({ cells: Array(9).fill(null), next: 0 }),
  phase(board) {
    for (const [a, b, c] of LINES) {
      const seat = board.cells[a];
      if (seat !== null && seat === board.cells[b] && seat === board.cells[c]) {
        return { finished: winner(seat, "three in a row") };
      }
    }
    if (board.cells.every((c) => c !== null)) return { finished: draw("the board is full") };
    return { toMove: [board.next] };
  },
  parseMove(json) {
    if (typeof json !== "number" || !Number.isInteger(json)) throw MoveError.malformed("a move is a cell number, 0-8");
    return json;
  },
  apply(board, cell, turn) {
    if (cell < 0 || cell > 8) throw MoveError.illegal(`cell ${cell} is off the board`);
    if (board.cells[cell] !== null) throw MoveError.illegal(`cell ${cell} is taken`);
    board.cells[cell] = turn.seat;
    board.next = 1 - turn.seat;
    turn.emit({ placed: cell, by: turn.seat });
  },
  legalMoves: (board) => board.cells.flatMap((c, i) => (c === null ? [i] : [])),
};

export default game;
