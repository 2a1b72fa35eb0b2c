//! The plan's evaluation, kept in `--cache DIR` (issue 18).
//!
//! Evaluating `render.kcfg` calls its template once per parameter set: at
//! a thousand clusters, the largest cost of a render that finds nothing to
//! do. The plan's result depends on nothing but its inputs: the kcfg
//! build, the plan's directory, top-level arguments and external
//! variables, the stack limit, the library directories, and what it asked
//! of the files: every import resolved, every file read (by the program
//! or a generator), every directory listed and every path tested. So an
//! evaluation with a cache records each question with its answer
//! ([`Log`]), and keeps them with the result ([`PlanData`]) in
//! `DIR/kcfg-plan-<digest of the inputs>.json`. The next load asks every
//! question again through the renderer's importer and tree (while the
//! kept targets are parsed: they follow the entry one per line, counted,
//! so that they are split at newlines and parsed on every core), and uses the
//! kept result only when every answer is the same (a file's answer is the
//! SHA-256 of its bytes); otherwise the plan is evaluated, and the entry
//! replaced.
//!
//! Nothing is kept for a plan that failed or that called `std.trace` (its
//! lines are part of what a run shows). The entry is read only as a
//! regular file in the user's cache directory, as the input records are
//! ([`crate::inputs::read_cache`]), and is never trusted further than its
//! answers: another format, version, build or key, or anything
//! unreadable, and the plan is evaluated.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kcfg_lang::eval::{EvalConfig, ExtValue};
use kcfg_lang::program::Importer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::importer::Tree;
use crate::inputs;
use crate::plan::{self, KeptPlan, Plan};
use crate::reuse::lock;

/// The entry's `format` field.
const FORMAT: &str = "kcfg-plan";

/// The entry's version: another version is ignored.
const VERSION: u32 = 3;

/// One question the plan's evaluation asked of the files, with the answer
/// it got. Paths are as asked (UTF-8: a plan that asks about another path
/// is not kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "kebab-case", deny_unknown_fields)]
enum Query {
    /// `Importer::resolve`: the file found, if any.
    Resolve {
        from: Option<String>,
        path: String,
        found: Option<String>,
    },
    /// `Importer::read`: the SHA-256 of the bytes, or `None` for an error.
    Load {
        path: String,
        digest: Option<String>,
    },
    /// `Tree::is_file`.
    IsFile { path: String, answer: bool },
    /// `Tree::exists`.
    Exists { path: String, answer: bool },
    /// `Tree::subdirectories`, sorted, or `None` for an error.
    Subdirectories {
        dir: String,
        names: Option<Vec<String>>,
    },
    /// `Tree::read`: the SHA-256 of the bytes, or `None` for an error.
    Read {
        path: String,
        digest: Option<String>,
    },
}

/// The questions of one evaluation, once each, in the order first asked.
#[derive(Debug, Default)]
struct Log {
    queries: Vec<Query>,
    seen: HashSet<Query>,
    /// A question about a path that is not UTF-8: nothing is kept.
    unrecordable: bool,
}

impl Log {
    fn push(&mut self, query: Option<Query>) {
        match query {
            Some(query) => {
                if self.seen.insert(query.clone()) {
                    self.queries.push(query);
                }
            }
            None => self.unrecordable = true,
        }
    }
}

type SharedLog = Arc<Mutex<Log>>;

fn text(path: &Path) -> Option<String> {
    path.to_str().map(str::to_string)
}

fn digest_of(read: &std::io::Result<Vec<u8>>) -> Option<String> {
    read.as_ref().ok().map(|bytes| inputs::file_digest(bytes))
}

/// The plan's importer, noting every question.
struct RecordingImporter {
    inner: Arc<dyn Importer>,
    log: SharedLog,
}

impl Importer for RecordingImporter {
    fn resolve(&self, from: Option<&Path>, path: &str) -> Option<PathBuf> {
        let found = self.inner.resolve(from, path);
        let query = (|| {
            Some(Query::Resolve {
                from: match from {
                    Some(dir) => Some(text(dir)?),
                    None => None,
                },
                path: path.to_string(),
                found: match &found {
                    Some(file) => Some(text(file)?),
                    None => None,
                },
            })
        })();
        lock(&self.log).push(query);
        found
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let read = self.inner.read(path);
        let query = text(path).map(|path| Query::Load {
            path,
            digest: digest_of(&read),
        });
        lock(&self.log).push(query);
        read
    }
}

/// The plan's tree (generators, the plan file's test), noting every
/// question.
struct RecordingTree<'t> {
    inner: &'t dyn Tree,
    log: SharedLog,
}

impl fmt::Debug for RecordingTree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingTree")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl Tree for RecordingTree<'_> {
    fn is_file(&self, path: &Path) -> bool {
        let answer = self.inner.is_file(path);
        lock(&self.log).push(text(path).map(|path| Query::IsFile { path, answer }));
        answer
    }

    fn exists(&self, path: &Path) -> bool {
        let answer = self.inner.exists(path);
        lock(&self.log).push(text(path).map(|path| Query::Exists { path, answer }));
        answer
    }

    fn subdirectories(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        let listed = self.inner.subdirectories(dir);
        let names = listed.as_ref().ok().map(|names| {
            let mut names = names.clone();
            names.sort();
            names
        });
        lock(&self.log).push(text(dir).map(|dir| Query::Subdirectories { dir, names }));
        listed
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let read = self.inner.read(path);
        let query = text(path).map(|path| Query::Read {
            path,
            digest: digest_of(&read),
        });
        lock(&self.log).push(query);
        read
    }
}

/// Whether `query` gets the same answer now.
fn holds(query: &Query, importer: &dyn Importer, tree: &dyn Tree) -> bool {
    match query {
        Query::Resolve { from, path, found } => {
            let now = importer.resolve(from.as_deref().map(Path::new), path);
            now.as_deref().map(Path::to_str) == found.as_deref().map(Some)
        }
        Query::Load { path, digest } => digest_of(&importer.read(Path::new(path))) == *digest,
        Query::IsFile { path, answer } => tree.is_file(Path::new(path)) == *answer,
        Query::Exists { path, answer } => tree.exists(Path::new(path)) == *answer,
        Query::Subdirectories { dir, names } => {
            let now = tree.subdirectories(Path::new(dir)).ok().map(|mut names| {
                names.sort();
                names
            });
            now == *names
        }
        Query::Read { path, digest } => digest_of(&tree.read(Path::new(path))) == *digest,
    }
}

/// A kept evaluation.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    format: String,
    version: u32,
    build: String,
    /// The digest of the inputs other than the files ([`key`]).
    key: String,
    queries: Vec<Query>,
    plan: KeptPlan,
    /// How many targets follow, one per line: an entry cut short at a
    /// line's end is not a plan with fewer targets.
    targets: usize,
}

/// The digest of everything a plan's result depends on besides the files
/// it reads: the build, the plan's directory (absolute), its top-level
/// arguments and external variables, the stack limit and the library
/// directories its importer searches. The small parts use their `Debug`
/// form, which the build identifier pins.
pub(crate) fn key(
    build: &str,
    dir: &Path,
    tlas: &[(String, ExtValue)],
    config: &EvalConfig,
    search: &[PathBuf],
) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let described = format!(
        "{:?}",
        (
            FORMAT,
            VERSION,
            build,
            absolute,
            tlas,
            &config.ext_vars,
            config.max_stack,
            search,
        )
    );
    inputs::hex(&Sha256::digest(described.as_bytes()))
}

/// The entry's file in the cache directory `dir` for the inputs `key`.
fn entry_file(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("kcfg-plan-{}.json", &key[..32]))
}

/// Loads the plan in `dir` as [`plan::load`] does, through the cache
/// directory `cache`: the kept result when every question its evaluation
/// asked gets the same answer now, else a new evaluation, kept for the
/// next load unless it traced or asked about a path that is not UTF-8.
/// A cache entry that cannot be written is an error, as a record is.
#[allow(clippy::too_many_arguments)]
pub(crate) fn load(
    dir: &Path,
    tlas: &[(String, ExtValue)],
    importer: Arc<dyn Importer>,
    tree: &dyn Tree,
    config: &EvalConfig,
    build: &str,
    search: &[PathBuf],
    cache: &Path,
) -> Result<Plan, Error> {
    let key = key(build, dir, tlas, config, search);
    let file = entry_file(cache, &key);
    if let Some(data) = kept(dir, &file, &key, build, &*importer, tree) {
        if let Ok(plan) = plan::build_kept(dir, data) {
            return Ok(plan);
        }
    }
    let log = SharedLog::default();
    let recording: Arc<dyn Importer> = Arc::new(RecordingImporter {
        inner: importer,
        log: log.clone(),
    });
    let recording_tree = RecordingTree {
        inner: tree,
        log: log.clone(),
    };
    let traced = Arc::new(AtomicBool::new(false));
    let mut config = config.clone();
    let trace = config.trace.clone();
    let noted = traced.clone();
    config.trace = Arc::new(move |line: &str| {
        noted.store(true, Ordering::Relaxed);
        trace(line)
    });
    let data = plan::evaluate(dir, tlas, recording, &recording_tree, &config)?;
    let log = std::mem::take(&mut *lock(&log));
    if log.unrecordable || traced.load(Ordering::Relaxed) {
        return plan::build(dir, data);
    }
    // A plan whose targets are invalid is not kept.
    let (plan, kept) = plan::build_keeping(dir, data)?;
    let Some(kept) = kept else {
        return Ok(plan);
    };
    let entry = Entry {
        format: FORMAT.into(),
        version: VERSION,
        build: build.into(),
        key,
        queries: log.queries,
        targets: kept.target_count(),
        plan: kept,
    };
    // The entry on the first line, then the plan's targets, one per line.
    let bytes = serde_json::to_vec(&entry).and_then(|mut bytes| {
        bytes.push(b'\n');
        bytes.extend(entry.plan.target_lines()?);
        Ok(bytes)
    });
    let bytes = bytes.map_err(|err| {
        Error::OutDir(format!("cannot keep the plan in {}: {err}", file.display()))
    })?;
    inputs::write_cache_bytes(&file, &bytes).map_err(|err| {
        Error::OutDir(format!("cannot keep the plan in {}: {err}", file.display()))
    })?;
    Ok(plan)
}

/// The kept result in `file`, when it is an entry for `key` by this build
/// and every question gets the same answer now.
fn kept(
    dir: &Path,
    file: &Path,
    key: &str,
    build: &str,
    importer: &dyn Importer,
    tree: &dyn Tree,
) -> Option<KeptPlan> {
    let bytes = inputs::read_cache(file).ok()??;
    let (head, targets) = bytes.split_at(bytes.iter().position(|byte| *byte == b'\n')?);
    let mut entry: Entry = serde_json::from_slice(head).ok()?;
    let usable = entry.format == FORMAT
        && entry.version == VERSION
        && entry.build == build
        && entry.key == key;
    if !usable {
        return None;
    }
    // The targets are parsed while the questions are asked again.
    let (parsed, holds) = rayon::join(
        || entry.plan.parse_targets(dir, targets),
        || {
            entry
                .queries
                .iter()
                .all(|query| holds(query, importer, tree))
        },
    );
    let whole = parsed.is_ok_and(|count| count == entry.targets);
    (whole && holds).then_some(entry.plan)
}

#[cfg(test)]
mod tests;
