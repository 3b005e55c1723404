//! Tournaments over HTTP: lists and pages for anyone, creation and starts
//! for admins.

use super::admin::Admin;
use super::{ApiError, AppState};
use crate::base::error::{ErrorCode, GameError};
use crate::tournament::CreateTournament;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// Largest creation request, in bytes (options are at most 16 KiB).
const MAX_BODY_BYTES: usize = 32 << 10;

/// `GET /api/tournaments`, `GET /api/tournaments/{id}`.
pub fn public() -> Router<AppState> {
    Router::new()
        .route("/api/tournaments", get(list))
        .route("/api/tournaments/{id}", get(one))
}

/// The admin routes, relative to `/api/admin`.
pub fn admin() -> Router<AppState> {
    Router::new()
        .route(
            "/tournaments",
            post(create).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/tournaments/{id}/start", post(start))
        .route("/tournaments/{id}/cancel", post(cancel))
}

async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({"tournaments": state.tournaments.list().await?}),
    ))
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.tournaments.get(&id).await?))
}

async fn create(
    Admin(admin): Admin,
    State(state): State<AppState>,
    request: Result<Json<CreateTournament>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request = request
        .map(|Json(v)| v)
        .map_err(|e| ApiError(GameError::new(ErrorCode::Malformed, e.body_text())))?;
    let reply = state.tournaments.create(&admin, request).await?;
    let id = reply
        .ack
        .get("tournamentId")
        .cloned()
        .unwrap_or(Value::Null);
    state
        .admin
        .audit(
            &admin,
            "tournament.create",
            id.as_str().unwrap_or(""),
            json!({}),
        )
        .await;
    Ok((StatusCode::CREATED, Json(Value::Object(reply.ack))))
}

async fn start(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let reply = state.tournaments.start_now(&admin, &id).await?;
    state
        .admin
        .audit(&admin, "tournament.start", &id, json!({}))
        .await;
    Ok(Json(Value::Object(reply.ack)))
}

/// `{"reason"?}`.
#[derive(serde::Deserialize, Default)]
struct CancelRequest {
    #[serde(default)]
    reason: Option<String>,
}

async fn cancel(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: CancelRequest = if bytes.is_empty() {
        CancelRequest::default()
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| ApiError(GameError::new(ErrorCode::Malformed, e.to_string())))?
    };
    let reason = request.reason.unwrap_or_default();
    let reply = state.tournaments.cancel(&admin, &id, &reason).await?;
    state.realtime.send(&reply.deliveries).await;
    state
        .admin
        .audit(&admin, "tournament.cancel", &id, json!({"reason": reason}))
        .await;
    Ok(Json(Value::Object(reply.ack)))
}
