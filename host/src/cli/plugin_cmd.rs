//! `gamehost plugin check` and `gamehost plugin new`.

use crate::plugin::PluginEngine;
use crate::plugin::conformance::{CostBudget, check_component};
use anyhow::Context as _;
use clap::Args;
use gamehost_sdk::conformance::CheckOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Flags of `gamehost plugin check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The component to check (`*.wasm`).
    #[arg(value_parser = super::existing)]
    pub component: PathBuf,
    /// Seed of every random choice; the same seed gives the same games and
    /// probes. Without it each run picks a new seed (printed with the report).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Most random games to play to the end.
    #[arg(long, default_value_t = 1000)]
    pub playouts: u32,
    /// Time budget for the random games, in seconds (at least one game per
    /// player count is played).
    #[arg(long, default_value_t = 10.0)]
    pub time: f64,
    /// A game that has not ended after this many moves fails the check.
    #[arg(long, default_value_t = 2000)]
    pub max_plies: u32,
    /// Most a state may grow per move on average, in bytes, once larger
    /// than 64 KiB.
    #[arg(long, default_value_t = 1024)]
    pub state_growth: usize,
    /// Slowest a single call may be, in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub call_budget_ms: u64,
    /// Most memory an instance may reach, in MiB.
    #[arg(long, default_value_t = 32)]
    pub memory_budget_mib: usize,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the suite and prints the report; the exit code says whether it passed.
pub async fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.component)
        .with_context(|| format!("reading {}", args.component.display()))?;
    let defaults = CheckOptions::default();
    let options = CheckOptions {
        seed: args.seed.unwrap_or(defaults.seed),
        playouts: args.playouts,
        time: Duration::try_from_secs_f64(args.time)
            .map_err(|_| anyhow::anyhow!("--time must be a positive number of seconds"))?,
        max_plies: args.max_plies,
        state_growth_per_ply: args.state_growth,
    };
    let budget = CostBudget {
        call: Duration::from_millis(args.call_budget_ms),
        memory_bytes: args.memory_budget_mib << 20,
    };
    let report = tokio::task::spawn_blocking(move || {
        // No disk cache: a checked component is usually a fresh build.
        let engine = PluginEngine::new(None, crate::plugin::Limits::default().memory_bytes)?;
        anyhow::Ok(check_component(&engine, &bytes, &options, budget))
    })
    .await
    .context("the check panicked")??;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}\n{report}", args.component.display());
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Flags of `gamehost plugin precompile`.
#[derive(Args, Debug)]
pub struct PrecompileArgs {
    /// The compile cache to write into.
    #[arg(long)]
    pub cache_dir: PathBuf,
    /// The instance memory cap the host's engine is built with.
    #[arg(long)]
    pub instance_memory_bytes: usize,
    /// The component.
    pub component: PathBuf,
}

/// Compiles a component into the cache; exits 2 with the reason on stderr
/// when it is not a valid component.
pub fn precompile(args: PrecompileArgs) -> ExitCode {
    let compiled = std::fs::read(&args.component)
        .with_context(|| format!("reading {}", args.component.display()))
        .and_then(|bytes| {
            let engine = PluginEngine::for_compiling(args.cache_dir, args.instance_memory_bytes)?;
            engine.compile(&bytes).map(|_| ())
        });
    match compiled {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", crate::plugin::error_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// Flags of `gamehost plugin new`.
#[derive(Args, Debug)]
pub struct NewArgs {
    /// Game id: lowercase letters, digits and `-` (`my-game`).
    pub name: String,
    /// Folder to create (default: `./NAME`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The language to write the rules in.
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    pub lang: Lang,
    /// Path of the SDK the new game depends on (default: this checkout's
    /// `plugin-sdk`, or `plugin-sdk/js` for TypeScript).
    #[arg(long)]
    pub sdk: Option<PathBuf>,
}

/// Languages `gamehost plugin new` scaffolds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// A Rust crate on gamehost-sdk.
    Rust,
    /// A TypeScript package on @gamehost/rules (plugin-sdk/js).
    Ts,
}

/// This checkout's SDKs, where `gamehost` was built.
const SDK_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../plugin-sdk");

/// Writes a rules crate that builds and passes the suite as generated.
pub fn new(args: NewArgs) -> anyhow::Result<()> {
    let name = args.name.as_str();
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    anyhow::ensure!(
        valid,
        "{name:?} is not a valid game id: use lowercase letters, digits and '-', starting with a letter"
    );
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(name));
    anyhow::ensure!(!dir.exists(), "{} already exists", dir.display());
    let sdk_dir = args.sdk.clone().unwrap_or_else(|| match args.lang {
        Lang::Rust => PathBuf::from(SDK_DIR),
        Lang::Ts => PathBuf::from(SDK_DIR).join("js"),
    });
    let sdk = std::fs::canonicalize(&sdk_dir)
        .with_context(|| format!("the SDK is not at {} (pass --sdk PATH)", sdk_dir.display()))?;
    let type_name: String = name
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    let title = name.replace('-', " ");
    let fill = |template: &str| {
        template
            .replace("{{crate_file}}", &name.replace('-', "_"))
            .replace("{{crate}}", name)
            .replace("{{name}}", name)
            .replace("{{type_name}}", &type_name)
            .replace("{{title}}", &title)
            .replace("{{sdk_path}}", &sdk.display().to_string())
    };
    std::fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("creating {}", dir.display()))?;
    if args.lang == Lang::Ts {
        return new_ts(&dir, &fill);
    }
    write(
        &dir.join("Cargo.toml"),
        &fill(include_str!("../../templates/plugin/Cargo.toml.tmpl")),
    )?;
    write(
        &dir.join("src/lib.rs"),
        &fill(include_str!("../../templates/plugin/lib.rs.tmpl")),
    )?;
    println!("created {} ({type_name})", dir.display());
    println!("  cd {}", dir.display());
    println!("  cargo test");
    println!("  cargo build --release --target wasm32-wasip2");
    println!(
        "  gamehost plugin check target/wasm32-wasip2/release/{}.wasm",
        name.replace('-', "_")
    );
    Ok(())
}

/// The TypeScript package: the same Nim, on @gamehost/rules.
fn new_ts(dir: &Path, fill: &dyn Fn(&str) -> String) -> anyhow::Result<()> {
    write(
        &dir.join("package.json"),
        &fill(include_str!("../../templates/plugin-ts/package.json.tmpl")),
    )?;
    write(
        &dir.join("tsconfig.json"),
        &fill(include_str!("../../templates/plugin-ts/tsconfig.json.tmpl")),
    )?;
    write(
        &dir.join("src/game.ts"),
        &fill(include_str!("../../templates/plugin-ts/game.ts.tmpl")),
    )?;
    println!("created {}", dir.display());
    println!("  cd {}", dir.display());
    println!("  npm install");
    println!("  npm test      # builds dist/*.wasm and runs gamehost plugin check on it");
    Ok(())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
