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
//! kcfg maps the first three rows into one external variable,
//! `std.extVar('argocd')` ([`Environment::argocd_object`]), and each
//! `ARGOCD_ENV_<NAME>` into the external variable `<NAME>` (a string) and
//! into `argocd.env`.
//!
//! The command runs in the application's source directory. The repository
//! root is that directory minus `ARGOCD_APP_SOURCE_PATH` ([`locate`]).

use std::collections::BTreeMap;
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
            "revisionShort": self.text("ARGOCD_APP_REVISION_SHORT"),
            "revisionShort8": self.text("ARGOCD_APP_REVISION_SHORT_8"),
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
                self.text(name).to_string()
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

/// Finds the repository root and the application's directory from the
/// working directory and `ARGOCD_APP_SOURCE_PATH`.
///
/// Argo CD runs `init`, `generate` and the parameters command in the
/// application's directory, so the root is the working directory minus the
/// source path. Older versions ran discovery in the repository root; when
/// the working directory does not end with the source path but holds it,
/// that is taken as the layout instead. Without a source path (or with `.`)
/// the working directory is both.
pub fn locate(cwd: &Path, source_path: Option<&str>) -> Result<Location, String> {
    let cwd = cwd
        .canonicalize()
        .map_err(|err| format!("cannot open the working directory {}: {err}", cwd.display()))?;
    let source = source_components(source_path.unwrap_or(""))?;
    if source.is_empty() {
        return Ok(Location {
            root: cwd.clone(),
            app_dir: cwd,
        });
    }
    let ends_with_source = cwd.ends_with(source.iter().collect::<PathBuf>());
    if ends_with_source {
        let mut root = cwd.clone();
        for _ in &source {
            root.pop();
        }
        return Ok(Location { root, app_dir: cwd });
    }
    let below = cwd.join(source.iter().collect::<PathBuf>());
    if below.is_dir() {
        let app_dir = below
            .canonicalize()
            .map_err(|err| format!("cannot open {}: {err}", below.display()))?;
        if app_dir.starts_with(&cwd) {
            return Ok(Location { root: cwd, app_dir });
        }
    }
    Err(format!(
        "the working directory {} is not the application's source path {:?} (ARGOCD_APP_SOURCE_PATH) of a repository; Argo CD runs plugin commands there",
        cwd.display(),
        source_path.unwrap_or("")
    ))
}

/// The components of a source path: `apps/web`, `./apps/web/`; `.` and the
/// empty path have none. `..` and absolute paths are errors.
fn source_components(path: &str) -> Result<Vec<String>, String> {
    let mut components = Vec::new();
    for component in Path::new(path.trim()).components() {
        match component {
            Component::CurDir => {}
            Component::Normal(name) => components.push(name.to_string_lossy().into_owned()),
            _ => {
                return Err(format!(
                    "ARGOCD_APP_SOURCE_PATH {path:?} is not a path inside a repository"
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
    fn the_root_is_the_working_directory_minus_the_source_path() {
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
}
