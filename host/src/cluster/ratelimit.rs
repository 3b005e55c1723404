//! The per-user event budget shared by every node: the same generic cell
//! rate algorithm as the node's own limiter (governor), its state (the
//! "theoretical arrival time") kept in Redis and updated by one script, so
//! a user with sockets on several nodes has one budget.

use super::{PREFIX, Redis};
use crate::realtime::{RateLimit, SharedRateLimit};

/// Allows an event if the user's arrival time, advanced by one emission
/// interval, stays within the burst tolerance of now. ARGV: now (ms),
/// interval (ms), tolerance (ms). Returns 1 to allow, 0 to refuse.
const GCRA: &str = r"
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local next_tat = tat + interval
if next_tat - now > tolerance + interval then return 0 end
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil(tolerance + interval))
return 1
";

/// The cluster-wide limiter.
pub struct RedisRateLimit {
    redis: Redis,
    script: redis::Script,
    interval_ms: f64,
    tolerance_ms: f64,
}

impl RedisRateLimit {
    /// A limiter of `rate` on `redis`.
    pub fn new(redis: Redis, rate: RateLimit) -> Self {
        let interval_ms = 1000.0 / f64::from(rate.per_second.max(1));
        RedisRateLimit {
            redis,
            script: redis::Script::new(GCRA),
            interval_ms,
            tolerance_ms: interval_ms * f64::from(rate.burst.max(1).saturating_sub(1)),
        }
    }
}

#[async_trait::async_trait]
impl SharedRateLimit for RedisRateLimit {
    async fn allow(&self, user_id: &str) -> bool {
        let key = format!("{PREFIX}:rate:{user_id}");
        let now = crate::base::clock::now_ms();
        let allowed: anyhow::Result<i64> = self
            .redis
            .invoke(
                self.script
                    .key(key)
                    .arg(now)
                    .arg(self.interval_ms)
                    .arg(self.tolerance_ms),
            )
            .await;
        // With Redis away, the node's own limiter still holds.
        allowed.map_or(true, |a| a == 1)
    }
}
