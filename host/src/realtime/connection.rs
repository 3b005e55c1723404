//! Connecting: the token check, presence, and putting a returning user's
//! socket back into everything they were subscribed to.

use super::NodeAdapter;
use super::Realtime;
use super::user_room;
use crate::auth::{AuthError, Role, User};
use crate::base::clock::now_ms;
use crate::base::scheduler::Deadline;
use crate::game::service::spectator_room;
use crate::lobby::{lobby_room, members_room};
use crate::metrics::METRICS;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::handler::{ConnectHandler, FromConnectParts};
use socketioxide_core::adapter::Spawnable as _;
use std::sync::Arc;

pub(super) fn register<A: NodeAdapter>(io: &SocketIo<A>, realtime: Arc<Realtime<A>>) {
    let auth = realtime.clone();
    // The middleware runs before the client is told it is connected: the
    // event handlers and the user's room set up here exist before the
    // client can send anything, however long the connect handler takes.
    let middleware = move |socket: SocketRef<A>, handshake: Handshake| {
        let realtime = auth.clone();
        async move {
            authenticate(&realtime, &socket, &handshake, false)?;
            prepare(&realtime, &socket);
            Ok::<(), AuthError>(())
        }
    };
    let on_connect = move |socket: SocketRef<A>| {
        let realtime = realtime.clone();
        async move { connected(realtime, socket).await }
    };
    // A remote adapter subscribes to its channels in the background.
    io.ns("/", on_connect.with(middleware)).spawn();
}

/// Largest `auth` object a CONNECT packet may carry: a token and a little
/// more. A larger one is refused before it is parsed.
pub const MAX_HANDSHAKE_BYTES: usize = 4096;

/// The `auth` object of a CONNECT packet, checked for size before it is
/// parsed.
pub(super) struct Handshake(Result<Option<Value>, AuthError>);

impl<A: NodeAdapter> FromConnectParts<A> for Handshake {
    type Error = std::convert::Infallible;
    fn from_connect_parts(
        _: &Arc<socketioxide::socket::Socket<A>>,
        auth: &Option<socketioxide_core::Value>,
    ) -> Result<Self, Self::Error> {
        let Some(raw) = auth else {
            return Ok(Handshake(Ok(None)));
        };
        if raw.len() > MAX_HANDSHAKE_BYTES {
            return Ok(Handshake(Err(AuthError::Oversized {
                max: MAX_HANDSHAKE_BYTES,
            })));
        }
        // Not JSON, or not an object: as if there were none (the header
        // may still carry a token).
        let parsed = raw
            .as_str()
            .and_then(|text| serde_json::from_str::<Value>(text).ok());
        Ok(Handshake(Ok(parsed)))
    }
}

/// The connect check of every namespace: a valid token of a user who is not
/// banned (and an admin's, when `admins_only`). The user goes into the
/// socket's extensions.
pub(super) fn authenticate<A: NodeAdapter>(
    realtime: &Realtime<A>,
    socket: &SocketRef<A>,
    handshake: &Handshake,
    admins_only: bool,
) -> Result<(), AuthError> {
    let user = match &handshake.0 {
        Err(e) => Err(e.clone()),
        Ok(auth) => match token_of(socket, auth.as_ref()) {
            Some(token) => realtime.tokens.verify(&token),
            None => Err(AuthError::Missing),
        },
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
            socket.extensions.insert(super::events::Strikes::default());
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

/// Everything an authenticated socket needs before its first event: its
/// rooms, the event handlers, the disconnect handler. Nothing here awaits.
fn prepare<A: NodeAdapter>(realtime: &Arc<Realtime<A>>, socket: &SocketRef<A>) {
    let Some(user) = socket.extensions.get::<User>() else {
        return;
    };
    socket.join(user_room(&user.id));
    socket.join(format!("role:{}", user.role.as_str()));
    super::events::register(realtime, socket);
    super::tournaments::register(realtime, socket);
    let on_disconnect = {
        let realtime = realtime.clone();
        move |socket: SocketRef<A>| {
            let realtime = realtime.clone();
            async move { disconnected(realtime, socket).await }
        }
    };
    socket.on_disconnect(on_disconnect);
}

async fn connected<A: NodeAdapter>(realtime: Arc<Realtime<A>>, socket: SocketRef<A>) {
    let Some(user) = socket.extensions.get::<User>() else {
        // The middleware always inserts the user; without one, refuse.
        let _ = socket.disconnect();
        return;
    };
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
            "serverTime": now_ms(),
            "features": user.role.features(),
        }),
    );
    if first {
        realtime.tell_admins_online().await;
    }
    restore(&realtime, &socket, &user, first).await;
}

/// Puts a new socket of `user` back into what they hold and follow: their
/// seats (the others hear `user:reconnected`, the socket gets each game's
/// `game:state-update`), the games they spectate, the lobbies they watch
/// (with a fresh `lobby:rooms`) and the lobby rooms they are a member of;
/// then `connection:restored` lists them.
async fn restore<A: NodeAdapter>(
    realtime: &Realtime<A>,
    socket: &SocketRef<A>,
    user: &User,
    first: bool,
) {
    let seats = realtime.games.seats_back(user, first).await;
    realtime.send(&seats.notices).await;
    for snapshot in &seats.snapshots {
        let _ = socket.emit("game:state-update", snapshot);
    }
    let subscriptions = realtime.games.watchers().subscriptions(&user.id).await;
    let (spectating, notices) = realtime
        .games
        .spectator_back(user, &subscriptions.spectating)
        .await;
    for game in &spectating {
        socket.join(spectator_room(game));
    }
    realtime.send(&notices).await;
    let lobby = realtime.lobby.restore(user).await;
    for game_type in &lobby.lobbies {
        socket.join(lobby_room(game_type));
        let _ = socket.emit("lobby:rooms", &realtime.lobby.rooms_payload(game_type));
    }
    for room in &lobby.rooms {
        socket.join(members_room(room));
    }
    if seats.games.is_empty()
        && spectating.is_empty()
        && lobby.lobbies.is_empty()
        && lobby.rooms.is_empty()
    {
        return;
    }
    let _ = socket.emit(
        "connection:restored",
        &json!({
            "restoredAt": now_ms(),
            "games": seats.games,
            "spectating": spectating,
            "lobbies": lobby.lobbies,
            "rooms": lobby.rooms,
        }),
    );
}

async fn disconnected<A: NodeAdapter>(realtime: Arc<Realtime<A>>, socket: SocketRef<A>) {
    let Some(user) = socket.extensions.get::<User>() else {
        return;
    };
    let last = realtime.games.socket_disconnected(&user.id).await;
    METRICS
        .connections
        .with_label_values(&[user.role.as_str()])
        .dec();
    tracing::info!(user = %user.id, socket = %socket.id, last, "disconnected");
    if !last {
        return;
    }
    realtime.tell_admins_online().await;
    if realtime.games.is_online_anywhere(&user.id).await {
        // Still connected through another node.
        return;
    }
    let mut notices = realtime.games.player_left(&user.id).await;
    notices.extend(realtime.games.spectator_gone(&user).await);
    realtime.send(&notices).await;
    // Rooms and queues are kept for the reconnection window.
    let at = now_ms() + realtime.games.reconnect_grace_ms();
    realtime.games.scheduler().schedule(
        Deadline::Departure {
            user_id: user.id.clone(),
        },
        at,
    );
}
