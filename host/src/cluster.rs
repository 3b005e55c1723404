//! What nodes of a cluster share through Redis: the deadline scheduler
//! ([`scheduler`]), plugin announcements ([`plugins`]), presence
//! ([`presence`]), the rate limit ([`ratelimit`]), a game-state cache
//! ([`cache`]), the quick-play queues ([`queue`]), spectator counts and
//! subscriptions ([`watchers`]); cross-node rooms
//! and broadcasts go through `socketioxide-redis` (wired in `serve`).
//!
//! Every Redis call goes through one circuit breaker, which makes the node
//! unready while Redis is away.

pub mod adapter;
pub mod cache;
pub mod plugins;
pub mod presence;
pub mod queue;
pub mod ratelimit;
pub mod scheduler;
pub mod watchers;

use crate::breaker::CircuitBreaker;

/// The prefix of every key and channel the host uses.
pub const PREFIX: &str = "gamehost";

/// A Redis connection shared by a node's cluster services.
#[derive(Clone)]
pub struct Redis {
    /// The client (new connections, pub/sub).
    pub client: redis::Client,
    /// A multiplexed connection that reconnects by itself.
    pub conn: redis::aio::ConnectionManager,
    /// The breaker around every call.
    pub breaker: CircuitBreaker,
}

impl Redis {
    /// Connects to `url`, asking for RESP3 (the Socket.IO adapter needs it).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let url = if url.contains("protocol=") {
            url.to_string()
        } else if url.contains('?') {
            format!("{url}&protocol=resp3")
        } else {
            format!("{url}?protocol=resp3")
        };
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(std::time::Duration::from_secs(2)))
            .set_response_timeout(Some(std::time::Duration::from_secs(2)))
            .set_number_of_retries(1);
        let conn = redis::aio::ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(Redis {
            client,
            conn,
            breaker: CircuitBreaker::new("redis"),
        })
    }

    /// Sends one command through the breaker.
    pub async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> anyhow::Result<T> {
        let mut conn = self.conn.clone();
        self.call(cmd.query_async(&mut conn)).await
    }

    /// Runs a script through the breaker.
    pub async fn invoke<T: redis::FromRedisValue>(
        &self,
        script: &redis::ScriptInvocation<'_>,
    ) -> anyhow::Result<T> {
        let mut conn = self.conn.clone();
        self.call(script.invoke_async(&mut conn)).await
    }

    /// Runs a Redis call through the breaker.
    pub async fn call<T>(
        &self,
        op: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> anyhow::Result<T> {
        self.breaker.run(op, |_| true).await.map_err(|e| match e {
            crate::breaker::CallError::Open(open) => anyhow::anyhow!(open),
            crate::breaker::CallError::Failed(e) => anyhow::anyhow!("redis: {e}"),
        })
    }
}
