//! Rating-aware quick play: which waiting players make a table.
//!
//! A player accepts opponents within a rating gap that widens the longer
//! they wait: 100 points at once, 20 more each second (300 after 10 s,
//! 700 after 30 s, 1,300 after a minute). A table forms when every one of
//! its players accepts the spread of its ratings; of the tables that may
//! form, the one with the smallest spread wins, then the one whose longest
//! waiter has waited longest. So players wait a little longer rather than
//! get a mismatch, and nobody waits for ever.

/// The gap accepted at once.
pub const BASE_GAP: f64 = 100.0;
/// How much the accepted gap widens per second of waiting.
pub const GAP_PER_SECOND: f64 = 20.0;

/// The rating gap a player who has waited `waited_ms` accepts.
pub fn accepted_gap(waited_ms: u64) -> f64 {
    BASE_GAP + GAP_PER_SECOND * waited_ms as f64 / 1000.0
}

/// A waiting player.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Their rating.
    pub rating: f64,
    /// Since when they wait (ms since the epoch).
    pub since: u64,
}

/// The best table of `needed` among `waiting` at `now` (indexes into
/// `waiting`), if one may form.
pub fn pick(waiting: &[Candidate], needed: usize, now: u64) -> Option<Vec<usize>> {
    let needed = needed.max(1);
    if waiting.len() < needed {
        return None;
    }
    let mut order: Vec<usize> = (0..waiting.len()).collect();
    order.sort_by(|&a, &b| waiting[a].rating.total_cmp(&waiting[b].rating));
    let mut best: Option<(f64, u64, Vec<usize>)> = None;
    for window in order.windows(needed) {
        let spread = waiting[window[needed - 1]].rating - waiting[window[0]].rating;
        let accepted = window
            .iter()
            .all(|&i| accepted_gap(now.saturating_sub(waiting[i].since)) >= spread);
        if !accepted {
            continue;
        }
        let earliest = window
            .iter()
            .map(|&i| waiting[i].since)
            .min()
            .unwrap_or(now);
        let better = match &best {
            None => true,
            Some((s, e, _)) => spread < *s || (spread == *s && earliest < *e),
        };
        if better {
            let mut table = window.to_vec();
            table.sort_by_key(|&i| waiting[i].since);
            best = Some((spread, earliest, table));
        }
    }
    best.map(|(_, _, table)| table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rating: f64, since: u64) -> Candidate {
        Candidate { rating, since }
    }

    #[test]
    fn the_closest_ratings_meet_first() {
        let waiting = [at(1500.0, 0), at(1900.0, 0), at(1510.0, 0), at(1880.0, 0)];
        assert_eq!(pick(&waiting, 2, 0), Some(vec![0, 2]));
        assert_eq!(pick(&waiting[1..], 2, 0).map(|t| t.len()), Some(2));
    }

    #[test]
    fn a_far_pair_waits_until_both_accept_the_gap() {
        let waiting = [at(1500.0, 0), at(1800.0, 5_000)];
        assert_eq!(
            pick(&waiting, 2, 5_000),
            None,
            "300 apart: the newcomer accepts 100"
        );
        // The newcomer accepts 300 after 10 s of waiting.
        assert_eq!(pick(&waiting, 2, 15_000), Some(vec![0, 1]));
        assert_eq!(accepted_gap(10_000), 300.0);
        assert_eq!(accepted_gap(60_000), 1300.0);
    }

    #[test]
    fn tables_of_three() {
        let waiting = [at(1500.0, 0), at(1510.0, 1), at(2500.0, 2), at(1520.0, 3)];
        assert_eq!(pick(&waiting, 3, 10), Some(vec![0, 1, 3]));
        assert_eq!(pick(&waiting[..2], 3, 10), None);
    }
}
