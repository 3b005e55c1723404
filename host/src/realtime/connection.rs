//! Connecting: the token check, rooms, presence and reconnection.

use super::NodeAdapter;
use super::Realtime;
use crate::auth::{AuthError, Role, User};
use crate::game::service::game_room;
use crate::metrics::METRICS;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide_core::adapter::Spawnable as _;
use std::sync::Arc;
use std::sync::atomic::AtomicU32;

/// Refused events in a row on one socket (for the rate limit).
#[derive(Clone, Default)]
pub struct Strikes(pub Arc<AtomicU32>);

/// The room of every socket of a user.
pub fn user_room(user_id: &str) -> String {
    format!("user:{user_id}")
}

pub(super) fn register<A: NodeAdapter>(io: &SocketIo<A>, realtime: Arc<Realtime<A>>) {
    let auth = realtime.clone();
    let middleware = move |socket: SocketRef<A>, TryData(handshake): TryData<Value>| {
        let realtime = auth.clone();
        async move { authenticate(&realtime, &socket, handshake.ok().as_ref(), false) }
    };
    let on_connect = move |socket: SocketRef<A>| {
        let realtime = realtime.clone();
        async move { connected(realtime, socket).await }
    };
    // A remote adapter subscribes to its channels in the background.
    io.ns("/", on_connect.with(middleware)).spawn();
}

/// The connect check of every namespace: a valid token of a user who is not
/// banned (and an admin's, when `admins_only`). The user goes into the
/// socket's extensions.
pub(super) fn authenticate<A: NodeAdapter>(
    realtime: &Realtime<A>,
    socket: &SocketRef<A>,
    handshake: Option<&Value>,
    admins_only: bool,
) -> Result<(), AuthError> {
    let user = match token_of(socket, handshake) {
        Some(token) => realtime.tokens.verify(&token),
        None => Err(AuthError::Missing),
    }
    .and_then(|user| {
        if realtime.admin.is_banned(&user.id) {
            Err(AuthError::Banned)
        } else if admins_only && user.role != Role::Admin {
            Err(AuthError::Forbidden)
        } else {
            Ok(user)
        }
    });
    match user {
        Ok(user) => {
            socket.extensions.insert(user);
            socket.extensions.insert(Strikes::default());
            Ok(())
        }
        Err(e) => {
            tracing::info!(socket = %socket.id, ns = socket.ns(), reason = %e, "connection refused");
            Err(e)
        }
    }
}

/// The token from `auth.token` in the handshake, else the `Authorization`
/// header.
fn token_of<A: NodeAdapter>(socket: &SocketRef<A>, handshake: Option<&Value>) -> Option<String> {
    if let Some(token) = handshake
        .and_then(|h| h.get("token"))
        .and_then(Value::as_str)
    {
        return Some(token.to_string());
    }
    let header = socket
        .req_parts()
        .headers
        .get("authorization")?
        .to_str()
        .ok()?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(|t| t.trim().to_string())
}

async fn connected<A: NodeAdapter>(realtime: Arc<Realtime<A>>, socket: SocketRef<A>) {
    let Some(user) = socket.extensions.get::<User>() else {
        // The middleware always inserts the user; without one, refuse.
        let _ = socket.disconnect();
        return;
    };
    socket.join(user_room(&user.id));
    socket.join(format!("role:{}", user.role.as_str()));
    let first = realtime.games.socket_connected(&user.id);
    METRICS
        .connections
        .with_label_values(&[user.role.as_str()])
        .inc();
    tracing::info!(user = %user.id, socket = %socket.id, role = user.role.as_str(), "connected");
    let _ = socket.emit(
        "connection:confirmed",
        &json!({
            "socketId": socket.id.to_string(),
            "userId": user.id,
            "name": user.name,
            "role": user.role.as_str(),
            "serverTime": crate::game::service::now_ms(),
            "features": user.role.features(),
        }),
    );
    // Handlers first, before anything awaits: an event the client sends
    // right after connecting must find them.
    super::events::register(&realtime, &socket);
    let on_disconnect = {
        let realtime = realtime.clone();
        move |socket: SocketRef<A>| {
            let realtime = realtime.clone();
            async move { disconnected(realtime, socket).await }
        }
    };
    socket.on_disconnect(on_disconnect);
    if first {
        realtime.tell_admins_online().await;
    }
    // Seats in running games come back with the connection.
    match realtime.games.active_games_of(&user.id).await {
        Ok(games) if !games.is_empty() => {
            for game in &games {
                socket.join(game_room(game));
                if first {
                    let _ = realtime
                        .io
                        .to(game_room(game))
                        .except(user_room(&user.id))
                        .emit(
                            "user:reconnected",
                            &json!({"gameId": game, "userId": user.id, "name": user.name}),
                        )
                        .await;
                }
            }
            let _ = socket.emit(
                "connection:restored",
                &json!({"restoredAt": crate::game::service::now_ms(), "games": games}),
            );
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(user = %user.id, error = %e, "could not list the user's games"),
    }
}

async fn disconnected<A: NodeAdapter>(realtime: Arc<Realtime<A>>, socket: SocketRef<A>) {
    let Some(user) = socket.extensions.get::<User>() else {
        return;
    };
    let last = realtime.games.socket_disconnected(&user.id);
    METRICS
        .connections
        .with_label_values(&[user.role.as_str()])
        .dec();
    tracing::info!(user = %user.id, socket = %socket.id, last, "disconnected");
    if !last {
        return;
    }
    realtime.tell_admins_online().await;
    realtime.lobby.leave_queues(&user.id).await;
    let notices = realtime.games.player_left(&user.id).await;
    realtime.send(&notices).await;
}
