//! Swiss pairing (Dutch-like, see [`super`] for the rules in words).

use super::Pair;

/// What pairing needs to know of one player, indexed by rank (0 is the top
/// seed).
#[derive(Clone, Debug, Default)]
pub struct Entrant {
    /// Score in half points (a win is 2, a draw 1).
    pub half_points: u32,
    /// Games played first (seat 0) minus games played second.
    pub colour_balance: i32,
    /// Whether the last game was played first.
    pub last_first: Option<bool>,
    /// Everyone already met.
    pub opponents: Vec<usize>,
    /// Whether they already had a bye.
    pub had_bye: bool,
    /// Still in the tournament (not withdrawn).
    pub active: bool,
}

/// A round's pairing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// The games, seat 0 first.
    pub games: Vec<Pair>,
    /// The player who sits out, worth a win.
    pub bye: Option<usize>,
    /// No pairing without a rematch existed: some games repeat one.
    pub repeats: bool,
}

/// Search steps before giving up on a constraint (bounds the backtracking
/// for large fields; far above what 100 players need).
const STEP_BUDGET: usize = 200_000;

/// The highest colour balance a player may reach.
const MAX_BALANCE: i32 = 2;

/// Pairs the next round of `entrants` (indexed by rank).
pub fn pair(entrants: &[Entrant]) -> Round {
    let mut order: Vec<usize> = (0..entrants.len())
        .filter(|&p| entrants[p].active)
        .collect();
    order.sort_by_key(|&p| (std::cmp::Reverse(entrants[p].half_points), p));
    let mut round = Round::default();
    if order.len() % 2 == 1 {
        // The lowest-placed player who has not had one; everyone has: the last.
        let at = order
            .iter()
            .rposition(|&p| !entrants[p].had_bye)
            .unwrap_or(order.len() - 1);
        round.bye = Some(order.remove(at));
    }
    for allow_repeats in [false, true] {
        let mut steps = 0;
        let mut games = Vec::with_capacity(order.len() / 2);
        if search(entrants, &order, allow_repeats, &mut games, &mut steps) {
            round.games = games;
            round.repeats = allow_repeats;
            return round;
        }
    }
    // Unreachable in practice (with repeats allowed any even list pairs);
    // pair in order rather than fail a round.
    round.games = order
        .chunks(2)
        .filter_map(|c| match c {
            [a, b] => Some(colours(entrants, *a, *b)),
            _ => None,
        })
        .collect();
    round.repeats = true;
    round
}

/// Pairs `rest` (in score order) into `games`, backtracking; false when no
/// pairing of them meets the constraints within the step budget.
fn search(
    entrants: &[Entrant],
    rest: &[usize],
    allow_repeats: bool,
    games: &mut Vec<Pair>,
    steps: &mut usize,
) -> bool {
    let Some((&top, others)) = rest.split_first() else {
        return true;
    };
    let mut candidates: Vec<usize> = (0..others.len())
        .filter(|&i| allowed(entrants, top, others[i], allow_repeats))
        .collect();
    candidates.sort_by_key(|&i| preference(entrants, top, others, i));
    for i in candidates {
        *steps += 1;
        if *steps > STEP_BUDGET {
            return false;
        }
        let mut remaining = others.to_vec();
        let partner = remaining.remove(i);
        games.push(colours(entrants, top, partner));
        if search(entrants, &remaining, allow_repeats, games, steps) {
            return true;
        }
        games.pop();
    }
    false
}

/// Whether `a` and `b` may meet: not again (unless allowed), and not when
/// both are at the colour limit on the same side.
fn allowed(entrants: &[Entrant], a: usize, b: usize, allow_repeats: bool) -> bool {
    let (x, y) = (&entrants[a], &entrants[b]);
    let repeat = x.opponents.contains(&b);
    let colour_stuck = (x.colour_balance >= MAX_BALANCE && y.colour_balance >= MAX_BALANCE)
        || (x.colour_balance <= -MAX_BALANCE && y.colour_balance <= -MAX_BALANCE);
    (allow_repeats || !repeat) && !colour_stuck
}

/// Sort key of candidate `others[i]` for `top`: nearest score, then
/// colours that suit both, then the Dutch distance (the top half of a score
/// group meets its bottom half), then rank.
fn preference(
    entrants: &[Entrant],
    top: usize,
    others: &[usize],
    i: usize,
) -> (u32, bool, usize, usize) {
    let q = others[i];
    let score = entrants[top].half_points;
    let gap = score.abs_diff(entrants[q].half_points);
    let clash = wanted_first(&entrants[top]).is_some()
        && wanted_first(&entrants[top]) == wanted_first(&entrants[q]);
    let group = others
        .iter()
        .filter(|&&o| entrants[o].half_points == score)
        .count();
    // `top` is first of its group; the ideal partner is half the group down.
    let ideal = group.div_ceil(2);
    let dutch = if gap == 0 { (i + 1).abs_diff(ideal) } else { 0 };
    (gap, clash, dutch, i)
}

/// Whether a player would rather play first (`Some(true)`), second, or has
/// no preference.
fn wanted_first(e: &Entrant) -> Option<bool> {
    match e.colour_balance {
        b if b < 0 => Some(true),
        b if b > 0 => Some(false),
        _ => e.last_first.map(|first| !first),
    }
}

/// Seats `a` and `b` (`a` ranked higher): the one with the lower colour
/// balance plays first; at equal balance whoever played second last time;
/// else the higher-ranked.
pub fn colours(entrants: &[Entrant], a: usize, b: usize) -> Pair {
    let (x, y) = (&entrants[a], &entrants[b]);
    let a_first = match x.colour_balance.cmp(&y.colour_balance) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => match (x.last_first, y.last_first) {
            (Some(false), Some(true)) | (Some(false), None) => true,
            (Some(true), Some(false)) | (None, Some(false)) => false,
            _ => a <= b,
        },
    };
    if a_first { [a, b] } else { [b, a] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: usize) -> Vec<Entrant> {
        vec![
            Entrant {
                active: true,
                ..Entrant::default()
            };
            n
        ]
    }

    /// Records a round's results in `entrants`: `result(a, b)` is a's half
    /// points (0, 1, 2).
    fn play(entrants: &mut [Entrant], round: &Round, result: &mut impl FnMut(usize, usize) -> u32) {
        for &[a, b] in &round.games {
            let r = result(a, b);
            entrants[a].half_points += r;
            entrants[b].half_points += 2 - r;
            entrants[a].colour_balance += 1;
            entrants[b].colour_balance -= 1;
            entrants[a].last_first = Some(true);
            entrants[b].last_first = Some(false);
            entrants[a].opponents.push(b);
            entrants[b].opponents.push(a);
        }
        if let Some(p) = round.bye {
            entrants[p].half_points += 2;
            entrants[p].had_bye = true;
        }
    }

    #[test]
    fn round_one_pairs_the_top_half_with_the_bottom_half() {
        let round = pair(&field(8));
        let mut games: Vec<Pair> = round
            .games
            .iter()
            .map(|[a, b]| [*a.min(b), *a.max(b)])
            .collect();
        games.sort_unstable();
        assert_eq!(games, vec![[0, 4], [1, 5], [2, 6], [3, 7]]);
        assert_eq!(round.bye, None);
    }

    #[test]
    fn the_bye_goes_to_the_lowest_player_without_one() {
        let mut entrants = field(5);
        entrants[4].had_bye = true;
        let round = pair(&entrants);
        assert_eq!(round.bye, Some(3));
        assert_eq!(round.games.len(), 2);
    }

    #[test]
    fn round_two_by_hand_winners_meet_winners() {
        // Round 1 of 4: 0-2 and 1-3, the higher seeds win (both played
        // first). Round 2: the winners 0 and 1 meet, and the losers 2 and 3.
        // Between equal colour histories the higher rank plays first.
        let mut entrants = field(4);
        let first = pair(&entrants);
        assert_eq!(first.games, vec![[0, 2], [1, 3]]);
        play(&mut entrants, &first, &mut |a, b| if a < b { 2 } else { 0 });
        let second = pair(&entrants);
        assert_eq!(second.games, vec![[0, 1], [2, 3]]);
    }

    #[test]
    fn the_lower_colour_balance_plays_first() {
        let mut entrants = field(2);
        entrants[0].colour_balance = 1;
        entrants[1].colour_balance = -1;
        assert_eq!(colours(&entrants, 0, 1), [1, 0]);
        entrants[0].colour_balance = 0;
        entrants[1].colour_balance = 0;
        entrants[0].last_first = Some(true);
        entrants[1].last_first = Some(false);
        assert_eq!(colours(&entrants, 0, 1), [1, 0]);
    }

    /// A small deterministic generator for the property runs.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    #[test]
    fn random_tournaments_keep_the_swiss_properties() {
        let mut rng = Lcg(7);
        for case in 0..300 {
            let n = 2 + rng.below(19) as usize;
            // Up to half the field: past that, a field can reach a state
            // where every pairing repeats one (3 rounds of 6 can leave two
            // triangles), which `repeats` reports.
            let rounds = 1 + rng.below((n / 2).clamp(1, 9) as u64) as usize;
            let mut entrants = field(n);
            let mut byes = vec![0; n];
            for r in 0..rounds {
                let round = pair(&entrants);
                assert!(
                    !round.repeats,
                    "case {case} ({n} players, round {r}): a repeat"
                );
                let mut seen = vec![false; n];
                for &[a, b] in &round.games {
                    assert!(a != b && !seen[a] && !seen[b]);
                    seen[a] = true;
                    seen[b] = true;
                    assert!(
                        !entrants[a].opponents.contains(&b),
                        "case {case}: {a}-{b} again"
                    );
                }
                if let Some(p) = round.bye {
                    byes[p] += 1;
                    assert!(byes[p] <= 1, "case {case}: a second bye for {p}");
                    seen[p] = true;
                }
                assert!(seen.iter().all(|s| *s), "case {case}: someone was left out");
                if r == 1 && n.is_multiple_of(2) && n >= 4 {
                    // After a round without draws: two score groups of equal
                    // size, at most one pair across them.
                    let across = round
                        .games
                        .iter()
                        .filter(|[a, b]| entrants[*a].half_points != entrants[*b].half_points)
                        .count();
                    assert!(
                        across <= 1,
                        "case {case}: {across} pairs across score groups"
                    );
                }
                let draws = r > 1;
                play(&mut entrants, &round, &mut |a, b| {
                    if draws && rng.below(4) == 0 {
                        1
                    } else if (a + b + r) % 3 == 0 {
                        0
                    } else {
                        2
                    }
                });
                for (p, e) in entrants.iter().enumerate() {
                    assert!(
                        e.colour_balance.abs() <= 2,
                        "case {case}: {p} at {}",
                        e.colour_balance
                    );
                }
            }
        }
    }

    #[test]
    fn withdrawn_players_are_not_paired() {
        let mut entrants = field(4);
        entrants[1].active = false;
        let round = pair(&entrants);
        assert_eq!(round.games.len(), 1);
        assert!(round.bye.is_some());
        assert!(round.games.iter().flatten().all(|&p| p != 1));
        assert_ne!(round.bye, Some(1));
    }
}
