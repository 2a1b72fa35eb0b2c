//! The file-system importer: how `import` finds files on disk.
//!
//! The search order is the reference's: an absolute path as it is; a
//! relative one next to the importing file (or the working directory for
//! `-e` code and standard input), then in the `-J` directories from the
//! last given to the first ("right-most wins"), then in the `JSONNET_PATH`
//! directories from the first to the last ("left-most wins"). This crate
//! never reads the environment: the caller passes `JSONNET_PATH`'s
//! directories ([`split_path_list`] splits the variable's value).
//!
//! After all of that, `kcfg/<name>.libsonnet` names one of the libraries
//! built into kcfg ([`crate::libraries`]), so a plan or an application can
//! import `kcfg/render.libsonnet` without any file on disk. Files come
//! first (issue 16): a file that the search finds is never replaced by a
//! built-in library, so `import 'kcfg/x.libsonnet'` of a project that has
//! its own `kcfg/` directory reads that directory, as `jsonnet` would.
//! When such a file has the name of a built-in library, the importer says
//! so once through its [`Warnings`] (`kcfg render` and the Argo CD plugin
//! print them; `kcfg eval` stays silent, as the reference is).
//!
//! A render needs one importer per search path (the plan's, and each
//! target's own directories in front of it); [`Imports`] makes them.
//! [`FileSystem`] makes [`FsImporter`]s; the Argo CD plugin makes importers
//! confined to a repository.
//!
//! Everything a render looks at besides imports (whether the plan exists,
//! the directories a `directories` generator lists, the output markers it
//! skips, a project's root marker) goes through a [`Tree`]: [`Disk`] is the
//! file system, and a fleet diff reads a git revision through
//! [`crate::git::Revision`] without checking it out (issue 18). An
//! [`FsImporter`] reads through its tree too, so one search order serves
//! both.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kcfg_lang::program::Importer;

use crate::libraries;

/// A function that receives warning lines, from any thread.
type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// Where importers report what the user should know but that is not an
/// error: a file on disk that hides a built-in library. Each text is
/// reported once, however many importers share the sink (clones share it).
#[derive(Clone, Default)]
pub struct Warnings {
    sink: Option<Sink>,
    said: Arc<Mutex<BTreeSet<String>>>,
}

impl Warnings {
    /// Warnings passed to `sink` (called from any thread).
    pub fn to(sink: impl Fn(&str) + Send + Sync + 'static) -> Warnings {
        Warnings {
            sink: Some(Arc::new(sink)),
            said: Arc::default(),
        }
    }

    /// Reports `text` unless it was reported before.
    pub fn warn(&self, text: String) {
        let Some(sink) = &self.sink else {
            return;
        };
        let new = self
            .said
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(text.clone());
        if new {
            sink(&text);
        }
    }

    /// Resolves `path` (as written in an import) once the search found
    /// `on_disk` or nothing: the file on disk wins, with a warning when it
    /// hides a built-in library; else a `kcfg/` path names a built-in one.
    pub fn builtin_after_disk(&self, path: &str, on_disk: Option<PathBuf>) -> Option<PathBuf> {
        let builtin = path
            .strip_prefix(libraries::PREFIX)
            .and_then(libraries::find);
        match (on_disk, builtin) {
            (Some(file), Some(library)) => {
                self.warn(format!(
                    "warning: import {path:?} reads {}, which hides kcfg's built-in library {}{} (files come first; rename the file or directory to use the built-in)",
                    file.display(),
                    libraries::PREFIX,
                    library.name
                ));
                Some(file)
            }
            (Some(file), None) => Some(file),
            (None, Some(library)) => Some(library.path()),
            (None, None) => None,
        }
    }
}

impl fmt::Debug for Warnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Warnings")
            .field("sink", &self.sink.is_some())
            .finish_non_exhaustive()
    }
}

/// The files a render sees: the file system ([`Disk`]) or a git revision
/// ([`crate::git::Revision`]). Paths are as the render spells them
/// (relative to the working directory, or absolute).
pub trait Tree: Send + Sync + fmt::Debug {
    /// Whether `path` is a regular file (after links, as
    /// [`Path::is_file`]).
    fn is_file(&self, path: &Path) -> bool;
    /// Whether anything is at `path`.
    fn exists(&self, path: &Path) -> bool;
    /// The names of the directories directly in `dir` (any order).
    fn subdirectories(&self, dir: &Path) -> std::io::Result<Vec<String>>;
    /// The bytes of the file at `path`.
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
}

/// The file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl Tree for Disk {
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn subdirectories(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            // Not following links: a linked directory is not listed.
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                if let Some(name) = entry.file_name().to_str() {
                    names.push(name.to_string());
                }
            }
        }
        Ok(names)
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// What a plan's generators read: inventories through the plan's
/// importer (so the Argo CD plugin's confinement covers them), directory
/// listings from the tree.
pub struct PlanFiles<'a> {
    /// The plan's importer.
    pub importer: &'a dyn Importer,
    /// The files the plan's directory holds.
    pub tree: &'a dyn Tree,
}

impl<'a> PlanFiles<'a> {
    /// `importer`, and directories listed on disk.
    pub fn on_disk(importer: &'a dyn Importer) -> PlanFiles<'a> {
        PlanFiles {
            importer,
            tree: &Disk,
        }
    }
}

/// Finds imports on disk, or in another [`Tree`].
#[derive(Debug, Clone)]
pub struct FsImporter {
    /// Library directories, in search order.
    search: Vec<PathBuf>,
    /// Where a file hiding a built-in library is reported.
    warnings: Warnings,
    /// Where files are looked for and read.
    tree: Arc<dyn Tree>,
}

impl Default for FsImporter {
    fn default() -> FsImporter {
        FsImporter::new(&[], &[])
    }
}

impl FsImporter {
    /// An importer searching the `-J` directories `jpath` (in command-line
    /// order: the right-most wins) and then `library_path` (in order: the
    /// left-most wins), as the reference searches `-J` and `JSONNET_PATH`.
    pub fn new(jpath: &[PathBuf], library_path: &[PathBuf]) -> FsImporter {
        let mut search: Vec<PathBuf> = jpath.iter().rev().cloned().collect();
        search.extend(library_path.iter().cloned());
        FsImporter {
            search,
            warnings: Warnings::default(),
            tree: Arc::new(Disk),
        }
    }

    /// The same importer, finding and reading files in `tree`.
    pub fn with_tree(mut self, tree: Arc<dyn Tree>) -> FsImporter {
        self.tree = tree;
        self
    }

    /// The same importer, reporting files that hide a built-in library to
    /// `warnings`.
    pub fn with_warnings(mut self, warnings: Warnings) -> FsImporter {
        self.warnings = warnings;
        self
    }

    /// The library directories in search order.
    pub fn search_path(&self) -> &[PathBuf] {
        &self.search
    }
}

/// The directories of a `JSONNET_PATH`-style list (`a:b:c`), in order,
/// without empty entries.
pub fn split_path_list(list: &str) -> Vec<PathBuf> {
    list.split(':')
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .collect()
}

impl Importer for FsImporter {
    fn resolve(&self, from: Option<&Path>, path: &str) -> Option<PathBuf> {
        let wanted = Path::new(path);
        if wanted.is_absolute() {
            return self.tree.is_file(wanted).then(|| wanted.to_path_buf());
        }
        let local = match from {
            Some(dir) => dir.join(wanted),
            None => wanted.to_path_buf(),
        };
        let on_disk = if self.tree.is_file(&local) {
            Some(local)
        } else {
            self.search
                .iter()
                .map(|dir| dir.join(wanted))
                .find(|candidate| self.tree.is_file(candidate))
        };
        self.warnings.builtin_after_disk(path, on_disk)
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if let Some(library) = libraries::by_path(path) {
            return Ok(library.text.as_bytes().to_vec());
        }
        self.tree.read(path)
    }
}

/// Makes the importers of a render: one per search path.
///
/// The plan is evaluated with the importer for the renderer's library
/// directories; a target that adds its own directories gets the importer
/// for those in front of them. Every evaluation that uses the same search
/// path shares one [`kcfg_lang::program::Program`], so each file is parsed
/// once per render. A closure `Fn(&[PathBuf]) -> Result<Arc<dyn Importer>,
/// String>` is an `Imports` too.
pub trait Imports: Send + Sync {
    /// The importer searching the library directories `jpath`, given in
    /// command-line order (the right-most wins). The error says why such an
    /// importer cannot be made (a directory outside a confined tree).
    fn importer(&self, jpath: &[PathBuf]) -> Result<Arc<dyn Importer>, String>;

    /// The files the plan and project search look at besides imports
    /// (whether the plan exists, directories listed by generators, project
    /// markers): the file system unless said otherwise.
    fn tree(&self) -> Arc<dyn Tree> {
        Arc::new(Disk)
    }
}

/// Files on disk, found in `kcfg eval`'s search order ([`FsImporter`]).
#[derive(Debug, Clone, Default)]
pub struct FileSystem {
    /// Directories searched after every `-J` one, in order: what
    /// `JSONNET_PATH` lists, read by the caller.
    pub library_path: Vec<PathBuf>,
    /// Where files that hide a built-in library are reported.
    pub warnings: Warnings,
}

impl Imports for FileSystem {
    fn importer(&self, jpath: &[PathBuf]) -> Result<Arc<dyn Importer>, String> {
        Ok(Arc::new(
            FsImporter::new(jpath, &self.library_path).with_warnings(self.warnings.clone()),
        ))
    }
}

/// Files in a [`Tree`] (a git revision), found in `kcfg eval`'s search
/// order as [`FileSystem`] finds them on disk.
#[derive(Debug, Clone)]
pub struct TreeImports {
    /// Where files are found and read; also the plan's [`Imports::tree`].
    pub tree: Arc<dyn Tree>,
    /// As [`FileSystem::library_path`].
    pub library_path: Vec<PathBuf>,
    /// As [`FileSystem::warnings`].
    pub warnings: Warnings,
}

impl Imports for TreeImports {
    fn importer(&self, jpath: &[PathBuf]) -> Result<Arc<dyn Importer>, String> {
        Ok(Arc::new(
            FsImporter::new(jpath, &self.library_path)
                .with_warnings(self.warnings.clone())
                .with_tree(self.tree.clone()),
        ))
    }

    fn tree(&self) -> Arc<dyn Tree> {
        self.tree.clone()
    }
}

impl<F> Imports for F
where
    F: Fn(&[PathBuf]) -> Result<Arc<dyn Importer>, String> + Send + Sync,
{
    fn importer(&self, jpath: &[PathBuf]) -> Result<Arc<dyn Importer>, String> {
        self(jpath)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_order_matches_the_reference() {
        let importer = FsImporter::new(
            &[PathBuf::from("a"), PathBuf::from("b")],
            &split_path_list("c::d:"),
        );
        let order: Vec<&str> = importer
            .search_path()
            .iter()
            .map(|p| p.to_str().unwrap())
            .collect();
        assert_eq!(order, ["b", "a", "c", "d"]);
    }

    #[test]
    fn embedded_libraries_need_no_file() {
        let importer = FsImporter::new(&[], &[]);
        let found = importer.resolve(None, "kcfg/render.libsonnet").unwrap();
        let text = importer.read(&found).unwrap();
        assert!(String::from_utf8(text).unwrap().contains("directories("));
        assert_eq!(importer.resolve(None, "kcfg/nothing.libsonnet"), None);
    }

    #[test]
    fn issue16_files_under_kcfg_on_disk_are_never_replaced_by_a_built_in() {
        let dir = tempfile::tempdir().unwrap();
        let sibling = tempfile::tempdir().unwrap();
        std::fs::write(sibling.path().join("keep"), "x").unwrap();
        let base = dir.path();
        std::fs::create_dir_all(base.join("app/kcfg")).unwrap();
        std::fs::create_dir_all(base.join("lib/kcfg")).unwrap();
        std::fs::write(base.join("app/kcfg/render.libsonnet"), "'mine'").unwrap();
        std::fs::write(base.join("lib/kcfg/helpers.libsonnet"), "'helpers'").unwrap();
        let said = Arc::new(Mutex::new(Vec::new()));
        let sink = said.clone();
        let warnings = Warnings::to(move |text| sink.lock().unwrap().push(text.to_string()));
        let importer = FsImporter::new(&[base.join("lib")], &[]).with_warnings(warnings.clone());
        let app = base.join("app");
        // A file with a built-in's name wins, with one warning however
        // often it is imported (and by however many importers).
        let found = importer.resolve(Some(&app), "kcfg/render.libsonnet");
        assert_eq!(found, Some(app.join("kcfg/render.libsonnet")));
        assert_eq!(importer.read(&found.unwrap()).unwrap(), b"'mine'");
        let other = FsImporter::new(&[], &[]).with_warnings(warnings);
        other.resolve(Some(&app), "kcfg/render.libsonnet");
        importer.resolve(Some(&app), "kcfg/render.libsonnet");
        let said = said.lock().unwrap().clone();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("warning: import \"kcfg/render.libsonnet\" reads ")
                && said[0].contains("hides kcfg's built-in library kcfg/render.libsonnet"),
            "{}",
            said[0]
        );
        // Any other file under kcfg/ is found through the search path (it
        // was "not found" when the prefix was reserved).
        assert_eq!(
            importer.resolve(Some(&app), "kcfg/helpers.libsonnet"),
            Some(base.join("lib/kcfg/helpers.libsonnet"))
        );
        // Elsewhere the built-in is used.
        let found = importer
            .resolve(Some(base), "kcfg/kustomize.libsonnet")
            .unwrap();
        assert!(found.starts_with("<kcfg>"), "{}", found.display());
        assert_eq!(
            std::fs::read_to_string(sibling.path().join("keep")).unwrap(),
            "x"
        );
    }

    #[test]
    fn a_closure_makes_importers() {
        let imports = |jpath: &[PathBuf]| -> Result<Arc<dyn Importer>, String> {
            if jpath.is_empty() {
                Err("no directories".into())
            } else {
                Ok(Arc::new(FsImporter::new(jpath, &[])))
            }
        };
        let imports: &dyn Imports = &imports;
        assert_eq!(
            imports.importer(&[]).err().as_deref(),
            Some("no directories")
        );
        assert!(imports.importer(&[PathBuf::from("lib")]).is_ok());
    }
}
