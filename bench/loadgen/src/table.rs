//! Bots at tables. One task per table owns its players' connections: the
//! first creates a game, the others join it, and whoever the host hands a
//! turn to (a non-empty `legalMoves` in `game:started`, `game:state-update`
//! or `game:move-made`) plays one of those moves at once, picked by a seeded
//! generator. When the game ends the table starts the next one. Latency is
//! emit -> ack of `game:move`: the host sends the move's events before it
//! acks, so the fan-out is included. Only acks inside the window count.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::Value;

use crate::protocol::{self, Turn};
use crate::sio::{Conn, Incoming};

#[derive(Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

impl Window {
    fn contains(&self, t: Instant) -> bool {
        t >= self.start && t < self.end
    }
}

pub struct Stats {
    /// Move latencies in microseconds.
    pub hist: Histogram<u64>,
    pub moves: u64,
    pub games_finished: u64,
    /// Error codes seen inside the window.
    pub errors: BTreeMap<String, u64>,
    /// Error codes seen during warm-up or the drain.
    pub errors_outside: BTreeMap<String, u64>,
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            hist: Histogram::new_with_bounds(1, 120_000_000, 3).expect("constant, valid bounds"),
            moves: 0,
            games_finished: 0,
            errors: BTreeMap::new(),
            errors_outside: BTreeMap::new(),
        }
    }

    pub fn merge(&mut self, other: Stats) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.hist.add(&other.hist);
        self.moves += other.moves;
        self.games_finished += other.games_finished;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for (k, v) in other.errors_outside {
            *self.errors_outside.entry(k).or_default() += v;
        }
    }

    fn error(&mut self, window: &Window, code: &str) {
        let map = if window.contains(Instant::now()) {
            &mut self.errors
        } else {
            &mut self.errors_outside
        };
        *map.entry(code.to_string()).or_default() += 1;
    }
}

/// Where the bots connect and as whom.
pub struct Target {
    pub host: String,
    pub name_prefix: String,
    /// Source addresses to spread connections over: one address has about
    /// 28,000 ephemeral ports towards one server port.
    pub sources: Vec<IpAddr>,
    pub timeout: Duration,
}

/// Connects bot `index` with a guest token and waits for `connection:confirmed`.
pub async fn connect_bot(target: &Target, index: usize) -> Result<Conn, String> {
    let token =
        protocol::guest_token(&target.host, &format!("{}-{index}", target.name_prefix)).await?;
    let source = target
        .sources
        .get(index / SOCKETS_PER_SOURCE % target.sources.len().max(1))
        .copied();
    let auth = serde_json::json!({ "token": token });
    let mut conn = Conn::connect(&target.host, &auth, source, target.timeout).await?;
    conn.wait_event(protocol::EV_READY, target.timeout).await?;
    Ok(conn)
}

/// Connections per source address before the next one is used.
pub const SOCKETS_PER_SOURCE: usize = 20_000;

/// Connects `n` bots with at most `concurrency` handshakes in flight, in index order.
pub async fn connect_many(
    target: Arc<Target>,
    n: usize,
    concurrency: usize,
) -> Result<Vec<Conn>, String> {
    let results: Vec<(usize, Result<Conn, String>)> = futures_util::stream::iter(0..n)
        .map(|i| {
            let target = target.clone();
            async move { (i, connect_bot(&target, i).await) }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut conns: Vec<Option<Conn>> = (0..n).map(|_| None).collect();
    let mut failures = 0usize;
    let mut first_error = None;
    for (i, result) in results {
        match result {
            Ok(c) => conns[i] = Some(c),
            Err(e) => {
                failures += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(format!("{failures}/{n} connections failed; first: {e}"));
    }
    Ok(conns.into_iter().flatten().collect())
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Create,
    Join,
    Move,
}

struct Pending {
    player: usize,
    id: u64,
    kind: Kind,
    cycle: u64,
    sent: Instant,
}

/// What one table plays.
pub struct Game {
    pub game_type: String,
    pub players: usize,
}

/// One table of bots across successive games.
struct Table<'a> {
    game: &'a Game,
    window: Window,
    stall: Duration,
    pending: Vec<Pending>,
    cycle: u64,
    game_id: Option<String>,
    /// Per player: the version it last moved at, whether a move is in
    /// flight, and a turn that arrived while it was.
    acted: Vec<u64>,
    in_flight: Vec<bool>,
    deferred: Vec<Option<Turn>>,
    last_progress: Instant,
    rng: u64,
    stats: Stats,
}

enum Wake {
    Frame(
        usize,
        Option<
            Result<tokio_tungstenite::tungstenite::Message, tokio_tungstenite::tungstenite::Error>,
        >,
    ),
    Tick,
    End,
}

impl Table<'_> {
    async fn emit(
        &mut self,
        conns: &mut [Conn],
        player: usize,
        kind: Kind,
        request: (&str, Value),
    ) -> Result<(), String> {
        let sent = Instant::now();
        let id = conns[player].emit_with_ack(request.0, &request.1).await?;
        self.pending.push(Pending {
            player,
            id,
            kind,
            cycle: self.cycle,
            sent,
        });
        Ok(())
    }

    async fn start_cycle(&mut self, conns: &mut [Conn]) -> Result<(), String> {
        self.cycle += 1;
        self.game_id = None;
        self.acted.iter_mut().for_each(|v| *v = 0);
        self.in_flight.iter_mut().for_each(|f| *f = false);
        self.deferred.iter_mut().for_each(|d| *d = None);
        self.last_progress = Instant::now();
        let request = protocol::create_game(&self.game.game_type, self.game.players);
        self.emit(conns, 0, Kind::Create, request).await
    }

    /// xorshift64*: the bots' choices, reproducible per table.
    fn pick(&mut self, n: usize) -> usize {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }

    async fn on_turn(
        &mut self,
        conns: &mut [Conn],
        player: usize,
        turn: Turn,
    ) -> Result<(), String> {
        if self.game_id.as_deref() != Some(turn.game_id.as_str()) {
            return Ok(()); // a previous game's late event
        }
        self.last_progress = Instant::now();
        if turn.finished {
            if self.window.contains(Instant::now()) {
                self.stats.games_finished += 1;
            }
            return self.start_cycle(conns).await;
        }
        if turn.legal_moves.is_empty() || turn.version < self.acted[player] {
            return Ok(());
        }
        if self.in_flight[player] {
            self.deferred[player] = Some(turn);
            return Ok(());
        }
        let choice = self.pick(turn.legal_moves.len());
        let Ok(mv) = serde_json::from_str::<Value>(&turn.legal_moves[choice]) else {
            self.stats.error(&self.window, "BAD_LEGAL_MOVE");
            return self.start_cycle(conns).await;
        };
        self.acted[player] = turn.version + 1;
        self.in_flight[player] = true;
        let request = protocol::make_move(&turn.game_id, mv);
        self.emit(conns, player, Kind::Move, request).await
    }

    async fn on_ack(
        &mut self,
        conns: &mut [Conn],
        player: usize,
        id: u64,
        args: Value,
    ) -> Result<(), String> {
        let now = Instant::now();
        let Some(pos) = self
            .pending
            .iter()
            .position(|p| p.player == player && p.id == id)
        else {
            self.stats.error(&self.window, "UNEXPECTED_ACK");
            return Ok(());
        };
        let pending = self.pending.swap_remove(pos);
        if pending.cycle != self.cycle {
            return Ok(()); // a reply for an abandoned game
        }
        self.last_progress = now;
        match (pending.kind, protocol::ack_result(&args)) {
            (Kind::Move, Ok(_)) => {
                if self.window.contains(now) {
                    let us = now.duration_since(pending.sent).as_micros().max(1) as u64;
                    self.stats.hist.saturating_record(us);
                    self.stats.moves += 1;
                }
                self.in_flight[player] = false;
                if let Some(turn) = self.deferred[player].take() {
                    self.on_turn(conns, player, turn).await?;
                }
                Ok(())
            }
            (Kind::Create, Ok(_)) => match protocol::created_game(&args) {
                Ok(game_id) => {
                    let request = protocol::join_game(&game_id);
                    self.game_id = Some(game_id);
                    for other in 1..conns.len() {
                        self.emit(conns, other, Kind::Join, request.clone()).await?;
                    }
                    Ok(())
                }
                Err(code) => self.restart(conns, &code).await,
            },
            (Kind::Join, Ok(_)) => Ok(()), // the turn comes with game:started
            (_, Err(code)) => self.restart(conns, &code).await,
        }
    }

    async fn restart(&mut self, conns: &mut [Conn], code: &str) -> Result<(), String> {
        self.stats.error(&self.window, code);
        self.start_cycle(conns).await
    }
}

/// Plays games at one table until the window ends.
pub async fn run_table(
    mut conns: Vec<Conn>,
    game: Arc<Game>,
    seed: u64,
    window: Window,
    stall: Duration,
) -> Stats {
    let players = conns.len();
    let mut table = Table {
        game: &game,
        window,
        stall,
        pending: Vec::with_capacity(players * 2),
        cycle: 0,
        game_id: None,
        acted: vec![0; players],
        in_flight: vec![false; players],
        deferred: (0..players).map(|_| None).collect(),
        last_progress: Instant::now(),
        rng: seed | 1,
        stats: Stats::new(),
    };
    if let Err(e) = table.start_cycle(&mut conns).await {
        table.stats.error(&window, &format!("SEND_FAILED: {e}"));
        return table.stats;
    }
    let end = tokio::time::sleep_until(window.end.into());
    tokio::pin!(end);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let wake = {
            let frames = futures_util::future::select_all(conns.iter_mut().map(|c| c.ws.next()));
            tokio::select! {
                (frame, who, _) = frames => Wake::Frame(who, frame),
                _ = &mut end => Wake::End,
                _ = tick.tick() => Wake::Tick,
            }
        };
        let result = match wake {
            Wake::End => break,
            Wake::Tick if table.last_progress.elapsed() > table.stall => {
                table.restart(&mut conns, "STALLED").await
            }
            Wake::Tick => Ok(()),
            Wake::Frame(who, frame) => match conns[who].on_frame(frame).await {
                Incoming::Ack { id, args } => table.on_ack(&mut conns, who, id, args).await,
                Incoming::Event { name, payload } => match protocol::turn_of(&name, &payload) {
                    Some(turn) => table.on_turn(&mut conns, who, turn).await,
                    None => Ok(()),
                },
                Incoming::Control => Ok(()),
                Incoming::Closed(why) => Err(why),
            },
        };
        if let Err(e) = result {
            table.stats.error(&window, "DISCONNECTED");
            eprintln!("table stopped: {e}");
            break;
        }
    }
    table.stats
}

/// Keeps an idle connection alive (answers pings) until aborted or closed.
pub async fn hold_idle(mut conn: Conn) {
    loop {
        let frame = conn.ws.next().await;
        if let Incoming::Closed(_) = conn.on_frame(frame).await {
            return;
        }
    }
}
