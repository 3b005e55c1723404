//! The quick-play queues of the whole cluster: one Redis list per game
//! type. Joining adds the player by script and reads the queue back; the
//! table is chosen by rating on the node ([`crate::lobby::matching`]) and
//! taken out by a second script only if every one of its players is still
//! waiting, so two nodes never seat the same player twice and players on
//! different nodes meet. Every node sweeps the queues each second for
//! tables that waiting made possible.

use super::{PREFIX, Redis};
use crate::auth::{Role, User};
use crate::base::clock::now_ms;
use crate::base::error::{ErrorCode, GameError};
use crate::lobby::matching::{Candidate, pick};
use crate::lobby::{MatchQueue, Queued};
use serde::{Deserialize, Serialize};

/// A waiting player as stored in a queue.
#[derive(Serialize, Deserialize)]
struct Waiting {
    id: String,
    name: String,
    role: Role,
    #[serde(default = "initial_rating")]
    rating: f64,
    #[serde(default)]
    since: u64,
}

fn initial_rating() -> f64 {
    crate::rating::INITIAL_RATING
}

/// Adds ARGV[1] (the player, id ARGV[2]) to queue KEYS[1] once, records
/// the queue in the player's set KEYS[2], in the set of queues KEYS[3] and
/// its table size ARGV[3] in hash KEYS[4]; answers the queue.
const JOIN: &str = r"
local present = false
for _, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if cjson.decode(item).id == ARGV[2] then present = true end
end
if not present then
  redis.call('RPUSH', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], KEYS[1])
end
redis.call('SADD', KEYS[3], KEYS[1])
redis.call('HSET', KEYS[4], KEYS[1], ARGV[3])
return redis.call('LRANGE', KEYS[1], 0, -1)
";

/// Takes the items ARGV[2..] out of queue KEYS[1] if every one is still
/// in it (ARGV[1]: the prefix of the players' sets); 1 when taken, else 0.
const TAKE: &str = r"
for i = 2, #ARGV do
  if not redis.call('LPOS', KEYS[1], ARGV[i]) then return 0 end
end
for i = 2, #ARGV do
  redis.call('LREM', KEYS[1], 1, ARGV[i])
  redis.call('SREM', ARGV[1] .. cjson.decode(ARGV[i]).id, KEYS[1])
end
return 1
";

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

fn queues_key() -> String {
    format!("{PREFIX}:queues")
}

fn sizes_key() -> String {
    format!("{PREFIX}:queue-sizes")
}

/// The cluster's queues.
pub struct RedisQueue {
    redis: Redis,
    join: redis::Script,
    take: redis::Script,
    leave: redis::Script,
}

fn unavailable(e: impl std::fmt::Display) -> GameError {
    tracing::warn!(error = %e, "quick-play queue unavailable");
    GameError::new(
        ErrorCode::Internal,
        "quick play is unavailable; try again shortly",
    )
}

impl RedisQueue {
    /// Queues in `redis`.
    pub fn new(redis: Redis) -> Self {
        RedisQueue {
            redis,
            join: redis::Script::new(JOIN),
            take: redis::Script::new(TAKE),
            leave: redis::Script::new(LEAVE),
        }
    }

    /// The best table of `needed` in `items` (a queue's stored entries),
    /// taken out of `queue` if it still can be.
    async fn take_table(
        &self,
        queue: &str,
        items: &[String],
        needed: usize,
    ) -> Result<Option<Vec<User>>, GameError> {
        // Entries that do not parse (none are written so) are left alone.
        let waiting: Vec<(usize, Waiting)> = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| Some((i, serde_json::from_str(item).ok()?)))
            .collect();
        let candidates: Vec<Candidate> = waiting
            .iter()
            .map(|(_, w)| Candidate {
                rating: w.rating,
                since: w.since,
            })
            .collect();
        let Some(table) = pick(&candidates, needed, now_ms()) else {
            return Ok(None);
        };
        let mut take = self.take.key(queue);
        take.arg(user_prefix());
        for &i in &table {
            take.arg(&items[waiting[i].0]);
        }
        let taken: i64 = self.redis.invoke(&take).await.map_err(unavailable)?;
        if taken != 1 {
            return Ok(None);
        }
        Ok(Some(
            table
                .into_iter()
                .map(|i| User {
                    id: waiting[i].1.id.clone(),
                    name: waiting[i].1.name.clone(),
                    role: waiting[i].1.role,
                })
                .collect(),
        ))
    }
}

#[async_trait::async_trait]
impl MatchQueue for RedisQueue {
    async fn join(
        &self,
        game_type: &str,
        user: &User,
        rating: f64,
        needed: usize,
    ) -> Result<Queued, GameError> {
        let me = serde_json::to_string(&Waiting {
            id: user.id.clone(),
            name: user.name.clone(),
            role: user.role,
            rating,
            since: now_ms(),
        })
        .map_err(|e| GameError::new(ErrorCode::Internal, e.to_string()))?;
        let queue = queue_key(game_type);
        let items: Vec<String> = self
            .redis
            .invoke(
                self.join
                    .key(&queue)
                    .key(format!("{}{}", user_prefix(), user.id))
                    .key(queues_key())
                    .key(sizes_key())
                    .arg(me)
                    .arg(&user.id)
                    .arg(needed),
            )
            .await
            .map_err(unavailable)?;
        match self.take_table(&queue, &items, needed).await? {
            Some(table) => Ok(Queued::Table(table)),
            None => Ok(Queued::Waiting(items.len())),
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

    async fn sweep(&self) -> Vec<(String, Vec<User>)> {
        let prefix = queue_key("");
        let queues: Vec<String> = match self
            .redis
            .query(redis::cmd("SMEMBERS").arg(queues_key()))
            .await
        {
            Ok(q) => q,
            Err(_) => return Vec::new(),
        };
        let mut tables = Vec::new();
        for queue in queues {
            let items: Vec<String> = match self
                .redis
                .query(redis::cmd("LRANGE").arg(&queue).arg(0).arg(-1))
                .await
            {
                Ok(items) => items,
                Err(_) => continue,
            };
            if items.is_empty() {
                let _ = self
                    .redis
                    .query::<i64>(redis::cmd("SREM").arg(queues_key()).arg(&queue))
                    .await;
                continue;
            }
            let needed: usize = self
                .redis
                .query::<Option<usize>>(redis::cmd("HGET").arg(sizes_key()).arg(&queue))
                .await
                .ok()
                .flatten()
                .unwrap_or(2);
            if let Ok(Some(table)) = self.take_table(&queue, &items, needed).await {
                let game_type = queue.strip_prefix(&prefix).unwrap_or(&queue).to_string();
                tables.push((game_type, table));
            }
        }
        tables
    }
}
