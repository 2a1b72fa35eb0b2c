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
//! Before all of that, `kcfg/<name>.libsonnet` names one of the libraries
//! built into kcfg ([`crate::libraries`]): the `kcfg/` prefix is reserved,
//! so a plan or an application can import `kcfg/render.libsonnet` without
//! any file on disk.
//!
//! A render needs one importer per search path (the plan's, and each
//! target's own directories in front of it); [`Imports`] makes them.
//! [`FileSystem`] makes [`FsImporter`]s; the Argo CD plugin makes importers
//! confined to a repository.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kcfg_lang::program::Importer;

use crate::libraries;

/// Finds imports on disk.
#[derive(Debug, Clone, Default)]
pub struct FsImporter {
    /// Library directories, in search order.
    search: Vec<PathBuf>,
}

impl FsImporter {
    /// An importer searching the `-J` directories `jpath` (in command-line
    /// order: the right-most wins) and then `library_path` (in order: the
    /// left-most wins), as the reference searches `-J` and `JSONNET_PATH`.
    pub fn new(jpath: &[PathBuf], library_path: &[PathBuf]) -> FsImporter {
        let mut search: Vec<PathBuf> = jpath.iter().rev().cloned().collect();
        search.extend(library_path.iter().cloned());
        FsImporter { search }
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
        if let Some(name) = path.strip_prefix(libraries::PREFIX) {
            return libraries::find(name).map(|library| library.path());
        }
        let wanted = Path::new(path);
        if wanted.is_absolute() {
            return wanted.is_file().then(|| wanted.to_path_buf());
        }
        let local = match from {
            Some(dir) => dir.join(wanted),
            None => wanted.to_path_buf(),
        };
        if local.is_file() {
            return Some(local);
        }
        self.search
            .iter()
            .map(|dir| dir.join(wanted))
            .find(|candidate| candidate.is_file())
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if let Some(library) = libraries::by_path(path) {
            return Ok(library.text.as_bytes().to_vec());
        }
        std::fs::read(path)
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
}

/// Files on disk, found in `kcfg eval`'s search order ([`FsImporter`]).
#[derive(Debug, Clone, Default)]
pub struct FileSystem {
    /// Directories searched after every `-J` one, in order: what
    /// `JSONNET_PATH` lists, read by the caller.
    pub library_path: Vec<PathBuf>,
}

impl Imports for FileSystem {
    fn importer(&self, jpath: &[PathBuf]) -> Result<Arc<dyn Importer>, String> {
        Ok(Arc::new(FsImporter::new(jpath, &self.library_path)))
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
    fn embedded_libraries_come_first_and_the_prefix_is_reserved() {
        let importer = FsImporter::new(&[], &[]);
        let found = importer.resolve(None, "kcfg/render.libsonnet").unwrap();
        let text = importer.read(&found).unwrap();
        assert!(String::from_utf8(text).unwrap().contains("directories("));
        assert_eq!(importer.resolve(None, "kcfg/nothing.libsonnet"), None);
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
