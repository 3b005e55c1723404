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
    /// Who may create tournaments, and how often they are stepped.
    pub tournaments: TournamentConfig,
    /// What one user or one client address may hold or send.
    pub limits: LimitSettings,
    /// MongoDB for durable state instead of the embedded SQLite file
    /// (`mongodb://host:port/database`); set it on every node of a cluster.
    pub mongodb_url: Option<String>,
    /// Redis shared by the nodes of a cluster (`redis://host:port`).
    pub redis_url: Option<String>,
}

/// What one user or one client address may hold or send.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Games one user created that may wait for players at once.
    pub waiting_games_per_user: usize,
    /// Games one user may spectate at once.
    pub spectated_games_per_user: usize,
    /// Open connections, in total.
    pub max_connections: usize,
    /// Open connections from one client address.
    pub max_connections_per_address: usize,
    /// Sustained HTTP API requests per second from one client address.
    pub api_per_second: u32,
    /// HTTP API requests one client address may send at once.
    pub api_burst: u32,
    /// Guest tokens one client address may take per minute.
    pub guests_per_minute: u32,
    /// Guest tokens one client address may take at once.
    pub guest_burst: u32,
    /// Proxies in front of the host whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Loopback clients skip the per-address caps and budgets.
    pub exempt_loopback: bool,
    /// How long a client may take to send a request's headers (and sit
    /// idle between requests), in ms.
    pub header_read_timeout_ms: u64,
    /// How long a client may take to send a request's body, in ms.
    pub body_timeout_ms: u64,
    /// How long a public API request may take to answer, in ms.
    pub request_timeout_ms: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        let caps = crate::game::service::UserCaps::default();
        let admission = crate::http::admission::AdmissionSettings::default();
        LimitSettings {
            waiting_games_per_user: caps.waiting_games,
            spectated_games_per_user: caps.spectating,
            max_connections: admission.max_connections,
            max_connections_per_address: admission.max_connections_per_address,
            api_per_second: admission.api_per_second,
            api_burst: admission.api_burst,
            guests_per_minute: admission.guests_per_minute,
            guest_burst: admission.guest_burst,
            trusted_proxies: admission.trusted_proxies,
            exempt_loopback: admission.exempt_loopback,
            header_read_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            request_timeout_ms: 30_000,
        }
    }
}

impl LimitSettings {
    /// The connection caps and HTTP budgets.
    pub fn admission(&self) -> crate::http::admission::AdmissionSettings {
        crate::http::admission::AdmissionSettings {
            max_connections: self.max_connections.max(1),
            max_connections_per_address: self.max_connections_per_address.max(1),
            api_per_second: self.api_per_second,
            api_burst: self.api_burst,
            guests_per_minute: self.guests_per_minute,
            guest_burst: self.guest_burst,
            trusted_proxies: self.trusted_proxies.clone(),
            exempt_loopback: self.exempt_loopback,
        }
    }

    /// The HTTP time limits.
    pub fn timeouts(&self) -> crate::http::Timeouts {
        let ms = |v: u64| Duration::from_millis(v.max(100));
        crate::http::Timeouts {
            header_read: ms(self.header_read_timeout_ms),
            body: ms(self.body_timeout_ms),
            request: ms(self.request_timeout_ms),
        }
    }

    /// The per-user caps, as the game service takes them.
    pub fn user_caps(&self) -> crate::game::service::UserCaps {
        crate::game::service::UserCaps {
            waiting_games: self.waiting_games_per_user,
            spectating: self.spectated_games_per_user,
        }
    }
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

/// Tournament settings (`[tournaments]`).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TournamentConfig {
    /// Players (not only admins) may create tournaments.
    pub players_may_create: bool,
    /// Open tournaments one player may have created at once.
    pub open_per_player: usize,
    /// How often every open tournament is checked, in ms.
    pub tick_ms: u64,
}

impl Default for TournamentConfig {
    fn default() -> Self {
        let d = crate::tournament::TournamentSettings::default();
        TournamentConfig {
            players_may_create: d.players_may_create,
            open_per_player: d.open_per_player,
            tick_ms: d.tick_ms,
        }
    }
}

impl TournamentConfig {
    /// As the tournament service takes them.
    pub fn settings(&self) -> crate::tournament::TournamentSettings {
        crate::tournament::TournamentSettings {
            players_may_create: self.players_may_create,
            open_per_player: self.open_per_player.max(1),
            tick_ms: self.tick_ms.clamp(100, 60_000),
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
    /// Largest message a client may send, in bytes, on either transport
    /// (a polling request body, a websocket message or frame).
    pub max_payload_bytes: u64,
    /// How long a new connection may take to authenticate (send its
    /// CONNECT with a token), in ms; it is closed after that.
    pub connect_timeout_ms: u64,
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
            connect_timeout_ms: 5_000,
            cors_origins: vec!["http://localhost:3000".into()],
        }
    }
}

/// Where token keys come from.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 secret (at least 32 bytes). Without one the host keeps a
    /// random secret in `DATA_DIR/token-secret`.
    pub secret: Option<String>,
    /// PEM files of RS256 public keys of platforms that issue tokens.
    pub rsa_public_keys: Vec<PathBuf>,
    /// PEM files of Ed25519 public keys of platforms that issue tokens.
    pub ed25519_public_keys: Vec<PathBuf>,
    /// Clock skew allowed on a token's `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            secret: None,
            rsa_public_keys: Vec::new(),
            ed25519_public_keys: Vec::new(),
            leeway_secs: crate::auth::DEFAULT_LEEWAY_SECS,
        }
    }
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
    /// Most memory compiling one new component may take, in MiB.
    pub compile_memory_mib: u64,
    /// Longest compiling one new component may take, in seconds.
    pub compile_timeout_secs: u64,
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
            tournaments: TournamentConfig::default(),
            limits: LimitSettings::default(),
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
            compile_memory_mib: 1024,
            compile_timeout_secs: 120,
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

    /// The budget of compiling a new component in a child process
    /// (`program`, this binary).
    pub fn compile_budget(&self, program: PathBuf) -> crate::plugin::isolation::CompileBudget {
        crate::plugin::isolation::CompileBudget {
            program,
            memory_bytes: self.compile_memory_mib.max(64) << 20,
            time: Duration::from_secs(self.compile_timeout_secs.max(1)),
            instance_memory_bytes: self.limits().memory_bytes,
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
            leeway_secs: self.auth.leeway_secs,
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
