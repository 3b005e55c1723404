//! Attack tables, built at compile time.
//!
//! Squares are numbered `a1 = 0, b1 = 1, ..., h8 = 63`; a bitboard is a
//! `u64` with bit `n` set for square `n`. Every table here is a `static`
//! computed by `const fn`, so the component carries a few dozen kilobytes of
//! data and does no work at instantiation: the host may create a fresh
//! instance for every call, and lazy initialisation would be paid each time.
//!
//! Sliding pieces use the classical ray method (one ray per direction, cut at
//! the first blocker found by a bit scan) rather than magic bitboards: it
//! needs only 4 KiB of rays instead of ~800 KiB of lookup tables, and is fast
//! enough that move generation is not dominated by it.

/// One bit per square.
pub type Bitboard = u64;

/// The bitboard of a single square.
#[inline(always)]
pub const fn bit(sq: u8) -> Bitboard {
    1u64 << sq
}

/// Directions as (file step, rank step). The order matters: indices
/// `N, NE, E, NW` increase the square number, the others decrease it, which
/// decides whether the nearest blocker is the lowest or the highest bit.
const DIRECTIONS: [(i32, i32); 8] = [
    (0, 1),
    (1, 1),
    (1, 0),
    (1, -1),
    (0, -1),
    (-1, -1),
    (-1, 0),
    (-1, 1),
];
const N: usize = 0;
const NE: usize = 1;
const E: usize = 2;
const SE: usize = 3;
const S: usize = 4;
const SW: usize = 5;
const W: usize = 6;
const NW: usize = 7;

/// The square `(file + df, rank + dr)` from `sq`, if it is on the board.
const fn offset(sq: usize, df: i32, dr: i32) -> Option<usize> {
    let file = (sq % 8) as i32 + df;
    let rank = (sq / 8) as i32 + dr;
    if file >= 0 && file < 8 && rank >= 0 && rank < 8 {
        Some((rank * 8 + file) as usize)
    } else {
        None
    }
}

const fn leaper_table(steps: &[(i32, i32)]) -> [Bitboard; 64] {
    let mut table = [0u64; 64];
    let mut sq = 0;
    while sq < 64 {
        let mut i = 0;
        while i < steps.len() {
            if let Some(to) = offset(sq, steps[i].0, steps[i].1) {
                table[sq] |= 1u64 << to;
            }
            i += 1;
        }
        sq += 1;
    }
    table
}

const fn pawn_table() -> [[Bitboard; 64]; 2] {
    [
        leaper_table(&[(-1, 1), (1, 1)]),
        leaper_table(&[(-1, -1), (1, -1)]),
    ]
}

const fn ray_table() -> [[Bitboard; 64]; 8] {
    let mut table = [[0u64; 64]; 8];
    let mut dir = 0;
    while dir < 8 {
        let mut sq = 0;
        while sq < 64 {
            let mut cur = sq;
            while let Some(next) = offset(cur, DIRECTIONS[dir].0, DIRECTIONS[dir].1) {
                table[dir][sq] |= 1u64 << next;
                cur = next;
            }
            sq += 1;
        }
        dir += 1;
    }
    table
}

/// `BETWEEN[a][b]`: the squares strictly between `a` and `b` when they share
/// a rank, file or diagonal; empty otherwise. `LINE[a][b]`: the whole line
/// through both (edge to edge, including them); empty when not aligned.
const fn line_tables() -> ([[Bitboard; 64]; 64], [[Bitboard; 64]; 64]) {
    let rays = ray_table();
    let mut between = [[0u64; 64]; 64];
    let mut line = [[0u64; 64]; 64];
    let mut a = 0;
    while a < 64 {
        let mut dir = 0;
        while dir < 8 {
            let (df, dr) = DIRECTIONS[dir];
            let full = rays[dir][a] | rays[(dir + 4) % 8][a] | (1u64 << a);
            let mut gap = 0u64;
            let mut cur = a;
            while let Some(b) = offset(cur, df, dr) {
                between[a][b] = gap;
                line[a][b] = full;
                gap |= 1u64 << b;
                cur = b;
            }
            dir += 1;
        }
        a += 1;
    }
    (between, line)
}

/// Squares a knight on each square attacks.
pub static KNIGHT: [Bitboard; 64] = leaper_table(&[
    (1, 2),
    (2, 1),
    (2, -1),
    (1, -2),
    (-1, -2),
    (-2, -1),
    (-2, 1),
    (-1, 2),
]);

/// Squares a king on each square attacks.
pub static KING: [Bitboard; 64] = leaper_table(&[
    (0, 1),
    (1, 1),
    (1, 0),
    (1, -1),
    (0, -1),
    (-1, -1),
    (-1, 0),
    (-1, 1),
]);

/// `PAWN_ATTACKS[color][sq]`: squares a pawn of `color` (0 white, 1 black)
/// on `sq` captures on. Read backwards it also answers "which enemy pawns
/// attack `sq`": a black pawn attacks `sq` iff it stands on
/// `PAWN_ATTACKS[white][sq]`.
pub static PAWN_ATTACKS: [[Bitboard; 64]; 2] = pawn_table();

/// `RAYS[dir][sq]`: every square from `sq` towards `dir`, to the edge.
static RAYS: [[Bitboard; 64]; 8] = ray_table();

static LINES: ([[Bitboard; 64]; 64], [[Bitboard; 64]; 64]) = line_tables();

const fn empty_board_table(dirs: [usize; 4]) -> [Bitboard; 64] {
    let rays = ray_table();
    let mut table = [0u64; 64];
    let mut sq = 0;
    while sq < 64 {
        let mut i = 0;
        while i < 4 {
            table[sq] |= rays[dirs[i]][sq];
            i += 1;
        }
        sq += 1;
    }
    table
}

/// Rook attacks on an empty board: the squares a rook could pin through.
pub static ROOK_RAYS: [Bitboard; 64] = empty_board_table([N, E, S, W]);

/// Bishop attacks on an empty board.
pub static BISHOP_RAYS: [Bitboard; 64] = empty_board_table([NE, SE, SW, NW]);

/// Squares strictly between `a` and `b` if aligned, else empty.
#[inline(always)]
pub fn between(a: u8, b: u8) -> Bitboard {
    LINES.0[usize::from(a & 63)][usize::from(b & 63)]
}

/// The full line through `a` and `b` if aligned, else empty.
#[inline(always)]
pub fn line(a: u8, b: u8) -> Bitboard {
    LINES.1[usize::from(a & 63)][usize::from(b & 63)]
}

/// Attacks along a ray whose squares increase. The sentinel bit 63 stands
/// in for "no blocker": no increasing ray leaves h8, so `RAYS[dir][63]` is
/// empty and the whole ray is kept. Branch-free.
#[inline(always)]
fn ray_up(dir: usize, sq: usize, occupied: Bitboard) -> Bitboard {
    let ray = RAYS[dir][sq];
    let first = ((ray & occupied) | (1u64 << 63)).trailing_zeros() as usize;
    ray ^ RAYS[dir][first]
}

/// Attacks along a ray whose squares decrease; sentinel bit 0 (a1).
#[inline(always)]
fn ray_down(dir: usize, sq: usize, occupied: Bitboard) -> Bitboard {
    let ray = RAYS[dir][sq];
    let first = 63 - ((ray & occupied) | 1).leading_zeros() as usize;
    ray ^ RAYS[dir][first]
}

/// Squares a rook on `sq` attacks with `occupied` squares blocking.
#[inline]
pub fn rook_attacks(sq: u8, occupied: Bitboard) -> Bitboard {
    let sq = usize::from(sq & 63);
    ray_up(N, sq, occupied)
        | ray_up(E, sq, occupied)
        | ray_down(S, sq, occupied)
        | ray_down(W, sq, occupied)
}

/// Squares a bishop on `sq` attacks with `occupied` squares blocking.
#[inline]
pub fn bishop_attacks(sq: u8, occupied: Bitboard) -> Bitboard {
    let sq = usize::from(sq & 63);
    ray_up(NE, sq, occupied)
        | ray_up(NW, sq, occupied)
        | ray_down(SE, sq, occupied)
        | ray_down(SW, sq, occupied)
}

/// Iterates over the squares of a bitboard, lowest first.
#[derive(Clone, Copy)]
pub struct Squares(pub Bitboard);

impl Iterator for Squares {
    type Item = u8;

    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        if self.0 == 0 {
            return None;
        }
        let sq = self.0.trailing_zeros() as u8;
        self.0 &= self.0 - 1;
        Some(sq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slow, obviously correct slider attacks to check the fast ones.
    fn slow(sq: u8, occupied: Bitboard, dirs: &[usize]) -> Bitboard {
        let mut out = 0;
        for &d in dirs {
            let mut cur = usize::from(sq);
            while let Some(next) = offset(cur, DIRECTIONS[d].0, DIRECTIONS[d].1) {
                out |= 1u64 << next;
                if occupied & (1u64 << next) != 0 {
                    break;
                }
                cur = next;
            }
        }
        out
    }

    #[test]
    fn sliders_match_slow_reference() {
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        for _ in 0..2000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let occupied = state & (state >> 7) & (state >> 13);
            for sq in 0..64u8 {
                assert_eq!(
                    rook_attacks(sq, occupied),
                    slow(sq, occupied, &[N, E, S, W])
                );
                assert_eq!(
                    bishop_attacks(sq, occupied),
                    slow(sq, occupied, &[NE, SE, SW, NW])
                );
                assert_eq!(ROOK_RAYS[usize::from(sq)], rook_attacks(sq, 0));
                assert_eq!(BISHOP_RAYS[usize::from(sq)], bishop_attacks(sq, 0));
            }
        }
    }

    #[test]
    fn leapers_and_lines() {
        assert_eq!(KNIGHT[0], bit(10) | bit(17));
        assert_eq!(KING[0], bit(1) | bit(8) | bit(9));
        assert_eq!(PAWN_ATTACKS[0][12], bit(19) | bit(21)); // e2 -> d3, f3
        assert_eq!(PAWN_ATTACKS[1][52], bit(43) | bit(45)); // e7 -> d6, f6
        assert_eq!(between(4, 7), bit(5) | bit(6)); // e1..h1
        assert_eq!(between(0, 63).count_ones(), 6);
        assert_eq!(between(0, 10), 0);
        assert_eq!(line(0, 9).count_ones(), 8);
        assert_eq!(line(0, 10), 0);
        assert_eq!(line(4, 5), 0xFF);
    }
}
