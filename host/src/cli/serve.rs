//! `gamehost serve`.

use crate::config::Config;
use crate::http::{self, AppState};
use crate::plugin::{PluginEngine, PluginRegistry};
use anyhow::Context as _;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Flags of `gamehost serve`; each overrides the config file.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// TOML config file.
    #[arg(long, env = "GAMEHOST_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, env = "GAMEHOST_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Folder of rules components loaded at start.
    #[arg(long, env = "GAMEHOST_PLUGINS_DIR")]
    pub plugins_dir: Option<PathBuf>,
    /// Folder for the store and caches.
    #[arg(long, env = "GAMEHOST_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        if let Some(dir) = &self.plugins_dir {
            config.plugins_dir = dir.clone();
        }
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        Ok(config)
    }
}

/// Loads the plugins and serves until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    let limits = config.plugin.limits();
    let engine = PluginEngine::new(Some(config.cache_dir()), limits.memory_bytes)?;
    let plugins = PluginRegistry::new(engine, limits);
    let dir = config.plugins_dir.clone();
    let registry = plugins.clone();
    // Compiling components is CPU-bound: keep it off the async workers.
    let outcomes = tokio::task::spawn_blocking(move || registry.load_dir(&dir))
        .await
        .context("plugin loading panicked")??;
    let loaded = outcomes.iter().filter(|o| o.result.is_ok()).count();
    tracing::info!(loaded, refused = outcomes.len() - loaded, dir = %config.plugins_dir.display(), "plugins loaded");

    let app = http::router(AppState { plugins });
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "gamehost listening");
    // The one line scripts and tests wait for.
    println!("gamehost listening on http://{local}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    tracing::info!("gamehost stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
