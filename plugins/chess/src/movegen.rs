//! Legal move generation.
//!
//! Moves are generated fully legal, not "pseudo-legal then test": the
//! checking pieces and the pinned pieces are found once per position, and
//! each piece's destinations are masked with them. That is both the fast way
//! and the one that lets the game reject an illegal move by a plain lookup.
//!
//! - In double check only the king moves.
//! - In single check other pieces must capture the checker or block its ray.
//! - A pinned piece moves only along the line through its king and pinner.
//! - The king never steps onto an attacked square; attacks are computed with
//!   the king lifted off the board so it cannot retreat along a checking ray.
//! - Castling needs the right (which implies king and rook unmoved), empty
//!   squares between them, and the king not in check and not passing through
//!   or landing on an attacked square.
//! - En passant is tested by removing both pawns and looking for any attack
//!   on the king: this catches the rare case of the two pawns leaving a rank
//!   shared by the king and an enemy rook or queen.

pub mod moves;
pub mod tables;

use crate::board::{Color, Kind, Position, Square, castling};
use crate::movegen::moves::{Move, MoveList, Special};
use crate::movegen::tables::{
    BISHOP_RAYS, Bitboard, KING, KNIGHT, PAWN_ATTACKS, ROOK_RAYS, Squares, between, bishop_attacks,
    bit, line, rook_attacks,
};

/// Where generated moves go: a [`MoveList`], or a [`Counter`] when only
/// their number matters (the last ply of [`perft`]), which turns each
/// piece's destination set into a popcount.
pub trait MoveSink {
    /// A plain move from `from` to every square of `targets`.
    fn targets(&mut self, from: Square, targets: Bitboard);
    /// One move.
    fn push(&mut self, mv: Move);
    /// The four promotions of a pawn moving from `from` to `to`.
    fn promotions(&mut self, from: Square, to: Square);
    /// Pawn moves to every square of `targets`, each from the square
    /// `delta` behind it (`to - delta`, wrapping: black's deltas are negative).
    fn pawn_targets(&mut self, targets: Bitboard, delta: u8, special: Special);
    /// The four promotions onto every square of `targets`, as above.
    fn pawn_promotions(&mut self, targets: Bitboard, delta: u8);
}

impl MoveSink for MoveList {
    #[inline(always)]
    fn targets(&mut self, from: Square, targets: Bitboard) {
        for to in Squares(targets) {
            self.push(Move::new(from, to, Special::Quiet));
        }
    }

    #[inline(always)]
    fn push(&mut self, mv: Move) {
        MoveList::push(self, mv);
    }

    #[inline(always)]
    fn promotions(&mut self, from: Square, to: Square) {
        for special in [
            Special::PromoteQueen,
            Special::PromoteRook,
            Special::PromoteBishop,
            Special::PromoteKnight,
        ] {
            MoveList::push(self, Move::new(from, to, special));
        }
    }

    #[inline(always)]
    fn pawn_targets(&mut self, targets: Bitboard, delta: u8, special: Special) {
        for to in Squares(targets) {
            MoveList::push(self, Move::new(to.wrapping_sub(delta), to, special));
        }
    }

    #[inline(always)]
    fn pawn_promotions(&mut self, targets: Bitboard, delta: u8) {
        for to in Squares(targets) {
            self.promotions(to.wrapping_sub(delta), to);
        }
    }
}

/// Counts moves without recording them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counter(pub u64);

impl MoveSink for Counter {
    #[inline(always)]
    fn targets(&mut self, _from: Square, targets: Bitboard) {
        self.0 += u64::from(targets.count_ones());
    }

    #[inline(always)]
    fn push(&mut self, _mv: Move) {
        self.0 += 1;
    }

    #[inline(always)]
    fn promotions(&mut self, _from: Square, _to: Square) {
        self.0 += 4;
    }

    #[inline(always)]
    fn pawn_targets(&mut self, targets: Bitboard, _delta: u8, _special: Special) {
        self.0 += u64::from(targets.count_ones());
    }

    #[inline(always)]
    fn pawn_promotions(&mut self, targets: Bitboard, _delta: u8) {
        self.0 += 4 * u64::from(targets.count_ones());
    }
}

/// Sends every legal move of the side to move to `sink`.
pub fn generate<S: MoveSink>(pos: &Position, list: &mut S) {
    let us = pos.side;
    let them = us.other();
    let own = pos.color(us);
    let enemy = pos.color(them);
    let occupied = own | enemy;
    let king = pos.king(us);
    let checkers = pos.attackers_to(king, occupied) & enemy;

    let without_king = occupied ^ bit(king);
    let mut safe = 0;
    for to in Squares(KING[usize::from(king)] & !own) {
        if !pos.is_attacked(to, them, without_king) {
            safe |= bit(to);
        }
    }
    list.targets(king, safe);
    if checkers & checkers.wrapping_sub(1) != 0 {
        return;
    }
    // Squares that resolve a single check (capture or block); all when not in check.
    let target = if checkers == 0 {
        !0
    } else {
        between(king, checkers.trailing_zeros() as Square) | checkers
    };
    let pinned = pinned(pos, us, king, occupied);
    let dest = !own & target;

    for from in Squares(pos.pieces(us, Kind::Knight) & !pinned) {
        list.targets(from, KNIGHT[usize::from(from)] & dest);
    }
    let queens = pos.pieces(us, Kind::Queen);
    for from in Squares(pos.pieces(us, Kind::Bishop) | queens) {
        let mut to = bishop_attacks(from, occupied) & dest;
        if pinned & bit(from) != 0 {
            to &= line(king, from);
        }
        list.targets(from, to);
    }
    for from in Squares(pos.pieces(us, Kind::Rook) | queens) {
        let mut to = rook_attacks(from, occupied) & dest;
        if pinned & bit(from) != 0 {
            to &= line(king, from);
        }
        list.targets(from, to);
    }
    match us {
        Color::White => pawn_moves::<S, true>(pos, list, king, target, pinned),
        Color::Black => pawn_moves::<S, false>(pos, list, king, target, pinned),
    }
    if checkers == 0 {
        castling_moves(pos, list);
    }
}

/// The legal moves of the side to move, as a new list.
pub fn legal_moves(pos: &Position) -> MoveList {
    let mut list = MoveList::new();
    generate(pos, &mut list);
    list
}

/// Our pieces that are the only thing between our king and an enemy slider
/// aimed at it.
#[inline]
fn pinned(pos: &Position, us: Color, king: Square, occupied: Bitboard) -> Bitboard {
    let them = us.other();
    let queens = pos.pieces(them, Kind::Queen);
    let k = usize::from(king);
    let snipers = (ROOK_RAYS[k] & (pos.pieces(them, Kind::Rook) | queens))
        | (BISHOP_RAYS[k] & (pos.pieces(them, Kind::Bishop) | queens));
    let mut pinned = 0;
    for sniper in Squares(snipers) {
        let blockers = between(king, sniper) & occupied;
        if blockers != 0 && blockers & (blockers - 1) == 0 {
            pinned |= blockers;
        }
    }
    pinned & pos.color(us)
}

#[inline(always)]
fn add_pawn_move<S: MoveSink>(list: &mut S, from: Square, to: Square) {
    if !(8..56).contains(&to) {
        list.promotions(from, to);
    } else {
        list.push(Move::new(from, to, Special::Quiet));
    }
}

const FILE_A: Bitboard = 0x0101_0101_0101_0101;
const FILE_H: Bitboard = FILE_A << 7;
const RANK_1: Bitboard = 0xFF;
const RANK_3: Bitboard = RANK_1 << 16;
const RANK_6: Bitboard = RANK_1 << 40;
const RANK_8: Bitboard = RANK_1 << 56;

/// Moves every square of `b` `n` ranks-and-files' worth of bits towards
/// the opponent: up the board for white, down for black.
#[inline(always)]
fn advance<const WHITE: bool>(b: Bitboard, n: u32) -> Bitboard {
    if WHITE { b << n } else { b >> n }
}

/// Pawn moves. Unpinned pawns move as a set: each kind of move is one
/// shift of the pawn bitboard, masked by empty squares, enemies and the
/// check target. Pinned pawns (rare) go one by one, kept on their pin line.
#[inline(always)]
fn pawn_moves<S: MoveSink, const WHITE: bool>(
    pos: &Position,
    list: &mut S,
    king: Square,
    target: Bitboard,
    pinned: Bitboard,
) {
    let us = pos.side;
    let them = us.other();
    let enemy = pos.color(them);
    let occupied = pos.occupied();
    let empty = !occupied;
    let pawns = pos.pieces(us, Kind::Pawn);
    // (shift, from-to delta as a wrapping u8) for one step, capture towards
    // the a-file and capture towards the h-file.
    let (third_rank, last_rank) = if WHITE {
        (RANK_3, RANK_8)
    } else {
        (RANK_6, RANK_1)
    };
    let (step, west, east): ((u32, u8), (u32, u8), (u32, u8)) = if WHITE {
        ((8, 8), (7, 7), (9, 9))
    } else {
        (
            (8, 0u8.wrapping_sub(8)),
            (9, 0u8.wrapping_sub(9)),
            (7, 0u8.wrapping_sub(7)),
        )
    };

    let free = pawns & !pinned;
    let one = advance::<WHITE>(free, step.0) & empty;
    let two = advance::<WHITE>(one & third_rank, step.0) & empty & target;
    let one = one & target;
    let west_captures = advance::<WHITE>(free & !FILE_A, west.0) & enemy & target;
    let east_captures = advance::<WHITE>(free & !FILE_H, east.0) & enemy & target;
    list.pawn_targets(one & !last_rank, step.1, Special::Quiet);
    list.pawn_targets(two, step.1.wrapping_mul(2), Special::DoublePush);
    list.pawn_targets(west_captures & !last_rank, west.1, Special::Quiet);
    list.pawn_targets(east_captures & !last_rank, east.1, Special::Quiet);
    if (one | west_captures | east_captures) & last_rank != 0 {
        list.pawn_promotions(one & last_rank, step.1);
        list.pawn_promotions(west_captures & last_rank, west.1);
        list.pawn_promotions(east_captures & last_rank, east.1);
    }

    for from in Squares(pawns & pinned) {
        let allowed = target & line(king, from);
        // A pawn never stands on a back rank, so one step forward is on the board.
        let one = from.wrapping_add(step.1);
        if occupied & bit(one) == 0 {
            if allowed & bit(one) != 0 {
                add_pawn_move(list, from, one);
            }
            let two = one.wrapping_add(step.1);
            if bit(one) & third_rank != 0 && (occupied | !allowed) & bit(two) == 0 {
                list.push(Move::new(from, two, Special::DoublePush));
            }
        }
        for to in Squares(PAWN_ATTACKS[us.index()][usize::from(from)] & enemy & allowed) {
            add_pawn_move(list, from, to);
        }
    }
    if let Some(ep) = pos.ep {
        let victim = match us {
            Color::White => ep.wrapping_sub(8),
            Color::Black => ep + 8,
        };
        for from in Squares(PAWN_ATTACKS[them.index()][usize::from(ep)] & pawns) {
            let after = (occupied ^ bit(from) ^ bit(victim)) | bit(ep);
            if pos.attackers_to(king, after) & enemy & !bit(victim) == 0 {
                list.push(Move::new(from, ep, Special::EnPassant));
            }
        }
    }
}

/// Castling, for a side not in check. A right implies the king and rook are
/// on their home squares: rights are validated on FEN input and dropped as
/// soon as either piece moves or the rook is captured.
#[inline(always)]
fn castling_moves<S: MoveSink>(pos: &Position, list: &mut S) {
    let us = pos.side;
    let them = us.other();
    let occupied = pos.occupied();
    let (king_right, queen_right, base) = match us {
        Color::White => (castling::WHITE_KING, castling::WHITE_QUEEN, 0u8),
        Color::Black => (castling::BLACK_KING, castling::BLACK_QUEEN, 56u8),
    };
    let safe = |sq: Square| !pos.is_attacked(sq, them, occupied);
    if pos.castling & king_right != 0
        && occupied & (bit(base + 5) | bit(base + 6)) == 0
        && safe(base + 5)
        && safe(base + 6)
    {
        list.push(Move::new(base + 4, base + 6, Special::Castle));
    }
    if pos.castling & queen_right != 0
        && occupied & (bit(base + 1) | bit(base + 2) | bit(base + 3)) == 0
        && safe(base + 3)
        && safe(base + 2)
    {
        list.push(Move::new(base + 4, base + 2, Special::Castle));
    }
}

/// True when the piece of the side to move on `from` could move to `to` if
/// checks were ignored (castling aside). Used only to explain why a move
/// was refused: "it would leave your king in check" rather than "that piece
/// does not move like that".
pub fn reaches(pos: &Position, from: Square, to: Square) -> bool {
    let us = pos.side;
    let Some(piece) = pos.piece_at(from) else {
        return false;
    };
    if piece.color != us || pos.color(us) & bit(to) != 0 {
        return false;
    }
    let occupied = pos.occupied();
    let f = usize::from(from);
    let attacks = match piece.kind {
        Kind::Pawn => {
            let ep = pos.ep.map_or(0, bit);
            let captures = PAWN_ATTACKS[us.index()][f] & (pos.color(us.other()) | ep);
            let (one, two, start_rank) = match us {
                Color::White => (from + 8, from.wrapping_add(16), 1),
                Color::Black => (from.wrapping_sub(8), from.wrapping_sub(16), 6),
            };
            let mut pushes = 0;
            if occupied & bit(one) == 0 {
                pushes |= bit(one);
                if from >> 3 == start_rank && occupied & bit(two) == 0 {
                    pushes |= bit(two);
                }
            }
            captures | pushes
        }
        Kind::Knight => KNIGHT[f],
        Kind::Bishop => bishop_attacks(from, occupied),
        Kind::Rook => rook_attacks(from, occupied),
        Kind::Queen => bishop_attacks(from, occupied) | rook_attacks(from, occupied),
        Kind::King => KING[f],
    };
    attacks & bit(to) != 0
}

/// Counts the leaf positions `depth` plies below `pos`: the standard test
/// of a move generator against published numbers. The last ply is counted
/// without being played or even listed ("bulk counting"), which gives the
/// same numbers.
pub fn perft(pos: &Position, depth: u32) -> u64 {
    if depth == 0 {
        return 1;
    }
    if depth == 1 {
        let mut count = Counter(0);
        generate(pos, &mut count);
        return count.0;
    }
    let moves = legal_moves(pos);
    let mut total = 0;
    for &mv in moves.iter() {
        let mut child = *pos;
        child.play(mv);
        total += perft(&child, depth - 1);
    }
    total
}

/// [`perft`] split by first move, for finding which move a generator gets
/// wrong.
pub fn perft_divide(pos: &Position, depth: u32) -> Vec<(Move, u64)> {
    legal_moves(pos)
        .iter()
        .map(|&mv| {
            let mut child = *pos;
            child.play(mv);
            (mv, perft(&child, depth.saturating_sub(1)))
        })
        .collect()
}
