//! Stamps of target directories: what `stat` says of every entry of a
//! target, so that an incremental render with `--cache DIR` (issue 18) can
//! tell that a directory has not changed since its files were read and
//! found to be the recorded ones, without reading them again.
//!
//! A stamp is the SHA-256 of each entry's path, kind, device and inode,
//! size, modification time and inode change time, directories included
//! (adding, removing or renaming an entry changes its directory's times;
//! kcfg's atomic replacement of a target makes a new directory). The inode
//! change time cannot be set by a program, so an edit always changes the
//! stamp, with one exception that the caller rules out: an edit in the same
//! tick of the file system's clock as the stamp's reading. A stamp is
//! therefore only *settled*, fit to be recorded, when every entry last
//! changed well before the walk began ([`SETTLE`]), as git treats "racily
//! clean" index entries; and it is taken *before* the files are read and
//! checked, so an edit between the two shows in the next stamp.
//!
//! A stamp can be taken again without listing the directory, by `stat`
//! of the directory and of each file a record names
//! ([`OutDir::stamp_target_named`]): it is the listing's stamp exactly when
//! the directory still holds those files, since POSIX has creating,
//! removing or renaming an entry update its directory's modification and
//! change times, which the stamp holds; any other set of names gives
//! another digest, and the directory is then listed.
//!
//! Stamps are machine-local (inodes, times): they are kept only in a
//! `--cache` record, never in the record of the output directory, whose
//! stamps would change on every checkout and could be written by anyone
//! who can write the output.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::{text, OutDir, RootFile};
use crate::disk::{self, Dir, Kind, Meta};

/// How long before a stamp's walk every entry must have last changed for
/// the stamp to be recorded: more than the coarsest timestamp granularity
/// of common file systems (2 s on FAT) and the lag of the kernel's coarse
/// clock behind the wall clock.
pub const SETTLE: Duration = Duration::from_secs(3);

/// The stamp of a target's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetStamp {
    /// The SHA-256 (hex) of every entry's path and metadata.
    pub digest: String,
    /// Its regular files: path relative to the directory → size.
    pub files: BTreeMap<String, u64>,
    /// Whether every entry last changed at least [`SETTLE`] before the walk
    /// began: only a settled stamp may be recorded.
    pub settled: bool,
}

/// The parent directory a worker last stamped a target in, kept open for
/// the next target of the same parent: targets come in plan order, which
/// keeps a cluster's applications together, so a worker opens each
/// cluster's directory once instead of once per target. One per worker
/// (`rayon`'s `map_init`); its descriptor is closed with it.
#[derive(Debug, Default)]
pub(crate) struct StampCursor {
    parent: Option<(String, Dir)>,
}

impl OutDir {
    /// The stamp of the target `name`'s directory, or `None` when there is
    /// none or it holds an entry kcfg never writes (links, FIFOs, empty
    /// directories, names that are not UTF-8), which only reading the tree
    /// reports.
    pub fn stamp_target(&self, name: &str) -> Result<Option<TargetStamp>, String> {
        self.stamp_target_at(&mut StampCursor::default(), name)
    }

    /// [`OutDir::stamp_target`], opening `name`'s parent directory through
    /// `cursor` (again only when it is not the cursor's).
    pub(crate) fn stamp_target_at(
        &self,
        cursor: &mut StampCursor,
        name: &str,
    ) -> Result<Option<TargetStamp>, String> {
        let Some((parent, leaf)) = self.parent_of(cursor, name)? else {
            return Ok(None);
        };
        let mut dir = match parent.child(OsStr::new(leaf)) {
            Ok(Some(dir)) => dir,
            Ok(None) => return Ok(None),
            Err(err) => return Err(text(err)),
        };
        let mut walk = Walk::new();
        if !walk.visit(&mut dir, "", 0).map_err(text)? {
            return Ok(None);
        }
        Ok(Some(walk.finish()))
    }

    /// The stamp of the target `name`'s directory taken by `stat` alone:
    /// the directory, then each of `names` in it (a record's
    /// [`TargetStamp::names`]), without opening or listing it. It is the
    /// stamp [`OutDir::stamp_target_at`] takes when the directory holds
    /// exactly those files and no subdirectory; otherwise its digest
    /// differs, since every entry's name and the directory's own times are
    /// in it, and adding, removing or renaming an entry changes those
    /// times. `None` when an entry is missing or not what kcfg writes, or
    /// a name is not a plain file name.
    pub(crate) fn stamp_target_named(
        &self,
        cursor: &mut StampCursor,
        name: &str,
        names: &str,
    ) -> Result<Option<TargetStamp>, String> {
        let Some((parent, leaf)) = self.parent_of(cursor, name)? else {
            return Ok(None);
        };
        let mut walk = Walk::new();
        match parent.stat(Some(OsStr::new(leaf))).map_err(text)? {
            Some(meta) if meta.kind == Kind::Dir => walk.add("", &meta),
            _ => return Ok(None),
        }
        let mut path = format!("{leaf}/");
        let base = path.len();
        // Split and checked by bytes (a `char` pattern searches slowly):
        // names come at a thousand clusters by the ten thousand.
        let plain =
            |file: &str| file != "." && file != ".." && !file.bytes().any(|b| b == b'/' || b == 0);
        let mut rest = names;
        while !rest.is_empty() {
            let end = rest.bytes().position(|b| b == b'\n').unwrap_or(rest.len());
            let file = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            if !plain(file) {
                return Ok(None);
            }
            path.truncate(base);
            path.push_str(file);
            match parent.stat(Some(OsStr::new(&path))).map_err(text)? {
                Some(meta) if meta.kind == Kind::File => walk.add_file(file.to_string(), &meta),
                _ => return Ok(None),
            }
        }
        Ok(Some(walk.finish()))
    }

    /// The directory holding the target `name`, opened through `cursor`
    /// (again only when it is not the cursor's), and the target's name in
    /// it; `None` when a directory on the way is missing.
    fn parent_of<'c, 'n>(
        &'c self,
        cursor: &'c mut StampCursor,
        name: &'n str,
    ) -> Result<Option<(&'c Dir, &'n str)>, String> {
        let Some(root) = &self.dir else {
            return Ok(None);
        };
        let Some((parent, leaf)) = name.rsplit_once('/') else {
            return Ok(Some((root, name)));
        };
        let open = cursor
            .parent
            .as_ref()
            .is_some_and(|(path, _)| path == parent);
        if !open {
            cursor.parent = None;
            match root.walk(parent, false) {
                Ok(Some(dir)) => cursor.parent = Some((parent.to_string(), dir)),
                Ok(None) => return Ok(None),
                Err(err) => return Err(text(err)),
            }
        }
        Ok(cursor.parent.as_ref().map(|(_, dir)| (dir, leaf)))
    }
}

/// A settled stamp as a `--cache` record keeps it
/// ([`crate::inputs::TargetInputs::stamp`] and `stamp_names`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptStamp {
    /// [`TargetStamp::digest`].
    pub digest: String,
    /// [`TargetStamp::names`].
    pub names: Option<String>,
}

impl TargetStamp {
    /// What a record keeps of it.
    pub fn kept(&self) -> KeptStamp {
        KeptStamp {
            digest: self.digest.clone(),
            names: self.names(),
        }
    }

    /// Its files' names, one per line, as a `--cache` record keeps them
    /// beside the digest, for `OutDir::stamp_target_named`: `None` when
    /// one is in a subdirectory (that stamp covers a flat directory only)
    /// or holds a line break.
    pub fn names(&self) -> Option<String> {
        let mut names = String::new();
        for file in self.files.keys() {
            if file.contains(['/', '\n']) {
                return None;
            }
            if !names.is_empty() {
                names.push('\n');
            }
            names.push_str(file);
        }
        Some(names)
    }
}

impl OutDir {
    /// The stamp (SHA-256, hex) of `file` in the output's root, as a
    /// target's stamp is of its directory, when it is settled (it last
    /// changed at least [`SETTLE`] ago: only then may it be recorded);
    /// `None` when it is missing, not a regular file, or not settled. Take
    /// it before reading the file, so that an edit made while it is read
    /// shows in the next stamp.
    pub fn settled_stamp_of(&self, file: &RootFile) -> Result<Option<String>, String> {
        let Some(root) = &self.dir else {
            return Ok(None);
        };
        let name = file.name();
        let Some(meta) = root.stat(Some(OsStr::new(&name))).map_err(text)? else {
            return Ok(None);
        };
        if meta.kind != Kind::File {
            return Ok(None);
        }
        let mut walk = Walk::new();
        walk.add(&name, &meta);
        Ok(walk
            .settled
            .then(|| crate::inputs::hex(&walk.hasher.finalize())))
    }
}

struct Walk {
    hasher: Sha256,
    files: BTreeMap<String, u64>,
    settled: bool,
    settled_before: (i64, i64),
}

impl Walk {
    /// A walk that begins now.
    fn new() -> Walk {
        let since = SystemTime::now()
            .checked_sub(SETTLE)
            .unwrap_or(SystemTime::UNIX_EPOCH)
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Walk {
            hasher: Sha256::new(),
            files: BTreeMap::new(),
            settled: true,
            settled_before: (since.as_secs() as i64, i64::from(since.subsec_nanos())),
        }
    }

    fn finish(self) -> TargetStamp {
        TargetStamp {
            digest: crate::inputs::hex(&self.hasher.finalize()),
            files: self.files,
            settled: self.settled,
        }
    }

    /// Adds the regular file at `path`, and keeps its size.
    fn add_file(&mut self, path: String, meta: &Meta) {
        self.add(&path, meta);
        self.files.insert(path, meta.size);
    }

    fn add(&mut self, path: &str, meta: &Meta) {
        self.hasher.update((path.len() as u64).to_be_bytes());
        self.hasher.update(path.as_bytes());
        let kind: u8 = match meta.kind {
            Kind::Dir => 1,
            Kind::File => 2,
            Kind::Symlink => 3,
            Kind::Other => 4,
        };
        self.hasher.update([kind]);
        for number in [meta.identity.0, meta.identity.1, meta.size] {
            self.hasher.update(number.to_be_bytes());
        }
        for (secs, nanos) in [meta.modified, meta.changed] {
            self.hasher.update(secs.to_be_bytes());
            self.hasher.update(nanos.to_be_bytes());
        }
        if meta.modified >= self.settled_before || meta.changed >= self.settled_before {
            self.settled = false;
        }
    }

    /// Adds `dir` and what it holds; `false` when it holds something kcfg
    /// never writes, or changed while being walked.
    fn visit(&mut self, dir: &mut Dir, prefix: &str, depth: usize) -> disk::Result<bool> {
        let Some(meta) = dir.stat(None)? else {
            return Ok(false);
        };
        self.add(prefix, &meta);
        // The walk's directories are its own: listed through their own
        // descriptors, not reopened.
        let entries = dir.entries_in_place()?;
        if entries.is_empty() && !prefix.is_empty() {
            return Ok(false);
        }
        for (name, kind) in entries {
            let Some(shown) = name.to_str() else {
                return Ok(false);
            };
            let relative = if prefix.is_empty() {
                shown.to_string()
            } else {
                format!("{prefix}/{shown}")
            };
            match kind {
                Kind::Dir if depth + 1 < disk::MAX_DEPTH => {
                    let Some(mut child) = dir.child(&name)? else {
                        return Ok(false);
                    };
                    if !self.visit(&mut child, &relative, depth + 1)? {
                        return Ok(false);
                    }
                }
                Kind::File => {
                    let Some(meta) = dir.stat(Some(OsStr::new(shown)))? else {
                        return Ok(false);
                    };
                    if meta.kind != Kind::File {
                        return Ok(false);
                    }
                    self.add_file(relative, &meta);
                }
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}
