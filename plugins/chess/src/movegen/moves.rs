//! The internal move encoding and a fixed-size move list.
//!
//! A move is 16 bits (from, to, kind) so that lists are small and copying
//! them is free; the list lives on the stack, so generating moves never
//! allocates.

use crate::board::{Kind, square_name};
use std::fmt;

/// What kind of move a [`Move`] is, beyond its squares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Special {
    /// Any move not listed below.
    Quiet = 0,
    /// A pawn's two-square advance (may create an en-passant square).
    DoublePush = 1,
    /// King takes two steps towards a rook; the rook jumps over it.
    Castle = 2,
    /// A pawn captures the pawn that just passed it.
    EnPassant = 3,
    /// Promotion to a knight.
    PromoteKnight = 4,
    /// Promotion to a bishop.
    PromoteBishop = 5,
    /// Promotion to a rook.
    PromoteRook = 6,
    /// Promotion to a queen.
    PromoteQueen = 7,
}

impl Special {
    const ALL: [Special; 8] = [
        Special::Quiet,
        Special::DoublePush,
        Special::Castle,
        Special::EnPassant,
        Special::PromoteKnight,
        Special::PromoteBishop,
        Special::PromoteRook,
        Special::PromoteQueen,
    ];

    /// The promotion special for `kind` (knight to queen), if any.
    pub fn promotion(kind: Kind) -> Option<Special> {
        match kind {
            Kind::Knight => Some(Special::PromoteKnight),
            Kind::Bishop => Some(Special::PromoteBishop),
            Kind::Rook => Some(Special::PromoteRook),
            Kind::Queen => Some(Special::PromoteQueen),
            Kind::Pawn | Kind::King => None,
        }
    }
}

/// A move: bits 0-5 origin, 6-11 destination, 12-14 [`Special`].
///
/// Castling is written king-from to king-to (`e1g1`), as in UCI.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Move(u16);

impl Move {
    /// A move from `from` to `to` (both `0..64`).
    #[inline(always)]
    pub fn new(from: u8, to: u8, special: Special) -> Move {
        Move(u16::from(from & 63) | (u16::from(to & 63) << 6) | ((special as u16) << 12))
    }

    /// The origin square.
    #[inline(always)]
    pub fn from(self) -> u8 {
        (self.0 & 63) as u8
    }

    /// The destination square.
    #[inline(always)]
    pub fn to(self) -> u8 {
        ((self.0 >> 6) & 63) as u8
    }

    /// The move's kind.
    #[inline(always)]
    pub fn special(self) -> Special {
        Special::ALL[usize::from((self.0 >> 12) & 7)]
    }

    /// The piece a pawn promotes to, if this is a promotion.
    #[inline(always)]
    pub fn promotion(self) -> Option<Kind> {
        match self.special() {
            Special::PromoteKnight => Some(Kind::Knight),
            Special::PromoteBishop => Some(Kind::Bishop),
            Special::PromoteRook => Some(Kind::Rook),
            Special::PromoteQueen => Some(Kind::Queen),
            _ => None,
        }
    }
}

impl fmt::Display for Move {
    /// UCI notation: `e2e4`, `e7e8q`, `e1g1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = square_name(self.from());
        let to = square_name(self.to());
        write!(
            f,
            "{}{}{}{}",
            from[0] as char, from[1] as char, to[0] as char, to[1] as char
        )?;
        if let Some(kind) = self.promotion() {
            write!(f, "{}", kind.letter())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Move {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Room for every legal move of any position [`crate::board::Position`]
/// accepts. FEN parsing caps material at what a real game can reach (at most
/// 16 men a side, promoted pieces paid for by missing pawns), so the most
/// moves a side can have is 9 queens, 2 rooks, 2 bishops, 2 knights and a
/// king: 9 x 27 + 2 x 14 + 2 x 13 + 2 x 8 + 8 = 321. (Real positions top
/// out at 218.)
pub const MAX_MOVES: usize = 324;

/// A stack-allocated list of moves.
#[derive(Clone)]
pub struct MoveList {
    moves: [Move; MAX_MOVES],
    len: usize,
}

impl MoveList {
    /// An empty list.
    #[inline(always)]
    pub fn new() -> Self {
        MoveList {
            moves: [Move::default(); MAX_MOVES],
            len: 0,
        }
    }

    /// Adds a move. The capacity bound above makes overflow impossible for
    /// positions the crate can construct.
    #[inline(always)]
    pub fn push(&mut self, mv: Move) {
        if let Some(slot) = self.moves.get_mut(self.len) {
            *slot = mv;
            self.len += 1;
        }
    }

    /// Number of moves.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no moves.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The moves, in generation order.
    #[inline(always)]
    pub fn as_slice(&self) -> &[Move] {
        &self.moves[..self.len]
    }

    /// Iterates over the moves.
    pub fn iter(&self) -> std::slice::Iter<'_, Move> {
        self.as_slice().iter()
    }
}

impl Default for MoveList {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        let mv = Move::new(52, 60, Special::PromoteQueen);
        assert_eq!(
            (mv.from(), mv.to(), mv.special()),
            (52, 60, Special::PromoteQueen)
        );
        assert_eq!(mv.to_string(), "e7e8q");
        assert_eq!(Move::new(12, 28, Special::DoublePush).to_string(), "e2e4");
    }
}
