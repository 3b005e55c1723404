//! Who is online anywhere in the cluster: each node counts its users'
//! sockets in Redis (`HINCRBY gamehost:presence:{user} {node} ±1`) and keeps
//! a heartbeat key alive; a user is online when a live node counts a
//! socket for them. A node that dies stops its heartbeat, so its counts
//! stop counting without anyone cleaning up.

use super::{PREFIX, Redis};
use crate::game::service::SharedPresence;
use std::time::Duration;

/// How long a node's heartbeat lasts without renewal.
const HEARTBEAT_TTL_SECS: u64 = 10;

fn user_key(user_id: &str) -> String {
    format!("{PREFIX}:presence:{user_id}")
}

fn node_key(node_id: &str) -> String {
    format!("{PREFIX}:node:{node_id}")
}

/// This node's view of cluster-wide presence.
pub struct RedisPresence {
    redis: Redis,
    node_id: String,
}

impl RedisPresence {
    /// Starts the node's heartbeat.
    pub fn start(redis: Redis, node_id: String) -> Self {
        let beat = redis.clone();
        let key = node_key(&node_id);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3));
            loop {
                every.tick().await;
                let _ = beat
                    .query::<()>(
                        redis::cmd("SET")
                            .arg(&key)
                            .arg(1)
                            .arg("EX")
                            .arg(HEARTBEAT_TTL_SECS),
                    )
                    .await;
            }
        });
        RedisPresence { redis, node_id }
    }

    async fn count(&self, user_id: &str, delta: i64) {
        let result = self
            .redis
            .query::<i64>(
                redis::cmd("HINCRBY")
                    .arg(user_key(user_id))
                    .arg(&self.node_id)
                    .arg(delta),
            )
            .await;
        if let Err(e) = result {
            tracing::warn!(user = user_id, error = %e, "could not update cluster presence");
        }
    }
}

#[async_trait::async_trait]
impl SharedPresence for RedisPresence {
    async fn connected(&self, user_id: &str) {
        self.count(user_id, 1).await;
    }

    async fn disconnected(&self, user_id: &str) {
        self.count(user_id, -1).await;
    }

    async fn is_online(&self, user_id: &str) -> Option<bool> {
        let counts: std::collections::HashMap<String, i64> = self
            .redis
            .query(redis::cmd("HGETALL").arg(user_key(user_id)))
            .await
            .ok()?;
        for (node, n) in counts {
            if n <= 0 {
                continue;
            }
            let alive: bool = self
                .redis
                .query(redis::cmd("EXISTS").arg(node_key(&node)))
                .await
                .ok()?;
            if alive {
                return Some(true);
            }
        }
        Some(false)
    }
}
