//! The client events: decode, check the rate limit, call the service,
//! deliver its broadcasts, answer.

use super::NodeAdapter;
use super::Realtime;
use super::user_room;
use crate::auth::User;
use crate::base::error::{ErrorCode, GameError};
use crate::base::outbox::Reply;
use crate::game::service::CreateRequest;
use crate::lobby::CreateRoom;
use crate::metrics::METRICS;
use gamehost_sdk::Forfeit;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use socketioxide::extract::{AckSender, Event, SocketRef};
use socketioxide::handler::FromMessageParts;
use socketioxide_core::parser::Parse as _;
use socketioxide_parser_common::CommonParser;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Refused events in a row on one socket (for the rate limit).
#[derive(Clone, Default)]
pub struct Strikes(pub Arc<AtomicU32>);

/// An event's arguments as they came off the wire, not yet parsed: the
/// rate limit is checked first, so a flood of large payloads is refused
/// for the price of counting it.
struct Unparsed(socketioxide_core::Value);

impl<A: NodeAdapter> FromMessageParts<A> for Unparsed {
    type Error = std::convert::Infallible;
    fn from_message_parts(
        _: &Arc<socketioxide::socket::Socket<A>>,
        v: &mut socketioxide_core::Value,
        _: &Option<i64>,
    ) -> Result<Self, Self::Error> {
        let empty = socketioxide_core::Value::Str("[]".into(), None);
        Ok(Unparsed(std::mem::replace(v, empty)))
    }
}

impl Unparsed {
    /// The request the event carries (see [`decode_request`]).
    fn request<R: DeserializeOwned>(mut self, payload: Payload) -> Result<R, GameError> {
        let first = CommonParser
            .decode_value::<Value>(&mut self.0, true)
            .map_err(|e| e.to_string());
        request_of(first, payload)
    }
}

/// The request an event packet carries: `packet` is the packet's JSON
/// array (`["game:move", {...}]`). The first argument must be a JSON
/// object that decodes to `R`; with [`Payload::Optional`], none (or
/// `null`) stands for `{}`. Every refusal is `MALFORMED` with the reason.
pub fn decode_request<R: DeserializeOwned>(packet: &str, payload: Payload) -> Result<R, GameError> {
    let raw = Unparsed(socketioxide_core::Value::Str(
        packet.to_string().into(),
        None,
    ));
    raw.request(payload)
}

fn request_of<R: DeserializeOwned>(
    first: Result<Value, String>,
    payload: Payload,
) -> Result<R, GameError> {
    let first = match first {
        Err(_) | Ok(Value::Null) if payload == Payload::Optional => {
            Ok(Value::Object(Default::default()))
        }
        other => other,
    };
    first
        .map_err(|e| {
            GameError::new(
                ErrorCode::Malformed,
                format!("the payload is not JSON: {e}"),
            )
        })
        .and_then(|value| {
            if !value.is_object() {
                return Err(GameError::new(
                    ErrorCode::Malformed,
                    "the payload must be a JSON object",
                ));
            }
            serde_json::from_value::<R>(value)
                .map_err(|e| GameError::new(ErrorCode::Malformed, e.to_string()))
        })
}

/// Whether an event must carry a payload object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// `{...}` required.
    Required,
    /// Absent means `{}` (requests about the sender alone).
    Optional,
}

/// `{gameId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GameRef {
    game_id: String,
}

/// `{gameId, as?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JoinRequest {
    game_id: String,
    #[serde(default, rename = "as")]
    role: Option<String>,
}

/// `{gameId, move, version?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoveRequest {
    game_id: String,
    #[serde(rename = "move")]
    mv: Value,
    #[serde(default)]
    version: Option<u64>,
}

/// `{gameType}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LobbyRef {
    game_type: String,
}

/// `{gameType?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MaybeLobbyRef {
    #[allow(dead_code)] // Accepted for symmetry with quick-play; a user waits in one queue at a time.
    #[serde(default)]
    game_type: Option<String>,
}

/// `{roomId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoomRef {
    room_id: String,
}

/// `{roomId, password?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoomJoin {
    room_id: String,
    #[serde(default)]
    password: Option<String>,
}

/// `{gameId, version}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SyncRequest {
    game_id: String,
    #[serde(default)]
    version: u64,
}

/// Registers every client event on a freshly connected socket.
pub(super) fn register<A: NodeAdapter>(realtime: &Arc<Realtime<A>>, socket: &SocketRef<A>) {
    on(
        realtime,
        socket,
        "game:create",
        |rt: Arc<Realtime<A>>, user: User, req: CreateRequest| async move {
            rt.games.create(&user, req).await
        },
    );
    on(
        realtime,
        socket,
        "game:join",
        |rt: Arc<Realtime<A>>, user: User, req: JoinRequest| async move {
            if req.role.as_deref() == Some("spectator") {
                rt.games.spectate(&user, &req.game_id).await
            } else {
                rt.games.join(&user, &req.game_id).await
            }
        },
    );
    on(
        realtime,
        socket,
        "game:spectate",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.spectate(&user, &req.game_id).await
        },
    );
    on(
        realtime,
        socket,
        "game:stop-spectating",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.stop_spectating(&user, &req.game_id).await
        },
    );
    on(
        realtime,
        socket,
        "game:move",
        |rt: Arc<Realtime<A>>, user: User, req: MoveRequest| async move {
            rt.games
                .make_move(&user, &req.game_id, &req.mv, req.version)
                .await
        },
    );
    on(
        realtime,
        socket,
        "game:resign",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.forfeit(&user, &req.game_id, Forfeit::Resign).await
        },
    );
    on(
        realtime,
        socket,
        "game:offer-draw",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.offer_draw(&user, &req.game_id).await
        },
    );
    on(
        realtime,
        socket,
        "game:accept-draw",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.accept_draw(&user, &req.game_id).await
        },
    );
    on(
        realtime,
        socket,
        "game:decline-draw",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.decline_draw(&user, &req.game_id).await
        },
    );
    on(
        realtime,
        socket,
        "game:offer-revenge",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.offer_revenge(&user, &req.game_id).await
        },
    );
    on(
        realtime,
        socket,
        "game:accept-revenge",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.accept_revenge(&user, &req.game_id).await
        },
    );
    on(
        realtime,
        socket,
        "game:decline-revenge",
        |rt: Arc<Realtime<A>>, user: User, req: GameRef| async move {
            rt.games.decline_revenge(&user, &req.game_id).await
        },
    );
    on(
        realtime,
        socket,
        "game:sync",
        |rt: Arc<Realtime<A>>, user: User, req: SyncRequest| async move {
            rt.games.sync(&user, &req.game_id, req.version).await
        },
    );
    on(
        realtime,
        socket,
        "lobby:join",
        |rt: Arc<Realtime<A>>, user: User, req: LobbyRef| async move {
            rt.lobby.watch(&user, &req.game_type).await
        },
    );
    on_with(
        realtime,
        socket,
        "lobby:leave",
        Payload::Optional,
        |rt: Arc<Realtime<A>>, user: User, _: Value| async move { Ok(rt.lobby.unwatch(&user).await) },
    );
    on_with(
        realtime,
        socket,
        "lobby:quick-play-cancel",
        Payload::Optional,
        |rt: Arc<Realtime<A>>, user: User, _: MaybeLobbyRef| async move {
            Ok(rt.lobby.cancel_quick_play(&user).await)
        },
    );
    on(
        realtime,
        socket,
        "lobby:create-room",
        |rt: Arc<Realtime<A>>, user: User, req: CreateRoom| async move {
            rt.lobby.create_room(&user, req).await
        },
    );
    on(
        realtime,
        socket,
        "lobby:join-room",
        |rt: Arc<Realtime<A>>, user: User, req: RoomJoin| async move {
            rt.lobby
                .join_room(&user, &req.room_id, req.password.as_deref())
                .await
        },
    );
    on(
        realtime,
        socket,
        "lobby:leave-room",
        |rt: Arc<Realtime<A>>, user: User, req: RoomRef| async move {
            rt.lobby.leave_room(&user, &req.room_id).await
        },
    );
    on(
        realtime,
        socket,
        "lobby:ready",
        |rt: Arc<Realtime<A>>, user: User, req: RoomRef| async move {
            rt.lobby.set_ready(&user, &req.room_id, true).await
        },
    );
    on(
        realtime,
        socket,
        "lobby:unready",
        |rt: Arc<Realtime<A>>, user: User, req: RoomRef| async move {
            rt.lobby.set_ready(&user, &req.room_id, false).await
        },
    );
    on(
        realtime,
        socket,
        "lobby:quick-play",
        |rt: Arc<Realtime<A>>, user: User, req: LobbyRef| async move {
            rt.lobby.quick_play(&user, &req.game_type).await
        },
    );
    let rt = realtime.clone();
    socket.on_fallback(
        move |socket: SocketRef<A>, Event(event): Event, ack: AckSender<A>| {
            let rt = rt.clone();
            async move {
                if !allowed(&rt, &socket).await {
                    return refuse(&socket, ack, &event, rate_limited());
                }
                let error = GameError::new(
                    ErrorCode::UnknownEvent,
                    format!("there is no event {event:?}"),
                );
                refuse(&socket, ack, &event, error);
            }
        },
    );
}

/// Registers `event`: its payload (an object) decodes to `R`, `handle`
/// answers it.
pub(super) fn on<A, R, F, Fut>(
    realtime: &Arc<Realtime<A>>,
    socket: &SocketRef<A>,
    event: &'static str,
    handle: F,
) where
    A: NodeAdapter,
    R: DeserializeOwned + Send + 'static,
    F: Fn(Arc<Realtime<A>>, User, R) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Reply, GameError>> + Send,
{
    on_with(realtime, socket, event, Payload::Required, handle);
}

/// Registers `event` as [`on`] does, saying whether the payload may be left
/// out.
fn on_with<A, R, F, Fut>(
    realtime: &Arc<Realtime<A>>,
    socket: &SocketRef<A>,
    event: &'static str,
    payload_kind: Payload,
    handle: F,
) where
    A: NodeAdapter,
    R: DeserializeOwned + Send + 'static,
    F: Fn(Arc<Realtime<A>>, User, R) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Reply, GameError>> + Send,
{
    let realtime = realtime.clone();
    socket.on(event, move |socket: SocketRef<A>, payload: Unparsed, ack: AckSender<A>| {
        let realtime = realtime.clone();
        let handle = handle.clone();
        async move {
            let Some(user) = socket.extensions.get::<User>() else {
                return;
            };
            if !allowed(&realtime, &socket).await {
                tracing::info!(user = %user.id, socket = %socket.id, event, "rate limited");
                return refuse(&socket, ack, event, rate_limited());
            }
            tracing::debug!(user = %user.id, socket = %socket.id, event, "event");
            METRICS.events.with_label_values(&[event]).inc();
            let received = std::time::Instant::now();
            let request = payload.request::<R>(payload_kind);
            let result = match request {
                Ok(request) => handle(realtime.clone(), user.clone(), request).await,
                Err(e) => Err(e),
            };
            tracing::debug!(event, ok = result.is_ok(), "handled");
            match result {
                Ok(reply) => {
                    deliver(&realtime, &user, &reply).await;
                    tracing::debug!(event, "delivered");
                    let mut answer = reply.ack;
                    answer.insert("ok".into(), Value::Bool(true));
                    let _ = ack.send(&Value::Object(answer));
                    if event == "game:move" {
                        METRICS
                            .move_latency
                            .with_label_values(&[reply.game_type.as_deref().unwrap_or("unknown")])
                            .observe(received.elapsed().as_secs_f64());
                    }
                }
                Err(error) => {
                    tracing::info!(user = %user.id, event, code = error.code.as_str(), message = %error.message, "refused");
                    refuse(&socket, ack, event, error);
                }
            }
        }
    });
}

fn rate_limited() -> GameError {
    GameError::new(ErrorCode::RateLimited, "too many events; slow down")
}

/// Checks the user's event budget; disconnects a socket that keeps going
/// over it.
async fn allowed<A: NodeAdapter>(realtime: &Realtime<A>, socket: &SocketRef<A>) -> bool {
    let (Some(user), Some(strikes)) = (
        socket.extensions.get::<User>(),
        socket.extensions.get::<Strikes>(),
    ) else {
        return false;
    };
    let shared = match &realtime.shared_limit {
        Some(limit) => limit.allow(&user.id).await,
        None => true,
    };
    if realtime.limiter.check_key(&user.id).is_ok() && shared {
        strikes.0.store(0, Ordering::Relaxed);
        return true;
    }
    let count = strikes.0.fetch_add(1, Ordering::Relaxed) + 1;
    if count >= realtime.rate.disconnect_after {
        tracing::warn!(user = %user.id, socket = %socket.id, "disconnecting a socket that keeps exceeding the rate limit");
        let _ = socket.clone().disconnect();
    }
    false
}

/// Answers a refused request: the ack, and the `error` event.
fn refuse<A: NodeAdapter>(socket: &SocketRef<A>, ack: AckSender<A>, event: &str, error: GameError) {
    let code = error.code.as_str();
    METRICS.errors.with_label_values(&[code]).inc();
    let _ = socket.emit(
        "error",
        &json!({"event": event, "code": code, "message": error.message}),
    );
    let _ = ack.send(&json!({"ok": false, "error": {"code": code, "message": error.message}}));
}

/// Sends a reply's broadcasts and moves the user's sockets between rooms.
async fn deliver<A: NodeAdapter>(realtime: &Realtime<A>, user: &User, reply: &Reply) {
    let io = &realtime.io;
    if !reply.leave_rooms.is_empty() {
        let _ = io
            .to(user_room(&user.id))
            .leave(reply.leave_rooms.clone())
            .await;
    }
    if !reply.join_rooms.is_empty() {
        let _ = io
            .to(user_room(&user.id))
            .join(reply.join_rooms.clone())
            .await;
    }
    realtime.send(&reply.deliveries).await;
}
