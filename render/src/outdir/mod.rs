//! The output directory: what kcfg owns there, and writing, comparing and
//! removing targets without touching anything else (issue 13).
//!
//! **Writing.** A target's files are computed in memory, then compared with
//! what is on disk: an identical target is not touched (mtimes included).
//! Otherwise the files are written into a fresh directory beside the
//! target's (`.NAME.kcfg-new-PID-N`; unchanged files are hard-linked from
//! the old one), which then takes the target's place: in one step where the
//! system can swap two directories (Linux's `RENAME_EXCHANGE`), else by
//! renaming the old one aside (`.NAME.kcfg-old-PID-N`) first. Files of the
//! previous render that are no longer produced disappear, a reader never
//! sees a half-written target, and a target that fails is never written.
//!
//! **Ownership.** `OUT/.kcfg-rendered` (the marker) lists the targets kcfg
//! wrote there; it is committed with the output, so its content is input
//! from whoever can open a pull request. The rules, each checked before
//! anything is written or deleted:
//!
//! * every line of the marker is a target name kcfg could have written
//!   (`super::output::target_name_problem`: relative, normalized, no `.`,
//!   `..` or hidden components, no `\`, NUL or control characters), and its
//!   path inside the output does not pass through a symbolic link; one bad
//!   line and the run stops, naming the file, line and text;
//! * a non-empty directory without the marker is not kcfg's: refused;
//! * nothing below the output directory is reached through a symbolic link
//!   ([`super::disk`]): a target directory, or a parent of one, that is a
//!   link stops the run before anything changes; a link inside a target is
//!   an entry kcfg did not write, compared as such, never read through, and
//!   removed as a link;
//! * only kcfg's own temporary names (`.NAME.kcfg-new-PID-N`,
//!   `.NAME.kcfg-old-PID-N`, `.kcfg-rendered.PID.tmp`) are cleaned up as
//!   leftovers of an interrupted render, only in directories that hold
//!   targets, and only while holding the lock.
//!
//! **The lock.** `OUT/.kcfg-lock` serializes renders into one directory: a
//! render holds an exclusive `flock` on it (std's `File::try_lock`) from
//! before it reads the marker for the last time until it is done, and a
//! second render waits for it. The file holds the holder's process id, for
//! the waiting message, and the holder removes it before unlocking, so it
//! never stays in the output to be committed; a waiter that gets the lock
//! on a file whose name has gone starts again on the new one. A render
//! killed with the lock leaves the file behind: the next render takes it
//! over and removes it, and `--check` reports it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::disk::{self, Dir, Kind};
use super::output::Files;
use crate::shard::Shard;

mod lock;
mod marker;
mod stamp;
#[cfg(test)]
mod tests;

use self::marker::{bad_marker, parse_marker, MARKER_HEADER};
pub use self::marker::{is_temp_name, RootFile, INPUTS, LOCK, MARKER};
pub(crate) use self::stamp::StampCursor;
pub use self::stamp::{KeptStamp, TargetStamp, SETTLE};

/// The largest marker kcfg reads (a fleet of a million targets fits).
const MARKER_LIMIT: u64 = 64 << 20;

/// How many targets one worker checks for links at a time: the walk of a
/// parent directory is shared within a chunk, and chunks small enough for
/// every core to take a share of a few hundred targets.
const CHECK_CHUNK: usize = 64;

/// The largest file of a target kcfg reads back for comparing.
const FILE_LIMIT: u64 = 1 << 30;

/// How many problems an error lists.
const SHOWN_LINES: usize = 20;

/// A counter making temporary names unique within the process.
static TEMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

// ----- trees on disk ---------------------------------------------------------------

/// A target's directory as found on disk.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tree {
    /// Its regular files: path relative to the directory → content.
    pub files: Files,
    /// Entries kcfg never writes (links, FIFOs, empty directories, names
    /// that are not UTF-8), with what they are.
    pub foreign: Vec<(String, &'static str)>,
}

/// Where a walk down a target's parent directories ended.
enum Walked {
    /// At the parent, a directory.
    Dir(Dir),
    /// At a component that does not exist: nothing below it to check.
    Missing,
    /// At a link or something that is not a directory.
    Problem(disk::Error),
}

/// Walks from `root` down the `/`-separated `path` (empty: `root`),
/// opening each component without following a link: a link, or something
/// that is not a directory, ends the walk with its problem.
fn walk_checked(root: &Dir, path: &str) -> disk::Result<Walked> {
    if path.is_empty() {
        return Ok(Walked::Dir(root.try_clone()?));
    }
    let mut dir: Option<Dir> = None;
    for component in path.split('/') {
        let parent = dir.as_ref().unwrap_or(root);
        dir = match parent.child(OsStr::new(component)) {
            Ok(Some(child)) => Some(child),
            Ok(None) => return Ok(Walked::Missing),
            Err(problem) => return Ok(Walked::Problem(problem)),
        };
    }
    Ok(dir.map_or(Walked::Missing, Walked::Dir))
}

/// How many targets must share a parent directory for their check to list
/// it once rather than inspect each target's name in it.
const LIST_SIBLINGS: usize = 3;

/// Checks the paths of the targets `names` below `root`, siblings next to
/// each other: each parent directory is walked once for its targets (and
/// listed once when it holds several), the targets' own directories are
/// not opened. Returns the problems found, each with the indexes of the
/// targets it concerns: a link, or something other than a directory, on
/// the way to a target or at its place. A missing directory is none.
fn check_targets(root: &Dir, names: &[&str]) -> disk::Result<Vec<(Range<usize>, disk::Error)>> {
    let mut problems = Vec::new();
    let mut start = 0;
    while start < names.len() {
        let (parent, _) = split_last(names[start]);
        let end = start
            + names[start..]
                .iter()
                .take_while(|name| split_last(name).0 == parent)
                .count();
        let group = start..end;
        start = end;
        let mut dir = match walk_checked(root, parent)? {
            Walked::Dir(dir) => dir,
            Walked::Missing => continue,
            Walked::Problem(problem) => {
                problems.push((group, problem));
                continue;
            }
        };
        let listing = if group.len() >= LIST_SIBLINGS {
            Some(dir.entries_in_place()?)
        } else {
            None
        };
        for index in group {
            let base = OsStr::new(split_last(names[index]).1);
            let kind = match &listing {
                Some(entries) => entries
                    .binary_search_by(|(name, _)| name.as_os_str().cmp(base))
                    .ok()
                    .map(|at| entries[at].1),
                None => dir.kind(base)?,
            };
            let problem = match kind {
                None | Some(Kind::Dir) => continue,
                Some(Kind::Symlink) => disk::Error::Symlink(dir.path_of(base)),
                Some(_) => disk::Error::NotDir(dir.path_of(base)),
            };
            problems.push((index..index + 1, problem));
        }
    }
    Ok(problems)
}

/// Reads the tree under `dir`, following no link.
pub fn read_tree(dir: &Dir) -> disk::Result<Tree> {
    let mut tree = Tree::default();
    read_into(dir, "", 0, &mut tree)?;
    Ok(tree)
}

fn read_into(dir: &Dir, prefix: &str, depth: usize, tree: &mut Tree) -> disk::Result<()> {
    let entries = dir.entries()?;
    if entries.is_empty() && !prefix.is_empty() {
        tree.foreign
            .push((prefix.to_string(), "an empty directory"));
    }
    for (name, kind) in entries {
        let shown = name.to_string_lossy();
        let relative = if prefix.is_empty() {
            shown.to_string()
        } else {
            format!("{prefix}/{shown}")
        };
        if name.to_str().is_none() {
            tree.foreign.push((relative, "a name that is not UTF-8"));
            continue;
        }
        match kind {
            Kind::Dir => {
                if depth + 1 >= disk::MAX_DEPTH {
                    return Err(disk::Error::TooDeep(dir.path_of(&name)));
                }
                if let Some(child) = dir.child(&name)? {
                    read_into(&child, &relative, depth + 1, tree)?;
                }
            }
            Kind::File => {
                let content = dir.read_file(&name, FILE_LIMIT)?;
                tree.files.insert(relative, content);
            }
            Kind::Symlink | Kind::Other => tree.foreign.push((relative, kind.describe())),
        }
    }
    Ok(())
}

/// What [`OutDir::write_target`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The files on disk were already these.
    Unchanged,
    /// The target's directory was replaced.
    Replaced,
}

/// A leftover of an interrupted render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// The directory holding it, relative to the output ("" for the root).
    parent: String,
    /// Its name there.
    name: String,
    /// Its path, as messages show it.
    pub path: PathBuf,
}

/// Splits `a/b/c` into `("a/b", "c")` and `c` into `("", "c")`.
fn split_last(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

// ----- the output directory --------------------------------------------------------

/// An output directory and the targets its marker lists.
#[derive(Debug)]
pub struct OutDir {
    /// The directory, as messages show it.
    pub root: PathBuf,
    /// Whether a symbolic link at `root` itself is followed.
    follow: bool,
    /// The open directory; `None` while it does not exist.
    dir: Option<Dir>,
    /// The targets listed in its marker and in the markers of shards
    /// (none if it has no marker yet).
    pub listed: BTreeSet<String>,
    /// The targets each shard's marker lists.
    pub shard_listed: BTreeMap<Shard, BTreeSet<String>>,
    /// The bytes of each marker file read and checked, with the targets
    /// it lists: read again (once the lock is held) with the same bytes,
    /// it is not parsed and its targets' paths are not walked again; every
    /// path a render writes or deletes is checked under the lock anyway
    /// ([`OutDir::check_paths`]).
    checked: BTreeMap<String, (Vec<u8>, BTreeSet<String>)>,
    /// The shards' markers and records the last listing found (holding the
    /// lock, no other render adds one): what [`OutDir::remove_shard_files`]
    /// removes.
    shard_files: Vec<OsString>,
}

/// Turns a disk error into the renderer's error text.
fn text(err: disk::Error) -> String {
    err.to_string()
}

impl OutDir {
    /// Opens an output directory, reading nothing but checking everything:
    /// a missing or empty one is fine, a non-empty one must have kcfg's
    /// marker, and the marker must be valid ([`OutDir`]'s rules). With
    /// `follow`, `root` may be a symbolic link (the user named it on the
    /// command line); without, a link there is refused (the default
    /// `PLAN/rendered` is part of the repository, not the user's word).
    pub fn open(root: &Path, follow: bool) -> Result<OutDir, String> {
        let dir = Dir::open(root, follow).map_err(|err| match err {
            disk::Error::Symlink(path) => format!(
                "{} is a symbolic link; kcfg render does not follow a link it finds in the \
                 plan's directory: name the output directory with --out to render through it",
                path.display()
            ),
            other => text(other),
        })?;
        let mut out = OutDir {
            root: root.to_path_buf(),
            follow,
            dir,
            listed: BTreeSet::new(),
            shard_listed: BTreeMap::new(),
            checked: BTreeMap::new(),
            shard_files: Vec::new(),
        };
        out.reload()?;
        Ok(out)
    }

    /// Reads and checks the marker, and the markers of shards, again.
    pub(crate) fn reload(&mut self) -> Result<(), String> {
        self.shard_listed = BTreeMap::new();
        let Some(dir) = &self.dir else {
            self.listed = BTreeSet::new();
            return Ok(());
        };
        let entries = dir.entries().map_err(text)?;
        self.shard_files = entries
            .iter()
            .filter(|(name, _)| {
                name.to_str()
                    .and_then(RootFile::from_name)
                    .is_some_and(|file| {
                        matches!(file, RootFile::ShardMarker(_) | RootFile::ShardInputs(_))
                    })
            })
            .map(|(name, _)| name.clone())
            .collect();
        let marker = OsStr::new(MARKER);
        // A shard's marker makes the directory kcfg's as the main marker
        // does: shards rendered on several machines and copied together
        // have no main marker until `--prune-shards` (or an unsharded
        // render) writes it.
        let shard_marker = entries.iter().any(|(name, _)| {
            name.to_str()
                .and_then(RootFile::from_name)
                .is_some_and(|file| matches!(file, RootFile::ShardMarker(_)))
        });
        self.listed = match dir.kind(marker).map_err(text)? {
            None if shard_marker => BTreeSet::new(),
            None => {
                let foreign = entries.iter().any(|(name, _)| {
                    let name = name.to_string_lossy();
                    name != LOCK
                        && !is_temp_name(&name, true)
                        && RootFile::from_name(&name).is_none()
                });
                if foreign {
                    return Err(format!(
                        "{} is not empty and was not written by kcfg render (it has no {MARKER}); \
                         refusing to write into it: choose another --out or empty it",
                        self.root.display()
                    ));
                }
                BTreeSet::new()
            }
            Some(Kind::File) => self.read_marker(MARKER)?,
            Some(kind) => {
                return Err(format!(
                    "{} is {}, not kcfg's marker file; nothing was deleted or written",
                    dir.path_of(MARKER).display(),
                    kind.describe()
                ))
            }
        };
        for (name, kind) in entries {
            let Some(name) = name.to_str() else { continue };
            let Some(RootFile::ShardMarker(shard)) = RootFile::from_name(name) else {
                continue;
            };
            if kind != Kind::File {
                return Err(format!(
                    "{} is {}, not a shard's marker file; nothing was deleted or written",
                    self.root.join(name).display(),
                    kind.describe()
                ));
            }
            let listed = self.read_marker(name)?;
            self.listed.extend(listed.iter().cloned());
            self.shard_listed.insert(shard, listed);
        }
        Ok(())
    }

    /// Reads and checks the marker (or a shard's marker) `name`: every line
    /// a target name whose path passes no link.
    fn read_marker(&mut self, name: &str) -> Result<BTreeSet<String>, String> {
        let dir = self.dir()?;
        let shown = dir.path_of(name);
        let bytes = dir
            .read_file(OsStr::new(name), MARKER_LIMIT)
            .map_err(|err| format!("{err}; nothing was deleted or written"))?;
        if let Some((_, listed)) = self.checked.get(name).filter(|(read, _)| *read == bytes) {
            return Ok(listed.clone());
        }
        let listed = parse_marker(&shown, &bytes)?;
        // Checked in chunks on every core, the bad lines kept in order. A
        // marker lists targets sorted, so in a chunk siblings follow each
        // other and share their parent's walk.
        let lines: Vec<(&usize, &String)> = listed.iter().collect();
        let chunks: Vec<Result<Vec<String>, String>> = lines
            .par_chunks(CHECK_CHUNK)
            .map(|chunk| {
                let names: Vec<&str> = chunk.iter().map(|(_, target)| target.as_str()).collect();
                let mut bad = Vec::new();
                for (indexes, problem) in check_targets(dir, &names).map_err(text)? {
                    let link = match problem {
                        disk::Error::Symlink(link) => link,
                        // A file where the path cannot go on: nothing
                        // below it to follow.
                        disk::Error::NotDir(_) => continue,
                        other => return Err(text(other)),
                    };
                    for (line, target) in &chunk[indexes] {
                        bad.push(format!(
                            "  {}:{line}: {target:?}: its path passes through the symbolic link {}",
                            shown.display(),
                            link.display()
                        ));
                    }
                }
                Ok(bad)
            })
            .collect();
        let mut bad = Vec::new();
        for chunk in chunks {
            bad.extend(chunk?);
        }
        if !bad.is_empty() {
            return Err(bad_marker(&shown, bad));
        }
        let listed: BTreeSet<String> = listed.into_values().collect();
        self.checked
            .insert(name.to_string(), (bytes, listed.clone()));
        Ok(listed)
    }

    /// Checks that the targets `names` can be written or read without
    /// passing a symbolic link or something that is not a directory:
    /// every problem is listed, before anything is changed.
    pub fn check_paths<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Result<(), String> {
        let Some(root) = &self.dir else {
            return Ok(());
        };
        let names: Vec<&str> = names.into_iter().collect();
        // Checked in chunks on every core, the problems kept in order.
        // Targets come grouped by parent (`cluster/app`): in a chunk, a
        // parent's walk is reused by the next target in it.
        let chunks: Vec<Result<Vec<String>, String>> = names
            .par_chunks(CHECK_CHUNK)
            .map(|chunk| {
                let mut problems = Vec::new();
                for (indexes, problem) in check_targets(root, chunk).map_err(text)? {
                    for name in &chunk[indexes] {
                        problems.push(format!("target {name}: {problem}"));
                    }
                }
                Ok(problems)
            })
            .collect();
        let mut problems = Vec::new();
        for chunk in chunks {
            problems.extend(chunk?);
        }
        if problems.is_empty() {
            return Ok(());
        }
        let count = problems.len();
        problems.truncate(SHOWN_LINES);
        let mut message = problems.join("\n");
        if count > SHOWN_LINES {
            message.push_str(&format!("\n… and {} more", count - SHOWN_LINES));
        }
        message.push_str("\nnothing was deleted or written");
        Err(message)
    }

    /// The path of a target's directory, for messages.
    pub fn target_path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn dir(&self) -> Result<&Dir, String> {
        self.dir.as_ref().ok_or_else(|| {
            format!(
                "{} does not exist (kcfg render creates it when it takes the lock)",
                self.root.display()
            )
        })
    }

    fn leftover(&self, parent: &str, name: &str) -> Leftover {
        let relative = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}/{name}")
        };
        Leftover {
            parent: parent.to_string(),
            name: name.to_string(),
            path: self.root.join(relative),
        }
    }

    /// kcfg's temporary names in the directories that hold the targets
    /// `names` (the output's root and every parent of a target), which only
    /// an interrupted render leaves behind.
    pub fn leftovers<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<Vec<Leftover>, String> {
        let Some(root) = &self.dir else {
            return Ok(Vec::new());
        };
        let mut parents: BTreeSet<&str> = BTreeSet::from([""]);
        for name in names {
            let mut prefix = name;
            while let Some((parent, _)) = prefix.rsplit_once('/') {
                parents.insert(parent);
                prefix = parent;
            }
        }
        // Listed on every core, in order.
        let parents: Vec<&str> = parents.into_iter().collect();
        let listed: Vec<Result<Vec<Leftover>, String>> = parents
            .par_iter()
            .map(|&parent| {
                let entries = if parent.is_empty() {
                    root.entries()
                } else {
                    match root.walk(parent, false) {
                        // Opened for this listing alone.
                        Ok(Some(mut dir)) => dir.entries_in_place(),
                        Ok(None) | Err(disk::Error::NotDir(_)) => return Ok(Vec::new()),
                        Err(err) => return Err(text(err)),
                    }
                };
                let mut found = Vec::new();
                for (name, _) in entries.map_err(text)? {
                    let Some(name) = name.to_str() else { continue };
                    if is_temp_name(name, parent.is_empty()) {
                        found.push(self.leftover(parent, name));
                    }
                }
                Ok(found)
            })
            .collect();
        let mut found = Vec::new();
        for leftovers in listed {
            found.extend(leftovers?);
        }
        Ok(found)
    }

    /// Removes leftovers found by [`OutDir::leftovers`] (call it holding
    /// the lock), as trees that are never followed out of the output.
    pub fn remove_leftovers(&self, leftovers: &[Leftover]) -> Result<(), String> {
        let root = self.dir()?;
        for leftover in leftovers {
            let dir = if leftover.parent.is_empty() {
                root.try_clone().map_err(text)?
            } else {
                match root.walk(&leftover.parent, false).map_err(text)? {
                    Some(dir) => dir,
                    None => continue,
                }
            };
            dir.remove_tree(OsStr::new(&leftover.name)).map_err(text)?;
        }
        Ok(())
    }

    /// Rewrites the marker with `targets` (unless it already says that).
    pub fn write_marker(&mut self, targets: &BTreeSet<String>) -> Result<(), String> {
        self.write_marker_file(&RootFile::Marker, targets)
    }

    /// Rewrites the marker of `shard` with `targets`.
    pub fn write_shard_marker(
        &mut self,
        shard: Shard,
        targets: &BTreeSet<String>,
    ) -> Result<(), String> {
        self.write_marker_file(&RootFile::ShardMarker(shard), targets)
    }

    /// Writes the marker `file` listing `targets`, unless it holds that
    /// text: as it was read and checked (holding the lock, no other render
    /// writes it), or on disk.
    fn write_marker_file(
        &mut self,
        file: &RootFile,
        targets: &BTreeSet<String>,
    ) -> Result<(), String> {
        let name = file.name();
        let content = marker_text(targets);
        if self
            .checked
            .get(&name)
            .is_some_and(|(read, _)| *read == content.as_bytes())
        {
            return Ok(());
        }
        self.checked.remove(&name);
        self.write_root_file(file, content.as_bytes()).map(drop)
    }

    /// Removes the markers and input records of every shard (call it
    /// holding the lock, once the main marker lists their targets).
    pub fn remove_shard_files(&mut self) -> Result<(), String> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        for name in std::mem::take(&mut self.shard_files) {
            dir.remove_tree(&name).map_err(text)?;
            if let Some(name) = name.to_str() {
                self.checked.remove(name);
            }
        }
        Ok(())
    }

    /// The content of one of kcfg's files in the output's root, if it is
    /// there and a regular file of at most `limit` bytes (else an error).
    pub fn read_root_file(&self, file: &RootFile, limit: u64) -> Result<Option<Vec<u8>>, String> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        let name = file.name();
        match dir.kind(OsStr::new(&name)).map_err(text)? {
            None => Ok(None),
            Some(Kind::File) => dir
                .read_file(OsStr::new(&name), limit)
                .map(Some)
                .map_err(text),
            Some(kind) => Err(format!(
                "{} is {}, not a file kcfg wrote",
                dir.path_of(&name).display(),
                kind.describe()
            )),
        }
    }

    /// Replaces one of kcfg's files in the output's root with `content`
    /// (unless it already holds it): written to `FILE.PID.tmp`, then
    /// renamed over it. Call it holding the lock. Whether it was written.
    pub fn write_root_file(&self, file: &RootFile, content: &[u8]) -> Result<bool, String> {
        let dir = self.dir()?;
        let name = file.name();
        let target = OsStr::new(&name);
        if dir.kind(target).map_err(text)? == Some(Kind::File)
            && dir
                .read_file(target, MARKER_LIMIT)
                .is_ok_and(|old| old == content)
        {
            return Ok(false);
        }
        self.replace_root_file(file, content).map(|()| true)
    }

    /// Writes `file` in the output's root with `content`, whatever it
    /// holds: into a new temporary file, then renamed over it (a link at
    /// its name is replaced, not written through). Call it holding the lock.
    pub fn replace_root_file(&self, file: &RootFile, content: &[u8]) -> Result<(), String> {
        let dir = self.dir()?;
        let name = file.name();
        let target = OsStr::new(&name);
        let temp = OsString::from(format!("{name}.{}.tmp", std::process::id()));
        dir.remove_tree(&temp).map_err(text)?;
        let result = dir
            .write_new_file(&temp, content)
            .and_then(|()| dir.rename(&temp, dir, target));
        if result.is_err() {
            let _ = dir.remove_tree(&temp);
        }
        result.map_err(text)
    }

    /// The target's directory as it is on disk, or `None` if it does not
    /// exist.
    pub fn read_target(&self, name: &str) -> Result<Option<Tree>, String> {
        let Some(root) = &self.dir else {
            return Ok(None);
        };
        match root.walk(name, false) {
            Ok(Some(dir)) => read_tree(&dir).map(Some).map_err(text),
            Ok(None) => Ok(None),
            Err(err) => Err(text(err)),
        }
    }

    /// Writes a target's files into its directory, replacing what was
    /// there, unless it holds exactly these files already.
    pub fn write_target(&self, name: &str, files: &Files) -> Result<Written, String> {
        let root = self.dir()?;
        let (parent_path, base) = split_last(name);
        let parent = if parent_path.is_empty() {
            root.try_clone()
        } else {
            root.walk(parent_path, true)
                .map(|dir| dir.expect("walk with create makes every component"))
        }
        .map_err(text)?;
        let base_name = OsStr::new(base);
        let old = match parent.kind(base_name).map_err(text)? {
            None => None,
            Some(Kind::Dir) => match parent.child(base_name).map_err(text)? {
                Some(dir) => {
                    let tree = read_tree(&dir).map_err(text)?;
                    Some((dir, tree))
                }
                None => None,
            },
            Some(Kind::Symlink) => return Err(text(disk::Error::Symlink(parent.path_of(base)))),
            Some(_) => return Err(text(disk::Error::NotDir(parent.path_of(base)))),
        };
        if let Some((_, tree)) = &old {
            if tree.files == *files && tree.foreign.is_empty() {
                return Ok(Written::Unchanged);
            }
        }
        let unique = format!(
            "{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let fresh_name = OsString::from(format!(".{base}.kcfg-new-{unique}"));
        let result = parent
            .create_new_child(&fresh_name)
            .and_then(|fresh| {
                fill(
                    &fresh,
                    files,
                    old.as_ref().map(|(dir, tree)| (dir, &tree.files)),
                )
            })
            .and_then(|()| swap_in(&parent, base_name, &fresh_name, &unique, old.is_some()));
        if result.is_err() {
            let _ = parent.remove_tree(&fresh_name);
        }
        result.map(|()| Written::Replaced).map_err(text)
    }

    /// Deletes the directory of a target that is no longer in the plan,
    /// and its parents that become empty, never following a link.
    pub fn remove_target(&self, name: &str) -> Result<(), String> {
        let root = self.dir()?;
        let components: Vec<&str> = name.split('/').collect();
        let mut dirs = vec![root.try_clone().map_err(text)?];
        for component in &components[..components.len() - 1] {
            match dirs[dirs.len() - 1]
                .child(OsStr::new(component))
                .map_err(text)?
            {
                Some(child) => dirs.push(child),
                None => return Ok(()),
            }
        }
        let last = components[components.len() - 1];
        dirs[dirs.len() - 1]
            .remove_tree(OsStr::new(last))
            .map_err(text)?;
        for index in (1..dirs.len()).rev() {
            if !dirs[index - 1]
                .remove_empty_dir(OsStr::new(components[index - 1]))
                .map_err(text)?
            {
                break;
            }
        }
        Ok(())
    }
}

/// The marker's text listing `targets`.
fn marker_text(targets: &BTreeSet<String>) -> String {
    let mut content = String::from(MARKER_HEADER);
    for name in targets {
        content.push_str(name);
        content.push('\n');
    }
    content
}

/// Writes `files` into the new directory `fresh`. A file whose content is
/// unchanged from the old directory is hard-linked rather than written:
/// files are never modified in place, so sharing the inode is safe, and on
/// common file systems a link costs a tenth of creating a file, which is
/// what a fleet-wide change (one image tag in every target) is made of.
fn fill(fresh: &Dir, files: &Files, old: Option<(&Dir, &Files)>) -> disk::Result<()> {
    let mut fresh_dirs: HashMap<&str, Dir> = HashMap::new();
    let mut old_dirs: HashMap<&str, Option<Dir>> = HashMap::new();
    for (relative, content) in files {
        let (dir_path, file) = split_last(relative);
        let file = OsStr::new(file);
        let into = if dir_path.is_empty() {
            fresh
        } else {
            if !fresh_dirs.contains_key(dir_path) {
                let made = fresh
                    .walk(dir_path, true)?
                    .expect("walk with create makes every component");
                fresh_dirs.insert(dir_path, made);
            }
            &fresh_dirs[dir_path]
        };
        if let Some((old_root, old_files)) = old {
            if old_files.get(relative) == Some(content) {
                let from = if dir_path.is_empty() {
                    Some(old_root)
                } else {
                    old_dirs
                        .entry(dir_path)
                        .or_insert_with(|| old_root.walk(dir_path, false).ok().flatten())
                        .as_ref()
                };
                if from.is_some_and(|from| from.hard_link(file, into, file).is_ok()) {
                    continue;
                }
            }
        }
        into.write_new_file(file, content)?;
    }
    Ok(())
}

fn swap_in(
    parent: &Dir,
    base: &OsStr,
    fresh: &OsStr,
    unique: &str,
    replacing: bool,
) -> disk::Result<()> {
    if !replacing {
        return parent.rename(fresh, parent, base);
    }
    if parent.exchange(fresh, base)? {
        // `fresh` now names the old directory.
        parent.remove_tree(fresh)?;
        return Ok(());
    }
    // `rename` cannot replace a non-empty directory, so the old one is
    // moved aside first; a crash between the two renames leaves it under a
    // temporary name, which the next render removes.
    let old = OsString::from(format!(".{}.kcfg-old-{unique}", base.to_string_lossy()));
    parent.rename(base, parent, &old)?;
    if let Err(err) = parent.rename(fresh, parent, base) {
        let _ = parent.rename(&old, parent, base);
        return Err(err);
    }
    parent.remove_tree(&old)?;
    Ok(())
}
