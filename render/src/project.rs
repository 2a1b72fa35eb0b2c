//! Tanka and jsonnet-bundler projects: the library directories a target
//! searches without any `-J` flag (issue 16).
//!
//! A jsonnet-bundler project keeps `jsonnetfile.json` at its root, its
//! vendored libraries in `vendor/` and, in Tanka's layout, its own shared
//! code in `lib/`:
//!
//! ```text
//! <root>/jsonnetfile.json          the marker (tkrc.yaml marks a root too)
//! <root>/lib/                      the project's own libraries
//! <root>/vendor/                   what `jb install` vendors
//! <root>/environments/prod/main.jsonnet   an entry; its directory is the base
//! <root>/environments/prod/vendor/        vendored only for this environment
//! ```
//!
//! The rules are Tanka's (grafana/tanka, `pkg/jsonnet/jpath`): the root is
//! the nearest directory at or above the entry's directory that holds
//! `tkrc.yaml`, or failing that the nearest that holds `jsonnetfile.json`
//! (a `tkrc.yaml` anywhere above wins over a nearer `jsonnetfile.json`,
//! which lets a project mark its root independently of jsonnet-bundler);
//! the base is the entry's directory. The search order, most specific
//! first:
//!
//! 1. `<base>`: the environment itself;
//! 2. `<root>/lib`: the project's libraries beat any vendored code;
//! 3. `<base>/vendor`: an environment may override the project's vendor;
//! 4. `<root>/vendor`: external packages, the least specific.
//!
//! These directories come after the ones the user names (`-J`, a target's
//! `jpath`, the Argo CD plugin's `libs`) and before `JSONNET_PATH`
//! ([`crate::renderer`] composes the path); an import is still looked up
//! next to the importing file before any of them. Directories that do not
//! exist are skipped by the importers.
//!
//! Where the search for a root may go is the caller's choice
//! ([`ProjectSearch`]): `kcfg render` searches up to the file system's root,
//! as Tanka does, and renders without project directories when there is no
//! marker; the Argo CD plugin never looks above the repository and takes the
//! repository's root as the project's root when no marker is below it.

use std::path::{Path, PathBuf};

use crate::importer::{Disk, Tree};

/// The files that mark a project's root, in the order they are looked for.
pub const ROOT_MARKERS: &[&str] = &["tkrc.yaml", "jsonnetfile.json"];

/// Whether, and how far up, a render looks for a project root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProjectSearch {
    /// Never: targets search only the directories they are given.
    Off,
    /// Up to the file system's root; without a marker, no project.
    #[default]
    Anywhere,
    /// Not above this directory, which is the root when no directory
    /// between it and the entry holds a marker (the Argo CD plugin's
    /// repository).
    Within(PathBuf),
}

/// A project as an entry sees it: its root and the entry's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The directory holding the marker (or the [`ProjectSearch::Within`]
    /// directory); empty for the working directory.
    pub root: PathBuf,
    /// The entry's directory (Tanka's "base directory"), as given.
    pub base: PathBuf,
}

impl Project {
    /// The project of an entry in directory `base` (empty means the working
    /// directory), or `None` when `search` finds no root.
    ///
    /// When `base` is relative, the root is given relative to the working
    /// directory too (`apps/web/../..` written as the empty path, so that
    /// `lib/` shows as `lib`) as long as that names the same directory;
    /// otherwise it is absolute. Either way messages show paths the user
    /// can open.
    pub fn find(base: &Path, search: &ProjectSearch) -> Option<Project> {
        Project::find_in(base, search, &Disk)
    }

    /// [`Project::find`], with the root markers looked for in `tree` (a
    /// git revision, for a fleet diff); the directories themselves are the
    /// file system's.
    pub fn find_in(base: &Path, search: &ProjectSearch, tree: &dyn Tree) -> Option<Project> {
        let ceiling = match search {
            ProjectSearch::Off => return None,
            ProjectSearch::Anywhere => None,
            ProjectSearch::Within(dir) => Some(dir.canonicalize().ok()?),
        };
        let start = existing(base).canonicalize().ok()?;
        if let Some(ceiling) = &ceiling {
            if !start.starts_with(ceiling) {
                return None;
            }
        }
        let found = ROOT_MARKERS.iter().find_map(|marker| {
            start
                .ancestors()
                .take_while(|dir| ceiling.as_ref().is_none_or(|top| dir.starts_with(top)))
                .position(|dir| tree.is_file(&dir.join(marker)))
        });
        let levels = match (found, &ceiling) {
            (Some(levels), _) => levels,
            (None, Some(ceiling)) => start.components().count() - ceiling.components().count(),
            (None, None) => return None,
        };
        let physical: PathBuf = start.ancestors().nth(levels)?.to_path_buf();
        Some(Project {
            root: shown_root(base, &physical, levels),
            base: base.to_path_buf(),
        })
    }

    /// The library directories in search order (the first wins).
    pub fn search_path(&self) -> Vec<PathBuf> {
        let mut dirs = vec![
            self.base.clone(),
            self.root.join("lib"),
            self.base.join("vendor"),
            self.root.join("vendor"),
        ];
        let mut seen = Vec::new();
        dirs.retain(|dir| {
            let key = kcfg_lang::program::normalize(dir);
            let new = !seen.contains(&key);
            seen.push(key);
            new
        });
        dirs
    }

    /// The same directories in command-line order (`-J` style: the
    /// right-most wins), to put in front of the user's own.
    pub fn jpath(&self) -> Vec<PathBuf> {
        let mut dirs = self.search_path();
        dirs.reverse();
        dirs
    }
}

/// `path`, or `.` for the empty path (which the file system does not
/// take).
fn existing(path: &Path) -> &Path {
    if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    }
}

/// The root `levels` directories above `base`, written relative to the
/// working directory when `base` is relative and the relative form names
/// the same directory (it may not when `base` passes through a symbolic
/// link).
fn shown_root(base: &Path, physical: &Path, levels: usize) -> PathBuf {
    if base.is_absolute() {
        return physical.to_path_buf();
    }
    let mut relative = base.to_path_buf();
    for _ in 0..levels {
        relative.push("..");
    }
    let relative = kcfg_lang::program::normalize(&relative);
    match existing(&relative).canonicalize() {
        Ok(same) if same == physical => relative,
        _ => physical.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "{}").unwrap();
    }

    #[test]
    fn issue16_tanka_order_from_the_nearest_marker() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("project");
        touch(&root.join("jsonnetfile.json"));
        let env = root.join("environments/prod");
        touch(&env.join("main.jsonnet"));
        let project = Project::find(&env, &ProjectSearch::Anywhere).unwrap();
        assert_eq!(project.root, root);
        assert_eq!(
            project.search_path(),
            [
                env.clone(),
                root.join("lib"),
                env.join("vendor"),
                root.join("vendor")
            ]
        );
        assert_eq!(
            project.jpath(),
            [
                root.join("vendor"),
                env.join("vendor"),
                root.join("lib"),
                env.clone()
            ]
        );
        // tkrc.yaml further up wins over the nearer jsonnetfile.json, as in
        // Tanka.
        touch(&dir.path().join("tkrc.yaml"));
        let project = Project::find(&env, &ProjectSearch::Anywhere).unwrap();
        assert_eq!(project.root, dir.path().canonicalize().unwrap());
        // Off finds nothing.
        assert_eq!(Project::find(&env, &ProjectSearch::Off), None);
    }

    #[test]
    fn issue16_no_marker_means_no_project_unless_within() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().canonicalize().unwrap().join("repo");
        let app = repo.join("apps/web");
        touch(&app.join("main.jsonnet"));
        // The temporary directory's parents hold no marker on a sane
        // machine; `Within` keeps the search inside the repository anyway.
        let within = ProjectSearch::Within(repo.clone());
        let project = Project::find(&app, &within).unwrap();
        assert_eq!(project.root, repo);
        // A marker above the ceiling is not seen.
        touch(&dir.path().join("jsonnetfile.json"));
        assert_eq!(Project::find(&app, &within).unwrap().root, repo);
        // One between the entry and the ceiling is.
        touch(&repo.join("apps/jsonnetfile.json"));
        assert_eq!(
            Project::find(&app, &within).unwrap().root,
            repo.join("apps")
        );
        // An entry outside the ceiling has no project.
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        assert_eq!(Project::find(&elsewhere, &within), None);
    }

    #[test]
    fn issue16_the_base_is_the_root_without_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        touch(&root.join("jsonnetfile.json"));
        let project = Project::find(&root, &ProjectSearch::Anywhere).unwrap();
        assert_eq!(
            project.search_path(),
            [root.clone(), root.join("lib"), root.join("vendor")]
        );
    }
}
