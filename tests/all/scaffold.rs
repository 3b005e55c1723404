//! `gamehost plugin new`: the generated crate builds to a component that
//! passes the suite as generated.

use gamehost_tests::{run_gamehost, target_dir, temp_dir};
use std::process::Command;

#[test]
fn a_new_plugin_builds_and_passes_the_suite() {
    let parent = temp_dir("scaffold");
    let dir = parent.join("stone-pile");
    let (code, stdout, stderr) = run_gamehost(&[
        "plugin",
        "new",
        "stone-pile",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(dir.join("src/lib.rs").exists());

    let (code, _, stderr) = run_gamehost(&["plugin", "new", "Bad Name"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("not a valid game id"), "{stderr}");

    // Share the workspace's target folder so its dependencies are reused.
    let target = target_dir().join("scaffold");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(&cargo)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&dir)
        .output()
        .expect("run cargo");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let test = Command::new(&cargo)
        .args(["test"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&dir)
        .output()
        .expect("run cargo test");
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stdout)
    );

    let wasm = target.join("wasm32-wasip2/release/stone_pile.wasm");
    let (code, stdout, _) = run_gamehost(&["plugin", "check", wasm.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("stone-pile 0.1.0"), "{stdout}");
    let _ = std::fs::remove_dir_all(&parent);
}
