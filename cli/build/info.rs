//! What `kcfg --version` says about the build (issue 16): the git commit
//! the binary was built from and the day it was built.
//!
//! `build.rs` includes this file, and so do the unit tests of `main.rs`.
//! The commit comes from `git rev-parse` only when the package's workspace
//! is itself the top of a git work tree: built from a release tarball (no
//! `.git`), or unpacked inside some other repository, the commit is
//! `unknown` rather than a stranger's. The date is the UTC day the build
//! script ran, or `SOURCE_DATE_EPOCH`'s for reproducible builds.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `git ARGS` in `root`: its trimmed standard output, or `None` when
/// git is missing or fails.
pub fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string())
}

/// The commit (12 hex digits, or `unknown`) and the files whose change
/// means another commit (for `cargo:rerun-if-changed`): HEAD, the branch it
/// names and `packed-refs`. `git` runs git in `root`.
pub fn commit(root: &Path, git: &dyn Fn(&[&str]) -> Option<String>) -> (String, Vec<PathBuf>) {
    let unknown = || ("unknown".to_string(), Vec::new());
    let Some(top) = git(&["rev-parse", "--show-toplevel"]) else {
        return unknown();
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(&top), root) {
        return unknown();
    }
    let Some(hash) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return unknown();
    };
    if hash.len() < 7 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return unknown();
    }
    let mut paths = Vec::new();
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        paths.push(Path::new(&git_dir).join("HEAD"));
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        let common = root.join(common);
        paths.push(common.join("packed-refs"));
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            paths.push(common.join(branch));
        }
    }
    (hash, paths)
}

/// `YYYY-MM-DD` of a Unix time, in UTC (the proleptic Gregorian calendar,
/// by Howard Hinnant's days-to-civil algorithm).
pub fn utc_date(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The build date: `SOURCE_DATE_EPOCH`'s day when it is set (and a
/// number), else today's, in UTC.
pub fn build_date(source_date_epoch: Option<&str>) -> String {
    let seconds = source_date_epoch
        .and_then(|text| text.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    utc_date(seconds)
}
