//! Confinement: in plugin mode, no file outside the repository is read.
//!
//! The CMP server unpacks the application's repository into a temporary
//! directory and runs the plugin in the application's directory inside it.
//! The root is the one [`super::env::locate`] finds from the source path
//! (issue 13: not the working directory minus it, which a link such as
//! `repo -> .` lifted above the checkout).
//! The repository is untrusted input, so [`ConfinedImporter`] wraps the
//! file-system importer's search order (`kcfg_render::importer`) with three
//! refusals, each reported with the import as written and the reason:
//!
//! * an absolute path (`import '/etc/passwd'`), whatever it points at: the
//!   repository lives in a random directory, so such an import is never
//!   portable, and refusing it outright leaks nothing about the sidecar's
//!   file system;
//! * a relative path whose `..` components climb above the repository
//!   root, decided on the path's text before the file system is touched;
//! * a path inside the repository that is, or passes through, a symbolic
//!   link to somewhere outside it, decided on the canonical path.
//!
//! `import`, `importstr` and `importbin` all resolve and read through the
//! importer, and so do the entry file, a plan's policies and a plan's
//! inventory files (`kcfg_render::generators`), so one check covers every
//! read. [`Importer::read`] checks the canonical path again, so a path that
//! did not come through [`Importer::resolve`] (an entry, a policy) is held
//! to the same rule. The libraries built into kcfg (`kcfg/…`) are not files
//! and stay available; as everywhere, a file of the repository that the
//! search finds comes before them (`kcfg_render::importer`, issue 16).
//!
//! The importer cannot return an error from `resolve`, only a path; a
//! refused import resolves to a path under `<refused>/` that `read` answers
//! with the reason, which the evaluator reports as
//! `couldn't open import "…": <reason>`.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use kcfg_lang::program::{normalize, Importer};

use kcfg_render::importer::Warnings;
use kcfg_render::libraries;

/// The directory refused imports appear to resolve into.
const REFUSED_DIR: &str = "<refused>";

/// An importer that only reads files inside one directory tree.
#[derive(Debug)]
pub struct ConfinedImporter {
    /// The repository root, canonical.
    root: PathBuf,
    /// Library directories, in search order (the last given first, as
    /// `-J` does), canonical and inside `root`.
    search: Vec<PathBuf>,
    /// Why each refused import was refused, by its index under
    /// [`REFUSED_DIR`].
    refused: Mutex<Vec<String>>,
    /// Where a file hiding a built-in library is reported.
    warnings: Warnings,
}

impl ConfinedImporter {
    /// An importer confined to `root`, searching the library directories
    /// `jpath` (in command-line order: the right-most wins). Each must be
    /// inside `root`; directories that do not exist are skipped.
    pub fn new(root: &Path, jpath: &[PathBuf]) -> Result<ConfinedImporter, String> {
        let root = root
            .canonicalize()
            .map_err(|err| format!("cannot open the repository root {}: {err}", root.display()))?;
        let mut search = Vec::new();
        for dir in jpath.iter().rev() {
            let joined = root.join(dir);
            let Ok(canonical) = joined.canonicalize() else {
                continue;
            };
            if !canonical.starts_with(&root) || !canonical.is_dir() {
                return Err(format!(
                    "the library directory {} is outside the repository {} (in Argo CD plugin mode every import stays inside the repository)",
                    dir.display(),
                    root.display()
                ));
            }
            if !search.contains(&canonical) {
                search.push(canonical);
            }
        }
        Ok(ConfinedImporter {
            root,
            search,
            refused: Mutex::new(Vec::new()),
            warnings: Warnings::default(),
        })
    }

    /// The same importer, reporting files that hide a built-in library to
    /// `warnings`.
    pub fn with_warnings(mut self, warnings: Warnings) -> ConfinedImporter {
        self.warnings = warnings;
        self
    }

    fn refuse(&self, reason: String) -> PathBuf {
        let mut refused = self
            .refused
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        refused.push(reason);
        Path::new(REFUSED_DIR).join((refused.len() - 1).to_string())
    }

    fn refusal(&self, path: &Path) -> Option<String> {
        let index: usize = path
            .strip_prefix(REFUSED_DIR)
            .ok()?
            .to_str()?
            .parse()
            .ok()?;
        let refused = self
            .refused
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        refused.get(index).cloned()
    }

    /// Where the repository's path `candidate` really is, if that is inside
    /// the repository; otherwise why not.
    fn inside(&self, candidate: &Path) -> Result<PathBuf, String> {
        let real = candidate
            .canonicalize()
            .map_err(|err| format!("{}: {err}", candidate.display()))?;
        if real.starts_with(&self.root) {
            Ok(real)
        } else {
            Err(format!(
                "{} is a symbolic link to {}, outside the repository {}; in Argo CD plugin mode imports may not leave the repository",
                self.shown(candidate),
                real.display(),
                self.root.display()
            ))
        }
    }

    /// A path as the repository's authors know it: relative to the root.
    fn shown(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(relative) => relative.display().to_string(),
            Err(_) => path.display().to_string(),
        }
    }
}

/// Whether `path` climbs above the directory it is joined to more often
/// than it descends, i.e. whether `dir.join(path)` leaves `dir`.
fn climbs_out(path: &Path) -> bool {
    let mut depth: isize = 0;
    for component in path.components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

impl Importer for ConfinedImporter {
    fn resolve(&self, from: Option<&Path>, path: &str) -> Option<PathBuf> {
        let wanted = Path::new(path);
        if wanted.is_absolute() {
            return Some(self.refuse(format!(
                "absolute paths are refused in Argo CD plugin mode; import files of the repository by a path relative to the importing file or to a library directory (the repository is {})",
                self.root.display()
            )));
        }
        let bases = from
            .into_iter()
            .chain(self.search.iter().map(PathBuf::as_path));
        for base in bases {
            let candidate = normalize(&base.join(wanted));
            if !candidate.starts_with(&self.root) || climbs_out_of_root(&self.root, base, wanted) {
                return Some(self.refuse(format!(
                    "{} leaves the repository {}; in Argo CD plugin mode imports may not leave the repository",
                    candidate.display(),
                    self.root.display()
                )));
            }
            if candidate.is_file() {
                return Some(match self.inside(&candidate) {
                    Ok(_) => self.warnings.builtin_after_disk(path, Some(candidate))?,
                    Err(reason) => self.refuse(reason),
                });
            }
        }
        self.warnings.builtin_after_disk(path, None)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if let Some(reason) = self.refusal(path) {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, reason));
        }
        if let Some(library) = libraries::by_path(path) {
            return Ok(library.text.as_bytes().to_vec());
        }
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()?.join(path)
        };
        let real = self
            .inside(&normalize(&absolute))
            .map_err(|reason| io::Error::new(io::ErrorKind::PermissionDenied, reason))?;
        std::fs::read(real)
    }
}

/// Whether `base.join(path)` passes above `root` on the way, even if it
/// comes back down (`../../repo/x` from the root's child would): the text
/// of the path names directories outside the repository either way.
fn climbs_out_of_root(root: &Path, base: &Path, path: &Path) -> bool {
    match base.strip_prefix(root) {
        Ok(inside) => climbs_out(&inside.join(path)),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Repo {
        _dir: tempfile::TempDir,
        root: PathBuf,
        outside: PathBuf,
    }

    fn repo() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let root = base.join("repo");
        let outside = base.join("secret.txt");
        std::fs::create_dir_all(root.join("apps/web")).unwrap();
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(&outside, "secret").unwrap();
        std::fs::write(root.join("lib/k.libsonnet"), "{}").unwrap();
        std::fs::write(root.join("apps/web/main.kcfg"), "{}").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("lib/escape.libsonnet")).unwrap();
        std::os::unix::fs::symlink(&base, root.join("up")).unwrap();
        std::os::unix::fs::symlink(root.join("lib"), root.join("apps/lib-link")).unwrap();
        Repo {
            _dir: dir,
            root,
            outside,
        }
    }

    fn check(importer: &ConfinedImporter, from: &Path, path: &str) -> Result<String, String> {
        let Some(resolved) = importer.resolve(Some(from), path) else {
            return Err("not found".into());
        };
        importer
            .read(&resolved)
            .map(|bytes| String::from_utf8(bytes).unwrap())
            .map_err(|err| err.to_string())
    }

    #[test]
    fn imports_inside_the_repository_work() {
        let repo = repo();
        let importer = ConfinedImporter::new(&repo.root, &[PathBuf::from("lib")]).unwrap();
        let app = repo.root.join("apps/web");
        assert_eq!(check(&importer, &app, "main.kcfg").as_deref(), Ok("{}"));
        assert_eq!(
            check(&importer, &app, "../../lib/k.libsonnet").as_deref(),
            Ok("{}")
        );
        assert_eq!(check(&importer, &app, "k.libsonnet").as_deref(), Ok("{}"));
        // A link that stays inside the repository is fine.
        assert_eq!(
            check(&importer, &app, "../lib-link/k.libsonnet").as_deref(),
            Ok("{}")
        );
        assert!(check(&importer, &app, "kcfg/render.libsonnet").is_ok());
        assert_eq!(
            check(&importer, &app, "nothing.libsonnet"),
            Err("not found".to_string())
        );
    }

    #[test]
    fn absolute_paths_are_refused_even_inside_the_repository() {
        let repo = repo();
        let importer = ConfinedImporter::new(&repo.root, &[]).unwrap();
        let app = repo.root.join("apps/web");
        let inside = repo.root.join("lib/k.libsonnet");
        for path in [repo.outside.to_str().unwrap(), inside.to_str().unwrap()] {
            let err = check(&importer, &app, path).unwrap_err();
            assert!(err.contains("absolute paths are refused"), "{err}");
        }
    }

    #[test]
    fn parent_chains_that_leave_the_repository_are_refused_without_looking() {
        let repo = repo();
        let importer = ConfinedImporter::new(&repo.root, &[]).unwrap();
        let app = repo.root.join("apps/web");
        for path in [
            "../../../secret.txt",
            "../../../../../../../../etc/passwd",
            "../../../repo/lib/k.libsonnet",
        ] {
            let err = check(&importer, &app, path).unwrap_err();
            assert!(err.contains("leaves the repository"), "{path}: {err}");
        }
    }

    #[test]
    fn symbolic_links_out_of_the_repository_are_refused() {
        let repo = repo();
        let importer = ConfinedImporter::new(&repo.root, &[]).unwrap();
        let app = repo.root.join("apps/web");
        let err = check(&importer, &app, "../../lib/escape.libsonnet").unwrap_err();
        assert!(err.contains("is a symbolic link to"), "{err}");
        assert!(err.contains("secret.txt"), "{err}");
        let err = check(&importer, &app, "../../up/secret.txt").unwrap_err();
        assert!(err.contains("outside the repository"), "{err}");
    }

    #[test]
    fn reads_that_skip_resolve_are_checked_too() {
        let repo = repo();
        let importer = ConfinedImporter::new(&repo.root, &[]).unwrap();
        assert!(importer.read(&repo.root.join("lib/k.libsonnet")).is_ok());
        let err = importer.read(&repo.outside).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(importer
            .read(&repo.root.join("lib/escape.libsonnet"))
            .is_err());
    }

    #[test]
    fn library_directories_must_be_inside_the_repository() {
        let repo = repo();
        let err = ConfinedImporter::new(&repo.root, &[PathBuf::from("up")]).unwrap_err();
        assert!(err.contains("outside the repository"), "{err}");
        let err = ConfinedImporter::new(&repo.root, &[PathBuf::from("/")]).unwrap_err();
        assert!(err.contains("outside the repository"), "{err}");
        // Missing directories are skipped, as the reference skips them.
        assert!(ConfinedImporter::new(&repo.root, &[PathBuf::from("vendor")]).is_ok());
    }

    #[test]
    fn issue13_links_back_into_the_repository_do_not_widen_it() {
        let repo = repo();
        let importer = ConfinedImporter::new(&repo.root, &[]).unwrap();
        let app = repo.root.join("apps/web");
        // `repo -> .`, as Argo CD accepts it: reads through it stay inside.
        std::os::unix::fs::symlink(".", repo.root.join("repo")).unwrap();
        assert_eq!(
            check(&importer, &app, "../../repo/repo/lib/k.libsonnet").as_deref(),
            Ok("{}")
        );
        let err = check(&importer, &app, "../../repo/../../secret.txt").unwrap_err();
        assert!(err.contains("leaves the repository"), "{err}");
        // A chain of links whose last one leaves.
        std::os::unix::fs::symlink("escape.libsonnet", repo.root.join("lib/chain.libsonnet"))
            .unwrap();
        let err = check(&importer, &app, "../../lib/chain.libsonnet").unwrap_err();
        assert!(err.contains("outside the repository"), "{err}");
        // A loop is an error, not a hang.
        std::os::unix::fs::symlink("loop.libsonnet", repo.root.join("lib/loop.libsonnet")).unwrap();
        assert!(check(&importer, &app, "../../lib/loop.libsonnet").is_err());
        assert_eq!(std::fs::read_to_string(&repo.outside).unwrap(), "secret");
    }
}
