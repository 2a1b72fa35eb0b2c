//! The file system side of `kcfg fmt`: finding the files under a directory
//! and rewriting a file in place.
//!
//! **Walking.** A directory argument (with `-i`, `--test` or `--check`)
//! stands for every `.kcfg`, `.jsonnet` and `.libsonnet` file under it, in
//! sorted order. Directories named `vendor` (jsonnet-bundler's, where
//! vendored code belongs to someone else) and hidden directories (`.git`)
//! are skipped, unless they are the argument itself. Symbolic links met
//! during the walk are not followed, to files or to directories: a walk
//! stays inside its tree, never loops, and never reaches one file under two
//! names (two workers rewriting it at once).
//!
//! **Writing in place.** The new text goes to a temporary file in the same
//! directory, which takes the old file's permissions (and, where allowed,
//! its owner and group), and is renamed over the old file: a reader, or an
//! interrupted run, sees the old file or the new one, never half of one. A
//! file whose formatting is already its content is not touched at all, so
//! its modification time stays (build tools and editors watch it).
//! A file named through a symbolic link is formatted where the link points:
//! the target is replaced and the link stays a link, which is what
//! `jsonnetfmt`, writing through the link, leaves behind as well. Renaming
//! gives the file a new inode, so other hard links to it keep the old text.
//! The rename is not followed by an `fsync`; like `gofmt`, kcfg leaves
//! durability across a power failure to the file system.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cmd::eval::args::io_message;

/// The extensions `kcfg fmt` looks for under a directory.
const EXTENSIONS: [&str; 3] = ["kcfg", "jsonnet", "libsonnet"];

/// Whether a walk formats a file of this name.
pub fn is_source(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| EXTENSIONS.contains(&ext))
}

/// Whether a walk descends into a directory of this name.
fn descends_into(name: &str) -> bool {
    !name.starts_with('.') && name != "vendor"
}

/// Appends the source files under `dir` to `files`, in sorted order;
/// directories that cannot be read are reported in `errors` and skipped.
pub fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            errors.push(format!(
                "ERROR: reading directory {}: {}\n",
                dir.display(),
                io_message(&err)
            ));
            return;
        }
    };
    let mut listing = entries_of(entries, dir, errors);
    listing.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in listing {
        let path = dir.join(&name);
        if kind.is_dir() {
            if descends_into(&name) {
                walk(&path, files, errors);
            }
        } else if kind.is_file() && is_source(&name) {
            files.push(path);
        }
    }
}

/// The names and types (not following links) of a directory's entries.
fn entries_of(
    entries: fs::ReadDir,
    dir: &Path,
    errors: &mut Vec<String>,
) -> Vec<(String, fs::FileType)> {
    let mut out = Vec::new();
    for entry in entries {
        let entry = match entry.and_then(|entry| Ok((entry.file_name(), entry.file_type()?))) {
            Ok(entry) => entry,
            Err(err) => {
                errors.push(format!(
                    "ERROR: reading directory {}: {}\n",
                    dir.display(),
                    io_message(&err)
                ));
                continue;
            }
        };
        out.push((entry.0.to_string_lossy().into_owned(), entry.1));
    }
    out
}

/// The file `-i` rewrites for the argument `path`: the path itself, or the
/// final target of a symbolic link.
pub fn write_target(path: &Path) -> std::io::Result<PathBuf> {
    if fs::symlink_metadata(path)?.file_type().is_symlink() {
        fs::canonicalize(path)
    } else {
        Ok(path.to_path_buf())
    }
}

/// Replaces the file at `target` (not a symbolic link) with `content`,
/// atomically, keeping its permissions. `shown` names the file in errors.
pub fn replace(target: &Path, shown: &str, content: &str) -> Result<(), String> {
    let fail = |what: &str, err: std::io::Error| {
        format!(
            "Writing to output file: {shown}: {what}{}\n",
            io_message(&err)
        )
    };
    let metadata = fs::metadata(target).map_err(|err| fail("", err))?;
    // `jsonnetfmt` opens the file for writing, which a read-only file
    // refuses (unless the user is root); the rename below would not ask.
    if !writable(target) {
        return Err(fail("", permission_denied()));
    }
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (temp_path, mut temp) =
        create_temp(dir, &name).map_err(|err| fail("creating a temporary file: ", err))?;
    let result = (|| {
        temp.write_all(content.as_bytes())?;
        keep_owner(&temp, &metadata);
        temp.set_permissions(metadata.permissions())?;
        drop(temp);
        fs::rename(&temp_path, target)
    })();
    result.map_err(|err| {
        let _ = fs::remove_file(&temp_path);
        fail("", err)
    })
}

/// Creates a new file beside the one being replaced. Its name ends in
/// `.tmp`, so a walk never takes a leftover one for a source file.
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, fs::File)> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let pid = std::process::id();
    let mut attempt = 0u32;
    loop {
        let path = dir.join(format!(".{name}.kcfg-fmt-{pid}-{attempt}.tmp"));
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// Gives the new file the old one's owner and group where the user may (a
/// root run formatting someone else's file); elsewhere it is the user's own.
#[cfg(unix)]
fn keep_owner(file: &fs::File, old: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt as _;
    let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
}

#[cfg(not(unix))]
fn keep_owner(_: &fs::File, _: &fs::Metadata) {}

/// Whether the user may write the file (`access(2)`, which says yes to
/// root, as `open` would).
#[cfg(unix)]
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt as _;
    let Ok(path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `path` is a valid NUL-terminated string for the call.
    unsafe { libc::access(path.as_ptr(), libc::W_OK) == 0 }
}

/// `EACCES`, worded by the C library as the reference's `perror` words it.
#[cfg(unix)]
fn permission_denied() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::EACCES)
}

#[cfg(not(unix))]
fn permission_denied() -> std::io::Error {
    std::io::Error::from(std::io::ErrorKind::PermissionDenied)
}

#[cfg(not(unix))]
fn writable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| !meta.permissions().readonly())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_by_extension() {
        assert!(is_source("a.kcfg") && is_source("a.jsonnet") && is_source("b.libsonnet"));
        assert!(!is_source("a.json") && !is_source("jsonnet") && !is_source(".x.jsonnet.tmp"));
    }

    #[test]
    fn skipped_directories() {
        assert!(descends_into("lib") && descends_into("vendors"));
        assert!(!descends_into("vendor") && !descends_into(".git") && !descends_into("."));
    }
}
