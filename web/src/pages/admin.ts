// The admin page: plugin versions (upload, activate, roll back), live games
// (inspect, abort), users online (kick, ban), announcements, and the live
// event stream of the /admin namespace.

import { io } from "socket.io-client";
import { api } from "../api";
import { h, field, mount } from "../dom";
import type { Cleanup } from "../main";
import { type Session, attempt, notify } from "../session";

interface VersionStatus {
  gameId: string;
  version: string;
  hash: string;
  state: string;
  pinnedBy: number;
  uploadedAt: number;
  uploader: string;
  health?: { calls: number; failures: number } | null;
}

interface GameVersions {
  gameId: string;
  active: string | null;
  versions: VersionStatus[];
}

export function adminPage(main: HTMLElement, session: Session): Cleanup {
  if (!session.user.features.includes("admin")) {
    mount(main, h("h1", {}, "Admin"), h("p", { class: "error" }, "Only administrators may use this page."));
    return () => {};
  }
  const token = session.user.token;
  const plugins = h("div", { class: "table-wrap" });
  const games = h("div", { class: "table-wrap" });
  const users = h("div", { class: "table-wrap" });
  const events = h("ol", { class: "moves", "aria-label": "Admin events" });
  const online = h("span", {}, "?");

  const file = h("input", { type: "file", name: "component", accept: ".wasm,application/wasm" });
  const activate = h("input", { type: "checkbox", name: "activate" });
  const upload = h(
    "form",
    {
      class: "card",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const chosen = file.files?.[0];
        if (!chosen) {
          notify("Choose a component file first.", true);
          return;
        }
        void attempt(async () => {
          const answer: any = await api.admin.upload(token, await chosen.arrayBuffer(), activate.checked);
          notify(`${answer.new ? "Published" : "Already published:"} ${answer.record.gameId} ${answer.record.version}${answer.active ? " (active)" : ""}`);
          await loadPlugins();
        });
      },
    },
    h("h2", {}, "Publish a plugin version"),
    field("Component (.wasm)", file),
    h("label", { class: "inline" }, activate, "Make it active for new games at once"),
    h("p", {}, h("button", { type: "submit" }, "Upload")),
  );

  const message = h("input", { type: "text", name: "announcement", maxlength: 500 });
  const scope = h("select", { name: "scope" }, ["all", "lobby", "game", "user"].map((s) => h("option", { value: s }, s)));
  const target = h("input", { type: "text", name: "target-id", placeholder: "game type, game id or user id" });
  const delay = h("input", { type: "number", name: "delay", min: 0, value: 0 });
  const announce = h(
    "form",
    {
      class: "card",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const targetValue = scope.value === "all" ? { scope: "all" } : { scope: scope.value, id: target.value.trim() };
        const seconds = Number(delay.value) || 0;
        void attempt(async () => {
          await api.admin.post(token, "/announcements", { message: message.value, target: targetValue, at: seconds > 0 ? Date.now() + seconds * 1000 : undefined });
          notify(seconds > 0 ? `Announcement scheduled in ${seconds} s.` : "Announcement sent.");
          message.value = "";
        });
      },
    },
    h("h2", {}, "Announce"),
    field("Message", message),
    h("div", { class: "row" }, field("To", scope), field("Which (for lobby, game, user)", target)),
    field("Send after (seconds; 0 is now)", delay),
    h("p", {}, h("button", { type: "submit" }, "Send announcement")),
  );

  mount(
    main,
    h("h1", {}, "Admin"),
    h("p", {}, "Users online: ", online),
    h("h2", {}, "Plugins"),
    plugins,
    upload,
    h("h2", {}, "Live games"),
    games,
    h("h2", {}, "Users online"),
    users,
    announce,
    h("h2", {}, "Events"),
    events,
  );

  async function loadPlugins() {
    const answer = await api.admin.get<{ games: GameVersions[] }>(token, "/plugins");
    mount(
      plugins,
      h(
        "table",
        { "aria-label": "Plugin versions" },
        h("thead", {}, h("tr", {}, ["Game", "Version", "State", "Pinned by", "Hash", "Uploaded", "By", ""].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          answer.games.flatMap((g) =>
            g.versions.map((v) =>
              h(
                "tr",
                { "data-plugin": `${v.gameId}@${v.version}`, "data-state": v.state },
                h("td", {}, v.gameId),
                h("td", {}, v.version),
                h("td", {}, v.state),
                h("td", {}, String(v.pinnedBy)),
                h("td", {}, h("code", {}, v.hash.slice(0, 12))),
                h("td", {}, new Date(v.uploadedAt).toLocaleString()),
                h("td", {}, v.uploader),
                h(
                  "td",
                  { class: "row" },
                  v.state !== "active"
                    ? h("button", { class: "secondary", "aria-label": `Activate ${v.gameId} ${v.version}`, onclick: () => attempt(async () => { await api.admin.post(token, `/plugins/${encodeURIComponent(v.gameId)}/activate`, { version: v.version }); await loadPlugins(); }) }, "Activate")
                    : h("button", { class: "secondary", "aria-label": `Roll back ${v.gameId}`, onclick: () => attempt(async () => { await api.admin.post(token, `/plugins/${encodeURIComponent(v.gameId)}/rollback`); await loadPlugins(); }) }, "Roll back"),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function loadGames() {
    const answer = await api.admin.get<{ games: any[] }>(token, "/games");
    mount(
      games,
      answer.games.length === 0
        ? h("p", { class: "muted" }, "No live games.")
        : h(
            "table",
            { "aria-label": "Live games" },
            h("thead", {}, h("tr", {}, ["Game", "Type", "Players", "Moves", "Watching", ""].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              answer.games.map((g) =>
                h(
                  "tr",
                  {},
                  h("td", {}, h("a", { href: `#/game/${g.gameId}` }, g.gameId.slice(0, 8))),
                  h("td", {}, `${g.gameType} ${g.pluginVersion}`),
                  h("td", {}, g.players.filter(Boolean).map((p: any) => p.name).join(", ")),
                  h("td", {}, String(g.ply)),
                  h("td", {}, String(g.spectators)),
                  h("td", {}, h("button", { class: "danger", "aria-label": `Abort game ${g.gameId.slice(0, 8)}`, onclick: () => attempt(async () => { await api.admin.post(token, `/games/${g.gameId}/abort`, { reason: "ended by an administrator" }); await loadGames(); }) }, "Abort")),
                ),
              ),
            ),
          ),
    );
  }

  async function loadUsers() {
    const answer = await api.admin.get<{ count: number; users: any[] }>(token, "/users");
    online.textContent = String(answer.count);
    mount(
      users,
      h(
        "table",
        { "aria-label": "Users online" },
        h("thead", {}, h("tr", {}, ["Name", "Id", "Role", "Sockets", ""].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          answer.users.map((u) =>
            h(
              "tr",
              {},
              h("td", {}, u.name),
              h("td", {}, h("code", {}, u.userId)),
              h("td", {}, u.role),
              h("td", {}, String(u.sockets)),
              h(
                "td",
                { class: "row" },
                u.userId === session.user.userId
                  ? null
                  : [
                      h("button", { class: "secondary", "aria-label": `Kick ${u.name}`, onclick: () => attempt(async () => { await api.admin.post(token, `/users/${encodeURIComponent(u.userId)}/kick`); await loadUsers(); }) }, "Kick"),
                      h("button", { class: "danger", "aria-label": `Ban ${u.name}`, onclick: () => attempt(async () => { await api.admin.post(token, `/users/${encodeURIComponent(u.userId)}/ban`, { reason: "banned from the admin page" }); await loadUsers(); }) }, "Ban"),
                    ],
              ),
            ),
          ),
        ),
      ),
    );
  }

  const refresh = () => Promise.all([loadPlugins(), loadGames(), loadUsers()]).catch((e) => notify(String(e), true));
  void refresh();

  // Live events: refresh what they concern.
  const live = io("/admin", { auth: { token } });
  live.onAny((event: string, payload: any) => {
    const line = `${new Date().toLocaleTimeString()} ${event} ${payload?.gameId ?? ""} ${payload?.version ?? ""} ${payload?.count ?? ""}`.trim();
    events.prepend(h("li", {}, line));
    while (events.children.length > 50) events.lastElementChild?.remove();
    if (event.startsWith("plugin:")) void loadPlugins();
    if (event === "plugin:tripped") notify(`Plugin ${payload.gameId} ${payload.version} failed too often and was taken out of rotation; ${payload.nowActive ?? "no version"} serves new games.`, true);
    if (event.startsWith("game:")) void loadGames();
    if (event === "users:online") {
      online.textContent = String(payload.count);
      void loadUsers();
    }
  });
  live.on("connect_error", (e: Error) => notify(`Admin events unavailable: ${e.message}`, true));
  return () => {
    live.close();
  };
}
