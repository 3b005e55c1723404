//! Spectator counts and subscriptions shared by the nodes: a Redis set of
//! counted spectators per game (`gamehost:spectators:{game}`), and per user
//! the games they spectate and the lobbies they watch
//! (`gamehost:subs:{user}:spectating`, `...:lobbies`). Every key expires a
//! day after its last change, so nothing a dead node left behind lives on.
//! When Redis is away, counts read as 0 and nothing is restored: a
//! spectator keeps watching through the rooms they are already in.

use super::{PREFIX, Redis};
use crate::game::watchers::{Subscriptions, Watchers};

/// How long a key lives after its last change.
const TTL_SECS: u64 = 24 * 3600;

fn counted_key(game_id: &str) -> String {
    format!("{PREFIX}:spectators:{game_id}")
}

fn spectating_key(user_id: &str) -> String {
    format!("{PREFIX}:subs:{user_id}:spectating")
}

fn lobbies_key(user_id: &str) -> String {
    format!("{PREFIX}:subs:{user_id}:lobbies")
}

/// The cluster's watchers, in Redis.
pub struct RedisWatchers {
    redis: Redis,
}

impl RedisWatchers {
    /// Watchers on `redis`.
    pub fn new(redis: Redis) -> Self {
        RedisWatchers { redis }
    }

    /// `SADD` (or `SREM`) then `EXPIRE`, atomically; the count changed.
    async fn change(&self, op: &str, key: String, member: &str) -> bool {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd(op)
            .arg(&key)
            .arg(member)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(TTL_SECS)
            .ignore();
        let mut conn = self.redis.conn.clone();
        match self.redis.call(pipe.query_async::<(i64,)>(&mut conn)).await {
            Ok((n,)) => n > 0,
            Err(e) => {
                tracing::warn!(key, error = %e, "could not update watchers");
                false
            }
        }
    }

    async fn members(&self, key: String) -> Vec<String> {
        match self
            .redis
            .query::<Vec<String>>(redis::cmd("SMEMBERS").arg(&key))
            .await
        {
            Ok(mut members) => {
                members.sort();
                members
            }
            Err(e) => {
                tracing::warn!(key, error = %e, "could not read watchers");
                Vec::new()
            }
        }
    }
}

#[async_trait::async_trait]
impl Watchers for RedisWatchers {
    async fn add_spectator(&self, game_id: &str, user_id: &str) -> bool {
        self.change("SADD", spectating_key(user_id), game_id).await;
        self.change("SADD", counted_key(game_id), user_id).await
    }

    async fn remove_spectator(&self, game_id: &str, user_id: &str) -> bool {
        self.change("SREM", spectating_key(user_id), game_id).await;
        self.change("SREM", counted_key(game_id), user_id).await
    }

    async fn suspend(&self, user_id: &str) -> Vec<String> {
        let mut counted = Vec::new();
        for game_id in self.members(spectating_key(user_id)).await {
            if self.change("SREM", counted_key(&game_id), user_id).await {
                counted.push(game_id);
            }
        }
        counted
    }

    async fn spectator_count(&self, game_id: &str) -> usize {
        self.redis
            .query::<usize>(redis::cmd("SCARD").arg(counted_key(game_id)))
            .await
            .unwrap_or(0)
    }

    async fn watch_lobby(&self, user_id: &str, game_type: &str) {
        self.change("SADD", lobbies_key(user_id), game_type).await;
    }

    async fn unwatch_lobbies(&self, user_id: &str) -> Vec<String> {
        let lobbies = self.members(lobbies_key(user_id)).await;
        let _ = self
            .redis
            .query::<()>(redis::cmd("DEL").arg(lobbies_key(user_id)))
            .await;
        lobbies
    }

    async fn subscriptions(&self, user_id: &str) -> Subscriptions {
        Subscriptions {
            spectating: self.members(spectating_key(user_id)).await,
            lobbies: self.members(lobbies_key(user_id)).await,
        }
    }

    async fn forget(&self, user_id: &str) {
        self.suspend(user_id).await;
        let _ = self
            .redis
            .query::<()>(
                redis::cmd("DEL")
                    .arg(spectating_key(user_id))
                    .arg(lobbies_key(user_id)),
            )
            .await;
    }
}
