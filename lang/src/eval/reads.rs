//! The files an evaluation read, for programs that cache what it produced
//! (`kcfg render`'s incremental render, issue 18): an evaluation's result
//! depends on its code, its arguments and these files, nothing else (the
//! language reads no clock, environment or network), so a caller that
//! records them can prove a later evaluation would give the same result.
//!
//! Recording is off unless the caller asks ([`super::Ctx::record_reads`]);
//! then every import resolved (where it was written, the path as written,
//! the file found) and every file loaded is kept once, in first-seen order.
//! Imports are resolved once per program and files read once
//! ([`crate::program::Program`]), so this is the only place that knows what
//! one evaluation among many used.

use std::hash::Hasher as _;
use std::path::{Path, PathBuf};

use hashbrown::HashTable;
use rustc_hash::FxHasher;

/// One import as an evaluation resolved it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResolvedImport {
    /// The directory of the importing file (`None` for a snippet such as
    /// an `--ext-code` value).
    pub from: Option<PathBuf>,
    /// The path as written after `import`, `importstr` or `importbin`.
    pub path: String,
    /// The file it resolved to.
    pub resolved: PathBuf,
}

/// What an evaluation read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    /// Every import resolved, once each.
    pub imports: Vec<ResolvedImport>,
    /// Every file loaded (evaluated files and imports of every kind), once
    /// each.
    pub files: Vec<PathBuf>,
}

impl Reads {
    /// Whether `other` read the same, in the same order, comparing the
    /// paths' bytes (a `Path` compares component by component).
    pub fn same_as(&self, other: &Reads) -> bool {
        self.files.len() == other.files.len()
            && self.imports.len() == other.imports.len()
            && self
                .files
                .iter()
                .zip(&other.files)
                .all(|(a, b)| bytes(a) == bytes(b))
            && self.imports.iter().zip(&other.imports).all(|(a, b)| {
                a.path == b.path
                    && bytes(&a.resolved) == bytes(&b.resolved)
                    && a.from.as_deref().map(bytes) == b.from.as_deref().map(bytes)
            })
    }

    /// Feeds the paths read to `hasher`, by their bytes: reads that are
    /// [`Reads::same_as`] each other feed the same.
    pub fn hash_paths(&self, hasher: &mut impl std::hash::Hasher) {
        for path in self
            .files
            .iter()
            .chain(self.imports.iter().map(|i| &i.resolved))
        {
            hasher.write_usize(bytes(path).len());
            hasher.write(bytes(path));
        }
    }
}

/// The log behind [`Reads`], deduplicating as it goes. Its indexes hold
/// positions in `reads`, found by the paths' bytes: a lookup copies no key
/// (every evaluation of a fleet's target makes dozens), and a `Path` would
/// hash component by component.
#[derive(Debug, Default)]
pub(crate) struct ReadLog {
    reads: Reads,
    /// `reads.imports`, by where written and path.
    imports: HashTable<usize>,
    /// `reads.files`.
    files: HashTable<usize>,
}

fn bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

fn import_hash(from: Option<&Path>, path: &str) -> u64 {
    let mut hasher = FxHasher::default();
    if let Some(from) = from {
        hasher.write_usize(bytes(from).len());
        hasher.write(bytes(from));
    }
    hasher.write_u8(u8::from(from.is_some()));
    hasher.write(path.as_bytes());
    hasher.finish()
}

fn file_hash(path: &Path) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write(bytes(path));
    hasher.finish()
}

impl ReadLog {
    pub(crate) fn import(&mut self, from: Option<&Path>, path: &str, resolved: &Path) {
        let hash = import_hash(from, path);
        let imports = &self.reads.imports;
        let same = |&at: &usize| {
            imports[at].path == path && imports[at].from.as_deref().map(bytes) == from.map(bytes)
        };
        if self.imports.find(hash, same).is_none() {
            self.reads.imports.push(ResolvedImport {
                from: from.map(Path::to_path_buf),
                path: path.to_string(),
                resolved: resolved.to_path_buf(),
            });
            let imports = &self.reads.imports;
            self.imports.insert_unique(hash, imports.len() - 1, |&at| {
                import_hash(imports[at].from.as_deref(), &imports[at].path)
            });
        }
        self.file(resolved);
    }

    pub(crate) fn file(&mut self, path: &Path) {
        let hash = file_hash(path);
        let files = &self.reads.files;
        if self
            .files
            .find(hash, |&at| bytes(&files[at]) == bytes(path))
            .is_none()
        {
            self.reads.files.push(path.to_path_buf());
            let files = &self.reads.files;
            self.files
                .insert_unique(hash, files.len() - 1, |&at| file_hash(&files[at]));
        }
    }

    pub(crate) fn into_reads(self) -> Reads {
        self.reads
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::eval::{Arena, Ctx, EvalConfig};
    use crate::program::{MapImporter, Program, Std};

    #[test]
    fn issue18_the_log_keeps_each_import_and_file_once_in_first_seen_order() {
        let mut log = ReadLog::default();
        let lib = Some(Path::new("lib"));
        // Two files of `lib` import the same path; a snippet imports it too.
        log.import(lib, "k.libsonnet", Path::new("lib/k.libsonnet"));
        log.import(lib, "k.libsonnet", Path::new("lib/k.libsonnet"));
        log.import(None, "k.libsonnet", Path::new("lib/k.libsonnet"));
        log.import(
            Some(Path::new("li")),
            "bk.libsonnet",
            Path::new("lib/k.libsonnet"),
        );
        log.file(Path::new("app/main.kcfg"));
        log.file(Path::new("lib/k.libsonnet"));
        log.file(Path::new("app/main.kcfg"));
        let reads = log.into_reads();
        let imports: Vec<(Option<&str>, &str)> = reads
            .imports
            .iter()
            .map(|i| (i.from.as_ref().and_then(|f| f.to_str()), i.path.as_str()))
            .collect();
        assert_eq!(
            imports,
            [
                (Some("lib"), "k.libsonnet"),
                (None, "k.libsonnet"),
                (Some("li"), "bk.libsonnet")
            ]
        );
        assert_eq!(
            reads.files,
            [
                PathBuf::from("lib/k.libsonnet"),
                PathBuf::from("app/main.kcfg")
            ]
        );
    }

    #[test]
    fn issue18_reads_compare_and_hash_by_their_paths() {
        let read = |from: &str| {
            let mut log = ReadLog::default();
            log.import(
                Some(Path::new(from)),
                "k.libsonnet",
                Path::new("lib/k.libsonnet"),
            );
            log.file(Path::new("app/main.kcfg"));
            log.into_reads()
        };
        let hash = |reads: &Reads| {
            let mut hasher = FxHasher::default();
            reads.hash_paths(&mut hasher);
            hasher.finish()
        };
        let (a, b, other) = (read("lib"), read("lib"), read("app"));
        assert!(a.same_as(&b) && b.same_as(&a));
        assert_eq!(hash(&a), hash(&b));
        assert!(!a.same_as(&other));
        assert!(!a.same_as(&Reads::default()));
    }

    #[test]
    fn issue18_an_evaluation_lists_what_it_read_once() {
        let importer = MapImporter::new()
            .with("app/main.kcfg", "local lib = import '../lib/a.libsonnet'; [lib, lib, importstr 'data.txt', importstr 'data.txt', (import '../lib/a.libsonnet').x]")
            .with("lib/a.libsonnet", "{ x: importbin 'b.bin' }")
            .with("lib/b.bin", "zz")
            .with("app/data.txt", "text")
            .with("app/unused.txt", "never read");
        let program = Program::new(Arc::new(importer), Std::default());
        let config = EvalConfig::default();
        let arena = Arena::new();
        let mut ctx = Ctx::new(&arena, &program, &config);
        assert_eq!(ctx.take_reads(), None);
        ctx.record_reads();
        let value = ctx.eval_file(Path::new("app/main.kcfg")).unwrap();
        crate::manifest::json::to_pretty(&mut ctx, value).unwrap();
        let reads = ctx.take_reads().unwrap();
        let import = |from: &str, path: &str, resolved: &str| ResolvedImport {
            from: Some(PathBuf::from(from)),
            path: path.into(),
            resolved: PathBuf::from(resolved),
        };
        assert_eq!(
            reads.imports,
            [
                import("app", "../lib/a.libsonnet", "lib/a.libsonnet"),
                // Manifesting `lib` (the first element) reads its field.
                import("lib", "b.bin", "lib/b.bin"),
                import("app", "data.txt", "app/data.txt"),
            ]
        );
        let files: Vec<&str> = reads.files.iter().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(
            files,
            [
                "app/main.kcfg",
                "lib/a.libsonnet",
                "lib/b.bin",
                "app/data.txt"
            ]
        );
        assert_eq!(ctx.take_reads(), None);
    }
}
