//! The admin API under `/api/admin`. Every route takes an admin's token as
//! `Authorization: Bearer`: none or a bad one gets 401, another role 403.
//! Every action that changes something is written to the audit log.
//!
//! - `GET  /plugins`: game types, their versions and how each stands.
//! - `POST /plugins[?activate=true]`: publish a component (the body).
//! - `POST /plugins/{game}/activate` `{version}`; `POST /plugins/{game}/rollback`.
//! - `GET  /games`, `GET /games/{id}`, `POST /games/{id}/abort` `{reason}`.
//! - `GET  /users` (online), `POST /users/{id}/kick`,
//!   `POST /users/{id}/ban` `{reason}`, `DELETE /users/{id}/ban`, `GET /bans`.
//! - `POST /announcements` `{message, target, at?}`.
//! - `GET  /audit?limit=N`.

use super::{ApiError, AppState};
use crate::admin::AnnounceRequest;
use crate::auth::{AuthError, Role, User};
use crate::base::error::{ErrorCode, GameError};
use crate::plugin::catalog::{CatalogError, Source, VersionRecord};
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// The admin routes, relative to `/api/admin`.
pub fn router(max_upload_bytes: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/plugins",
            get(list_plugins)
                .post(publish)
                .layer(DefaultBodyLimit::max(max_upload_bytes)),
        )
        .route("/plugins/{game}/activate", post(activate))
        .route("/plugins/{game}/rollback", post(rollback))
        .route("/games", get(live_games))
        .route("/games/{id}", get(inspect_game))
        .route("/games/{id}/abort", post(abort_game))
        .route("/users", get(online_users))
        .route("/users/{id}/kick", post(kick))
        .route("/users/{id}/ban", post(ban).delete(unban))
        .route("/bans", get(bans))
        .route("/announcements", post(announce))
        .route("/audit", get(audit))
}

/// The admin a request comes from.
pub struct Admin(pub User);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim);
        let user = match token {
            Some(token) => state.tokens.verify(token),
            None => Err(AuthError::Missing),
        }
        .map_err(|e| ApiError(GameError::new(ErrorCode::Unauthorized, e.to_string())))?;
        if state.admin.is_banned(&user.id) {
            return Err(ApiError(GameError::new(
                ErrorCode::Unauthorized,
                AuthError::Banned.to_string(),
            )));
        }
        if user.role != Role::Admin {
            return Err(ApiError(GameError::new(
                ErrorCode::Forbidden,
                AuthError::Forbidden.to_string(),
            )));
        }
        Ok(Admin(user))
    }
}

/// A JSON body, or a MALFORMED error that says what is wrong with it.
fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(v)| v)
        .map_err(|e| ApiError(GameError::new(ErrorCode::Malformed, e.body_text())))
}

fn catalog_error(e: CatalogError) -> ApiError {
    let code = match &e {
        CatalogError::Invalid(_) | CatalogError::FailedChecks(_) => ErrorCode::PluginRejected,
        CatalogError::Conflict(_) => ErrorCode::Conflict,
        CatalogError::NotFound(_) => ErrorCode::NotFound,
        CatalogError::Store(_) => ErrorCode::Internal,
    };
    ApiError(GameError::new(code, e.to_string()))
}

async fn list_plugins(_: Admin, State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let games = state.games.plugins().list().await.map_err(catalog_error)?;
    Ok(Json(json!({"games": games})))
}

#[derive(Deserialize)]
struct PublishQuery {
    #[serde(default)]
    activate: bool,
}

async fn publish(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Query(query): Query<PublishQuery>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError(GameError::new(
            ErrorCode::Malformed,
            "the body must be a WebAssembly component",
        )));
    }
    let result = state
        .games
        .plugins()
        .publish(
            bytes.to_vec(),
            Source::Upload {
                activate: query.activate,
            },
            &admin.id,
        )
        .await;
    let published = match result {
        Ok(published) => published,
        Err(CatalogError::FailedChecks(failures)) => {
            state
                .admin
                .audit(&admin, "plugin.refused", "", json!({"failures": failures}))
                .await;
            let message = format!("the component failed conformance: {}", failures.join("; "));
            let body = json!({"error": {"code": ErrorCode::PluginRejected.as_str(), "message": message, "checks": failures}});
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
        Err(e) => return Err(catalog_error(e)),
    };
    let r = &published.record;
    state
        .admin
        .audit(
            &admin,
            "plugin.publish",
            &r.game_id,
            json!({"version": r.version, "hash": r.hash, "new": published.new, "active": published.active}),
        )
        .await;
    let status = if published.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(published)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivateRequest {
    version: String,
}

async fn activate(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(game): Path<String>,
    request: Result<Json<ActivateRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let request = body(request)?;
    let record = state
        .games
        .plugins()
        .activate(&game, &request.version, &admin.id)
        .await;
    activated(&state, &admin, "plugin.activate", &game, record).await
}

async fn rollback(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(game): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let record = state.games.plugins().rollback(&game, &admin.id).await;
    activated(&state, &admin, "plugin.rollback", &game, record).await
}

/// Audits an activation or rollback and answers with the active version.
async fn activated(
    state: &AppState,
    admin: &User,
    action: &str,
    game: &str,
    record: Result<VersionRecord, CatalogError>,
) -> Result<Json<Value>, ApiError> {
    let record = record.map_err(catalog_error)?;
    state
        .admin
        .audit(
            admin,
            action,
            game,
            json!({"version": record.version, "hash": record.hash}),
        )
        .await;
    Ok(Json(json!({"active": record})))
}

async fn live_games(_: Admin, State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let games = state.games.live_games().await?;
    Ok(Json(json!({"games": games})))
}

async fn inspect_game(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.games.inspect(&id).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReasonRequest {
    #[serde(default)]
    reason: Option<String>,
}

/// An optional `{reason}` body; an empty body is no reason.
fn reason(bytes: &Bytes) -> Result<String, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    let request: ReasonRequest = serde_json::from_slice(bytes)
        .map_err(|e| ApiError(GameError::new(ErrorCode::Malformed, e.to_string())))?;
    let reason = request.reason.unwrap_or_default();
    if reason.chars().count() > 200 {
        return Err(ApiError(GameError::new(
            ErrorCode::Malformed,
            "a reason is at most 200 characters",
        )));
    }
    Ok(reason)
}

async fn abort_game(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let reason = reason(&bytes)?;
    let reply = state.games.abort(&id, &admin, &reason).await?;
    state.realtime.send(&reply.deliveries).await;
    state
        .admin
        .audit(&admin, "game.abort", &id, json!({"reason": reason}))
        .await;
    Ok(Json(Value::Object(reply.ack)))
}

async fn online_users(_: Admin, State(state): State<AppState>) -> Json<Value> {
    let users = state.realtime.online_users();
    Json(json!({"count": users.len(), "users": users}))
}

async fn kick(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Json<Value> {
    let sockets = state.realtime.disconnect_user(&id).await;
    state
        .admin
        .audit(&admin, "user.kick", &id, json!({"sockets": sockets}))
        .await;
    Json(json!({"userId": id, "disconnected": sockets}))
}

async fn ban(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let reason = reason(&bytes)?;
    let ban = state.admin.ban(&admin, &id, &reason).await?;
    let sockets = state.realtime.disconnect_user(&id).await;
    Ok(Json(json!({"ban": ban, "disconnected": sockets})))
}

async fn unban(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if !state.admin.unban(&admin, &id).await? {
        return Err(ApiError(GameError::new(
            ErrorCode::NotFound,
            format!("{id} is not banned"),
        )));
    }
    Ok(Json(json!({"userId": id, "banned": false})))
}

async fn bans(_: Admin, State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"bans": state.admin.bans().await?})))
}

async fn announce(
    Admin(admin): Admin,
    State(state): State<AppState>,
    request: Result<Json<AnnounceRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let announcement = state.admin.announce(&admin, body(request)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"announcement": announcement})),
    ))
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    limit: Option<u32>,
}

async fn audit(
    _: Admin,
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    let entries = state.admin.audit_log(query.limit.unwrap_or(100)).await?;
    Ok(Json(json!({"entries": entries})))
}
