//! The file-system importer: how `import` finds files on disk.
//!
//! The search order is the reference's: an absolute path as it is; a
//! relative one next to the importing file (or the working directory for
//! `-e` code and standard input), then in the `-J` directories from the
//! last given to the first ("right-most wins"), then in the `JSONNET_PATH`
//! directories from the first to the last ("left-most wins").
//!
//! Before all of that, `kcfg/<name>.libsonnet` names one of the libraries
//! built into the binary ([`crate::render::libraries`]): the `kcfg/` prefix
//! is reserved, so a plan or an application can import
//! `kcfg/render.libsonnet` without any file on disk.

use std::path::{Path, PathBuf};

use kcfg_lang::program::Importer;

use crate::render::libraries;

/// Finds imports on disk.
#[derive(Debug, Clone, Default)]
pub struct FsImporter {
    /// Library directories, in search order.
    search: Vec<PathBuf>,
}

impl FsImporter {
    /// An importer searching the `-J` directories (in command-line order)
    /// and then the entries of `JSONNET_PATH`.
    pub fn new(jpath: &[PathBuf], jsonnet_path: Option<&str>) -> FsImporter {
        let mut search: Vec<PathBuf> = jpath.iter().rev().cloned().collect();
        if let Some(list) = jsonnet_path {
            search.extend(
                list.split(':')
                    .filter(|dir| !dir.is_empty())
                    .map(PathBuf::from),
            );
        }
        FsImporter { search }
    }

    /// The library directories in search order.
    #[cfg(test)]
    pub fn search_path(&self) -> &[PathBuf] {
        &self.search
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_order_matches_the_reference() {
        let importer = FsImporter::new(&[PathBuf::from("a"), PathBuf::from("b")], Some("c:d"));
        let order: Vec<&str> = importer
            .search_path()
            .iter()
            .map(|p| p.to_str().unwrap())
            .collect();
        assert_eq!(order, ["b", "a", "c", "d"]);
    }

    #[test]
    fn embedded_libraries_come_first_and_the_prefix_is_reserved() {
        let importer = FsImporter::new(&[], None);
        let found = importer.resolve(None, "kcfg/render.libsonnet").unwrap();
        let text = importer.read(&found).unwrap();
        assert!(String::from_utf8(text).unwrap().contains("directories("));
        assert_eq!(importer.resolve(None, "kcfg/nothing.libsonnet"), None);
    }
}
