//! Keeping a cache directory bounded (issue 18): `kcfg render` keeps its
//! plan evaluations (`kcfg-plan-*.json`, [`crate::plan_cache`]) and input
//! records (`kcfg-inputs-*.json`, [`crate::inputs::cache_file`]) in a
//! cache directory, by default the user's own. Their names hold a digest
//! of the build, the plan's directory, the arguments and the output
//! directory, so every upgrade of kcfg and every checkout path adds
//! entries (about 7 MB at a thousand clusters) that no later run reads.
//!
//! So a run that uses an entry refreshes its modification time (at most
//! once an hour: [`refresh`]), and at most once a day ([`trim_if_due`],
//! stamped by `trim.txt` in the directory) a run removes the entries whose
//! modification time is more than five days old: an entry in use is never
//! removed, and an abandoned one goes within six days. Only names kcfg
//! gives its entries are removed ([`is_entry_name`]), and only regular
//! files: a link, a directory or anyone else's file in the directory is
//! left alone, and nothing is followed (every call goes through the
//! directory's descriptor, see [`crate::disk::Dir`]). Removing an entry
//! another run is about to read costs that run an evaluation, never a
//! wrong result: an entry is only ever a claim kcfg checks.

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::disk::{self, Dir, Kind, Meta};

/// The file whose modification time says when the directory was trimmed.
pub const TRIM_STAMP: &str = "trim.txt";

/// How long an entry may go unused before a trim removes it.
pub const UNUSED_FOR: Duration = Duration::from_secs(5 * 24 * 3600);

/// How often a directory is trimmed at most.
pub const TRIM_EVERY: Duration = Duration::from_secs(24 * 3600);

/// How often the modification time of an entry in use is refreshed at
/// most (a refresh is a write to the directory's metadata).
pub const REFRESH_EVERY: Duration = Duration::from_secs(3600);

/// Whether `name` is one kcfg gives the files it keeps in a cache
/// directory: `kcfg-plan-<32 hex>.json`, `kcfg-inputs-<32 hex>.json`,
/// `kcfg-inputs-<32 hex>-shard-<I>-of-<N>.json`, or the temporary file
/// one of them (or [`TRIM_STAMP`]) is written through,
/// `<name>.<process id>.tmp`.
pub fn is_entry_name(name: &str) -> bool {
    if let Some(rest) = name.strip_suffix(".tmp") {
        return match rest.rsplit_once('.') {
            Some((written, pid)) => {
                is_digits(pid) && (written == TRIM_STAMP || is_record_name(written))
            }
            None => false,
        };
    }
    is_record_name(name)
}

/// `kcfg-plan-<32 hex>.json` or `kcfg-inputs-<32 hex>[-shard-I-of-N].json`.
fn is_record_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    if let Some(key) = stem.strip_prefix("kcfg-plan-") {
        return is_key(key);
    }
    let Some(rest) = stem.strip_prefix("kcfg-inputs-") else {
        return false;
    };
    match rest.split_once('-') {
        None => is_key(rest),
        Some((key, suffix)) => {
            is_key(key) && crate::shard::Shard::from_file_suffix(suffix).is_some()
        }
    }
}

/// 32 lower-case hex digits: the part of a digest an entry's name holds.
fn is_key(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// How long before `now` a modification time lies; `None` when it lies in
/// the future (a clock set back).
fn age(meta: &Meta, now: SystemTime) -> Option<Duration> {
    let (seconds, nanos) = meta.modified;
    let modified = if seconds >= 0 {
        UNIX_EPOCH + Duration::new(seconds as u64, nanos.clamp(0, 999_999_999) as u32)
    } else {
        UNIX_EPOCH
    };
    now.duration_since(modified).ok()
}

/// What a trim did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Trimmed {
    /// The entries removed, by name, sorted.
    pub removed: Vec<OsString>,
}

/// Trims the cache directory `dir` if it was not trimmed in the last
/// [`TRIM_EVERY`]: stamps [`TRIM_STAMP`] first (so runs started at the
/// same time do not all trim), then removes every regular file named as
/// kcfg names its entries ([`is_entry_name`]) that was last modified more
/// than [`UNUSED_FOR`] before `now`. `Ok(None)`: not due, or the directory
/// is not there. A link at `dir` itself is followed (the user named it, or
/// kcfg checked it); none in it is.
pub fn trim_if_due(dir: &Path, now: SystemTime) -> Result<Option<Trimmed>, disk::Error> {
    let Some(dir) = Dir::open(dir, true)? else {
        return Ok(None);
    };
    let stamp = OsStr::new(TRIM_STAMP);
    if let Some(meta) = dir.stat(Some(stamp))? {
        let recent = meta.kind == Kind::File && age(&meta, now).is_some_and(|age| age < TRIM_EVERY);
        if recent {
            return Ok(None);
        }
    }
    write_stamp(&dir, now)?;
    let mut trimmed = Trimmed::default();
    for (name, kind) in dir.entries()? {
        if kind != Kind::File || !name.to_str().is_some_and(is_entry_name) {
            continue;
        }
        // Listed kinds may be stale: the entry is looked at again, not
        // followed.
        let Some(meta) = dir.stat(Some(&name))? else {
            continue;
        };
        let old = age(&meta, now).is_some_and(|age| age > UNUSED_FOR);
        if meta.kind == Kind::File && old {
            match dir.remove_file(&name) {
                Ok(()) => trimmed.removed.push(name),
                // Removed by another run meanwhile.
                Err(disk::Error::Io { err, .. }) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
    }
    Ok(Some(trimmed))
}

/// Writes [`TRIM_STAMP`] (a regular file; a link there is an error, never
/// written through) with its modification time `now`.
fn write_stamp(dir: &Dir, now: SystemTime) -> Result<(), disk::Error> {
    let name = OsStr::new(TRIM_STAMP);
    let fail = |err| disk::Error::Io {
        op: "write",
        path: dir.path_of(name),
        err,
    };
    let Some(mut file) = dir.open_rw(name, true)? else {
        return Err(fail(std::io::ErrorKind::NotFound.into()));
    };
    let text = "kcfg keeps its plan evaluations and input records here. Once a day, a \
                kcfg render removes the ones unused for 5 days; the modification time of \
                this file says when it last did.\n";
    file.set_len(0).map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.set_modified(now).map_err(fail)
}

/// Marks the entry `name` of the cache directory `dir` as used `now`: sets
/// its modification time when it is more than [`REFRESH_EVERY`] old (or in
/// the future). Only a regular file is touched, never through a link; a
/// failure only means the entry may be trimmed sooner, so it is ignored.
pub(crate) fn refresh(dir: &Dir, name: &OsStr, now: SystemTime) {
    let Ok(Some(meta)) = dir.stat(Some(name)) else {
        return;
    };
    let fresh = age(&meta, now).is_some_and(|age| age < REFRESH_EVERY);
    if meta.kind != Kind::File || fresh {
        return;
    }
    if let Ok(Some(file)) = dir.read_only(name) {
        let _ = file.set_modified(now);
    }
}

#[cfg(test)]
mod tests;
