// Declared secrets in views: the SDK's default view hides them, as the Rust
// SDK's `secrets` module does. Pointers are JSON Pointers into the
// omniscient view; `{seat}` stands for the owning seat and `*` for any one
// key or index.

import type { Secrets, Seat, Viewer } from "./types.ts";

interface Found {
  owner: Seat | null;
  path: (string | number)[];
}

function walk(segments: string[], value: unknown, owner: Seat | null, path: (string | number)[], out: Found[]): void {
  if (segments.length === 0) {
    out.push({ owner, path });
    return;
  }
  const [first, ...rest] = segments;
  if (value === null || typeof value !== "object") return;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as Record<string, unknown>);
  for (const [key, child] of entries) {
    let bound = owner;
    if (first === "{seat}") {
      const seat = Number(key);
      if (!Number.isInteger(seat) || seat < 0) continue;
      bound = seat;
    } else if (first !== "*" && first.replace(/~1/g, "/").replace(/~0/g, "~") !== String(key)) {
      continue;
    }
    walk(rest, child, bound, [...path, key], out);
  }
}

function find(pattern: string, view: unknown): Found[] {
  const out: Found[] = [];
  walk(pattern.split("/").slice(1), view, null, [], out);
  return out;
}

function visible(owner: Seat | null, viewer: Viewer): boolean {
  if (viewer.kind === "omniscient") return true;
  return viewer.kind === "seat" && owner !== null && owner === viewer.seat;
}

/** Sets to null every declared secret `viewer` may not see, in place. */
export function redact(view: unknown, secrets: Secrets, viewer: Viewer): void {
  const found = [
    ...secrets.seatPrivate.flatMap((p) => find(p, view).filter((f) => f.owner !== null)),
    ...secrets.hidden.flatMap((p) => find(p, view).map((f) => ({ ...f, owner: null }))),
  ];
  for (const { owner, path } of found) {
    if (visible(owner, viewer) || path.length === 0) continue;
    let parent = view as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[path[path.length - 1]] = null;
  }
}
