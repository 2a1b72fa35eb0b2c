//! One file per subcommand: a clap `Args` struct with `run(self)`.
//!
//! `eval` is the `jsonnet`-compatible evaluator and `fmt` the
//! `jsonnetfmt`-compatible formatter; `render` renders a fleet plan (the
//! engine is `kcfg_render`). `apply`, `diff` and `hydrate` drive
//! kcfg-apply; they share the target and cluster flags in
//! [`apply::ClusterArgs`]. `argocd` is the Argo CD config-management
//! plugin (the work is in [`crate::argocd`]). `completions` and `manpages`
//! describe the command line ([`docs`]). `lsp` serves the language server
//! (`kcfg_lsp`). `render` and `fleet-diff` take the plan's external
//! variables and top-level arguments through [`plan_input`]. Every
//! command's `--color` is
//! `crate::color`'s, and `kcfg render --check` and `kcfg fmt --check`
//! print their diffs with [`unified`].

pub mod apply;
pub mod argocd;
pub mod diff;
pub mod docs;
pub mod eval;
pub mod fleet_diff;
pub mod fmt;
pub mod hydrate;
pub mod lsp;
pub mod plan_input;
pub mod render;
pub mod unified;

use std::time::Duration;

/// A command failure: printed as `error: <message>`, exit code 1.
#[derive(Debug)]
pub struct CmdError(pub String);

impl std::fmt::Display for CmdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CmdError {}

impl From<String> for CmdError {
    fn from(message: String) -> CmdError {
        CmdError(message)
    }
}

/// Parses `90`, `90s`, `5m` or `1h` (clap value parser).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 90s, 5m or 1h"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use ms, s, m or h)"
            ))
        }
    };
    Ok(Duration::from_secs_f64(seconds))
}
