//! What one plugin instance can reach: a closed, deterministic WASI and the
//! `host` interface of the contract, under a memory limiter.
//!
//! Rust guests built for `wasm32-wasip2` import `wasi:cli`, `wasi:io` and
//! friends even when they never use them, so those are linked, but closed:
//! no preopened directories, no environment or arguments, empty stdin, a
//! clock stopped at the epoch, and a random source seeded by the host per
//! instance. Sockets are not linked at all, so a component that imports them
//! is refused at load.

use super::bindings::{v0_1, v0_2};
use gamehost_sdk::LogLevel;
use std::time::Duration;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{
    HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView,
};

/// Most log lines one call may write; the rest are dropped.
const LOG_LINES_PER_INSTANCE: u32 = 64;
/// Longest log line kept, in bytes.
const LOG_LINE_BYTES: usize = 1024;
/// How much of the guest's stderr is kept (panic messages land there).
const STDERR_BYTES: usize = 4096;

/// The store data of one instance.
pub struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    stderr: MemoryOutputPipe,
    /// Memory accounting, consulted by wasmtime before every growth.
    pub memory: MemoryLimiter,
    /// Tag for the plugin's log lines.
    plugin: String,
    log_lines: u32,
}

impl Sandbox {
    /// A sandbox for one instance of `plugin`, its random source seeded by
    /// `seed`.
    pub fn new(plugin: &str, seed: u64, memory_cap: usize) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_BYTES);
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .wall_clock(StoppedClock)
            .monotonic_clock(StoppedClock)
            .secure_random(seeded_bytes(seed))
            .insecure_random(seeded_bytes(seed ^ 0x5EED))
            .insecure_random_seed(u128::from(seed))
            .build();
        Sandbox {
            wasi,
            table: ResourceTable::new(),
            stderr,
            memory: MemoryLimiter::new(memory_cap),
            plugin: plugin.to_string(),
            log_lines: 0,
        }
    }

    /// The plugin's game id, as tagged.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// What the guest wrote to stderr (a panic message, usually), trimmed.
    pub fn stderr(&self) -> String {
        let bytes = self.stderr.contents();
        String::from_utf8_lossy(&bytes).trim().to_string()
    }
}

/// A random source whose bytes are a function of `seed` alone.
fn seeded_bytes(seed: u64) -> wasmtime_wasi::Deterministic {
    let mut rng = gamehost_sdk::Rng::new(seed);
    let bytes: Vec<u8> = (0..32).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
    wasmtime_wasi::Deterministic::new(bytes)
}

/// Both WASI clocks, stopped at zero: rules may not depend on time.
struct StoppedClock;

impl HostWallClock for StoppedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for StoppedClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl Sandbox {
    /// The contract's `log`: truncated, rate-limited, tagged with the plugin.
    fn write_log(&mut self, level: LogLevel, message: &str) {
        self.log_lines += 1;
        if self.log_lines > LOG_LINES_PER_INSTANCE {
            return;
        }
        let mut end = message.len().min(LOG_LINE_BYTES);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        let message = &message[..end];
        let plugin = self.plugin.as_str();
        match level {
            LogLevel::Trace => tracing::trace!(plugin, "{message}"),
            LogLevel::Debug => tracing::debug!(plugin, "{message}"),
            LogLevel::Info => tracing::info!(plugin, "{message}"),
            LogLevel::Warn => tracing::warn!(plugin, "{message}"),
            LogLevel::Error => tracing::error!(plugin, "{message}"),
        }
    }
}

impl v0_1::gamehost::plugin::host::Host for Sandbox {
    fn log(&mut self, level: v0_1::gamehost::plugin::host::LogLevel, message: String) {
        self.write_log(level.into(), &message);
    }
}

impl v0_2::gamehost::plugin::host::Host for Sandbox {
    fn log(&mut self, level: v0_2::gamehost::plugin::host::LogLevel, message: String) {
        self.write_log(level.into(), &message);
    }
}

impl v0_1::gamehost::plugin::types::Host for Sandbox {}
impl v0_2::gamehost::plugin::types::Host for Sandbox {}

/// Caps an instance's memory and remembers why a growth was refused, so the
/// failure can say which limit was hit and by how much.
pub struct MemoryLimiter {
    cap: usize,
    /// Largest memory size reached, in bytes.
    pub peak: usize,
    /// The size a refused growth asked for.
    pub refused: Option<usize>,
}

impl MemoryLimiter {
    fn new(cap: usize) -> Self {
        MemoryLimiter {
            cap,
            peak: 0,
            refused: None,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.cap {
            self.refused = Some(desired);
            // Trap rather than let the guest see a failed growth: Rust
            // guests abort on allocation failure anyway, and a trap here
            // keeps the reason.
            return Err(wasmtime::Error::msg(format!(
                "memory limit: tried to grow to {} MiB, the cap is {} MiB",
                desired >> 20,
                self.cap >> 20
            )));
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The interfaces a rules component may import, by WIT package. Anything
/// else (sockets, HTTP) is refused.
pub const ALLOWED_IMPORT_PACKAGES: &[&str] = &[
    "gamehost:plugin/",
    "wasi:cli/",
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:filesystem/",
];

/// Links the contract's `host` interface and the closed WASI.
pub fn link(linker: &mut Linker<Sandbox>) -> anyhow::Result<()> {
    use wasmtime_wasi::cli::{WasiCli, WasiCliView as _};
    use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView as _};
    use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView as _};
    use wasmtime_wasi::p2::bindings::sync as wasi;
    use wasmtime_wasi::random::WasiRandom;

    v0_1::Game::add_to_linker::<_, HasSelf<Sandbox>>(linker, |s| s)?;
    v0_2::Game::add_to_linker::<_, HasSelf<Sandbox>>(linker, |s| s)?;

    let l = linker;
    wasi::io::error::add_to_linker::<Sandbox, HasIo>(l, |s| &mut s.table)?;
    wasi::io::poll::add_to_linker::<Sandbox, HasIo>(l, |s| &mut s.table)?;
    wasi::io::streams::add_to_linker::<Sandbox, HasIo>(l, |s| &mut s.table)?;
    wasmtime_wasi::p2::bindings::clocks::wall_clock::add_to_linker::<Sandbox, WasiClocks>(
        l,
        Sandbox::clocks,
    )?;
    wasmtime_wasi::p2::bindings::clocks::monotonic_clock::add_to_linker::<Sandbox, WasiClocks>(
        l,
        Sandbox::clocks,
    )?;
    wasi::filesystem::types::add_to_linker::<Sandbox, WasiFilesystem>(l, Sandbox::filesystem)?;
    wasmtime_wasi::p2::bindings::filesystem::preopens::add_to_linker::<Sandbox, WasiFilesystem>(
        l,
        Sandbox::filesystem,
    )?;
    wasmtime_wasi::p2::bindings::random::random::add_to_linker::<Sandbox, WasiRandom>(l, |s| {
        s.random_ctx()
    })?;
    wasmtime_wasi::p2::bindings::random::insecure::add_to_linker::<Sandbox, WasiRandom>(l, |s| {
        s.random_ctx()
    })?;
    wasmtime_wasi::p2::bindings::random::insecure_seed::add_to_linker::<Sandbox, WasiRandom>(
        l,
        |s| s.random_ctx(),
    )?;
    {
        use wasmtime_wasi::p2::bindings::cli;
        cli::exit::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::environment::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::stdin::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::stdout::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::stderr::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::terminal_input::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::terminal_output::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::terminal_stdin::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::terminal_stdout::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
        cli::terminal_stderr::add_to_linker::<Sandbox, WasiCli>(l, Sandbox::cli)?;
    }
    Ok(())
}

impl Sandbox {
    fn random_ctx(&mut self) -> &mut wasmtime_wasi::random::WasiRandomCtx {
        self.wasi.random()
    }
}

struct HasIo;

impl wasmtime::component::HasData for HasIo {
    type Data<'a> = &'a mut ResourceTable;
}
