//! `kcfg argocd init`: check that the application's Jsonnet dependencies
//! are vendored.
//!
//! Argo CD runs the plugin's `init` command before every `generate`. kcfg
//! never fetches anything at render time (no network access, nothing
//! written), so dependencies declared in a jsonnet-bundler `jsonnetfile.json`
//! must be committed under `vendor/` as `jb install` lays them out:
//!
//! * a `git` source in `vendor/<host>/<path of the repository>/<subdir>`
//!   (`https://github.com/grafana/jsonnet-libs.git` with subdir
//!   `ksonnet-util` → `vendor/github.com/grafana/jsonnet-libs/ksonnet-util`);
//! * a `local` source in `vendor/<name>`, a link to its directory.
//!
//! `init` checks that each is there and inside the repository, and says
//! what is missing. `generate` searches the project's `vendor/` and the
//! entry's, in Tanka's order (`kcfg_render::project`).

use std::path::{Path, PathBuf};

use kcfg_render::project::{Project, ProjectSearch};
use serde::Deserialize;

/// The jsonnet-bundler manifest.
pub const JSONNETFILE: &str = "jsonnetfile.json";

#[derive(Debug, Deserialize)]
struct Jsonnetfile {
    #[serde(default)]
    dependencies: Vec<Dependency>,
}

#[derive(Debug, Deserialize)]
struct Dependency {
    source: Source,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Source {
    #[serde(default)]
    git: Option<GitSource>,
    #[serde(default)]
    local: Option<LocalSource>,
}

#[derive(Debug, Deserialize)]
struct GitSource {
    remote: String,
    #[serde(default)]
    subdir: String,
}

#[derive(Debug, Deserialize)]
struct LocalSource {
    directory: String,
}

/// What `init` found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The manifests checked.
    pub manifests: Vec<PathBuf>,
    /// Dependencies found in place.
    pub present: usize,
    /// What is wrong, one line each.
    pub problems: Vec<String>,
}

/// Checks the `jsonnetfile.json` of the application's directory, of the
/// project root `generate` uses (the nearest directory above it with a
/// `jsonnetfile.json` or `tkrc.yaml`) and of the repository root.
pub fn check(root: &Path, app_dir: &Path) -> Report {
    let mut report = Report::default();
    let mut dirs = vec![app_dir.to_path_buf()];
    let search = ProjectSearch::Within(root.to_path_buf());
    if let Some(project) = Project::find(app_dir, &search) {
        dirs.push(project.root);
    }
    dirs.push(root.to_path_buf());
    dirs.dedup();
    for dir in dirs {
        let manifest = dir.join(JSONNETFILE);
        if !manifest.is_file() {
            continue;
        }
        let shown = manifest
            .strip_prefix(root)
            .unwrap_or(&manifest)
            .display()
            .to_string();
        report.manifests.push(manifest.clone());
        // Plugin mode reads nothing outside the repository.
        if !manifest
            .canonicalize()
            .is_ok_and(|real| real.starts_with(root))
        {
            report.problems.push(format!(
                "{shown} is a symbolic link out of the repository; it is not read"
            ));
            continue;
        }
        let parsed = std::fs::read_to_string(&manifest)
            .map_err(|err| err.to_string())
            .and_then(|text| {
                serde_json::from_str::<Jsonnetfile>(&text).map_err(|err| err.to_string())
            });
        let file = match parsed {
            Ok(file) => file,
            Err(err) => {
                report.problems.push(format!("{shown}: {err}"));
                continue;
            }
        };
        for dependency in &file.dependencies {
            let Some(relative) = vendored_path(dependency) else {
                report.problems.push(format!(
                    "{shown}: a dependency has neither a git nor a local source (kcfg checks only those)"
                ));
                continue;
            };
            let path = dir.join("vendor").join(&relative);
            let shown_path = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            match path.canonicalize() {
                Ok(real) if !real.starts_with(root) => report.problems.push(format!(
                    "{shown_path} leads to {}, outside the repository; vendor the dependency's files instead of linking to them",
                    real.display()
                )),
                Ok(real) if real.is_dir() => report.present += 1,
                _ => report.problems.push(format!(
                    "{shown_path} is missing ({shown} needs it); run `jb install` and commit vendor/ (kcfg does not fetch dependencies at render time)"
                )),
            }
        }
    }
    report
}

/// Where `jb install` puts a dependency, relative to `vendor/`.
fn vendored_path(dependency: &Dependency) -> Option<PathBuf> {
    if let Some(git) = &dependency.source.git {
        let mut path = PathBuf::from(repository_path(&git.remote));
        let subdir = git.subdir.trim_matches('/');
        if !subdir.is_empty() {
            path.push(subdir);
        }
        return Some(path);
    }
    if let Some(local) = &dependency.source.local {
        let name = dependency.name.clone().unwrap_or_else(|| {
            Path::new(local.directory.trim_end_matches('/'))
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        return Some(PathBuf::from(name));
    }
    None
}

/// `github.com/grafana/jsonnet-libs` from any of the remote forms
/// (`https://…`, `ssh://git@…`, `git@host:org/repo.git`).
fn repository_path(remote: &str) -> String {
    let mut rest = remote.trim();
    if let Some((_, after)) = rest.split_once("://") {
        rest = after;
    }
    if let Some((user, after)) = rest.split_once('@') {
        if !user.contains('/') {
            rest = after;
        }
    }
    let rest = rest.trim_end_matches('/').trim_end_matches(".git");
    // scp-like `host:org/repo`
    let rest = match rest.split_once(':') {
        Some((host, path))
            if !host.contains('/') && !path.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            format!("{host}/{path}")
        }
        _ => rest.to_string(),
    };
    rest.trim_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_map_to_jsonnet_bundler_paths() {
        for remote in [
            "https://github.com/grafana/jsonnet-libs.git",
            "https://github.com/grafana/jsonnet-libs",
            "git@github.com:grafana/jsonnet-libs.git",
            "ssh://git@github.com/grafana/jsonnet-libs.git",
        ] {
            assert_eq!(
                repository_path(remote),
                "github.com/grafana/jsonnet-libs",
                "{remote}"
            );
        }
    }

    #[test]
    fn init_reports_missing_and_escaping_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let app = root.join("app");
        std::fs::create_dir_all(app.join("vendor/github.com/grafana/jsonnet-libs/ksonnet-util"))
            .unwrap();
        std::os::unix::fs::symlink("/usr", app.join("vendor/outside")).unwrap();
        std::fs::write(
            app.join(JSONNETFILE),
            r#"{"version": 1, "dependencies": [
                {"source": {"git": {"remote": "https://github.com/grafana/jsonnet-libs.git", "subdir": "ksonnet-util"}}, "version": "master"},
                {"source": {"git": {"remote": "https://github.com/jsonnet-libs/k8s-libsonnet.git", "subdir": "1.30"}}, "version": "main"},
                {"source": {"local": {"directory": "../lib/outside"}}, "version": ""}
            ]}"#,
        )
        .unwrap();
        let report = check(&root, &app);
        assert_eq!(report.present, 1);
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        assert!(report.problems[0]
            .starts_with("app/vendor/github.com/jsonnet-libs/k8s-libsonnet/1.30 is missing"));
        assert!(report.problems[1].contains("outside the repository"));
        assert_eq!(check(&root, &root), Report::default());
    }
}
