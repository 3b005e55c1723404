//! Move generation checked against published perft counts.
//!
//! Leaf counts from known positions are the standard test of a move
//! generator: they exercise every rule (castling through check, en passant
//! discovered checks, promotions, pins) in millions of positions, and any
//! mistake changes a number.

use gamehost_chess::movegen::perft_divide;
use gamehost_chess::{Position, START_FEN, perft};

// The published positions, character for character: Kiwipete has a black
// pawn on h3 ("2N2Q1p") and position 4 a black pawn on b2 ("Pp1P2PP").
// Copies circulating without them give different counts (49 moves at depth 1
// for Kiwipete without h3, 240 at depth 2 for position 4 with a knight on b2).
const KIWIPETE: &str = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1";
const POSITION_3: &str = "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1";
const POSITION_4: &str = "r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1";
const POSITION_4_MIRRORED: &str =
    "r2q1rk1/pP1p2pp/Q4n2/bbp1p3/Np6/1B3NBn/pPPP1PPP/R3K2R b KQ - 0 1";
const POSITION_5: &str = "rnbq1k1r/pp1Pbppp/2p5/8/2B5/8/PPP1NnPP/RNBQK2R w KQ - 1 8";
const POSITION_6: &str = "r4rk1/1pp1qppp/p1np1n2/2b1p1B1/2B1P1b1/P1NP1N2/1PP1QPPP/R4RK1 w - - 0 10";

fn position(fen: &str) -> Position {
    match Position::from_fen(fen) {
        Ok(pos) => pos,
        Err(e) => panic!("{fen}: {e}"),
    }
}

fn check(fen: &str, expected: &[u64]) {
    let pos = position(fen);
    for (depth, &want) in (1..).zip(expected) {
        let got = perft(&pos, depth);
        if got != want {
            let divide: Vec<String> = perft_divide(&pos, depth)
                .iter()
                .map(|(m, n)| format!("{m}: {n}"))
                .collect();
            panic!(
                "{fen} depth {depth}: {got}, expected {want}\n{}",
                divide.join("\n")
            );
        }
    }
}

#[test]
fn start_position() {
    check(START_FEN, &[20, 400, 8_902, 197_281, 4_865_609]);
}

#[test]
fn kiwipete() {
    check(KIWIPETE, &[48, 2_039, 97_862, 4_085_603]);
}

#[test]
fn position_3() {
    check(POSITION_3, &[14, 191, 2_812, 43_238, 674_624]);
}

#[test]
fn position_4() {
    check(POSITION_4, &[6, 264, 9_467, 422_333]);
    check(POSITION_4_MIRRORED, &[6, 264, 9_467, 422_333]);
}

#[test]
fn positions_5_and_6() {
    check(POSITION_5, &[44, 1_486, 62_379]);
    check(POSITION_6, &[46, 2_079, 89_890]);
}

/// Martin Sedlak's edge-case suite: illegal en passant through a pinned
/// pawn, en passant giving check, castling giving check, promotions out of
/// and into check, under-promotion, self-stalemate.
#[test]
fn edge_cases() {
    let cases: &[(&str, u32, u64)] = &[
        ("3k4/3p4/8/K1P4r/8/8/8/8 b - - 0 1", 6, 1_134_888),
        ("8/8/4k3/8/2p5/8/B2P2K1/8 w - - 0 1", 6, 1_015_133),
        ("8/8/1k6/2b5/2pP4/8/5K2/8 b - d3 0 1", 6, 1_440_467),
        ("5k2/8/8/8/8/8/8/4K2R w K - 0 1", 6, 661_072),
        ("3k4/8/8/8/8/8/8/R3K3 w Q - 0 1", 6, 803_711),
        ("r3k2r/1b4bq/8/8/8/8/7B/R3K2R w KQkq - 0 1", 4, 1_274_206),
        ("r3k2r/8/3Q4/8/8/5q2/8/R3K2R b KQkq - 0 1", 4, 1_720_476),
        ("2K2r2/4P3/8/8/8/8/8/3k4 w - - 0 1", 6, 3_821_001),
        ("8/8/1P2K3/8/2n5/1q6/8/5k2 b - - 0 1", 5, 1_004_658),
        ("4k3/1P6/8/8/8/8/K7/8 w - - 0 1", 6, 217_342),
        ("8/P1k5/K7/8/8/8/8/8 w - - 0 1", 6, 92_683),
        ("K1k5/8/P7/8/8/8/8/8 w - - 0 1", 6, 2_217),
        ("8/k1P5/8/1K6/8/8/8/8 w - - 0 1", 7, 567_584),
        ("8/8/2k5/5q2/5n2/8/5K2/8 b - - 0 1", 4, 23_527),
    ];
    for &(fen, depth, want) in cases {
        assert_eq!(perft(&position(fen), depth), want, "{fen} depth {depth}");
    }
}
