//! The quick-play queues of the whole cluster: one Redis list per game
//! type, joined and drained by one script each, so two nodes never seat
//! the same player twice and players on different nodes meet.

use super::{PREFIX, Redis};
use crate::auth::{Role, User};
use crate::base::error::{ErrorCode, GameError};
use crate::lobby::{MatchQueue, Queued};
use serde::{Deserialize, Serialize};

/// A waiting player as stored in a queue.
#[derive(Serialize, Deserialize)]
struct Waiting {
    id: String,
    name: String,
    role: Role,
}

/// KEYS[1]: the queue; KEYS[2]: the user's set of queues. ARGV: the
/// player's JSON, their id, the table size, the queue's key, the prefix of
/// users' sets. Returns the queue length while waiting, or the table.
const JOIN: &str = r"
local present = false
for _, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if cjson.decode(item).id == ARGV[2] then present = true end
end
if not present then
  redis.call('RPUSH', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[4])
end
local waiting = redis.call('LLEN', KEYS[1])
local needed = tonumber(ARGV[3])
if waiting < needed then return waiting end
local table = {}
for i = 1, needed do
  local item = redis.call('LPOP', KEYS[1])
  redis.call('SREM', ARGV[5] .. cjson.decode(item).id, ARGV[4])
  table[i] = item
end
return table
";

/// KEYS[1]: the user's set of queues; ARGV[1]: their id.
const LEAVE: &str = r"
local removed = 0
for _, queue in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  for _, item in ipairs(redis.call('LRANGE', queue, 0, -1)) do
    if cjson.decode(item).id == ARGV[1] then removed = removed + redis.call('LREM', queue, 0, item) end
  end
end
redis.call('DEL', KEYS[1])
return removed
";

fn queue_key(game_type: &str) -> String {
    format!("{PREFIX}:queue:{game_type}")
}

fn user_prefix() -> String {
    format!("{PREFIX}:queued:")
}

/// The cluster's quick-play queues.
pub struct RedisQueue {
    redis: Redis,
    join: redis::Script,
    leave: redis::Script,
}

impl RedisQueue {
    /// Queues on `redis`.
    pub fn new(redis: Redis) -> Self {
        RedisQueue {
            redis,
            join: redis::Script::new(JOIN),
            leave: redis::Script::new(LEAVE),
        }
    }
}

#[async_trait::async_trait]
impl MatchQueue for RedisQueue {
    /// In a cluster the queue is first come, first served: `rating` is not
    /// used yet.
    async fn join(
        &self,
        game_type: &str,
        user: &User,
        _rating: f64,
        needed: usize,
    ) -> Result<Queued, GameError> {
        let me = serde_json::to_string(&Waiting {
            id: user.id.clone(),
            name: user.name.clone(),
            role: user.role,
        })
        .map_err(|e| GameError::new(ErrorCode::Internal, e.to_string()))?;
        let queue = queue_key(game_type);
        let answer: redis::Value = self
            .redis
            .invoke(
                self.join
                    .key(&queue)
                    .key(format!("{}{}", user_prefix(), user.id))
                    .arg(me)
                    .arg(&user.id)
                    .arg(needed)
                    .arg(&queue)
                    .arg(user_prefix()),
            )
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "quick-play queue unavailable");
                GameError::new(
                    ErrorCode::Internal,
                    "quick play is unavailable; try again shortly",
                )
            })?;
        match answer {
            redis::Value::Int(waiting) => Ok(Queued::Waiting(waiting.max(0) as usize)),
            redis::Value::Array(items) => {
                let table = items
                    .into_iter()
                    .filter_map(|item| {
                        let text: String = redis::FromRedisValue::from_redis_value(item).ok()?;
                        let w: Waiting = serde_json::from_str(&text).ok()?;
                        Some(User {
                            id: w.id,
                            name: w.name,
                            role: w.role,
                        })
                    })
                    .collect();
                Ok(Queued::Table(table))
            }
            other => Err(GameError::new(
                ErrorCode::Internal,
                format!("unexpected answer from the queue: {other:?}"),
            )),
        }
    }

    async fn leave(&self, user_id: &str) -> bool {
        let left: anyhow::Result<i64> = self
            .redis
            .invoke(
                self.leave
                    .key(format!("{}{}", user_prefix(), user_id))
                    .arg(user_id),
            )
            .await;
        match left {
            Ok(removed) => removed > 0,
            Err(e) => {
                tracing::warn!(user = user_id, error = %e, "could not take a player out of the quick-play queues");
                false
            }
        }
    }
}
