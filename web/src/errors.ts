// Server error codes in words, for players (docs/protocol.md lists them).

const WORDS: Record<string, string> = {
  MALFORMED: "The request was not understood.",
  PAYLOAD_TOO_LARGE: "That is too large to send.",
  UNKNOWN_EVENT: "The server does not know that request.",
  RATE_LIMITED: "Too many actions at once. Wait a moment and try again.",
  UNKNOWN_GAME_TYPE: "That game is not available on this server.",
  BAD_OPTIONS: "The game could not be set up with those options.",
  NOT_FOUND: "It no longer exists.",
  GAME_FULL: "Every seat is taken.",
  SPECTATORS_NOT_ALLOWED: "This game does not allow spectators.",
  NOT_IN_GAME: "You are not playing in this game.",
  GAME_NOT_STARTED: "The game has not started: seats are still free.",
  NOT_YOUR_TURN: "It is not your turn.",
  ILLEGAL_MOVE: "That move is not allowed.",
  GAME_FINISHED: "The game is over.",
  GAME_NOT_FINISHED: "The game is not over yet.",
  NO_DRAW_OFFER: "There is no draw offer to answer.",
  NO_REVENGE_OFFER: "There is no rematch offer to answer.",
  OFFER_PENDING: "Your offer stands; waiting for the others to answer.",
  NOT_IN_ROOM: "You are not in that room.",
  LIMIT_REACHED: "A limit is reached; close something first or try later.",
  WRONG_PASSWORD: "Wrong password for that room.",
  CONFLICT: "The game changed meanwhile; it has been refreshed.",
  UNAUTHORIZED: "Please sign in again.",
  FORBIDDEN: "Only administrators may do that.",
  PLUGIN_REJECTED: "The component was refused.",
  PLUGIN_FAILURE: "The game's rules failed; nothing changed. Try again, or report it.",
  INTERNAL: "The server had a problem; nothing changed. Try again.",
  TIMEOUT: "The server did not answer in time.",
  OFFLINE: "You are offline; the action was not sent.",
};

/** An error from the server: a stable code and the server's message. */
export class ServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What to show a person for `error`: the code in words, then the detail. */
export function describe(error: unknown): string {
  if (error instanceof ServerError) {
    const words = WORDS[error.code] ?? "Something went wrong.";
    return error.message && error.message !== words ? `${words} (${error.message})` : words;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
