//! The server's state: open documents, the files they import (read from
//! disk when not open), the import search path and the settings.
//!
//! Features read a `World` and never change it; the server changes it on
//! `didOpen`, `didChange`, `didClose`, `didChangeWatchedFiles` and
//! configuration changes. Each open document keeps its text and the
//! analysis of that text, remade when the text changes (one recovering
//! parse and one analysis, a few milliseconds for a 3,000-line file).
//! Files read from disk are analyzed once and kept until a watched-file
//! event or an open document replaces them.
//!
//! Imports are resolved as `kcfg render` and `kcfg eval` resolve them
//! (issue 17, "workspace model"): next to the importing file, then the
//! settings' `jpath` directories (like `-J`, the right-most first), then
//! the literal `jpath` directories of the render plan above the file
//! (`plans`), then the Tanka / jsonnet-bundler project's directories found from the
//! importing file (`kcfg_render::project`: the base, `lib/`, `vendor/`),
//! then `JSONNET_PATH`; a `kcfg/…` path with no file on disk is a built-in
//! library (`kcfg_render::libraries`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kcfg_lang::lines::{Encoding, LineIndex, LinePos};
use kcfg_lang::program::Importer;
use kcfg_render::importer::FsImporter;
use kcfg_render::project::{Project, ProjectSearch};
use serde::Deserialize;

use crate::analysis::FileAnalysis;

/// Settings from `initializationOptions` or the `kcfg` section of
/// `workspace/configuration`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Library directories, as `-J` (command-line order: the right-most
    /// wins). Relative ones are relative to the workspace root.
    pub jpath: Vec<PathBuf>,
    /// Milliseconds to wait after a change before diagnosing (default 150).
    pub debounce_ms: Option<u64>,
    /// External variables bound to strings, as `--ext-str name=value`.
    #[serde(deserialize_with = "string_map")]
    pub ext_vars: BTreeMap<String, String>,
    /// External variables bound to code, as `--ext-code name=code`.
    #[serde(deserialize_with = "string_map")]
    pub ext_code: BTreeMap<String, String>,
    /// Top-level arguments bound to strings, as `--tla-str name=value`.
    #[serde(deserialize_with = "string_map")]
    pub tlas: BTreeMap<String, String>,
    /// Top-level arguments bound to code, as `--tla-code name=code`.
    #[serde(deserialize_with = "string_map")]
    pub tla_code: BTreeMap<String, String>,
}

/// A map of names to strings, where an empty list also means "none":
/// Neovim's Lua sends an empty table, `{}`, as `[]`.
fn string_map<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Array(items) if items.is_empty() => Ok(BTreeMap::new()),
        value => serde_json::from_value(value).map_err(D::Error::custom),
    }
}

/// How an external variable or top-level argument is set in [`Settings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum External<'a> {
    /// A string (`extVars`, `tlas`).
    Str(&'a str),
    /// Code, evaluated as an expression (`extCode`, `tlaCode`).
    Code(&'a str),
}

impl Settings {
    /// The settings of the external variable `name`: its string and its
    /// code, either or both (a name set both ways is shown both ways).
    pub fn ext_var(&self, name: &str) -> Vec<External<'_>> {
        External::both(&self.ext_vars, &self.ext_code, name)
    }

    /// The settings of the top-level argument `name`, as [`Settings::ext_var`].
    pub fn tla(&self, name: &str) -> Vec<External<'_>> {
        External::both(&self.tlas, &self.tla_code, name)
    }

    /// Every external variable's name with its settings, sorted by name.
    pub fn ext_var_names(&self) -> Vec<(&str, Vec<External<'_>>)> {
        let mut names: Vec<&str> = self
            .ext_vars
            .keys()
            .chain(self.ext_code.keys())
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|name| (name, self.ext_var(name)))
            .collect()
    }
}

impl<'a> External<'a> {
    fn both(
        strings: &'a BTreeMap<String, String>,
        code: &'a BTreeMap<String, String>,
        name: &str,
    ) -> Vec<External<'a>> {
        let string = strings.get(name).map(|value| External::Str(value));
        let code = code.get(name).map(|value| External::Code(value));
        string.into_iter().chain(code).collect()
    }
}

/// An open document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The version the client gave.
    pub version: i32,
    /// The analysis of the current text.
    pub analysis: Arc<FileAnalysis>,
}

/// A change of a document's text: a range (absent for the whole text)
/// and what replaces it.
#[derive(Debug, Clone)]
pub struct Change {
    /// Start and end, as the protocol gives them.
    pub range: Option<(LinePos, LinePos)>,
    /// The new text of the range.
    pub text: String,
}

/// The state features read.
#[derive(Debug, Default)]
pub struct World {
    /// Open documents by path.
    pub documents: HashMap<PathBuf, Document>,
    /// Files read from disk, analyzed, by path.
    disk: Mutex<HashMap<PathBuf, Option<Arc<FileAnalysis>>>>,
    /// The workspace's root directories.
    pub roots: Vec<PathBuf>,
    /// The settings.
    pub settings: Settings,
    /// `JSONNET_PATH`, split.
    pub library_path: Vec<PathBuf>,
    /// How positions count characters.
    pub encoding: Option<Encoding>,
    /// Whether the client inserts completion snippets (`${1:arg}`).
    pub snippets: bool,
}

impl World {
    /// The negotiated position encoding (UTF-16 by default).
    pub fn encoding(&self) -> Encoding {
        self.encoding.unwrap_or(Encoding::Utf16)
    }

    /// Opens (or replaces) a document.
    pub fn open(&mut self, path: PathBuf, version: i32, text: &str) {
        let analysis = Arc::new(FileAnalysis::new(&path, text));
        self.documents.insert(path, Document { version, analysis });
    }

    /// Applies changes to an open document, in order; returns false when
    /// the document is not open.
    pub fn change(&mut self, path: &Path, version: i32, changes: Vec<Change>) -> bool {
        let encoding = self.encoding();
        let Some(document) = self.documents.get_mut(path) else {
            return false;
        };
        let mut text = document.analysis.text().to_string();
        for change in changes {
            match change.range {
                None => text = change.text,
                Some((start, end)) => {
                    let lines = LineIndex::new(&text);
                    let start = lines.offset(&text, start, encoding) as usize;
                    let end = (lines.offset(&text, end, encoding) as usize).max(start);
                    text.replace_range(start..end, &change.text);
                }
            }
        }
        document.version = version;
        document.analysis = Arc::new(FileAnalysis::new(path, &text));
        true
    }

    /// Closes a document; the file on disk is read again when needed.
    pub fn close(&mut self, path: &Path) {
        self.documents.remove(path);
        self.forget(path);
    }

    /// Drops what was read of `path` from disk (a watched file changed).
    pub fn forget(&self, path: &Path) {
        self.disk_cache().remove(path);
    }

    fn disk_cache(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Option<Arc<FileAnalysis>>>> {
        self.disk
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The analysis of `path`: the open document, or the file on disk (or
    /// built into kcfg), read once.
    pub fn file(&self, path: &Path) -> Option<Arc<FileAnalysis>> {
        if let Some(document) = self.documents.get(path) {
            return Some(document.analysis.clone());
        }
        if let Some(cached) = self.disk_cache().get(path) {
            return cached.clone();
        }
        let text = if let Some(library) = kcfg_render::libraries::by_path(path) {
            Some(library.text.to_string())
        } else {
            std::fs::read(path)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
        };
        let analysis = text.map(|text| Arc::new(FileAnalysis::new(path, &text)));
        self.disk_cache()
            .insert(path.to_path_buf(), analysis.clone());
        analysis
    }

    /// The library directories searched for imports from a file in `dir`,
    /// in search order.
    pub fn search_path(&self, dir: Option<&Path>) -> Vec<PathBuf> {
        let root = self.roots.first().cloned().unwrap_or_default();
        let mut search: Vec<PathBuf> = self
            .settings
            .jpath
            .iter()
            .rev()
            .map(|dir| root.join(dir))
            .collect();
        // The render plan's library directories, as `kcfg render` gives
        // them to the plan's targets (`plans`).
        if let Some(plan) = dir.and_then(crate::plans::plan_for) {
            if let Some(plan) = self.file(&plan) {
                search.extend(crate::plans::library_dirs(&plan));
            }
        }
        if let Some(project) = dir.and_then(|dir| Project::find(dir, &ProjectSearch::Anywhere)) {
            search.extend(project.search_path());
        }
        search.extend(self.library_path.iter().cloned());
        search
    }

    /// The file `import path` in `from` names, if it exists.
    pub fn resolve_import(&self, from: &FileAnalysis, path: &str) -> Option<PathBuf> {
        let dir = from.dir();
        let importer = FsImporter::new(&[], &self.search_path(dir));
        let found = importer.resolve(dir, path)?;
        Some(kcfg_lang::program::normalize(&found))
    }

    /// The analysis of the file `import path` in `from` names.
    pub fn import(&self, from: &FileAnalysis, path: &str) -> Option<Arc<FileAnalysis>> {
        self.file(&self.resolve_import(from, path)?)
    }

    /// The kcfg and Jsonnet files under the workspace's roots (open
    /// documents first), at most `limit`; `.git` and output directories
    /// named `rendered` are skipped.
    pub fn workspace_files(&self, limit: usize) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.documents.keys().cloned().collect();
        files.sort();
        let mut stack: Vec<PathBuf> = self.roots.clone();
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
            entries.sort_by_key(|entry| entry.file_name());
            for entry in entries {
                if files.len() >= limit {
                    return files;
                }
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if kind.is_dir() {
                    if !name.starts_with('.') && name != "rendered" && name != "target" {
                        stack.push(path);
                    }
                } else if kind.is_file() && is_source(&path) && !files.contains(&path) {
                    files.push(path);
                }
            }
        }
        files
    }
}

/// Whether a path names a kcfg or Jsonnet source.
pub fn is_source(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|ext| ext.to_str()),
        Some("kcfg" | "jsonnet" | "libsonnet")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: &str) -> Result<Settings, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn issue17_external_settings() {
        let read = settings(
            r#"{"extVars": {"env": "prod"}, "extCode": {"env": "1", "n": "2"},
                "tlas": {"c": "x"}, "tlaCode": []}"#,
        )
        .unwrap();
        assert_eq!(
            read.ext_var("env"),
            [External::Str("prod"), External::Code("1")]
        );
        assert_eq!(read.ext_var("c"), []);
        assert_eq!(read.tla("c"), [External::Str("x")]);
        let names: Vec<&str> = read.ext_var_names().iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["env", "n"]);
        // Neovim's empty Lua table arrives as `[]`: no variables, no error.
        assert_eq!(settings(r#"{"extVars": []}"#).unwrap(), Settings::default());
        let wrong = settings(r#"{"extCode": {"n": 2}}"#)
            .unwrap_err()
            .to_string();
        assert!(wrong.contains("expected a string"), "{wrong}");
    }
}
