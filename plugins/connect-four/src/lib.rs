//! Connect four: two players take turns dropping discs into a 7-column,
//! 6-row grid; the first to line up four wins.
//!
//! A move is the index of a column, 0 to 6 from the left, as a JSON number:
//! `3` drops a disc into the middle column. Discs fall to the lowest empty
//! cell of the column, so a full column cannot take another.

use gamehost_sdk::prelude::*;

/// Columns of the grid.
pub const COLUMNS: usize = 7;
/// Rows of the grid.
pub const ROWS: usize = 6;
/// Discs in a row needed to win.
const RUN: usize = 4;

/// The rules.
pub struct ConnectFour;

/// A game in progress. Connect four has no hidden information, so this is
/// also what every viewer sees.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Board {
    /// The grid, rows from top to bottom, each row's cells from left to right:
    /// `None` when empty, `Some(seat)` once a disc is there. Top-to-bottom
    /// matches how clients draw the grid, so they can render it as is.
    pub rows: [[Option<Seat>; COLUMNS]; ROWS],
    /// The seat to move next.
    pub next: Seat,
}

/// The four directions a line can run in (row step, column step); the
/// opposite directions find the same lines from their other end.
const DIRECTIONS: [(isize, isize); 4] = [(0, 1), (1, 0), (1, 1), (1, -1)];

impl Board {
    /// The cell `steps` steps from (`row`, `col`) in direction `dir`, if it is
    /// on the board.
    fn cell(
        &self,
        row: usize,
        col: usize,
        dir: (isize, isize),
        steps: usize,
    ) -> Option<Option<Seat>> {
        let r = row.checked_add_signed(dir.0 * steps as isize)?;
        let c = col.checked_add_signed(dir.1 * steps as isize)?;
        self.rows.get(r)?.get(c).copied()
    }

    /// The seat with four in a row, if any. At most one seat can have one:
    /// play stops at the first.
    fn winner(&self) -> Option<Seat> {
        for row in 0..ROWS {
            for col in 0..COLUMNS {
                let Some(seat) = self.rows[row][col] else {
                    continue;
                };
                let line = |dir| (1..RUN).all(|k| self.cell(row, col, dir, k) == Some(Some(seat)));
                if DIRECTIONS.into_iter().any(line) {
                    return Some(seat);
                }
            }
        }
        None
    }

    /// True when no column can take another disc.
    fn full(&self) -> bool {
        self.rows[0].iter().all(Option::is_some)
    }

    /// The row a disc dropped into `col` lands in, or `None` when the column
    /// is full or off the board.
    fn landing_row(&self, col: usize) -> Option<usize> {
        if col >= COLUMNS {
            return None;
        }
        (0..ROWS).rev().find(|&row| self.rows[row][col].is_none())
    }
}

impl Game for ConnectFour {
    type State = Board;
    type Move = u8;
    type Options = NoOptions;

    fn info() -> GameInfo {
        GameInfo {
            id: "connect-four".into(),
            name: "Connect four".into(),
            version: "1.0.0".into(),
            min_players: 2,
            max_players: 2,
            description:
                "Take turns dropping discs into a 7-column, 6-row grid; the first to line up four \
                          horizontally, vertically or diagonally wins, and a full grid is a draw. \
                          A move is a column index 0-6, from the left."
                    .into(),
            options_schema: None,
            information: Information::Perfect,
            example_moves: vec!["3".into()],
        }
    }

    fn start(_players: u32, _options: NoOptions, _rng: &mut Rng) -> Result<Board, String> {
        Ok(Board::default())
    }

    fn phase(board: &Board) -> Phase {
        if let Some(seat) = board.winner() {
            Phase::Finished(Outcome::winner(seat, "four in a row"))
        } else if board.full() {
            Phase::Finished(Outcome::draw("board full"))
        } else {
            Phase::ToMove(vec![board.next])
        }
    }

    fn apply(board: &mut Board, column: u8, turn: &mut Turn) -> Result<(), MoveError> {
        let col = usize::from(column);
        if col >= COLUMNS {
            return Err(MoveError::illegal(format!(
                "column {column} is off the board (0-{})",
                COLUMNS - 1
            )));
        }
        let Some(row) = board.landing_row(col) else {
            return Err(MoveError::illegal(format!("column {column} is full")));
        };
        board.rows[row][col] = Some(turn.seat);
        board.next = 1 - turn.seat;
        Ok(())
    }

    /// Shows the grid and the seat to move; `next` is `null` once the game is
    /// over so that clients do not offer a turn that cannot be taken.
    fn view(board: &Board, _viewer: Viewer) -> gamehost_sdk::serde_json::Value {
        let next = (!Self::phase(board).is_finished()).then_some(board.next);
        json!({ "rows": board.rows, "next": next })
    }

    fn legal_moves(board: &Board, _seat: Seat) -> Vec<u8> {
        (0u8..COLUMNS as u8)
            .filter(|&col| board.landing_row(usize::from(col)).is_some())
            .collect()
    }
}

gamehost_sdk::export_game!(ConnectFour);

#[cfg(test)]
mod tests {
    use super::*;
    use gamehost_sdk::testing::NativeRules;
    use gamehost_sdk::{Context, Rules, Setup, Transition};

    fn start() -> Transition {
        let setup = Setup {
            players: 2,
            options: "{}".into(),
            seed: 0,
        };
        NativeRules::<ConnectFour>::new()
            .start(&setup)
            .unwrap()
            .unwrap()
    }

    /// Plays `columns` (one digit per move, seats alternating from seat 0),
    /// checking that the game is not over before the last move.
    fn play(columns: &str) -> Transition {
        let mut rules = NativeRules::<ConnectFour>::new();
        let mut t = start();
        for (ply, col) in columns.chars().enumerate() {
            assert!(
                !t.phase.is_finished(),
                "game ended before move {ply} of {columns}"
            );
            let ctx = Context {
                seat: (ply % 2) as Seat,
                ply: ply as u64,
                entropy: 0,
            };
            t = rules
                .apply(&t.state, &ctx, &col.to_string())
                .unwrap()
                .unwrap();
        }
        t
    }

    fn won_by(seat: Seat) -> Phase {
        Phase::Finished(Outcome::winner(seat, "four in a row"))
    }

    #[test]
    fn vertical_four_wins() {
        assert_eq!(play("0101010").phase, won_by(0));
    }

    #[test]
    fn horizontal_four_wins() {
        // Seat 0 along the bottom row, seat 1 stacking on top of it.
        assert_eq!(play("0011223").phase, won_by(0));
        // Seat 1 along the second row, above seat 0's discs.
        assert_eq!(play("60011223").phase, won_by(1));
    }

    #[test]
    fn rising_diagonal_wins() {
        // Seat 0 ends on (row from the bottom, column) (0, 0), (1, 1), (2, 2), (3, 3).
        assert_eq!(play("01122323363").phase, won_by(0));
    }

    #[test]
    fn falling_diagonal_wins() {
        // The mirror image: (0, 6), (1, 5), (2, 4), (3, 3).
        assert_eq!(play("65544343303").phase, won_by(0));
    }

    #[test]
    fn full_and_off_board_columns_are_illegal() {
        let t = play("000000");
        let mut rules = NativeRules::<ConnectFour>::new();
        let ctx = Context {
            seat: 0,
            ply: 6,
            entropy: 0,
        };
        assert!(matches!(
            rules.apply(&t.state, &ctx, "0").unwrap(),
            Err(MoveError::Illegal(_))
        ));
        assert!(matches!(
            rules.apply(&t.state, &ctx, "7").unwrap(),
            Err(MoveError::Illegal(_))
        ));
        assert!(matches!(
            rules.apply(&t.state, &ctx, "-1").unwrap(),
            Err(MoveError::Malformed(_))
        ));
        assert!(matches!(
            rules.apply(&t.state, &ctx, "\"3\"").unwrap(),
            Err(MoveError::Malformed(_))
        ));
        assert_eq!(
            rules.legal_moves(&t.state, 0).unwrap(),
            ["1", "2", "3", "4", "5", "6"]
        );
        let wrong_seat = Context { seat: 1, ..ctx };
        assert_eq!(
            rules.apply(&t.state, &wrong_seat, "1").unwrap(),
            Err(MoveError::NotYourTurn)
        );
    }

    #[test]
    fn discs_fall_to_the_bottom() {
        let t = play("33");
        let view: gamehost_sdk::serde_json::Value = gamehost_sdk::serde_json::from_str(
            &NativeRules::<ConnectFour>::new()
                .view(&t.state, Viewer::Spectator)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(view["rows"][5][3], 0);
        assert_eq!(view["rows"][4][3], 1);
        assert!(view["rows"][3][3].is_null());
        assert_eq!(view["next"], 0);
    }

    #[test]
    fn full_board_without_four_is_a_draw() {
        // Found by a random search; `play` checks nobody wins before the end.
        let t = play("331650114266141231434452363064260555520200");
        assert_eq!(t.phase, Phase::Finished(Outcome::draw("board full")));
    }

    #[test]
    fn conforms() {
        gamehost_sdk::testing::assert_conforms::<ConnectFour>();
    }
}
