//! A loaded plugin version and the fresh, limited instances it runs calls in.

use super::bindings::{AnyGame, AnyGamePre, rules_call};
use super::engine::{EPOCH_TICK, PluginEngine};
use super::health::{BreakerPolicy, Health};
use super::limits::Limits;
use super::sandbox::Sandbox;
use gamehost_sdk::{
    Context, Fault, FaultKind, Forfeit, GameInfo, MoveError, Rules, Seat, Setup, Transition, Viewer,
};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use wasmtime::Store;

/// One version of one game's rules, compiled and linked, ready to
/// instantiate. Cheap to clone.
#[derive(Clone)]
pub struct Plugin {
    inner: Arc<PluginInner>,
}

struct PluginInner {
    engine: PluginEngine,
    pre: AnyGamePre<Sandbox>,
    info: GameInfo,
    hash: String,
    limits: Limits,
    health: Health,
    /// Set when the version serves games: where a tripped breaker is told.
    monitor: OnceLock<Monitor>,
}

/// How a version's breaker is judged and where its tripping is told.
struct Monitor {
    policy: BreakerPolicy,
    tripped: tokio::sync::mpsc::UnboundedSender<String>,
}

impl Plugin {
    /// Compiles and links `bytes`, then asks the component for its
    /// `info`. Fails with a readable reason when the bytes are not a
    /// component, import something the host does not offer, or do not
    /// export the contract.
    pub fn load(engine: &PluginEngine, bytes: &[u8], limits: Limits) -> anyhow::Result<Self> {
        let (component, hash) = engine.compile(bytes)?;
        let pre = engine
            .linker()
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .map_err(|e| {
                anyhow::anyhow!(
                    "the component cannot be linked: {}",
                    super::limits::error_chain(&e)
                )
            })?;
        let pre = AnyGamePre::new(pre)?;
        let info = new_instance(engine, &pre, limits, "loading", 0)
            .and_then(|mut instance| instance.info())
            .map_err(|f| anyhow::anyhow!("info failed: {f}"))?;
        Ok(Plugin {
            inner: Arc::new(PluginInner {
                engine: engine.clone(),
                pre,
                info,
                hash,
                limits,
                health: Health::default(),
                monitor: OnceLock::new(),
            }),
        })
    }

    /// What the rules said about themselves at load.
    pub fn info(&self) -> &GameInfo {
        &self.inner.info
    }

    /// The contract version the component was built against (`0.2.0`).
    pub fn contract(&self) -> &'static str {
        self.inner.pre.contract()
    }

    /// sha256 of the component's bytes, hex.
    pub fn hash(&self) -> &str {
        &self.inner.hash
    }

    /// Counts this version's calls from [`Plugin::run`] against `policy`;
    /// when the breaker trips, the version's hash is sent to `tripped`.
    /// Only the first monitor set counts.
    pub fn monitor(
        &self,
        policy: BreakerPolicy,
        tripped: tokio::sync::mpsc::UnboundedSender<String>,
    ) {
        let _ = self.inner.monitor.set(Monitor { policy, tripped });
    }

    /// The breaker's counts.
    pub fn health(&self) -> &Health {
        &self.inner.health
    }

    /// A fresh instance whose WASI random source is seeded with `seed`.
    /// Calls on it share its memory; drop it to start clean.
    pub fn instantiate(&self, seed: u64) -> Result<Instance, Fault> {
        let inner = &self.inner;
        new_instance(
            &inner.engine,
            &inner.pre,
            inner.limits,
            &inner.info.id,
            seed,
        )
    }

    /// Runs `calls` on a fresh instance on the blocking thread pool, so a
    /// plugin call never holds up the async runtime's workers.
    pub async fn run<T: Send + 'static>(
        &self,
        seed: u64,
        calls: impl FnOnce(&mut Instance) -> Result<T, Fault> + Send + 'static,
    ) -> Result<T, Fault> {
        let plugin = self.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut instance = plugin.instantiate(seed)?;
            calls(&mut instance)
        })
        .await
        .unwrap_or_else(|e| {
            Err(Fault::new(
                FaultKind::Trap,
                format!("the plugin call panicked in the host: {e}"),
            ))
        });
        if let Some(monitor) = self.inner.monitor.get() {
            if let Err(fault) = &result {
                let info = &self.inner.info;
                crate::metrics::METRICS
                    .plugin_faults
                    .with_label_values(&[&info.id, &info.version, fault.kind.as_str()])
                    .inc();
            }
            if self.inner.health.record(result.is_err(), &monitor.policy) {
                let _ = monitor.tripped.send(self.inner.hash.clone());
            }
        }
        result
    }
}

/// A fresh instance of `pre` in a store of its own, under `limits`.
fn new_instance(
    engine: &PluginEngine,
    pre: &AnyGamePre<Sandbox>,
    limits: Limits,
    tag: &str,
    seed: u64,
) -> Result<Instance, Fault> {
    let mut store = Store::new(
        engine.engine(),
        Sandbox::new(tag, seed, limits.memory_bytes),
    );
    store.limiter(|s| &mut s.memory);
    store.set_epoch_deadline(deadline_ticks(limits.deadline));
    store.epoch_deadline_trap();
    let game = pre
        .instantiate(&mut store)
        .map_err(|e| classify(&store, e.into(), limits, "instantiate"))?;
    Ok(Instance {
        store,
        game,
        limits,
        broken: None,
        stats: CallStats::default(),
    })
}

fn deadline_ticks(deadline: Duration) -> u64 {
    (deadline.as_micros() / EPOCH_TICK.as_micros()).max(1) as u64 + 1
}

/// What the calls on one instance cost.
#[derive(Clone, Debug, Default)]
pub struct CallStats {
    /// Each call made: the export's name and how long it took.
    pub calls: Vec<(&'static str, Duration)>,
}

/// A fresh instance of a plugin. After a fault it refuses further calls:
/// an instance that trapped is in an unknown state.
pub struct Instance {
    store: Store<Sandbox>,
    game: AnyGame,
    limits: Limits,
    broken: Option<Fault>,
    stats: CallStats,
}

impl Instance {
    /// Peak linear memory of this instance so far, in bytes.
    pub fn peak_memory(&self) -> usize {
        self.store.data().memory.peak
    }

    /// Time spent in calls.
    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    /// Runs one export under the deadline, turning every failure into a
    /// [`Fault`] that says which limit was hit.
    fn call<T>(
        &mut self,
        name: &'static str,
        f: impl FnOnce(&AnyGame, &mut Store<Sandbox>) -> wasmtime::Result<T>,
    ) -> Result<T, Fault> {
        if let Some(fault) = &self.broken {
            return Err(Fault::new(
                fault.kind,
                format!(
                    "the instance is unusable after an earlier failure ({})",
                    fault.message
                ),
            ));
        }
        self.store
            .set_epoch_deadline(deadline_ticks(self.limits.deadline));
        let started = Instant::now();
        let result = f(&self.game, &mut self.store);
        let took = started.elapsed();
        self.stats.calls.push((name, took));
        crate::metrics::METRICS
            .plugin_calls
            .with_label_values(&[self.store.data().plugin(), name])
            .observe(took.as_secs_f64());
        result.map_err(|e| {
            let fault = classify(&self.store, e.into(), self.limits, name);
            self.broken = Some(fault.clone());
            fault
        })
    }

    fn check_size(&mut self, name: &str, len: usize) -> Result<(), Fault> {
        if len > self.limits.output_bytes {
            let fault = Fault::new(
                FaultKind::BadOutput,
                format!(
                    "{name} returned {len} bytes, more than the {} byte limit",
                    self.limits.output_bytes
                ),
            );
            self.broken = Some(fault.clone());
            return Err(fault);
        }
        Ok(())
    }

    fn check_json(&mut self, name: &str, text: &str) -> Result<(), Fault> {
        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return Ok(());
        }
        let fault = Fault::new(
            FaultKind::BadOutput,
            format!("{name} returned text that is not JSON: {}", preview(text)),
        );
        self.broken = Some(fault.clone());
        Err(fault)
    }

    fn check_transition(&mut self, name: &str, t: &Transition) -> Result<(), Fault> {
        let events: usize = t.events.iter().map(String::len).sum();
        self.check_size(name, t.state.len() + events)?;
        for event in &t.events {
            self.check_json(name, event)?;
        }
        Ok(())
    }
}

fn preview(text: &str) -> String {
    text.chars().take(60).collect()
}

/// Tells a deadline from a memory cap from a plain trap.
fn classify(store: &Store<Sandbox>, error: anyhow::Error, limits: Limits, call: &str) -> Fault {
    let sandbox = store.data();
    if let Some(wanted) = sandbox.memory.refused {
        return Fault::new(
            FaultKind::Memory,
            format!(
                "{call} tried to grow memory to {} MiB; the cap is {} MiB",
                wanted >> 20,
                limits.memory_bytes >> 20
            ),
        );
    }
    if let Some(wasmtime::Trap::Interrupt) = error.downcast_ref::<wasmtime::Trap>() {
        return Fault::new(
            FaultKind::Deadline,
            format!(
                "{call} ran past its {} ms deadline",
                limits.deadline.as_millis()
            ),
        );
    }
    let kind = if call == "instantiate" {
        FaultKind::Instantiate
    } else {
        FaultKind::Trap
    };
    let stderr = sandbox.stderr();
    let mut message = format!("{call} trapped: {}", super::limits::error_chain(&error));
    if !stderr.is_empty() {
        message.push_str(&format!(" (guest said: {})", preview_tail(&stderr, 400)));
    }
    Fault::new(kind, message)
}

fn preview_tail(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let start = chars.len().saturating_sub(max);
    chars[start..].iter().collect::<String>().replace('\n', " ")
}

impl Rules for Instance {
    fn info(&mut self) -> Result<GameInfo, Fault> {
        self.call("info", |g, s| {
            rules_call!(g, |r| r.call_info(s).map(GameInfo::from))
        })
    }

    fn start(&mut self, setup: &Setup) -> Result<Result<Transition, String>, Fault> {
        let result = self.call("start", |g, s| {
            rules_call!(g, |r| r
                .call_start(s, &setup.into())
                .map(|started| started.map(Transition::from)))
        })?;
        match result {
            Ok(t) => {
                self.check_transition("start", &t)?;
                Ok(Ok(t))
            }
            Err(why) => Ok(Err(why)),
        }
    }

    fn apply(
        &mut self,
        state: &[u8],
        ctx: &Context,
        mv: &str,
    ) -> Result<Result<Transition, MoveError>, Fault> {
        let result = self.call("apply", |g, s| {
            rules_call!(g, |r| r.call_apply(s, state, ctx.into(), mv).map(
                |applied| applied.map(Transition::from).map_err(MoveError::from)
            ))
        })?;
        match result {
            Ok(t) => {
                self.check_transition("apply", &t)?;
                Ok(Ok(t))
            }
            Err(refused) => Ok(Err(refused)),
        }
    }

    fn view(&mut self, state: &[u8], viewer: Viewer) -> Result<String, Fault> {
        let view = self.call("view", |g, s| {
            rules_call!(g, |r| r.call_view(s, state, viewer.into()))
        })?;
        self.check_size("view", view.len())?;
        Ok(view)
    }

    fn legal_moves(&mut self, state: &[u8], seat: Seat) -> Result<Vec<String>, Fault> {
        let moves = self.call("legal-moves", |g, s| {
            rules_call!(g, |r| r.call_legal_moves(s, state, seat))
        })?;
        self.check_size("legal-moves", moves.iter().map(String::len).sum())?;
        for mv in &moves {
            self.check_json("legal-moves", mv)?;
        }
        Ok(moves)
    }

    fn forfeit(&mut self, state: &[u8], seat: Seat, why: Forfeit) -> Result<Transition, Fault> {
        let t = self.call("forfeit", |g, s| {
            rules_call!(g, |r| r
                .call_forfeit(s, state, seat, why.into())
                .map(Transition::from))
        })?;
        self.check_transition("forfeit", &t)?;
        Ok(t)
    }
}
