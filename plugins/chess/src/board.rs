//! The position: pieces, side to move, castling rights, en-passant square
//! and move counters, and how a move changes them.
//!
//! Pieces are kept twice: as bitboards (one per kind, one per colour), which
//! make attack tests a handful of AND operations, and as a 64-square mailbox,
//! which answers "what stands on e4?" in one load. The whole position is a
//! ~200-byte `Copy` value, so search uses copy-make: a child position is a
//! copy with one move played, and there is nothing to undo.
//!
//! FEN parsing and printing live in [`crate::board::fen`], position keys for
//! repetition in [`crate::board::hash`].

pub mod fen;
pub mod hash;

use crate::movegen::moves::{Move, Special};
use crate::movegen::tables::{
    Bitboard, KING, KNIGHT, PAWN_ATTACKS, bishop_attacks, bit, rook_attacks,
};
use serde::{Deserialize, Serialize};

/// A square, `a1 = 0` to `h8 = 63`.
pub type Square = u8;

/// The two sides. Serialised as `"white"` / `"black"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Color {
    /// Moves first; seat 0.
    White = 0,
    /// Seat 1.
    Black = 1,
}

impl Color {
    /// The other side.
    #[inline(always)]
    pub fn other(self) -> Color {
        match self {
            Color::White => Color::Black,
            Color::Black => Color::White,
        }
    }

    /// 0 for white, 1 for black: an index into per-colour tables.
    #[inline(always)]
    pub fn index(self) -> usize {
        self as usize
    }

    /// `"white"` or `"black"`.
    pub fn name(self) -> &'static str {
        match self {
            Color::White => "white",
            Color::Black => "black",
        }
    }
}

/// The six kinds of piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// Pawn.
    Pawn = 0,
    /// Knight.
    Knight = 1,
    /// Bishop.
    Bishop = 2,
    /// Rook.
    Rook = 3,
    /// Queen.
    Queen = 4,
    /// King.
    King = 5,
}

impl Kind {
    /// Every kind, in index order.
    pub const ALL: [Kind; 6] = [
        Kind::Pawn,
        Kind::Knight,
        Kind::Bishop,
        Kind::Rook,
        Kind::Queen,
        Kind::King,
    ];

    /// Index into per-kind tables.
    #[inline(always)]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Lowercase FEN/UCI letter (`p n b r q k`).
    pub fn letter(self) -> char {
        match self {
            Kind::Pawn => 'p',
            Kind::Knight => 'n',
            Kind::Bishop => 'b',
            Kind::Rook => 'r',
            Kind::Queen => 'q',
            Kind::King => 'k',
        }
    }

    /// The kind for a lowercase letter.
    pub fn from_letter(c: char) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.letter() == c)
    }

    /// English name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pawn => "pawn",
            Kind::Knight => "knight",
            Kind::Bishop => "bishop",
            Kind::Rook => "rook",
            Kind::Queen => "queen",
            Kind::King => "king",
        }
    }
}

/// A piece: a kind of a colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Piece {
    /// Its side.
    pub color: Color,
    /// What it is.
    pub kind: Kind,
}

impl Piece {
    /// FEN letter: uppercase for white.
    pub fn to_char(self) -> char {
        let c = self.kind.letter();
        match self.color {
            Color::White => c.to_ascii_uppercase(),
            Color::Black => c,
        }
    }

    /// The piece for a FEN letter.
    pub fn from_char(c: char) -> Option<Piece> {
        let kind = Kind::from_letter(c.to_ascii_lowercase())?;
        let color = if c.is_ascii_uppercase() {
            Color::White
        } else {
            Color::Black
        };
        Some(Piece { color, kind })
    }
}

/// `[file, rank]` ASCII letters of a square (`b"e4"`).
pub fn square_name(sq: Square) -> [u8; 2] {
    [b'a' + (sq & 7), b'1' + ((sq >> 3) & 7)]
}

/// A square from its name (`"e4"`), if valid.
pub fn parse_square(name: &str) -> Option<Square> {
    match name.as_bytes() {
        [file @ b'a'..=b'h', rank @ b'1'..=b'8'] => Some((rank - b'1') * 8 + (file - b'a')),
        _ => None,
    }
}

/// The name of a square as a `String`, for messages.
pub fn square_string(sq: Square) -> String {
    let [f, r] = square_name(sq);
    format!("{}{}", f as char, r as char)
}

/// Castling-right bits.
pub mod castling {
    /// White may castle kingside (e1g1).
    pub const WHITE_KING: u8 = 1;
    /// White may castle queenside (e1c1).
    pub const WHITE_QUEEN: u8 = 2;
    /// Black may castle kingside (e8g8).
    pub const BLACK_KING: u8 = 4;
    /// Black may castle queenside (e8c8).
    pub const BLACK_QUEEN: u8 = 8;
}

/// Rights kept when a move touches a square: moving from or capturing on a
/// king or rook home square loses the rights that need that piece unmoved.
static CASTLING_KEPT: [u8; 64] = {
    let mut kept = [0x0Fu8; 64];
    kept[0] = !castling::WHITE_QUEEN & 0x0F; // a1
    kept[4] = !(castling::WHITE_KING | castling::WHITE_QUEEN) & 0x0F; // e1
    kept[7] = !castling::WHITE_KING & 0x0F; // h1
    kept[56] = !castling::BLACK_QUEEN & 0x0F; // a8
    kept[60] = !(castling::BLACK_KING | castling::BLACK_QUEEN) & 0x0F; // e8
    kept[63] = !castling::BLACK_KING & 0x0F; // h8
    kept
};

/// A chess position.
///
/// Construct one with [`Position::startpos`] or [`Position::from_fen`]
/// (which rejects positions move generation could not handle), then change
/// it only with [`Position::play`] and moves from
/// [`crate::movegen::legal_moves`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Position {
    pub(crate) kinds: [Bitboard; 6],
    pub(crate) colors: [Bitboard; 2],
    pub(crate) squares: [Option<Piece>; 64],
    pub(crate) side: Color,
    pub(crate) castling: u8,
    /// Set only when a pawn of the side to move stands ready to capture en
    /// passant; whether the capture is legal is for move generation to say.
    pub(crate) ep: Option<Square>,
    pub(crate) halfmove: u32,
    pub(crate) fullmove: u32,
}

/// The standard starting position.
pub const START_FEN: &str = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1";

impl Position {
    /// An empty board, white to move, no rights. Only FEN parsing starts here.
    pub(crate) fn empty() -> Position {
        Position {
            kinds: [0; 6],
            colors: [0; 2],
            squares: [None; 64],
            side: Color::White,
            castling: 0,
            ep: None,
            halfmove: 0,
            fullmove: 1,
        }
    }

    /// The standard starting position.
    pub fn startpos() -> Position {
        let mut pos = Position::empty();
        let back = [
            Kind::Rook,
            Kind::Knight,
            Kind::Bishop,
            Kind::Queen,
            Kind::King,
            Kind::Bishop,
            Kind::Knight,
            Kind::Rook,
        ];
        for (file, kind) in (0u8..).zip(back) {
            pos.put(
                file,
                Piece {
                    color: Color::White,
                    kind,
                },
            );
            pos.put(
                8 + file,
                Piece {
                    color: Color::White,
                    kind: Kind::Pawn,
                },
            );
            pos.put(
                48 + file,
                Piece {
                    color: Color::Black,
                    kind: Kind::Pawn,
                },
            );
            pos.put(
                56 + file,
                Piece {
                    color: Color::Black,
                    kind,
                },
            );
        }
        pos.castling = 0x0F;
        pos
    }

    /// The side to move.
    #[inline(always)]
    pub fn side_to_move(&self) -> Color {
        self.side
    }

    /// Castling rights as [`castling`] bits.
    pub fn castling_rights(&self) -> u8 {
        self.castling
    }

    /// The en-passant target square, when a capture there is possible in
    /// principle (an enemy pawn stands beside the pawn that just advanced).
    pub fn en_passant(&self) -> Option<Square> {
        self.ep
    }

    /// Half-moves since the last capture or pawn move.
    pub fn halfmove_clock(&self) -> u32 {
        self.halfmove
    }

    /// The move number, starting at 1 and rising after black moves.
    pub fn fullmove_number(&self) -> u32 {
        self.fullmove
    }

    /// What stands on `sq`.
    #[inline(always)]
    pub fn piece_at(&self, sq: Square) -> Option<Piece> {
        self.squares[usize::from(sq & 63)]
    }

    /// Squares holding `color`'s pieces of `kind`.
    #[inline(always)]
    pub fn pieces(&self, color: Color, kind: Kind) -> Bitboard {
        self.kinds[kind.index()] & self.colors[color.index()]
    }

    /// Squares holding any piece of `kind`, either colour.
    #[inline(always)]
    pub fn kind(&self, kind: Kind) -> Bitboard {
        self.kinds[kind.index()]
    }

    /// Squares holding `color`'s pieces.
    #[inline(always)]
    pub fn color(&self, color: Color) -> Bitboard {
        self.colors[color.index()]
    }

    /// Every occupied square.
    #[inline(always)]
    pub fn occupied(&self) -> Bitboard {
        self.colors[0] | self.colors[1]
    }

    /// Where `color`'s king stands (a1 if it has none, which a parsed
    /// position never allows).
    #[inline(always)]
    pub fn king(&self, color: Color) -> Square {
        (self.pieces(color, Kind::King).trailing_zeros() & 63) as Square
    }

    /// Puts `piece` on the empty square `sq`.
    #[inline(always)]
    pub(crate) fn put(&mut self, sq: Square, piece: Piece) {
        let b = bit(sq & 63);
        self.kinds[piece.kind.index()] |= b;
        self.colors[piece.color.index()] |= b;
        self.squares[usize::from(sq & 63)] = Some(piece);
    }

    /// Removes `piece` from `sq`.
    #[inline(always)]
    fn remove(&mut self, sq: Square, piece: Piece) {
        let b = bit(sq & 63);
        self.kinds[piece.kind.index()] &= !b;
        self.colors[piece.color.index()] &= !b;
        self.squares[usize::from(sq & 63)] = None;
    }

    /// Pieces of either colour attacking `sq`, with `occupied` blocking
    /// sliders (pass a modified occupancy to look through a piece).
    #[inline]
    pub fn attackers_to(&self, sq: Square, occupied: Bitboard) -> Bitboard {
        let s = usize::from(sq & 63);
        let diagonal = self.kinds[Kind::Bishop.index()] | self.kinds[Kind::Queen.index()];
        let straight = self.kinds[Kind::Rook.index()] | self.kinds[Kind::Queen.index()];
        (PAWN_ATTACKS[0][s] & self.pieces(Color::Black, Kind::Pawn))
            | (PAWN_ATTACKS[1][s] & self.pieces(Color::White, Kind::Pawn))
            | (KNIGHT[s] & self.kinds[Kind::Knight.index()])
            | (KING[s] & self.kinds[Kind::King.index()])
            | (bishop_attacks(sq, occupied) & diagonal)
            | (rook_attacks(sq, occupied) & straight)
    }

    /// True when `by` attacks `sq`, with `occupied` blocking sliders.
    #[inline]
    pub fn is_attacked(&self, sq: Square, by: Color, occupied: Bitboard) -> bool {
        let s = usize::from(sq & 63);
        let them = self.colors[by.index()];
        if PAWN_ATTACKS[by.other().index()][s] & self.kinds[Kind::Pawn.index()] & them != 0
            || KNIGHT[s] & self.kinds[Kind::Knight.index()] & them != 0
            || KING[s] & self.kinds[Kind::King.index()] & them != 0
        {
            return true;
        }
        let queens = self.kinds[Kind::Queen.index()];
        let diagonal = (self.kinds[Kind::Bishop.index()] | queens) & them;
        let straight = (self.kinds[Kind::Rook.index()] | queens) & them;
        (diagonal != 0 && bishop_attacks(sq, occupied) & diagonal != 0)
            || (straight != 0 && rook_attacks(sq, occupied) & straight != 0)
    }

    /// True when the side to move is in check.
    pub fn in_check(&self) -> bool {
        self.is_attacked(self.king(self.side), self.side.other(), self.occupied())
    }

    /// Plays `mv`, which must be legal here (taken from move generation):
    /// moves the piece, captures, promotes, moves the castling rook, updates
    /// rights, the en-passant square and the clocks, and passes the turn.
    #[inline]
    pub fn play(&mut self, mv: Move) {
        let (from, to) = (mv.from(), mv.to());
        let Some(piece) = self.piece_at(from) else {
            return;
        };
        let us = self.side;
        let them = us.other();
        self.ep = None;
        self.halfmove = self.halfmove.saturating_add(1);
        if let Some(captured) = self.piece_at(to) {
            self.remove(to, captured);
            self.halfmove = 0;
        }
        self.remove(from, piece);
        let placed = match mv.promotion() {
            Some(kind) => Piece { color: us, kind },
            None => piece,
        };
        self.put(to, placed);
        match mv.special() {
            Special::DoublePush => {
                let passed = (from + to) / 2;
                if PAWN_ATTACKS[us.index()][usize::from(passed)] & self.pieces(them, Kind::Pawn)
                    != 0
                {
                    self.ep = Some(passed);
                }
            }
            Special::EnPassant => {
                let victim = if us == Color::White {
                    to.wrapping_sub(8)
                } else {
                    to + 8
                };
                self.remove(
                    victim,
                    Piece {
                        color: them,
                        kind: Kind::Pawn,
                    },
                );
            }
            Special::Castle => {
                let (rook_from, rook_to) = if to > from {
                    (to + 1, to - 1)
                } else {
                    (to - 2, to + 1)
                };
                let rook = Piece {
                    color: us,
                    kind: Kind::Rook,
                };
                self.remove(rook_from, rook);
                self.put(rook_to, rook);
            }
            _ => {}
        }
        if piece.kind == Kind::Pawn {
            self.halfmove = 0;
        }
        self.castling &= CASTLING_KEPT[usize::from(from)] & CASTLING_KEPT[usize::from(to)];
        if us == Color::Black {
            self.fullmove = self.fullmove.saturating_add(1);
        }
        self.side = them;
    }

    /// True when `color` has nothing but its king.
    pub fn has_only_king(&self, color: Color) -> bool {
        self.colors[color.index()] == self.pieces(color, Kind::King)
    }

    /// True when neither side can ever checkmate, whatever is played: no
    /// pawns, rooks or queens, and either at most one minor piece in total
    /// or only bishops, all on squares of one colour. This covers K v K,
    /// K+B v K, K+N v K and K+B v K+B with same-coloured bishops (and
    /// several same-coloured bishops, equally dead).
    pub fn insufficient_material(&self) -> bool {
        const LIGHT: Bitboard = 0x55AA_55AA_55AA_55AA;
        let heavy = self.kind(Kind::Pawn) | self.kind(Kind::Rook) | self.kind(Kind::Queen);
        if heavy != 0 {
            return false;
        }
        let knights = self.kind(Kind::Knight);
        let bishops = self.kind(Kind::Bishop);
        if (knights | bishops).count_ones() <= 1 {
            return true;
        }
        knights == 0 && (bishops & LIGHT == 0 || bishops & !LIGHT == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squares_by_name() {
        assert_eq!(parse_square("a1"), Some(0));
        assert_eq!(parse_square("h8"), Some(63));
        assert_eq!(parse_square("e4"), Some(28));
        assert_eq!(parse_square("i1"), None);
        assert_eq!(parse_square("a9"), None);
        assert_eq!(parse_square("e"), None);
        assert_eq!(square_string(28), "e4");
    }

    #[test]
    fn light_squares_are_light() {
        // a1 is dark, h1 is light.
        let pos = Position::from_fen("8/8/8/8/8/8/8/B1K1k2B w - - 0 1");
        assert!(pos.is_ok_and(|p| !p.insufficient_material()));
        let pos = Position::from_fen("8/8/8/8/8/8/8/B1K1k1B1 w - - 0 1");
        assert!(pos.is_ok_and(|p| p.insufficient_material()));
    }
}
