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
        let Some(root) = &self.dir else {
            return Ok(None);
        };
        let (parent, leaf) = match name.rsplit_once('/') {
            Some((parent, leaf)) => {
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
                match &cursor.parent {
                    Some((_, dir)) => (dir, leaf),
                    None => return Ok(None),
                }
            }
            None => (root, name),
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
        Ok(Some(TargetStamp {
            digest: crate::inputs::hex(&walk.hasher.finalize()),
            files: walk.files,
            settled: walk.settled,
        }))
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
                    self.add(&relative, &meta);
                    self.files.insert(relative, meta.size);
                }
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}
