//! Position keys for repetition detection (Zobrist hashing).
//!
//! A key is the XOR of a random number per (piece, square), per castling
//! right set, for black to move, and for the en-passant file when an
//! en-passant capture is actually legal. Two positions that are "the same"
//! for the threefold-repetition rule (same pieces, same side to move, same
//! castling rights, same en-passant possibility) get the same key.
//!
//! The random numbers are fixed: SplitMix64 from a constant seed, run at
//! compile time. Keys are stored in the game state and compared across
//! calls, instances and releases, so they must never depend on the system's
//! randomness or on anything but the position.

use crate::board::{Color, Position};
use crate::movegen::legal_moves;
use crate::movegen::moves::Special;
use crate::movegen::tables::Squares;

struct Keys {
    /// `[color * 6 + kind][square]`.
    pieces: [[u64; 64]; 12],
    castling: [u64; 16],
    en_passant_file: [u64; 8],
    black_to_move: u64,
}

/// One step of SplitMix64: (next state, output).
const fn splitmix64(state: u64) -> (u64, u64) {
    let state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (state, z ^ (z >> 31))
}

const fn build_keys() -> Keys {
    // Changing the seed changes every stored key: games in progress would
    // stop recognising repetitions of positions reached before the change.
    let mut state = 0x4761_6D65_686F_7374; // "Gamehost"
    let mut keys = Keys {
        pieces: [[0; 64]; 12],
        castling: [0; 16],
        en_passant_file: [0; 8],
        black_to_move: 0,
    };
    let mut p = 0;
    while p < 12 {
        let mut sq = 0;
        while sq < 64 {
            let (next, value) = splitmix64(state);
            state = next;
            keys.pieces[p][sq] = value;
            sq += 1;
        }
        p += 1;
    }
    let mut i = 0;
    while i < 16 {
        let (next, value) = splitmix64(state);
        state = next;
        keys.castling[i] = value;
        i += 1;
    }
    let mut f = 0;
    while f < 8 {
        let (next, value) = splitmix64(state);
        state = next;
        keys.en_passant_file[f] = value;
        f += 1;
    }
    keys.black_to_move = splitmix64(state).1;
    keys
}

static KEYS: Keys = build_keys();

impl Position {
    /// The key of this position for repetition detection. Computed from
    /// scratch (a few dozen XORs, plus move generation when an en-passant
    /// square is set): it is needed once per move played in a game, never
    /// during search, so keeping it incrementally would only slow perft.
    pub fn key(&self) -> u64 {
        let mut key = 0;
        for sq in Squares(self.occupied()) {
            if let Some(piece) = self.piece_at(sq) {
                key ^= KEYS.pieces[piece.color.index() * 6 + piece.kind.index()][usize::from(sq)];
            }
        }
        key ^= KEYS.castling[usize::from(self.castling & 15)];
        if self.side == Color::Black {
            key ^= KEYS.black_to_move;
        }
        if let Some(ep) = self.ep
            && legal_moves(self)
                .iter()
                .any(|mv| mv.special() == Special::EnPassant)
        {
            key ^= KEYS.en_passant_file[usize::from(ep & 7)];
        }
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::START_FEN;

    fn key(fen: &str) -> u64 {
        Position::from_fen(fen).map(|p| p.key()).unwrap_or(0)
    }

    #[test]
    fn keys_ignore_counters_but_not_rights_or_side() {
        let start = key(START_FEN);
        assert_ne!(start, 0);
        assert_eq!(start, Position::startpos().key());
        assert_eq!(
            start,
            key("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 12 40")
        );
        assert_ne!(
            start,
            key("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR b KQkq - 0 1")
        );
        assert_ne!(
            start,
            key("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w Kkq - 0 1")
        );
    }

    #[test]
    fn en_passant_counts_only_when_legal() {
        // Black can take f3 en passant: the key differs from the same placement without the square.
        let with = key("rnbqkbnr/pppp1ppp/8/8/4pP2/8/PPPPP1PP/RNBQKBNR b KQkq f3 0 2");
        let without = key("rnbqkbnr/pppp1ppp/8/8/4pP2/8/PPPPP1PP/RNBQKBNR b KQkq - 0 2");
        assert_ne!(with, without);
        // Here taking en passant would empty the rank between the white rook
        // on a4 and the black king on h4: the capture is illegal, so the
        // square does not count.
        let pinned = key("8/8/8/8/R3pP1k/8/8/4K3 b - f3 0 1");
        let plain = key("8/8/8/8/R3pP1k/8/8/4K3 b - - 0 1");
        assert_eq!(pinned, plain);
    }
}
