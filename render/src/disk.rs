//! Directory handles that never follow a symbolic link (issue 13).
//!
//! Everything `kcfg render` does below its output directory goes through a
//! [`Dir`]: an open directory file descriptor, and `*at` system calls
//! (`openat`, `mkdirat`, `renameat`, `linkat`, `unlinkat`, `fstatat`) on
//! one path component at a time, each with `O_NOFOLLOW` or
//! `AT_SYMLINK_NOFOLLOW`. A name is never joined into a longer path and
//! handed to the kernel, so no symbolic link inside the output is ever
//! followed: one that is met where a directory is expected is an
//! [`Error::Symlink`] naming it; one met while removing a tree is removed as
//! a link, its destination untouched; one met while reading a tree is
//! reported as an entry of its own ([`Kind::Symlink`]), never read through.
//! Only the output directory itself is opened by path, and whether that
//! path may end in a link is the caller's decision ([`Dir::open`]).
//!
//! The system calls come from `rustix` (ARCHITECTURE.md says why rather
//! than `cap-std`). This module prints nothing and never exits the process:
//! every failure is an [`Error`] that names its path.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io::{self, Read as _, Write as _};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStringExt as _;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

/// How deep [`Dir::remove_tree`] and tree readers descend. kcfg writes a
/// target a few directories deep (file name templates with `/`); a deeper
/// tree was not made by kcfg, and refusing it bounds the file descriptors
/// a walk holds open (one per level).
pub const MAX_DEPTH: usize = 128;

/// A file's content: read into memory, or mapped ([`Dir::map_file`]).
pub enum FileBytes {
    /// Read.
    Read(Vec<u8>),
    /// Mapped.
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Read(bytes) => bytes,
            FileBytes::Mapped(map) => map,
        }
    }
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileBytes({} bytes)", self.len())
    }
}

/// A failure of the disk layer, naming the path.
#[derive(Debug)]
pub enum Error {
    /// A system call failed.
    Io {
        /// What was being done (`create`, `read`, `remove`, …).
        op: &'static str,
        /// The path, as messages show it.
        path: PathBuf,
        /// The error.
        err: io::Error,
    },
    /// A symbolic link where kcfg needs a directory or a file of its own.
    Symlink(PathBuf),
    /// Something other than a directory where kcfg needs one.
    NotDir(PathBuf),
    /// Something other than a regular file where kcfg needs one.
    NotFile(PathBuf),
    /// A tree deeper than [`MAX_DEPTH`].
    TooDeep(PathBuf),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { op, path, err } => write!(f, "cannot {op} {}: {err}", path.display()),
            Error::Symlink(path) => write!(
                f,
                "{} is a symbolic link; kcfg render never writes, reads or deletes through a \
                 symbolic link inside its output directory (remove the link)",
                path.display()
            ),
            Error::NotDir(path) => write!(
                f,
                "{} is not a directory, where kcfg render expects one of its own",
                path.display()
            ),
            Error::NotFile(path) => write!(f, "{} is not a regular file", path.display()),
            Error::TooDeep(path) => write!(
                f,
                "{} is nested more than {MAX_DEPTH} directories deep; kcfg render never writes \
                 that deep and does not descend further",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// A result of the disk layer.
pub type Result<T> = std::result::Result<T, Error>;

/// What a name in a directory is, the name itself and not what a link
/// points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symbolic link.
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

impl Kind {
    fn of(file_type: FileType) -> Kind {
        match file_type {
            FileType::Directory => Kind::Dir,
            FileType::RegularFile => Kind::File,
            FileType::Symlink => Kind::Symlink,
            _ => Kind::Other,
        }
    }

    /// How a report names an entry of this kind.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Dir => "a directory",
            Kind::File => "a file",
            Kind::Symlink => "a symbolic link",
            Kind::Other => "a FIFO, socket or device",
        }
    }
}

fn io_error(op: &'static str, path: PathBuf, errno: Errno) -> Error {
    Error::Io {
        op,
        path,
        err: errno.into(),
    }
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOFOLLOW);

/// An open directory. `path` is only for messages: every operation goes
/// through the descriptor.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
    /// Whether the descriptor's position was moved by a listing
    /// ([`Dir::entries_in_place`]), which must then rewind it.
    listed: bool,
}

impl Dir {
    /// Opens the directory at `path`. With `follow`, a symbolic link at the
    /// end of `path` is followed (a directory the user named on the command
    /// line); without it, such a link is [`Error::Symlink`]. Components
    /// before the last are resolved as usual: they are the user's path, not
    /// the output's. `Ok(None)`: nothing is there.
    pub fn open(path: &Path, follow: bool) -> Result<Option<Dir>> {
        let flags = if follow {
            DIR_FLAGS.difference(OFlags::NOFOLLOW)
        } else {
            DIR_FLAGS
        };
        match rustix::fs::open(path, flags, Mode::empty()) {
            Ok(fd) => Ok(Some(Dir {
                fd,
                path: path.to_path_buf(),
                listed: false,
            })),
            Err(Errno::NOENT) => Ok(None),
            Err(Errno::LOOP | Errno::NOTDIR | Errno::MLINK) => {
                match std::fs::symlink_metadata(path) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        Err(Error::Symlink(path.to_path_buf()))
                    }
                    _ => Err(Error::NotDir(path.to_path_buf())),
                }
            }
            Err(errno) => Err(io_error("open", path.to_path_buf(), errno)),
        }
    }

    /// The path of `name` in this directory, for messages.
    pub fn path_of(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }

    /// A second handle on the same directory.
    pub fn try_clone(&self) -> Result<Dir> {
        Ok(Dir {
            fd: self.fd.try_clone().map_err(|err| Error::Io {
                op: "open",
                path: self.path.clone(),
                err,
            })?,
            path: self.path.clone(),
            // The copy shares the position, wherever a listing left it.
            listed: true,
        })
    }

    /// What `name` is, without following it; `None` if nothing is there.
    pub fn kind(&self, name: &OsStr) -> Result<Option<Kind>> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(Kind::of(FileType::from_raw_mode(stat.st_mode)))),
            Err(Errno::NOENT) => Ok(None),
            Err(errno) => Err(io_error("inspect", self.path_of(name), errno)),
        }
    }

    /// Opens the subdirectory `name` without following a link; `None` if
    /// nothing is there.
    pub fn child(&self, name: &OsStr) -> Result<Option<Dir>> {
        match rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Some(Dir {
                fd,
                path: self.path_of(name),
                listed: false,
            })),
            Err(Errno::NOENT) => Ok(None),
            Err(Errno::LOOP | Errno::NOTDIR | Errno::MLINK) => Err(self.not_a_dir(name)),
            Err(errno) => Err(io_error("open", self.path_of(name), errno)),
        }
    }

    fn not_a_dir(&self, name: &OsStr) -> Error {
        match self.kind(name) {
            Ok(Some(Kind::Symlink)) => Error::Symlink(self.path_of(name)),
            Ok(_) => Error::NotDir(self.path_of(name)),
            Err(err) => err,
        }
    }

    /// Opens the subdirectory `name`, creating it if it is missing.
    pub fn create_child(&self, name: &OsStr) -> Result<Dir> {
        match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777)) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(errno) => return Err(io_error("create", self.path_of(name), errno)),
        }
        self.child(name)?.ok_or_else(|| {
            io_error(
                "open",
                self.path_of(name),
                Errno::NOENT, // removed between the two calls
            )
        })
    }

    /// Creates the subdirectory `name`, which must not exist yet.
    pub fn create_new_child(&self, name: &OsStr) -> Result<Dir> {
        rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777))
            .map_err(|errno| io_error("create", self.path_of(name), errno))?;
        self.child(name)?
            .ok_or_else(|| io_error("open", self.path_of(name), Errno::NOENT))
    }

    /// Opens the directory at the `/`-separated `relative` path below this
    /// one, one component at a time; `None` if a component is missing.
    /// With `create`, missing components are made.
    pub fn walk(&self, relative: &str, create: bool) -> Result<Option<Dir>> {
        // `relative` has at least one component, so the walk starts from
        // `self` without a copy of its descriptor (one per target walked).
        let mut dir: Option<Dir> = None;
        for component in relative.split('/') {
            let name = OsStr::new(component);
            let parent = dir.as_ref().unwrap_or(self);
            dir = Some(if create {
                parent.create_child(name)?
            } else {
                match parent.child(name)? {
                    Some(child) => child,
                    None => return Ok(None),
                }
            });
        }
        Ok(dir)
    }

    /// The names in this directory with their kinds, sorted by name.
    pub fn entries(&self) -> Result<Vec<(OsString, Kind)>> {
        let fail = |errno| io_error("list", self.path.clone(), errno);
        let mut reader = rustix::fs::Dir::read_from(&self.fd).map_err(fail)?;
        let mut entries = Vec::new();
        while let Some(entry) = reader.read() {
            let entry = entry.map_err(fail)?;
            self.add_entry(
                &mut entries,
                entry.file_name().to_bytes(),
                entry.file_type(),
            )?;
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }

    /// Adds a listed entry to `entries`, with its kind (asked of the file
    /// system when the listing does not say it); `.` and `..` are not.
    fn add_entry(
        &self,
        entries: &mut Vec<(OsString, Kind)>,
        bytes: &[u8],
        file_type: FileType,
    ) -> Result<()> {
        if bytes == b"." || bytes == b".." {
            return Ok(());
        }
        let name = OsString::from_vec(bytes.to_vec());
        let kind = match file_type {
            FileType::Unknown => match self.kind(&name)? {
                Some(kind) => kind,
                // Removed since it was listed.
                None => return Ok(()),
            },
            file_type => Kind::of(file_type),
        };
        entries.push((name, kind));
        Ok(())
    }

    /// [`Dir::entries`], read through this handle's own descriptor from
    /// its start instead of a new one (three system calls fewer, which a
    /// walk of thousands of directories feels). `&mut`: the descriptor's
    /// position is the listing's, so it must not be shared while listing;
    /// a handle from [`Dir::try_clone`] shares it, so a handle that was
    /// cloned is not listed this way (the copy itself may be: it rewinds).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn entries_in_place(&mut self) -> Result<Vec<(OsString, Kind)>> {
        use std::mem::MaybeUninit;
        let fail = |errno| io_error("list", self.path.clone(), errno);
        // A descriptor shares its position with its copies (`try_clone`):
        // one listed before, through this handle, is rewound.
        if self.listed {
            rustix::fs::seek(&self.fd, rustix::fs::SeekFrom::Start(0)).map_err(fail)?;
        }
        self.listed = true;
        let mut buf = [MaybeUninit::<u8>::uninit(); 8192];
        let mut reader = rustix::fs::RawDir::new(&self.fd, &mut buf);
        let mut entries = Vec::new();
        while let Some(entry) = reader.next() {
            let entry = entry.map_err(fail)?;
            self.add_entry(
                &mut entries,
                entry.file_name().to_bytes(),
                entry.file_type(),
            )?;
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }

    /// [`Dir::entries`] (this system has no listing of a borrowed
    /// descriptor).
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub fn entries_in_place(&mut self) -> Result<Vec<(OsString, Kind)>> {
        self.entries()
    }

    /// Opens the file `name` without following a link.
    fn open_file(&self, name: &OsStr, flags: OFlags, mode: u32) -> Result<File> {
        let flags = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(mode)) {
            Ok(fd) => Ok(File::from(fd)),
            Err(Errno::LOOP | Errno::MLINK) => Err(Error::Symlink(self.path_of(name))),
            Err(errno) => Err(io_error(
                if flags.contains(OFlags::CREATE) {
                    "create"
                } else {
                    "open"
                },
                self.path_of(name),
                errno,
            )),
        }
    }

    /// The content of the regular file `name`, read without following a
    /// link and refusing anything else (a FIFO is not opened for long: the
    /// open does not block).
    pub fn read_file(&self, name: &OsStr, limit: u64) -> Result<Vec<u8>> {
        let (file, len) = self.open_regular(name, limit)?;
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| Error::Io {
                op: "read",
                path: self.path_of(name),
                err,
            })?;
        Ok(bytes)
    }

    /// The content of the regular file `name`, as [`Dir::read_file`]
    /// checks it, mapped into memory rather than copied: the pages are the
    /// kernel's cached ones, where a copy would take fresh memory, whose
    /// first use costs more than reading the file (a kept plan of a
    /// thousand clusters is megabytes).
    ///
    /// Only for kcfg's own cache files, which a writer replaces by renaming
    /// a new file over them and never rewrites in place: the mapping then
    /// keeps the file that was opened. A file truncated while mapped would
    /// stop the process (`SIGBUS`), as it would git, which maps its index;
    /// only a process of the cache's owner could do that. Bytes changed in
    /// place would be read as they are, and fail the reader's checks.
    pub fn map_file(&self, name: &OsStr, limit: u64) -> Result<FileBytes> {
        let (file, len) = self.open_regular(name, limit)?;
        if len == 0 {
            return Ok(FileBytes::Read(Vec::new()));
        }
        // SAFETY: a read-only private mapping of a regular file that kcfg
        // replaces only by rename (see above); the bytes are only read.
        let mapped = unsafe { memmap2::MmapOptions::new().map_copy_read_only(&file) };
        mapped.map(FileBytes::Mapped).map_err(|err| Error::Io {
            op: "read",
            path: self.path_of(name),
            err,
        })
    }

    /// Opens the regular file `name` for reading, without following a
    /// link, refusing anything else or more than `limit` bytes; with its
    /// length.
    fn open_regular(&self, name: &OsStr, limit: u64) -> Result<(File, u64)> {
        let file = self.open_file(name, OFlags::RDONLY | OFlags::NONBLOCK, 0)?;
        let meta = file.metadata().map_err(|err| Error::Io {
            op: "read",
            path: self.path_of(name),
            err,
        })?;
        if !meta.is_file() {
            return Err(Error::NotFile(self.path_of(name)));
        }
        if meta.len() > limit {
            return Err(Error::Io {
                op: "read",
                path: self.path_of(name),
                err: io::Error::other(format!("larger than {limit} bytes")),
            });
        }
        Ok((file, meta.len()))
    }

    /// Creates the file `name`, which must not exist (so a link planted
    /// there is never written through), with `content`.
    pub fn write_new_file(&self, name: &OsStr, content: &[u8]) -> Result<()> {
        let mut file =
            self.open_file(name, OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL, 0o666)?;
        file.write_all(content).map_err(|err| Error::Io {
            op: "write",
            path: self.path_of(name),
            err,
        })
    }

    /// Opens (and with `create`, creates) the regular file `name` for
    /// reading and writing, never following a link; `None` if it is
    /// missing and not to be created.
    pub fn open_rw(&self, name: &OsStr, create: bool) -> Result<Option<File>> {
        let flags = if create {
            OFlags::RDWR | OFlags::CREATE
        } else {
            OFlags::RDWR
        };
        match self.open_file(name, flags | OFlags::NONBLOCK, 0o666) {
            Ok(file) => {
                let is_file = file.metadata().is_ok_and(|meta| meta.is_file());
                if !is_file {
                    return Err(Error::NotFile(self.path_of(name)));
                }
                Ok(Some(file))
            }
            Err(Error::Io { err, .. }) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Opens the regular file `name` for reading only, never following a
    /// link; `None` if it is missing.
    pub fn read_only(&self, name: &OsStr) -> Result<Option<File>> {
        match self.open_file(name, OFlags::RDONLY | OFlags::NONBLOCK, 0) {
            Ok(file) => {
                if !file.metadata().is_ok_and(|meta| meta.is_file()) {
                    return Err(Error::NotFile(self.path_of(name)));
                }
                Ok(Some(file))
            }
            Err(Error::Io { err, .. }) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The device and inode of `name` (not followed), to tell whether a
    /// name still refers to an open file.
    pub fn identity(&self, name: &OsStr) -> Result<Option<(u64, u64)>> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(identity_of(&stat))),
            Err(Errno::NOENT) => Ok(None),
            Err(errno) => Err(io_error("inspect", self.path_of(name), errno)),
        }
    }

    /// What `stat` says of the entry `name` (not followed), or of this
    /// directory itself when `name` is `None`; `Ok(None)` if it is gone.
    pub fn stat(&self, name: Option<&OsStr>) -> Result<Option<Meta>> {
        let stat = match name {
            Some(name) => rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW),
            None => rustix::fs::fstat(&self.fd),
        };
        match stat {
            Ok(stat) => Ok(Some(Meta::of(&stat))),
            Err(Errno::NOENT) => Ok(None),
            Err(errno) => Err(io_error(
                "inspect",
                name.map_or_else(|| self.path.clone(), |name| self.path_of(name)),
                errno,
            )),
        }
    }

    /// Makes `to_name` in `to` a hard link to the file `name` here. A link
    /// at `name` would be linked as a link, not followed.
    pub fn hard_link(&self, name: &OsStr, to: &Dir, to_name: &OsStr) -> Result<()> {
        rustix::fs::linkat(&self.fd, name, &to.fd, to_name, AtFlags::empty())
            .map_err(|errno| io_error("link", to.path_of(to_name), errno))
    }

    /// Renames `name` here to `to_name` in `to` (replacing a file there).
    pub fn rename(&self, name: &OsStr, to: &Dir, to_name: &OsStr) -> Result<()> {
        rustix::fs::renameat(&self.fd, name, &to.fd, to_name)
            .map_err(|errno| io_error("rename", self.path_of(name), errno))
    }

    /// Swaps the entries `a` and `b` of this directory in one step where
    /// the system can (Linux's `RENAME_EXCHANGE`): `Ok(false)` when it
    /// cannot, and the caller falls back to two renames.
    pub fn exchange(&self, a: &OsStr, b: &OsStr) -> Result<bool> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use rustix::fs::RenameFlags;
            match rustix::fs::renameat_with(&self.fd, a, &self.fd, b, RenameFlags::EXCHANGE) {
                Ok(()) => Ok(true),
                Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
                Err(errno) => Err(io_error("rename", self.path_of(a), errno)),
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let _ = (a, b);
            Ok(false)
        }
    }

    /// Removes the file (or link, FIFO, …) `name`.
    pub fn remove_file(&self, name: &OsStr) -> Result<()> {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::empty())
            .map_err(|errno| io_error("remove", self.path_of(name), errno))
    }

    /// Removes the directory `name` if it is empty: `Ok(false)` when it is
    /// not (or is gone).
    pub fn remove_empty_dir(&self, name: &OsStr) -> Result<bool> {
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR) {
            Ok(()) => Ok(true),
            Err(Errno::NOTEMPTY | Errno::EXIST | Errno::NOENT) => Ok(false),
            Err(errno) => Err(io_error("remove", self.path_of(name), errno)),
        }
    }

    /// Removes `name` and, if it is a directory, everything in it. A link
    /// anywhere in the tree is removed as a link: the walk never leaves
    /// this directory. `Ok(false)`: nothing was there.
    pub fn remove_tree(&self, name: &OsStr) -> Result<bool> {
        self.remove_tree_at(name, 0)
    }

    fn remove_tree_at(&self, name: &OsStr, depth: usize) -> Result<bool> {
        match self.kind(name)? {
            None => Ok(false),
            Some(Kind::Dir) => {
                if depth >= MAX_DEPTH {
                    return Err(Error::TooDeep(self.path_of(name)));
                }
                // Opened without following: if `name` became a link since
                // `kind`, this fails rather than descending into it.
                let Some(child) = self.child(name)? else {
                    return Ok(false);
                };
                for (entry, _) in child.entries()? {
                    child.remove_tree_at(&entry, depth + 1)?;
                }
                drop(child);
                match rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR) {
                    Ok(()) | Err(Errno::NOENT) => Ok(true),
                    Err(errno) => Err(io_error("remove", self.path_of(name), errno)),
                }
            }
            Some(_) => match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => Ok(true),
                Err(errno) => Err(io_error("remove", self.path_of(name), errno)),
            },
        }
    }
}

/// The identity of an open file, to compare with [`Dir::identity`].
pub fn file_identity(file: &File) -> io::Result<(u64, u64)> {
    let stat = rustix::fs::fstat(file.as_fd())?;
    Ok(identity_of(&stat))
}

/// What `stat` says of an entry that tells whether it changed: which file
/// it is, its size, and when its content and its inode last changed (the
/// latter cannot be set by a program).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// A directory (else a regular file, or something kcfg never writes).
    pub kind: Kind,
    /// Device and inode.
    pub identity: (u64, u64),
    /// Size in bytes.
    pub size: u64,
    /// Last modification, seconds and nanoseconds since the epoch.
    pub modified: (i64, i64),
    /// Last change of the inode, seconds and nanoseconds since the epoch.
    pub changed: (i64, i64),
}

impl Meta {
    // The fields' types differ between platforms, so the casts are needed
    // somewhere.
    #[allow(clippy::unnecessary_cast)]
    fn of(stat: &rustix::fs::Stat) -> Meta {
        Meta {
            kind: Kind::of(FileType::from_raw_mode(stat.st_mode as _)),
            identity: identity_of(stat),
            size: stat.st_size as u64,
            modified: (stat.st_mtime as i64, stat.st_mtime_nsec as i64),
            changed: (stat.st_ctime as i64, stat.st_ctime_nsec as i64),
        }
    }
}

// The fields' types differ between platforms (`u64` here, `c_ulong` or
// `u32` elsewhere), so the casts are needed somewhere.
#[allow(clippy::unnecessary_cast)]
fn identity_of(stat: &rustix::fs::Stat) -> (u64, u64) {
    (stat.st_dev as u64, stat.st_ino as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn name(component: &str) -> &OsStr {
        OsStr::new(component)
    }

    fn dir(path: &Path) -> Dir {
        Dir::open(path, false).unwrap().unwrap()
    }

    #[test]
    fn open_refuses_a_link_unless_told_to_follow() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("real")).unwrap();
        symlink("real", tmp.path().join("link")).unwrap();
        assert!(Dir::open(&tmp.path().join("link"), true).unwrap().is_some());
        let err = Dir::open(&tmp.path().join("link"), false).unwrap_err();
        assert!(matches!(err, Error::Symlink(_)), "{err}");
        assert!(Dir::open(&tmp.path().join("missing"), false)
            .unwrap()
            .is_none());
    }

    #[test]
    fn children_and_walks_never_pass_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(outside.join("inner")).unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("a")).unwrap();
        symlink(&outside, out.join("a/link")).unwrap();
        std::fs::write(out.join("file"), "x").unwrap();
        let root = dir(&out);
        let err = root.walk("a/link/inner", false).unwrap_err();
        assert!(
            matches!(err, Error::Symlink(ref path) if path.ends_with("a/link")),
            "{err}"
        );
        let err = root.walk("a/link/new", true).unwrap_err();
        assert!(matches!(err, Error::Symlink(_)), "{err}");
        assert!(!outside.join("new").exists());
        let err = root.walk("file/x", true).unwrap_err();
        assert!(matches!(err, Error::NotDir(_)), "{err}");
        assert!(root.walk("a/missing", false).unwrap().is_none());
        assert!(root.walk("a/b/c", true).unwrap().is_some());
        assert!(out.join("a/b/c").is_dir());
    }

    #[test]
    fn remove_tree_removes_links_not_their_destinations() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(outside.join("keep")).unwrap();
        std::fs::write(outside.join("keep/file"), "precious").unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("t/sub")).unwrap();
        symlink(&outside, out.join("t/dirlink")).unwrap();
        symlink(outside.join("keep/file"), out.join("t/sub/filelink")).unwrap();
        std::fs::write(out.join("t/sub/f"), "mine").unwrap();
        let root = dir(&out);
        assert!(root.remove_tree(name("t")).unwrap());
        assert!(!out.join("t").exists());
        assert_eq!(
            std::fs::read_to_string(outside.join("keep/file")).unwrap(),
            "precious"
        );
        assert!(!root.remove_tree(name("t")).unwrap());
        // A link given as the tree itself is removed as a link.
        symlink(&outside, out.join("top")).unwrap();
        assert!(root.remove_tree(name("top")).unwrap());
        assert!(outside.join("keep/file").exists());
    }

    #[test]
    fn files_are_read_and_written_without_following_links() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("secret");
        std::fs::write(&outside, "secret").unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        symlink(&outside, out.join("link")).unwrap();
        let root = dir(&out);
        assert!(matches!(
            root.read_file(name("link"), 100),
            Err(Error::Symlink(_))
        ));
        assert!(root.write_new_file(name("link"), b"overwrite").is_err());
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "secret");
        root.write_new_file(name("new"), b"content").unwrap();
        assert_eq!(root.read_file(name("new"), 100).unwrap(), b"content");
        assert!(root.read_file(name("new"), 3).is_err());
        let kinds: Vec<(String, Kind)> = root
            .entries()
            .unwrap()
            .into_iter()
            .map(|(name, kind)| (name.to_string_lossy().into_owned(), kind))
            .collect();
        assert_eq!(
            kinds,
            [("link".into(), Kind::Symlink), ("new".into(), Kind::File)]
        );
    }

    #[test]
    fn issue18_a_listing_in_place_is_the_listing_every_time() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("sub")).unwrap();
        // More names than one read of the kernel's listing returns.
        for index in 0..600 {
            std::fs::write(out.join(format!("file-{index:04}-{}", "x".repeat(40))), "").unwrap();
        }
        symlink("sub", out.join("link")).unwrap();
        let mut root = dir(&out);
        let listed = root.entries().unwrap();
        assert_eq!(listed.len(), 602);
        // Listed again from the start, not from where the last one ended.
        assert_eq!(root.entries_in_place().unwrap(), listed);
        assert_eq!(root.entries_in_place().unwrap(), listed);
        std::fs::write(out.join("added"), "").unwrap();
        let again = root.entries_in_place().unwrap();
        assert_eq!(again.len(), 603);
        assert_eq!(again[0], ("added".into(), Kind::File));
        // A copy shares the position the listings left at the end.
        let mut copy = root.try_clone().unwrap();
        assert_eq!(copy.entries_in_place().unwrap(), again);
    }
}
