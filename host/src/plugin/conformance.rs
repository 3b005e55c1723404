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
    let mut report = Report::default();
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
    report.record("cost", check_cost(&cost, budget));
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

/// Every call's duration by export, and the largest instance.
#[derive(Default)]
struct Cost {
    calls: std::collections::BTreeMap<&'static str, Vec<Duration>>,
    peak_memory: usize,
}

/// Judges each export by its median call time: a robust measure on a busy
/// machine, where single calls can stall for reasons of their own. Calls
/// that ran away hit the deadline and already failed their check.
fn check_cost(cost: &Cost, budget: CostBudget) -> Result<String, String> {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut parts = Vec::new();
    let mut over = Vec::new();
    for (name, times) in &cost.calls {
        let mut sorted = times.clone();
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2];
        let slowest = sorted[sorted.len() - 1];
        parts.push(format!(
            "{name} median {:.3} ms (slowest {:.1})",
            ms(median),
            ms(slowest)
        ));
        if median > budget.call {
            over.push(format!(
                "{name} takes {:.1} ms per call (median)",
                ms(median)
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
        parts.join(", "),
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
        call: impl FnOnce(&mut Instance) -> Result<T, Fault>,
    ) -> Result<T, Fault> {
        let mut instance = self.plugin.instantiate(self.seed)?;
        let result = call(&mut instance);
        let mut cost = self.cost.borrow_mut();
        for (name, took) in &instance.stats().calls {
            cost.calls.entry(name).or_default().push(*took);
        }
        cost.peak_memory = cost.peak_memory.max(instance.peak_memory());
        result
    }
}

impl Rules for FreshInstances {
    fn info(&mut self) -> Result<GameInfo, Fault> {
        self.with(|i| i.info())
    }

    fn start(&mut self, setup: &Setup) -> Result<Result<Transition, String>, Fault> {
        self.with(|i| i.start(setup))
    }

    fn apply(
        &mut self,
        state: &[u8],
        ctx: &Context,
        mv: &str,
    ) -> Result<Result<Transition, MoveError>, Fault> {
        self.with(|i| i.apply(state, ctx, mv))
    }

    fn view(&mut self, state: &[u8], viewer: Viewer) -> Result<String, Fault> {
        self.with(|i| i.view(state, viewer))
    }

    fn legal_moves(&mut self, state: &[u8], seat: Seat) -> Result<Vec<String>, Fault> {
        self.with(|i| i.legal_moves(state, seat))
    }

    fn forfeit(&mut self, state: &[u8], seat: Seat, why: Forfeit) -> Result<Transition, Fault> {
        self.with(|i| i.forfeit(state, seat, why))
    }
}
