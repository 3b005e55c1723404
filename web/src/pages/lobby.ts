// A game type's lobby: the live list of open rooms, creating a room (seats,
// options, clock, password, private), joining one (with its password),
// ready / unready, and quick play.

import { api, type GameInfo } from "../api";
import { h, field, mount } from "../dom";
import type { Cleanup } from "../main";
import { type Session, attempt, notify } from "../session";

interface Member {
  userId: string;
  name: string;
  ready: boolean;
}

interface Room {
  roomId: string;
  gameType: string;
  name: string;
  seats: number;
  hasPassword: boolean;
  private: boolean;
  members: Member[];
  timeControl: unknown;
}

/** Clock settings offered when creating a room. */
const CLOCKS: Record<string, unknown> = {
  none: null,
  "3+2": { initialMs: 180_000, incrementMs: 2_000 },
  "5+0": { initialMs: 300_000, incrementMs: 0 },
  "10+5": { initialMs: 600_000, incrementMs: 5_000 },
  "30 s per move": { perMoveMs: 30_000 },
};

export function lobbyPage(main: HTMLElement, session: Session, gameType: string): Cleanup {
  let rooms: Room[] = [];
  let myRoom: Room | null = null;
  let queued = false;
  let info: GameInfo | undefined;

  const list = h("div", { "aria-live": "polite" });
  const mine = h("div");
  const quick = h("div");
  const form = h("form", { class: "card" });

  const go = (gameId: string) => (location.hash = `#/game/${gameId}`);
  const off = [
    session.on("lobby:rooms", (p: { gameType: string; rooms: Room[] }) => {
      if (p.gameType === gameType) {
        rooms = p.rooms;
        render();
      }
    }),
    session.on("lobby:room-updated", (room: Room) => {
      if (myRoom && room.roomId === myRoom.roomId) {
        myRoom = room;
        render();
      }
    }),
    session.on("lobby:game-started", (p: { gameId: string }) => go(p.gameId)),
    session.on("lobby:matched", (p: { gameId: string }) => go(p.gameId)),
    session.onReconnect(() => void join()),
  ];

  const join = () =>
    attempt(async () => {
      const answer = await session.request("lobby:join", { gameType });
      rooms = answer.rooms;
      render();
    });

  function roomLine(room: Room) {
    const password = h("input", { type: "password", name: "room-password", autocomplete: "off" });
    const full = room.members.length >= room.seats;
    return h(
      "li",
      { class: "card", "data-room": room.name },
      h("strong", {}, room.name),
      ` · ${room.members.length}/${room.seats} players: ${room.members.map((m) => m.name).join(", ")}`,
      room.hasPassword ? " · password required" : null,
      myRoom?.roomId === room.roomId ? h("p", { class: "muted" }, "Your room.") : h(
        "form",
        {
          class: "row",
          onsubmit: (e: Event) => {
            e.preventDefault();
            void attempt(async () => {
              const answer = await session.request("lobby:join-room", { roomId: room.roomId, password: room.hasPassword ? password.value : undefined });
              myRoom = answer.room;
              render();
            });
          },
        },
        room.hasPassword ? field(`Password for ${room.name}`, password) : null,
        h("button", { type: "submit", disabled: full || myRoom !== null }, full ? "Full" : `Join ${room.name}`),
      ),
    );
  }

  function render() {
    mount(
      list,
      rooms.length === 0 ? h("p", { class: "muted" }, "No open rooms. Create one, or use quick play.") : h("ul", { class: "players" }, rooms.map(roomLine)),
    );
    if (myRoom) {
      const room = myRoom;
      const me = room.members.find((m) => m.userId === session.user.userId);
      mount(
        mine,
        h(
          "section",
          { class: "card", "aria-label": "Your room" },
          h("h2", {}, `Your room: ${room.name}`),
          h("p", { class: "muted" }, room.private ? `Private room. Share its id: ${room.roomId}` : `${room.members.length} of ${room.seats} seats taken`),
          h(
            "ul",
            { class: "players" },
            room.members.map((m) => h("li", {}, `${m.name}: ${m.ready ? "ready ✔" : "not ready"}`)),
          ),
          h(
            "div",
            { class: "row" },
            h(
              "button",
              {
                onclick: () =>
                  attempt(async () => {
                    const answer = await session.request(me?.ready ? "lobby:unready" : "lobby:ready", { roomId: room.roomId });
                    if (answer.gameId) go(answer.gameId);
                  }),
              },
              me?.ready ? "Not ready" : "Ready",
            ),
            h(
              "button",
              {
                class: "secondary",
                onclick: () =>
                  attempt(async () => {
                    await session.request("lobby:leave-room", { roomId: room.roomId });
                    myRoom = null;
                    render();
                  }),
              },
              "Leave room",
            ),
          ),
        ),
      );
    } else {
      mount(mine);
    }
    mount(
      quick,
      h(
        "button",
        {
          class: "secondary",
          disabled: queued,
          onclick: () =>
            attempt(async () => {
              const answer = await session.request("lobby:quick-play", { gameType });
              if (answer.queued) {
                queued = true;
                render();
              } else go(answer.gameId);
            }),
        },
        queued ? "Waiting for an opponent…" : "Quick play",
      ),
    );
  }

  function renderForm() {
    const name = h("input", { type: "text", name: "room-name", value: `${session.user.name}'s room`, maxlength: 64 });
    const seats = h("input", { type: "number", name: "seats", min: info?.minPlayers ?? 1, max: info?.maxPlayers ?? 16, value: info?.minPlayers ?? 2 });
    const clock = h("select", { name: "clock" }, Object.keys(CLOCKS).map((k) => h("option", { value: k }, k)));
    const options = h("textarea", { name: "options", rows: 2, placeholder: "{}" });
    const password = h("input", { type: "password", name: "new-room-password", autocomplete: "new-password" });
    const isPrivate = h("input", { type: "checkbox", name: "private" });
    mount(
      form,
      h("h2", {}, "Create a room"),
      field("Room name", name),
      field("Seats", seats),
      field("Clock", clock),
      field("Options (JSON)", options, info?.optionsSchema ? `Schema: ${info.optionsSchema}` : "Leave empty for the game's defaults."),
      field("Password (optional)", password),
      h("label", { class: "inline" }, isPrivate, "Private (not listed; join by id)"),
      h("p", {}, h("button", { type: "submit" }, "Create room")),
    );
    form.onsubmit = (e: Event) => {
      e.preventDefault();
      let parsed: unknown;
      try {
        parsed = options.value.trim() ? JSON.parse(options.value) : undefined;
      } catch {
        notify("The options are not valid JSON.", true);
        return;
      }
      void attempt(async () => {
        const answer = await session.request("lobby:create-room", {
          gameType,
          name: name.value.trim(),
          seats: Number(seats.value),
          options: parsed,
          timeControl: CLOCKS[clock.value] ?? undefined,
          password: password.value || undefined,
          private: isPrivate.checked,
        });
        myRoom = answer.room;
        render();
      });
    };
  }

  mount(
    main,
    h("h1", {}, `Lobby: ${gameType}`),
    h("p", {}, h("a", { href: `#/leaderboard/${encodeURIComponent(gameType)}` }, "Leaderboard")),
    mine, h("h2", {}, "Open rooms"), list, h("h2", {}, "Quick play"), quick, form);
  renderForm();
  render();
  void join();
  void api.games().then((games) => {
    info = games.find((g) => g.id === gameType);
    if (info) {
      (main.querySelector("h1") as HTMLElement).textContent = `Lobby: ${info.name}`;
      renderForm();
    }
  });

  return () => {
    off.forEach((f) => f());
    if (session.socket.connected) void session.request("lobby:leave", {}).catch(() => {});
  };
}
