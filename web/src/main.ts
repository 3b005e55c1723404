// The client's entry: sign-in, then a page per URL fragment.
//
//   #/               game types and live games
//   #/lobby/TYPE     a game type's lobby
//   #/game/ID        a game (players and spectators alike)
//   #/tournaments    tournaments (and creating one, for admins)
//   #/tournament/ID  one tournament
//   #/leaderboard/TYPE  a game type's ratings
//   #/admin          the admin page (admins only)

import { h, mount } from "./dom";
import { adminPage } from "./pages/admin";
import { gamePage } from "./pages/game";
import { homePage } from "./pages/home";
import { lobbyPage } from "./pages/lobby";
import { signInPage } from "./pages/signin";
import { leaderboardPage, tournamentPage, tournamentsPage } from "./pages/tournaments";
import { Session, type ConnectionState, forgetToken, storedToken } from "./session";

/** What a page gives back: how to stop it (listeners, timers). */
export type Cleanup = () => void;

const main = document.getElementById("main") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const connection = document.getElementById("connection") as HTMLElement;
let session: Session | null = null;
let cleanup: Cleanup | null = null;

const STATE_WORDS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Connection lost — reconnecting…",
  offline: "Offline",
};

function showState(state: ConnectionState) {
  connection.textContent = STATE_WORDS[state];
  connection.className = `connection ${state}`;
  connection.dataset.state = state;
}

function renderNav() {
  if (!session) {
    mount(nav);
    return;
  }
  const s = session;
  mount(
    nav,
    h("a", { href: "#/" }, "Games"),
    h("a", { href: "#/tournaments" }, "Tournaments"),
    s.user.features.includes("admin") ? h("a", { href: "#/admin" }, "Admin") : null,
    h("span", { class: "muted", style: "color:#ccc" }, `Signed in as ${s.user.name}`),
    h(
      "a",
      {
        href: "#/",
        onclick: (e: Event) => {
          e.preventDefault();
          s.close();
          session = null;
          forgetToken();
          showState("offline");
          route();
        },
      },
      "Sign out",
    ),
  );
}

async function signIn(token: string): Promise<void> {
  showState("connecting");
  const s = await Session.start(token);
  session = s;
  s.onState(showState);
  // A tournament game opens by itself.
  s.on("tournament:paired", (p: { gameId: string }) => {
    location.hash = `#/game/${p.gameId}`;
  });
  showState(s.state);
  renderNav();
}

function route() {
  cleanup?.();
  cleanup = null;
  if (!session) {
    renderNav();
    cleanup = signInPage(main, async (token) => {
      await signIn(token);
      route();
    });
    return;
  }
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const [page, arg] = parts;
  if (page === "lobby" && arg) cleanup = lobbyPage(main, session, arg);
  else if (page === "game" && arg) cleanup = gamePage(main, session, arg);
  else if (page === "admin") cleanup = adminPage(main, session);
  else if (page === "tournaments") cleanup = tournamentsPage(main, session);
  else if (page === "tournament" && arg) cleanup = tournamentPage(main, session, arg);
  else if (page === "leaderboard" && arg) cleanup = leaderboardPage(main, arg);
  else cleanup = homePage(main, session);
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);

async function boot() {
  const token = storedToken();
  if (token) {
    try {
      await signIn(token);
    } catch {
      forgetToken();
      showState("offline");
    }
  }
  route();
}

void boot();
