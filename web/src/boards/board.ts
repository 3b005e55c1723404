// What a board is given and what it gives back. A board draws the rules'
// view for the viewer and turns clicks into moves; the game page owns
// everything else (players, clocks, actions, the move list).

export interface BoardInput {
  /** The rules' view for this viewer (JSON, as the plugin returned it). */
  view: any;
  /** This viewer's legal moves now, parsed from their JSON texts. */
  legal: unknown[];
  /** This viewer's seat, or null for a spectator. */
  seat: number | null;
  /** Sends a move (the value as the rules define it). */
  play(move: unknown): void;
  /** Draws the board again (after a selection changed). */
  redraw(): void;
}

export interface Board {
  /** The board as elements. */
  render(input: BoardInput): HTMLElement;
  /** Words for the change from `before` to `after` by `seat`, for the move list. */
  describe?(before: any, after: any, seat: number): string | null;
  /** The whole move list, one entry per line, when the view carries it (chess). */
  history?(view: any): string[] | null;
}
