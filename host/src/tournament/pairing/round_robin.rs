//! Round-robin by Berger tables: everyone meets everyone once per cycle.

use super::Pair;

/// One round: its games, and who sits it out (an odd count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    /// The games, seat 0 first.
    pub games: Vec<Pair>,
    /// The player with a bye, if any.
    pub bye: Option<usize>,
}

/// Every round of a round-robin of `n` players (`double`: twice, colours
/// swapped the second time).
///
/// Berger's scheme: with `m` even (`n`, or `n + 1` with a phantom bye),
/// player `m - 1` stays put and meets player `r` in round `r`, with the
/// colour alternating; the others meet in pairs symmetric around `r` on a
/// circle of `m - 1`, the one just after `r` playing first. Each player
/// plays first in half their games (one more or less).
pub fn schedule(n: usize, double: bool) -> Vec<Round> {
    if n < 2 {
        return Vec::new();
    }
    let m = n + n % 2;
    let circle = m - 1;
    let mut rounds = Vec::with_capacity(circle * (1 + usize::from(double)));
    for r in 0..circle {
        let mut games = Vec::with_capacity(m / 2);
        let mut bye = None;
        let mut add = |a: usize, b: usize| {
            if a >= n {
                bye = Some(b);
            } else if b >= n {
                bye = Some(a);
            } else {
                games.push([a, b]);
            }
        };
        let fixed = m - 1;
        if r % 2 == 0 {
            add(r, fixed);
        } else {
            add(fixed, r);
        }
        for i in 1..m / 2 {
            add((r + i) % circle, (r + circle - i) % circle);
        }
        rounds.push(Round { games, bye });
    }
    if double {
        let second: Vec<Round> = rounds
            .iter()
            .map(|round| Round {
                games: round.games.iter().map(|[a, b]| [*b, *a]).collect(),
                bye: round.bye,
            })
            .collect();
        rounds.extend(second);
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn everyone_meets_everyone_exactly_once_and_colours_balance() {
        for n in 2..=17 {
            let rounds = schedule(n, false);
            assert_eq!(rounds.len(), n - 1 + n % 2, "{n} players");
            let mut met: HashMap<(usize, usize), usize> = HashMap::new();
            let mut first = vec![0i64; n];
            let mut byes = vec![0; n];
            for round in &rounds {
                let mut seen = vec![false; n];
                for &[a, b] in &round.games {
                    assert!(!seen[a] && !seen[b], "{n}: a player twice in a round");
                    seen[a] = true;
                    seen[b] = true;
                    *met.entry((a.min(b), a.max(b))).or_default() += 1;
                    first[a] += 1;
                    first[b] -= 1;
                }
                if let Some(p) = round.bye {
                    assert!(!seen[p]);
                    seen[p] = true;
                    byes[p] += 1;
                }
                assert!(seen.iter().all(|s| *s), "{n}: everyone plays or sits out");
            }
            assert_eq!(met.len(), n * (n - 1) / 2, "{n}: every pair");
            assert!(met.values().all(|c| *c == 1), "{n}: each pair once");
            assert!(first.iter().all(|d| d.abs() <= 1), "{n}: colours {first:?}");
            let expected_byes = usize::from(n % 2 == 1);
            assert!(
                byes.iter().all(|b| *b == expected_byes),
                "{n}: byes {byes:?}"
            );
        }
    }

    #[test]
    fn the_double_cycle_swaps_colours() {
        let rounds = schedule(4, true);
        assert_eq!(rounds.len(), 6);
        for r in 0..3 {
            for (x, y) in rounds[r].games.iter().zip(&rounds[r + 3].games) {
                assert_eq!([x[1], x[0]], *y);
            }
        }
    }

    #[test]
    fn four_players_by_hand() {
        // Worked by hand from the scheme (1-based): round 1: 1-4, 2-3;
        // round 2: 4-2, 3-1; round 3: 3-4, 1-2.
        let rounds: Vec<Vec<Pair>> = schedule(4, false).into_iter().map(|r| r.games).collect();
        assert_eq!(rounds[0], vec![[0, 3], [1, 2]]);
        assert_eq!(rounds[1], vec![[3, 1], [2, 0]]);
        assert_eq!(rounds[2], vec![[2, 3], [0, 1]]);
    }

    #[test]
    fn fewer_than_two_players_have_no_rounds() {
        assert!(schedule(0, false).is_empty());
        assert!(schedule(1, true).is_empty());
    }
}
