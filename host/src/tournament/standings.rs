//! Standings and tie-breaks, from results alone.
//!
//! Two-player formats score a win 1, a draw ½, a loss 0, a bye (or a
//! forfeit win) 1. Ties on points are broken by Buchholz (the sum of the
//! opponents' points; a bye adds nothing), then Sonneborn-Berger (the
//! points of each opponent beaten, plus half of each opponent drawn), then
//! rank (rating at the start). The arena scores its own way
//! ([`arena_points`]).

use super::pairing::Pair;

/// A finished two-player game: its players in seat order, and each one's
/// half points (2 a win, 1 a draw, 0 a loss).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Played {
    /// The players.
    pub players: Pair,
    /// Their half points.
    pub half_points: [u32; 2],
}

/// One line of a table.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    /// Player index (rank).
    pub player: usize,
    /// Points.
    pub points: f64,
    /// Buchholz.
    pub buchholz: f64,
    /// Sonneborn-Berger.
    pub sonneborn_berger: f64,
    /// Games played (byes not counted).
    pub played: u32,
}

/// The table of `n` players after `games` and `byes`, best first.
pub fn two_player(n: usize, games: &[Played], byes: &[usize]) -> Vec<Line> {
    let mut points = vec![0.0f64; n];
    let mut played = vec![0u32; n];
    for g in games {
        for side in 0..2 {
            points[g.players[side]] += f64::from(g.half_points[side]) / 2.0;
            played[g.players[side]] += 1;
        }
    }
    for &p in byes {
        points[p] += 1.0;
    }
    let mut buchholz = vec![0.0f64; n];
    let mut sonneborn = vec![0.0f64; n];
    for g in games {
        for side in 0..2 {
            let (me, them) = (g.players[side], g.players[1 - side]);
            buchholz[me] += points[them];
            sonneborn[me] += points[them] * f64::from(g.half_points[side]) / 2.0;
        }
    }
    let mut lines: Vec<Line> = (0..n)
        .map(|p| Line {
            player: p,
            points: points[p],
            buchholz: buchholz[p],
            sonneborn_berger: sonneborn[p],
            played: played[p],
        })
        .collect();
    lines.sort_by(|a, b| {
        b.points
            .total_cmp(&a.points)
            .then(b.buchholz.total_cmp(&a.buchholz))
            .then(b.sonneborn_berger.total_cmp(&a.sonneborn_berger))
            .then(a.player.cmp(&b.player))
    });
    lines
}

/// Arena points of one player's results in the order played (half points:
/// 2 a win, 1 a draw, 0 a loss), and whether they are on a streak now.
/// A win is 2 and a draw 1; after two wins in a row a player is on fire and
/// scores double (4 a win, 2 a draw) until a game that is not a win.
pub fn arena_points(results: &[u32]) -> (u32, bool) {
    let mut total = 0;
    let mut wins_in_a_row = 0;
    for &r in results {
        let on_fire = wins_in_a_row >= 2;
        let base = match r {
            2 => 2,
            1 => 1,
            _ => 0,
        };
        total += if on_fire { base * 2 } else { base };
        wins_in_a_row = if r == 2 { wins_in_a_row + 1 } else { 0 };
    }
    (total, wins_in_a_row >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn game(a: usize, b: usize, a_half: u32) -> Played {
        Played {
            players: [a, b],
            half_points: [a_half, 2 - a_half],
        }
    }

    #[test]
    fn tie_breaks_by_hand() {
        // A=0 B=1 C=2 D=3. R1: A beats B, C beats D. R2: A draws C, B beats
        // D. R3: B beats C, D draws A.
        // Points: A 2, B 2, C 1.5, D 0.5.
        // Buchholz: A = 2 + 1.5 + 0.5 = 4, B = 2 + 0.5 + 1.5 = 4,
        //           C = 0.5 + 2 + 2 = 4.5, D = 1.5 + 2 + 2 = 5.5.
        // Sonneborn-Berger: A = 2 (B) + 1.5/2 (C) + 0.5/2 (D) = 3,
        //                   B = 0.5 (D) + 1.5 (C) = 2.
        let games = [
            game(0, 1, 2),
            game(2, 3, 2),
            game(0, 2, 1),
            game(1, 3, 2),
            game(1, 2, 2),
            game(3, 0, 1),
        ];
        let table = two_player(4, &games, &[]);
        let order: Vec<usize> = table.iter().map(|l| l.player).collect();
        assert_eq!(order, vec![0, 1, 2, 3]);
        assert_eq!(
            (
                table[0].points,
                table[0].buchholz,
                table[0].sonneborn_berger
            ),
            (2.0, 4.0, 3.0)
        );
        assert_eq!(
            (
                table[1].points,
                table[1].buchholz,
                table[1].sonneborn_berger
            ),
            (2.0, 4.0, 2.0)
        );
        assert_eq!((table[2].points, table[2].buchholz), (1.5, 4.5));
        assert_eq!((table[3].points, table[3].buchholz), (0.5, 5.5));
    }

    #[test]
    fn buchholz_breaks_a_tie_before_sonneborn_berger() {
        // 0 and 1 both beat 2 once; 1 also drew 3 who is stronger on points.
        // 0: beat 2, lost to 3 -> 1 point; 1: beat 2, drew 3... keep it
        // plain: two players on 1 point, one met stronger opposition.
        let games = [game(0, 2, 2), game(1, 3, 2), game(3, 2, 2), game(0, 1, 0)];
        // Points: 0 = 1, 1 = 2, 2 = 0, 3 = 1. Buchholz: 0 = 0 + 2 = 2,
        // 3 = 2 + 0 = 2... tie again; SB: 0 = 0 (beat 2, 0 points), 3 = 0.
        // Rank decides: 0 before 3.
        let table = two_player(4, &games, &[]);
        let order: Vec<usize> = table.iter().map(|l| l.player).collect();
        assert_eq!(order, vec![1, 0, 3, 2]);
        // With a bye for 3 it has 2 points and passes 0.
        let table = two_player(4, &games, &[3]);
        assert_eq!(table[0].player, 1);
        assert_eq!(table[1].player, 3);
        assert_eq!(table[1].played, 2);
    }

    #[test]
    fn arena_streaks_double_the_points() {
        // W W W D W L: 2 + 2 + 4 + 2 (a draw on fire) + 2 + 0 = 12.
        assert_eq!(arena_points(&[2, 2, 2, 1, 2, 0]), (12, false));
        assert_eq!(arena_points(&[2, 2]), (4, true));
        assert_eq!(arena_points(&[2, 2, 2, 2]), (12, true));
        assert_eq!(arena_points(&[]), (0, false));
    }
}
