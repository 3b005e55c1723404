//! One scheduler for the whole cluster: deadlines in a Redis sorted set
//! (score: when due), their payloads in a hash, both keyed by the
//! deadline's key so a newer deadline of the same kind replaces the older.
//!
//! Every node polls; a Lua script takes the due entries out of the set and
//! returns them in one atomic step, so exactly one node fires each, and a
//! node that dies leaves its deadlines for the others. Scheduling goes
//! through one queue per node, in order, retried while Redis is away: a
//! deadline set during a Redis restart is stored once Redis is back.

use super::{PREFIX, Redis};
use crate::base::scheduler::{Deadline, Scheduler};
use std::time::Duration;
use tokio::sync::mpsc;

/// How often each node looks for due deadlines.
const POLL: Duration = Duration::from_millis(100);
/// Most deadlines one poll takes.
const BATCH: usize = 64;

fn zset() -> String {
    format!("{PREFIX}:deadlines")
}

fn payloads() -> String {
    format!("{PREFIX}:deadline-payloads")
}

/// Takes the entries due by ARGV[1] (at most ARGV[2]) out of the set and
/// returns their payloads: the claim and the removal are one step.
const CLAIM: &str = r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, key in ipairs(due) do
  redis.call('ZREM', KEYS[1], key)
  local payload = redis.call('HGET', KEYS[2], key)
  redis.call('HDEL', KEYS[2], key)
  if payload then table.insert(out, payload) end
end
return out
";

/// The Redis-backed scheduler of one node.
pub struct RedisScheduler {
    queue: mpsc::UnboundedSender<(Deadline, u64)>,
}

impl RedisScheduler {
    /// Starts the node's writer and poller; due deadlines go to `due`.
    pub fn start(redis: Redis, due: mpsc::UnboundedSender<Deadline>) -> Self {
        let (queue, mut scheduled) = mpsc::unbounded_channel::<(Deadline, u64)>();
        let writer = redis.clone();
        tokio::spawn(async move {
            while let Some((deadline, at_ms)) = scheduled.recv().await {
                let Ok(payload) = serde_json::to_string(&deadline) else {
                    continue;
                };
                let key = deadline.key();
                // Retry until stored: losing a clock would let a game hang.
                let mut wait = Duration::from_millis(100);
                loop {
                    let mut conn = writer.conn.clone();
                    let stored = writer
                        .call(async {
                            redis::pipe()
                                .atomic()
                                .hset(payloads(), &key, &payload)
                                .ignore()
                                .zadd(zset(), &key, at_ms)
                                .ignore()
                                .query_async::<()>(&mut conn)
                                .await
                        })
                        .await;
                    match stored {
                        Ok(()) => break,
                        Err(e) => {
                            tracing::warn!(deadline = %key, error = %e, "cannot store a deadline yet; retrying");
                            tokio::time::sleep(wait).await;
                            wait = (wait * 2).min(Duration::from_secs(2));
                        }
                    }
                }
            }
        });
        tokio::spawn(async move {
            let script = redis::Script::new(CLAIM);
            let mut every = tokio::time::interval(POLL);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let now = crate::base::clock::now_ms();
                let claimed: anyhow::Result<Vec<String>> = redis
                    .invoke(script.key(zset()).key(payloads()).arg(now).arg(BATCH))
                    .await;
                match claimed {
                    Ok(claimed) => {
                        for payload in claimed {
                            match serde_json::from_str::<Deadline>(&payload) {
                                Ok(deadline) => {
                                    let _ = due.send(deadline);
                                }
                                Err(e) => {
                                    tracing::error!(error = %e, payload, "unreadable deadline dropped")
                                }
                            }
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "deadline poll failed"),
                }
            }
        });
        RedisScheduler { queue }
    }
}

impl Scheduler for RedisScheduler {
    fn schedule(&self, deadline: Deadline, at_ms: u64) {
        let _ = self.queue.send((deadline, at_ms));
    }
}
