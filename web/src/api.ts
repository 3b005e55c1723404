// HTTP calls to the host: guest sign-in, game types, live games, the
// admin API.

import { ServerError } from "./errors";

export interface GameInfo {
  id: string;
  name: string;
  version: string;
  minPlayers: number;
  maxPlayers: number;
  description: string;
  optionsSchema?: string | null;
}

export interface LiveGame {
  gameId: string;
  gameType: string;
  players: string[];
  spectators: number;
  ply: number;
}

async function call<T>(method: string, path: string, token: string | null, body?: BodyInit, type?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (type) headers["content-type"] = type;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body });
  } catch {
    throw new ServerError("OFFLINE", "the server could not be reached");
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ServerError(error?.code ?? `HTTP_${res.status}`, error?.message ?? (text || res.statusText));
  }
  return json as T;
}

export interface TournamentSummary {
  tournamentId: string;
  name: string;
  gameType: string;
  format: { kind: string; rounds?: number; minutes?: number; double?: boolean };
  status: "registering" | "running" | "finished";
  maxPlayers: number;
  playerCount: number;
  hasPassword: boolean;
  round: number;
  winner: { userId: string; name: string } | null;
  cancelled: string | null;
}

export interface Standing {
  rank: number;
  userId: string;
  name: string;
  points: number;
  buchholz?: number;
  sonnebornBerger?: number;
  played: number;
  onFire?: boolean;
  withdrawn?: boolean;
}

export interface Tournament extends TournamentSummary {
  players: { userId: string; name: string; rating: number; withdrawn: boolean }[];
  rounds: {
    number: number;
    games: { gameId: string | null; players: { userId: string; name: string }[]; result: number[] | null }[];
    byes: { userId: string; name: string }[];
  }[];
  standings: Standing[];
  currentGames: { gameId: string; players: { userId: string; name: string }[] }[];
}

export interface LeaderboardEntry {
  rank: number;
  userId: string;
  name: string;
  rating: number;
  deviation: number;
  games: number;
  provisional: boolean;
}

export const api = {
  guest: (name: string) =>
    call<{ token: string; userId: string; name: string; role: string }>("POST", "/api/auth/guest", null, JSON.stringify({ name }), "application/json"),
  games: () => call<GameInfo[]>("GET", "/api/games", null),
  liveGames: () => call<LiveGame[]>("GET", "/api/live-games", null),
  tournaments: () => call<{ tournaments: TournamentSummary[] }>("GET", "/api/tournaments", null),
  tournament: (id: string) => call<Tournament>("GET", `/api/tournaments/${encodeURIComponent(id)}`, null),
  leaderboard: (gameType: string, offset = 0) =>
    call<{ total: number; offset: number; limit: number; entries: LeaderboardEntry[] }>(
      "GET",
      `/api/leaderboards/${encodeURIComponent(gameType)}?offset=${offset}&limit=50`,
      null,
    ),
  admin: {
    get: <T>(token: string, path: string) => call<T>("GET", `/api/admin${path}`, token),
    post: <T>(token: string, path: string, body?: unknown) =>
      call<T>("POST", `/api/admin${path}`, token, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : "application/json"),
    upload: <T>(token: string, bytes: ArrayBuffer, activate: boolean) =>
      call<T>("POST", `/api/admin/plugins${activate ? "?activate=true" : ""}`, token, bytes, "application/wasm"),
    del: <T>(token: string, path: string) => call<T>("DELETE", `/api/admin${path}`, token),
  },
};
