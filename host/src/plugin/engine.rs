//! The one wasmtime engine of the process: its configuration, the epoch
//! ticker that enforces call deadlines, the linker, and compilation with an
//! on-disk cache of compiled components.

use super::sandbox::{self, Sandbox};
use anyhow::Context as _;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the engine's epoch advances. A call's deadline is a number of
/// these ticks, so deadlines are accurate to about one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(2);

/// Bytes of each pooled memory kept mapped between instances.
const RESIDENT_BYTES: usize = 2 << 20;

/// Instances that may exist at once (one per call in flight).
const POOLED_INSTANCES: u32 = 256;

/// The engine, its linker and its compile cache. Cheap to clone.
#[derive(Clone)]
pub struct PluginEngine {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    linker: Linker<Sandbox>,
    cache_dir: Option<PathBuf>,
    /// Hex digest of what makes compiled code reusable by this engine.
    compatibility: String,
    /// New components are compiled by a child process within this budget.
    isolation: Option<super::limits::CompileBudget>,
}

impl PluginEngine {
    /// Builds the engine. `cache_dir`, when given, keeps compiled components
    /// between runs; `memory_cap` bounds every instance's linear memory.
    pub fn new(cache_dir: Option<PathBuf>, memory_cap: usize) -> anyhow::Result<Self> {
        Self::with_pool(cache_dir, memory_cap, POOLED_INSTANCES)
    }

    /// An engine that only compiles (into `cache_dir`), for the child
    /// process of an isolated compile: the same settings as [`Self::new`]
    /// (so the host can load what it writes) with the smallest instance
    /// pool, whose reserved stacks would otherwise count against the
    /// child's memory budget.
    pub fn for_compiling(cache_dir: PathBuf, memory_cap: usize) -> anyhow::Result<Self> {
        Self::with_pool(Some(cache_dir), memory_cap, 1)
    }

    fn with_pool(
        cache_dir: Option<PathBuf>,
        memory_cap: usize,
        instances: u32,
    ) -> anyhow::Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        // Component calls cost two to three times more with concurrency
        // support on, and rules need none of it.
        config.concurrency_support(false);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(instances);
        pool.total_core_instances(instances * 4);
        pool.total_memories(instances * 2);
        pool.total_tables(instances * 4);
        if instances < POOLED_INSTANCES {
            pool.total_stacks(instances);
        }
        pool.max_memory_size(memory_cap.max(1 << 20));
        // A fresh instance per call is the isolation model, so slots are
        // reused constantly: reset the pages a call dirtied with memset
        // (found through PAGEMAP_SCAN where the kernel has it) instead of
        // unmapping them and taking a page fault on each again next call.
        pool.linear_memory_keep_resident(RESIDENT_BYTES);
        pool.table_keep_resident(64 << 10);
        pool.pagemap_scan(wasmtime::Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config)
            .map_err(anyhow::Error::from)
            .context("configuring wasmtime")?;

        let mut linker = Linker::new(&engine);
        sandbox::link(&mut linker)?;

        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let compatibility = format!("{:016x}", hasher.finish());

        start_epoch_ticker(&engine);
        if let Some(dir) = &cache_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating cache folder {}", dir.display()))?;
        }
        Ok(PluginEngine {
            inner: Arc::new(Inner {
                engine,
                linker,
                cache_dir,
                compatibility,
                isolation: None,
            }),
        })
    }

    /// Components this engine has not compiled before are compiled by a
    /// child process within `budget` first ([`super::isolation`]). Needs
    /// the compile cache; call it before cloning the engine.
    pub fn isolate_compiles(mut self, budget: super::limits::CompileBudget) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.isolation = Some(budget),
            None => tracing::warn!("the engine is shared already: compiles stay in process"),
        }
        self
    }

    /// The budget of isolated compiles, when they are.
    pub fn isolation(&self) -> Option<&super::limits::CompileBudget> {
        self.inner.isolation.as_ref()
    }

    /// Where the compiled form of `bytes` is cached, when there is a cache.
    pub fn cache_file(&self, bytes: &[u8]) -> Option<PathBuf> {
        self.cache_path(&hex::encode(Sha256::digest(bytes)))
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The linker holding everything a plugin may import.
    pub fn linker(&self) -> &Linker<Sandbox> {
        &self.inner.linker
    }

    /// Compiles `bytes` (a component), or loads the compiled form from the
    /// cache when this engine compiled the same bytes before.
    pub fn compile(&self, bytes: &[u8]) -> anyhow::Result<(Component, String)> {
        let hash = hex::encode(Sha256::digest(bytes));
        let cached = self.cache_path(&hash);
        if let Some(path) = &cached
            && path.exists()
        {
            // SAFETY: the cache folder holds only files this process family
            // wrote with `Component::serialize` for an engine of the same
            // compatibility hash (part of the file name); wasmtime checks the
            // header again and refuses a mismatch, which falls through to a
            // fresh compile below.
            #[allow(unsafe_code)]
            match unsafe { Component::deserialize_file(&self.inner.engine, path) } {
                Ok(component) => return Ok((component, hash)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "discarding unusable compiled component")
                }
            }
        }
        let component = Component::new(&self.inner.engine, bytes)
            .map_err(anyhow::Error::from)
            .context("not a valid WebAssembly component")?;
        if let Some(path) = &cached {
            match component.serialize() {
                // Write then rename, so a reader never sees half a file.
                Ok(compiled) => {
                    let partial = path.with_extension("partial");
                    if let Err(e) = std::fs::write(&partial, compiled)
                        .and_then(|_| std::fs::rename(&partial, path))
                    {
                        tracing::warn!(path = %path.display(), error = %e, "could not cache compiled component");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not serialize compiled component"),
            }
        }
        Ok((component, hash))
    }

    fn cache_path(&self, hash: &str) -> Option<PathBuf> {
        let dir: &Path = self.inner.cache_dir.as_deref()?;
        Some(dir.join(format!("{hash}-{}.cwasm", self.inner.compatibility)))
    }
}

/// Advances the epoch forever on a background thread. Cheap: one wake-up per
/// tick, and the thread holds only a weak handle so it ends with the engine.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("wasm-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the epoch ticker: plugin deadlines will not fire");
    }
}
