//! The Socket.IO side: authentication at connect, connection bookkeeping,
//! and the game events, as thin handlers over [`GameService`].
//!
//! - [`connection`]: the auth middleware, `connection:confirmed`, presence,
//!   reconnection.
//! - [`events`]: one handler per client event, and how their answers and
//!   broadcasts are sent.
//! - [`tournaments`]: the tournament events.
//! - [`admin`]: the `/admin` namespace's live events.

pub mod admin;
pub mod connection;
pub mod events;
pub mod tournaments;

use crate::admin::AdminService;
use crate::auth::{TokenService, User};
use crate::base::outbox::{Audience, Delivery};
use crate::game::GameService;
use crate::game::service::spectator_room;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use socketioxide::SocketIo;
use socketioxide::adapter::{Adapter, LocalAdapter};
use socketioxide_core::adapter::DefinedAdapter;
use std::num::NonZeroU32;
use std::sync::Arc;

/// A Socket.IO adapter a node can run on: the in-memory one, or Redis in a
/// cluster (its namespaces start asynchronously; see `Spawnable`).
pub trait NodeAdapter: Adapter + DefinedAdapter {}

impl<A: Adapter + DefinedAdapter> NodeAdapter for A {}

/// Events per second and burst, per user.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    /// Sustained events per second.
    pub per_second: u32,
    /// Events allowed at once above the sustained rate.
    pub burst: u32,
    /// Refused events in a row after which the socket is disconnected.
    pub disconnect_after: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 10,
            burst: 20,
            disconnect_after: 50,
        }
    }
}

/// The services the handlers call.
pub struct Services {
    /// The games.
    pub games: Arc<GameService>,
    /// Lobby rooms and quick play.
    pub lobby: Arc<crate::lobby::LobbyService>,
    /// Tournaments.
    pub tournaments: Arc<crate::tournament::TournamentService>,
    /// Bans and announcements.
    pub admin: Arc<AdminService>,
}

/// What the handlers share, over the Socket.IO adapter `A`: the in-memory
/// one on a single node, Redis in a cluster.
pub struct Realtime<A: Adapter = LocalAdapter> {
    /// The games.
    pub games: Arc<GameService>,
    /// Lobby rooms and quick play.
    pub lobby: Arc<crate::lobby::LobbyService>,
    /// Tournaments.
    pub tournaments: Arc<crate::tournament::TournamentService>,
    /// Token verification.
    pub tokens: TokenService,
    /// Bans (checked at connect).
    pub admin: Arc<AdminService>,
    /// Per-user event budget on this node.
    limiter: DefaultKeyedRateLimiter<String>,
    /// The same budget across the cluster, in a cluster.
    shared_limit: Option<Arc<dyn SharedRateLimit>>,
    rate: RateLimit,
    /// The Socket.IO server, for broadcasts.
    pub io: SocketIo<A>,
}

impl<A: NodeAdapter> Realtime<A> {
    /// Registers the namespace and its handlers on `io`.
    pub fn attach(
        io: SocketIo<A>,
        services: Services,
        tokens: TokenService,
        rate: RateLimit,
        shared_limit: Option<Arc<dyn SharedRateLimit>>,
    ) -> Arc<Self> {
        let per_second = NonZeroU32::new(rate.per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(rate.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let Services {
            games,
            lobby,
            tournaments,
            admin,
        } = services;
        let realtime = Arc::new(Realtime {
            lobby,
            games,
            tournaments,
            tokens,
            admin,
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            shared_limit,
            rate,
            io: io.clone(),
        });
        connection::register(&io, realtime.clone());
        admin::register(&realtime);
        admin::relay_catalog(realtime.clone(), realtime.games.plugins().subscribe());
        realtime
    }

    /// Users with a socket open on this node's main namespace.
    pub fn online_users(&self) -> Vec<OnlineUser> {
        let mut users: std::collections::BTreeMap<String, OnlineUser> = Default::default();
        for socket in self.io.sockets() {
            if let Some(user) = socket.extensions.get::<User>() {
                users
                    .entry(user.id.clone())
                    .or_insert_with(|| OnlineUser {
                        user_id: user.id.clone(),
                        name: user.name.clone(),
                        role: user.role.as_str(),
                        sockets: 0,
                    })
                    .sockets += 1;
            }
        }
        users.into_values().collect()
    }

    /// Disconnects every socket of a user; returns how many there were.
    pub async fn disconnect_user(&self, user_id: &str) -> usize {
        let room = user_room(user_id);
        let sockets = self.io.to(room.clone()).sockets().len();
        if let Err(e) = self.io.to(room).disconnect().await {
            tracing::warn!(user = user_id, error = %e, "could not disconnect a user");
        }
        sockets
    }
}

/// The room of every socket of a user.
pub fn user_room(user_id: &str) -> String {
    format!("user:{user_id}")
}

impl<A: NodeAdapter> Realtime<A> {
    /// Emits each delivery to its audience. A game's audience is resolved
    /// here from the seated users it names: every socket of each (on any
    /// node, through the adapter) and the game's spectators, each socket
    /// once.
    pub async fn send(&self, deliveries: &[Delivery]) {
        let io = &self.io;
        for delivery in deliveries {
            let result = match &delivery.to {
                Audience::User(id) => {
                    io.to(user_room(id))
                        .emit(delivery.event, &delivery.payload)
                        .await
                }
                Audience::Spectators(game) => {
                    io.to(spectator_room(game))
                        .emit(delivery.event, &delivery.payload)
                        .await
                }
                Audience::Game { game_id, players } => {
                    let mut rooms: Vec<String> = players.iter().map(|u| user_room(u)).collect();
                    rooms.push(spectator_room(game_id));
                    io.to(rooms).emit(delivery.event, &delivery.payload).await
                }
                Audience::Room(room) => {
                    io.to(room.clone())
                        .emit(delivery.event, &delivery.payload)
                        .await
                }
                Audience::Everyone => io.emit(delivery.event, &delivery.payload).await,
                Audience::Admins => {
                    self.tell_admins(delivery.event, &delivery.payload).await;
                    Ok(())
                }
            };
            if let Err(e) = result {
                tracing::warn!(event = delivery.event, error = %e, "broadcast failed");
            }
        }
    }
}

/// A user online, as admins list them.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineUser {
    /// User id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: &'static str,
    /// Open sockets.
    pub sockets: usize,
}

/// A user's event budget shared by the nodes of a cluster.
#[async_trait::async_trait]
pub trait SharedRateLimit: Send + Sync {
    /// Takes one event from the user's budget; false when it is spent.
    async fn allow(&self, user_id: &str) -> bool;
}

/// What the HTTP side asks of the Socket.IO side, whatever its adapter.
#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    /// Sends events to their audiences.
    async fn send(&self, deliveries: &[Delivery]);
    /// Users with a socket open on this node.
    fn online_users(&self) -> Vec<OnlineUser>;
    /// Disconnects every socket of a user, on every node; how many were here.
    async fn disconnect_user(&self, user_id: &str) -> usize;
}

#[async_trait::async_trait]
impl<A: NodeAdapter> Transport for Realtime<A> {
    async fn send(&self, deliveries: &[Delivery]) {
        Realtime::send(self, deliveries).await;
    }

    fn online_users(&self) -> Vec<OnlineUser> {
        Realtime::online_users(self)
    }

    async fn disconnect_user(&self, user_id: &str) -> usize {
        Realtime::disconnect_user(self, user_id).await
    }
}
