//! The lobby service: its state, loading it, and what a user's comings
//! and goings do to it. Room requests are in [`super::rooms`], quick play
//! in [`super::quick_play`].

use super::queue::{LocalQueue, MatchQueue};
use super::room::{Room, stored_rooms};
use crate::auth::User;
use crate::base::error::GameError;
use crate::base::outbox::Delivery;
use crate::game::GameService;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Caps that keep one user, or ordinary play, from filling a lobby.
#[derive(Clone, Copy, Debug)]
pub struct LobbyLimits {
    /// Most open rooms one game type's lobby holds.
    pub max_rooms_per_type: usize,
    /// Most open rooms one user may own (have created) at once.
    pub max_rooms_per_user: usize,
}

impl Default for LobbyLimits {
    fn default() -> Self {
        LobbyLimits {
            max_rooms_per_type: 500,
            max_rooms_per_user: 3,
        }
    }
}

/// Lobby rooms and the quick-play queue.
pub struct LobbyService {
    pub(super) games: Arc<GameService>,
    pub(super) rooms: Mutex<BTreeMap<String, Room>>,
    /// Other nodes change rooms too (a cluster): read them from the store
    /// before each request.
    pub(super) shared: bool,
    pub(super) queues: Arc<dyn MatchQueue>,
    pub(super) limits: LobbyLimits,
    /// Held by each change of rooms from its read to its write: changes on
    /// this node never race one another, and in a cluster a change that
    /// lost to another node's is retried on the rooms as stored then.
    pub(super) writing: tokio::sync::Mutex<()>,
    /// Ratings, for quick play.
    pub(super) ratings: Option<Arc<crate::rating::RatingService>>,
}

/// What a returning user is put back into.
#[derive(Debug, Default)]
pub struct Restored {
    /// Game types whose lobby they watch.
    pub lobbies: Vec<String>,
    /// Rooms they are a member of.
    pub rooms: Vec<String>,
}

impl LobbyService {
    /// A lobby whose games go to `games`, with the rooms stored before.
    pub async fn load(games: Arc<GameService>, limits: LobbyLimits) -> Result<Self, GameError> {
        let rooms = stored_rooms(&games).await?;
        Ok(LobbyService {
            games,
            rooms: Mutex::new(rooms),
            shared: false,
            queues: Arc::new(LocalQueue::default()),
            limits,
            writing: tokio::sync::Mutex::new(()),
            ratings: None,
        })
    }

    /// Quick play pairs by these ratings.
    pub fn with_ratings(mut self, ratings: Arc<crate::rating::RatingService>) -> Self {
        self.ratings = Some(ratings);
        self
    }

    /// Marks the rooms as shared with other nodes: each request reads them
    /// from the store first. Quick play waits in `queues`.
    pub fn in_cluster(mut self, queues: Arc<dyn MatchQueue>) -> Self {
        self.shared = true;
        self.queues = queues;
        self
    }

    /// A user's last socket closed and the reconnection window has passed
    /// without a socket of theirs anywhere: they leave every room they are
    /// in, every quick-play queue, and their subscriptions are forgotten.
    pub async fn departed(&self, user_id: &str) -> Vec<Delivery> {
        if self.games.is_online_anywhere(user_id).await {
            return Vec::new();
        }
        self.queues.leave(user_id).await;
        self.games.watchers().forget(user_id).await;
        match self.leave_every_room(user_id).await {
            Ok(out) => out,
            Err(e) => {
                tracing::warn!(user = user_id, error = %e, "could not take a departed user out of their rooms");
                Vec::new()
            }
        }
    }

    /// What a user's new socket is put back into: the lobbies they watch
    /// and the rooms they are a member of.
    pub async fn restore(&self, user: &User) -> Restored {
        let lobbies = self.games.watchers().subscriptions(&user.id).await.lobbies;
        let rooms = match self.rooms_of(&user.id).await {
            Ok(rooms) => rooms,
            Err(e) => {
                tracing::warn!(user = %user.id, error = %e, "could not list the user's rooms");
                Vec::new()
            }
        };
        Restored { lobbies, rooms }
    }
}
