// Any game the client has never seen: the rules' view, readably, and every
// legal move as a button labelled with the move itself.

import { h } from "../dom";
import type { Board } from "./board";

export const generic: Board = {
  render({ view, legal, play }) {
    return h(
      "div",
      { class: "generic" },
      h("h3", {}, "The game as the rules show it"),
      h("pre", { class: "view", "aria-label": "Game view" }, JSON.stringify(view, null, 2)),
      h("h3", {}, legal.length ? "Your moves" : "No moves for you now"),
      h(
        "div",
        { class: "legal-moves" },
        legal.map((mv) => h("button", { "data-move": JSON.stringify(mv), onclick: () => play(mv) }, `Play ${JSON.stringify(mv)}`)),
      ),
    );
  },
};
