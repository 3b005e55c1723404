// Tournaments: the list (join, open), creating one (admins), one
// tournament's page (standings that update live, rounds and pairings,
// games to watch, join / leave / start), and a game type's leaderboard.

import { api, type GameInfo, type Tournament, type TournamentSummary } from "../api";
import { h, field, mount } from "../dom";
import { describe } from "../errors";
import type { Cleanup } from "../main";
import { type Session, attempt, notify } from "../session";

function formatText(f: TournamentSummary["format"]): string {
  switch (f.kind) {
    case "swiss":
      return `Swiss, ${f.rounds} rounds`;
    case "arena":
      return `Arena, ${f.minutes} min`;
    case "round-robin":
      return f.double ? "Double round-robin" : "Round-robin";
    case "tables":
      return `Tables, ${f.rounds} rounds`;
    default:
      return "Knockout";
  }
}

export function tournamentsPage(main: HTMLElement, session: Session): Cleanup {
  const list = h("div", { "aria-live": "polite" }, h("p", {}, "Loading tournaments…"));
  const create = h("div");
  mount(main, h("h1", {}, "Tournaments"), list, create);

  const refresh = () =>
    api
      .tournaments()
      .then(({ tournaments }) =>
        mount(
          list,
          tournaments.length === 0 ? h("p", { class: "muted" }, "No tournaments yet.") : null,
          h(
            "ul",
            { class: "tournaments" },
            tournaments.map((t) =>
              h(
                "li",
                { "data-tournament-id": t.tournamentId },
                h("a", { href: `#/tournament/${t.tournamentId}` }, t.name),
                ` · ${t.gameType} · ${formatText(t.format)} · ${t.playerCount}/${t.maxPlayers} players · ${t.status}`,
                t.winner ? ` · won by ${t.winner.name}` : "",
                t.status === "registering"
                  ? h(
                      "button",
                      {
                        class: "secondary",
                        onclick: () =>
                          attempt(async () => {
                            const password = t.hasPassword ? (prompt("Password") ?? "") : undefined;
                            await session.request("tournament:join", { tournamentId: t.tournamentId, password });
                            location.hash = `#/tournament/${t.tournamentId}`;
                          }),
                      },
                      "Join",
                    )
                  : null,
              ),
            ),
          ),
        ),
      )
      .catch((e) => mount(list, h("p", { class: "error" }, describe(e))));
  void refresh();
  const timer = setInterval(refresh, 3000);

  if (session.user.features.includes("admin")) void api.games().then((games) => mount(create, createForm(session, games, refresh)));
  return () => clearInterval(timer);
}

function createForm(session: Session, games: GameInfo[], done: () => void): HTMLElement {
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 64 });
  const gameType = h("select", { name: "gameType" }, games.map((g) => h("option", { value: g.id }, g.name)));
  const kind = h(
    "select",
    { name: "format" },
    ["round-robin", "knockout", "swiss", "arena", "tables"].map((k) => h("option", { value: k }, k)),
  );
  const amount = h("input", { type: "number", name: "rounds", min: 1, value: 3 });
  const players = h("input", { type: "number", name: "maxPlayers", min: 2, max: 256, value: 8 });
  const whenFull = h("input", { type: "checkbox", name: "startWhenFull", checked: true });
  return h(
    "form",
    {
      class: "card",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const n = Number(amount.value);
        const format: Record<string, unknown> = { kind: kind.value };
        if (kind.value === "swiss" || kind.value === "tables") format.rounds = n;
        if (kind.value === "arena") format.minutes = n;
        void attempt(async () => {
          const made = await session.request("tournament:create", {
            name: name.value,
            gameType: gameType.value,
            format,
            maxPlayers: Number(players.value),
            startWhenFull: whenFull.checked,
          });
          notify(`Tournament ${name.value} created`);
          done();
          location.hash = `#/tournament/${made.tournamentId}`;
        });
      },
    },
    h("h2", {}, "New tournament"),
    field("Name", name),
    field("Game", gameType),
    field("Format", kind),
    field("Rounds (Swiss, tables) or minutes (arena)", amount),
    field("Most players", players),
    field("Start when full", whenFull),
    h("p", {}, h("button", { type: "submit" }, "Create tournament")),
  );
}

export function tournamentPage(main: HTMLElement, session: Session, id: string): Cleanup {
  let t: Tournament | null = null;
  const head = h("div");
  const table = h("div", { "aria-live": "polite" });
  const games = h("div");
  const rounds = h("div");
  mount(main, head, h("h2", {}, "Standings"), table, h("h2", {}, "Games being played"), games, h("h2", {}, "Rounds"), rounds);

  const me = session.user.userId;
  const render = () => {
    if (!t) return;
    const x = t;
    const registered = x.players.some((p) => p.userId === me && !p.withdrawn);
    mount(
      head,
      h("h1", {}, x.name),
      h("p", { class: "muted" }, `${x.gameType} · ${formatText(x.format)} · ${x.playerCount}/${x.maxPlayers} players · `, h("span", { "data-status": x.status }, x.status)),
      x.winner ? h("p", { class: "winner" }, `Winner: ${x.winner.name}`) : null,
      x.cancelled ? h("p", { class: "error" }, `Cancelled: ${x.cancelled}`) : null,
      h(
        "div",
        { class: "row" },
        x.status === "registering" && !registered
          ? h("button", { onclick: () => attempt(() => session.request("tournament:join", { tournamentId: id }).then(reload)) }, "Join")
          : null,
        registered && x.status !== "finished"
          ? h("button", { class: "secondary", onclick: () => attempt(() => session.request("tournament:leave", { tournamentId: id }).then(reload)) }, x.status === "running" ? "Withdraw" : "Leave")
          : null,
        x.status === "registering" && session.user.features.includes("admin")
          ? h("button", { onclick: () => attempt(() => session.request("tournament:start", { tournamentId: id }).then(reload)) }, "Start now")
          : null,
      ),
    );
    mount(
      table,
      h(
        "table",
        { class: "standings" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Player"), h("th", {}, "Points"), h("th", {}, "Tie-break"), h("th", {}, "Games"))),
        h(
          "tbody",
          {},
          x.standings.map((s) =>
            h(
              "tr",
              { "data-user-id": s.userId, class: s.userId === me ? "me" : "" },
              h("td", {}, s.rank),
              h("td", {}, `${s.name}${s.onFire ? " 🔥" : ""}${s.withdrawn ? " (withdrew)" : ""}`),
              h("td", { class: "points" }, s.points),
              h("td", {}, s.buchholz === undefined ? "" : `${s.buchholz} / ${s.sonnebornBerger}`),
              h("td", {}, s.played),
            ),
          ),
        ),
      ),
    );
    mount(
      games,
      x.currentGames.length === 0
        ? h("p", { class: "muted" }, "None right now.")
        : h(
            "ul",
            {},
            x.currentGames.map((g, i) =>
              h("li", {}, `${i === 0 ? "Top board: " : ""}${g.players.map((p) => p.name).join(" vs ")} `, h("a", { href: `#/game/${g.gameId}` }, "Watch")),
            ),
          ),
    );
    mount(
      rounds,
      x.rounds
        .slice()
        .reverse()
        .map((r) =>
          h(
            "section",
            { class: "card" },
            h("h3", {}, `Round ${r.number}`),
            h(
              "ul",
              {},
              r.games.map((g) =>
                h(
                  "li",
                  {},
                  g.players.map((p) => p.name).join(" vs "),
                  g.result ? ` · ${g.result.join(" – ")}` : " · playing",
                  g.gameId ? [" ", h("a", { href: `#/game/${g.gameId}` }, "Open")] : null,
                ),
              ),
              r.byes.map((b) => h("li", { class: "muted" }, `${b.name}: bye`)),
            ),
          ),
        ),
    );
  };
  const reload = () =>
    api
      .tournament(id)
      .then((fresh) => {
        t = fresh;
        render();
      })
      .catch((e) => mount(head, h("p", { class: "error" }, describe(e))));
  // Following the room: every change of the tournament reloads it.
  const off = ["tournament:updated", "tournament:standings", "tournament:round-started", "tournament:ended"].map((event) =>
    session.on(event, (p: { tournamentId: string }) => {
      if (p.tournamentId === id) void reload();
    }),
  );
  void session.request("tournament:spectate", { tournamentId: id }).catch(() => {});
  void reload();
  return () => {
    for (const f of off) f();
    void session.request("tournament:stop-spectating", { tournamentId: id }).catch(() => {});
  };
}

export function leaderboardPage(main: HTMLElement, gameType: string): Cleanup {
  const body = h("div", {}, h("p", {}, "Loading…"));
  mount(main, h("h1", {}, `Leaderboard: ${gameType}`), body);
  void api
    .leaderboard(gameType)
    .then((board) =>
      mount(
        body,
        board.entries.length === 0
          ? h("p", { class: "muted" }, "No rated games yet.")
          : h(
              "table",
              { class: "leaderboard" },
              h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Player"), h("th", {}, "Rating"), h("th", {}, "Games"))),
              h(
                "tbody",
                {},
                board.entries.map((e) =>
                  h("tr", {}, h("td", {}, e.rank), h("td", {}, e.name), h("td", {}, `${e.rating}${e.provisional ? "?" : ""}`), h("td", {}, e.games)),
                ),
              ),
            ),
        h("p", { class: "muted" }, `${board.total} rated players; a ? marks a provisional rating.`),
      ),
    )
    .catch((e) => mount(body, h("p", { class: "error" }, describe(e))));
  return () => {};
}
