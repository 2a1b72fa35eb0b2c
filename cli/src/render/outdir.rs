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
use std::fs::{File, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::disk::{self, Dir, Kind};
use super::output::{target_name_problem, Files};

/// The marker file in an output directory.
pub const MARKER: &str = ".kcfg-rendered";

/// The lock file in an output directory.
pub const LOCK: &str = ".kcfg-lock";

const MARKER_HEADER: &str =
    "# Written by `kcfg render`: the targets rendered into this directory. Do not edit.\n";

/// The largest marker kcfg reads (a fleet of a million targets fits).
const MARKER_LIMIT: u64 = 64 << 20;

/// The largest file of a target kcfg reads back for comparing.
const FILE_LIMIT: u64 = 1 << 30;

/// How many bad lines of a marker an error lists.
const SHOWN_LINES: usize = 20;

/// How often a render waiting for the lock tries again.
const LOCK_POLL: Duration = Duration::from_millis(50);

/// A counter making temporary names unique within the process.
static TEMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

// ----- temporary names -----------------------------------------------------------

/// Whether `name` is one of kcfg's temporary names: `.NAME.kcfg-new-PID-N`
/// or `.NAME.kcfg-old-PID-N` for a target directory `NAME` (a plain
/// component), or, in the output's root, `.kcfg-rendered.PID.tmp`.
pub fn is_temp_name(name: &str, in_root: bool) -> bool {
    if in_root {
        if let Some(pid) = name
            .strip_prefix(".kcfg-rendered.")
            .and_then(|rest| rest.strip_suffix(".tmp"))
        {
            if is_number(pid) {
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
    /// The targets listed in its marker (none if it has no marker yet).
    pub listed: BTreeSet<String>,
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
        };
        out.reload()?;
        Ok(out)
    }

    /// Reads and checks the marker again.
    fn reload(&mut self) -> Result<(), String> {
        let Some(dir) = &self.dir else {
            self.listed = BTreeSet::new();
            return Ok(());
        };
        let marker = OsStr::new(MARKER);
        let shown = dir.path_of(MARKER);
        self.listed = match dir.kind(marker).map_err(text)? {
            None => {
                let foreign =
                    dir.entries().map_err(text)?.into_iter().any(|(name, _)| {
                        name != LOCK && !is_temp_name(&name.to_string_lossy(), true)
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
            Some(Kind::File) => {
                let bytes = dir
                    .read_file(marker, MARKER_LIMIT)
                    .map_err(|err| format!("{err}; nothing was deleted or written"))?;
                let listed = parse_marker(&shown, &bytes)?;
                let mut bad = Vec::new();
                for (line, name) in &listed {
                    if let Some(link) = self.link_on_path(name)? {
                        bad.push(format!(
                            "  {}:{line}: {name:?}: its path passes through the symbolic link {}",
                            shown.display(),
                            link.display()
                        ));
                    }
                }
                if !bad.is_empty() {
                    return Err(bad_marker(&shown, bad));
                }
                listed.into_values().collect()
            }
            Some(kind) => {
                return Err(format!(
                    "{} is {}, not kcfg's marker file; nothing was deleted or written",
                    shown.display(),
                    kind.describe()
                ))
            }
        };
        Ok(())
    }

    /// The first symbolic link on the path of target `name` (the target's
    /// directory included), if there is one.
    fn link_on_path(&self, name: &str) -> Result<Option<PathBuf>, String> {
        let Some(root) = &self.dir else {
            return Ok(None);
        };
        let mut dir = root.try_clone().map_err(text)?;
        for component in name.split('/') {
            let component = OsStr::new(component);
            match dir.kind(component).map_err(text)? {
                Some(Kind::Symlink) => return Ok(Some(dir.path_of(component))),
                Some(Kind::Dir) => match dir.child(component).map_err(text)? {
                    Some(child) => dir = child,
                    None => return Ok(None),
                },
                // Missing, or a file where the path cannot go on.
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Checks that the targets `names` can be written or read without
    /// passing a symbolic link or something that is not a directory:
    /// every problem is listed, before anything is changed.
    pub fn check_paths<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Result<(), String> {
        let Some(root) = &self.dir else {
            return Ok(());
        };
        let mut problems = Vec::new();
        for name in names {
            let mut dir = root.try_clone().map_err(text)?;
            for component in name.split('/') {
                let component = OsStr::new(component);
                let problem = match dir.kind(component).map_err(text)? {
                    None => break,
                    Some(Kind::Dir) => match dir.child(component) {
                        Ok(Some(child)) => {
                            dir = child;
                            continue;
                        }
                        Ok(None) => break,
                        Err(err) => err,
                    },
                    Some(Kind::Symlink) => disk::Error::Symlink(dir.path_of(component)),
                    Some(_) => disk::Error::NotDir(dir.path_of(component)),
                };
                problems.push(format!("target {name}: {problem}"));
                break;
            }
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

    /// Takes the lock, creating the output directory if it is missing, and
    /// reads the marker again (a render that held the lock may have changed
    /// it). `waiting` is called once, with the holder's process id if it
    /// can be read, when another render holds the lock; after `timeout` the
    /// wait is given up.
    pub fn lock(
        &mut self,
        waiting: &mut dyn FnMut(Option<u32>),
        timeout: Duration,
    ) -> Result<Lock, String> {
        if self.dir.is_none() {
            std::fs::create_dir_all(&self.root)
                .map_err(|err| format!("cannot create {}: {err}", self.root.display()))?;
            self.dir = Dir::open(&self.root, self.follow).map_err(text)?;
        }
        let dir = self.dir()?;
        let name = OsStr::new(LOCK);
        let started = Instant::now();
        let mut told = false;
        loop {
            let mut file = dir
                .open_rw(name, true)
                .map_err(text)?
                .ok_or_else(|| format!("cannot create {}", dir.path_of(LOCK).display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if !told {
                        waiting(holder(&mut file));
                        told = true;
                    }
                    if started.elapsed() > timeout {
                        return Err(format!(
                            "gave up waiting for {} after {}s: another kcfg render holds it{}",
                            dir.path_of(LOCK).display(),
                            timeout.as_secs(),
                            holder(&mut file)
                                .map(|pid| format!(" (pid {pid})"))
                                .unwrap_or_default()
                        ));
                    }
                    std::thread::sleep(LOCK_POLL);
                    continue;
                }
                Err(TryLockError::Error(err)) => {
                    return Err(format!(
                        "cannot lock {}: {err}",
                        dir.path_of(LOCK).display()
                    ))
                }
            }
            // The render before us removes the name before it unlocks: if
            // the name is gone or names another file, ours is stale.
            let ours = disk::file_identity(&file).ok();
            if ours.is_none() || dir.identity(name).map_err(text)? != ours {
                continue;
            }
            let pid = format!("{}\n", std::process::id());
            let written = file
                .set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| file.write_all(pid.as_bytes()));
            let lock = Lock {
                dir: dir.try_clone().map_err(text)?,
                _file: file,
            };
            written
                .map_err(|err| format!("cannot write {}: {err}", dir.path_of(LOCK).display()))?;
            self.reload()?;
            return Ok(lock);
        }
    }

    /// For `--check`, which writes nothing (not even a lock): waits while a
    /// render holds the lock, and returns the lock file as a leftover if it
    /// is there with nobody holding it.
    pub fn wait_for_render(
        &self,
        waiting: &mut dyn FnMut(Option<u32>),
        timeout: Duration,
    ) -> Result<Option<Leftover>, String> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        let name = OsStr::new(LOCK);
        let started = Instant::now();
        let mut told = false;
        loop {
            let mut file = match dir.kind(name).map_err(text)? {
                None => return Ok(None),
                Some(Kind::File) => match dir.read_only(name).map_err(text)? {
                    Some(file) => file,
                    None => return Ok(None),
                },
                Some(_) => return Ok(Some(self.leftover("", LOCK))),
            };
            match file.try_lock_shared() {
                Ok(()) => {
                    let ours = disk::file_identity(&file).ok();
                    return Ok(match dir.identity(name).map_err(text)? {
                        None => None,
                        same if same == ours => Some(self.leftover("", LOCK)),
                        // A new render started: wait for that one.
                        Some(_) => continue,
                    });
                }
                Err(TryLockError::WouldBlock) => {
                    if !told {
                        waiting(holder(&mut file));
                        told = true;
                    }
                    if started.elapsed() > timeout {
                        return Err(format!(
                            "gave up waiting for {} after {}s: a kcfg render holds it",
                            dir.path_of(LOCK).display(),
                            timeout.as_secs()
                        ));
                    }
                    std::thread::sleep(LOCK_POLL);
                }
                Err(TryLockError::Error(err)) => {
                    return Err(format!(
                        "cannot lock {}: {err}",
                        dir.path_of(LOCK).display()
                    ))
                }
            }
        }
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
        let mut found = Vec::new();
        for parent in parents {
            let dir = if parent.is_empty() {
                root.try_clone().map_err(text)?
            } else {
                match root.walk(parent, false) {
                    Ok(Some(dir)) => dir,
                    Ok(None) | Err(disk::Error::NotDir(_)) => continue,
                    Err(err) => return Err(text(err)),
                }
            };
            for (name, _) in dir.entries().map_err(text)? {
                let Some(name) = name.to_str() else { continue };
                if is_temp_name(name, parent.is_empty()) {
                    found.push(self.leftover(parent, name));
                }
            }
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
    pub fn write_marker(&self, targets: &BTreeSet<String>) -> Result<(), String> {
        let dir = self.dir()?;
        let mut content = String::from(MARKER_HEADER);
        for name in targets {
            content.push_str(name);
            content.push('\n');
        }
        let marker = OsStr::new(MARKER);
        if dir.kind(marker).map_err(text)? == Some(Kind::File)
            && dir
                .read_file(marker, MARKER_LIMIT)
                .is_ok_and(|old| old == content.as_bytes())
        {
            return Ok(());
        }
        let temp = OsString::from(format!("{MARKER}.{}.tmp", std::process::id()));
        dir.remove_tree(&temp).map_err(text)?;
        let result = dir
            .write_new_file(&temp, content.as_bytes())
            .and_then(|()| dir.rename(&temp, dir, marker));
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

/// The process id written in a lock file, if it can be read.
fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// The lock on an output directory; dropping it removes the lock file,
/// then unlocks.
#[derive(Debug)]
pub struct Lock {
    dir: Dir,
    _file: File,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked: a waiter that then gets the lock on
        // this file sees its name gone and starts again.
        let _ = self.dir.remove_file(OsStr::new(LOCK));
    }
}

// ----- the marker ------------------------------------------------------------------

/// Reads the marker's lines: (line number → target). Comments (`#`) and
/// empty lines are skipped; any other line must be a target name kcfg could
/// have written.
fn parse_marker(shown: &Path, bytes: &[u8]) -> Result<BTreeMap<usize, String>, String> {
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

fn bad_marker(shown: &Path, mut bad: Vec<String>) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn files(entries: &[(&str, &str)]) -> Files {
        entries
            .iter()
            .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
            .collect()
    }

    fn opened(root: &Path) -> (OutDir, Lock) {
        let mut out = OutDir::open(root, false).unwrap();
        let lock = out.lock(&mut |_| {}, Duration::from_secs(5)).unwrap();
        (out, lock)
    }

    /// Every entry under `dir` (not following links): path → content, or
    /// `-> destination` for a link.
    fn snapshot(dir: &Path) -> BTreeMap<String, String> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let relative = path.strip_prefix(root).unwrap().display().to_string();
                let meta = std::fs::symlink_metadata(&path).unwrap();
                if meta.file_type().is_symlink() {
                    let to = std::fs::read_link(&path).unwrap();
                    out.insert(relative, format!("-> {}", to.display()));
                } else if meta.is_dir() {
                    out.insert(relative.clone() + "/", String::new());
                    walk(root, &path, out);
                } else {
                    out.insert(relative, std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(dir, dir, &mut out);
        out
    }

    #[test]
    fn temp_names() {
        for name in [
            ".web.kcfg-new-12-0",
            ".web.kcfg-old-1-99",
            ".edge-eu.kcfg-new-4294967295-3",
            ".a.kcfg-new-1-2.kcfg-old-3-4",
        ] {
            assert!(is_temp_name(name, false), "{name}");
        }
        assert!(is_temp_name(".kcfg-rendered.77.tmp", true));
        for name in [
            ".kcfg-rendered.77.tmp",
            "web.kcfg-new-1-2",
            "..kcfg-new-1-2",
            ".web.kcfg-new-1",
            ".web.kcfg-new-1-",
            ".web.kcfg-new-a-1",
            ".web.kcfg-new-1-2x",
            "..web.kcfg-new-1-2",
            ".web.kcfg-gone-1-2",
            ".kcfg-lock",
            ".kcfg-rendered",
        ] {
            assert!(!is_temp_name(name, false), "{name}");
        }
        assert!(!is_temp_name(".kcfg-rendered.x.tmp", true));
        assert!(!is_temp_name(".kcfg-rendered", true));
    }

    #[test]
    fn issue13_marker_lines_are_validated() {
        let shown = Path::new("out/.kcfg-rendered");
        let good = parse_marker(shown, b"# header\nc1/web\n\nc2\n").unwrap();
        assert_eq!(
            good.into_iter().collect::<Vec<_>>(),
            [(2, "c1/web".to_string()), (4, "c2".to_string())]
        );
        for line in [
            "..",
            "../sib",
            "c3/../../x",
            "/",
            "/etc",
            ".",
            "a/./b",
            "a//b",
            "a/",
            ".git",
            "a\\b",
            "a\0b",
            "a\rb",
            " \t",
        ] {
            let marker = format!("# header\nok\n{line}\n");
            let err = parse_marker(shown, marker.as_bytes()).unwrap_err();
            assert!(
                err.starts_with("out/.kcfg-rendered: 1 line is not a target"),
                "{line:?}: {err}"
            );
            assert!(
                err.contains(&format!("out/.kcfg-rendered:3: {line:?}: ")),
                "{line:?}: {err}"
            );
        }
        let err = parse_marker(shown, b"ok\n\xff\xfe\n").unwrap_err();
        assert!(err.contains("not UTF-8 text"), "{err}");
        let many: String = (0..30).map(|i| format!("../{i}\n")).collect();
        let err = parse_marker(shown, many.as_bytes()).unwrap_err();
        assert!(err.contains("30 lines are not"), "{err}");
        assert!(err.contains("… and 10 more"), "{err}");
    }

    #[test]
    fn issue13_marker_paths_through_links_are_refused_before_any_change() {
        let tmp = tempfile::tempdir().unwrap();
        let sacrificial = tmp.path().join("sacrificial");
        std::fs::create_dir_all(sacrificial.join("x")).unwrap();
        std::fs::write(sacrificial.join("x/keep"), "keep").unwrap();
        let root = tmp.path().join("out");
        std::fs::create_dir_all(&root).unwrap();
        symlink(&sacrificial, root.join("link")).unwrap();
        std::fs::write(root.join(MARKER), "link/x\n").unwrap();
        let before = snapshot(tmp.path());
        let err = OutDir::open(&root, false).unwrap_err();
        assert!(
            err.contains(":1: \"link/x\": its path passes through the symbolic link"),
            "{err}"
        );
        // The link as a target itself is refused too.
        std::fs::write(root.join(MARKER), "ok\nlink\n").unwrap();
        let err = OutDir::open(&root, false).unwrap_err();
        assert!(err.contains(":2: \"link\""), "{err}");
        std::fs::write(root.join(MARKER), "link/x\n").unwrap();
        assert_eq!(snapshot(tmp.path()), before);
    }

    #[test]
    fn a_root_given_as_a_link_is_followed_only_when_told() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("real")).unwrap();
        symlink("real", tmp.path().join("out")).unwrap();
        let err = OutDir::open(&tmp.path().join("out"), false).unwrap_err();
        assert!(err.contains("is a symbolic link"), "{err}");
        let mut out = OutDir::open(&tmp.path().join("out"), true).unwrap();
        let lock = out.lock(&mut |_| {}, Duration::from_secs(5)).unwrap();
        out.write_target("t", &files(&[("a.yaml", "a")])).unwrap();
        drop(lock);
        assert!(tmp.path().join("real/t/a.yaml").is_file());
        assert!(!tmp.path().join("real").join(LOCK).exists());
    }

    #[test]
    fn writes_replace_and_leave_identical_targets_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let (out, _lock) = opened(&root);
        let mut target = files(&[("a.yaml", "a: 1\n"), ("ns/b.yaml", "b: 1\n")]);
        assert_eq!(
            out.write_target("cluster/app", &target),
            Ok(Written::Replaced)
        );
        let on_disk = out.read_target("cluster/app").unwrap().unwrap();
        assert_eq!(on_disk.files, target);
        let dir = root.join("cluster/app");
        let modified = || {
            std::fs::metadata(dir.join("a.yaml"))
                .unwrap()
                .modified()
                .unwrap()
        };
        let before = modified();
        assert_eq!(
            out.write_target("cluster/app", &target),
            Ok(Written::Unchanged)
        );
        assert_eq!(modified(), before);
        // A file no longer produced disappears, with its empty directory.
        target.remove("ns/b.yaml");
        target.insert("c.yaml".into(), b"c: 1\n".to_vec());
        assert_eq!(
            out.write_target("cluster/app", &target),
            Ok(Written::Replaced)
        );
        assert_eq!(
            out.read_target("cluster/app").unwrap().unwrap().files,
            target
        );
        let names: Vec<_> = std::fs::read_dir(root.join("cluster"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["app"]);
    }

    #[test]
    fn unchanged_files_keep_their_inode_when_a_target_changes() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let (out, _lock) = opened(&tmp.path().join("out"));
        let dir = tmp.path().join("out/t");
        let mut target = files(&[("same.yaml", "same\n"), ("sub/changes.yaml", "v1\n")]);
        out.write_target("t", &target).unwrap();
        let inode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().ino();
        let (same, changes) = (inode("same.yaml"), inode("sub/changes.yaml"));
        target.insert("sub/changes.yaml".into(), b"v2\n".to_vec());
        assert_eq!(out.write_target("t", &target), Ok(Written::Replaced));
        assert_eq!(inode("same.yaml"), same);
        assert_ne!(inode("sub/changes.yaml"), changes);
        assert_eq!(out.read_target("t").unwrap().unwrap().files, target);
    }

    #[test]
    fn issue13_links_inside_a_target_are_foreign_and_removed_as_links() {
        let tmp = tempfile::tempdir().unwrap();
        let sacrificial = tmp.path().join("sacrificial");
        std::fs::create_dir_all(&sacrificial).unwrap();
        std::fs::write(sacrificial.join("a.yaml"), "a: 1\n").unwrap();
        let root = tmp.path().join("out");
        let (out, _lock) = opened(&root);
        let target = files(&[("a.yaml", "a: 1\n")]);
        out.write_target("t", &target).unwrap();
        // A link with the right name and the right content behind it.
        std::fs::remove_file(root.join("t/a.yaml")).unwrap();
        symlink(sacrificial.join("a.yaml"), root.join("t/a.yaml")).unwrap();
        symlink(&sacrificial, root.join("t/dir")).unwrap();
        std::fs::create_dir(root.join("t/empty")).unwrap();
        let tree = out.read_target("t").unwrap().unwrap();
        assert!(tree.files.is_empty());
        assert_eq!(
            tree.foreign,
            [
                ("a.yaml".to_string(), "a symbolic link"),
                ("dir".to_string(), "a symbolic link"),
                ("empty".to_string(), "an empty directory"),
            ]
        );
        let before = snapshot(&sacrificial);
        assert_eq!(out.write_target("t", &target), Ok(Written::Replaced));
        assert_eq!(snapshot(&sacrificial), before);
        let tree = out.read_target("t").unwrap().unwrap();
        assert_eq!((tree.files, tree.foreign), (target, Vec::new()));
    }

    #[test]
    fn issue13_targets_through_links_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let sacrificial = tmp.path().join("sacrificial");
        std::fs::create_dir_all(sacrificial.join("web")).unwrap();
        std::fs::write(sacrificial.join("web/keep"), "keep").unwrap();
        let root = tmp.path().join("out");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join(MARKER), "").unwrap();
        symlink(&sacrificial, root.join("c1")).unwrap();
        let before = snapshot(&sacrificial);
        let (out, _lock) = opened(&root);
        let err = out.check_paths(["c1/web", "c1", "fine/web"]).unwrap_err();
        assert!(err.starts_with("target c1/web: "), "{err}");
        assert!(err.contains("\ntarget c1: "), "{err}");
        assert!(err.ends_with("nothing was deleted or written"), "{err}");
        assert!(out.write_target("c1/web", &files(&[("a", "a")])).is_err());
        assert!(out.remove_target("c1/web").is_err());
        // Removing the link as a target removes the link, not what is behind it.
        out.remove_target("c1").unwrap();
        assert!(!root.join("c1").exists());
        assert_eq!(snapshot(&sacrificial), before);
    }

    #[test]
    fn leftovers_are_found_and_removed_only_under_kcfg_names() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let (out, _lock) = opened(&root);
        out.write_target("c1/web", &files(&[("a", "a")])).unwrap();
        std::fs::create_dir_all(root.join("c1/.web.kcfg-new-9-0/x")).unwrap();
        std::fs::create_dir_all(root.join("c1/.web.kcfg-old-9-1")).unwrap();
        std::fs::write(root.join(".kcfg-rendered.9.tmp"), "").unwrap();
        std::fs::create_dir_all(root.join("c1/web/.web.kcfg-new-9-2")).unwrap();
        std::fs::create_dir_all(root.join("c1/.notes")).unwrap();
        let found = out.leftovers(["c1/web"]).unwrap();
        let paths: Vec<String> = found
            .iter()
            .map(|leftover| {
                leftover
                    .path
                    .strip_prefix(&root)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            paths,
            [
                ".kcfg-rendered.9.tmp",
                "c1/.web.kcfg-new-9-0",
                "c1/.web.kcfg-old-9-1"
            ]
        );
        out.remove_leftovers(&found).unwrap();
        assert!(out.leftovers(["c1/web"]).unwrap().is_empty());
        assert!(root.join("c1/.notes").exists());
        // Inside a target it is an entry kcfg did not write, not a leftover.
        assert!(root.join("c1/web/.web.kcfg-new-9-2").exists());
    }

    #[test]
    fn the_lock_serializes_and_leaves_no_file() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let mut first = OutDir::open(&root, false).unwrap();
        let lock = first.lock(&mut |_| {}, Duration::from_secs(5)).unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join(LOCK)).unwrap(),
            format!("{}\n", std::process::id())
        );
        let mut second = OutDir::open(&root, false).unwrap();
        let mut seen = None;
        let err = second
            .lock(&mut |pid| seen = pid, Duration::from_millis(120))
            .unwrap_err();
        assert_eq!(seen, Some(std::process::id()));
        assert!(err.starts_with("gave up waiting for"), "{err}");
        let check = OutDir::open(&root, false).unwrap();
        assert!(check
            .wait_for_render(&mut |_| {}, Duration::from_millis(120))
            .is_err());
        drop(lock);
        assert!(!root.join(LOCK).exists());
        assert_eq!(check.wait_for_render(&mut |_| {}, Duration::ZERO), Ok(None));
        // A lock file nobody holds is a leftover for --check, and taken over
        // by the next render.
        std::fs::write(root.join(LOCK), "12345\n").unwrap();
        let found = check
            .wait_for_render(&mut |_| {}, Duration::ZERO)
            .unwrap()
            .unwrap();
        assert!(found.path.ends_with(LOCK));
        let lock = second.lock(&mut |_| {}, Duration::ZERO).unwrap();
        drop(lock);
        assert!(!root.join(LOCK).exists());
    }

    #[test]
    fn ownership() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("rendered");
        let (out, _lock) = opened(&root);
        out.write_marker(&["a/x".to_string(), "b".to_string()].into())
            .unwrap();
        out.write_target("a/x", &files(&[("f.yaml", "x")])).unwrap();
        drop((out, _lock));
        let out = OutDir::open(&root, false).unwrap();
        assert_eq!(
            out.listed.iter().collect::<Vec<_>>(),
            ["a/x", "b"].iter().collect::<Vec<_>>()
        );
        let (out, _lock) = opened(&root);
        out.remove_target("a/x").unwrap();
        drop(_lock);
        assert!(!root.join("a").exists());
        assert!(root.exists());

        let foreign = tmp.path().join("foreign");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
        let err = OutDir::open(&foreign, false).unwrap_err();
        assert!(err.contains("was not written by kcfg render"), "{err}");
        // The lock and a marker's temporary file do not make a directory foreign.
        let empty = tmp.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        std::fs::write(empty.join(LOCK), "").unwrap();
        std::fs::write(empty.join(".kcfg-rendered.5.tmp"), "").unwrap();
        assert!(OutDir::open(&empty, false).is_ok());
        // A marker that is a link or a directory is refused.
        let odd = tmp.path().join("odd");
        std::fs::create_dir_all(odd.join(MARKER)).unwrap();
        let err = OutDir::open(&odd, false).unwrap_err();
        assert!(err.contains("is a directory, not kcfg's marker"), "{err}");
        std::fs::remove_dir(odd.join(MARKER)).unwrap();
        symlink(root.join(MARKER), odd.join(MARKER)).unwrap();
        let err = OutDir::open(&odd, false).unwrap_err();
        assert!(err.contains("symbolic link"), "{err}");
    }
}
