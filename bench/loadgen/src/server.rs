//! A fresh `gamehost serve` per run: its own data folder and config, pinned
//! to one core, stopped with SIGTERM afterwards.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::protocol;

/// How each server is started.
pub struct ServerSpec {
    pub binary: PathBuf,
    pub plugins_dir: PathBuf,
    /// Where the runs' data folders, configs and logs go.
    pub work_dir: PathBuf,
    /// The core the server is pinned to.
    pub cpu: Option<usize>,
    /// The connection cap written into its config.
    pub max_connections: usize,
}

pub struct Server {
    child: Child,
    pub pid: u32,
    pub host: String,
}

/// The config of a benchmark run: the host's defaults (SQLite in the data
/// folder, every move durable before its ack), except the per-user event
/// budget, which bots playing flat out would exhaust, and the connection cap.
fn config(max_connections: usize) -> String {
    format!(
        "[rate_limit]\nper_second = 1000000000\nburst = 1000000000\n\n[limits]\nmax_connections = {max_connections}\n"
    )
}

impl Server {
    pub async fn start(spec: &ServerSpec, run: &str) -> Result<Server, String> {
        let dir = spec.work_dir.join(run);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config_path = dir.join("gamehost.toml");
        std::fs::write(&config_path, config(spec.max_connections)).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
        let port = free_port()?;
        let host = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(&spec.binary);
        cmd.arg("serve")
            .arg("--config")
            .arg(&config_path)
            .args(["--listen", &host])
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--plugins-dir")
            .arg(&spec.plugins_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(cpu) = spec.cpu {
            pin_child(&mut cmd, cpu);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", spec.binary.display()))?;
        let mut server = Server {
            pid: child.id(),
            child,
            host,
        };
        server.wait_healthy(&dir).await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self, dir: &Path) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the server exited ({status}); see {}",
                    dir.join("server.log").display()
                ));
            }
            if let Ok((200, _)) = protocol::http(&self.host, "GET", "/healthz", None).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "the server did not answer /healthz in 120 s; see {}",
            dir.join("server.log").display()
        ))
    }

    pub async fn stop(mut self) {
        signal(self.pid, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill has no memory preconditions; pid is our own child's.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

fn cpu_set(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET writes inside it.
    #[allow(unsafe_code)]
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        set
    }
}

/// Pins the calling thread, and the threads it starts afterwards, to `cpu`.
pub fn pin_self(cpu: usize) {
    let set = cpu_set(cpu);
    // SAFETY: sched_setaffinity reads the set we own; pid 0 is this thread.
    #[allow(unsafe_code)]
    unsafe {
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// Pins the child before it runs, so every thread it starts inherits the core.
fn pin_child(cmd: &mut Command, cpu: usize) {
    use std::os::unix::process::CommandExt;
    let set = cpu_set(cpu);
    // SAFETY: the closure runs in the forked child before exec and only
    // calls sched_setaffinity, which is async-signal-safe.
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(move || {
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
            Ok(())
        });
    }
}
