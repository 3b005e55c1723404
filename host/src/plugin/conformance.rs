//! `gamehost plugin check`: the SDK's rules checks run against a compiled
//! component, plus what only the sandbox can check: that the bytes are a
//! component, what it imports, and what each call costs.

use super::engine::PluginEngine;
use super::instance::{Instance, Plugin};
use super::limits::Limits;
use super::sandbox::ALLOWED_IMPORT_PACKAGES;
use gamehost_sdk::conformance::{self, CheckOptions, Report};
use gamehost_sdk::{
    Context, Fault, Forfeit, GameInfo, MoveError, Rules, Seat, Setup, Transition, Viewer,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// What the cost check allows one call and one instance.
#[derive(Clone, Copy, Debug)]
pub struct CostBudget {
    /// Slowest any single call may be.
    pub call: Duration,
    /// Most linear memory any instance may reach, in bytes.
    pub memory_bytes: usize,
}

impl Default for CostBudget {
    fn default() -> Self {
        CostBudget {
            call: Duration::from_millis(50),
            memory_bytes: 32 << 20,
        }
    }
}

/// Runs every check on the component in `bytes`.
pub fn check_component(
    engine: &PluginEngine,
    bytes: &[u8],
    options: &CheckOptions,
    budget: CostBudget,
) -> Report {
    let mut report = Report::new(options.seed);
    let component = match engine.compile(bytes) {
        Ok((component, hash)) => {
            report.record(
                "component",
                Ok(format!("valid component, sha256 {}", &hash[..16])),
            );
            component
        }
        Err(e) => {
            report.record("component", Err(super::limits::error_chain(&e)));
            return report;
        }
    };
    let imports = check_imports(engine, &component);
    let imports_ok = imports.is_ok();
    report.record("imports", imports);
    if !imports_ok {
        return report;
    }
    let plugin = match Plugin::load(engine, bytes, Limits::default()) {
        Ok(plugin) => plugin,
        Err(e) => {
            report.record("load", Err(super::limits::error_chain(&e)));
            return report;
        }
    };
    report.record(
        "contract",
        Ok(format!(
            "built against gamehost:plugin {}",
            plugin.contract()
        )),
    );
    let cost = Rc::new(RefCell::new(Cost::default()));
    let mut instances = |seed: u64| -> Result<Box<dyn Rules>, Fault> {
        Ok(Box::new(FreshInstances {
            plugin: plugin.clone(),
            seed,
            cost: cost.clone(),
        }))
    };
    let rules_report = conformance::run(&mut instances, options);
    report.game = rules_report.game;
    report.checks.extend(rules_report.checks);
    let cost = cost.borrow();
    report.record("cost", check_cost(&plugin, &cost, budget));
    report
}

fn check_imports(
    engine: &PluginEngine,
    component: &wasmtime::component::Component,
) -> Result<String, String> {
    let ty = component.component_type();
    let names: Vec<String> = ty
        .imports(engine.engine())
        .map(|(name, _)| name.to_string())
        .collect();
    let forbidden: Vec<&String> = names
        .iter()
        .filter(|name| {
            !ALLOWED_IMPORT_PACKAGES
                .iter()
                .any(|allowed| name.starts_with(allowed))
        })
        .collect();
    if !forbidden.is_empty() {
        let list = forbidden
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(format!(
            "imports {list}, which rules may not use (allowed: gamehost:plugin/host and the closed wasi:cli, io, clocks, random and filesystem)"
        ));
    }
    // Something allowed by package but not offered (a newer interface version,
    // say) would still fail to link: say so here rather than at load.
    if let Err(e) = engine.linker().instantiate_pre(component) {
        return Err(format!(
            "cannot be linked: {}",
            super::limits::error_chain(&e.into())
        ));
    }
    Ok(format!("{} imports, all allowed", names.len()))
}

/// How many of each export's slowest calls are re-run before judging.
const SLOWEST_KEPT: usize = 5;
/// How many times each is re-run.
const RERUNS: usize = 5;

/// One call's inputs, kept for the slowest calls so they can be re-run.
#[derive(Clone)]
enum Call {
    Info,
    Start(Setup),
    Apply(Vec<u8>, Context, String),
    View(Vec<u8>, Viewer),
    LegalMoves(Vec<u8>, Seat),
    Forfeit(Vec<u8>, Seat, Forfeit),
}

impl Call {
    fn run(&self, instance: &mut Instance) -> Result<(), Fault> {
        match self {
            Call::Info => instance.info().map(drop),
            Call::Start(setup) => instance.start(setup).map(drop),
            Call::Apply(state, ctx, mv) => instance.apply(state, ctx, mv).map(drop),
            Call::View(state, viewer) => instance.view(state, *viewer).map(drop),
            Call::LegalMoves(state, seat) => instance.legal_moves(state, *seat).map(drop),
            Call::Forfeit(state, seat, why) => instance.forfeit(state, *seat, *why).map(drop),
        }
    }
}

/// Every call's duration by export, the slowest calls' inputs, and the
/// largest instance.
#[derive(Default)]
struct Cost {
    calls: std::collections::BTreeMap<&'static str, Vec<Duration>>,
    slowest: std::collections::BTreeMap<&'static str, Vec<(Duration, Call)>>,
    peak_memory: usize,
}

impl Cost {
    fn record(&mut self, name: &'static str, took: Duration, call: impl FnOnce() -> Call) {
        self.calls.entry(name).or_default().push(took);
        let kept = self.slowest.entry(name).or_default();
        if kept.len() < SLOWEST_KEPT {
            kept.push((took, call()));
        } else if let Some(fastest) = kept.iter_mut().min_by_key(|(t, _)| *t)
            && took > fastest.0
        {
            *fastest = (took, call());
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(rank).copied().unwrap_or_default()
}

/// Re-runs `call` up to [`RERUNS`] times on fresh instances and returns the
/// median time, stopping as soon as a majority of runs is on one side of
/// `budget` (a slow call is not run more than it must be).
fn settle(plugin: &Plugin, call: &Call, budget: Duration) -> Duration {
    let majority = RERUNS / 2 + 1;
    let mut times = Vec::new();
    for _ in 0..RERUNS {
        let Some(took) = plugin.instantiate(1).ok().and_then(|mut instance| {
            call.run(&mut instance).ok()?;
            instance.stats().calls.last().map(|(_, took)| *took)
        }) else {
            break;
        };
        times.push(took);
        let over = times.iter().filter(|t| **t > budget).count();
        if over >= majority || times.len() - over >= majority {
            break;
        }
    }
    times.sort_unstable();
    percentile(&times, 0.5)
}

/// Judges each export by its slowest calls, each re-run on fresh instances:
/// a call whose re-runs are over budget (median) is genuinely slow; one
/// whose re-runs are fast was a stall of the machine, not of the rules. The
/// report shows each export's p50, p95 and slowest call, and what the
/// slowest took when re-run.
fn check_cost(plugin: &Plugin, cost: &Cost, budget: CostBudget) -> Result<String, String> {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut parts = Vec::new();
    let mut over = Vec::new();
    for (name, times) in &cost.calls {
        let mut sorted = times.clone();
        sorted.sort_unstable();
        let slowest = sorted.last().copied().unwrap_or_default();
        let settled = cost
            .slowest
            .get(name)
            .map(|kept| {
                kept.iter()
                    .map(|(_, call)| settle(plugin, call, budget.call))
                    .max()
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        parts.push(format!(
            "{name} p50 {:.3} ms, p95 {:.3} ms, slowest {:.1} ms (re-run {:.1} ms), {} calls",
            ms(percentile(&sorted, 0.5)),
            ms(percentile(&sorted, 0.95)),
            ms(slowest),
            ms(settled),
            sorted.len()
        ));
        if settled > budget.call {
            over.push(format!(
                "{name}'s slowest calls take {:.1} ms when re-run (slowest seen {:.1} ms)",
                ms(settled),
                ms(slowest)
            ));
        }
    }
    let memory = format!(
        "peak memory {:.1} MiB (budget {} MiB)",
        cost.peak_memory as f64 / f64::from(1 << 20),
        budget.memory_bytes >> 20
    );
    if cost.peak_memory > budget.memory_bytes {
        over.push(memory.clone());
    }
    let summary = format!(
        "{}; budget {} ms per call; {memory}",
        parts.join("; "),
        budget.call.as_millis()
    );
    if over.is_empty() {
        Ok(summary)
    } else {
        Err(format!("over budget: {}. {summary}", over.join("; ")))
    }
}

/// The component as [`Rules`], each call in a fresh instance as in
/// production, so one call's fault cannot spill into the next check and
/// nothing survives between calls.
struct FreshInstances {
    plugin: Plugin,
    seed: u64,
    cost: Rc<RefCell<Cost>>,
}

impl FreshInstances {
    fn with<T>(
        &mut self,
        input: impl FnOnce() -> Call,
        call: impl FnOnce(&mut Instance) -> Result<T, Fault>,
    ) -> Result<T, Fault> {
        let mut instance = self.plugin.instantiate(self.seed)?;
        let result = call(&mut instance);
        let mut cost = self.cost.borrow_mut();
        // One call per fresh instance.
        if let Some((name, took)) = instance.stats().calls.first() {
            cost.record(name, *took, input);
        }
        cost.peak_memory = cost.peak_memory.max(instance.peak_memory());
        result
    }
}

impl Rules for FreshInstances {
    fn info(&mut self) -> Result<GameInfo, Fault> {
        self.with(|| Call::Info, |i| i.info())
    }

    fn start(&mut self, setup: &Setup) -> Result<Result<Transition, String>, Fault> {
        self.with(|| Call::Start(setup.clone()), |i| i.start(setup))
    }

    fn apply(
        &mut self,
        state: &[u8],
        ctx: &Context,
        mv: &str,
    ) -> Result<Result<Transition, MoveError>, Fault> {
        self.with(
            || Call::Apply(state.to_vec(), *ctx, mv.to_string()),
            |i| i.apply(state, ctx, mv),
        )
    }

    fn view(&mut self, state: &[u8], viewer: Viewer) -> Result<String, Fault> {
        self.with(
            || Call::View(state.to_vec(), viewer),
            |i| i.view(state, viewer),
        )
    }

    fn legal_moves(&mut self, state: &[u8], seat: Seat) -> Result<Vec<String>, Fault> {
        self.with(
            || Call::LegalMoves(state.to_vec(), seat),
            |i| i.legal_moves(state, seat),
        )
    }

    fn forfeit(&mut self, state: &[u8], seat: Seat, why: Forfeit) -> Result<Transition, Fault> {
        self.with(
            || Call::Forfeit(state.to_vec(), seat, why),
            |i| i.forfeit(state, seat, why),
        )
    }
}
