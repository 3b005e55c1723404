//! `gamehost plugin publish | list | activate | rollback`: the admin API of
//! a running host, from the command line.

use anyhow::{Context as _, bail};
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the host is and the admin token to use.
#[derive(Args, Debug)]
pub struct Server {
    /// Base address of the running host.
    #[arg(long, env = "GAMEHOST_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An admin's token (`gamehost token --role admin` mints one).
    #[arg(long, env = "GAMEHOST_ADMIN_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// Flags of `gamehost plugin publish`.
#[derive(Args, Debug)]
pub struct PublishArgs {
    /// The component (`*.wasm`).
    #[arg(value_parser = super::existing)]
    pub component: PathBuf,
    /// Make it the active version for new games at once.
    #[arg(long)]
    pub activate: bool,
    /// The host.
    #[command(flatten)]
    pub server: Server,
}

/// Flags of `gamehost plugin list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print the host's answer as JSON.
    #[arg(long)]
    pub json: bool,
    /// The host.
    #[command(flatten)]
    pub server: Server,
}

/// Flags of `gamehost plugin activate`.
#[derive(Args, Debug)]
pub struct ActivateArgs {
    /// Game type id.
    pub game: String,
    /// The version to serve new games.
    pub version: String,
    /// The host.
    #[command(flatten)]
    pub server: Server,
}

/// Flags of `gamehost plugin rollback`.
#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// Game type id.
    pub game: String,
    /// The host.
    #[command(flatten)]
    pub server: Server,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}/api/admin{path}", self.server.trim_end_matches('/'))
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into()
    }

    /// Sends a request and returns the JSON answer, or fails with the
    /// host's error message.
    fn answer(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> anyhow::Result<Value> {
        let mut response =
            response.with_context(|| format!("cannot reach the host at {}", self.server))?;
        let status = response.status();
        let body: Value = response
            .body_mut()
            .read_json()
            .with_context(|| format!("the host answered {status} without JSON"))?;
        if status.is_success() {
            return Ok(body);
        }
        let message = body["error"]["message"].as_str().unwrap_or("no message");
        let code = body["error"]["code"].as_str().unwrap_or("?");
        bail!("{status} {code}: {message}")
    }

    fn get(&self, path: &str) -> anyhow::Result<Value> {
        let request = Self::agent()
            .get(self.url(path))
            .header("authorization", self.bearer());
        self.answer(request.call())
    }

    pub(super) fn post_json(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let request = Self::agent()
            .post(self.url(path))
            .header("authorization", self.bearer());
        self.answer(request.send_json(body))
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// Uploads a component; prints the version and whether it is active.
pub fn publish(args: PublishArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.component)
        .with_context(|| format!("reading {}", args.component.display()))?;
    let path = if args.activate {
        "/plugins?activate=true"
    } else {
        "/plugins"
    };
    let request = Server::agent()
        .post(args.server.url(path))
        .header("authorization", args.server.bearer())
        .content_type("application/wasm")
        .send(&bytes[..]);
    let answer = args.server.answer(request)?;
    let record = &answer["record"];
    println!(
        "{} {} {} ({}){}",
        if answer["new"] == Value::Bool(true) {
            "published"
        } else {
            "already published:"
        },
        record["gameId"].as_str().unwrap_or("?"),
        record["version"].as_str().unwrap_or("?"),
        short(record["hash"].as_str().unwrap_or("")),
        if answer["active"] == Value::Bool(true) {
            ", active"
        } else {
            ""
        },
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints every game type's versions, one line each.
pub fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let answer = args.server.get("/plugins")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<16} {:<10} {:<8} {:>6} {:<12} {:<20} UPLOADER",
        "GAME", "VERSION", "STATE", "PINS", "HASH", "UPLOADED"
    );
    for game in answer["games"].as_array().into_iter().flatten() {
        for v in game["versions"].as_array().into_iter().flatten() {
            println!(
                "{:<16} {:<10} {:<8} {:>6} {:<12} {:<20} {}",
                v["gameId"].as_str().unwrap_or("?"),
                v["version"].as_str().unwrap_or("?"),
                v["state"].as_str().unwrap_or("?"),
                v["pinnedBy"].as_u64().unwrap_or(0),
                short(v["hash"].as_str().unwrap_or("")),
                timestamp(v["uploadedAt"].as_u64().unwrap_or(0)),
                v["uploader"].as_str().unwrap_or("?"),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Makes a version active for new games.
pub fn activate(args: ActivateArgs) -> anyhow::Result<ExitCode> {
    let path = format!("/plugins/{}/activate", args.game);
    let answer = args
        .server
        .post_json(&path, &serde_json::json!({"version": args.version}))?;
    println!(
        "{} {} is active",
        args.game,
        answer["active"]["version"].as_str().unwrap_or("?")
    );
    Ok(ExitCode::SUCCESS)
}

/// Goes back to the previously active version.
pub fn rollback(args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let path = format!("/plugins/{}/rollback", args.game);
    let answer = args.server.post_json(&path, &serde_json::json!({}))?;
    println!(
        "{} rolled back to {}",
        args.game,
        answer["active"]["version"].as_str().unwrap_or("?")
    );
    Ok(ExitCode::SUCCESS)
}

/// A time in ms since the epoch as UTC RFC 3339, to the second.
fn timestamp(ms: u64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    humantime::format_rfc3339_seconds(at).to_string()
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}
