//! Compiling an untrusted component out of the host's process.
//!
//! Validating and compiling a component costs memory and time that grow
//! with what its author chose: a component nested ten thousand deep is a
//! hundred kilobytes to upload and gigabytes to compile. So a component the
//! host has not compiled before (an upload, the plugins folder, dev mode) is
//! first compiled by a child process (`gamehost plugin precompile`) under a
//! memory limit (`RLIMIT_DATA`) and a time limit; the child writes the
//! compiled form into the engine's cache, which the host then loads. A
//! child that runs out of either is refused with the reason, and the host's
//! own memory never grows by more than what the compiled form needs.

use super::engine::PluginEngine;
pub use super::limits::CompileBudget;

/// Compiles `bytes` into `engine`'s cache in a child process within the
/// engine's budget. `Ok` when the compiled form is in the cache, or when
/// the engine does not isolate compiles (or keeps no cache to isolate
/// into), in which case the caller compiles in process; `Err` says why the
/// component was refused.
pub async fn precompile(engine: &PluginEngine, bytes: &[u8]) -> Result<(), String> {
    let (Some(budget), Some(cached)) = (engine.isolation(), engine.cache_file(bytes)) else {
        return Ok(());
    };
    if cached.exists() {
        return Ok(());
    }
    let Some(dir) = cached.parent() else {
        return Ok(());
    };
    let input = dir.join(format!(
        "incoming-{}-{}.wasm",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&input, bytes).map_err(|e| format!("staging the component: {e}"))?;
    let outcome = run_child(budget, dir, &input).await;
    let _ = std::fs::remove_file(&input);
    outcome?;
    if cached.exists() {
        Ok(())
    } else {
        Err("the compiler finished without output".into())
    }
}

async fn run_child(
    budget: &CompileBudget,
    dir: &std::path::Path,
    input: &std::path::Path,
) -> Result<(), String> {
    let mut command = tokio::process::Command::new(&budget.program);
    command
        .arg("plugin")
        .arg("precompile")
        .arg("--cache-dir")
        .arg(dir)
        .arg("--instance-memory-bytes")
        .arg(budget.instance_memory_bytes.to_string())
        .arg(input)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .env("GAMEHOST_LOG", "error")
        .kill_on_drop(true);
    limit_memory(&mut command, budget.memory_bytes);
    let child = command
        .spawn()
        .map_err(|e| format!("starting the compiler {}: {e}", budget.program.display()))?;
    let mib = budget.memory_bytes >> 20;
    let output = match tokio::time::timeout(budget.time, child.wait_with_output()).await {
        Err(_) => {
            return Err(format!(
                "compiling took longer than {} s",
                budget.time.as_secs_f64()
            ));
        }
        Ok(Err(e)) => return Err(format!("waiting for the compiler: {e}")),
        Ok(Ok(output)) => output,
    };
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said: String = stderr.trim().chars().take(2000).collect();
    // A refused component exits 2 with the reason; anything else is the
    // compiler dying of the budget (an allocation refused aborts it).
    if output.status.code() == Some(2) && !said.is_empty() {
        return Err(said);
    }
    if said.contains("memory allocation")
        || said.contains("out of memory")
        || output.status.code().is_none()
    {
        return Err(format!("compiling needed more than {mib} MiB"));
    }
    Err(format!("the compiler failed ({}): {said}", output.status))
}

/// Caps the child's data segment (heap and private writable mappings;
/// address space merely reserved, as wasmtime does, does not count).
#[cfg(unix)]
fn limit_memory(command: &mut tokio::process::Command, bytes: u64) {
    // SAFETY: the closure runs in the child between fork and exec and only
    // calls setrlimit, which is async-signal-safe.
    #[allow(unsafe_code)]
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn limit_memory(_: &mut tokio::process::Command, _: u64) {}
