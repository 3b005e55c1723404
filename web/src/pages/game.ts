// A game, for its players and its spectators: the board, the players with
// their clocks, the move list, resign / draw / rematch, and the result.
//
// The page keeps the game's version; an event that skips one, and every
// reconnection after a dropped connection, resyncs with `game:sync`.

import { boardFor } from "../boards";
import { h, mount } from "../dom";
import type { Cleanup } from "../main";
import { type Session, attempt, notify } from "../session";

interface PlayerInfo {
  seat: number;
  userId: string;
  name: string;
  connected: boolean;
  rating?: number;
}

interface Snapshot {
  gameId: string;
  gameType: string;
  pluginVersion: string;
  version: number;
  status: "waiting" | "active" | "finished";
  players: PlayerInfo[];
  seats: number;
  spectators: number;
  allowSpectators: boolean;
  you: { seat: number } | null;
  view: any;
  toMove: number[];
  legalMoves: string[];
  clocks: { remainingMs: number[]; running: number | null } | null;
  outcome: { winners: number[]; draw: boolean; reason: string } | null;
}

export function gamePage(main: HTMLElement, session: Session, gameId: string): Cleanup {
  let game: Snapshot | null = null;
  let clocksAt = Date.now();
  let moveLog: string[] = [];
  let drawOfferFrom: number | null = null;
  let revengeOfferFrom: number | null = null;
  let confirmResign = false;
  let spectating = false;
  let ended: { aborted?: boolean } | null = null;
  const mine = (id: string) => id === gameId;

  const title = h("h1", {}, "Game");
  const result = h("div", { role: "status", "aria-live": "polite" });
  const boardBox = h("section", { class: "card", "aria-label": "Board" });
  const side = h("aside", {});
  mount(main, title, result, h("div", { class: "layout" }, boardBox, side));

  const board = () => boardFor(game?.gameType ?? "");
  const seat = () => game?.you?.seat ?? null;
  const nameOf = (s: number) => game?.players.find((p) => p.seat === s)?.name ?? `Seat ${s + 1}`;

  function adopt(snapshot: Snapshot) {
    game = snapshot;
    clocksAt = Date.now();
    if (snapshot.status !== "finished") ended = null;
    render();
  }

  const sync = () =>
    attempt(async () => {
      const answer = await session.request("game:sync", { gameId, version: game?.version ?? 0 });
      for (const change of answer.missed ?? []) {
        if (change.kind === "move" && !board().history) moveLog.push(`${nameOf(change.seat)} moved`);
      }
      adopt(answer.game);
      if (answer.game.you === null && answer.game.status !== "finished" && !spectating) {
        const watch = await session.request("game:spectate", { gameId });
        spectating = true;
        adopt(watch.game);
      }
    });

  function play(move: unknown) {
    if (!game) return;
    void attempt(async () => {
      await session.request("game:move", { gameId, move, version: game?.version });
    }).then(() => render());
  }

  function outcomeText(): string | null {
    if (!game?.outcome) return null;
    const o = game.outcome;
    const who = o.draw ? "Draw" : o.winners.length ? `${o.winners.map(nameOf).join(" and ")} won` : ended?.aborted ? "Game aborted" : "Game over";
    return `${who} — ${o.reason}`;
  }

  function render() {
    if (!game) return;
    const g = game;
    title.textContent = `${g.players.map((p) => p.name).join(" vs ") || "Game"} · ${g.gameType}`;
    const text = outcomeText();
    mount(result, text ? h("p", { class: "result", "data-result": "" }, text) : null);
    const legal = g.legalMoves.map((m) => {
      try {
        return JSON.parse(m);
      } catch {
        return m;
      }
    });
    mount(boardBox, board().render({ view: g.view, legal, seat: seat(), play, redraw: render }));
    renderSide();
  }

  function clockText(s: number): string | null {
    const c = game?.clocks;
    if (!c) return null;
    let ms = c.remainingMs[s] ?? 0;
    if (c.running === s && game?.status === "active") ms = Math.max(0, ms - (Date.now() - clocksAt));
    const total = Math.ceil(ms / 1000);
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  }

  function renderSide() {
    const g = game;
    if (!g) return;
    const me = seat();
    const active = g.status === "active";
    const seatsFree = g.players.length < g.seats;
    const history = board().history?.(g.view);
    const moves = history ?? moveLog;
    mount(
      side,
      h(
        "section",
        { class: "card" },
        h("h2", {}, "Players"),
        h(
          "ul",
          { class: "players" },
          Array.from({ length: g.seats }, (_, s) => {
            const p = g.players.find((x) => x.seat === s);
            const toMove = active && g.toMove.includes(s);
            const clock = clockText(s);
            return h(
              "li",
              { class: toMove ? "to-move" : "", "data-seat": s },
              p ? `${p.name}${p.rating ? ` (${p.rating})` : ""}${s === me ? " (you)" : ""}${p.connected ? "" : " — disconnected"}` : "free seat",
              toMove ? " · to move" : "",
              clock ? h("span", { class: `clock${g.clocks?.running === s && active ? " running" : ""}`, "data-clock": s }, clock) : null,
            );
          }),
        ),
        h("p", { class: "muted", "data-spectators": g.spectators }, `${g.spectators} watching · rules ${g.gameType} ${g.pluginVersion}`),
        me === null ? h("p", { class: "muted" }, "You are watching this game.") : null,
        me === null && seatsFree && g.status === "waiting"
          ? h("button", { onclick: () => attempt(async () => adopt((await session.request("game:join", { gameId })).game)) }, "Take a seat")
          : null,
        g.status === "waiting" ? h("p", {}, `Waiting for players. Share the game id: ${g.gameId}`) : null,
      ),
      me !== null ? actions(g, me) : null,
      h("section", { class: "card" }, h("h2", {}, "Moves"), moves.length ? h("ol", { class: "moves", "aria-label": "Move list" }, moves.map((m) => h("li", {}, m))) : h("p", { class: "muted" }, "No moves yet.")),
    );
  }

  function actions(g: Snapshot, me: number) {
    const buttons: HTMLElement[] = [];
    if (g.status === "active") {
      buttons.push(
        confirmResign
          ? h("button", { class: "danger", onclick: () => attempt(() => session.request("game:resign", { gameId })).then(() => { confirmResign = false; render(); }) }, "Confirm: resign")
          : h("button", { class: "secondary", onclick: () => { confirmResign = true; render(); } }, "Resign"),
      );
      if (drawOfferFrom !== null && drawOfferFrom !== me) {
        buttons.push(
          h("button", { onclick: () => attempt(() => session.request("game:accept-draw", { gameId })) }, "Accept draw"),
          h("button", { class: "secondary", onclick: () => attempt(() => session.request("game:decline-draw", { gameId })).then(() => { drawOfferFrom = null; render(); }) }, "Decline draw"),
        );
      } else {
        buttons.push(
          h("button", { class: "secondary", disabled: drawOfferFrom === me, onclick: () => attempt(() => session.request("game:offer-draw", { gameId })).then(() => { drawOfferFrom = me; render(); }) }, drawOfferFrom === me ? "Draw offered" : "Offer draw"),
        );
      }
    }
    if (g.status === "finished") {
      if (revengeOfferFrom !== null && revengeOfferFrom !== me) {
        buttons.push(
          h("button", { onclick: () => attempt(() => session.request("game:accept-revenge", { gameId })) }, "Accept rematch"),
          h("button", { class: "secondary", onclick: () => attempt(() => session.request("game:decline-revenge", { gameId })).then(() => { revengeOfferFrom = null; render(); }) }, "Decline rematch"),
        );
      } else {
        buttons.push(
          h("button", { disabled: revengeOfferFrom === me, onclick: () => attempt(() => session.request("game:offer-revenge", { gameId })).then(() => { revengeOfferFrom = me; render(); }) }, revengeOfferFrom === me ? "Rematch offered" : "Rematch"),
        );
      }
    }
    const offer = drawOfferFrom !== null && drawOfferFrom !== me ? `${nameOf(drawOfferFrom)} offers a draw.` : revengeOfferFrom !== null && revengeOfferFrom !== me ? `${nameOf(revengeOfferFrom)} wants a rematch.` : null;
    return h("section", { class: "card" }, h("h2", {}, "Actions"), offer ? h("p", { role: "alert" }, offer) : null, h("div", { class: "row" }, buttons));
  }

  const off = [
    session.on("game:move-made", (p: any) => {
      if (!game || !mine(p.gameId)) return;
      if (p.version !== game.version + 1) {
        void sync();
        return;
      }
      const before = game.view;
      const words = board().describe?.(before, p.view, p.seat);
      if (!board().history) moveLog.push(`${nameOf(p.seat)}: ${words ?? "moved"}`);
      game = { ...game, version: p.version, view: p.view, toMove: p.toMove, legalMoves: p.legalMoves, clocks: p.clocks };
      clocksAt = Date.now();
      drawOfferFrom = null;
      render();
    }),
    ...["game:started", "game:state-update"].map((event) =>
      session.on(event, (p: Snapshot) => {
        if (mine(p.gameId)) adopt(p);
      }),
    ),
    session.on("game:joined", (p: any) => {
      if (mine(p.gameId)) void sync();
    }),
    session.on("game:ended", (p: any) => {
      if (!game || !mine(p.gameId)) return;
      ended = { aborted: p.aborted };
      game = { ...game, version: p.version, status: "finished", outcome: p.outcome, legalMoves: [], view: p.finalView ?? game.view, clocks: game.clocks ? { ...game.clocks, running: null } : null };
      render();
    }),
    ...["game:spectator-joined", "game:spectator-left"].map((event) =>
      session.on(event, (p: any) => {
        if (game && mine(p.gameId)) {
          game = { ...game, spectators: p.spectators };
          renderSide();
        }
      }),
    ),
    session.on("game:draw-offered", (p: any) => {
      if (mine(p.gameId)) {
        drawOfferFrom = p.seat;
        render();
      }
    }),
    session.on("game:draw-declined", (p: any) => {
      if (mine(p.gameId)) {
        drawOfferFrom = null;
        if (p.seat !== seat()) notify(`${nameOf(p.seat)} declined the draw.`);
        render();
      }
    }),
    session.on("game:revenge-offered", (p: any) => {
      if (mine(p.gameId)) {
        revengeOfferFrom = p.seat;
        render();
      }
    }),
    session.on("game:revenge-declined", (p: any) => {
      if (mine(p.gameId)) {
        revengeOfferFrom = null;
        render();
      }
    }),
    session.on("game:revenge-accepted", (p: any) => {
      if (mine(p.gameId)) location.hash = `#/game/${p.newGameId}`;
    }),
    session.on("user:temporarily-disconnected", (p: any) => {
      if (game && mine(p.gameId)) {
        notify(`${nameOf(p.seat)} lost their connection; their seat is kept for ${Math.round(p.reconnectWindowMs / 1000)} s.`);
        game = { ...game, players: game.players.map((x) => (x.userId === p.userId ? { ...x, connected: false } : x)) };
        renderSide();
      }
    }),
    session.on("user:reconnected", (p: any) => {
      if (game && mine(p.gameId)) {
        game = { ...game, players: game.players.map((x) => (x.userId === p.userId ? { ...x, connected: true } : x)) };
        renderSide();
      }
    }),
    session.onReconnect(() => void sync()),
  ];
  const ticker = setInterval(() => {
    if (!game?.clocks || game.status !== "active") return;
    for (const el of side.querySelectorAll<HTMLElement>("[data-clock]")) {
      el.textContent = clockText(Number(el.dataset.clock));
    }
  }, 200);

  void sync();
  return () => {
    off.forEach((f) => f());
    clearInterval(ticker);
    moveLog = [];
    if (spectating && session.socket.connected) void session.request("game:stop-spectating", { gameId }).catch(() => {});
  };
}
