//! Programs: the files an evaluation may read, parsed and analyzed once.
//!
//! A [`Program`] owns the source map, the importer and a cache of analyzed
//! files. It is `Send + Sync`: the fleet renderer shares one program between
//! all its threads, so each file is read, parsed and analyzed once however
//! many targets import it. Values never live here; they belong to one
//! evaluation (see [`crate::eval`]).
//!
//! `kcfg-lang` does no IO: files come through the [`Importer`] the embedding
//! program provides (the CLI reads the file system, the language server
//! serves open buffers, tests use a map).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;

use crate::diag::Diagnostic;
use crate::eval::builtin::Builtin;
use crate::ir::Code;
use crate::memory::MemoryLimit;
use crate::span::{SourceFile, SourceMap, SourceName};

/// Where a program's files come from.
pub trait Importer: Send + Sync {
    /// Finds the file that `import path` names, when written in a file in
    /// directory `from` (`None` for snippets such as `-e` code). Returns the
    /// path to read, or `None` when nothing matches.
    fn resolve(&self, from: Option<&Path>, path: &str) -> Option<PathBuf>;

    /// Reads a file found by [`Importer::resolve`].
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
}

/// An importer that finds nothing, for programs without imports.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoImports;

impl Importer for NoImports {
    fn resolve(&self, _from: Option<&Path>, _path: &str) -> Option<PathBuf> {
        None
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} not found", path.display()),
        ))
    }
}

/// An importer over an in-memory map of paths to contents, for tests and
/// embedding.
#[derive(Debug, Default, Clone)]
pub struct MapImporter {
    files: FxHashMap<PathBuf, Vec<u8>>,
}

impl MapImporter {
    /// An empty map.
    pub fn new() -> MapImporter {
        MapImporter::default()
    }

    /// Adds a file.
    pub fn with(mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> MapImporter {
        self.files.insert(path.into(), contents.into());
        self
    }
}

impl Importer for MapImporter {
    fn resolve(&self, from: Option<&Path>, path: &str) -> Option<PathBuf> {
        let candidate = match from {
            Some(dir) => dir.join(path),
            None => PathBuf::from(path),
        };
        let candidate = normalize(&candidate);
        self.files.contains_key(&candidate).then_some(candidate)
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not found"))
    }
}

/// Removes `.` components and folds `dir/..` pairs, without touching the
/// file system.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The standard library: the builtin rows and constant fields of `std`, and
/// the native functions the embedding program offers through `std.native`.
#[derive(Default, Clone)]
pub struct Std {
    /// Builtin functions.
    pub builtins: Vec<&'static Builtin>,
    /// Number-valued fields such as `pi`.
    pub constants: Vec<(&'static str, f64)>,
    /// Functions `std.native(name)` returns, by name.
    pub natives: Vec<(String, NativeFunction)>,
}

impl Std {
    /// Registers a native function: `std.native(name)` returns a function
    /// with parameters `params` that calls `func` with its arguments as JSON,
    /// in parameter order. An `Err(message)` from `func` is a runtime error
    /// with that message. A later registration of the same name replaces
    /// an earlier one.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use kcfg_lang::program::{NoImports, Program, Std};
    ///
    /// let mut std = Std::default();
    /// std.add_native("add", &["a", "b"], |args| {
    ///     match (args[0].as_f64(), args[1].as_f64()) {
    ///         (Some(a), Some(b)) => Ok(serde_json::json!(a + b)),
    ///         _ => Err("add expects numbers".to_string()),
    ///     }
    /// });
    /// let program = Program::new(Arc::new(NoImports), std);
    /// assert_eq!(program.std().natives[0].1.params, ["a", "b"]);
    /// ```
    pub fn add_native(
        &mut self,
        name: &str,
        params: &[&str],
        func: impl Fn(&[serde_json::Value]) -> Result<serde_json::Value, String> + Send + Sync + 'static,
    ) {
        let native = NativeFunction {
            params: params.iter().map(|p| p.to_string()).collect(),
            func: Arc::new(func),
        };
        self.natives.retain(|(existing, _)| existing != name);
        self.natives.push((name.to_string(), native));
    }
}

/// The Rust side of a native function (see [`Std::add_native`]).
pub type NativeFn = dyn Fn(&[serde_json::Value]) -> Result<serde_json::Value, String> + Send + Sync;

/// A function the embedding program offers through `std.native(name)`.
///
/// Arguments cross the boundary as JSON: numbers, strings, booleans and
/// null as they are, arrays and objects manifested (visible fields only);
/// a function argument is an error. The result is converted back the same
/// way.
#[derive(Clone)]
pub struct NativeFunction {
    /// Parameter names, for named arguments and arity errors.
    pub params: Vec<String>,
    /// The function.
    pub func: Arc<NativeFn>,
}

/// A file read through the importer.
pub struct LoadedFile {
    /// The file's path.
    pub path: PathBuf,
    data: FileData,
    source: OnceLock<Result<Arc<SourceFile>, String>>,
    code: OnceLock<Result<Arc<Code>, Vec<Diagnostic>>>,
}

/// A file's content: its text when it is UTF-8, which its source shares
/// (a file of megabytes is copied once, from the importer's buffer), else
/// its bytes and why they are not text.
enum FileData {
    Text(Arc<str>),
    Bytes(Arc<[u8]>, std::str::Utf8Error),
}

impl LoadedFile {
    fn new(path: PathBuf, bytes: Vec<u8>) -> LoadedFile {
        let data = match String::from_utf8(bytes) {
            Ok(text) => FileData::Text(text.into()),
            Err(err) => {
                let why = err.utf8_error();
                FileData::Bytes(err.into_bytes().into(), why)
            }
        };
        LoadedFile {
            path,
            data,
            source: OnceLock::new(),
            code: OnceLock::new(),
        }
    }

    /// Its bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            FileData::Text(text) => text.as_bytes(),
            FileData::Bytes(bytes, _) => bytes,
        }
    }

    /// The file as source text, registered in the program's source map.
    pub fn source(&self, sources: &SourceMap) -> Result<Arc<SourceFile>, String> {
        self.source
            .get_or_init(|| match &self.data {
                FileData::Text(text) => {
                    Ok(sources.add(SourceName::Path(self.path.clone()), text.clone()))
                }
                FileData::Bytes(_, err) => Err(format!(
                    "{}: file is not valid UTF-8: {err}",
                    self.path.display()
                )),
            })
            .clone()
    }
}

/// A set of files and the standard library an evaluation may use.
pub struct Program {
    sources: Arc<SourceMap>,
    importer: Arc<dyn Importer>,
    std: Std,
    files: Mutex<FxHashMap<PathBuf, Arc<LoadedFile>>>,
    resolved: Mutex<FxHashMap<ImportKey, Option<PathBuf>>>,
    memory: Option<Arc<MemoryLimit>>,
}

/// An import as written: the importing file's directory and the path.
type ImportKey = (Option<PathBuf>, String);

impl Program {
    /// A program reading files through `importer`, with `std` as its
    /// standard library.
    pub fn new(importer: Arc<dyn Importer>, std: Std) -> Program {
        Program {
            sources: Arc::new(SourceMap::new()),
            importer,
            std,
            files: Mutex::default(),
            resolved: Mutex::default(),
            memory: None,
        }
    }

    /// Charges the native stack that parsing and analysis use for deep
    /// trees to `memory` (see `crate::stack`): the same limit as the
    /// evaluations', usually.
    pub fn with_memory_limit(mut self, memory: Arc<MemoryLimit>) -> Program {
        self.memory = Some(memory);
        self
    }

    /// The source map of every file and snippet seen so far.
    pub fn sources(&self) -> &Arc<SourceMap> {
        &self.sources
    }

    /// The standard library.
    pub fn std(&self) -> &Std {
        &self.std
    }

    /// The importer.
    pub fn importer(&self) -> &dyn Importer {
        &*self.importer
    }

    /// Resolves an import written in a file in `from`.
    pub fn resolve(&self, from: Option<&Path>, path: &str) -> Option<PathBuf> {
        let key = (from.map(Path::to_path_buf), path.to_string());
        if let Some(found) = lock(&self.resolved).get(&key) {
            return found.clone();
        }
        let found = self.importer.resolve(from, path);
        lock(&self.resolved).insert(key, found.clone());
        found
    }

    /// Reads a file (once; later calls share the result).
    pub fn load(&self, path: &Path) -> std::io::Result<Arc<LoadedFile>> {
        if let Some(file) = lock(&self.files).get(path) {
            return Ok(file.clone());
        }
        let bytes = self.importer.read(path)?;
        let file = Arc::new(LoadedFile::new(path.to_path_buf(), bytes));
        let mut files = lock(&self.files);
        Ok(files.entry(path.to_path_buf()).or_insert(file).clone())
    }

    /// Parses and analyzes a loaded file (once).
    pub fn code(&self, file: &LoadedFile) -> Result<Arc<Code>, Vec<Diagnostic>> {
        file.code
            .get_or_init(|| {
                let source = file.source(&self.sources).map_err(|message| {
                    vec![Diagnostic::runtime_error("kcfg::import::not_utf8", message)]
                })?;
                crate::stack::charging(self.memory.as_ref(), || compile(&source))
            })
            .clone()
    }

    /// Parses and analyzes a snippet of code that is not a file, such as
    /// `-e` code or an `--ext-code` value. `name` is what messages call it;
    /// a `SourceName::Path` makes its imports resolve next to that path.
    pub fn snippet(&self, name: SourceName, text: &str) -> Result<Arc<Code>, Vec<Diagnostic>> {
        let source = self.sources.add(name, text);
        crate::stack::charging(self.memory.as_ref(), || compile(&source))
    }
}

/// Parses and analyzes one source file.
pub fn compile(source: &SourceFile) -> Result<Arc<Code>, Vec<Diagnostic>> {
    // The evaluator needs no layout: skip recording the tokens.
    let tree = crate::syntax::parse_without_tokens(source).map_err(|diag| vec![diag])?;
    crate::analyze::analyze(&tree, source).map(Arc::new)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_file_is_shared_with_its_source_and_other_bytes_are_kept() {
        let sources = SourceMap::new();
        let text = LoadedFile::new("a.jsonnet".into(), b"{ a: 1 }".to_vec());
        assert_eq!(text.bytes(), b"{ a: 1 }");
        let source = text.source(&sources).unwrap();
        assert_eq!(&*source.text, "{ a: 1 }");
        let FileData::Text(held) = &text.data else {
            panic!("UTF-8 is text");
        };
        assert!(
            Arc::ptr_eq(held, &source.text),
            "the source copies the text"
        );
        let binary = LoadedFile::new("b.bin".into(), vec![b'x', 0xff, 0]);
        assert_eq!(binary.bytes(), [b'x', 0xff, 0]);
        assert_eq!(
            binary.source(&sources).unwrap_err(),
            "b.bin: file is not valid UTF-8: invalid utf-8 sequence of 1 bytes from index 1"
        );
    }

    #[test]
    fn normalize_folds_parents() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
    }
}
