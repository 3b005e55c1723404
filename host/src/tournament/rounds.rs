//! Running tournaments: the start, results from finished games, no-shows,
//! the next round's pairing, the end.
//!
//! [`TournamentService::advance`] is the one step: it reads the tournament
//! and its undecided games, decides what changed, and stores it with a
//! compare-and-set on the version; only the writer that won then creates
//! the new games and tells everyone. Any node may take the step (each
//! checks every open tournament each tick, and at once when one of its
//! games ends); a round is paired by exactly one of them. A game a node
//! paired but did not live to create is created by the next step that
//! finds it missing.

use super::effects::Effects;
use super::pairing::{Pair, arena, knockout, round_robin, swiss, tables};
use super::service::{TournamentService, tournament_room, updated};
use super::view::{self, half_points_of};
use crate::base::clock::now_ms;
use crate::base::outbox::{Audience, Delivery};
use crate::records::game::Status;
use crate::records::tournament::{
    DrawRule, Format, Pairing, Round, TournamentRecord, TournamentStatus,
};
use crate::store::StoreError;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// How long after its pairing a missing game counts as never created.
const CREATE_GRACE_MS: u64 = 5_000;
/// Replays of a drawn knockout match before the higher seed goes through.
const MAX_REPLAYS: usize = 3;

impl TournamentService {
    /// Starts the ticks and the listener of finished games.
    pub fn run(self: &Arc<Self>, mut finished: tokio::sync::mpsc::UnboundedReceiver<String>) {
        let _ = self.me.set(Arc::downgrade(self));
        let me = self.clone();
        tokio::spawn(async move {
            let mut every =
                tokio::time::interval(Duration::from_millis(me.settings.tick_ms.max(100)));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                match me.store.tournaments(true, 500).await {
                    Ok(open) => {
                        for t in open {
                            me.advance(&t.id).await;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot list open tournaments"),
                }
            }
        });
        let me = self.clone();
        tokio::spawn(async move {
            while let Some(game_id) = finished.recv().await {
                let owner = me
                    .index
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&game_id)
                    .cloned();
                if let Some(id) = owner {
                    me.advance(&id).await;
                }
            }
        });
    }

    /// One step of tournament `id` (see the module's docs).
    pub async fn advance(&self, id: &str) {
        let lock = self.lock(id);
        let _held = lock.lock().await;
        for _ in 0..5 {
            let mut t = match self.store.tournament(id).await {
                Ok(Some(t)) => t,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(tournament = %id, error = %e, "cannot read a tournament");
                    return;
                }
            };
            self.remember(&t);
            let expected = t.version;
            let mut effects = Effects::default();
            self.step(&mut t, now_ms(), &mut effects).await;
            if effects.changed {
                t.version = expected + 1;
                match self.store.save_tournament(&t, Some(expected)).await {
                    Ok(()) => {}
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(e) => {
                        tracing::warn!(tournament = %id, error = %e, "cannot store a tournament step");
                        return;
                    }
                }
                self.remember(&t);
                effects.deliveries.insert(0, updated(&t));
            }
            self.carry_out(&t, effects).await;
            return;
        }
    }

    fn remember(&self, t: &TournamentRecord) {
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        if index.len() > 100_000 {
            index.clear();
        }
        for game in t.game_ids() {
            index.insert(game.to_string(), t.id.clone());
        }
    }

    async fn step(&self, t: &mut TournamentRecord, now: u64, fx: &mut Effects) {
        match t.status {
            TournamentStatus::Finished => {}
            TournamentStatus::Registering => {
                let full = t.players.len() >= t.max_players as usize;
                let due = t.starts_at.is_some_and(|at| now >= at) || (t.start_when_full && full);
                if due {
                    self.start(t, now, fx);
                }
            }
            TournamentStatus::Running => {
                self.collect_results(t, now, fx).await;
                if fx.changed {
                    fx.deliveries.push(standings(t));
                }
                self.next(t, now, fx).await;
            }
        }
    }

    fn start(&self, t: &mut TournamentRecord, now: u64, fx: &mut Effects) {
        fx.changed = true;
        let needed = match t.format {
            Format::Tables { seats, .. } => seats.unwrap_or(2).max(2) as usize,
            _ => 2,
        };
        if t.players.len() < needed {
            let why = format!("{} players registered, {needed} needed", t.players.len());
            tracing::info!(tournament = %t.id, why, "tournament cancelled");
            self.finish(t, now, Some(why), fx);
            return;
        }
        // Seeds: rating, then registration order (the sort is stable).
        t.players.sort_by(|a, b| b.rating.total_cmp(&a.rating));
        t.status = TournamentStatus::Running;
        t.starts_at = Some(t.starts_at.unwrap_or(now).min(now));
        match t.format {
            Format::Arena { minutes } => {
                t.ends_at = Some(now + u64::from(minutes) * 60_000);
                t.rounds.push(Round {
                    number: 1,
                    started_at: now,
                    ..Round::default()
                });
            }
            Format::Knockout { .. } => t.line = knockout::bracket(t.players.len()),
            _ => {}
        }
        tracing::info!(tournament = %t.id, players = t.players.len(), "tournament started");
        self.pair_round(t, now, fx);
    }

    /// Reads every undecided game: results of finished ones, no-shows,
    /// games never created.
    async fn collect_results(&self, t: &mut TournamentRecord, now: u64, fx: &mut Effects) {
        let no_show_ms = t.no_show_ms;
        for (r, round) in t.rounds.iter_mut().enumerate() {
            for (i, pairing) in round.games.iter_mut().enumerate() {
                let Some(game_id) = pairing
                    .game_id
                    .clone()
                    .filter(|_| pairing.half_points.is_none())
                else {
                    continue;
                };
                match self.games.store().get(&game_id).await {
                    Ok(Some(game)) if game.status == Status::Finished => {
                        let outcome = game.outcome().cloned().unwrap_or_default();
                        pairing.half_points = Some(half_points_of(&outcome, pairing.players.len()));
                        fx.changed = true;
                        fx.deliveries.push(Delivery {
                            to: Audience::Room(tournament_room(&t.id)),
                            event: "tournament:game-ended",
                            payload: json!({"tournamentId": t.id, "gameId": game_id, "outcome": outcome}),
                        });
                    }
                    Ok(Some(game)) if game.ply == 0 && now >= pairing.paired_at + no_show_ms => {
                        let mut absent = Vec::new();
                        for player in game.players.iter().flatten() {
                            if !self.games.is_online_anywhere(&player.user_id).await {
                                absent.push(player.user_id.clone());
                            }
                        }
                        if !absent.is_empty() {
                            fx.no_shows.push((game_id, absent, game.players.len()));
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) if now >= pairing.paired_at + CREATE_GRACE_MS => {
                        fx.create.push((r, i))
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(game = %game_id, error = %e, "cannot read a tournament game")
                    }
                }
            }
        }
    }

    /// After the results: the next round, more arena games, or the end.
    async fn next(&self, t: &mut TournamentRecord, now: u64, fx: &mut Effects) {
        let open = |t: &TournamentRecord| {
            t.rounds
                .last()
                .is_some_and(|r| r.games.iter().any(|g| g.half_points.is_none()))
        };
        if let Format::Arena { .. } = t.format {
            if t.ends_at.is_some_and(|end| now < end) {
                self.pair_arena(t, now, fx).await;
            } else if !open(t) {
                fx.changed = true;
                self.finish(t, now, None, fx);
            }
            return;
        }
        if open(t) {
            return;
        }
        if matches!(t.format, Format::Knockout { .. }) && !self.resolve_knockout(t, now, fx) {
            return;
        }
        fx.changed = true;
        self.pair_round(t, now, fx);
    }

    /// Pairs the next round, or ends the tournament when there is none.
    fn pair_round(&self, t: &mut TournamentRecord, now: u64, fx: &mut Effects) {
        let n = t.players.len();
        let played = t.rounds.len();
        let mut round = Round {
            number: played as u32 + 1,
            started_at: now,
            ..Round::default()
        };
        let mut games: Vec<Vec<usize>> = Vec::new();
        let mut slots: Vec<Option<usize>> = Vec::new();
        match t.format.clone() {
            Format::RoundRobin { double } => {
                let schedule = round_robin::schedule(n, double);
                let Some(next) = schedule.get(played) else {
                    return self.finish(t, now, None, fx);
                };
                games = next.games.iter().map(|g| g.to_vec()).collect();
                round.byes.extend(next.bye);
            }
            Format::Swiss { rounds } => {
                let total = (rounds as usize).min(n.saturating_sub(1)).max(1);
                if played >= total {
                    return self.finish(t, now, None, fx);
                }
                let next = swiss::pair(&swiss_entrants(t));
                if next.repeats {
                    tracing::warn!(tournament = %t.id, round = round.number, "no Swiss pairing without a rematch: one repeats");
                }
                games = next.games.iter().map(|g| g.to_vec()).collect();
                round.byes.extend(next.bye);
            }
            Format::Knockout { .. } => {
                if t.line.len() < 2 {
                    return self.finish(t, now, None, fx);
                }
                for m in knockout::matches(&t.line) {
                    match m {
                        knockout::Match::Game { slot, players } => {
                            games.push(players.to_vec());
                            slots.push(Some(slot));
                        }
                        knockout::Match::Walkover { player, .. } => round.byes.push(player),
                    }
                }
            }
            Format::Tables { rounds, seats } => {
                if played >= rounds as usize {
                    return self.finish(t, now, None, fx);
                }
                let order: Vec<usize> = view::standings(t)
                    .into_iter()
                    .filter(|s| !s.withdrawn)
                    .map(|s| s.player)
                    .collect();
                let size = seats.unwrap_or(2) as usize;
                let (tables, out) = tables::seat(&order, size, size, played);
                if tables.is_empty() {
                    return self.finish(t, now, None, fx);
                }
                games = tables;
                round.byes = out;
            }
            Format::Arena { .. } => return,
        }
        if games.is_empty() && round.byes.is_empty() {
            return self.finish(t, now, None, fx);
        }
        let r = t.rounds.len();
        for (i, players) in games.into_iter().enumerate() {
            let slot = slots.get(i).copied().flatten();
            round.games.push(self.pairing(t, players, slot, now));
            if round.games[i].game_id.is_some() {
                fx.create.push((r, i));
            }
        }
        fx.changed = true;
        tracing::info!(tournament = %t.id, round = round.number, games = round.games.len(), byes = round.byes.len(), "round paired");
        fx.deliveries.push(Delivery {
            to: Audience::Room(tournament_room(&t.id)),
            event: "tournament:round-started",
            payload: json!({"tournamentId": t.id, "round": round.number}),
        });
        // A round decided without play (withdrawals) is over at once: the
        // next step pairs on.
        t.rounds.push(round);
    }

    /// A pairing of `players`: a game to create, or, when a withdrawn
    /// player is in it, decided at once against them.
    fn pairing(
        &self,
        t: &TournamentRecord,
        players: Vec<usize>,
        slot: Option<usize>,
        now: u64,
    ) -> Pairing {
        let withdrawn: Vec<bool> = players.iter().map(|p| t.players[*p].withdrawn).collect();
        let (game_id, half_points) = if withdrawn.iter().any(|w| *w) {
            let points = withdrawn.iter().map(|w| if *w { 0 } else { 2 }).collect();
            (None, Some(points))
        } else {
            (Some(uuid::Uuid::new_v4().simple().to_string()), None)
        };
        Pairing {
            game_id,
            players,
            half_points,
            slot,
            paired_at: now,
        }
    }

    /// Knockout, once a round's games are decided: replays of drawn
    /// matches (false: the round goes on), else the next line-up.
    fn resolve_knockout(&self, t: &mut TournamentRecord, now: u64, fx: &mut Effects) -> bool {
        let Format::Knockout { draws } = t.format else {
            return true;
        };
        let Some(round) = t.rounds.last() else {
            return true;
        };
        let mut next = Vec::with_capacity(t.line.len() / 2);
        let mut replays = Vec::new();
        for (slot, pair) in t.line.chunks(2).enumerate() {
            let games: Vec<&Pairing> = round
                .games
                .iter()
                .filter(|g| g.slot == Some(slot))
                .collect();
            let winner = match (pair, games.last()) {
                ([Some(p), None] | [None, Some(p)] | [Some(p)], _) => Some(*p),
                (_, Some(last)) => match last.half_points.as_deref() {
                    Some([2, _]) => Some(last.players[0]),
                    Some([_, 2]) => Some(last.players[1]),
                    Some([1, 1]) if draws == DrawRule::Rematch && games.len() <= MAX_REPLAYS => {
                        replays.push((slot, vec![last.players[1], last.players[0]]));
                        None
                    }
                    _ => last.players.iter().min().copied(),
                },
                _ => None,
            };
            next.push(winner);
        }
        if !replays.is_empty() {
            let r = t.rounds.len() - 1;
            for (slot, players) in replays {
                let pairing = self.pairing(t, players, Some(slot), now);
                let has_game = pairing.game_id.is_some();
                t.rounds[r].games.push(pairing);
                if has_game {
                    fx.create.push((r, t.rounds[r].games.len() - 1));
                }
            }
            fx.changed = true;
            return false;
        }
        t.line = next;
        true
    }

    /// Arena: pairs whoever is free and online, nearest in the ranking.
    async fn pair_arena(&self, t: &mut TournamentRecord, now: u64, fx: &mut Effects) {
        let Some(round) = t.rounds.last() else {
            return;
        };
        let busy: Vec<usize> = round
            .games
            .iter()
            .filter(|g| g.half_points.is_none())
            .flat_map(|g| g.players.iter().copied())
            .collect();
        let mut waiting = Vec::new();
        for line in view::standings(t) {
            let p = line.player;
            if t.players[p].withdrawn || busy.contains(&p) {
                continue;
            }
            if !self.games.is_online_anywhere(&t.players[p].user_id).await {
                continue;
            }
            let last_opponent = round
                .games
                .iter()
                .rev()
                .find(|g| g.players.contains(&p))
                .and_then(|g| g.players.iter().find(|&&o| o != p).copied());
            waiting.push(arena::Waiting {
                player: p,
                last_opponent,
            });
        }
        let pairs = arena::pair(&waiting);
        if pairs.is_empty() {
            return;
        }
        let r = t.rounds.len() - 1;
        for pair in pairs {
            let seated = fewer_firsts_first(t, pair);
            let pairing = self.pairing(t, seated.to_vec(), None, now);
            t.rounds[r].games.push(pairing);
            fx.create.push((r, t.rounds[r].games.len() - 1));
        }
        fx.changed = true;
    }

    fn finish(
        &self,
        t: &mut TournamentRecord,
        now: u64,
        cancelled: Option<String>,
        fx: &mut Effects,
    ) {
        fx.changed = true;
        t.status = TournamentStatus::Finished;
        t.finished_at = Some(now);
        t.cancelled = cancelled;
        let table = view::standings(t);
        tracing::info!(tournament = %t.id, winner = ?table.first().map(|s| &s.user_id), "tournament ended");
        fx.deliveries.push(Delivery {
            to: Audience::Room(tournament_room(&t.id)),
            event: "tournament:ended",
            payload: json!({
                "tournamentId": t.id,
                "standings": table,
                "winner": if t.cancelled.is_none() { table.first().map(|s| json!({"userId": s.user_id, "name": s.name})) } else { None },
                "cancelled": t.cancelled,
            }),
        });
    }
}

/// `tournament:standings` for the room.
fn standings(t: &TournamentRecord) -> Delivery {
    Delivery {
        to: Audience::Room(tournament_room(&t.id)),
        event: "tournament:standings",
        payload: json!({
            "tournamentId": t.id,
            "round": t.rounds.last().map_or(0, |r| r.number),
            "standings": view::standings(t),
        }),
    }
}

/// What Swiss pairing needs of each entrant, from the rounds so far.
fn swiss_entrants(t: &TournamentRecord) -> Vec<swiss::Entrant> {
    let mut entrants: Vec<swiss::Entrant> = t
        .players
        .iter()
        .map(|e| swiss::Entrant {
            active: !e.withdrawn,
            ..swiss::Entrant::default()
        })
        .collect();
    for round in &t.rounds {
        for g in &round.games {
            let ([a, b], Some([x, y])) = (g.players.as_slice(), g.half_points.as_deref()) else {
                continue;
            };
            entrants[*a].half_points += x;
            entrants[*b].half_points += y;
            if g.game_id.is_some() {
                entrants[*a].colour_balance += 1;
                entrants[*b].colour_balance -= 1;
                entrants[*a].last_first = Some(true);
                entrants[*b].last_first = Some(false);
            }
            entrants[*a].opponents.push(*b);
            entrants[*b].opponents.push(*a);
        }
        for &p in &round.byes {
            entrants[p].half_points += 2;
            entrants[p].had_bye = true;
        }
    }
    entrants
}

/// Seats an arena pair: whoever has played first less often plays first.
fn fewer_firsts_first(t: &TournamentRecord, [a, b]: Pair) -> Pair {
    let firsts = |p: usize| {
        t.rounds
            .iter()
            .flat_map(|r| &r.games)
            .filter(|g| g.players.first() == Some(&p))
            .count()
    };
    if firsts(b) < firsts(a) {
        [b, a]
    } else {
        [a, b]
    }
}
