// Tic-tac-toe: a 3×3 grid; a free cell is a button when it is your turn.

import { h } from "../dom";
import type { Board } from "./board";

const MARKS = ["X", "O"];

export const ticTacToe: Board = {
  render({ view, legal, play }) {
    const cells: (number | null)[] = view?.cells ?? [];
    return h(
      "div",
      { class: "ttt", role: "grid", "aria-label": "Tic-tac-toe board" },
      cells.map((cell, i) => {
        const can = legal.includes(i);
        const row = Math.floor(i / 3) + 1;
        const col = (i % 3) + 1;
        return h(
          "button",
          {
            class: can ? "legal" : "",
            "data-cell": i,
            disabled: !can,
            "aria-label": `Row ${row}, column ${col}: ${cell === null ? "empty" : MARKS[cell]}`,
            onclick: () => play(i),
          },
          cell === null ? "" : MARKS[cell],
        );
      }),
    );
  },
  describe(before, after, seat) {
    const i = (after?.cells ?? []).findIndex((c: number | null, k: number) => c !== null && before?.cells?.[k] === null);
    return i < 0 ? null : `${MARKS[seat]} at row ${Math.floor(i / 3) + 1}, column ${(i % 3) + 1}`;
  },
};
