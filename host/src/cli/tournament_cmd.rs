//! `gamehost tournament create | start`: tournaments on a running host,
//! through its admin API.

use super::admin_client::Server;
use anyhow::Context as _;
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

/// Largest tournament file read, in bytes.
const MAX_SPEC_BYTES: u64 = 64 << 10;

/// Flags of `gamehost tournament create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// A JSON file with the tournament: `{name, gameType, format, ...}`
    /// (docs/protocol.md, "Tournament requests").
    #[arg(value_parser = super::existing)]
    pub spec: PathBuf,
    /// The host.
    #[command(flatten)]
    pub server: Server,
}

/// Flags of `gamehost tournament start`.
#[derive(Args, Debug)]
pub struct StartArgs {
    /// The tournament's id.
    pub id: String,
    /// The host.
    #[command(flatten)]
    pub server: Server,
}

/// Creates a tournament; prints its id.
pub fn create(args: CreateArgs) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(&args.spec)
        .with_context(|| format!("reading {}", args.spec.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_SPEC_BYTES,
        "{} is over 64 KiB",
        args.spec.display()
    );
    let text = std::fs::read_to_string(&args.spec)
        .with_context(|| format!("reading {}", args.spec.display()))?;
    let spec: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", args.spec.display()))?;
    let answer = args.server.post_json("/tournaments", &spec)?;
    println!(
        "tournament {} created: {}",
        answer["tournament"]["name"].as_str().unwrap_or("?"),
        answer["tournamentId"].as_str().unwrap_or("?")
    );
    Ok(ExitCode::SUCCESS)
}

/// Starts a tournament now.
pub fn start(args: StartArgs) -> anyhow::Result<ExitCode> {
    let path = format!("/tournaments/{}/start", args.id);
    let answer = args.server.post_json(&path, &serde_json::json!({}))?;
    println!(
        "tournament {} is {} (round {})",
        args.id,
        answer["tournament"]["status"].as_str().unwrap_or("?"),
        answer["tournament"]["round"]
    );
    Ok(ExitCode::SUCCESS)
}
