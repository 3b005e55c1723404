//! What anyone may see of a tournament: settings, players, rounds,
//! standings (never the password).

use super::pairing::tables::placement_half_points;
use super::standings::{self, Played};
use crate::records::tournament::{Format, Pairing, TournamentRecord, TournamentStatus};
use serde_json::{Value, json};

/// One line of the standings, as sent.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    /// 1-based place.
    pub rank: usize,
    /// Entrant index.
    #[serde(skip)]
    pub player: usize,
    /// User id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Points.
    pub points: f64,
    /// Buchholz (two-player formats but the arena).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buchholz: Option<f64>,
    /// Sonneborn-Berger (same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sonneborn_berger: Option<f64>,
    /// Games played.
    pub played: u32,
    /// Arena: on a streak (wins score double).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub on_fire: bool,
    /// Withdrew.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

/// Decided two-player games of `t`, in the order paired.
fn played(t: &TournamentRecord) -> Vec<(&Pairing, Played)> {
    let mut games: Vec<(&Pairing, Played)> = t
        .rounds
        .iter()
        .flat_map(|r| &r.games)
        .filter_map(|g| match (g.players.as_slice(), g.half_points.as_deref()) {
            ([a, b], Some([x, y])) => Some((
                g,
                Played {
                    players: [*a, *b],
                    half_points: [*x, *y],
                },
            )),
            _ => None,
        })
        .collect();
    games.sort_by_key(|(g, _)| g.paired_at);
    games
}

/// The standings of `t`, best first.
pub fn standings(t: &TournamentRecord) -> Vec<Standing> {
    let n = t.players.len();
    let line = |player: usize, points: f64, played: u32| Standing {
        rank: 0,
        player,
        user_id: t.players[player].user_id.clone(),
        name: t.players[player].name.clone(),
        points,
        buchholz: None,
        sonneborn_berger: None,
        played,
        on_fire: false,
        withdrawn: t.players[player].withdrawn,
    };
    let mut lines: Vec<Standing> = match &t.format {
        Format::RoundRobin { .. } | Format::Swiss { .. } => {
            let games: Vec<Played> = played(t).into_iter().map(|(_, p)| p).collect();
            let byes: Vec<usize> = t
                .rounds
                .iter()
                .flat_map(|r| r.byes.iter().copied())
                .collect();
            standings::two_player(n, &games, &byes)
                .into_iter()
                .map(|l| Standing {
                    buchholz: Some(l.buchholz),
                    sonneborn_berger: Some(l.sonneborn_berger),
                    ..line(l.player, l.points, l.played)
                })
                .collect()
        }
        Format::Arena { .. } => {
            let mut results = vec![Vec::new(); n];
            for (_, g) in played(t) {
                results[g.players[0]].push(g.half_points[0]);
                results[g.players[1]].push(g.half_points[1]);
            }
            let mut lines: Vec<Standing> = (0..n)
                .map(|p| {
                    let (points, on_fire) = standings::arena_points(&results[p]);
                    Standing {
                        on_fire,
                        ..line(p, f64::from(points), results[p].len() as u32)
                    }
                })
                .collect();
            lines.sort_by(|a, b| b.points.total_cmp(&a.points).then(a.player.cmp(&b.player)));
            lines
        }
        Format::Knockout { .. } => {
            // Matches won; the players still in first, then by seed.
            let mut wins = vec![0u32; n];
            let mut games = vec![0u32; n];
            for (_, g) in played(t) {
                for side in 0..2 {
                    games[g.players[side]] += 1;
                    if g.half_points[side] == 2 {
                        wins[g.players[side]] += 1;
                    }
                }
            }
            let alive: Vec<bool> = (0..n).map(|p| t.line.contains(&Some(p))).collect();
            let mut lines: Vec<Standing> = (0..n)
                .map(|p| line(p, f64::from(wins[p]), games[p]))
                .collect();
            lines.sort_by(|a, b| {
                alive[b.player]
                    .cmp(&alive[a.player])
                    .then(b.points.total_cmp(&a.points))
                    .then(a.player.cmp(&b.player))
            });
            lines
        }
        Format::Tables { seats, .. } => {
            let bye = seats.unwrap_or(3).saturating_sub(1);
            let mut halves = vec![0u32; n];
            let mut games = vec![0u32; n];
            for g in t.rounds.iter().flat_map(|r| &r.games) {
                if let Some(points) = &g.half_points {
                    for (p, h) in g.players.iter().zip(points) {
                        halves[*p] += h;
                        games[*p] += 1;
                    }
                }
            }
            for p in t.rounds.iter().flat_map(|r| &r.byes) {
                halves[*p] += bye;
            }
            let mut lines: Vec<Standing> = (0..n)
                .map(|p| line(p, f64::from(halves[p]) / 2.0, games[p]))
                .collect();
            lines.sort_by(|a, b| b.points.total_cmp(&a.points).then(a.player.cmp(&b.player)));
            lines
        }
    };
    for (i, l) in lines.iter_mut().enumerate() {
        l.rank = i + 1;
    }
    lines
}

/// Half points of each seat of a finished game, from its outcome:
/// two seats: 2 the winner, 1 each on a draw, 0 both when nobody won
/// (aborted, expired); more seats: by placement (winners first, then by
/// score when the game keeps one).
pub fn half_points_of(outcome: &gamehost_sdk::Outcome, seats: usize) -> Vec<u32> {
    if seats == 2 {
        return if outcome.draw {
            vec![1, 1]
        } else {
            (0..2u32)
                .map(|s| if outcome.winners.contains(&s) { 2 } else { 0 })
                .collect()
        };
    }
    let places = crate::rating::places(outcome, seats);
    placement_half_points(&places)
}

/// The whole tournament, for anyone.
pub fn snapshot(t: &TournamentRecord) -> Value {
    let user = |p: &usize| {
        t.players.get(*p).map_or(
            Value::Null,
            |e| json!({"userId": e.user_id, "name": e.name}),
        )
    };
    let rounds: Vec<Value> = t
        .rounds
        .iter()
        .map(|r| {
            json!({
                "number": r.number,
                "startedAt": r.started_at,
                "games": r.games.iter().map(|g| json!({
                    "gameId": g.game_id,
                    "players": g.players.iter().map(user).collect::<Vec<_>>(),
                    "result": g.half_points.as_ref().map(|h| h.iter().map(|x| f64::from(*x) / 2.0).collect::<Vec<_>>()),
                })).collect::<Vec<_>>(),
                "byes": r.byes.iter().map(user).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut value = summary(t);
    value["players"] = json!(t
        .players
        .iter()
        .map(|e| json!({"userId": e.user_id, "name": e.name, "rating": e.rating.round(), "withdrawn": e.withdrawn}))
        .collect::<Vec<_>>());
    value["rounds"] = json!(rounds);
    let table = standings(t);
    value["currentGames"] = json!(current_games(t, &table));
    value["standings"] = json!(table);
    value
}

/// A line of a list of tournaments.
pub fn summary(t: &TournamentRecord) -> Value {
    let winner = (t.status == TournamentStatus::Finished && t.cancelled.is_none())
        .then(|| standings(t).into_iter().next())
        .flatten()
        .map(|s| json!({"userId": s.user_id, "name": s.name}));
    json!({
        "tournamentId": t.id,
        "name": t.name,
        "gameType": t.game_type,
        "format": t.format,
        "rated": t.rated,
        "status": t.status,
        "maxPlayers": t.max_players,
        "playerCount": t.players.len(),
        "hasPassword": t.password_hash.is_some(),
        "startsAt": t.starts_at,
        "startWhenFull": t.start_when_full,
        "timeControl": t.time_control,
        "round": t.rounds.last().map_or(0, |r| r.number),
        "endsAt": t.ends_at,
        "createdBy": t.created_by,
        "createdAt": t.created_at,
        "finishedAt": t.finished_at,
        "cancelled": t.cancelled,
        "winner": winner,
    })
}

/// Games being played now, the top board (best-placed players in `table`,
/// the standings) first.
pub fn current_games(t: &TournamentRecord, table: &[Standing]) -> Vec<Value> {
    let rank: Vec<usize> = {
        let mut rank = vec![usize::MAX; t.players.len()];
        for s in table {
            rank[s.player] = s.rank;
        }
        rank
    };
    let mut games: Vec<(&Pairing, usize)> = t
        .rounds
        .iter()
        .flat_map(|r| &r.games)
        .filter(|g| g.half_points.is_none() && g.game_id.is_some())
        .map(|g| {
            (
                g,
                g.players
                    .iter()
                    .map(|p| rank[*p])
                    .min()
                    .unwrap_or(usize::MAX),
            )
        })
        .collect();
    games.sort_by_key(|(_, best)| *best);
    games
        .into_iter()
        .map(|(g, _)| {
            json!({
                "gameId": g.game_id,
                "players": g.players.iter().map(|p| json!({"userId": t.players[*p].user_id, "name": t.players[*p].name})).collect::<Vec<_>>(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gamehost_sdk::Outcome;

    #[test]
    fn outcomes_become_half_points() {
        let win = Outcome::winner(1, "three in a row");
        assert_eq!(half_points_of(&win, 2), vec![0, 2]);
        let draw = Outcome {
            draw: true,
            ..Outcome::default()
        };
        assert_eq!(half_points_of(&draw, 2), vec![1, 1]);
        assert_eq!(half_points_of(&Outcome::default(), 2), vec![0, 0]);
        // Four seats, seat 2 wins, scores rank the others: 1 (5), 0 (3), 3 (3).
        let table = Outcome {
            winners: vec![2],
            scores: vec![3, 5, 9, 3],
            ..Outcome::default()
        };
        assert_eq!(half_points_of(&table, 4), vec![1, 4, 6, 1]);
        // No scores: the winner first, the rest share the other places.
        assert_eq!(
            half_points_of(&Outcome::winner(0, "last dice"), 3),
            vec![4, 1, 1]
        );
    }
}
