//! Pairing: who plays whom, for each format. Pure functions over player
//! indexes (0 is the top seed: players are ranked by rating, then by when
//! they registered), checked by their own tests; the tournament service
//! turns their answers into games.
//!
//! # How pairing works
//!
//! - **Round-robin** ([`round_robin`]): Berger tables. With an odd count a
//!   bye joins as a phantom player; whoever meets it sits the round out
//!   (worth a win). Double round-robin plays the cycle again with colours
//!   swapped.
//! - **Knockout** ([`knockout`]): the bracket is the next power of two;
//!   seeds are placed so that 1 and 2 can only meet in the final, and the
//!   empty places (byes) fall to the top seeds. A drawn match is replayed
//!   with seats swapped, or goes to the higher seed, as configured.
//! - **Swiss** ([`swiss`]): Dutch-like. Players are ordered by score, then
//!   rank; with an odd count the lowest-ranked player who has not had a bye
//!   gets it. Then the top unpaired player is paired with the best
//!   candidate: nearest score first, then the colour that suits both, then
//!   the rank that pairs the top half of a score group with its bottom
//!   half. Pairs never repeat and no player's colour balance may pass 2;
//!   when a choice leaves the rest unpairable the search backtracks.
//! - **Arena** ([`arena`]): players who are free are paired at once with
//!   the nearest-ranked free player other than their last opponent.
//! - **Tables** ([`tables`]): for games of 3 or more seats, each round
//!   seats players by points in tables of the game's size.

pub mod arena;
pub mod knockout;
pub mod round_robin;
pub mod swiss;
pub mod tables;

/// One game of a round: player indexes in seat order (seat 0 moves first:
/// "white").
pub type Pair = [usize; 2];
