//! Arena: whoever is free is paired at once.

use super::Pair;

/// A player waiting for a game, in ranking order (the caller sorts: arena
/// score, then rating).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// The player.
    pub player: usize,
    /// Whom they just played, not to be met again at once.
    pub last_opponent: Option<usize>,
}

/// Pairs the waiting players: each with the nearest-ranked waiting player
/// that is not their last opponent (nor has them as theirs). Whoever is
/// left waits for the next one to be free. Seats are the caller's.
pub fn pair(waiting: &[Waiting]) -> Vec<Pair> {
    let mut taken = vec![false; waiting.len()];
    let mut games = Vec::new();
    for i in 0..waiting.len() {
        if taken[i] {
            continue;
        }
        let a = &waiting[i];
        let partner = (i + 1..waiting.len()).find(|&j| {
            let b = &waiting[j];
            !taken[j] && a.last_opponent != Some(b.player) && b.last_opponent != Some(a.player)
        });
        if let Some(j) = partner {
            taken[i] = true;
            taken[j] = true;
            games.push([a.player, waiting[j].player]);
        }
    }
    games
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(players: &[(usize, Option<usize>)]) -> Vec<Waiting> {
        players
            .iter()
            .map(|&(player, last_opponent)| Waiting {
                player,
                last_opponent,
            })
            .collect()
    }

    #[test]
    fn neighbours_in_the_ranking_meet() {
        let games = pair(&waiting(&[(3, None), (1, None), (0, None), (2, None)]));
        assert_eq!(games, vec![[3, 1], [0, 2]]);
    }

    #[test]
    fn no_immediate_rematch() {
        // 0 and 1 just played each other: each meets someone else.
        let games = pair(&waiting(&[
            (0, Some(1)),
            (1, Some(0)),
            (2, Some(3)),
            (3, Some(2)),
        ]));
        assert_eq!(games, vec![[0, 2], [1, 3]]);
        // Only the two of them free: they wait.
        assert!(pair(&waiting(&[(0, Some(1)), (1, Some(0))])).is_empty());
    }

    #[test]
    fn random_fields_never_rematch_at_once() {
        let mut seed = 11u64;
        for _ in 0..500 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let n = (seed >> 40) as usize % 12 + 1;
            let field: Vec<Waiting> = (0..n)
                .map(|p| Waiting {
                    player: p,
                    last_opponent: Some(p ^ 1).filter(|o| *o < n && (seed >> p) & 1 == 1),
                })
                .collect();
            let games = pair(&field);
            let mut seen = vec![false; n];
            for [a, b] in games {
                assert!(!seen[a] && !seen[b]);
                seen[a] = true;
                seen[b] = true;
                assert_ne!(field[a].last_opponent, Some(b));
                assert_ne!(field[b].last_opponent, Some(a));
            }
        }
    }
}
