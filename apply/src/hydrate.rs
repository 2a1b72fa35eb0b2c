//! Hydrated branches for the pull path: each cluster's rendered output is
//! committed to its own git branch in Argo CD's source-hydrator layout, so
//! an Argo CD on or near the cluster syncs plain manifests.
//!
//! Layout of a branch (`env/<cluster>` by default):
//!
//! ```text
//! hydrator.metadata            {"drySha": ..., "repoURL": ...}
//! <app>/manifest.yaml          every object of the app, one YAML stream
//! <app>/hydrator.metadata      {"commands": [...], "drySha": ..., "repoURL": ...}
//! <app>/README.md              what this is and where it came from
//! ```
//!
//! Commits are made with git's plumbing (`hash-object`, `update-index` on a
//! private index, `write-tree`, `commit-tree`, `update-ref`), so the
//! repository's work tree and index are never touched and no checkout is
//! needed. A branch gets a new commit only when a manifest or README
//! changed; a new dry SHA alone does not make a commit (otherwise every
//! source commit would make one per cluster). We call the `git` program
//! rather than linking libgit2 (git2) or gitoxide (gix): git is on every
//! machine that pushes branches, its plumbing is stable, and it keeps a
//! large C or Rust dependency out of the build.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// Provenance written to `hydrator.metadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HydratorMeta {
    /// The dry source repository.
    pub repo_url: Option<String>,
    /// The dry source commit.
    pub dry_sha: Option<String>,
    /// The commands that rendered it, e.g. `kcfg render ...`.
    pub commands: Vec<String>,
}

impl HydratorMeta {
    /// The content of a `hydrator.metadata` file (pretty JSON, one newline).
    pub fn to_json(&self, with_commands: bool) -> String {
        let mut value = json!({});
        if with_commands && !self.commands.is_empty() {
            value["commands"] = json!(self.commands);
        }
        if let Some(sha) = &self.dry_sha {
            value["drySha"] = json!(sha);
        }
        if let Some(url) = &self.repo_url {
            value["repoURL"] = json!(url);
        }
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
        text.push('\n');
        text
    }
}

/// Renders objects as one YAML stream (`---` between documents).
pub fn manifest_yaml(objects: &[Value]) -> String {
    let mut out = String::new();
    for (index, obj) in objects.iter().enumerate() {
        if index > 0 {
            out.push_str("---\n");
        }
        out.push_str(
            &serde_norway::to_string(obj).unwrap_or_else(|err| format!("# cannot render: {err}\n")),
        );
    }
    out
}

/// The files of one target in the hydrator layout, paths relative to the
/// target's directory, as `kcfg hydrate` commits them (`kcfg render
/// --layout hydrator` writes the same layout with its own YAML writer).
pub fn hydrator_files(
    target: &str,
    objects: &[Value],
    meta: &HydratorMeta,
) -> Vec<(String, String)> {
    vec![
        ("manifest.yaml".into(), manifest_yaml(objects)),
        ("hydrator.metadata".into(), meta.to_json(true)),
        (
            "README.md".into(),
            hydrator_readme(target, objects.len(), meta),
        ),
    ]
}

/// The `README.md` of a target in the hydrator layout.
pub fn hydrator_readme(target: &str, objects: usize, meta: &HydratorMeta) -> String {
    let plural = if objects == 1 { "" } else { "s" };
    let mut readme = format!(
        "# {target}\n\nHydrated manifests for `{target}`, written by kcfg. Do not edit: \
         changes here are overwritten by the next render.\n\n{objects} object{plural} in `manifest.yaml`.\n"
    );
    if !meta.commands.is_empty() {
        readme.push_str("\nRendered with:\n\n```shell\n");
        for command in &meta.commands {
            readme.push_str(command);
            readme.push('\n');
        }
        readme.push_str("```\n");
    }
    readme
}

/// A git failure, with the command and its stderr.
#[derive(Debug, thiserror::Error)]
#[error("git {command}: {message}")]
pub struct GitError {
    /// The git subcommand.
    pub command: String,
    /// stderr, or the spawn error.
    pub message: String,
}

/// What happened to one branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchOutcome {
    /// Nothing changed; no commit.
    Unchanged,
    /// A new commit.
    Committed(String),
}

/// A repository driven through the `git` program.
#[derive(Debug, Clone)]
pub struct Git {
    repo: PathBuf,
    identity: Vec<String>,
}

impl Git {
    /// Opens `repo`; fails when it is not a git repository.
    pub fn open(repo: &Path) -> Result<Git, GitError> {
        let mut git = Git {
            repo: repo.to_path_buf(),
            identity: Vec::new(),
        };
        git.run(&["rev-parse", "--git-dir"], None, &[])?;
        // commit-tree needs an identity; fall back to kcfg's when none is configured.
        if git.run(&["config", "user.email"], None, &[]).is_err() {
            git.identity = vec![
                "-c".into(),
                "user.name=kcfg".into(),
                "-c".into(),
                "user.email=kcfg@localhost".into(),
            ];
        }
        Ok(git)
    }

    fn run(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &Path)],
    ) -> Result<String, GitError> {
        let err = |message: String| GitError {
            command: args.first().copied().unwrap_or("").to_string(),
            message,
        };
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(&self.repo)
            .args(&self.identity)
            .args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| err(format!("cannot run git: {e}")))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes())
                .map_err(|e| err(e.to_string()))?;
        }
        let out = child.wait_with_output().map_err(|e| err(e.to_string()))?;
        if !out.status.success() {
            return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_string()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    }

    /// The commit a branch points to, if it exists.
    pub fn branch_head(&self, branch: &str) -> Option<String> {
        self.run(
            &[
                "rev-parse",
                "--verify",
                "-q",
                &format!("refs/heads/{branch}^{{commit}}"),
            ],
            None,
            &[],
        )
        .ok()
    }

    /// Makes `files` (path → content) the whole tree of `branch`, with one
    /// commit if anything but `hydrator.metadata` files changed.
    pub fn commit_files(
        &self,
        branch: &str,
        files: &BTreeMap<String, String>,
        message: &str,
    ) -> Result<BranchOutcome, GitError> {
        let scratch = tempfile::tempdir().map_err(|e| GitError {
            command: "tempdir".into(),
            message: e.to_string(),
        })?;
        let mut paths = Vec::new();
        for (index, content) in files.values().enumerate() {
            let path = scratch.path().join(format!("blob-{index}"));
            std::fs::write(&path, content).map_err(|e| GitError {
                command: "write".into(),
                message: e.to_string(),
            })?;
            paths.push(path.display().to_string());
        }
        let shas = self.run(
            &["hash-object", "-w", "--stdin-paths"],
            Some(&(paths.join("\n") + "\n")),
            &[],
        )?;
        let entries: BTreeSet<(String, String)> = files
            .keys()
            .cloned()
            .zip(shas.lines().map(String::from))
            .collect();
        let index_info: String = entries
            .iter()
            .map(|(path, sha)| format!("100644 blob {sha}\t{path}\n"))
            .collect();
        let index_file = scratch.path().join("index");
        let env = [("GIT_INDEX_FILE", index_file.as_path())];
        self.run(
            &["update-index", "--add", "--index-info"],
            Some(&index_info),
            &env,
        )?;
        let tree = self.run(&["write-tree"], None, &env)?;

        let parent = self.branch_head(branch);
        if let Some(parent) = &parent {
            let listing = self.run(&["ls-tree", "-r", parent], None, &[])?;
            let old: BTreeSet<(String, String)> = listing
                .lines()
                .filter_map(|line| {
                    let (info, path) = line.split_once('\t')?;
                    Some((
                        path.to_string(),
                        info.split_whitespace().nth(2)?.to_string(),
                    ))
                })
                .collect();
            let content = |set: &BTreeSet<(String, String)>| -> BTreeSet<(String, String)> {
                set.iter()
                    .filter(|(path, _)| !path.ends_with("hydrator.metadata"))
                    .cloned()
                    .collect()
            };
            if content(&old) == content(&entries) {
                return Ok(BranchOutcome::Unchanged);
            }
        }
        let mut args = vec!["commit-tree", tree.as_str(), "-m", message];
        if let Some(parent) = &parent {
            args.extend(["-p", parent.as_str()]);
        }
        let commit = self.run(&args, None, &[])?;
        let old_ref = parent.unwrap_or_else(|| "0".repeat(40));
        self.run(
            &[
                "update-ref",
                &format!("refs/heads/{branch}"),
                &commit,
                &old_ref,
            ],
            None,
            &[],
        )?;
        Ok(BranchOutcome::Committed(commit))
    }
}

/// Commits each cluster's targets to `<prefix><cluster>`. `targets` are
/// (target name, objects) with names `cluster/app`; returns each branch and
/// what happened to it.
pub fn hydrate(
    git: &Git,
    targets: &[(String, Vec<Value>)],
    branch_prefix: &str,
    meta: &HydratorMeta,
    message: &str,
) -> Result<Vec<(String, BranchOutcome)>, GitError> {
    let mut by_cluster: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (name, objects) in targets {
        let (cluster, app) = match name.split_once('/') {
            Some((cluster, app)) => (cluster.to_string(), format!("{app}/")),
            None => (name.clone(), String::new()),
        };
        let files = by_cluster.entry(cluster).or_default();
        for (file, content) in hydrator_files(name, objects, meta) {
            files.insert(format!("{app}{file}"), content);
        }
        files.insert("hydrator.metadata".into(), meta.to_json(false));
    }
    let mut res = Vec::new();
    for (cluster, files) in by_cluster {
        let branch = format!("{branch_prefix}{cluster}");
        let outcome = git.commit_files(&branch, &files, message)?;
        res.push((branch, outcome));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(repo: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    #[test]
    fn one_commit_per_change_and_none_for_a_new_dry_sha_alone() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path();
        git(repo, &["init", "-q"]);
        let cm = |value: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": value}});
        let targets = vec![
            ("edge-1/web".to_string(), vec![cm("1")]),
            ("edge-2/web".to_string(), vec![cm("1")]),
        ];
        let meta = HydratorMeta {
            repo_url: Some("https://git.example/fleet".into()),
            dry_sha: Some("aaa".into()),
            commands: vec!["kcfg render".into()],
        };
        let handle = Git::open(repo).unwrap();
        let first = hydrate(&handle, &targets, "env/", &meta, "hydrate").unwrap();
        assert!(
            first
                .iter()
                .all(|(_, o)| matches!(o, BranchOutcome::Committed(_))),
            "{first:?}"
        );
        let files = git(repo, &["ls-tree", "-r", "--name-only", "env/edge-1"]);
        assert_eq!(
            files,
            "hydrator.metadata\nweb/README.md\nweb/hydrator.metadata\nweb/manifest.yaml"
        );
        assert_eq!(
            git(repo, &["show", "env/edge-1:web/manifest.yaml"]),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: '1'"
        );
        assert!(git(repo, &["show", "env/edge-1:web/hydrator.metadata"])
            .contains("\"drySha\": \"aaa\""));

        let new_sha = HydratorMeta {
            dry_sha: Some("bbb".into()),
            ..meta.clone()
        };
        let second = hydrate(&handle, &targets, "env/", &new_sha, "hydrate").unwrap();
        assert!(
            second.iter().all(|(_, o)| *o == BranchOutcome::Unchanged),
            "{second:?}"
        );

        let changed = vec![
            ("edge-1/web".to_string(), vec![cm("2")]),
            ("edge-2/web".to_string(), vec![cm("1")]),
        ];
        let third = hydrate(&handle, &changed, "env/", &new_sha, "hydrate").unwrap();
        assert!(matches!(third[0].1, BranchOutcome::Committed(_)));
        assert_eq!(third[1].1, BranchOutcome::Unchanged);
        assert_eq!(git(repo, &["rev-list", "--count", "env/edge-1"]), "2");
        assert_eq!(git(repo, &["rev-list", "--count", "env/edge-2"]), "1");
        // The work tree and the index were never touched.
        assert_eq!(git(repo, &["status", "--porcelain"]), "");
    }

    #[test]
    fn the_layout_of_one_target() {
        let objects = vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}),
        ];
        let files = hydrator_files("edge-1/web", &objects, &HydratorMeta::default());
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["manifest.yaml", "hydrator.metadata", "README.md"]);
        assert_eq!(files[0].1, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n");
        assert_eq!(files[1].1, "{}\n");
        assert!(files[2].1.starts_with("# edge-1/web\n"));
        assert!(files[2].1.contains("2 objects in `manifest.yaml`."));
        let meta = HydratorMeta {
            commands: vec!["kcfg render".into()],
            ..HydratorMeta::default()
        };
        assert_eq!(
            meta.to_json(true),
            "{\n  \"commands\": [\n    \"kcfg render\"\n  ]\n}\n"
        );
        assert!(hydrator_readme("x", 0, &meta).ends_with("```shell\nkcfg render\n```\n"));
    }
}
