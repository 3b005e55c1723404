//! What a rules call costs through the sandbox, against the same rules run
//! natively.
//!
//! Run with `cargo xtask bench` (it builds the components first). Criterion
//! prints its estimates; before them, a latency pass times single calls and
//! prints median and p99, which criterion does not report.

use criterion::Criterion;
use gamehost::plugin::sandbox::Sandbox;
use gamehost::plugin::{Limits, Plugin, PluginEngine};
use gamehost_sdk::testing::NativeRules;
use gamehost_sdk::{Context, Rules, Setup};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod perft_bindings {
    wasmtime::component::bindgen!({
        inline: "
            package gamehost:bench;
            world perft {
                export perft: func(fen: string, depth: u32) -> u64;
            }
        ",
        world: "perft",
    });
}

const START_FEN: &str = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")))
}

fn read_component(group: &str, name: &str) -> Vec<u8> {
    let path = target_dir().join(group).join(format!("{name}.wasm"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask bench`)", path.display()))
}

fn engine() -> PluginEngine {
    PluginEngine::new(None, Limits::default().memory_bytes).expect("engine")
}

fn load(engine: &PluginEngine, name: &str) -> Plugin {
    Plugin::load(engine, &read_component("plugins", name), Limits::default()).expect("load plugin")
}

/// A state one move into the game, and the move to apply to it.
struct Position {
    state: Vec<u8>,
    ctx: Context,
    mv: &'static str,
}

fn position(rules: &mut dyn Rules, first: &str, next: &'static str) -> Position {
    let setup = Setup {
        players: 2,
        options: "{}".into(),
        seed: 1,
    };
    let start = rules.start(&setup).unwrap().unwrap();
    let ctx = Context {
        seat: 0,
        ply: 0,
        entropy: 0,
    };
    let after = rules.apply(&start.state, &ctx, first).unwrap().unwrap();
    Position {
        state: after.state,
        ctx: Context {
            seat: 1,
            ply: 1,
            entropy: 0,
        },
        mv: next,
    }
}

/// Times `runs` single calls; (median, p99).
fn latency(runs: usize, mut call: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..runs / 10 {
        call();
    }
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            call();
            started.elapsed()
        })
        .collect();
    samples.sort_unstable();
    (samples[runs / 2], samples[runs * 99 / 100])
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn latency_report() {
    let engine = engine();
    println!("latency of single calls (20,000 each after warm-up):");
    for (game, first, next) in [("tic-tac-toe", "4", "0"), ("chess", "\"e2e4\"", "\"e7e5\"")] {
        let plugin = load(&engine, game);
        let pos = position(&mut plugin.instantiate(1).unwrap(), first, next);
        let (median, p99) = latency(20_000, || {
            let mut instance = plugin.instantiate(1).unwrap();
            black_box(
                instance
                    .apply(&pos.state, &pos.ctx, pos.mv)
                    .unwrap()
                    .unwrap(),
            );
        });
        println!(
            "  {game:<12} apply, fresh instance: median {:>7.2} us   p99 {:>7.2} us",
            micros(median),
            micros(p99)
        );
        let (median, p99) = latency(20_000, || {
            black_box(plugin.instantiate(1).unwrap());
        });
        println!(
            "  {game:<12} instantiate only:      median {:>6.2} us   p99 {:>7.2} us",
            micros(median),
            micros(p99)
        );
        let (median, p99) = latency(20_000, || {
            black_box(Sandbox::new("bench", 1, 64 << 20));
        });
        println!(
            "  {game:<12} sandbox context only:  median {:>6.2} us   p99 {:>7.2} us",
            micros(median),
            micros(p99)
        );
        let mut warm = plugin.instantiate(1).unwrap();
        let (median, p99) = latency(20_000, || {
            black_box(warm.apply(&pos.state, &pos.ctx, pos.mv).unwrap().unwrap());
        });
        println!(
            "  {game:<12} apply, reused instance: median {:>6.2} us   p99 {:>7.2} us",
            micros(median),
            micros(p99)
        );
        let native_pos;
        let (median, p99) = if game == "chess" {
            let mut native = NativeRules::<gamehost_chess::Chess>::new();
            native_pos = position(&mut native, first, next);
            latency(20_000, || {
                black_box(
                    native
                        .apply(&native_pos.state, &native_pos.ctx, native_pos.mv)
                        .unwrap()
                        .unwrap(),
                );
            })
        } else {
            let mut native = NativeRules::<gamehost_tic_tac_toe::TicTacToe>::new();
            native_pos = position(&mut native, first, next);
            latency(20_000, || {
                black_box(
                    native
                        .apply(&native_pos.state, &native_pos.ctx, native_pos.mv)
                        .unwrap()
                        .unwrap(),
                );
            })
        };
        println!(
            "  {game:<12} apply, native:          median {:>6.2} us   p99 {:>7.2} us",
            micros(median),
            micros(p99)
        );
    }
}

fn apply_benches(c: &mut Criterion) {
    let engine = engine();
    let mut group = c.benchmark_group("apply");
    for (game, first, next) in [("tic-tac-toe", "4", "0"), ("chess", "\"e2e4\"", "\"e7e5\"")] {
        let plugin = load(&engine, game);
        let pos = position(&mut plugin.instantiate(1).unwrap(), first, next);
        group.bench_function(format!("{game}/component-fresh-instance"), |b| {
            b.iter(|| {
                let mut instance = plugin.instantiate(1).unwrap();
                black_box(
                    instance
                        .apply(&pos.state, &pos.ctx, pos.mv)
                        .unwrap()
                        .unwrap(),
                )
            })
        });
        let mut warm = plugin.instantiate(1).unwrap();
        group.bench_function(format!("{game}/component-reused-instance"), |b| {
            b.iter(|| black_box(warm.apply(&pos.state, &pos.ctx, pos.mv).unwrap().unwrap()))
        });
        group.bench_function(format!("{game}/instantiate-only"), |b| {
            b.iter(|| black_box(plugin.instantiate(1).unwrap()))
        });
    }
    let mut ttt = NativeRules::<gamehost_tic_tac_toe::TicTacToe>::new();
    let pos = position(&mut ttt, "4", "0");
    group.bench_function("tic-tac-toe/native", |b| {
        b.iter(|| black_box(ttt.apply(&pos.state, &pos.ctx, pos.mv).unwrap().unwrap()))
    });
    let mut chess = NativeRules::<gamehost_chess::Chess>::new();
    let pos = position(&mut chess, "\"e2e4\"", "\"e7e5\"");
    group.bench_function("chess/native", |b| {
        b.iter(|| black_box(chess.apply(&pos.state, &pos.ctx, pos.mv).unwrap().unwrap()))
    });
    group.finish();
}

fn perft_benches(c: &mut Criterion) {
    let engine = engine();
    let bytes = read_component("bench", "chess-perft");
    let (component, _) = engine.compile(&bytes).expect("compile perft component");
    let mut store = wasmtime::Store::new(engine.engine(), Sandbox::new("bench", 0, 64 << 20));
    // Perft runs far longer than a rules call: no deadline here.
    store.set_epoch_deadline(1 << 40);
    let perft = perft_bindings::Perft::instantiate(&mut store, &component, engine.linker())
        .expect("instantiate perft");
    let start = gamehost_chess::Position::from_fen(START_FEN).expect("start FEN");
    let native = gamehost_chess::perft(&start, 4);
    let in_wasm = perft
        .call_perft(&mut store, START_FEN, 4)
        .expect("perft call");
    assert_eq!((native, in_wasm), (197_281, 197_281));

    let mut group = c.benchmark_group("perft-4-start");
    group.sample_size(30);
    group.bench_function("native", |b| {
        b.iter(|| black_box(gamehost_chess::perft(&start, 4)))
    });
    group.bench_function("component", |b| {
        b.iter(|| black_box(perft.call_perft(&mut store, START_FEN, 4).unwrap()))
    });
    group.finish();
}

fn main() {
    let quick_latency_only = std::env::args().any(|a| a == "--latency-only");
    latency_report();
    if quick_latency_only {
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    apply_benches(&mut criterion);
    perft_benches(&mut criterion);
    criterion.final_summary();
}
