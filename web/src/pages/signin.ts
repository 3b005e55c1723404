// Sign in as a guest with a name, or with a token from the platform.

import { api } from "../api";
import { h, field, mount } from "../dom";
import { describe } from "../errors";
import type { Cleanup } from "../main";

export function signInPage(main: HTMLElement, signIn: (token: string) => Promise<void>): Cleanup {
  const error = h("p", { class: "error", role: "alert" });
  const name = h("input", { type: "text", name: "name", autocomplete: "nickname", maxlength: 32, required: true });
  const token = h("textarea", { name: "token", rows: 3 });
  const run = async (e: Event, get: () => Promise<string>) => {
    e.preventDefault();
    error.textContent = "";
    const buttons = main.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    try {
      await signIn(await get());
    } catch (err) {
      error.textContent = describe(err);
      buttons.forEach((b) => (b.disabled = false));
    }
  };
  mount(
    main,
    h("h1", {}, "Sign in"),
    error,
    h(
      "form",
      { class: "card", onsubmit: (e: Event) => run(e, async () => (await api.guest(name.value.trim())).token) },
      h("h2", {}, "Play as a guest"),
      field("Your name", name, "1 to 32 characters, shown to other players."),
      h("p", {}, h("button", { type: "submit" }, "Play as guest")),
    ),
    h(
      "form",
      { class: "card", onsubmit: (e: Event) => run(e, async () => token.value.trim()) },
      h("h2", {}, "Sign in with a token"),
      field("Token", token, "A token from your platform, or `gamehost token` for operators."),
      h("p", {}, h("button", { type: "submit", class: "secondary" }, "Sign in with token")),
    ),
  );
  name.focus();
  return () => {};
}
