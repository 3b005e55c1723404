//! The HTTP API (axum). Handlers decode, call a service, encode.
//!
//! - `GET /healthz`, `GET /readyz`: liveness and readiness.
//! - `GET /metrics`: Prometheus metrics.
//! - `GET /api/games`: the loaded game types.
//! - `GET /api/games/{id}`: one game.
//! - `GET /api/users/{id}/games`: a user's games.
//! - `GET /api/live-games`: games being played that spectators may watch.
//! - `POST /api/auth/guest`: a guest token.
//! - everything else: the browser client's files ([`web_client`]).
//! - `/api/admin/...`: the admin API ([`admin`]).

pub mod admin;
pub mod admission;
pub mod server;
pub mod tournaments;

use crate::admin::AdminService;
use crate::auth::{Role, TokenService, User, valid_name};
use crate::base::error::{ErrorCode, GameError};
use crate::game::GameService;
use crate::realtime::Transport;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gamehost_sdk::GameInfo;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The games (and, through them, the plugin catalog).
    pub games: Arc<GameService>,
    /// Tournaments.
    pub tournaments: Arc<crate::tournament::TournamentService>,
    /// Ratings and leaderboards.
    pub ratings: Arc<crate::rating::RatingService>,
    /// Token minting for guests, token checks for admins.
    pub tokens: TokenService,
    /// Bans, announcements, the audit log.
    pub admin: Arc<AdminService>,
    /// The Socket.IO side, for what admins do to connections.
    pub realtime: Arc<dyn Transport>,
    /// Largest component an admin may upload, in bytes.
    pub max_upload_bytes: usize,
    /// The breakers of the outside services this node needs; any open one
    /// makes it unready.
    pub breakers: Vec<crate::breaker::CircuitBreaker>,
    /// The per-address budgets.
    pub admission: Arc<admission::Admission>,
    /// The HTTP time limits.
    pub timeouts: Timeouts,
}

/// The HTTP time limits.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// How long a client may take to send a request's headers, and how long
    /// a kept-alive connection may sit idle before its next request.
    pub header_read: std::time::Duration,
    /// How long a client may take to send a request's body.
    pub body: std::time::Duration,
    /// How long a public API request may take to answer.
    pub request: std::time::Duration,
}

/// The router of every HTTP route. The API spends from the client
/// address's budget; health and metrics (polled by the operator's tools)
/// do not.
pub fn router(state: AppState) -> Router {
    let budget = axum::middleware::from_fn_with_state(state.admission.clone(), admission::budget);
    let public = Router::new()
        .route("/api/games", get(list_games))
        .route("/api/games/{id}", get(get_game))
        .route("/api/users/{id}/games", get(user_games))
        .route("/api/live-games", get(live_games))
        .route("/api/auth/guest", post(guest))
        .merge(tournaments::public())
        .route("/api/leaderboards/{game_type}", get(leaderboard))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.timeouts.request,
        ));
    // Admin requests (uploads that compile a component) may take longer.
    let api = public
        .nest(
            "/api/admin",
            admin::router(state.max_upload_bytes).merge(tournaments::admin()),
        )
        .layer(budget);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(api)
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready unless a service this node needs is failing: a load balancer then
/// sends new players elsewhere.
async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    let down: Vec<&str> = state
        .breakers
        .iter()
        .filter(|b| b.is_open())
        .map(|b| b.name())
        .collect();
    if down.is_empty() {
        (StatusCode::OK, "ok".into())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unready: {} unavailable", down.join(", ")),
        )
    }
}

async fn metrics() -> String {
    crate::metrics::METRICS.render()
}

/// An API error as JSON, with the status that fits its code.
pub struct ApiError(pub GameError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.0.code {
            ErrorCode::NotFound | ErrorCode::UnknownGameType => StatusCode::NOT_FOUND,
            ErrorCode::Malformed | ErrorCode::PayloadTooLarge => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PluginRejected => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::GameFinished
            | ErrorCode::TournamentStarted
            | ErrorCode::TournamentFinished
            | ErrorCode::TournamentFull => StatusCode::CONFLICT,
            ErrorCode::BadOptions | ErrorCode::WrongPassword => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = json!({"error": {"code": self.0.code.as_str(), "message": self.0.message}});
        (status, Json(body)).into_response()
    }
}

impl From<GameError> for ApiError {
    fn from(e: GameError) -> Self {
        ApiError(e)
    }
}

/// `?offset&limit` of a paginated list.
#[derive(serde::Deserialize)]
struct Page {
    #[serde(default)]
    offset: Option<u32>,
    #[serde(default)]
    limit: Option<u32>,
}

/// `GET /api/leaderboards/{gameType}`: ratings, highest first.
async fn leaderboard(
    State(state): State<AppState>,
    axum::extract::Path(game_type): axum::extract::Path<String>,
    page: Result<axum::extract::Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let axum::extract::Query(page) =
        page.map_err(|e| ApiError(GameError::new(ErrorCode::Malformed, e.body_text())))?;
    // Ratings outlive an unloaded game type, so any id is looked up.
    if game_type.is_empty() || game_type.len() > 64 {
        return Err(ApiError(GameError::new(
            ErrorCode::NotFound,
            "no such game type",
        )));
    }
    Ok(Json(
        state
            .ratings
            .leaderboard(
                &game_type,
                page.offset.unwrap_or(0),
                page.limit.unwrap_or(50),
            )
            .await?,
    ))
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
        .games
        .plugins()
        .active_games()
        .into_iter()
        .map(|(info, hash)| GameListing { info, hash })
        .collect();
    Json(games)
}

/// The browser client: the built files of `dir` (`/` is its `index.html`).
/// The client routes by URL fragment, so no other path needs the page, and
/// an unknown path stays a plain 404.
pub fn web_client(dir: &std::path::Path) -> tower_http::services::ServeDir {
    tower_http::services::ServeDir::new(dir)
}

/// Games in progress that spectators may watch, for the client's list.
async fn live_games(
    State(state): State<AppState>,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    let games = state.games.live_games().await?;
    Ok(Json(
        games
            .into_iter()
            .filter(|g| g.status == "active" && g.allow_spectators)
            .map(|g| {
                json!({
                    "gameId": g.game_id,
                    "gameType": g.game_type,
                    "players": g.players.iter().flatten().map(|p| &p.name).collect::<Vec<_>>(),
                    "spectators": g.spectators,
                    "ply": g.ply,
                    "createdAt": g.created_at,
                })
            })
            .collect(),
    ))
}

/// Who asks, when a request carries a valid `Authorization: Bearer`
/// token; a request without one (or with one that does not verify) is
/// anonymous and sees only what anyone may.
fn viewer(state: &AppState, headers: &HeaderMap) -> Option<User> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))?;
    state.tokens.verify(token.trim()).ok()
}

async fn get_game(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let viewer = viewer(&state, &headers);
    Ok(Json(state.games.public_record(&id, viewer.as_ref()).await?))
}

async fn user_games(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Vec<crate::store::UserGame>>, ApiError> {
    let viewer = viewer(&state, &headers);
    Ok(Json(state.games.games_of(&id, viewer.as_ref()).await?))
}

#[derive(Deserialize)]
struct GuestRequest {
    name: String,
}

/// How long a guest token lasts.
const GUEST_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

async fn guest(
    State(state): State<AppState>,
    body: Result<Json<GuestRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(request) = body.map_err(|e| GameError::new(ErrorCode::Malformed, e.body_text()))?;
    let name =
        valid_name(&request.name).map_err(|rule| GameError::new(ErrorCode::Malformed, rule))?;
    let user = User {
        id: format!("guest-{}", uuid::Uuid::new_v4().simple()),
        name,
        role: Role::Player,
    };
    let token = state
        .tokens
        .mint(&user, GUEST_TOKEN_TTL)
        .map_err(|e| GameError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(Json(
        json!({"token": token, "userId": user.id, "name": user.name, "role": user.role.as_str()}),
    ))
}
