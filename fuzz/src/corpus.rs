//! The seed corpus and the virtual file system inputs import from.
//!
//! Mutation starts from real programs: the reference's test suite
//! (`conformance/` of the repository, and any other directory given on the
//! command line, such as the shared copy of `jsonnet/test_suite`) and the
//! harness's own corpus (`fuzz/corpus/`, with every crash reproducer under
//! `regressions/`). Files are read once, sorted by path, so that a seed
//! picks the same file on every machine with the same checkout.
//!
//! Every input is evaluated with an in-memory importer that holds the
//! corpus under `/fuzz/corpus/<relative path>` (so a mutated conformance
//! file still finds its `lib/` imports) and a few small files under
//! `/fuzz/` that generated inputs import ([`VIRTUAL_FILES`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kcfg_lang::program::MapImporter;

/// Where the harness's files live in the importer's name space.
pub const ROOT: &str = "/fuzz";

/// Files every input may import, by name under [`ROOT`]: a library, data,
/// text, bytes that are not UTF-8, and a file that imports itself.
pub const VIRTUAL_FILES: &[(&str, &[u8])] = &[
    (
        "lib.libsonnet",
        b"{ a: 1, f(x, y=2):: x + y, nested: { b: [1, 2, 3], c: self.b }, s: 'text' }\n",
    ),
    (
        "data.json",
        b"{\"k\": [1, 2.5, \"v\", null, true], \"o\": {}}\n",
    ),
    ("text.txt", "line 1\nline é 2\n\ttab\n".as_bytes()),
    ("bytes.bin", b"\x00\x01\xfe\xff\xc3(\x80"),
    (
        "deep.libsonnet",
        b"{ a: (import 'deep.libsonnet').a + 1 }.a\n",
    ),
];

/// One file of the seed corpus.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    /// The path relative to the corpus directory it was found in, with
    /// that directory's name in front (`conformance/jsonnet/array.jsonnet`).
    pub name: String,
    /// Its text (files that are not UTF-8 are skipped).
    pub text: String,
}

/// The seed corpus.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// The files, sorted by name.
    pub files: Vec<CorpusFile>,
}

impl Corpus {
    /// Reads every `.jsonnet`, `.libsonnet` and `.kcfg` file under `dirs`,
    /// recursively. A directory that does not exist is skipped: the shared
    /// reference suite is not part of every checkout.
    pub fn load(dirs: &[PathBuf]) -> Corpus {
        let mut files = Vec::new();
        for dir in dirs {
            let label = dir
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| "corpus".to_string());
            collect(dir, dir, &label, &mut files);
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        files.dedup_by(|a, b| a.name == b.name);
        Corpus { files }
    }

    /// The directories searched when none is given: the harness's corpus
    /// and the repository's conformance suite, found from this crate's
    /// source directory.
    pub fn default_dirs() -> Vec<PathBuf> {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        vec![manifest.join("corpus"), manifest.join("../conformance")]
    }

    /// The importer inputs run with: the corpus and the virtual files.
    pub fn importer(&self) -> Arc<MapImporter> {
        let mut importer = MapImporter::new();
        for (name, bytes) in VIRTUAL_FILES {
            importer = importer.with(format!("{ROOT}/{name}"), bytes.to_vec());
        }
        for file in &self.files {
            importer = importer.with(
                format!("{ROOT}/corpus/{}", file.name),
                file.text.as_bytes().to_vec(),
            );
        }
        Arc::new(importer)
    }
}

fn collect(root: &Path, dir: &Path, label: &str, files: &mut Vec<CorpusFile>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(root, &path, label, files);
            continue;
        }
        let wanted = path
            .extension()
            .is_some_and(|ext| ext == "jsonnet" || ext == "libsonnet" || ext == "kcfg");
        if !wanted {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let relative = path.strip_prefix(root).unwrap_or(&path);
        files.push(CorpusFile {
            name: format!("{label}/{}", relative.to_string_lossy()),
            text,
        });
    }
}

/// Writes the virtual files into `dir`, so that `kcfg eval` finds the
/// imports of a finding saved there.
pub fn write_virtual_files(dir: &Path) -> std::io::Result<()> {
    for (name, bytes) in VIRTUAL_FILES {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_corpus_holds_the_conformance_suite_and_the_regressions() {
        let corpus = Corpus::load(&Corpus::default_dirs());
        assert!(corpus
            .files
            .iter()
            .any(|f| f.name.starts_with("conformance/jsonnet/")));
        assert!(corpus
            .files
            .iter()
            .any(|f| f.name.starts_with("corpus/regressions/")));
        let mut names: Vec<&str> = corpus.files.iter().map(|f| f.name.as_str()).collect();
        names.sort();
        assert_eq!(
            names,
            corpus
                .files
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
        );
    }
}
