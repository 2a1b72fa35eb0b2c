//! Where `kcfg render` and `kcfg fleet-diff` keep their cache (issue 18):
//! the plan's evaluation and the input records with their directory
//! stamps, which must live where only kcfg writes, never in the committed
//! output directory.
//!
//! In order: `--cache DIR` (the user's word: used as given, and an error
//! later if it cannot be written, as before); `--no-cache`, or
//! `KCFG_CACHE_DIR=off`: none; `KCFG_CACHE_DIR=PATH`; else the platform's
//! per-user cache directory + `kcfg` (`$XDG_CACHE_HOME/kcfg` or
//! `~/.cache/kcfg` on Linux, `~/Library/Caches/kcfg` on macOS), as Go's
//! build cache and pip keep theirs.
//!
//! A cache is trusted by `--check` because only kcfg writes it, so the
//! default one is used only when it is safe to believe: created with mode
//! 0700 when missing, and then only a real directory (a link at its last
//! component is refused: anyone who could plant one could point it at a
//! directory they write) owned by the user kcfg runs as, in which kcfg can
//! write. `KCFG_CACHE_DIR` may be a link (the user named it), but the
//! directory must be theirs too. A default that fails is not an error: the
//! command runs without a cache, as with `--no-cache`, and says nothing (an
//! Argo CD sidecar often has a read-only HOME, and would say it on every
//! render).

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

/// The environment variable that moves the default cache; `off` disables
/// it.
pub const ENV: &str = "KCFG_CACHE_DIR";

/// Where a cache directory was named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `--cache DIR`.
    Flag,
    /// `KCFG_CACHE_DIR`.
    Env,
    /// The platform's per-user cache directory.
    Default,
}

/// A cache directory to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheDir {
    /// The directory.
    pub path: PathBuf,
    /// Where it was named.
    pub source: Source,
}

/// What a command does with a default cache directory that is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Create it (a render, which writes there).
    Create,
    /// Go without (a fleet diff, which only reads).
    Skip,
}

/// The cache directory a command uses: `flag` (`--cache DIR`), none with
/// `no_cache`, else `KCFG_CACHE_DIR` or the per-user default, prepared and
/// checked (see the module's header). `Ok(None)`: no cache, as asked (or,
/// with [`Missing::Skip`], none there yet); `Err`: why the default (or
/// `KCFG_CACHE_DIR`'s) cannot be used, which the caller is to treat as no
/// cache.
pub fn resolve(
    flag: Option<PathBuf>,
    no_cache: bool,
    missing: Missing,
) -> Result<Option<CacheDir>, String> {
    if no_cache {
        return Ok(None);
    }
    if let Some(path) = flag {
        return Ok(Some(CacheDir {
            path,
            source: Source::Flag,
        }));
    }
    let (path, source) = match std::env::var_os(ENV) {
        Some(value) if value == "off" => return Ok(None),
        Some(value) if !value.is_empty() => (PathBuf::from(value), Source::Env),
        _ => match dirs::cache_dir() {
            Some(base) => (base.join("kcfg"), Source::Default),
            None => return Err("no per-user cache directory (HOME is not set)".into()),
        },
    };
    let uid = rustix::process::geteuid().as_raw();
    let ready = prepare(&path, source == Source::Env, missing, uid)?;
    Ok(ready.then_some(CacheDir { path, source }))
}

/// Makes `path` ready to serve as the cache of the user `uid`: created
/// (mode 0700, parents as needed) when missing and `missing` says so, then
/// checked: a directory (through a link at its end only if `follow`),
/// owned by `uid`, in which this process may write. `Ok(false)`: missing,
/// and not created.
fn prepare(path: &Path, follow: bool, missing: Missing, uid: u32) -> Result<bool, String> {
    let shown = path.display();
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            if missing == Missing::Skip {
                return Ok(false);
            }
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(path)
                .map_err(|err| format!("cannot create {shown}: {err}"))?;
            std::fs::symlink_metadata(path)
                .map_err(|err| format!("cannot inspect {shown}: {err}"))?
        }
        Err(err) => return Err(format!("cannot inspect {shown}: {err}")),
    };
    let meta = if meta.file_type().is_symlink() {
        if !follow {
            return Err(format!(
                "{shown} is a symbolic link (kcfg keeps its cache only in a directory of its own)"
            ));
        }
        std::fs::metadata(path).map_err(|err| format!("cannot inspect {shown}: {err}"))?
    } else {
        meta
    };
    if !meta.is_dir() {
        return Err(format!("{shown} is not a directory"));
    }
    if meta.uid() != uid {
        return Err(format!(
            "{shown} belongs to user {}, not to this one ({uid})",
            meta.uid()
        ));
    }
    if missing == Missing::Create {
        use rustix::fs::Access;
        rustix::fs::access(path, Access::WRITE_OK | Access::EXEC_OK)
            .map_err(|errno| format!("cannot write in {shown}: {}", io::Error::from(errno)))?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{symlink, PermissionsExt as _};

    use super::*;

    fn uid_of(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().uid()
    }

    #[test]
    fn issue18_a_missing_default_is_created_private() {
        let temp = tempfile::tempdir().unwrap();
        let uid = uid_of(temp.path());
        let path = temp.path().join("home/.cache/kcfg");
        assert_eq!(prepare(&path, false, Missing::Skip, uid), Ok(false));
        assert!(!temp.path().join("home").exists());
        assert_eq!(prepare(&path, false, Missing::Create, uid), Ok(true));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        // Ready as it is the next time.
        assert_eq!(prepare(&path, false, Missing::Create, uid), Ok(true));
        assert_eq!(prepare(&path, false, Missing::Skip, uid), Ok(true));
    }

    #[test]
    fn issue18_a_default_that_is_not_ours_is_not_used() {
        let temp = tempfile::tempdir().unwrap();
        let uid = uid_of(temp.path());
        let sacrificial = temp.path().join("sacrificial");
        std::fs::create_dir(&sacrificial).unwrap();
        std::fs::write(sacrificial.join("keep"), "keep").unwrap();
        // A link at the last component: refused for the default, followed
        // for KCFG_CACHE_DIR (the user's word).
        let link = temp.path().join("kcfg");
        symlink(&sacrificial, &link).unwrap();
        let err = prepare(&link, false, Missing::Create, uid).unwrap_err();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(prepare(&link, true, Missing::Create, uid), Ok(true));
        // Another user's directory.
        let err = prepare(&sacrificial, false, Missing::Create, uid + 1).unwrap_err();
        assert!(err.contains("belongs to user"), "{err}");
        // A file, and a path under a file.
        let file = temp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let err = prepare(&file, false, Missing::Create, uid).unwrap_err();
        assert!(err.contains("not a directory"), "{err}");
        let err = prepare(&file.join("kcfg"), false, Missing::Create, uid).unwrap_err();
        assert!(err.starts_with("cannot "), "{err}");
        assert_eq!(
            std::fs::read_dir(&sacrificial).unwrap().count(),
            1,
            "nothing written through the link"
        );
        assert_eq!(
            std::fs::read_to_string(sacrificial.join("keep")).unwrap(),
            "keep"
        );
    }
}
