//! Starting the test API server, shared by the integration tests that need
//! it: `apply/tests/k8s.rs` and `cli/tests/apply_k8s.rs` (which includes
//! this file with `#[path]`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a test that cannot start its server tells the reader.
const NEEDS_SERVER: &str =
    "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)";

/// The repository's root, from a crate directory of the workspace.
pub fn repo_root(manifest_dir: &str) -> PathBuf {
    Path::new(manifest_dir)
        .parent()
        .expect("a workspace crate has a parent directory")
        .into()
}

/// Where `start.sh` and `stop.sh` live: `KCFG_K8S_DIR`, else the kit's copy
/// in `apply/tests/k8s`.
pub fn scripts_dir(repo_root: &Path) -> PathBuf {
    match std::env::var_os("KCFG_K8S_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root.join("apply/tests/k8s"),
    }
}

/// Runs `start.sh` with the extra environment `envs` and returns the
/// `KEY=VALUE` lines it prints. Panics with instructions when that fails:
/// these tests only run when asked to, so a missing server is an error,
/// not a skip.
pub fn start(scripts: &Path, envs: &[(&str, &str)]) -> HashMap<String, String> {
    let script = scripts.join("start.sh");
    let out = Command::new("bash")
        .arg(&script)
        .envs(envs.iter().copied())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}\n{NEEDS_SERVER}", script.display()));
    if !out.status.success() {
        panic!(
            "{} failed:\n{}\n{NEEDS_SERVER}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
