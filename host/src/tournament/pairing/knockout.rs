//! Single elimination: a seeded bracket, byes to the top seeds.

use super::Pair;

/// The first round's line-up for `n` players: a power-of-two bracket in
/// which neighbours (`2k`, `2k + 1`) meet, `None` being a bye. Seed 0 and
/// seed 1 are in opposite halves, seeds 0-3 in different quarters, and so
/// on; the byes fall to the top seeds (`n` is more than half the bracket,
/// so no two byes meet).
pub fn bracket(n: usize) -> Vec<Option<usize>> {
    if n < 2 {
        return (0..n).map(Some).collect();
    }
    let size = n.next_power_of_two();
    let mut order = vec![0usize];
    while order.len() < size {
        // Each seed s meets, in the next-larger bracket, seed 2k - 1 - s.
        let k = order.len() * 2;
        order = order.iter().flat_map(|&s| [s, k - 1 - s]).collect();
    }
    order
        .into_iter()
        .map(|seed| (seed < n).then_some(seed))
        .collect()
}

/// One place of a round: a game, or a player who goes through without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// These two play; the winner takes place `slot` of the next round.
    Game {
        /// Place in the next round's line-up.
        slot: usize,
        /// The players, the higher seed first.
        players: Pair,
    },
    /// A bye: `player` takes place `slot` of the next round.
    Walkover {
        /// Place in the next round's line-up.
        slot: usize,
        /// Who goes through.
        player: usize,
    },
}

/// The matches of a round whose line-up is `line` (as [`bracket`] gives, or
/// the winners of the previous round in slot order).
pub fn matches(line: &[Option<usize>]) -> Vec<Match> {
    line.chunks(2)
        .enumerate()
        .filter_map(|(slot, pair)| match pair {
            [Some(a), Some(b)] => Some(Match::Game {
                slot,
                players: [*a.min(b), *a.max(b)],
            }),
            [Some(p), None] | [None, Some(p)] | [Some(p)] => {
                Some(Match::Walkover { slot, player: *p })
            }
            _ => None,
        })
        .collect()
}

/// How many rounds a knockout of `n` players has.
pub fn rounds(n: usize) -> usize {
    n.max(1).next_power_of_two().trailing_zeros() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_players_give_byes_to_the_top_two_seeds() {
        let line = bracket(6);
        assert_eq!(line.len(), 8);
        assert_eq!(
            line,
            vec![
                Some(0),
                None,
                Some(3),
                Some(4),
                Some(1),
                None,
                Some(2),
                Some(5)
            ]
        );
        let round = matches(&line);
        assert_eq!(
            round,
            vec![
                Match::Walkover { slot: 0, player: 0 },
                Match::Game {
                    slot: 1,
                    players: [3, 4]
                },
                Match::Walkover { slot: 2, player: 1 },
                Match::Game {
                    slot: 3,
                    players: [2, 5]
                },
            ]
        );
        assert_eq!(rounds(6), 3);
    }

    #[test]
    fn brackets_hold_every_player_once_with_byes_to_the_top_seeds() {
        for n in 2..=40 {
            let line = bracket(n);
            let size = n.next_power_of_two();
            assert_eq!(line.len(), size);
            let mut seen: Vec<usize> = line.iter().flatten().copied().collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{n}: every player once");
            let walkovers: Vec<usize> = matches(&line)
                .into_iter()
                .filter_map(|m| match m {
                    Match::Walkover { player, .. } => Some(player),
                    Match::Game { .. } => None,
                })
                .collect();
            let mut sorted = walkovers.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..size - n).collect::<Vec<_>>(),
                "{n}: byes go to the top seeds"
            );
            // Seeds 0 and 1 can meet only in the final.
            let half = size / 2;
            let at = |s| {
                line.iter()
                    .position(|p| *p == Some(s))
                    .unwrap_or(usize::MAX)
            };
            assert_ne!(
                at(0) < half,
                at(1) < half,
                "{n}: 0 and 1 in opposite halves"
            );
        }
    }

    #[test]
    fn a_two_player_knockout_is_one_game() {
        assert_eq!(
            matches(&bracket(2)),
            vec![Match::Game {
                slot: 0,
                players: [0, 1]
            }]
        );
        assert_eq!(rounds(2), 1);
    }
}
