//! Tic-tac-toe: two players take turns marking a 3x3 grid; three in a row wins.
//!
//! A move is the index of a cell, 0 to 8, row by row from the top left:
//! `4` is the centre.

use gamehost_sdk::prelude::*;

/// The rules.
pub struct TicTacToe;

/// A game in progress.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Board {
    /// Each cell: `None` when empty, `Some(seat)` once marked.
    pub cells: [Option<Seat>; 9],
    /// The seat to move next.
    pub next: Seat,
}

const LINES: [[usize; 3]; 8] = [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7, 8],
    [0, 3, 6],
    [1, 4, 7],
    [2, 5, 8],
    [0, 4, 8],
    [2, 4, 6],
];

impl Board {
    fn winner(&self) -> Option<Seat> {
        LINES.iter().find_map(
            |[a, b, c]| match (self.cells[*a], self.cells[*b], self.cells[*c]) {
                (Some(x), Some(y), Some(z)) if x == y && y == z => Some(x),
                _ => None,
            },
        )
    }

    fn full(&self) -> bool {
        self.cells.iter().all(Option::is_some)
    }
}

impl Game for TicTacToe {
    type State = Board;
    type Move = u8;
    type Options = NoOptions;

    fn info() -> GameInfo {
        GameInfo {
            id: "tic-tac-toe".into(),
            name: "Tic-tac-toe".into(),
            version: "1.0.0".into(),
            min_players: 2,
            max_players: 2,
            description: "Take turns marking a 3x3 grid; the first to get three in a row wins. \
                          A move is a cell index 0-8, row by row."
                .into(),
            options_schema: None,
            information: Information::Perfect,
            example_moves: vec!["4".into()],
        }
    }

    fn start(_players: u32, _options: NoOptions, _rng: &mut Rng) -> Result<Board, String> {
        Ok(Board::default())
    }

    fn phase(board: &Board) -> Phase {
        if let Some(seat) = board.winner() {
            Phase::Finished(Outcome::winner(seat, "three in a row"))
        } else if board.full() {
            Phase::Finished(Outcome::draw("board full"))
        } else {
            Phase::ToMove(vec![board.next])
        }
    }

    fn apply(board: &mut Board, cell: u8, turn: &mut Turn) -> Result<(), MoveError> {
        let index = usize::from(cell);
        match board.cells.get(index) {
            None => {
                return Err(MoveError::illegal(format!(
                    "cell {cell} is off the board (0-8)"
                )));
            }
            Some(Some(_)) => return Err(MoveError::illegal(format!("cell {cell} is taken"))),
            Some(None) => {}
        }
        board.cells[index] = Some(turn.seat);
        board.next = 1 - turn.seat;
        Ok(())
    }

    fn legal_moves(board: &Board, _seat: Seat) -> Vec<u8> {
        (0u8..9)
            .filter(|&i| board.cells[usize::from(i)].is_none())
            .collect()
    }
}

gamehost_sdk::export_game!(TicTacToe);

#[cfg(test)]
mod tests {
    use super::*;
    use gamehost_sdk::testing::NativeRules;
    use gamehost_sdk::{Context, Rules, Setup};

    fn play(moves: &[(Seat, &str)]) -> gamehost_sdk::Transition {
        let mut rules = NativeRules::<TicTacToe>::new();
        let setup = Setup {
            players: 2,
            options: "{}".into(),
            seed: 0,
        };
        let mut t = rules.start(&setup).unwrap().unwrap();
        for (ply, (seat, mv)) in moves.iter().enumerate() {
            let ctx = Context {
                seat: *seat,
                ply: ply as u64,
                entropy: 0,
            };
            t = rules.apply(&t.state, &ctx, mv).unwrap().unwrap();
        }
        t
    }

    #[test]
    fn three_in_a_row_wins() {
        let t = play(&[(0, "0"), (1, "3"), (0, "1"), (1, "4"), (0, "2")]);
        assert_eq!(
            t.phase,
            Phase::Finished(Outcome::winner(0, "three in a row"))
        );
    }

    #[test]
    fn full_board_is_a_draw() {
        let t = play(&[
            (0, "0"),
            (1, "1"),
            (0, "2"),
            (1, "4"),
            (0, "3"),
            (1, "5"),
            (0, "7"),
            (1, "6"),
            (0, "8"),
        ]);
        assert!(matches!(
            t.phase,
            Phase::Finished(Outcome { draw: true, .. })
        ));
    }

    #[test]
    fn taken_and_off_board_cells_are_illegal() {
        let t = play(&[(0, "4")]);
        let mut rules = NativeRules::<TicTacToe>::new();
        let ctx = Context {
            seat: 1,
            ply: 1,
            entropy: 0,
        };
        assert!(matches!(
            rules.apply(&t.state, &ctx, "4").unwrap(),
            Err(MoveError::Illegal(_))
        ));
        assert!(matches!(
            rules.apply(&t.state, &ctx, "9").unwrap(),
            Err(MoveError::Illegal(_))
        ));
        assert!(matches!(
            rules.apply(&t.state, &ctx, "\"x\"").unwrap(),
            Err(MoveError::Malformed(_))
        ));
        let wrong_seat = Context { seat: 0, ..ctx };
        assert_eq!(
            rules.apply(&t.state, &wrong_seat, "0").unwrap(),
            Err(MoveError::NotYourTurn)
        );
    }

    #[test]
    fn conforms() {
        gamehost_sdk::testing::assert_conforms::<TicTacToe>();
    }
}
