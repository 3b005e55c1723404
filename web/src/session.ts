// The signed-in user and their Socket.IO connection: requests with
// acknowledgements, the connection state shown in the header, automatic
// reconnection, and notices (errors in words, announcements).

import { io, type Socket } from "socket.io-client";
import { ServerError, describe } from "./errors";

export interface User {
  token: string;
  userId: string;
  name: string;
  role: string;
  features: string[];
}

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

const TOKEN_KEY = "gamehost.token";
const REQUEST_TIMEOUT_MS = 8000;

/** The token kept between visits, if any. */
export function storedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function forgetToken() {
  localStorage.removeItem(TOKEN_KEY);
}

export class Session {
  readonly socket: Socket;
  user: User;
  state: ConnectionState = "connecting";
  private stateListeners = new Set<(state: ConnectionState) => void>();
  private reconnectListeners = new Set<() => void>();

  private constructor(socket: Socket, user: User) {
    this.socket = socket;
    this.user = user;
  }

  /** Connects with `token`; resolves once the server confirmed who we are. */
  static start(token: string): Promise<Session> {
    const socket = io({
      auth: { token },
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    return new Promise((resolve, reject) => {
      socket.once("connection:confirmed", (c: { userId: string; name: string; role: string; features: string[] }) => {
        localStorage.setItem(TOKEN_KEY, token);
        const session = new Session(socket, { token, userId: c.userId, name: c.name, role: c.role, features: c.features });
        session.watch();
        session.setState("connected");
        resolve(session);
      });
      socket.once("connect_error", (err: Error) => {
        socket.close();
        reject(new Error(err.message));
      });
    });
  }

  private watch() {
    const s = this.socket;
    let dropped = false;
    s.on("disconnect", (reason) => {
      dropped = true;
      // A server-side disconnect (a kick, a ban) is not retried by the
      // client library: say so instead of "reconnecting".
      this.setState(reason === "io server disconnect" ? "offline" : "reconnecting");
      if (reason === "io server disconnect") notify("The server closed your connection.", true);
    });
    s.on("connect", () => {
      this.setState("connected");
      if (dropped) {
        dropped = false;
        for (const f of this.reconnectListeners) f();
      }
    });
    s.io.on("reconnect_failed", () => this.setState("offline"));
    s.on("connect_error", (err: Error) => {
      if (/authentication failed/.test(err.message)) {
        notify(`Signed out: ${err.message}.`, true);
        this.setState("offline");
      }
    });
    s.on("announcement", (a: { message: string; from: string }) => notify(`Announcement from ${a.from}: ${a.message}`));
  }

  private setState(state: ConnectionState) {
    this.state = state;
    for (const f of this.stateListeners) f(state);
  }

  onState(f: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(f);
    return () => this.stateListeners.delete(f);
  }

  /** Called after the connection came back from a drop (resync here). */
  onReconnect(f: () => void): () => void {
    this.reconnectListeners.add(f);
    return () => this.reconnectListeners.delete(f);
  }

  /** Listens to a server event until the returned function is called. */
  on<T = any>(event: string, f: (payload: T) => void): () => void {
    this.socket.on(event, f);
    return () => this.socket.off(event, f);
  }

  /** Sends a request; resolves with the answer, or throws a ServerError. */
  async request<T = any>(event: string, payload: unknown = {}): Promise<T> {
    if (!this.socket.connected) throw new ServerError("OFFLINE", "not connected");
    let answer: any;
    try {
      answer = await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, payload);
    } catch {
      throw new ServerError("TIMEOUT", `no answer to ${event}`);
    }
    if (!answer || answer.ok !== true) {
      throw new ServerError(answer?.error?.code ?? "INTERNAL", answer?.error?.message ?? "");
    }
    return answer as T;
  }

  close() {
    this.socket.close();
  }
}

/** Shows a notice at the top of the page for a while. */
export function notify(text: string, error = false) {
  const box = document.getElementById("notices");
  if (!box) return;
  const note = document.createElement("div");
  note.className = error ? "notice error" : "notice";
  note.textContent = text;
  box.appendChild(note);
  setTimeout(() => note.remove(), error ? 9000 : 7000);
}

/** Runs `action`, showing any failure as a notice in words. */
export async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (e) {
    notify(describe(e), true);
    return undefined;
  }
}
