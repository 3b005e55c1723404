// The start page: every game type (to its lobby), live games to watch, and
// a game to open by its id.

import { api, type GameInfo, type LiveGame } from "../api";
import { h, field, mount } from "../dom";
import { describe } from "../errors";
import type { Cleanup } from "../main";
import { type Session, attempt } from "../session";

export function homePage(main: HTMLElement, session: Session): Cleanup {
  const types = h("div", { class: "grid" }, h("p", {}, "Loading games…"));
  const live = h("div", {}, h("p", {}, "Loading…"));
  const gameId = h("input", { type: "text", name: "gameId", autocomplete: "off" });
  mount(
    main,
    h("h1", {}, `Hello, ${session.user.name}`),
    h("h2", {}, "Games"),
    types,
    h("h2", {}, "Live games"),
    live,
    h(
      "form",
      {
        class: "card",
        onsubmit: (e: Event) => {
          e.preventDefault();
          if (gameId.value.trim()) location.hash = `#/game/${encodeURIComponent(gameId.value.trim())}`;
        },
      },
      field("Open a game by its id", gameId),
      h("p", {}, h("button", { type: "submit", class: "secondary" }, "Open game")),
    ),
  );

  void api
    .games()
    .then((games: GameInfo[]) =>
      mount(
        types,
        games.length === 0 ? h("p", {}, "No games are installed on this server.") : null,
        games.map((g) =>
          h(
            "section",
            { class: "card", "data-game-type": g.id },
            h("h3", {}, g.name),
            h("p", { class: "muted" }, `${g.description} · ${playerRange(g)} · version ${g.version}`),
            h(
              "div",
              { class: "row" },
              h("a", { href: `#/lobby/${encodeURIComponent(g.id)}` }, `${g.name} lobby`),
              h(
                "button",
                {
                  class: "secondary",
                  onclick: () =>
                    attempt(async () => {
                      const game = await session.request("game:create", { gameType: g.id });
                      location.hash = `#/game/${game.gameId}`;
                    }),
                },
                "New game",
              ),
            ),
          ),
        ),
      ),
    )
    .catch((e) => mount(types, h("p", { class: "error" }, describe(e))));

  const refresh = () =>
    api
      .liveGames()
      .then((games: LiveGame[]) =>
        mount(
          live,
          games.length === 0
            ? h("p", { class: "muted" }, "Nobody is playing right now.")
            : h(
                "ul",
                { class: "live-games" },
                games.map((g) =>
                  h(
                    "li",
                    {},
                    `${g.gameType}: ${g.players.join(" vs ")} · ${g.ply} moves · ${g.spectators} watching `,
                    h("a", { href: `#/game/${g.gameId}`, "aria-label": `Watch ${g.players.join(" vs ")}` }, "Watch"),
                  ),
                ),
              ),
        ),
      )
      .catch((e) => mount(live, h("p", { class: "error" }, describe(e))));
  void refresh();
  const timer = setInterval(refresh, 3000);
  return () => clearInterval(timer);
}

function playerRange(g: GameInfo): string {
  return g.minPlayers === g.maxPlayers ? `${g.minPlayers} players` : `${g.minPlayers}-${g.maxPlayers} players`;
}
