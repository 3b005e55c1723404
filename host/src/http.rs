//! The HTTP API.
//!
//! - `GET /healthz`: the process is up.
//! - `GET /api/games`: the loaded games, newest version of each.

use crate::plugin::PluginRegistry;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use gamehost_sdk::GameInfo;
use serde::Serialize;

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The loaded plugins.
    pub plugins: PluginRegistry,
}

/// The router of every HTTP route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/games", get(list_games))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// One loaded game, as `GET /api/games` lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GameListing {
    #[serde(flatten)]
    info: GameInfo,
    /// sha256 of the component the game runs on.
    hash: String,
}

async fn list_games(State(state): State<AppState>) -> Json<Vec<GameListing>> {
    let games = state
        .plugins
        .games()
        .into_iter()
        .map(|plugin| GameListing {
            info: plugin.info().clone(),
            hash: plugin.hash().to_string(),
        })
        .collect();
    Json(games)
}
