// Liar's Dice: your dice, everyone's dice counts, the bids so far, a bid
// form limited to legal bids, and the call of "liar".

import { h, field } from "../dom";
import type { Board } from "./board";

const FACES = ["", "⚀", "⚁", "⚂", "⚃", "⚄", "⚅"];

interface Bid {
  count: number;
  face: number;
}

export const liarsDice: Board = {
  render({ view, legal, play }) {
    const bids = legal
      .map((m: any) => m?.bid as Bid | undefined)
      .filter((b): b is Bid => !!b);
    const canCall = legal.some((m: any) => m?.call === "liar");
    const yours: number[] | undefined = view?.your_dice;
    const players: { seat: number; dice_count: number; out: boolean; dice?: number[] }[] = view?.players ?? [];
    const counts = [...new Set(bids.map((b) => b.count))];
    const count = h("select", { name: "bid-count" }, counts.map((c) => h("option", { value: c }, String(c))));
    const face = h("select", { name: "bid-face" });
    const fillFaces = () => {
      const n = Number(count.value);
      face.replaceChildren(...bids.filter((b) => b.count === n).map((b) => h("option", { value: b.face }, `${b.face} ${FACES[b.face]}`)));
    };
    count.addEventListener("change", fillFaces);
    fillFaces();
    const bid = view?.bid;
    const challenge = view?.last_challenge;
    return h(
      "div",
      { class: "liars-dice" },
      yours ? h("p", {}, "Your dice: ", h("span", { class: "dice", "aria-label": `Your dice: ${yours.join(", ")}` }, yours.map((d) => FACES[d]))) : null,
      h(
        "ul",
        { class: "players" },
        players.map((p) => h("li", {}, `Seat ${p.seat + 1}: ${p.out ? "out" : `${p.dice_count} dice`}${p.dice ? ` (${p.dice.join(", ")})` : ""}`)),
      ),
      h("p", {}, `Round ${view?.round ?? "?"} · ${view?.total_dice ?? "?"} dice on the table`),
      h("p", {}, bid ? `Current bid: seat ${bid.seat + 1} says at least ${bid.count} × ${bid.face}` : "No bid yet this round."),
      challenge
        ? h("p", { class: "muted" }, `Last challenge: seat ${challenge.challenger + 1} called; ${challenge.actual} showed ${challenge.bid.face}; seat ${challenge.loser + 1} lost a die.`)
        : null,
      bids.length || canCall
        ? h(
            "form",
            {
              class: "card",
              onsubmit: (e: Event) => {
                e.preventDefault();
                play({ bid: { count: Number(count.value), face: Number(face.value) } });
              },
            },
            h("div", { class: "row" }, field("Count", count), field("Face", face)),
            h(
              "div",
              { class: "row" },
              h("button", { type: "submit", disabled: bids.length === 0 }, "Bid"),
              h("button", { type: "button", class: "danger", disabled: !canCall, onclick: () => play({ call: "liar" }) }, "Call liar!"),
            ),
          )
        : null,
    );
  },
  describe(before, after, seat) {
    const bids = after?.bids ?? [];
    if (bids.length > (before?.bids?.length ?? 0)) {
      const b = bids[bids.length - 1];
      return `seat ${seat + 1} bid ${b.count} × ${b.face}`;
    }
    return `seat ${seat + 1} called liar`;
  },
};
