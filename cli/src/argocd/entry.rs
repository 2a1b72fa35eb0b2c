//! Which file of the application is evaluated.
//!
//! In order: the `entry` parameter, else `ARGOCD_ENV_KCFG_ENTRY` (the
//! Application's `plugin.env` entry `KCFG_ENTRY`), else `main.kcfg`, else a
//! render plan (`render.kcfg`), else a directory that Argo CD's built-in
//! Jsonnet would render (issue 16): its `main.jsonnet`, or its only
//! `*.jsonnet` file. A named entry called `render.kcfg` is a plan too.
//! `discover` uses the same rules, so an application the plugin claims is
//! one `generate` can render.
//!
//! The built-in renders every `*.jsonnet` (and `*.yaml`, `*.json`) file of
//! the directory and joins their objects; kcfg renders one entry. A
//! directory with several `*.jsonnet` files and no `main.jsonnet` is
//! therefore not claimed: the error names the files and says to pick one
//! with `entry` (left unclaimed, Argo CD keeps rendering it with the
//! built-in).

use std::path::{Component, Path, PathBuf};

use super::env::{Environment, Location};
use super::parameters;
use kcfg_render::PLAN_FILE;

/// The default entry file.
pub const MAIN_FILE: &str = "main.kcfg";

/// The variable naming another entry (Argo CD prefixes `plugin.env`).
pub const ENTRY_VAR: &str = "ARGOCD_ENV_KCFG_ENTRY";

/// What to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A program whose value holds the objects.
    File(PathBuf),
    /// The directory of a render plan: every target's objects.
    Plan(PathBuf),
}

impl Entry {
    /// The file that is evaluated first.
    pub fn path(&self) -> PathBuf {
        match self {
            Entry::File(path) => path.clone(),
            Entry::Plan(dir) => dir.join(PLAN_FILE),
        }
    }

    /// The entry relative to the application's directory, for messages.
    pub fn shown(&self, location: &Location) -> String {
        let path = self.path();
        path.strip_prefix(&location.app_dir)
            .unwrap_or(&path)
            .display()
            .to_string()
    }
}

/// Finds the entry; the error says what was looked for.
pub fn find(location: &Location, env: &Environment) -> Result<Entry, String> {
    let named = match parameters::entry_parameter(env)? {
        Some(path) if !path.trim().is_empty() => Some((path, "the `entry` parameter")),
        _ => env
            .get(ENTRY_VAR)
            .filter(|path| !path.trim().is_empty())
            .map(|path| (path.to_string(), ENTRY_VAR)),
    };
    if let Some((path, source)) = named {
        let relative = Path::new(path.trim());
        let climbs = relative.is_absolute()
            || relative
                .components()
                .any(|component| matches!(component, Component::ParentDir));
        if climbs {
            return Err(format!(
                "{source} names {path:?}: an entry is a path inside the application's directory, without '..'"
            ));
        }
        let file = location.app_dir.join(relative);
        if !file.is_file() {
            return Err(format!(
                "{source} names {path:?}, but {} is not a file",
                file.display()
            ));
        }
        return Ok(if file.file_name().is_some_and(|name| name == PLAN_FILE) {
            Entry::Plan(file.parent().unwrap_or(&location.app_dir).to_path_buf())
        } else {
            Entry::File(file)
        });
    }
    let main = location.app_dir.join(MAIN_FILE);
    if main.is_file() {
        return Ok(Entry::File(main));
    }
    if location.app_dir.join(PLAN_FILE).is_file() {
        return Ok(Entry::Plan(location.app_dir.clone()));
    }
    let jsonnet = jsonnet_files(&location.app_dir);
    if jsonnet.iter().any(|name| name == MAIN_JSONNET) {
        return Ok(Entry::File(location.app_dir.join(MAIN_JSONNET)));
    }
    match jsonnet.as_slice() {
        [] => Err(format!(
            "not a kcfg application: {} has no {MAIN_FILE}, no {PLAN_FILE} and no *.jsonnet file (name another file with the `entry` parameter or the plugin env KCFG_ENTRY)",
            location.app_dir.display()
        )),
        [only] => Ok(Entry::File(location.app_dir.join(only))),
        several => {
            let mut shown: Vec<&str> = several.iter().take(5).map(String::as_str).collect();
            if several.len() > shown.len() {
                shown.push("…");
            }
            Err(format!(
                "not claimed: {} has {} *.jsonnet files ({}) and no {MAIN_FILE}, {PLAN_FILE} or {MAIN_JSONNET}; Argo CD's built-in Jsonnet renders them all, kcfg renders one entry: name it with the `entry` parameter or the plugin env KCFG_ENTRY",
                location.app_dir.display(),
                several.len(),
                shown.join(", ")
            ))
        }
    }
}

/// The entry kcfg picks among the `*.jsonnet` files of a directory.
pub const MAIN_JSONNET: &str = "main.jsonnet";

/// The names of the `*.jsonnet` files directly in `dir` (the ones Argo CD's
/// built-in Jsonnet renders without `recurse`), sorted.
fn jsonnet_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".jsonnet") && name.len() > ".jsonnet".len())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(files: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "{}").unwrap();
        }
        let location = Location {
            root: root.clone(),
            app_dir: root.clone(),
        };
        let env = Environment::from_pairs(env.iter().copied());
        find(&location, &env).map(|entry| match entry {
            Entry::File(path) => format!("file {}", path.strip_prefix(&root).unwrap().display()),
            Entry::Plan(dir) => format!("plan {}", dir.strip_prefix(&root).unwrap().display()),
        })
    }

    #[test]
    fn named_entries_come_first_then_main_then_a_plan() {
        let both = [
            "main.kcfg",
            "render.kcfg",
            "other.jsonnet",
            "deploy/render.kcfg",
        ];
        assert_eq!(check(&both, &[]).as_deref(), Ok("file main.kcfg"));
        assert_eq!(check(&["render.kcfg"], &[]).as_deref(), Ok("plan "));
        let named = [("ARGOCD_ENV_KCFG_ENTRY", "other.jsonnet")];
        assert_eq!(check(&both, &named).as_deref(), Ok("file other.jsonnet"));
        let parameter = [
            ("ARGOCD_ENV_KCFG_ENTRY", "other.jsonnet"),
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"entry","string":"deploy/render.kcfg"}]"#,
            ),
        ];
        assert_eq!(check(&both, &parameter).as_deref(), Ok("plan deploy"));
        assert_eq!(
            check(&both, &[("PARAM_ENTRY", "other.jsonnet")]).as_deref(),
            Ok("file other.jsonnet")
        );
    }

    #[test]
    fn issue16_directories_of_the_built_in_jsonnet_are_claimed() {
        assert_eq!(
            check(&["app.jsonnet", "lib.libsonnet"], &[]).as_deref(),
            Ok("file app.jsonnet")
        );
        assert_eq!(
            check(&["a.jsonnet", "main.jsonnet", "z.jsonnet"], &[]).as_deref(),
            Ok("file main.jsonnet")
        );
        // kcfg's own files come first.
        assert_eq!(
            check(&["main.jsonnet", "render.kcfg"], &[]).as_deref(),
            Ok("plan ")
        );
        let err = check(&["a.jsonnet", "b.jsonnet"], &[]).unwrap_err();
        assert!(
            err.contains("has 2 *.jsonnet files (a.jsonnet, b.jsonnet)")
                && err.contains("kcfg renders one entry")
                && err.contains("`entry` parameter"),
            "{err}"
        );
        // A directory named like an entry is not one.
        assert!(check(&["x.jsonnet/inner.libsonnet"], &[]).is_err());
    }

    #[test]
    fn missing_and_escaping_entries_are_explained() {
        let err = check(&["app.libsonnet", "app.yaml"], &[]).unwrap_err();
        assert!(err.starts_with("not a kcfg application:"), "{err}");
        let err = check(&[], &[("ARGOCD_ENV_KCFG_ENTRY", "nope.kcfg")]).unwrap_err();
        assert!(err.contains("is not a file"), "{err}");
        let err = check(&[], &[("ARGOCD_ENV_KCFG_ENTRY", "../x.kcfg")]).unwrap_err();
        assert!(err.contains("without '..'"), "{err}");
    }
}
