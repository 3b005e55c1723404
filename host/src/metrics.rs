//! Prometheus metrics, served at `GET /metrics`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::sync::LazyLock;

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    /// Open Socket.IO connections, by role.
    pub connections: IntGaugeVec,
    /// Client events received, by event name.
    pub events: IntCounterVec,
    /// Refused requests, by error code.
    pub errors: IntCounterVec,
    /// Time from receiving `game:move` to acknowledging it, in seconds.
    pub move_latency: HistogramVec,
    /// Duration of plugin calls, by game and export, in seconds.
    pub plugin_calls: HistogramVec,
    /// Faulty plugin calls (trap, deadline, memory, bad output) of games,
    /// by game, version and kind.
    pub plugin_faults: IntCounterVec,
    /// Breakers tripped, by game and version.
    pub plugin_trips: IntCounterVec,
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Self {
        // The definitions below are constants: a failure here is a bug in
        // this file, caught by the first test that starts the server, never
        // something a client or a plugin can cause.
        let registry = Registry::new();
        let connections = IntGaugeVec::new(
            Opts::new("gamehost_connections", "Open Socket.IO connections by role"),
            &["role"],
        )
        .expect("valid metric");
        let events = IntCounterVec::new(
            Opts::new(
                "gamehost_events_total",
                "Client events received by event name",
            ),
            &["event"],
        )
        .expect("valid metric");
        let errors = IntCounterVec::new(
            Opts::new("gamehost_errors_total", "Refused requests by error code"),
            &["code"],
        )
        .expect("valid metric");
        let move_latency = HistogramVec::new(
            HistogramOpts::new(
                "gamehost_move_latency_seconds",
                "game:move, received to acknowledged",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ]),
            &["game_type"],
        )
        .expect("valid metric");
        let plugin_calls = HistogramVec::new(
            HistogramOpts::new(
                "gamehost_plugin_call_seconds",
                "Plugin calls by game and export",
            )
            .buckets(vec![
                0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1.0,
            ]),
            &["game", "call"],
        )
        .expect("valid metric");
        let plugin_faults = IntCounterVec::new(
            Opts::new(
                "gamehost_plugin_faults_total",
                "Faulty plugin calls of games by game, version and kind",
            ),
            &["game", "version", "kind"],
        )
        .expect("valid metric");
        let plugin_trips = IntCounterVec::new(
            Opts::new(
                "gamehost_plugin_breaker_trips_total",
                "Plugin versions taken out of rotation by their breaker",
            ),
            &["game", "version"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(connections.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(events.clone()),
            Box::new(errors.clone()),
            Box::new(move_latency.clone()),
            Box::new(plugin_calls.clone()),
            Box::new(plugin_faults.clone()),
            Box::new(plugin_trips.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric registered once");
        }
        Metrics {
            registry,
            connections,
            events,
            errors,
            move_latency,
            plugin_calls,
            plugin_faults,
            plugin_trips,
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "metrics encoding failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
