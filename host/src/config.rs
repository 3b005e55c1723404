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
    /// Limits of every plugin call.
    pub plugin: PluginSettings,
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            plugins_dir: PathBuf::from("target/plugins"),
            data_dir: PathBuf::from("data"),
            plugin: PluginSettings::default(),
        }
    }
}

impl Default for PluginSettings {
    fn default() -> Self {
        let limits = crate::plugin::Limits::default();
        PluginSettings {
            deadline_ms: limits.deadline.as_millis() as u64,
            memory_mib: limits.memory_bytes >> 20,
            output_kib: limits.output_bytes >> 10,
        }
    }
}

impl PluginSettings {
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
