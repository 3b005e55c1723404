//! The `gamehost` command line: thin handlers over the library.

pub mod plugin_cmd;
pub mod serve;
pub mod token;

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
    /// Work with rules plugins: check, scaffold.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

/// `gamehost plugin ...`.
#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// Run the conformance suite on a component; exits non-zero on any failure.
    Check(plugin_cmd::CheckArgs),
    /// Create a new rules crate that builds and passes the suite as generated.
    New(plugin_cmd::NewArgs),
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(args)
            .await
            .map(|()| std::process::ExitCode::SUCCESS),
        Command::Token(args) => token::run(args).map(|()| std::process::ExitCode::SUCCESS),
        Command::Plugin(PluginCommand::Check(args)) => plugin_cmd::check(args).await,
        Command::Plugin(PluginCommand::New(args)) => {
            plugin_cmd::new(args).map(|()| std::process::ExitCode::SUCCESS)
        }
    }
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
