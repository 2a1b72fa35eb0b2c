//! A git revision as a [`Tree`], read from git's object store (issue 18,
//! item 2: the fleet diff between revisions).
//!
//! A fleet diff renders the plan as it was at a revision without checking
//! that revision out: the work tree, the index and the repository stay
//! untouched, and nothing is written anywhere. [`Revision::open`] runs the
//! `git` program three times (`rev-parse --show-toplevel`, `rev-parse
//! --verify REV^{commit}`, `ls-tree -r -z --full-tree COMMIT`) and keeps
//! one `git cat-file --batch` process for the blobs the render reads, so a
//! render at a revision costs one process start for its files, not one per
//! file. Shelling out keeps the build light: a git library (gitoxide,
//! libgit2) would add hundreds of crates or a C build to a cold build that
//! is already long, for the three commands used here.
//!
//! Paths are the work tree's: the render spells a file at the revision as
//! it would spell the same file in the work tree (`examples/edge-fleet/
//! apps/web/main.kcfg`), so that two renders of one plan, at a revision and
//! in the work tree or at another revision, name files alike and their
//! input records ([`crate::inputs`]) can be compared entry by entry. A path
//! outside the work tree (a `JSONNET_PATH` directory, a `-J` directory
//! elsewhere) is read from disk, as at any revision. A symbolic link in the
//! revision that names a file of the revision is that file; other links,
//! and submodules, are not files.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use crate::importer::{Disk, Tree};

/// Why a revision cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitError {
    /// The `git` program could not be started.
    GitMissing {
        /// The program as given.
        program: String,
        /// What starting it said.
        reason: String,
    },
    /// The directory is not inside a git work tree.
    NotARepository {
        /// The directory.
        dir: PathBuf,
    },
    /// The revision names no commit.
    UnknownRevision {
        /// The revision as given.
        revision: String,
    },
    /// Git failed otherwise.
    Failed {
        /// The command, as `git ARGS`.
        command: String,
        /// What it said on standard error.
        message: String,
    },
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitError::GitMissing { program, reason } => write!(
                f,
                "cannot run {program:?}: {reason} (a fleet diff reads revisions with the git program; install git or put it on PATH)"
            ),
            GitError::NotARepository { dir } => {
                write!(f, "{} is not inside a git work tree", dir.display())
            }
            GitError::UnknownRevision { revision } => write!(
                f,
                "unknown revision {revision:?}: it names no commit of this repository"
            ),
            GitError::Failed { command, message } => {
                write!(f, "{command} failed: {}", message.trim_end())
            }
        }
    }
}

impl std::error::Error for GitError {}

/// A file of the revision.
#[derive(Debug, Clone)]
enum Entry {
    /// A blob: its object name.
    File(String),
    /// A symbolic link: its target as written.
    Link(String),
}

/// A commit of a repository as a [`Tree`] (see the module's header).
pub struct Revision {
    program: String,
    /// The revision as given (`main`, `HEAD~1`).
    spelled: String,
    /// The commit's object name.
    commit: String,
    /// The work tree's top directory.
    top: PathBuf,
    /// The directory relative paths start from.
    cwd: PathBuf,
    /// Files and links by path below `top` (`/`-separated).
    entries: HashMap<String, Entry>,
    /// Every directory of the revision (`""` is the top), with its
    /// subdirectories' names.
    dirs: HashMap<String, Vec<String>>,
    /// The `git cat-file --batch` process, started at the first read.
    cat_file: Mutex<Option<CatFile>>,
}

impl fmt::Debug for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revision")
            .field("spelled", &self.spelled)
            .field("commit", &self.commit)
            .field("top", &self.top)
            .finish_non_exhaustive()
    }
}

impl Revision {
    /// The commit `revision` names in the repository around `dir`, with
    /// relative paths taken from `cwd` (the caller's working directory),
    /// read with the git program `program` (`"git"`: found on `PATH`).
    pub fn open(
        program: &str,
        dir: &Path,
        cwd: &Path,
        revision: &str,
    ) -> Result<Revision, GitError> {
        let dir = cwd.join(dir);
        // The plan's directory may exist only at the revision: ask git from
        // the nearest directory that exists.
        let existing = dir.ancestors().find(|d| d.is_dir()).unwrap_or(cwd);
        let top =
            run(program, existing, &["rev-parse", "--show-toplevel"]).map_err(|err| match err {
                GitError::Failed { message, .. } if message.contains("not a git repository") => {
                    GitError::NotARepository { dir: dir.clone() }
                }
                other => other,
            })?;
        let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches('\n'));
        if revision.starts_with('-') {
            return Err(GitError::UnknownRevision {
                revision: revision.to_string(),
            });
        }
        let commit = run(
            program,
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &format!("{revision}^{{commit}}"),
            ],
        )
        .map_err(|err| match err {
            GitError::Failed { .. } => GitError::UnknownRevision {
                revision: revision.to_string(),
            },
            other => other,
        })?;
        let commit = String::from_utf8_lossy(&commit).trim().to_string();
        let listing = run(
            program,
            &top,
            &["ls-tree", "-r", "-z", "--full-tree", &commit],
        )?;
        let mut entries = HashMap::new();
        let mut dirs: HashMap<String, Vec<String>> = HashMap::new();
        dirs.insert(String::new(), Vec::new());
        for line in listing.split(|byte| *byte == 0).filter(|l| !l.is_empty()) {
            let line = String::from_utf8_lossy(line);
            // `MODE TYPE OBJECT\tPATH`
            let Some((meta, path)) = line.split_once('\t') else {
                continue;
            };
            let mut meta = meta.split(' ');
            let (Some(mode), Some(kind), Some(object)) = (meta.next(), meta.next(), meta.next())
            else {
                continue;
            };
            if kind != "blob" {
                continue;
            }
            let entry = if mode == "120000" {
                Entry::Link(object.to_string())
            } else {
                Entry::File(object.to_string())
            };
            add_parents(&mut dirs, path);
            entries.insert(path.to_string(), entry);
        }
        let mut revision = Revision {
            program: program.to_string(),
            spelled: revision.to_string(),
            commit,
            top,
            cwd: cwd.to_path_buf(),
            entries,
            dirs,
            cat_file: Mutex::new(None),
        };
        revision.read_links();
        Ok(revision)
    }

    /// The revision as given.
    pub fn spelled(&self) -> &str {
        &self.spelled
    }

    /// The commit's object name.
    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// The work tree's top directory.
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// Replaces each link's object name with its target (the link's blob).
    fn read_links(&mut self) {
        let links: Vec<(String, String)> = self
            .entries
            .iter()
            .filter_map(|(path, entry)| match entry {
                Entry::Link(object) => Some((path.clone(), object.clone())),
                Entry::File(_) => None,
            })
            .collect();
        for (path, object) in links {
            let target = self
                .blob(&object)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default();
            self.entries.insert(path, Entry::Link(target));
        }
    }

    /// The path below the top that `path` (as the render spells it) names,
    /// or `None` outside the work tree.
    fn inside(&self, path: &Path) -> Option<String> {
        let absolute = kcfg_lang::program::normalize(&self.cwd.join(path));
        let relative = absolute.strip_prefix(&self.top).ok()?;
        let mut parts = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_str()?),
                Component::CurDir => {}
                _ => return None,
            }
        }
        Some(parts.join("/"))
    }

    /// The blob of the file at `relative`, following links inside the
    /// revision (at most eight).
    fn file_object(&self, relative: &str) -> Option<&str> {
        let mut path = relative.to_string();
        for _ in 0..8 {
            match self.entries.get(&path)? {
                Entry::File(object) => return Some(object),
                Entry::Link(target) => {
                    let base = Path::new(&path).parent().unwrap_or(Path::new(""));
                    let joined = kcfg_lang::program::normalize(&base.join(target));
                    if joined.is_absolute() || joined.starts_with("..") {
                        return None;
                    }
                    path = joined.to_str()?.to_string();
                }
            }
        }
        None
    }

    fn blob(&self, object: &str) -> std::io::Result<Vec<u8>> {
        let mut slot = self
            .cat_file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if slot.is_none() {
            *slot = Some(CatFile::start(&self.program, &self.top)?);
        }
        let Some(cat_file) = slot.as_mut() else {
            unreachable!("started above")
        };
        let read = cat_file.read(object);
        if read.is_err() {
            // A process that failed once is not trusted again.
            *slot = None;
        }
        read
    }
}

impl Tree for Revision {
    fn is_file(&self, path: &Path) -> bool {
        match self.inside(path) {
            Some(relative) => self.file_object(&relative).is_some(),
            None => Disk.is_file(path),
        }
    }

    fn exists(&self, path: &Path) -> bool {
        match self.inside(path) {
            Some(relative) => {
                self.entries.contains_key(&relative) || self.dirs.contains_key(&relative)
            }
            None => Disk.exists(path),
        }
    }

    fn subdirectories(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        match self.inside(dir) {
            Some(relative) => self.dirs.get(&relative).cloned().ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no such directory at {}", self.spelled),
                )
            }),
            None => Disk.subdirectories(dir),
        }
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        match self.inside(path) {
            Some(relative) => match self.file_object(&relative) {
                Some(object) => self.blob(object),
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no such file at {}", self.spelled),
                )),
            },
            None => Disk.read(path),
        }
    }
}

/// Records `path`'s directories, each in its parent's list once.
fn add_parents(dirs: &mut HashMap<String, Vec<String>>, path: &str) {
    let mut parent = String::new();
    let parts: Vec<&str> = path.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        let child = if parent.is_empty() {
            (*part).to_string()
        } else {
            format!("{parent}/{part}")
        };
        if !dirs.contains_key(&child) {
            dirs.entry(parent.clone())
                .or_default()
                .push((*part).to_string());
            dirs.insert(child.clone(), Vec::new());
        }
        parent = child;
    }
}

/// Runs `git ARGS` in `dir` and returns its standard output.
fn run(program: &str, dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = Command::new(program)
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|err| GitError::GitMissing {
            program: program.to_string(),
            reason: err.to_string(),
        })?;
    if !output.status.success() {
        return Err(GitError::Failed {
            command: format!("git {}", args.join(" ")),
            message: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(output.stdout)
}

/// One `git cat-file --batch` process: an object name in, its header and
/// bytes out.
struct CatFile {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl CatFile {
    fn start(program: &str, top: &Path) -> std::io::Result<CatFile> {
        let mut child = Command::new(program)
            .arg("-C")
            .arg(top)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("git cat-file has no pipes"));
        };
        Ok(CatFile {
            child,
            input,
            output: BufReader::new(output),
        })
    }

    fn read(&mut self, object: &str) -> std::io::Result<Vec<u8>> {
        writeln!(self.input, "{object}")?;
        self.input.flush()?;
        let mut header = String::new();
        self.output.read_line(&mut header)?;
        // `OBJECT TYPE SIZE`, or `OBJECT missing`.
        let mut fields = header.split_whitespace();
        let size = match (fields.next(), fields.next(), fields.next()) {
            (Some(_), Some("blob"), Some(size)) => size.parse::<usize>().ok(),
            _ => None,
        };
        let Some(size) = size else {
            return Err(std::io::Error::other(format!(
                "git cat-file: {object}: {}",
                header.trim_end()
            )));
        };
        let mut bytes = vec![0; size + 1];
        self.output.read_exact(&mut bytes)?;
        bytes.pop();
        Ok(bytes)
    }
}

impl Drop for CatFile {
    fn drop(&mut self) {
        // Closing its input ends the process; wait so no zombie is left.
        let _ = self.input.flush();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@e",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn issue18_a_revision_reads_files_as_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().canonicalize().unwrap();
        git(&repo, &["init", "-q"]);
        std::fs::create_dir_all(repo.join("plan/apps/web")).unwrap();
        std::fs::write(repo.join("plan/apps/web/main.kcfg"), "1").unwrap();
        std::fs::write(repo.join("plan/top.txt"), "top").unwrap();
        std::os::unix::fs::symlink("top.txt", repo.join("plan/link.txt")).unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "one"]);
        std::fs::write(repo.join("plan/apps/web/main.kcfg"), "2").unwrap();
        std::fs::create_dir_all(repo.join("plan/apps/db")).unwrap();
        // A directory gone from the work tree is still read at the revision.
        let gone = Revision::open("git", Path::new("plan/apps/gone"), &repo, "HEAD").unwrap();
        assert_eq!(gone.top(), repo);
        let revision = Revision::open("git", Path::new("plan"), &repo, "HEAD").unwrap();
        let plan = Path::new("plan");
        assert_eq!(
            revision.read(&plan.join("apps/web/main.kcfg")).unwrap(),
            b"1"
        );
        assert_eq!(revision.read(&plan.join("link.txt")).unwrap(), b"top");
        assert!(revision.is_file(&plan.join("apps/../top.txt")));
        assert!(!revision.is_file(&plan.join("apps")));
        assert!(revision.exists(&plan.join("apps")));
        // The empty directory made after the commit is not in it.
        assert_eq!(
            revision.subdirectories(&plan.join("apps")).unwrap(),
            ["web"]
        );
        assert!(revision.read(&plan.join("missing")).is_err());
        // Outside the work tree, the disk.
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("lib.txt"), "disk").unwrap();
        assert_eq!(
            revision.read(&outside.path().join("lib.txt")).unwrap(),
            b"disk"
        );

        let err = Revision::open("git", Path::new("plan"), &repo, "nope~3").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown revision \"nope~3\": it names no commit of this repository"
        );
        let err = Revision::open("git", outside.path(), &repo, "HEAD").unwrap_err();
        assert!(matches!(err, GitError::NotARepository { .. }), "{err}");
        let err = Revision::open("/nonexistent/git", Path::new("."), &repo, "HEAD").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot run \"/nonexistent/git\": "),
            "{err}"
        );
    }
}
