//! The `gamehost` command line: thin handlers over the library.

pub mod admin_client;
pub mod plugin_cmd;
pub mod serve;
pub mod token;
pub mod tournament_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// A real-time game server whose rules are WebAssembly components.
#[derive(Parser, Debug)]
#[command(name = "gamehost", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Mint a token signed with the host's secret.
    Token(token::TokenArgs),
    /// Work with rules plugins: check, scaffold, and publish, list,
    /// activate or roll back versions on a running host.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Create and start tournaments on a running host (admin token).
    #[command(subcommand)]
    Tournament(TournamentCommand),
}

/// `gamehost tournament ...`.
#[derive(Subcommand, Debug)]
pub enum TournamentCommand {
    /// Create a tournament from a JSON file.
    Create(tournament_cmd::CreateArgs),
    /// Start a tournament now.
    Start(tournament_cmd::StartArgs),
}

/// `gamehost plugin ...`.
#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// Run the conformance suite on a component; exits non-zero on any failure.
    Check(plugin_cmd::CheckArgs),
    /// Create a new rules crate that builds and passes the suite as generated.
    New(plugin_cmd::NewArgs),
    /// Upload a component to a running host (admin token).
    Publish(admin_client::PublishArgs),
    /// List a running host's game types and versions (admin token).
    List(admin_client::ListArgs),
    /// Make a version serve new games on a running host (admin token).
    Activate(admin_client::ActivateArgs),
    /// Go back to the previously active version (admin token).
    Rollback(admin_client::RollbackArgs),
    /// Compile a component into a compile cache (what the host runs, under
    /// a budget, for each new component).
    #[command(hide = true)]
    Precompile(plugin_cmd::PrecompileArgs),
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(args)
            .await
            .map(|()| std::process::ExitCode::SUCCESS),
        Command::Token(args) => token::run(args).map(|()| std::process::ExitCode::SUCCESS),
        Command::Plugin(PluginCommand::Check(args)) => plugin_cmd::check(args).await,
        Command::Plugin(PluginCommand::Precompile(args)) => Ok(plugin_cmd::precompile(args)),
        Command::Plugin(PluginCommand::New(args)) => {
            plugin_cmd::new(args).map(|()| std::process::ExitCode::SUCCESS)
        }
        // Blocking HTTP calls: off the async workers.
        Command::Plugin(PluginCommand::Publish(args)) => {
            blocking(move || admin_client::publish(args)).await
        }
        Command::Plugin(PluginCommand::List(args)) => {
            blocking(move || admin_client::list(args)).await
        }
        Command::Plugin(PluginCommand::Activate(args)) => {
            blocking(move || admin_client::activate(args)).await
        }
        Command::Plugin(PluginCommand::Rollback(args)) => {
            blocking(move || admin_client::rollback(args)).await
        }
        Command::Tournament(TournamentCommand::Create(args)) => {
            blocking(move || tournament_cmd::create(args)).await
        }
        Command::Tournament(TournamentCommand::Start(args)) => {
            blocking(move || tournament_cmd::start(args)).await
        }
    }
}

async fn blocking(
    f: impl FnOnce() -> anyhow::Result<std::process::ExitCode> + Send + 'static,
) -> anyhow::Result<std::process::ExitCode> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("the command panicked: {e}"))?
}

/// A path argument that must exist.
pub(crate) fn existing(path: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(path);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} does not exist", path.display()))
    }
}
