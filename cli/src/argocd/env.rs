//! Argo CD's environment: what the CMP server tells a plugin command, and
//! where the application is.
//!
//! The repo server builds the environment (`reposerver/repository/
//! repository.go`: `newEnv`, `getPluginEnvs`, `getPluginParamEnvs`), and the
//! CMP server passes it to the command on top of the sidecar's own
//! environment, dropping variables whose value is empty
//! (`cmpserver/plugin/plugin.go`, `environ`):
//!
//! | variable | what |
//! |---|---|
//! | `ARGOCD_APP_NAME`, `ARGOCD_APP_NAMESPACE`, `ARGOCD_APP_PROJECT_NAME` | the Application |
//! | `ARGOCD_APP_REVISION`, `ARGOCD_APP_REVISION_SHORT` (7), `ARGOCD_APP_REVISION_SHORT_8` | the resolved commit |
//! | `ARGOCD_APP_SOURCE_REPO_URL`, `ARGOCD_APP_SOURCE_PATH`, `ARGOCD_APP_SOURCE_TARGET_REVISION` | the source |
//! | `KUBE_VERSION`, `KUBE_API_VERSIONS` (comma-joined) | the destination cluster |
//! | `ARGOCD_ENV_<NAME>` | the Application's `spec.source.plugin.env`, prefixed |
//! | `ARGOCD_APP_PARAMETERS`, `PARAM_*` | the Application's plugin parameters ([`super::parameters`]) |
//!
//! Not every Argo CD version sets every variable (read from `newEnv` at
//! each release tag of argoproj/argo-cd):
//!
//! | variable | set since |
//! |---|---|
//! | `ARGOCD_APP_NAME`, `_NAMESPACE`, `_REVISION`, `_SOURCE_*`, `KUBE_*` | 2.x (every version with CMP v2) |
//! | `ARGOCD_APP_REVISION_SHORT` | 2.9 |
//! | `ARGOCD_APP_REVISION_SHORT_8` | 2.14 |
//! | `ARGOCD_APP_PROJECT_NAME` | 3.0 |
//!
//! So that an application renders the same on every version, kcfg derives
//! the two short revisions from `ARGOCD_APP_REVISION` when they are absent
//! (its first 7 and 8 characters, as `shortenRevision` cuts them), for
//! `std.extVar('argocd')` and for `$VAR` substitution alike
//! ([`Environment::build_var`]). The project's name cannot be derived: it
//! is empty before 3.0. The `parameters` command gets fewer still (Argo CD
//! sets only the name, revision and source variables for it), which does
//! not matter because it does not evaluate the entry.
//!
//! kcfg maps the first three rows into one external variable,
//! `std.extVar('argocd')` ([`Environment::argocd_object`]), and each
//! `ARGOCD_ENV_<NAME>` into the external variable `<NAME>` (a string) and
//! into `argocd.env`.
//!
//! The command runs in the application's source directory. The repository
//! root is the directory from which `ARGOCD_APP_SOURCE_PATH` leads there
//! without leaving it ([`locate`] explains why this is not simply the
//! working directory minus the source path).

use std::collections::{BTreeMap, VecDeque};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use serde_json::{json, Map, Value as Json};

/// The prefix Argo CD gives the Application's own variables.
pub const USER_ENV_PREFIX: &str = "ARGOCD_ENV_";

/// The build-environment variables of Argo CD's `newEnv`: the ones its
/// built-in Jsonnet support substitutes into `tlas` and `extVars` values.
pub const BUILD_ENV: &[&str] = &[
    "ARGOCD_APP_NAME",
    "ARGOCD_APP_NAMESPACE",
    "ARGOCD_APP_PROJECT_NAME",
    "ARGOCD_APP_REVISION",
    "ARGOCD_APP_REVISION_SHORT",
    "ARGOCD_APP_REVISION_SHORT_8",
    "ARGOCD_APP_SOURCE_REPO_URL",
    "ARGOCD_APP_SOURCE_PATH",
    "ARGOCD_APP_SOURCE_TARGET_REVISION",
];

/// A snapshot of the process environment (UTF-8 variables only).
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
}

impl Environment {
    /// The environment of this process.
    pub fn from_process() -> Environment {
        Environment {
            vars: std::env::vars_os()
                .filter_map(|(name, value)| {
                    Some((name.into_string().ok()?, value.into_string().ok()?))
                })
                .collect(),
        }
    }

    /// An environment made of these variables (for tests).
    #[cfg(test)]
    pub fn from_pairs<'p>(pairs: impl IntoIterator<Item = (&'p str, &'p str)>) -> Environment {
        Environment {
            vars: pairs
                .into_iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        }
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// A variable's value, empty when unset (as Argo CD leaves it).
    fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// The variables whose names start with `prefix`, in name order.
    pub fn with_prefix<'e>(&'e self, prefix: &'e str) -> impl Iterator<Item = (&'e str, &'e str)> {
        self.vars
            .range(prefix.to_string()..)
            .take_while(move |(name, _)| name.starts_with(prefix))
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The Application's own variables, without the `ARGOCD_ENV_` prefix.
    pub fn user_env(&self) -> Vec<(&str, &str)> {
        self.with_prefix(USER_ENV_PREFIX)
            .map(|(name, value)| (&name[USER_ENV_PREFIX.len()..], value))
            .filter(|(name, _)| !name.is_empty())
            .collect()
    }

    /// A build-environment variable as Argo CD 3.0 sets it: the short
    /// revisions are derived from `ARGOCD_APP_REVISION` when the Argo CD
    /// version did not set them (before 2.9 and 2.14); empty when unknown.
    pub fn build_var(&self, name: &str) -> String {
        let derived = match name {
            "ARGOCD_APP_REVISION_SHORT" => 7,
            "ARGOCD_APP_REVISION_SHORT_8" => 8,
            _ => return self.text(name).to_string(),
        };
        match self.get(name) {
            Some(value) if !value.is_empty() => value.to_string(),
            _ => self
                .text("ARGOCD_APP_REVISION")
                .chars()
                .take(derived)
                .collect(),
        }
    }

    /// The value of `std.extVar('argocd')`.
    pub fn argocd_object(&self) -> Json {
        let api_versions: Vec<&str> = self
            .text("KUBE_API_VERSIONS")
            .split(',')
            .map(str::trim)
            .filter(|version| !version.is_empty())
            .collect();
        let env: Map<String, Json> = self
            .user_env()
            .into_iter()
            .map(|(name, value)| (name.to_string(), Json::String(value.to_string())))
            .collect();
        json!({
            "name": self.text("ARGOCD_APP_NAME"),
            "namespace": self.text("ARGOCD_APP_NAMESPACE"),
            "project": self.text("ARGOCD_APP_PROJECT_NAME"),
            "revision": self.text("ARGOCD_APP_REVISION"),
            "revisionShort": self.build_var("ARGOCD_APP_REVISION_SHORT"),
            "revisionShort8": self.build_var("ARGOCD_APP_REVISION_SHORT_8"),
            "sourceRepoURL": self.text("ARGOCD_APP_SOURCE_REPO_URL"),
            "sourcePath": self.text("ARGOCD_APP_SOURCE_PATH"),
            "sourceTargetRevision": self.text("ARGOCD_APP_SOURCE_TARGET_REVISION"),
            "kubeVersion": self.text("KUBE_VERSION"),
            "kubeApiVersions": api_versions,
            "env": env,
        })
    }

    /// Substitutes `$NAME` and `${NAME}` with the build-environment
    /// variables ([`BUILD_ENV`]), as Argo CD's built-in Jsonnet support does
    /// with `tlas` and `extVars` values (`Env.Envsubst`, Go's `os.Expand`):
    /// unknown names become empty, `$$` is `$`. Only the build variables
    /// are visible, never the sidecar's own environment.
    pub fn envsubst(&self, text: &str) -> String {
        expand(text, |name| {
            if name == "$" {
                return "$".to_string();
            }
            if BUILD_ENV.contains(&name) {
                self.build_var(name)
            } else {
                String::new()
            }
        })
    }
}

/// Go's `os.Expand`: `${name}`, `$name` (letters, digits, `_`) and the
/// one-character shell names (`$1`, `$$`, …); a `$` followed by anything
/// else is kept, and a malformed `${` is dropped.
fn expand(text: &str, mapping: impl Fn(&str) -> String) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'$' && index + 1 < bytes.len() {
            out.push_str(&text[copied..index]);
            let (name, width) = shell_name(&text[index + 1..]);
            if name.is_empty() {
                if width == 0 {
                    out.push('$');
                }
            } else {
                out.push_str(&mapping(name));
            }
            index += width + 1;
            copied = index;
        } else {
            index += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn is_special(byte: u8) -> bool {
    matches!(
        byte,
        b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-' | b'0'..=b'9'
    )
}

/// The name after a `$` and how many bytes it takes (Go's `getShellName`).
fn shell_name(rest: &str) -> (&str, usize) {
    let bytes = rest.as_bytes();
    if bytes[0] == b'{' {
        if bytes.len() > 2 && is_special(bytes[1]) && bytes[2] == b'}' {
            return (&rest[1..2], 3);
        }
        return match rest[1..].find('}') {
            Some(0) => ("", 2),
            Some(end) => (&rest[1..end + 1], end + 2),
            None => ("", 1),
        };
    }
    if is_special(bytes[0]) {
        return (&rest[..1], 1);
    }
    let end = bytes
        .iter()
        .position(|byte| !(byte.is_ascii_alphanumeric() || *byte == b'_'))
        .unwrap_or(bytes.len());
    (&rest[..end], end)
}

/// Where an application is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The repository root (canonical).
    pub root: PathBuf,
    /// The application's source directory (canonical), inside `root`.
    pub app_dir: PathBuf,
}

/// How many symbolic links one source path may pass through, as Linux's
/// `MAXSYMLINKS` (the kernel's `ELOOP` limit for one path).
const MAX_LINKS: usize = 40;

/// Finds the repository root and the application's directory from the
/// working directory and `ARGOCD_APP_SOURCE_PATH` (issue 13).
///
/// # How Argo CD places a plugin command
///
/// The repo server checks the Application's `source.path` (`util/app/path`
/// `Path`: not absolute, not outside the checkout once joined and cleaned
/// as text, a directory) and sends the CMP server a tarball of the whole
/// checkout with the application's path relative to it (`util/cmp`
/// `SendRepoStream`, `AppRelPath`); by default it refuses checkouts with
/// symbolic links that are absolute or lead out of them
/// (`CheckOutOfBoundsSymlinks`). The CMP server unpacks the tarball into a
/// fresh directory, `<work dir>/<random>`, which is the repository root,
/// and runs the command with `cmd.Dir = Clean(Join(root, AppRelPath))`
/// (`cmpserver/plugin/plugin.go`). `ARGOCD_APP_SOURCE_PATH` is the
/// Application's `source.path` as written.
///
/// So the *logical* application directory is `root/<source path>`, but
/// the process only learns the *physical* one: the kernel resolves the
/// symbolic links of that path when it changes directory, and `getcwd`
/// returns the result. `PWD` does not help: Go sets it for a child only
/// when `Cmd.Env` is nil (go.dev/issue/50599), and the CMP server passes
/// its own environment, so `PWD` is the sidecar's. Taking the physical
/// directory minus the source path's components, as kcfg once did, puts
/// the root too high when the source path passes through a link: with
/// `repo -> .` in a checkout that happens to be called `repo` and the
/// source path `repo/apps/web`, the physical directory is
/// `…/repo/apps/web` and the root came out as the checkout's parent,
/// letting `importstr '../../../secret.txt'` read beside the checkout.
///
/// # What kcfg does
///
/// The source path must be relative and free of `..` (Argo CD cleans `..`
/// as text while the kernel resolves it through links, so such a path can
/// name two directories; it is refused rather than guessed). The root is
/// then the *nearest* directory above (or at) the working directory from
/// which the source path, resolved component by component with its
/// symbolic links, arrives at the working directory without ever leaving
/// that directory ([`walk`]). Nearest, because every candidate is an
/// ancestor of the working directory: choosing the nearest can only make
/// the confinement narrower, never wider, and Argo CD's real root is
/// always a candidate when the checkout's links stay inside it. A path
/// that only works by leaving the root through a link, or that does not
/// lead to the working directory at all, is an error, and nothing is
/// read.
///
/// Older Argo CD versions ran discovery in the repository root: when the
/// working directory is not at the end of the source path but the source
/// path leads from it to a directory inside it, that is taken as the
/// layout. Without a source path (or with `.`) the working directory is
/// both the root and the application.
///
/// The one layout no rule can tell from the truth is a source path whose
/// leading components repeat the names of the directories above the
/// checkout (a checkout in `/x/repo` run with the source path
/// `repo/apps/web`): it looks exactly like a checkout in `/x`. Argo CD
/// never produces it, since its root is a random directory and the
/// working directory is always the root joined with the source path.
pub fn locate(cwd: &Path, source_path: Option<&str>) -> Result<Location, String> {
    let cwd = cwd
        .canonicalize()
        .map_err(|err| format!("cannot open the working directory {}: {err}", cwd.display()))?;
    let source_text = source_path.unwrap_or("");
    let source = source_components(source_text)?;
    if source.is_empty() {
        return Ok(Location {
            root: cwd.clone(),
            app_dir: cwd,
        });
    }
    let mut escape = None;
    for candidate in cwd.ancestors() {
        match walk(candidate, &source) {
            Ok(end) if end == cwd => {
                return Ok(Location {
                    root: candidate.to_path_buf(),
                    app_dir: cwd,
                })
            }
            Ok(_) | Err(Walk::Missing) => {}
            Err(Walk::Leaves(reason)) => {
                escape.get_or_insert(reason);
            }
        }
    }
    match walk(&cwd, &source) {
        Ok(app_dir) if app_dir.is_dir() => return Ok(Location { root: cwd, app_dir }),
        Ok(_) | Err(Walk::Missing) => {}
        Err(Walk::Leaves(reason)) => {
            escape.get_or_insert(reason);
        }
    }
    let mut message = format!(
        "the working directory {} is not the application's source path {source_text:?} (ARGOCD_APP_SOURCE_PATH) inside a repository: from no directory above it does that path lead there without leaving that directory. Argo CD runs plugin commands in <repository>/<source path>; a source path that does not match the working directory, or that passes through a symbolic link out of the repository, is refused",
        cwd.display()
    );
    if let Some(reason) = escape {
        message.push_str(&format!(" ({reason})"));
    }
    Err(message)
}

/// Why a source path did not lead anywhere from a directory.
#[derive(Debug, PartialEq, Eq)]
enum Walk {
    /// A component does not exist or is not a directory.
    Missing,
    /// The path leaves the directory (the reason names the link or `..`).
    Leaves(String),
}

/// Resolves the components `path` from the canonical directory `base` as
/// the kernel would, one component at a time, following symbolic links
/// by hand so that every step can be checked to stay inside `base`:
/// an absolute link, or a `..` at `base` (from a link's target), leaves
/// it. Returns the canonical directory reached.
fn walk(base: &Path, path: &[String]) -> Result<PathBuf, Walk> {
    let mut at = base.to_path_buf();
    let mut pending: VecDeque<OsString> = path.iter().map(OsString::from).collect();
    let mut links = 0;
    // The link whose target is being resolved, for the message.
    let mut link = PathBuf::new();
    while let Some(name) = pending.pop_front() {
        if name == "." {
            continue;
        }
        if name == ".." {
            // The source path has no `..`: this one comes from a link.
            if at == base {
                return Err(Walk::Leaves(format!(
                    "{} is a symbolic link that leads above {}",
                    link.display(),
                    base.display()
                )));
            }
            at.pop();
            continue;
        }
        let next = at.join(&name);
        let meta = std::fs::symlink_metadata(&next).map_err(|_| Walk::Missing)?;
        if meta.is_symlink() {
            links += 1;
            let target = std::fs::read_link(&next).map_err(|_| Walk::Missing)?;
            if links > MAX_LINKS {
                return Err(Walk::Missing);
            }
            if target.is_absolute() {
                return Err(Walk::Leaves(format!(
                    "{} is a symbolic link to the absolute path {}",
                    next.display(),
                    target.display()
                )));
            }
            for component in target.components().rev() {
                pending.push_front(component.as_os_str().to_os_string());
            }
            link = next;
            continue;
        }
        if !meta.is_dir() {
            return Err(Walk::Missing);
        }
        at = next;
    }
    Ok(at)
}

/// The components of a source path: `apps/web`, `./apps/web/`; `.` and the
/// empty path have none. `..` and absolute paths are errors.
fn source_components(path: &str) -> Result<Vec<String>, String> {
    let mut components = Vec::new();
    for component in Path::new(path.trim()).components() {
        match component {
            Component::CurDir => {}
            Component::Normal(name) => components.push(name.to_string_lossy().into_owned()),
            Component::ParentDir => {
                return Err(format!(
                    "ARGOCD_APP_SOURCE_PATH {path:?} has a '..' component; the plugin takes source paths inside the repository written without '..' (Argo CD cleans it as text, the file system resolves it through links, and the two can differ)"
                ))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "ARGOCD_APP_SOURCE_PATH {path:?} is absolute; a source path is relative to the repository root"
                ))
            }
        }
    }
    Ok(components)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envsubst_matches_go_os_expand() {
        let env = Environment::from_pairs([
            ("ARGOCD_APP_NAME", "web"),
            ("ARGOCD_APP_REVISION_SHORT", "abc1234"),
            ("HOME", "/home/argocd"),
        ]);
        let cases = [
            ("$ARGOCD_APP_NAME", "web"),
            ("${ARGOCD_APP_NAME}-x", "web-x"),
            ("tag-$ARGOCD_APP_REVISION_SHORT.", "tag-abc1234."),
            ("$$ARGOCD_APP_NAME", "$ARGOCD_APP_NAME"),
            ("$HOME", ""),
            ("${nothing}", ""),
            ("a $ b", "a $ b"),
            ("end$", "end$"),
            ("{a: $.b}", "{a: $.b}"),
            ("${}x", "x"),
            ("${unclosed", "unclosed"),
            ("$1", ""),
            ("é$ARGOCD_APP_NAMEé", "éwebé"),
        ];
        for (input, expected) in cases {
            assert_eq!(env.envsubst(input), expected, "{input}");
        }
    }

    #[test]
    fn the_argocd_object_maps_the_build_environment() {
        let env = Environment::from_pairs([
            ("ARGOCD_APP_NAME", "web"),
            ("ARGOCD_APP_NAMESPACE", "argocd"),
            ("KUBE_API_VERSIONS", "v1,apps/v1, batch/v1"),
            ("ARGOCD_ENV_REGION", "eu"),
            ("ARGOCD_ENV_", "ignored"),
            ("UNRELATED", "x"),
        ]);
        let object = env.argocd_object();
        assert_eq!(object["name"], "web");
        assert_eq!(object["revision"], "");
        assert_eq!(
            object["kubeApiVersions"],
            json!(["v1", "apps/v1", "batch/v1"])
        );
        assert_eq!(object["env"], json!({"REGION": "eu"}));
        assert_eq!(env.user_env(), vec![("REGION", "eu")]);
    }

    #[test]
    fn issue16_short_revisions_are_derived_on_older_argo_cd() {
        let revision = "6c3e9b1d2a7f4e8c9b0a1d2e3f4a5b6c7d8e9f0a";
        // Argo CD 2.13: no REVISION_SHORT_8, no PROJECT_NAME.
        let v2_13 = Environment::from_pairs([
            ("ARGOCD_APP_REVISION", revision),
            ("ARGOCD_APP_REVISION_SHORT", "6c3e9b1"),
        ]);
        // Argo CD 2.8: no REVISION_SHORT either.
        let v2_8 = Environment::from_pairs([("ARGOCD_APP_REVISION", revision)]);
        for env in [&v2_13, &v2_8] {
            let object = env.argocd_object();
            assert_eq!(object["revisionShort"], "6c3e9b1");
            assert_eq!(object["revisionShort8"], "6c3e9b1d");
            assert_eq!(object["project"], "");
            assert_eq!(
                env.envsubst("$ARGOCD_APP_REVISION_SHORT/${ARGOCD_APP_REVISION_SHORT_8}"),
                "6c3e9b1/6c3e9b1d"
            );
        }
        // What Argo CD sets wins; a revision shorter than 8 stays whole.
        let set = Environment::from_pairs([
            ("ARGOCD_APP_REVISION", "v1.2"),
            ("ARGOCD_APP_REVISION_SHORT_8", "given"),
        ]);
        assert_eq!(set.build_var("ARGOCD_APP_REVISION_SHORT_8"), "given");
        assert_eq!(set.build_var("ARGOCD_APP_REVISION_SHORT"), "v1.2");
        assert_eq!(
            Environment::default().build_var("ARGOCD_APP_REVISION_SHORT"),
            ""
        );
    }

    #[test]
    fn the_root_is_where_the_source_path_leads_from() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let app = root.join("apps/web");
        std::fs::create_dir_all(&app).unwrap();
        let expected = Location {
            root: root.clone(),
            app_dir: app.clone(),
        };
        assert_eq!(locate(&app, Some("apps/web")), Ok(expected.clone()));
        assert_eq!(locate(&app, Some("./apps/web/")), Ok(expected.clone()));
        // Discovery in older Argo CD versions runs in the root.
        assert_eq!(locate(&root, Some("apps/web")), Ok(expected));
        let same = Location {
            root: app.clone(),
            app_dir: app.clone(),
        };
        assert_eq!(locate(&app, None), Ok(same.clone()));
        assert_eq!(locate(&app, Some(".")), Ok(same));
        assert!(locate(&app, Some("apps/api")).is_err());
        assert!(locate(&app, Some("../web")).is_err());
        assert!(locate(&app, Some("/apps/web")).is_err());
    }
    /// A checkout called `repo` in a temporary directory, with
    /// `apps/web` and a secret beside the checkout.
    struct Checkout {
        _dir: tempfile::TempDir,
        outer: PathBuf,
        root: PathBuf,
    }

    fn checkout() -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        let outer = dir.path().canonicalize().unwrap();
        let root = outer.join("repo");
        std::fs::create_dir_all(root.join("apps/web")).unwrap();
        std::fs::write(outer.join("secret.txt"), "password").unwrap();
        Checkout {
            _dir: dir,
            outer,
            root,
        }
    }

    #[test]
    fn issue13_a_link_to_the_root_does_not_lift_the_root() {
        let repo = checkout();
        std::os::unix::fs::symlink(".", repo.root.join("repo")).unwrap();
        // Argo CD runs the command in <root>/repo/apps/web; the kernel
        // resolves it to <root>/apps/web, whose path ends with the source
        // path one level too high.
        let logical = repo.root.join("repo/apps/web");
        let location = locate(&logical, Some("repo/apps/web")).unwrap();
        assert_eq!(location.root, repo.root);
        assert_eq!(location.app_dir, repo.root.join("apps/web"));
        assert_ne!(location.root, repo.outer);
    }

    #[test]
    fn issue13_links_inside_the_repository_are_followed() {
        let repo = checkout();
        std::fs::create_dir_all(repo.root.join("shared/web")).unwrap();
        std::os::unix::fs::symlink("../shared/web", repo.root.join("apps/link")).unwrap();
        let location = locate(&repo.root.join("apps/link"), Some("apps/link")).unwrap();
        assert_eq!(location.root, repo.root);
        assert_eq!(location.app_dir, repo.root.join("shared/web"));
    }

    #[test]
    fn issue13_inconsistent_source_paths_are_refused() {
        let repo = checkout();
        let app = repo.root.join("apps/web");
        std::fs::create_dir_all(repo.root.join("apps/api")).unwrap();
        for source in ["apps/api", "other/apps/web", "apps", "web/apps/web"] {
            let err = locate(&app, Some(source)).unwrap_err();
            assert!(
                err.contains("is not the application's source path"),
                "{source}: {err}"
            );
            assert!(err.contains(&format!("{source:?}")), "{source}: {err}");
        }
    }

    #[test]
    fn issue13_absolute_and_parent_source_paths_are_refused() {
        let repo = checkout();
        let app = repo.root.join("apps/web");
        for source in ["/apps/web", "/"] {
            let err = locate(&app, Some(source)).unwrap_err();
            assert!(err.contains("is absolute"), "{source}: {err}");
        }
        for source in ["../repo/apps/web", "apps/../apps/web", "apps/web/..", ".."] {
            let err = locate(&app, Some(source)).unwrap_err();
            assert!(err.contains("'..'"), "{source}: {err}");
        }
    }

    #[test]
    fn issue13_source_paths_through_links_out_of_the_root_are_refused() {
        let repo = checkout();
        let outside = repo.outer.join("outside/web");
        std::fs::create_dir_all(&outside).unwrap();
        // An absolute link and a relative one, both to a directory beside
        // the checkout: the working directory is then outside it.
        std::os::unix::fs::symlink(repo.outer.join("outside"), repo.root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../outside", repo.root.join("rel")).unwrap();
        for source in ["abs/web", "rel/web"] {
            let err = locate(&repo.root.join(source), Some(source)).unwrap_err();
            assert!(
                err.contains("is not the application's source path"),
                "{source}: {err}"
            );
        }
        // A link that leaves the root and comes back into it.
        std::os::unix::fs::symlink("..", repo.root.join("up")).unwrap();
        let err = locate(
            &repo.root.join("up/repo/apps/web"),
            Some("up/repo/apps/web"),
        )
        .unwrap_err();
        assert!(err.contains("leads above"), "{err}");
        // The same, with the link's target absolute.
        std::os::unix::fs::symlink(&repo.outer, repo.root.join("abs-up")).unwrap();
        let err = locate(
            &repo.root.join("abs-up/repo/apps/web"),
            Some("abs-up/repo/apps/web"),
        )
        .unwrap_err();
        assert!(err.contains("absolute path"), "{err}");
    }

    #[test]
    fn issue13_discovery_in_the_root_stays_below_it() {
        let repo = checkout();
        std::os::unix::fs::symlink("..", repo.root.join("up")).unwrap();
        // From the root, a source path that leaves it is no application.
        assert!(locate(&repo.root, Some("up/secret.txt")).is_err());
        assert!(locate(&repo.root, Some("up/repo/apps/web")).is_err());
    }
}
