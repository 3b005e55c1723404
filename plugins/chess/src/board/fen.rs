//! Forsyth-Edwards Notation: reading and writing positions.
//!
//! FEN is both the start-position option clients send and the form the
//! position takes in the stored game state, so parsing never panics and
//! refuses anything move generation could not cope with: a missing or extra
//! king, pawns on the first or last rank, more material than a game can
//! reach, castling rights without the king and rook at home, an impossible
//! en-passant square, or the side not to move standing in check.

use crate::board::{Color, Kind, Piece, Position, Square, castling, parse_square, square_name};
use crate::movegen::tables::PAWN_ATTACKS;
use std::fmt;

/// Why a FEN string was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FenError(pub String);

impl fmt::Display for FenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid FEN: {}", self.0)
    }
}

impl std::error::Error for FenError {}

fn err<T>(message: impl Into<String>) -> Result<T, FenError> {
    Err(FenError(message.into()))
}

/// A field quoted in an error message, cut short so that a huge input does
/// not make a huge message.
fn quote(text: &str) -> String {
    let cut: String = text.chars().take(24).collect();
    if cut.len() < text.len() {
        format!("{cut:?}...")
    } else {
        format!("{cut:?}")
    }
}

/// (right, king square, rook square, colour) for each castling right.
const CASTLING_HOMES: [(u8, Square, Square, Color); 4] = [
    (castling::WHITE_KING, 4, 7, Color::White),
    (castling::WHITE_QUEEN, 4, 0, Color::White),
    (castling::BLACK_KING, 60, 63, Color::Black),
    (castling::BLACK_QUEEN, 60, 56, Color::Black),
];

impl Position {
    /// Parses a FEN string. The halfmove and fullmove fields may be left
    /// out (as in EPD); they default to `0` and `1`.
    pub fn from_fen(fen: &str) -> Result<Position, FenError> {
        let fields: Vec<&str> = fen.split_whitespace().take(7).collect();
        if !(4..=6).contains(&fields.len()) {
            return err(
                "expected 6 space-separated fields (placement, side to move, castling, en passant, halfmove clock, move number)",
            );
        }
        let mut pos = Position::empty();
        parse_placement(&mut pos, fields[0])?;
        pos.side = match fields[1] {
            "w" => Color::White,
            "b" => Color::Black,
            other => {
                return err(format!(
                    "side to move must be \"w\" or \"b\", not {}",
                    quote(other)
                ));
            }
        };
        pos.castling = parse_castling(fields[2])?;
        let ep = match fields[3] {
            "-" => None,
            name => match parse_square(name) {
                Some(sq) => Some(sq),
                None => {
                    return err(format!(
                        "en-passant square must be \"-\" or a square, not {}",
                        quote(name)
                    ));
                }
            },
        };
        pos.halfmove = match fields.get(4) {
            None => 0,
            Some(text) => text.parse().map_err(|_| {
                FenError(format!(
                    "halfmove clock must be a whole number, not {}",
                    quote(text)
                ))
            })?,
        };
        pos.fullmove = match fields.get(5) {
            None => 1,
            Some(text) => text
                .parse::<u32>()
                .map_err(|_| {
                    FenError(format!(
                        "move number must be a whole number, not {}",
                        quote(text)
                    ))
                })?
                .max(1),
        };
        validate_material(&pos)?;
        validate_castling(&pos)?;
        pos.ep = validate_en_passant(&pos, ep)?;
        let them = pos.side.other();
        if pos.is_attacked(pos.king(them), pos.side, pos.occupied()) {
            return err(format!(
                "{} is in check but it is {}'s move",
                them.name(),
                pos.side.name()
            ));
        }
        Ok(pos)
    }

    /// The position as FEN. The en-passant square is written only when a
    /// pawn stands ready to take (as Stockfish does), so a round trip of a
    /// FEN naming a square nobody can capture on drops it.
    pub fn to_fen(&self) -> String {
        let mut out = String::with_capacity(90);
        for rank in (0..8u8).rev() {
            let mut empty = 0u8;
            for file in 0..8u8 {
                match self.piece_at(rank * 8 + file) {
                    Some(piece) => {
                        if empty > 0 {
                            out.push(char::from(b'0' + empty));
                            empty = 0;
                        }
                        out.push(piece.to_char());
                    }
                    None => empty += 1,
                }
            }
            if empty > 0 {
                out.push(char::from(b'0' + empty));
            }
            if rank > 0 {
                out.push('/');
            }
        }
        out.push_str(if self.side == Color::White {
            " w "
        } else {
            " b "
        });
        if self.castling == 0 {
            out.push('-');
        }
        for (right, letter) in [
            (castling::WHITE_KING, 'K'),
            (castling::WHITE_QUEEN, 'Q'),
            (castling::BLACK_KING, 'k'),
            (castling::BLACK_QUEEN, 'q'),
        ] {
            if self.castling & right != 0 {
                out.push(letter);
            }
        }
        out.push(' ');
        match self.ep {
            Some(sq) => {
                let [f, r] = square_name(sq);
                out.push(char::from(f));
                out.push(char::from(r));
            }
            None => out.push('-'),
        }
        out.push_str(&format!(" {} {}", self.halfmove, self.fullmove));
        out
    }
}

fn parse_placement(pos: &mut Position, placement: &str) -> Result<(), FenError> {
    let ranks: Vec<&str> = placement.split('/').take(9).collect();
    if ranks.len() != 8 {
        return err(format!(
            "the placement must have 8 ranks separated by '/', not {}",
            quote(placement)
        ));
    }
    for (rank_text, rank) in ranks.iter().zip((0..8u8).rev()) {
        let mut file = 0u8;
        for c in rank_text.chars() {
            if file >= 8 {
                return err(format!("rank {} is longer than 8 squares", rank + 1));
            }
            if let Some(skip) = c.to_digit(10).filter(|d| (1..=8).contains(d)) {
                file += skip as u8;
            } else if let Some(piece) = Piece::from_char(c) {
                pos.put(rank * 8 + file, piece);
                file += 1;
            } else {
                return err(format!(
                    "{c:?} is not a piece letter (PNBRQK, pnbrqk) or 1-8"
                ));
            }
        }
        if file != 8 {
            return err(format!("rank {} has {file} squares, not 8", rank + 1));
        }
    }
    Ok(())
}

fn parse_castling(text: &str) -> Result<u8, FenError> {
    if text == "-" {
        return Ok(0);
    }
    let mut rights = 0u8;
    for c in text.chars() {
        let right = match c {
            'K' => castling::WHITE_KING,
            'Q' => castling::WHITE_QUEEN,
            'k' => castling::BLACK_KING,
            'q' => castling::BLACK_QUEEN,
            _ => {
                return err(format!(
                    "castling rights must be \"-\" or letters of KQkq, not {}",
                    quote(text)
                ));
            }
        };
        if rights & right != 0 {
            return err(format!("castling right {c} is given twice"));
        }
        rights |= right;
    }
    Ok(rights)
}

/// One king each, no pawn on a back rank, and no more material than a game
/// can produce (16 men a side, 8 pawns, and every piece beyond the starting
/// set paid for by a missing pawn). The last rule also bounds the number of
/// legal moves, which sizes the move list.
fn validate_material(pos: &Position) -> Result<(), FenError> {
    for color in [Color::White, Color::Black] {
        let count = |kind| pos.pieces(color, kind).count_ones();
        let name = color.name();
        match count(Kind::King) {
            1 => {}
            n => return err(format!("{name} must have exactly one king, not {n}")),
        }
        if pos.color(color).count_ones() > 16 {
            return err(format!("{name} has more than 16 men"));
        }
        let pawns = count(Kind::Pawn);
        if pawns > 8 {
            return err(format!("{name} has more than 8 pawns"));
        }
        let promoted = count(Kind::Queen).saturating_sub(1)
            + count(Kind::Rook).saturating_sub(2)
            + count(Kind::Bishop).saturating_sub(2)
            + count(Kind::Knight).saturating_sub(2);
        if promoted > 8 - pawns {
            return err(format!(
                "{name} has more promoted pieces than missing pawns"
            ));
        }
    }
    const BACK_RANKS: u64 = 0xFF00_0000_0000_00FF;
    if pos.kind(Kind::Pawn) & BACK_RANKS != 0 {
        return err("pawns cannot stand on the first or last rank");
    }
    Ok(())
}

/// Each castling right needs its king and rook on their home squares.
fn validate_castling(pos: &Position) -> Result<(), FenError> {
    for (right, king_sq, rook_sq, color) in CASTLING_HOMES {
        if pos.castling & right == 0 {
            continue;
        }
        let king = Some(Piece {
            color,
            kind: Kind::King,
        });
        let rook = Some(Piece {
            color,
            kind: Kind::Rook,
        });
        if pos.piece_at(king_sq) != king || pos.piece_at(rook_sq) != rook {
            let [f, r] = square_name(rook_sq);
            return err(format!(
                "castling right needs the {} king and rook on their home squares ({} and {}{})",
                color.name(),
                if color == Color::White { "e1" } else { "e8" },
                char::from(f),
                char::from(r)
            ));
        }
    }
    Ok(())
}

/// The en-passant square must be one a pawn of the side not to move has
/// just passed over: on the third or sixth rank, empty, with that pawn in
/// front of it and its starting square empty. It is kept only when a pawn
/// of the side to move could capture there, so that equal positions compare
/// equal.
fn validate_en_passant(pos: &Position, ep: Option<Square>) -> Result<Option<Square>, FenError> {
    let Some(sq) = ep else {
        return Ok(None);
    };
    let us = pos.side;
    let them = us.other();
    let (rank, pawn_sq, origin) = match us {
        Color::White => (5, sq.wrapping_sub(8), sq + 8),
        Color::Black => (2, sq + 8, sq.wrapping_sub(8)),
    };
    let [f, r] = square_name(sq);
    let name = format!("{}{}", char::from(f), char::from(r));
    if sq >> 3 != rank {
        return err(format!(
            "en-passant square {name} must be on rank {} when {} is to move",
            rank + 1,
            us.name()
        ));
    }
    let pawn = Some(Piece {
        color: them,
        kind: Kind::Pawn,
    });
    if pos.piece_at(sq).is_some() || pos.piece_at(origin).is_some() || pos.piece_at(pawn_sq) != pawn
    {
        return err(format!(
            "en-passant square {name} does not follow a two-square {} pawn move",
            them.name()
        ));
    }
    let ready = PAWN_ATTACKS[them.index()][usize::from(sq)] & pos.pieces(us, Kind::Pawn) != 0;
    Ok(ready.then_some(sq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::START_FEN;

    #[test]
    fn start_position_round_trips() {
        let pos = Position::from_fen(START_FEN);
        assert_eq!(
            pos.as_ref().map(Position::to_fen).ok().as_deref(),
            Some(START_FEN)
        );
        assert_eq!(pos, Ok(Position::startpos()));
    }

    #[test]
    fn kiwipete_round_trips() {
        let fen = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q2/PPPBBPPP/R3K2R w KQkq - 0 1";
        assert_eq!(
            Position::from_fen(fen).map(|p| p.to_fen()),
            Ok(fen.to_string())
        );
    }

    #[test]
    fn counters_are_optional() {
        let pos = Position::from_fen("8/8/8/8/8/8/8/K1k5 b - -");
        assert_eq!(
            pos.map(|p| (p.halfmove_clock(), p.fullmove_number())),
            Ok((0, 1))
        );
    }

    #[test]
    fn en_passant_kept_only_when_capturable() {
        let fen = "rnbqkbnr/pppp1ppp/8/8/4pP2/8/PPPPP1PP/RNBQKBNR b KQkq f3 0 2";
        assert_eq!(
            Position::from_fen(fen).map(|p| p.to_fen()),
            Ok(fen.to_string())
        );
        let after_e4 = "rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq e3 0 1";
        assert_eq!(
            Position::from_fen(after_e4).map(|p| p.en_passant()),
            Ok(None)
        );
    }

    #[test]
    fn bad_fens_are_refused_not_panicked_on() {
        let bad = [
            "",
            "garbage",
            "8/8/8/8/8/8/8/8 w - - 0 1", // no kings
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR x KQkq - 0 1", // side
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBN w KQkq - 0 1", // short rank
            "rnbqkbnr/pppppppp/9/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", // digit 9
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNRR w KQkq - 0 1", // long rank
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP w KQkq - 0 1", // 7 ranks
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkqK - 0 1", // dup right
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq e9 0 1", // bad square
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq e3 0 1", // ep wrong rank
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq e6 0 1", // ep, no pawn
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - x 1", // halfmove
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 -1", // fullmove
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1 x", // 7 fields
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQ1BNR w KQkq - 0 1", // castling w/o king
            "1nbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", // castling w/o rook
            "P7/8/8/8/8/8/8/K1k5 w - - 0 1", // pawn on 8th
            "QQQQQQQQ/QQ6/8/8/8/8/8/K1k5 w - - 0 1", // too much material
            "4k3/8/8/8/8/8/8/4R1K1 w - - 0 1", // black checked, white to move
            "4k3/4r3/8/8/8/8/8/4K3 b - - 0 1", // white checked, black to move
            "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 99999999999 1",
            "rnbqkbnr/ppppppp\u{e9}/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
        ];
        for fen in bad {
            assert!(Position::from_fen(fen).is_err(), "accepted {fen:?}");
        }
    }
}
