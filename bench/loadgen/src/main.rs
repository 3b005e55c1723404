//! gamehost-loadgen: drives the real `gamehost` binary with bots through the
//! socket protocol and reports moves/s, latency percentiles, the server's CPU
//! per move, its RSS and its memory per idle socket.
//!
//!   gamehost-loadgen report --server target/release/gamehost --games 1,10,100 --idle 5000
//!   gamehost-loadgen play --host 127.0.0.1:3000 --tables 100 --server-pid PID
//!   gamehost-loadgen idle --host 127.0.0.1:3000 --connections 5000 --server-pid PID
//!
//! `report` starts a fresh server (its own data folder, pinned to one core)
//! for every run, as `cargo xtask load` does; `play` and `idle` measure a
//! server that is already running. Bots play any bundled game: each plays one
//! of the legal moves the host sends it.

mod protocol;
mod report;
mod server;
mod sio;
mod sys;
mod table;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use table::{Game, Stats, Target, Window};

#[derive(Parser)]
#[command(about = "Load benchmark of the gamehost binary: bots over the socket protocol")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start a fresh server per run, play and idle runs, write a report.
    Report(report::ReportArgs),
    /// Tables of bots playing games as fast as the server answers.
    Play(PlayArgs),
    /// Open idle authenticated connections and report the server's RSS per connection.
    Idle(IdleArgs),
}

#[derive(Args, Clone)]
pub struct Common {
    /// host:port of the server (loopback)
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub host: String,
    /// the server's PID: its CPU time and RSS are read from /proc
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// concurrent handshakes while connecting
    #[arg(long, default_value_t = 64)]
    pub connect_concurrency: usize,
    /// per-connection handshake timeout, seconds
    #[arg(long, default_value_t = 20.0)]
    pub connect_timeout: f64,
    /// bot names are PREFIX-N
    #[arg(long, default_value = "bot")]
    pub name_prefix: String,
}

#[derive(Args, Clone)]
pub struct PlayArgs {
    #[command(flatten)]
    pub common: Common,
    /// the game type to play (any loaded plugin)
    #[arg(long, default_value = "tic-tac-toe")]
    pub game: String,
    /// players per table
    #[arg(long, default_value_t = 2)]
    pub players: usize,
    /// concurrent tables (games)
    #[arg(long, short = 'g', default_value_t = 10)]
    pub tables: usize,
    /// warm-up seconds, not measured
    #[arg(long, default_value_t = 3.0)]
    pub warmup: f64,
    /// measured seconds
    #[arg(long, default_value_t = 15.0)]
    pub duration: f64,
    /// a table without progress for this many seconds starts a new game (counted as STALLED)
    #[arg(long, default_value_t = 5.0)]
    pub stall_timeout: f64,
    /// seed of the bots' move choices
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Args, Clone)]
pub struct IdleArgs {
    #[command(flatten)]
    pub common: Common,
    /// idle connections to open
    #[arg(long, short = 'n', default_value_t = 5000)]
    pub connections: usize,
    /// seconds to wait before each RSS reading
    #[arg(long, default_value_t = 5.0)]
    pub settle: f64,
}

fn main() {
    let cli = Cli::parse();
    let sockets = match &cli.cmd {
        Cmd::Report(a) => a.most_sockets(),
        Cmd::Play(a) => a.tables * a.players,
        Cmd::Idle(a) => a.connections,
    };
    sys::raise_nofile(sockets as u64 + 1024);
    // One thread: the generator must not take the server's core.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gamehost-loadgen: no runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.cmd {
            Cmd::Report(args) => report::run(args).await,
            Cmd::Play(args) => play(&args).await.map(|out| println!("{out}")),
            Cmd::Idle(args) => idle(&args).await.map(|out| println!("{out}")),
        }
    });
    // Drop the connections without waiting for graceful closes.
    runtime.shutdown_timeout(Duration::from_millis(200));
    if let Err(e) = result {
        eprintln!("gamehost-loadgen: {e}");
        std::process::exit(1);
    }
}

fn target(c: &Common, connections: usize) -> Result<Target, String> {
    let server: std::net::SocketAddr = c
        .host
        .parse()
        .map_err(|e| format!("--host {}: {e}", c.host))?;
    // Past one address's ephemeral ports, spread over 127.0.0.2, .3 ...
    let sources =
        if connections > table::SOCKETS_PER_SOURCE && server.ip().is_loopback() && server.is_ipv4()
        {
            (0..connections.div_ceil(table::SOCKETS_PER_SOURCE))
                .map(|i| IpAddr::from([127, 0, 0, 2 + i as u8]))
                .collect()
        } else {
            Vec::new()
        };
    Ok(Target {
        host: c.host.clone(),
        name_prefix: c.name_prefix.clone(),
        sources,
        timeout: Duration::from_secs_f64(c.connect_timeout),
    })
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Runs the play scenario and returns its figures as JSON.
pub async fn play(a: &PlayArgs) -> Result<Value, String> {
    if a.players < 1 || a.tables < 1 {
        return Err("--players and --tables must be at least 1".into());
    }
    let c = &a.common;
    let pid = c.server_pid;
    let target = Arc::new(target(c, a.tables * a.players)?);
    let started = Instant::now();
    let conns = table::connect_many(target, a.tables * a.players, c.connect_concurrency).await?;
    let connect_s = started.elapsed().as_secs_f64();

    let t0 = Instant::now();
    let window = Window {
        start: t0 + Duration::from_secs_f64(a.warmup),
        end: t0 + Duration::from_secs_f64(a.warmup + a.duration),
    };
    let game = Arc::new(Game {
        game_type: a.game.clone(),
        players: a.players,
    });
    let stall = Duration::from_secs_f64(a.stall_timeout);
    let mut tables = Vec::with_capacity(a.tables);
    let mut conns = conns.into_iter();
    for i in 0..a.tables {
        let seats: Vec<_> = conns.by_ref().take(a.players).collect();
        let seed = a
            .seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(i as u64);
        tables.push(tokio::spawn(table::run_table(
            seats,
            game.clone(),
            seed,
            window,
            stall,
        )));
    }

    tokio::time::sleep_until(window.start.into()).await;
    let cpu0 = sys::self_cpu_s();
    let server_cpu0 = pid.and_then(sys::proc_cpu_s);
    let w0 = Instant::now();
    tokio::time::sleep_until(window.end.into()).await;
    let wall = w0.elapsed().as_secs_f64();
    let cpu1 = sys::self_cpu_s();
    let server_cpu1 = pid.and_then(sys::proc_cpu_s);
    let rss = pid.and_then(sys::proc_rss_kib);

    let mut stats = Stats::new();
    for t in tables {
        stats.merge(t.await.map_err(|e| format!("table task failed: {e}"))?);
    }
    let h = &stats.hist;
    let client_cpu = (cpu1.0 - cpu0.0) + (cpu1.1 - cpu0.1);
    let server_cpu = server_cpu0
        .zip(server_cpu1)
        .map(|(x, y)| (y.0 - x.0) + (y.1 - x.1));
    let moves_per_s = stats.moves as f64 / a.duration;
    let per_move_us = |cpu: f64| {
        if stats.moves > 0 {
            Some(cpu * 1e6 / stats.moves as f64)
        } else {
            None
        }
    };
    let out = json!({
        "scenario": "play",
        "game": a.game,
        "players": a.players,
        "tables": a.tables,
        "connections": a.tables * a.players,
        "warmup_s": a.warmup,
        "duration_s": a.duration,
        "connect_s": connect_s,
        "moves": stats.moves,
        "moves_per_s": moves_per_s,
        "games_finished": stats.games_finished,
        "latency_ms": {
            "p50": ms(h.value_at_quantile(0.50)),
            "p90": ms(h.value_at_quantile(0.90)),
            "p99": ms(h.value_at_quantile(0.99)),
            "max": ms(h.max()),
            "count": h.len(),
        },
        "errors": stats.errors,
        "errors_outside_window": stats.errors_outside,
        "client_cpu_per_wall": client_cpu / wall,
        "server_cpu_per_wall": server_cpu.map(|s| s / wall),
        "server_cpu_us_per_move": server_cpu.and_then(per_move_us),
        "client_cpu_us_per_move": per_move_us(client_cpu),
        "server_rss_kib": rss,
    });
    eprintln!(
        "play {} x{} tables={}: {:.0} moves/s, p50 {:.2} ms, p99 {:.2} ms, server {} µs/move, errors {:?}",
        a.game,
        a.players,
        a.tables,
        moves_per_s,
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.99)),
        out["server_cpu_us_per_move"]
            .as_f64()
            .map_or("?".into(), |v| format!("{v:.0}")),
        stats.errors,
    );
    Ok(out)
}

/// Opens idle connections and returns the server's RSS growth as JSON.
pub async fn idle(a: &IdleArgs) -> Result<Value, String> {
    let c = &a.common;
    let pid = c
        .server_pid
        .ok_or("idle needs --server-pid to read the server's RSS")?;
    let target = Arc::new(target(c, a.connections)?);
    let settle = Duration::from_secs_f64(a.settle);
    tokio::time::sleep(settle).await;
    let rss0 = sys::proc_rss_kib(pid).ok_or("cannot read the server's RSS")?;
    let started = Instant::now();
    let conns = table::connect_many(target, a.connections, c.connect_concurrency).await?;
    let connect_s = started.elapsed().as_secs_f64();
    let holders: Vec<_> = conns
        .into_iter()
        .map(|c| tokio::spawn(table::hold_idle(c)))
        .collect();
    tokio::time::sleep(settle).await;
    let rss1 = sys::proc_rss_kib(pid).ok_or("cannot read the server's RSS")?;
    let still_open = holders.iter().filter(|h| !h.is_finished()).count();
    for h in &holders {
        h.abort();
    }
    let per_connection_kib = (rss1 as f64 - rss0 as f64) / a.connections as f64;
    eprintln!(
        "idle: {} connections ({still_open} still open) in {connect_s:.1} s; server RSS {:.1} -> {:.1} MiB; {per_connection_kib:.1} KiB per connection",
        a.connections,
        rss0 as f64 / 1024.0,
        rss1 as f64 / 1024.0,
    );
    Ok(json!({
        "scenario": "idle",
        "connections": a.connections,
        "still_open": still_open,
        "connect_s": connect_s,
        "server_rss_kib_before": rss0,
        "server_rss_kib_after": rss1,
        "rss_per_connection_kib": per_connection_kib,
    }))
}
