//! Shared fixtures of the end-to-end tests: where the built components and
//! the `gamehost` binary are, and a running server.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The build's target folder (`CARGO_TARGET_DIR` or `<workspace>/target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn component(group: &str, name: &str) -> PathBuf {
    let path = target_dir().join(group).join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: build the components first with `cargo xtask plugins` (the README's test command, `cargo xtask test`, does it)",
        path.display()
    );
    path
}

/// A bundled game's component (`target/plugins/<name>.wasm`).
pub fn game_component(name: &str) -> PathBuf {
    component("plugins", name)
}

/// A deliberately broken component (`target/fixtures/<name>.wasm`).
pub fn fixture_component(name: &str) -> PathBuf {
    component("fixtures", name)
}

/// The folder of the bundled games' components.
pub fn games_dir() -> PathBuf {
    let dir = target_dir().join("plugins");
    assert!(
        dir.is_dir(),
        "{} is missing: run `cargo xtask plugins`",
        dir.display()
    );
    dir
}

/// The `gamehost` binary of this build.
pub fn gamehost_bin() -> PathBuf {
    // Test executables live in <target>/<profile>/deps; the binary one up.
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target profile folder");
    let bin = profile_dir.join(format!("gamehost{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: `cargo test --workspace` builds it",
        bin.display()
    );
    bin
}

/// `gamehost` with `args`, run to completion: (exit code, stdout, stderr).
pub fn run_gamehost(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(gamehost_bin())
        .args(args)
        .output()
        .expect("run gamehost");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh, empty folder under the system temp folder.
pub fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("gamehost-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// A `gamehost serve` process on a free loopback port, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its data folder.
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts a server on the bundled games with a fresh data folder and
    /// waits until it listens.
    pub fn start(extra_args: &[&str]) -> Server {
        let data_dir = temp_dir("data");
        let plugins = games_dir();
        let mut child = Command::new(gamehost_bin())
            .args(["serve", "--listen", "127.0.0.1:0", "--plugins-dir"])
            .arg(&plugins)
            .arg("--data-dir")
            .arg(&data_dir)
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start gamehost serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = loop {
            assert!(
                Instant::now() < deadline,
                "gamehost did not start listening within 60 s"
            );
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("gamehost listening on ") {
                        break url.trim().to_string();
                    }
                }
                _ => panic!("gamehost exited before listening"),
            }
        };
        Server {
            child,
            url,
            data_dir,
        }
    }

    /// GET `path`: (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(&format!("{}{path}", self.url))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A minimal HTTP/1.1 GET over a loopback TCP socket: (status, body).
pub fn http_get(url: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits until something accepts TCP connections on `port`.
fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited ({status}) before listening on port {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} within 30 s");
}

/// The MongoDB-wire test server (PyPI's `secantusdb`, in the virtual
/// environment `cargo xtask test` makes at `.venv/secantus`) on a free
/// port, in memory; stopped when dropped.
pub struct MongoServer {
    child: Child,
    /// `mongodb://127.0.0.1:PORT/DB` for a fresh database.
    pub url: String,
}

/// The `secantusd-py` executable, or a panic that says how to install it.
pub fn secantusd() -> PathBuf {
    let path = std::env::var_os("GAMEHOST_SECANTUSD")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/secantus/bin/secantusd-py")
        });
    assert!(
        path.exists(),
        "{} is missing: the MongoDB-wire test server is installed by `cargo xtask test` (python3 -m venv .venv/secantus && .venv/secantus/bin/pip install secantusdb==0.7.0b3)",
        path.display()
    );
    path
}

impl MongoServer {
    /// Starts one.
    pub fn start() -> Self {
        let port = free_port();
        let mut child = Command::new(secantusd())
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--storage-path",
                ":memory:",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start secantusd-py");
        wait_for_port(port, "secantusd-py", &mut child);
        MongoServer {
            child,
            url: format!("mongodb://127.0.0.1:{port}/gamehost_test"),
        }
    }
}

impl Drop for MongoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Debian's redis-server on a free port, without persistence; stopped when
/// dropped.
pub struct RedisServer {
    child: Child,
    /// `redis://127.0.0.1:PORT`.
    pub url: String,
}

impl RedisServer {
    /// Starts one, or panics saying how to install Redis.
    pub fn start() -> Self {
        let bin = Path::new("/usr/bin/redis-server");
        assert!(
            bin.exists(),
            "{} is missing: install Redis 7 with `apt-get install redis-server` (`cargo xtask test` does it)",
            bin.display()
        );
        let port = free_port();
        let mut child = Command::new(bin)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        wait_for_port(port, "redis-server", &mut child);
        RedisServer {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
