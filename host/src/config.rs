//! Settings of `gamehost serve`: defaults that run out of the box, a TOML
//! file (`--config`, `GAMEHOST_CONFIG`), and `GAMEHOST_*` variables and
//! flags, each overriding the one before.

use anyhow::Context as _;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Everything `gamehost serve` needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Folder of rules components (`*.wasm`) loaded at start.
    pub plugins_dir: PathBuf,
    /// Folder for the embedded store and the compiled-component cache.
    pub data_dir: PathBuf,
    /// Folder of the built browser client, served at `/`.
    pub web_dir: PathBuf,
    /// Limits of every plugin call.
    pub plugin: PluginSettings,
    /// Socket.IO transport settings.
    pub socket: SocketSettings,
    /// Token keys.
    pub auth: AuthSettings,
    /// Per-user event budget.
    pub rate_limit: RateLimitSettings,
    /// How long a player who dropped keeps their seat, in ms (and a user
    /// who dropped keeps their lobby rooms, queue place and subscriptions).
    pub reconnect_grace_ms: u64,
    /// How long a game may wait for its free seats before it expires, in ms.
    pub waiting_game_expiry_ms: u64,
    /// Lobby caps.
    pub lobby: LobbySettings,
    /// MongoDB for durable state instead of the embedded SQLite file
    /// (`mongodb://host:port/database`); set it on every node of a cluster.
    pub mongodb_url: Option<String>,
    /// Redis shared by the nodes of a cluster (`redis://host:port`).
    pub redis_url: Option<String>,
}

/// Lobby caps.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LobbySettings {
    /// Most open rooms one game type's lobby holds.
    pub max_rooms_per_type: usize,
    /// Most open rooms one user may have opened at once.
    pub max_rooms_per_user: usize,
}

impl Default for LobbySettings {
    fn default() -> Self {
        let d = crate::lobby::LobbyLimits::default();
        LobbySettings {
            max_rooms_per_type: d.max_rooms_per_type,
            max_rooms_per_user: d.max_rooms_per_user,
        }
    }
}

impl LobbySettings {
    /// As the lobby takes them.
    pub fn limits(&self) -> crate::lobby::LobbyLimits {
        crate::lobby::LobbyLimits {
            max_rooms_per_type: self.max_rooms_per_type.max(1),
            max_rooms_per_user: self.max_rooms_per_user.max(1),
        }
    }
}

/// Socket.IO settings (the seed design's values by default).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SocketSettings {
    /// Interval between server pings, in ms.
    pub ping_interval_ms: u64,
    /// How long to wait for a pong before closing, in ms.
    pub ping_timeout_ms: u64,
    /// How long a transport upgrade may take, in ms.
    pub upgrade_timeout_ms: u64,
    /// Largest message a client may send, in bytes.
    pub max_payload_bytes: u64,
    /// Origins allowed to connect from a browser (CORS, with credentials).
    pub cors_origins: Vec<String>,
}

impl Default for SocketSettings {
    fn default() -> Self {
        SocketSettings {
            ping_interval_ms: 25_000,
            ping_timeout_ms: 60_000,
            upgrade_timeout_ms: 10_000,
            max_payload_bytes: 1_000_000,
            cors_origins: vec!["http://localhost:3000".into()],
        }
    }
}

/// Where token keys come from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 secret (at least 32 bytes). Without one the host keeps a
    /// random secret in `DATA_DIR/token-secret`.
    pub secret: Option<String>,
    /// PEM files of RS256 public keys of platforms that issue tokens.
    pub rsa_public_keys: Vec<PathBuf>,
    /// PEM files of Ed25519 public keys of platforms that issue tokens.
    pub ed25519_public_keys: Vec<PathBuf>,
}

/// Per-user event budget.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Sustained events per second.
    pub per_second: u32,
    /// Extra events allowed at once.
    pub burst: u32,
    /// Refused events in a row after which the socket is disconnected.
    pub disconnect_after: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let d = crate::realtime::RateLimit::default();
        RateLimitSettings {
            per_second: d.per_second,
            burst: d.burst,
            disconnect_after: d.disconnect_after,
        }
    }
}

impl RateLimitSettings {
    /// As the realtime layer takes it.
    pub fn rate_limit(&self) -> crate::realtime::RateLimit {
        crate::realtime::RateLimit {
            per_second: self.per_second,
            burst: self.burst,
            disconnect_after: self.disconnect_after,
        }
    }
}

/// Plugin call limits, as written in the config file.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginSettings {
    /// CPU deadline of one call, in milliseconds.
    pub deadline_ms: u64,
    /// Memory cap of one instance, in MiB.
    pub memory_mib: usize,
    /// Largest output of one call, in KiB.
    pub output_kib: usize,
    /// Largest component an admin may upload, in MiB.
    pub max_upload_mib: usize,
    /// A version neither active nor pinned by a running game is unloaded
    /// after this long unused, in seconds.
    pub unload_after_secs: u64,
    /// The breaker counts calls over this window, in seconds.
    pub breaker_window_secs: u64,
    /// Fewest calls in the window before the breaker may trip.
    pub breaker_min_calls: u32,
    /// Share of failed calls (0-1) that trips the breaker.
    pub breaker_failure_ratio: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            plugins_dir: PathBuf::from("target/plugins"),
            data_dir: PathBuf::from("data"),
            web_dir: PathBuf::from("web/dist"),
            plugin: PluginSettings::default(),
            socket: SocketSettings::default(),
            auth: AuthSettings::default(),
            rate_limit: RateLimitSettings::default(),
            reconnect_grace_ms: 30_000,
            waiting_game_expiry_ms: crate::game::service::DEFAULT_WAITING_EXPIRY_MS,
            lobby: LobbySettings::default(),
            mongodb_url: None,
            redis_url: None,
        }
    }
}

impl Default for PluginSettings {
    fn default() -> Self {
        let limits = crate::plugin::Limits::default();
        let breaker = crate::plugin::health::BreakerPolicy::default();
        PluginSettings {
            deadline_ms: limits.deadline.as_millis() as u64,
            memory_mib: limits.memory_bytes >> 20,
            output_kib: limits.output_bytes >> 10,
            max_upload_mib: 32,
            unload_after_secs: 300,
            breaker_window_secs: breaker.window.as_secs(),
            breaker_min_calls: breaker.min_calls,
            breaker_failure_ratio: breaker.failure_ratio,
        }
    }
}

impl PluginSettings {
    /// When a version's breaker trips.
    pub fn breaker(&self) -> crate::plugin::health::BreakerPolicy {
        crate::plugin::health::BreakerPolicy {
            window: Duration::from_secs(self.breaker_window_secs.max(1)),
            min_calls: self.breaker_min_calls.max(1),
            failure_ratio: self.breaker_failure_ratio.clamp(0.0, 1.0),
        }
    }

    /// The limits these settings describe.
    pub fn limits(&self) -> crate::plugin::Limits {
        crate::plugin::Limits {
            deadline: Duration::from_millis(self.deadline_ms.max(1)),
            memory_bytes: self.memory_mib.max(1) << 20,
            output_bytes: self.output_kib.max(1) << 10,
        }
    }
}

impl Config {
    /// Reads `path`, or returns the defaults when there is no file.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config {}", path.display()))
    }

    /// The token keys: the configured secret, or the one kept in the data
    /// folder (created on first use).
    pub fn key_settings(&self) -> anyhow::Result<crate::auth::KeySettings> {
        let secret = match &self.auth.secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => crate::auth::load_or_create_secret(&self.data_dir.join("token-secret"))?,
        };
        Ok(crate::auth::KeySettings {
            secret,
            rsa_public_keys: self.auth.rsa_public_keys.clone(),
            ed25519_public_keys: self.auth.ed25519_public_keys.clone(),
        })
    }

    /// The embedded database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("gamehost.db")
    }

    /// Where compiled components are cached.
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("compiled")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_override_defaults_and_unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("gamehost-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gamehost.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9999\"\n[plugin]\ndeadline_ms = 50\n",
        )
        .unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.listen.port(), 9999);
        assert_eq!(config.plugin.limits().deadline, Duration::from_millis(50));
        assert_eq!(config.plugins_dir, Config::default().plugins_dir);

        std::fs::write(&path, "listne = \"127.0.0.1:9999\"\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err();
        assert!(format!("{err:#}").contains("listne"), "{err:#}");
    }
}
