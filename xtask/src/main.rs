//! Project tasks: `cargo xtask run`, `cargo xtask test`, `cargo xtask plugins`,
//! `cargo xtask bench`, `cargo xtask load`, `cargo xtask layers`. Each builds what it needs
//! first, so both README commands work on a fresh machine.

mod layers;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <run [-- SERVE FLAGS] | test [-- CARGO TEST ARGS] | plugins | bench [-- ARGS] | load [-- ARGS] | layers>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (
            task.as_str(),
            rest.iter()
                .skip_while(|a| *a == "--")
                .cloned()
                .collect::<Vec<_>>(),
        ),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let result = match task {
        "plugins" => build_plugins().map(|_| ()),
        "run" => run(&rest),
        "test" => test(&rest),
        "bench" => bench(&rest),
        "load" => load(&rest),
        "layers" => check_layers(),
        _ => Err(format!("unknown task {task:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn status(mut cmd: Command) -> Result<(), String> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

/// The wasm32-wasip2 target, which rust-toolchain.toml names but older
/// rustups do not install by themselves.
fn ensure_wasm_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("wasm32-wasip2"))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add", "wasm32-wasip2"])
        .current_dir(root());
    status(cmd)
}

/// A component crate: its folder and package name.
struct ComponentCrate {
    dir: PathBuf,
    package: String,
}

fn component_crates(parent: &Path) -> Result<Vec<ComponentCrate>, String> {
    let mut crates = Vec::new();
    let entries =
        std::fs::read_dir(parent).map_err(|e| format!("reading {}: {e}", parent.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let package = text
            .lines()
            .find_map(|line| {
                line.trim()
                    .strip_prefix("name = ")
                    .map(|v| v.trim_matches('"').to_string())
            })
            .ok_or_else(|| format!("{} has no package name", manifest.display()))?;
        crates.push(ComponentCrate {
            dir: entry.path(),
            package,
        });
    }
    crates.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(crates)
}

/// Builds every bundled game and test fixture to a component, and copies
/// them to `target/plugins/<game>.wasm`, `target/fixtures/<name>.wasm` and
/// `target/bench/<name>.wasm`.
fn build_plugins() -> Result<(), String> {
    ensure_wasm_target()?;
    let root = root();
    let groups = [
        (root.join("plugins"), target_dir().join("plugins")),
        (
            root.join("tests/fixtures/plugins"),
            target_dir().join("fixtures"),
        ),
        (
            root.join("host/benches/components"),
            target_dir().join("bench"),
        ),
    ];
    let mut all = Vec::new();
    for (source, dest) in &groups {
        for krate in component_crates(source)? {
            all.push((krate, dest.clone()));
        }
    }
    let mut cmd = cargo();
    cmd.args(["build", "--profile", "plugin", "--target", "wasm32-wasip2"]);
    for (krate, _) in &all {
        cmd.args(["--package", &krate.package]);
    }
    status(cmd)?;
    let built = target_dir().join("wasm32-wasip2/plugin");
    for (krate, dest) in &all {
        std::fs::create_dir_all(dest).map_err(|e| format!("creating {}: {e}", dest.display()))?;
        let file = format!("{}.wasm", krate.package.replace('-', "_"));
        let name = krate
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let to = dest.join(format!("{name}.wasm"));
        std::fs::copy(built.join(&file), &to)
            .map_err(|e| format!("copying {file} to {}: {e}", to.display()))?;
    }
    eprintln!(
        "xtask: {} components in {}",
        all.len(),
        target_dir().display()
    );
    Ok(())
}

fn run(serve_args: &[String]) -> Result<(), String> {
    build_plugins()?;
    build_web()?;
    let mut cmd = cargo();
    cmd.args(["run", "--release", "--package", "gamehost", "--", "serve"]);
    // As the environment, so that a `--web-dir` flag given after `--` wins.
    if std::env::var_os("GAMEHOST_WEB_DIR").is_none() {
        cmd.env("GAMEHOST_WEB_DIR", root().join("web/dist"));
    }
    cmd.args(serve_args);
    status(cmd)
}

fn require_node() -> Result<(), String> {
    for tool in ["node", "npm"] {
        if Command::new(tool).arg("--version").output().is_err() {
            return Err(format!(
                "{tool} is not installed: install Node.js 20 and npm (Debian: apt-get install nodejs npm)"
            ));
        }
    }
    Ok(())
}

/// `npm ci` then the esbuild bundle of the browser client into web/dist.
fn build_web() -> Result<(), String> {
    require_node()?;
    let dir = root().join("web");
    let mut cmd = Command::new("npm");
    cmd.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir);
    status(cmd)?;
    let mut cmd = Command::new("npm");
    cmd.args(["run", "build"]).current_dir(&dir);
    status(cmd)
}

/// Type-checks the browser client (esbuild strips types without checking).
fn check_web() -> Result<(), String> {
    let mut cmd = Command::new("npm");
    cmd.args(["run", "check"]).current_dir(root().join("web"));
    status(cmd)
}

/// Installs a Debian package unless `binary` is already there.
fn ensure_debian_package(binary: &str, package: &str, why: &str) -> Result<(), String> {
    if Path::new(binary).exists() {
        return Ok(());
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut cmd = if root_user {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        status(cmd)
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", package])
        .map_err(|e| format!("{e}: {why} (apt-get install {package})"))
}

/// Debian's Chromium for the browser tests (never a browser downloaded by
/// a test tool), and Redis 7 for the cluster tests.
fn ensure_debian_services() -> Result<(), String> {
    ensure_debian_package(
        "/usr/bin/chromium",
        "chromium",
        "the browser tests need Debian's Chromium",
    )?;
    ensure_debian_package(
        "/usr/bin/redis-server",
        "redis-server",
        "the cluster tests need Redis 7",
    )
}

/// The MongoDB-wire test server (PyPI's secantusdb, pinned) in a virtual
/// environment under the ignored `.venv/`.
fn ensure_secantus() -> Result<(), String> {
    let venv = root().join(".venv/secantus");
    if venv.join("bin/secantusd-py").exists() {
        return Ok(());
    }
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "venv"]).arg(&venv);
    status(cmd).map_err(|e| format!("{e}: the cluster tests need python3 with venv"))?;
    let mut cmd = Command::new(venv.join("bin/pip"));
    cmd.args(["install", "--quiet", "secantusdb==0.7.0b3"]);
    status(cmd)
}

/// Builds everything (components, the browser client, the binary), runs
/// the Rust tests, then the end-to-end tests that drive the real binary with
/// the npm `socket.io-client` and, for the client, Debian's Chromium. The
/// services the tests start (Chromium, Redis, the MongoDB-wire server) are
/// installed first when missing.
/// The host's layering (see `layers.rs`): no import cycle between its
/// files, none over 600 lines, one clock.
fn check_layers() -> Result<(), String> {
    let problems = layers::check(&root().join("host/src"))?;
    if problems.is_empty() {
        println!("xtask: host/src: no import cycle, no file over 600 lines, one clock");
        return Ok(());
    }
    Err(format!(
        "the host's layering is broken:\n  {}",
        problems.join("\n  ")
    ))
}

fn test(test_args: &[String]) -> Result<(), String> {
    check_layers()?;
    build_plugins()?;
    build_web()?;
    check_web()?;
    ensure_debian_services()?;
    ensure_secantus()?;
    // The end-to-end tests start the real binary: build it first (a
    // workspace test run does not build other packages' binaries).
    let mut cmd = cargo();
    cmd.args(["build", "--package", "gamehost"]);
    status(cmd)?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]);
    cmd.args(test_args);
    status(cmd)?;
    rules_sdk_js_tests()?;
    node_tests()
}

/// The TypeScript rules SDK's own tests (Node's runner): the randomness
/// against the Rust SDK's, the adapter's checks, and its example built into
/// a component that passes `gamehost plugin check`.
fn rules_sdk_js_tests() -> Result<(), String> {
    require_node()?;
    let dir = root().join("plugin-sdk/js");
    let mut cmd = Command::new("npm");
    cmd.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir);
    status(cmd)?;
    let mut cmd = Command::new("npm");
    cmd.args(["test"])
        .env("GAMEHOST_BIN", target_dir().join("debug/gamehost"))
        .current_dir(&dir);
    status(cmd)
}

/// `npm ci` in tests/e2e (npm registry packages only), then Node's test
/// runner over it.
fn node_tests() -> Result<(), String> {
    let dir = root().join("tests/e2e");
    require_node()?;
    let mut cmd = Command::new("npm");
    cmd.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir);
    status(cmd)?;
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-concurrency=1"])
        .env("GAMEHOST_BIN", target_dir().join("debug/gamehost"))
        .env("GAMEHOST_PLUGINS_DIR", target_dir().join("plugins"))
        .current_dir(&dir);
    status(cmd)
}

/// The load benchmark: release builds of the host and of the bots, the
/// components, then `gamehost-loadgen report` (fresh servers pinned to CPU 0,
/// bots on CPU 1) with the given arguments; the report goes to
/// target/bench/load/report.md.
fn load(load_args: &[String]) -> Result<(), String> {
    build_plugins()?;
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "--package",
        "gamehost",
        "--package",
        "gamehost-loadgen",
    ]);
    status(cmd)?;
    let release = target_dir().join("release");
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut cmd = Command::new(release.join("gamehost-loadgen"));
    cmd.arg("report")
        .arg("--server")
        .arg(release.join("gamehost"))
        .arg("--plugins-dir")
        .arg(target_dir().join("plugins"))
        .arg("--out")
        .arg(target_dir().join("bench/load"))
        .args(["--label", &format!("commit {commit}")]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores >= 2 && !load_args.iter().any(|a| a.ends_with("-cpu")) {
        cmd.args(["--server-cpu", "0", "--client-cpu", "1"]);
    }
    cmd.args(load_args).current_dir(root());
    status(cmd)
}

fn bench(bench_args: &[String]) -> Result<(), String> {
    build_plugins()?;
    let mut cmd = cargo();
    cmd.args(["bench", "--package", "gamehost"]);
    cmd.args(bench_args);
    status(cmd)
}
