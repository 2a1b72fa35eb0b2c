//! The marker (`OUT/.kcfg-rendered`) and kcfg's temporary names: what may
//! be read from a marker, and what is a leftover of an interrupted render.

use std::collections::BTreeMap;
use std::path::Path;

use super::SHOWN_LINES;
use crate::output::target_name_problem;
use crate::shard::Shard;

/// The marker file in an output directory.
pub const MARKER: &str = ".kcfg-rendered";

/// The input record of incremental renders in an output directory
/// ([`crate::inputs`]).
pub const INPUTS: &str = ".kcfg-inputs";

/// A file kcfg keeps in the root of an output directory, besides targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootFile {
    /// The marker.
    Marker,
    /// The marker of a shard: the targets it wrote.
    ShardMarker(Shard),
    /// The input record.
    Inputs,
    /// The input record of a shard.
    ShardInputs(Shard),
}

impl RootFile {
    /// Its name in the output directory.
    pub fn name(&self) -> String {
        match self {
            RootFile::Marker => MARKER.to_string(),
            RootFile::ShardMarker(shard) => format!("{MARKER}-{}", shard.file_suffix()),
            RootFile::Inputs => INPUTS.to_string(),
            RootFile::ShardInputs(shard) => format!("{INPUTS}-{}", shard.file_suffix()),
        }
    }

    /// The file a name in the output's root is, if it is one of kcfg's.
    pub fn from_name(name: &str) -> Option<RootFile> {
        for (base, plain, sharded) in [
            (
                MARKER,
                RootFile::Marker,
                RootFile::ShardMarker as fn(Shard) -> RootFile,
            ),
            (INPUTS, RootFile::Inputs, RootFile::ShardInputs),
        ] {
            if let Some(rest) = name.strip_prefix(base) {
                if rest.is_empty() {
                    return Some(plain);
                }
                return rest
                    .strip_prefix('-')
                    .and_then(Shard::from_file_suffix)
                    .map(sharded);
            }
        }
        None
    }
}

/// The lock file in an output directory.
pub const LOCK: &str = ".kcfg-lock";

/// The marker's first line.
pub(super) const MARKER_HEADER: &str =
    "# Written by `kcfg render`: the targets rendered into this directory. Do not edit.\n";

/// Whether `name` is one of kcfg's temporary names: `.NAME.kcfg-new-PID-N`
/// or `.NAME.kcfg-old-PID-N` for a target directory `NAME` (a plain
/// component), or, in the output's root, `FILE.PID.tmp` for one of kcfg's
/// [`RootFile`]s (`.kcfg-rendered.PID.tmp`).
pub fn is_temp_name(name: &str, in_root: bool) -> bool {
    if in_root {
        if let Some((file, pid)) = name
            .strip_suffix(".tmp")
            .and_then(|rest| rest.rsplit_once('.'))
        {
            if is_number(pid) && RootFile::from_name(file).is_some() {
                return true;
            }
        }
    }
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    for infix in [".kcfg-new-", ".kcfg-old-"] {
        if let Some(at) = rest.rfind(infix) {
            let (base, suffix) = (&rest[..at], &rest[at + infix.len()..]);
            let unique = suffix
                .split_once('-')
                .is_some_and(|(pid, n)| is_number(pid) && is_number(n));
            if unique && !base.contains('/') && target_name_problem(base).is_none() {
                return true;
            }
        }
    }
    false
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Reads the marker's lines: (line number → target). Comments (`#`) and
/// empty lines are skipped; any other line must be a target name kcfg could
/// have written.
pub(super) fn parse_marker(shown: &Path, bytes: &[u8]) -> Result<BTreeMap<usize, String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|err| {
        format!(
            "{}: not UTF-8 text (invalid byte at offset {}): the marker is corrupt; nothing was \
             deleted or written (restore it from version control and render again)",
            shown.display(),
            err.valid_up_to()
        )
    })?;
    let mut listed = BTreeMap::new();
    let mut bad = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match target_name_problem(line) {
            None => {
                listed.insert(index + 1, line.to_string());
            }
            Some(why) => bad.push(format!(
                "  {}:{}: {line:?}: {why}",
                shown.display(),
                index + 1
            )),
        }
    }
    if bad.is_empty() {
        Ok(listed)
    } else {
        Err(bad_marker(shown, bad))
    }
}

pub(super) fn bad_marker(shown: &Path, mut bad: Vec<String>) -> String {
    let count = bad.len();
    bad.truncate(SHOWN_LINES);
    let mut message = format!(
        "{}: {count} line{} {} not a target kcfg render could have written; nothing was deleted or \
         written:\n{}",
        shown.display(),
        if count == 1 { "" } else { "s" },
        if count == 1 { "is" } else { "are" },
        bad.join("\n")
    );
    if count > SHOWN_LINES {
        message.push_str(&format!("\n  … and {} more", count - SHOWN_LINES));
    }
    message.push_str(
        "\nThe marker lists the target directories kcfg render replaces and removes; restore it \
         from version control (or delete those lines) and render again.",
    );
    message
}
