//! Reading rendered manifests from disk: a directory of YAML/JSON files, one
//! object per file or multi-document YAML streams.
//!
//! A *target* is a directory that holds manifest files directly; its path
//! relative to the root is its name, e.g. `edge-eu-001/ingress-gateway`
//! (cluster, then application), the layout `kcfg render` writes. When the root
//! itself holds manifest files it is one target named `.`. Files other than
//! `.yaml`, `.yml` and `.json` (README.md, hydrator.metadata) are ignored, and
//! so are hidden files and directories.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::object::Source;

/// The documents of one target, in file-name order, before they are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetDocs {
    /// Path relative to the root with `/` separators, or `.` for the root.
    pub name: String,
    /// The parsed documents with their source.
    pub docs: Vec<(Source, Value)>,
}

/// An error reading or parsing a file; it names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The directory or a file in it could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// A file is not valid YAML or JSON.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (YAML errors carry a line and column).
        message: String,
    },
    /// The root holds no manifest file at all.
    #[error("{path}: no .yaml, .yml or .json files found")]
    Empty {
        /// The root.
        path: PathBuf,
    },
}

/// True for the file names that hold manifests.
pub fn is_manifest_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|ext| ext.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Reads every target under `root`, sorted by name.
pub fn load_targets(root: &Path) -> Result<Vec<TargetDocs>, LoadError> {
    let mut targets = Vec::new();
    walk(root, root, &mut targets)?;
    if targets.is_empty() {
        return Err(LoadError::Empty {
            path: root.to_path_buf(),
        });
    }
    targets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(targets)
}

fn walk(root: &Path, dir: &Path, targets: &mut Vec<TargetDocs>) -> Result<(), LoadError> {
    let io = |path: &Path, err: std::io::Error| LoadError::Io {
        path: path.to_path_buf(),
        message: err.to_string(),
    };
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|err| io(dir, err))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(|err| io(dir, err))?;
    entries.sort();
    let mut docs = Vec::new();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, targets)?;
        } else if is_manifest_file(&path) {
            let text = fs::read_to_string(&path).map_err(|err| io(&path, err))?;
            let label = path.display().to_string();
            for (index, doc) in parse_documents(&text)
                .map_err(|message| LoadError::Parse {
                    path: path.clone(),
                    message,
                })?
                .into_iter()
                .enumerate()
            {
                docs.push((
                    Source {
                        origin: label.clone(),
                        doc: index,
                    },
                    doc,
                ));
            }
        }
    }
    let has_files = !docs.is_empty() || dir_has_manifest(dir);
    if has_files {
        let rel = dir.strip_prefix(root).unwrap_or(dir);
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        targets.push(TargetDocs {
            name: if name.is_empty() {
                ".".to_string()
            } else {
                name
            },
            docs,
        });
    }
    Ok(())
}

fn dir_has_manifest(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|entry| entry.path().is_file() && is_manifest_file(&entry.path()))
        })
        .unwrap_or(false)
}

/// Parses a YAML stream (JSON is YAML) into its documents. Empty documents
/// come back as `null` and are dropped later by the object step.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    for document in serde_norway::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|err| err.to_string())?;
        docs.push(value);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("edge-1/app-a")).unwrap();
        fs::create_dir_all(root.join("edge-1/app-b/.git")).unwrap();
        fs::write(root.join("edge-1/app-a/x.yaml"), "a: 1\n---\n---\nb: 2\n").unwrap();
        fs::write(root.join("edge-1/app-a/README.md"), "# not a manifest").unwrap();
        fs::write(root.join("edge-1/app-b/y.json"), r#"{"c": 3}"#).unwrap();
        fs::write(root.join("edge-1/app-b/.git/z.yaml"), "hidden: true").unwrap();
        let targets = load_targets(root).unwrap();
        let names: Vec<_> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.docs.len()))
            .collect();
        assert_eq!(names, [("edge-1/app-a", 3), ("edge-1/app-b", 1)]);
        assert_eq!(targets[0].docs[2].0.doc, 2);

        fs::write(root.join("edge-1/app-b/bad.yaml"), "a: [1, 2\n").unwrap();
        let err = load_targets(root).unwrap_err().to_string();
        assert!(err.contains("bad.yaml") && err.contains("line"), "{err}");

        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            load_targets(empty.path()),
            Err(LoadError::Empty { .. })
        ));
    }
}
