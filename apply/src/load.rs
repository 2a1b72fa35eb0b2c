//! Reading rendered manifests from disk: a directory of YAML/JSON files, one
//! object per file or multi-document YAML streams.
//!
//! A *target* is a directory that holds manifest files directly; its path
//! relative to the root is its name, e.g. `edge-eu-001/ingress-gateway`
//! (cluster, then application), the layout `kcfg render` writes. When the root
//! itself holds manifest files it is one target named `.`, and the only one:
//! its subdirectories are not read, however much they look like a fleet
//! (issue 16; kubectl's `apply -f DIR` and Argo CD's directory source do not
//! recurse either), and [`unread_subdirectories`] names them so the CLI can
//! say so. Files other than `.yaml`, `.yml` and `.json` (README.md,
//! hydrator.metadata) are ignored, and so are hidden files and directories.
//!
//! # What is read (issue 13)
//!
//! Only regular files are read, and nothing outside the root:
//!
//! * a manifest name (`x.yaml`) that is a FIFO, a socket or a device is an
//!   error, not a skip: reading a FIFO would block for ever, and skipping a
//!   manifest would make `kcfg apply` prune the objects it holds. Files are
//!   opened with `O_NONBLOCK | O_NOFOLLOW` and checked again after opening,
//!   so nothing can block even if a file is swapped while the walk runs;
//! * a symbolic link named like a manifest is read when it leads to a
//!   regular file inside the root, and is an error when it leads outside
//!   (a rendered directory may come from a pull request);
//! * a symbolic link to a directory is an error: `kcfg render` never writes
//!   one, and following them can read a target twice or loop.
//!
//! # Depth and aliases
//!
//! A manifest may nest mappings and sequences [`MAX_DEPTH`] levels deep.
//! That is serde_norway's own recursion limit, so deeper input never
//! loaded; the deepest of the 4,739 YAML and JSON documents in this
//! repository (CRDs with their schemas) nests 20. The limit is enforced
//! *before* a document is deserialized, by [`shape::check`], and that is
//! what keeps loading linear: libyaml (under serde_norway) scans each
//! token inside flow mappings at a cost proportional to how many are open
//! (it looks through its stack of possible simple keys), and serde_norway
//! parses a whole document before its recursion check runs, so a
//! 100,000-deep `{"a": {"a": …}}` was refused only after minutes (issue
//! 13). Reading the events one at a time and stopping at the first
//! collection past the limit bounds the cost of each token by the limit.
//!
//! The same pass bounds what aliases add: a document may grow through
//! aliases to [`shape::MAX_EXPANSION_RATIO`] times its written size (or
//! to [`shape::MIN_EXPANSION_LIMIT`] nodes). serde_norway expands each
//! alias in full, so without that a 15 KB file of 3,000 aliases to a
//! 3,000-element list took 9 s and 640 MB to load.

use std::fs::{self, FileType};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::object::Source;

pub mod shape;

/// How deep mappings and sequences may nest in one document (serde_norway's
/// recursion limit: it cannot read deeper documents).
pub const MAX_DEPTH: usize = 128;

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
    /// A file is not valid YAML or JSON, or nests too deep.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (YAML errors carry a line and column).
        message: String,
    },
    /// An entry that is not read: not a regular file, or a link that
    /// leaves the root or leads to a directory.
    #[error("{path} is {reason}")]
    Refused {
        /// The entry.
        path: PathBuf,
        /// What it is, and why it is not read.
        reason: String,
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
    let real_root = root.canonicalize().map_err(|err| LoadError::Io {
        path: root.to_path_buf(),
        message: err.to_string(),
    })?;
    let walker = Walker {
        root,
        real_root: &real_root,
    };
    let mut targets = Vec::new();
    walker.walk(root, &mut targets)?;
    if targets.is_empty() {
        return Err(LoadError::Empty {
            path: root.to_path_buf(),
        });
    }
    targets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(targets)
}

/// When `root` holds manifest files directly (it is one target), the names
/// of its subdirectories, which are not read, sorted; else nothing.
pub fn unread_subdirectories(root: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let entries: Vec<(PathBuf, FileType)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            Some((entry.path(), entry.file_type().ok()?))
        })
        .collect();
    if !holds_manifests(&entries) {
        return Vec::new();
    }
    let mut names: Vec<String> = entries
        .iter()
        .filter(|(path, file_type)| !is_hidden(path) && is_dir_or_link_to_dir(path, *file_type))
        .filter_map(|(path, _)| Some(path.file_name()?.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn is_dir_or_link_to_dir(path: &Path, file_type: FileType) -> bool {
    file_type.is_dir() || (file_type.is_symlink() && fs::metadata(path).is_ok_and(|m| m.is_dir()))
}

/// True when a directory's entries include a manifest file (by name; what
/// it is, is checked when it is read).
fn holds_manifests(entries: &[(PathBuf, FileType)]) -> bool {
    entries.iter().any(|(path, file_type)| {
        !is_hidden(path) && !is_dir_or_link_to_dir(path, *file_type) && is_manifest_file(path)
    })
}

fn io_error(path: &Path, err: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

/// The walk over one root: the root as given (for names and messages) and
/// canonical (for the links' checks).
struct Walker<'r> {
    root: &'r Path,
    real_root: &'r Path,
}

impl Walker<'_> {
    fn walk(&self, dir: &Path, targets: &mut Vec<TargetDocs>) -> Result<(), LoadError> {
        let mut entries: Vec<(PathBuf, FileType)> = fs::read_dir(dir)
            .map_err(|err| io_error(dir, err))?
            .map(|entry| {
                let entry = entry?;
                // The entry's own type: a link is a link, not its target.
                Ok((entry.path(), entry.file_type()?))
            })
            .collect::<Result<_, std::io::Error>>()
            .map_err(|err| io_error(dir, err))?;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // A root that holds manifests is one target: its subdirectories
        // are not read (see the module's documentation).
        let single = dir == self.root && holds_manifests(&entries);
        let mut docs = Vec::new();
        let mut has_files = false;
        for (path, file_type) in entries {
            if is_hidden(&path) || (single && is_dir_or_link_to_dir(&path, file_type)) {
                continue;
            }
            if file_type.is_dir() {
                self.walk(&path, targets)?;
                continue;
            }
            if file_type.is_symlink() && fs::metadata(&path).is_ok_and(|meta| meta.is_dir()) {
                return Err(LoadError::Refused {
                    reason: format!(
                        "a symbolic link to a directory ({}); kcfg apply does not follow links to directories (kcfg render never writes them, and a target could be read twice): put the directory itself there",
                        link_target(&path)
                    ),
                    path,
                });
            }
            if !is_manifest_file(&path) {
                continue;
            }
            let text = self.read(&path, file_type)?;
            has_files = true;
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
        if has_files {
            let rel = dir.strip_prefix(self.root).unwrap_or(dir);
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

    /// Reads a manifest file: a regular file, or a link to one inside the
    /// root; anything else is refused without being opened for reading.
    fn read(&self, path: &Path, file_type: FileType) -> Result<String, LoadError> {
        if file_type.is_symlink() {
            let real = path.canonicalize().map_err(|err| io_error(path, err))?;
            if !real.starts_with(self.real_root) {
                return Err(LoadError::Refused {
                    path: path.to_path_buf(),
                    reason: format!(
                        "a symbolic link to {}, outside {}; kcfg apply reads nothing outside the directory it is given",
                        real.display(),
                        self.root.display()
                    ),
                });
            }
            let meta = fs::metadata(&real).map_err(|err| io_error(path, err))?;
            if !meta.is_file() {
                return Err(not_regular(path, meta.file_type()));
            }
            return read_regular(path, &real);
        }
        if !file_type.is_file() {
            return Err(not_regular(path, file_type));
        }
        read_regular(path, path)
    }
}

/// What a link says it points to, for messages.
fn link_target(path: &Path) -> String {
    fs::read_link(path)
        .map(|target| format!("-> {}", target.display()))
        .unwrap_or_else(|err| err.to_string())
}

fn not_regular(path: &Path, file_type: FileType) -> LoadError {
    LoadError::Refused {
        path: path.to_path_buf(),
        reason: format!(
            "{}, not a regular file; kcfg apply reads regular files only, and refuses the rest rather than skip a manifest (a skipped manifest's objects would be pruned)",
            kind_of(file_type)
        ),
    }
}

fn kind_of(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
    }
    if file_type.is_dir() {
        return "a directory";
    }
    "a special file"
}

/// Opens `real` (the file `shown` is, or leads to) without following a
/// last link and without blocking, checks that what was opened is a regular
/// file, and reads it as UTF-8.
fn read_regular(shown: &Path, real: &Path) -> Result<String, LoadError> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let mut file = options.open(real).map_err(|err| io_error(shown, err))?;
    let meta = file.metadata().map_err(|err| io_error(shown, err))?;
    if !meta.is_file() {
        return Err(not_regular(shown, meta.file_type()));
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|err| io_error(shown, err))?;
    Ok(text)
}

/// Parses a YAML stream (JSON is YAML) into its documents. Empty documents
/// come back as `null` and are dropped later by the object step. A document
/// nested deeper than [`MAX_DEPTH`], or that aliases expand far past its
/// written size, is an error that says where ([`shape::check`]).
pub fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    if let Some(refused) = shape::check(text) {
        return Err(refused.to_string());
    }
    let mut docs = Vec::new();
    for (index, document) in serde_norway::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(document).map_err(|err| {
            let message = err.to_string();
            // Aliases can nest a document deeper than its text does;
            // serde_norway stops them at the same limit.
            match message.strip_prefix("recursion limit exceeded") {
                Some(at) => format!(
                    "document {}{at}: nested deeper than {MAX_DEPTH} levels (mappings and sequences, aliases expanded), the most a manifest may have",
                    index + 1
                ),
                None => message,
            }
        })?;
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

    #[test]
    fn issue16_a_directory_with_manifests_is_one_target() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("web");
        // The root holds a manifest, and below it is what looks like a
        // fleet: one target all the same, the subdirectories unread (even
        // a broken file there is never opened).
        fs::create_dir_all(root.join("edge-1/app")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join("a.yaml"), CM).unwrap();
        fs::write(root.join("edge-1/app/b.yaml"), CM).unwrap();
        fs::write(root.join("edge-1/broken.yaml"), "a: [1, 2\n").unwrap();
        std::os::unix::fs::symlink(root.join("edge-1"), root.join("link")).unwrap();
        let targets = load_targets(&root).unwrap();
        let names: Vec<_> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.docs.len()))
            .collect();
        assert_eq!(names, [(".", 1)]);
        assert_eq!(unread_subdirectories(&root), ["edge-1", "link"]);

        // Without a manifest at the top it is a fleet, and nothing is unread.
        fs::remove_file(root.join("a.yaml")).unwrap();
        fs::remove_file(root.join("link")).unwrap();
        fs::remove_file(root.join("edge-1/broken.yaml")).unwrap();
        let names: Vec<_> = load_targets(&root)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["edge-1/app"]);
        assert!(unread_subdirectories(&root).is_empty());
    }

    /// Loads `root` on another thread and fails the test, rather than
    /// hanging it, when that takes more than `secs` seconds.
    fn load_within(root: &Path, secs: u64) -> Result<Vec<TargetDocs>, LoadError> {
        let (send, receive) = std::sync::mpsc::channel();
        let root = root.to_path_buf();
        std::thread::spawn(move || {
            let _ = send.send(load_targets(&root));
        });
        receive
            .recv_timeout(std::time::Duration::from_secs(secs))
            .expect("loading blocked")
    }

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";

    #[test]
    fn issue13_fifos_and_sockets_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("a.yaml"), CM).unwrap();
        let fifo = std::ffi::CString::new(root.join("x.yaml").to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        let err = load_within(&root, 10).unwrap_err().to_string();
        assert!(
            err.contains("x.yaml is a FIFO (named pipe), not a regular file"),
            "{err}"
        );

        fs::remove_file(root.join("x.yaml")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(root.join("s.json")).unwrap();
        let err = load_within(&root, 10).unwrap_err().to_string();
        assert!(
            err.contains("s.json is a socket, not a regular file"),
            "{err}"
        );

        // Special files without a manifest's name are ignored like README.md.
        fs::remove_file(root.join("s.json")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(root.join("agent.sock")).unwrap();
        let pipe = std::ffi::CString::new(root.join("pipe").to_str().unwrap()).unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { libc::mkfifo(pipe.as_ptr(), 0o644) }, 0);
        let targets = load_within(&root, 10).unwrap();
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].docs.len(), 1);
    }

    #[test]
    fn issue13_links_are_read_only_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        let sibling = dir.path().join("sibling");
        fs::create_dir_all(root.join("edge-1/web")).unwrap();
        fs::create_dir_all(&sibling).unwrap();
        fs::write(sibling.join("secret.yaml"), "password: hunter2\n").unwrap();
        fs::write(root.join("edge-1/web/a.yaml"), CM).unwrap();
        fs::write(
            root.join("edge-1/shared.yaml"),
            CM.replace("name: a", "name: shared"),
        )
        .unwrap();
        std::os::unix::fs::symlink("../shared.yaml", root.join("edge-1/web/b.yaml")).unwrap();
        let targets = load_targets(&root).unwrap();
        let web = targets.iter().find(|t| t.name == "edge-1/web").unwrap();
        assert_eq!(web.docs.len(), 2, "a link inside the root is read");

        std::os::unix::fs::symlink(sibling.join("secret.yaml"), root.join("edge-1/web/c.yaml"))
            .unwrap();
        let err = load_targets(&root).unwrap_err().to_string();
        assert!(err.contains("c.yaml is a symbolic link to"), "{err}");
        assert!(err.contains("outside"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        fs::remove_file(root.join("edge-1/web/c.yaml")).unwrap();

        std::os::unix::fs::symlink(
            "../../../sibling/secret.yaml",
            root.join("edge-1/web/c.yaml"),
        )
        .unwrap();
        let err = load_targets(&root).unwrap_err().to_string();
        assert!(err.contains("outside"), "{err}");
        fs::remove_file(root.join("edge-1/web/c.yaml")).unwrap();

        // Links to directories, inside or out, and loops.
        for (name, target) in [
            ("edge-2", root.join("edge-1")),
            ("edge-3", sibling.clone()),
            ("loop", root.clone()),
        ] {
            std::os::unix::fs::symlink(&target, root.join(name)).unwrap();
            let err = load_within(&root, 10).unwrap_err().to_string();
            assert!(
                err.contains("is a symbolic link to a directory"),
                "{name}: {err}"
            );
            fs::remove_file(root.join(name)).unwrap();
        }

        // The root itself may be a link.
        std::os::unix::fs::symlink(&root, dir.path().join("link")).unwrap();
        assert_eq!(load_targets(&dir.path().join("link")).unwrap().len(), 2);
        assert_eq!(
            fs::read_to_string(sibling.join("secret.yaml")).unwrap(),
            "password: hunter2\n"
        );
    }

    /// A document nested `depth` levels deep, in four shapes.
    fn deep(shape: &str, depth: usize) -> String {
        match shape {
            "json-object" => format!("{}1{}", "{\"a\": ".repeat(depth), "}".repeat(depth)),
            "json-array" => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
            "yaml-flow" => format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
            "yaml-block" => format!("{}x\n", "- ".repeat(depth)),
            _ => panic!("no shape {shape}"),
        }
    }

    #[test]
    fn issue13_depth_limit_is_exact_and_says_where() {
        for shape in ["json-object", "json-array", "yaml-flow", "yaml-block"] {
            assert!(parse_documents(&deep(shape, MAX_DEPTH)).is_ok(), "{shape}");
            let err = parse_documents(&deep(shape, MAX_DEPTH + 1)).unwrap_err();
            assert!(
                err.starts_with("document 1 at line 1 column ")
                    && err.contains("nested deeper than 128 levels"),
                "{shape}: {err}"
            );
        }
        // The mapping is the first level: the 128th `[` is the 129th.
        let text = format!("a: 1\n---\nb: {}\n", deep("json-array", 200));
        let err = parse_documents(&text).unwrap_err();
        assert!(err.starts_with("document 2 at line 3 column 131:"), "{err}");
        // Aliases nest deeper than the text: serde_norway's own check, in
        // the same words.
        let text = format!(
            "a: &x {}\nb: {}*x{}\n",
            deep("json-array", 100),
            "[".repeat(100),
            "]".repeat(100)
        );
        let err = parse_documents(&text).unwrap_err();
        assert!(
            err.starts_with("document 1 at line ") && err.contains("aliases expanded"),
            "{err}"
        );
        // Syntax errors are still the parser's.
        let err = parse_documents("a: [1, 2\n").unwrap_err();
        assert!(err.contains("line"), "{err}");
    }

    #[test]
    fn issue13_deep_input_is_refused_in_linear_time() {
        // 100,000 levels took the quadratic scan about a minute; the check
        // stops at the limit. The bound is loose for slow machines; the
        // quadratic scan was over 30 times slower than it.
        for shape in ["json-object", "json-array", "yaml-flow", "yaml-block"] {
            let text = deep(shape, 100_000);
            let started = std::time::Instant::now();
            let err = parse_documents(&text).unwrap_err();
            let took = started.elapsed();
            assert!(
                err.contains("nested deeper than 128 levels"),
                "{shape}: {err}"
            );
            assert!(took.as_secs() < 2, "{shape}: {took:?}");
        }
        // Many shallow documents still load: no per-document state leaks.
        let text = format!("{}\n---\n", deep("yaml-flow", MAX_DEPTH)).repeat(200);
        assert_eq!(parse_documents(&text).unwrap().len(), 201);
    }

    #[test]
    fn issue13_aliases_may_not_blow_a_document_up() {
        // 3,000 aliases of a 3,000-element list: 15 KB that serde_norway
        // expanded to 9 million values.
        let n = 3_000;
        let text = format!(
            "a: &a [{}]\nb: [{}]\n",
            vec!["1"; n].join(","),
            vec!["*a"; n].join(",")
        );
        let started = std::time::Instant::now();
        let err = parse_documents(&text).unwrap_err();
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
        assert!(
            err.starts_with("document 1 at line 2 column 5: its aliases expand it to 9006005 nodes from the 6005 it is written with"),
            "{err}"
        );
        // Ordinary use of anchors, merge keys included, loads.
        let text = "defaults: &defaults {replicas: 2, labels: &labels {app: web}}\nweb: {<<: *defaults, name: web, selector: *labels}\napi: {<<: *defaults, name: api}\n";
        let docs = parse_documents(text).unwrap();
        assert_eq!(docs[0]["web"]["selector"], docs[0]["defaults"]["labels"]);
        // Each document has its own budget: two that grow to about 87,000
        // nodes each load, together past the 100,000 one may reach.
        let one = format!(
            "a: &a [{}]\nb: [{}]\n",
            ["1"; 300].join(","),
            ["*a"; 290].join(",")
        );
        assert_eq!(
            parse_documents(&format!("{one}---\n{one}")).unwrap().len(),
            2
        );
    }
}
