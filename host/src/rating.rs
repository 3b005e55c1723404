//! Ratings: Glicko-2 for rated two-player games, Weng-Lin (OpenSkill) on the
//! same 1500 scale for games of three or more seats, per player and game
//! type, updated once when a rated game ends (casual games do not count).
//!
//! Defaults follow Lichess: a new player is 1500 with a deviation of 350
//! and a volatility of 0.06, tau 0.75; a rating is provisional while its
//! deviation is above 110. The computation is `skillratings`'.

use crate::base::clock::now_ms;
use crate::base::error::GameError;
use crate::records::game::{GameRecord, Status};
use crate::records::rating::{RatingRecord, RatingSystem};
use crate::store::{GameStore, RatingStore};
use serde_json::{Value, json};
use skillratings::glicko2::{Glicko2Config, Glicko2Rating, glicko2};
use skillratings::weng_lin::{WengLinConfig, WengLinRating, weng_lin_multi_team};
use skillratings::{MultiTeamOutcome, Outcomes};
use std::sync::Arc;

/// A new player's rating.
pub const INITIAL_RATING: f64 = 1500.0;
/// A new player's deviation.
pub const INITIAL_DEVIATION: f64 = 350.0;
/// A new player's Glicko-2 volatility.
pub const INITIAL_VOLATILITY: f64 = 0.06;
/// Glicko-2's tau (how fast volatility may change).
pub const TAU: f64 = 0.75;
/// Above this deviation a rating is provisional.
pub const PROVISIONAL_DEVIATION: f64 = 110.0;
/// Weng-Lin's ratings are kept on the Glicko scale: 25 ↦ 1500, ×60.
const WENG_LIN_SCALE: f64 = 60.0;

/// Whether a rating is still provisional.
pub fn provisional(r: &RatingRecord) -> bool {
    r.deviation > PROVISIONAL_DEVIATION
}

/// A player's first rating.
pub fn fresh(user_id: &str, name: &str, game_type: &str, system: RatingSystem) -> RatingRecord {
    RatingRecord {
        user_id: user_id.to_string(),
        name: name.to_string(),
        game_type: game_type.to_string(),
        system,
        rating: INITIAL_RATING,
        deviation: INITIAL_DEVIATION,
        volatility: INITIAL_VOLATILITY,
        games: 0,
        updated_at: 0,
    }
}

/// Each seat's place (0 first) in a finished game: winners first (all of
/// them on a draw), then by score when the game keeps one, the rest tied.
pub fn places(outcome: &gamehost_sdk::Outcome, seats: usize) -> Vec<usize> {
    let won = |s: usize| outcome.draw || outcome.winners.contains(&(s as u32));
    let winners = (0..seats).filter(|&s| won(s)).count();
    (0..seats)
        .map(|s| {
            if won(s) {
                return 0;
            }
            match outcome.scores.get(s) {
                Some(mine) => {
                    winners
                        + (0..seats)
                            .filter(|&o| !won(o) && outcome.scores.get(o).is_some_and(|x| x > mine))
                            .count()
                }
                None => winners,
            }
        })
        .collect()
}

/// Two players after a game `a` won (`Some(true)`), lost, or drew (`None`).
pub fn rate_two(
    a: &RatingRecord,
    b: &RatingRecord,
    a_won: Option<bool>,
) -> (RatingRecord, RatingRecord) {
    let g = |r: &RatingRecord| Glicko2Rating {
        rating: r.rating,
        deviation: r.deviation,
        volatility: r.volatility,
    };
    let outcome = match a_won {
        Some(true) => Outcomes::WIN,
        Some(false) => Outcomes::LOSS,
        None => Outcomes::DRAW,
    };
    let config = Glicko2Config {
        tau: TAU,
        ..Glicko2Config::default()
    };
    let (x, y) = glicko2(&g(a), &g(b), &outcome, &config);
    let set = |r: &RatingRecord, n: Glicko2Rating| RatingRecord {
        rating: n.rating,
        deviation: n.deviation,
        volatility: n.volatility,
        games: r.games + 1,
        updated_at: now_ms(),
        ..r.clone()
    };
    (set(a, x), set(b, y))
}

/// Everyone at a table after a game in which seat `i` took place
/// `places[i]` (Weng-Lin, each player a team of one).
pub fn rate_table(players: &[RatingRecord], places: &[usize]) -> Vec<RatingRecord> {
    let teams: Vec<[WengLinRating; 1]> = players
        .iter()
        .map(|r| {
            [WengLinRating {
                rating: r.rating / WENG_LIN_SCALE - INITIAL_RATING / WENG_LIN_SCALE + 25.0,
                uncertainty: r.deviation / WENG_LIN_SCALE,
            }]
        })
        .collect();
    let ranked: Vec<(&[WengLinRating], MultiTeamOutcome)> = teams
        .iter()
        .zip(places)
        .map(|(t, p)| (t.as_slice(), MultiTeamOutcome::new(p + 1)))
        .collect();
    let rated = weng_lin_multi_team(&ranked, &WengLinConfig::new());
    players
        .iter()
        .zip(rated)
        .map(|(r, team)| {
            let n = team.first().copied().unwrap_or(WengLinRating::new());
            RatingRecord {
                rating: (n.rating - 25.0) * WENG_LIN_SCALE + INITIAL_RATING,
                deviation: n.uncertainty * WENG_LIN_SCALE,
                games: r.games + 1,
                updated_at: now_ms(),
                ..r.clone()
            }
        })
        .collect()
}

/// Ratings over the store.
pub struct RatingService {
    ratings: Arc<dyn RatingStore>,
    games: Arc<dyn GameStore>,
}

impl RatingService {
    /// A service reading finished games from `games`.
    pub fn new(ratings: Arc<dyn RatingStore>, games: Arc<dyn GameStore>) -> Self {
        RatingService { ratings, games }
    }

    /// The ratings of `players` (`(userId, name)`) in `game_type`, a new
    /// player's for those without one.
    pub async fn of(
        &self,
        game_type: &str,
        players: &[(String, String)],
        system: RatingSystem,
    ) -> Result<Vec<RatingRecord>, GameError> {
        let ids: Vec<String> = players.iter().map(|(id, _)| id.clone()).collect();
        let known = self.ratings.ratings(game_type, &ids).await?;
        Ok(players
            .iter()
            .map(|(id, name)| {
                known
                    .iter()
                    .find(|r| &r.user_id == id)
                    .cloned()
                    .map(|r| RatingRecord {
                        name: name.clone(),
                        ..r
                    })
                    .unwrap_or_else(|| fresh(id, name, game_type, system))
            })
            .collect())
    }

    /// Counts game `game_id` if it is a rated game that ended with a result;
    /// a game counts once, whichever node (and however often) asks.
    pub async fn game_finished(&self, game_id: &str) -> Result<bool, GameError> {
        let Some(game) = self.games.get(game_id).await? else {
            return Ok(false);
        };
        let Some(updated) = self.after(&game).await? else {
            return Ok(false);
        };
        let counted = self.ratings.apply_rated_game(&game.id, &updated).await?;
        if counted {
            tracing::info!(game = %game.id, game_type = %game.game_type, "ratings updated");
        }
        Ok(counted)
    }

    /// The new ratings after `game`, or `None` when it does not count.
    async fn after(&self, game: &GameRecord) -> Result<Option<Vec<RatingRecord>>, GameError> {
        let outcome = match game.outcome() {
            Some(o) if game.rated && game.status == Status::Finished => o.clone(),
            _ => return Ok(None),
        };
        // Aborted and expired games have no result.
        if outcome.winners.is_empty() && !outcome.draw {
            return Ok(None);
        }
        let players: Vec<(String, String)> = game
            .players
            .iter()
            .flatten()
            .map(|p| (p.user_id.clone(), p.name.clone()))
            .collect();
        if players.len() != game.players.len() || players.len() < 2 {
            return Ok(None);
        }
        if players.len() == 2 {
            let now = self
                .of(&game.game_type, &players, RatingSystem::Glicko2)
                .await?;
            let a_won = if outcome.draw {
                None
            } else {
                Some(outcome.winners.contains(&0))
            };
            let (a, b) = rate_two(&now[0], &now[1], a_won);
            return Ok(Some(vec![a, b]));
        }
        let now = self
            .of(&game.game_type, &players, RatingSystem::WengLin)
            .await?;
        Ok(Some(rate_table(&now, &places(&outcome, players.len()))))
    }

    /// One page of a game type's leaderboard.
    pub async fn leaderboard(
        &self,
        game_type: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Value, GameError> {
        let limit = limit.clamp(1, 100);
        let (page, total) = self.ratings.leaderboard(game_type, offset, limit).await?;
        let entries: Vec<Value> = page
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "rank": offset as usize + i + 1,
                    "userId": r.user_id,
                    "name": r.name,
                    "rating": r.rating.round(),
                    "deviation": r.deviation.round(),
                    "games": r.games,
                    "provisional": provisional(r),
                })
            })
            .collect();
        Ok(
            json!({"gameType": game_type, "total": total, "offset": offset, "limit": limit, "entries": entries}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_win_between_new_players_by_glicko2s_numbers() {
        let a = fresh("a", "A", "chess", RatingSystem::Glicko2);
        let b = fresh("b", "B", "chess", RatingSystem::Glicko2);
        let (a2, b2) = rate_two(&a, &b, Some(true));
        // Glicko-2 for two 1500 / 350 / 0.06 players: ±162.3 and an RD of 290.3.
        assert!((a2.rating - 1662.3).abs() < 0.5, "{}", a2.rating);
        assert!((b2.rating - 1337.7).abs() < 0.5, "{}", b2.rating);
        assert!((a2.deviation - 290.3).abs() < 0.5, "{}", a2.deviation);
        assert_eq!((a2.games, b2.games), (1, 1));
        assert!(provisional(&a2));
        let (c, d) = rate_two(&a, &b, None);
        assert!((c.rating - 1500.0).abs() < 1e-6 && (d.rating - 1500.0).abs() < 1e-6);
        assert!(c.deviation < a.deviation, "a draw still tells something");
    }

    #[test]
    fn an_upset_moves_more_than_an_expected_win() {
        let strong = RatingRecord {
            rating: 1900.0,
            deviation: 80.0,
            ..fresh("s", "S", "chess", RatingSystem::Glicko2)
        };
        let weak = RatingRecord {
            rating: 1500.0,
            deviation: 80.0,
            ..fresh("w", "W", "chess", RatingSystem::Glicko2)
        };
        let (s1, _) = rate_two(&strong, &weak, Some(true));
        let (s2, w2) = rate_two(&strong, &weak, Some(false));
        assert!(s1.rating > strong.rating && s1.rating - strong.rating < 10.0);
        assert!(strong.rating - s2.rating > 20.0);
        assert!(w2.rating > weak.rating);
    }

    #[test]
    fn a_table_orders_by_place() {
        let players: Vec<RatingRecord> = ["a", "b", "c"]
            .iter()
            .map(|u| fresh(u, u, "liars-dice", RatingSystem::WengLin))
            .collect();
        let after = rate_table(&players, &[1, 0, 2]);
        assert!(after[1].rating > after[0].rating && after[0].rating > after[2].rating);
        assert!(
            after
                .iter()
                .all(|r| r.deviation < INITIAL_DEVIATION && r.games == 1)
        );
    }

    #[test]
    fn places_from_outcomes() {
        let o = gamehost_sdk::Outcome {
            winners: vec![2],
            scores: vec![3, 5, 9, 3],
            ..Default::default()
        };
        assert_eq!(places(&o, 4), vec![2, 1, 0, 2]);
        let draw = gamehost_sdk::Outcome {
            draw: true,
            ..Default::default()
        };
        assert_eq!(places(&draw, 3), vec![0, 0, 0]);
    }
}
