//! The `report` command: for every run a fresh server, then a Markdown
//! table and the raw figures (JSON) in the output folder.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};

use crate::server::{Server, ServerSpec, pin_self};
use crate::{Common, IdleArgs, PlayArgs};

#[derive(Args, Clone)]
pub struct ReportArgs {
    /// the gamehost binary (a release build)
    #[arg(long, default_value = "target/release/gamehost")]
    server: PathBuf,
    /// the plugins folder the servers load
    #[arg(long, default_value = "target/plugins")]
    plugins_dir: PathBuf,
    /// where the report, the raw figures and the servers' folders go
    #[arg(long, default_value = "target/bench/load")]
    out: PathBuf,
    /// the game type the bots play
    #[arg(long, default_value = "tic-tac-toe")]
    game: String,
    /// players per table
    #[arg(long, default_value_t = 2)]
    players: usize,
    /// concurrent tables, one play run per value (0: none)
    #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
    games: Vec<usize>,
    /// idle connections, one idle run per value (0: none)
    #[arg(long, value_delimiter = ',', default_value = "5000")]
    idle: Vec<usize>,
    /// passes over every run; the report gives the median
    #[arg(long, default_value_t = 1)]
    runs: usize,
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    #[arg(long, default_value_t = 15.0)]
    duration: f64,
    /// the server's core (none: not pinned)
    #[arg(long)]
    server_cpu: Option<usize>,
    /// this generator's core (none: not pinned)
    #[arg(long)]
    client_cpu: Option<usize>,
    /// copied into the report (for instance the commit measured)
    #[arg(long, default_value = "")]
    label: String,
}

impl ReportArgs {
    /// The most sockets one run opens.
    pub fn most_sockets(&self) -> usize {
        let play = self.games.iter().max().unwrap_or(&0) * self.players;
        play.max(*self.idle.iter().max().unwrap_or(&0))
    }
}

fn common(host: &str, pid: u32) -> Common {
    Common {
        host: host.to_string(),
        server_pid: Some(pid),
        connect_concurrency: 64,
        connect_timeout: 30.0,
        name_prefix: "bot".into(),
    }
}

pub async fn run(mut a: ReportArgs) -> Result<(), String> {
    a.games.retain(|&n| n > 0);
    a.idle.retain(|&n| n > 0);
    if let Some(cpu) = a.client_cpu {
        pin_self(cpu);
    }
    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    let most_idle = a.idle.iter().copied().max().unwrap_or(0);
    let spec = ServerSpec {
        binary: a.server.clone(),
        plugins_dir: a.plugins_dir.clone(),
        work_dir: a.out.join("runs"),
        cpu: a.server_cpu,
        max_connections: (most_idle + 1000).max(10_000),
    };
    let mut plays: Vec<Vec<Value>> = vec![Vec::new(); a.games.len()];
    let mut idles: Vec<Vec<Value>> = vec![Vec::new(); a.idle.len()];
    for pass in 1..=a.runs.max(1) {
        for (i, &tables) in a.games.iter().enumerate() {
            let server = Server::start(&spec, &format!("play-{tables}-{pass}")).await?;
            let args = PlayArgs {
                common: common(&server.host, server.pid),
                game: a.game.clone(),
                players: a.players,
                tables,
                warmup: a.warmup,
                duration: a.duration,
                stall_timeout: 5.0,
                seed: pass as u64,
            };
            let result = crate::play(&args).await;
            server.stop().await;
            plays[i].push(result?);
        }
        for (i, &connections) in a.idle.iter().enumerate() {
            let server = Server::start(&spec, &format!("idle-{connections}-{pass}")).await?;
            let args = IdleArgs {
                common: common(&server.host, server.pid),
                connections,
                settle: 5.0,
            };
            let result = crate::idle(&args).await;
            server.stop().await;
            idles[i].push(result?);
        }
    }
    let markdown = render(&a, &plays, &idles);
    let raw = json!({ "label": a.label, "game": a.game, "players": a.players, "play": plays, "idle": idles });
    let md_path = a.out.join("report.md");
    std::fs::write(&md_path, &markdown).map_err(|e| e.to_string())?;
    std::fs::write(a.out.join("results.json"), raw.to_string()).map_err(|e| e.to_string())?;
    println!("{markdown}");
    eprintln!("report: {}", md_path.display());
    Ok(())
}

/// The median of a figure over the passes.
fn median(runs: &[Value], pointer: &str) -> Option<f64> {
    let mut values: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.pointer(pointer)?.as_f64())
        .collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

fn cell(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.decimals$}"))
}

fn render(a: &ReportArgs, plays: &[Vec<Value>], idles: &[Vec<Value>]) -> String {
    let mut md = format!(
        "# Load report{}\n\n{} at tables of {}, {} s measured after {} s of warm-up, median of {} pass(es); \
         a fresh server per run, SQLite at its defaults (every move durable before its ack){}.\n\n",
        if a.label.is_empty() {
            String::new()
        } else {
            format!(": {}", a.label)
        },
        a.game,
        a.players,
        a.duration,
        a.warmup,
        a.runs.max(1),
        match (a.server_cpu, a.client_cpu) {
            (Some(s), Some(c)) => format!("; server pinned to CPU {s}, bots to CPU {c}"),
            _ => String::new(),
        },
    );
    if !plays.is_empty() {
        md.push_str("| games | moves/s | p50 ms | p90 ms | p99 ms | max ms | server CPU µs/move | server CPU (cores) | server RSS MiB | errors |\n");
        md.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (runs, tables) in plays.iter().zip(&a.games) {
            let errors: u64 = runs
                .iter()
                .filter_map(|r| {
                    r.get("errors")?
                        .as_object()
                        .map(|m| m.values().filter_map(Value::as_u64).sum::<u64>())
                })
                .sum();
            md.push_str(&format!(
                "| {tables} | {} | {} | {} | {} | {} | {} | {} | {} | {errors} |\n",
                cell(median(runs, "/moves_per_s"), 0),
                cell(median(runs, "/latency_ms/p50"), 2),
                cell(median(runs, "/latency_ms/p90"), 2),
                cell(median(runs, "/latency_ms/p99"), 2),
                cell(median(runs, "/latency_ms/max"), 2),
                cell(median(runs, "/server_cpu_us_per_move"), 0),
                cell(median(runs, "/server_cpu_per_wall"), 2),
                cell(median(runs, "/server_rss_kib").map(|k| k / 1024.0), 1),
            ));
        }
        md.push('\n');
    }
    if !idles.is_empty() {
        md.push_str(
            "| idle sockets | still open | server RSS before MiB | after MiB | KiB per socket |\n",
        );
        md.push_str("|---:|---:|---:|---:|---:|\n");
        for (runs, n) in idles.iter().zip(&a.idle) {
            md.push_str(&format!(
                "| {n} | {} | {} | {} | {} |\n",
                cell(median(runs, "/still_open"), 0),
                cell(
                    median(runs, "/server_rss_kib_before").map(|k| k / 1024.0),
                    1
                ),
                cell(median(runs, "/server_rss_kib_after").map(|k| k / 1024.0), 1),
                cell(median(runs, "/rss_per_connection_kib"), 1),
            ));
        }
    }
    md
}
