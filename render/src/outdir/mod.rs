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
pub use self::stamp::{TargetStamp, SETTLE};

/// The largest marker kcfg reads (a fleet of a million targets fits).
const MARKER_LIMIT: u64 = 64 << 20;

/// How many targets one worker checks for links at a time (the walk of a
/// parent directory is shared within a chunk).
const CHECK_CHUNK: usize = 256;

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
/// checking each component as [`OutDir::check_paths`] does.
fn walk_checked(root: &Dir, path: &str) -> disk::Result<Walked> {
    let mut dir = root.try_clone()?;
    if path.is_empty() {
        return Ok(Walked::Dir(dir));
    }
    for component in path.split('/') {
        let component = OsStr::new(component);
        match dir.kind(component)? {
            None => return Ok(Walked::Missing),
            Some(Kind::Dir) => match dir.child(component) {
                Ok(Some(child)) => dir = child,
                Ok(None) => return Ok(Walked::Missing),
                Err(err) => return Ok(Walked::Problem(err)),
            },
            Some(Kind::Symlink) => {
                return Ok(Walked::Problem(disk::Error::Symlink(
                    dir.path_of(component),
                )))
            }
            Some(_) => return Ok(Walked::Problem(disk::Error::NotDir(dir.path_of(component)))),
        }
    }
    Ok(Walked::Dir(dir))
}

/// The problem with the last component `name` of a target's path in its
/// parent `dir`, if any: a link, or something other than a directory, or
/// a directory that cannot be opened.
fn check_component(dir: &Dir, name: &OsStr) -> disk::Result<Option<disk::Error>> {
    Ok(match dir.kind(name)? {
        None => None,
        Some(Kind::Dir) => dir.child(name).err(),
        Some(Kind::Symlink) => Some(disk::Error::Symlink(dir.path_of(name))),
        Some(_) => Some(disk::Error::NotDir(dir.path_of(name))),
    })
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
    fn reload(&mut self) -> Result<(), String> {
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
        let lines: Vec<_> = listed.iter().collect();
        let this = &*self;
        let chunks: Vec<Result<Vec<String>, String>> = lines
            .par_chunks(CHECK_CHUNK)
            .map(|chunk| {
                let mut bad = Vec::new();
                let mut parent = None;
                for (line, target) in chunk {
                    if let Some(link) = this.link_on_path(target, &mut parent)? {
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

    /// The first symbolic link on the path of target `name` (the target's
    /// directory included), if there is one. `parent` keeps the walk of
    /// the last target's parent directory, which the next target reuses
    /// when it has the same parent.
    fn link_on_path<'n>(
        &self,
        name: &'n str,
        parent: &mut Option<(&'n str, Walked)>,
    ) -> Result<Option<PathBuf>, String> {
        let Some(root) = &self.dir else {
            return Ok(None);
        };
        let (parent_path, base) = split_last(name);
        if parent
            .as_ref()
            .is_none_or(|(walked, _)| *walked != parent_path)
        {
            *parent = Some((parent_path, walk_checked(root, parent_path).map_err(text)?));
        }
        let Some((_, walked)) = parent else {
            return Ok(None);
        };
        Ok(match walked {
            Walked::Problem(disk::Error::Symlink(link)) => Some(link.clone()),
            // Missing, or a file where the path cannot go on.
            Walked::Missing | Walked::Problem(disk::Error::NotDir(_)) => None,
            Walked::Problem(err) => return Err(err.to_string()),
            Walked::Dir(dir) => {
                let base = OsStr::new(base);
                match dir.kind(base).map_err(text)? {
                    Some(Kind::Symlink) => Some(dir.path_of(base)),
                    _ => None,
                }
            }
        })
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
                let mut last_parent: Option<(&str, Walked)> = None;
                for name in chunk {
                    let (parent, base) = split_last(name);
                    let reuse = last_parent
                        .as_ref()
                        .is_some_and(|(walked, _)| *walked == parent);
                    if !reuse {
                        let walked = walk_checked(root, parent).map_err(text)?;
                        last_parent = Some((parent, walked));
                    }
                    let dir = match &last_parent {
                        Some((_, Walked::Dir(dir))) => dir,
                        Some((_, Walked::Missing)) | None => continue,
                        Some((_, Walked::Problem(problem))) => {
                            problems.push(format!("target {name}: {problem}"));
                            continue;
                        }
                    };
                    if let Some(problem) = check_component(dir, OsStr::new(base)).map_err(text)? {
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
        let temp = OsString::from(format!("{name}.{}.tmp", std::process::id()));
        dir.remove_tree(&temp).map_err(text)?;
        let result = dir
            .write_new_file(&temp, content)
            .and_then(|()| dir.rename(&temp, dir, target));
        if result.is_err() {
            let _ = dir.remove_tree(&temp);
        }
        result.map(|()| true).map_err(text)
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
