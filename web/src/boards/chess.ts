// Chess: click one of your pieces to see where it may go (highlighted),
// click a highlighted square to move; a pawn reaching the last rank asks
// which piece it becomes. Black sees the board from its side.

import { h } from "../dom";
import type { Board } from "./board";

// Filled glyphs for both sides, coloured by CSS: the outline glyphs of
// white read poorly on light squares.
const GLYPHS: Record<string, string> = { k: "♚", q: "♛", r: "♜", b: "♝", n: "♞", p: "♟" };
const NAMES: Record<string, string> = { k: "king", q: "queen", r: "rook", b: "bishop", n: "knight", p: "pawn" };
const FILES = "abcdefgh";

/** The pieces of a FEN's board field, by square name (`e4`). */
function pieces(fen: string): Map<string, string> {
  const board = new Map<string, string>();
  const ranks = (fen ?? "").split(" ")[0].split("/");
  ranks.forEach((rank, i) => {
    let file = 0;
    for (const ch of rank) {
      if (/\d/.test(ch)) file += Number(ch);
      else {
        board.set(`${FILES[file]}${8 - i}`, ch);
        file += 1;
      }
    }
  });
  return board;
}

function pieceName(p: string | undefined): string {
  if (!p) return "empty";
  return `${p === p.toUpperCase() ? "white" : "black"} ${NAMES[p.toLowerCase()]}`;
}

// The square a player picked stays picked across re-renders of the same
// position (a clock tick must not drop it).
let selected: { fen: string; square: string } | null = null;
let promoting: { fen: string; moves: string[] } | null = null;

export const chess: Board = {
  render({ view, legal, seat, play, redraw }) {
    const fen: string = view?.fen ?? "";
    const board = pieces(fen);
    const moves = legal.filter((m): m is string => typeof m === "string");
    if (selected?.fen !== fen) selected = null;
    if (promoting?.fen !== fen) promoting = null;
    const from = selected?.square ?? null;
    const targets = new Map<string, string[]>();
    for (const m of moves) {
      if (m.slice(0, 2) !== from) continue;
      const to = m.slice(2, 4);
      targets.set(to, [...(targets.get(to) ?? []), m]);
    }
    const last: string | null = view?.lastMove ?? null;
    const flip = seat === 1;
    const order = [...Array(8).keys()];
    const squares: HTMLElement[] = [];
    for (const r of flip ? order : [...order].reverse()) {
      for (const f of flip ? [...order].reverse() : order) {
        const name = `${FILES[f]}${r + 1}`;
        const piece = board.get(name);
        const isTarget = targets.has(name);
        const movable = moves.some((m) => m.startsWith(name));
        const classes = [(f + r) % 2 === 0 ? "dark" : "light"];
        if (piece) classes.push(piece === piece.toUpperCase() ? "white-piece" : "black-piece");
        if (name === from) classes.push("selected");
        if (isTarget) classes.push("target");
        if (last && (last.slice(0, 2) === name || last.slice(2, 4) === name)) classes.push("last");
        squares.push(
          h(
            "button",
            {
              class: classes.join(" "),
              "data-square": name,
              "aria-label": `${name}, ${pieceName(piece)}${isTarget ? ", move here" : ""}`,
              "aria-pressed": name === from ? "true" : undefined,
              disabled: !isTarget && !movable && name !== from,
              onclick: () => {
                if (isTarget) {
                  const options = targets.get(name) ?? [];
                  if (options.length > 1) {
                    promoting = { fen, moves: options };
                    redraw();
                    return;
                  }
                  selected = null;
                  play(options[0]);
                } else if (name === from) {
                  selected = null;
                  redraw();
                } else {
                  selected = { fen, square: name };
                  redraw();
                }
              },
            },
            piece ? GLYPHS[piece.toLowerCase()] : "",
          ),
        );
      }
    }
    const status = view?.check && !view?.result ? h("p", { class: "error" }, "Check!") : null;
    const chooser = promoting
      ? h(
          "div",
          { class: "promotion row", role: "group", "aria-label": "Promote the pawn to" },
          "Promote to:",
          promoting.moves.map((m) =>
            h(
              "button",
              {
                "data-promotion": m.slice(4),
                onclick: () => {
                  promoting = null;
                  selected = null;
                  play(m);
                },
              },
              NAMES[m.slice(4)] ?? m.slice(4),
            ),
          ),
        )
      : null;
    return h("div", {}, h("div", { class: "chess", "aria-label": "Chess board" }, squares), chooser, status);
  },
  history(view) {
    if (!Array.isArray(view?.moves)) return null;
    const moves: string[] = view.moves;
    const pairs: string[] = [];
    for (let i = 0; i < moves.length; i += 2) pairs.push(moves.slice(i, i + 2).join(" "));
    return pairs;
  },
};
