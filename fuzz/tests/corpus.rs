//! issue 13: the committed corpus through the harness itself. Every
//! reproducer of `corpus/regressions/` (crashes, run through `kcfg` by
//! `cli/tests/fuzz_regressions.rs` too) and of `corpus/interrupt/`
//! (evaluations that ignored their interrupt: builtins, comprehensions and
//! writers walking astronomically long lazy arrays, which `kcfg eval`
//! without a budget may rightly run for ever) must end, fail cleanly, or
//! stop when the harness's time or memory limit raises the interrupt:
//! never a finding.

use std::path::Path;
use std::process::Command;

#[test]
fn issue13_corpus_runs_without_findings() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kcfg-fuzz"))
        .args([
            "replay",
            "--time-limit-ms",
            "1000",
            "--grace-ms",
            "5000",
            "--jobs",
            "2",
        ])
        .arg("--out")
        .arg(out.path())
        .arg(corpus.join("regressions"))
        .arg(corpus.join("interrupt"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let replayed = stdout.lines().count();
    assert!(replayed >= 40, "only {replayed} inputs replayed:\n{stdout}");
    assert!(
        output.status.success(),
        "the corpus still has findings:\n{stdout}\n{stderr}"
    );
}
