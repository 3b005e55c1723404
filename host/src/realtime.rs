//! The Socket.IO side: authentication at connect, connection bookkeeping,
//! and the game events, as thin handlers over [`GameService`].
//!
//! - [`connection`]: the auth middleware, `connection:confirmed`, presence,
//!   reconnection.
//! - [`events`]: one handler per client event, and how their answers and
//!   broadcasts are sent.

pub mod connection;
pub mod events;

use crate::auth::TokenService;
use crate::game::GameService;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use socketioxide::SocketIo;
use std::num::NonZeroU32;
use std::sync::Arc;

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

/// What the handlers share.
pub struct Realtime {
    /// The games.
    pub games: Arc<GameService>,
    /// Lobby rooms and quick play.
    pub lobby: crate::lobby::LobbyService,
    /// Token verification.
    pub tokens: TokenService,
    /// Per-user event budget.
    limiter: DefaultKeyedRateLimiter<String>,
    rate: RateLimit,
    /// The Socket.IO server, for broadcasts.
    pub io: SocketIo,
}

impl Realtime {
    /// Registers the namespace and its handlers on `io`.
    pub fn attach(
        io: SocketIo,
        games: Arc<GameService>,
        lobby: crate::lobby::LobbyService,
        tokens: TokenService,
        rate: RateLimit,
    ) -> Arc<Self> {
        let per_second = NonZeroU32::new(rate.per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(rate.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let realtime = Arc::new(Realtime {
            lobby,
            games,
            tokens,
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            rate,
            io: io.clone(),
        });
        connection::register(&io, realtime.clone());
        realtime
    }
}
