// Connect four: seven columns, each with a drop button when it is your turn.

import { h } from "../dom";
import type { Board } from "./board";

const COLOURS = ["red", "yellow"];

export const connectFour: Board = {
  render({ view, legal, play }) {
    const rows: (number | null)[][] = view?.rows ?? [];
    const columns = rows[0]?.length ?? 7;
    const drops = Array.from({ length: columns }, (_, col) =>
      h(
        "button",
        { class: "drop", "data-column": col, disabled: !legal.includes(col), "aria-label": `Drop a disc in column ${col + 1}`, onclick: () => play(col) },
        "▼",
      ),
    );
    const cells = rows.flatMap((row, r) =>
      row.map((cell, c) =>
        h("div", {
          class: `cell${cell === null ? "" : ` p${cell}`}`,
          role: "img",
          "aria-label": `Row ${r + 1}, column ${c + 1}: ${cell === null ? "empty" : COLOURS[cell]}`,
        }),
      ),
    );
    return h("div", { class: "c4", "aria-label": "Connect four board" }, drops, cells);
  },
  describe(before, after, seat) {
    const rows: (number | null)[][] = after?.rows ?? [];
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < rows[r].length; c++) {
        if (rows[r][c] !== null && before?.rows?.[r]?.[c] === null) return `${COLOURS[seat]} in column ${c + 1}`;
      }
    }
    return null;
  },
};
