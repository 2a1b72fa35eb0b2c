//! Output: where a target's objects go, and writing them safely.
//!
//! **Layout.** Every target owns the directory `OUT/<target name>/`. With
//! the `files` layout each object is one file there, named by a template
//! (`{kind}-{name}.yaml` by default, see [`FileName`]); with `single-file`
//! the target's objects form one `manifest.yaml` (a YAML stream) or
//! `manifest.json` (a `v1/List`), in walk order; with `hydrator` the
//! target's directory is laid out as Argo CD's source hydrator writes it:
//! `manifest.yaml`, `hydrator.metadata` and `README.md`.
//!
//! **Writing.** A target's files are computed in memory, then compared with
//! what is on disk: an identical target is not touched (mtimes included).
//! Otherwise the files are written into a fresh directory beside the
//! target's (`.NAME.kcfg-new-…`; unchanged files are hard-linked from the old
//! one), the old directory is renamed aside, the new one renamed into place
//! and the old one deleted, so files of the previous
//! render that are no longer produced disappear, and a reader never sees a
//! half-written target. A target that fails is never written: its previous
//! output stays as it was.
//!
//! **Ownership.** `OUT/.kcfg-rendered` lists the targets kcfg wrote there.
//! kcfg refuses to write into a non-empty directory without it (so a typo
//! in `--out` cannot wipe a directory it did not create), and removes the
//! directories of listed targets that are no longer in the plan.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;

use super::objects::ObjectId;

/// The marker file in an output directory.
pub const MARKER: &str = ".kcfg-rendered";

const MARKER_HEADER: &str =
    "# Written by `kcfg render`: the targets rendered into this directory. Do not edit.\n";

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// YAML, as kubectl prints it.
    Yaml,
    /// JSON, as `kcfg eval` prints it.
    Json,
}

impl Format {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// How a target's objects are laid out in its directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// One file per object.
    Files,
    /// One `manifest.yaml` (or `.json`) with every object.
    SingleFile,
    /// Argo CD's source-hydrator layout: `manifest.yaml`, `hydrator.metadata`, `README.md`.
    Hydrator,
}

/// Output options as a plan, a target or the command line gives them; unset
/// fields fall back to the next level.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OutputOptions {
    /// `yaml` or `json`.
    pub format: Option<Format>,
    /// `files`, `single-file` or `hydrator`.
    pub layout: Option<Layout>,
    /// The file name template of the `files` layout.
    pub file_name: Option<String>,
}

impl OutputOptions {
    /// These options, with unset fields taken from `below`.
    pub fn over(&self, below: &OutputOptions) -> OutputOptions {
        OutputOptions {
            format: self.format.or(below.format),
            layout: self.layout.or(below.layout),
            file_name: self.file_name.clone().or_else(|| below.file_name.clone()),
        }
    }

    /// The options with every default applied.
    pub fn resolve(&self) -> Result<Output, String> {
        let format = self.format.unwrap_or(Format::Yaml);
        let layout = self.layout.unwrap_or(Layout::Files);
        if layout == Layout::Hydrator && format == Format::Json {
            return Err(
                "the hydrator layout writes YAML (manifest.yaml, as Argo CD's source hydrator \
                 does); it cannot be combined with the json format"
                    .into(),
            );
        }
        let template = match &self.file_name {
            Some(template) => template.clone(),
            None => format!("{{kind}}-{{name}}.{}", format.extension()),
        };
        Ok(Output {
            format,
            layout,
            file_name: FileName::parse(&template)?,
        })
    }
}

/// Resolved output options of one target.
#[derive(Debug, Clone)]
pub struct Output {
    /// The format.
    pub format: Format,
    /// The layout.
    pub layout: Layout,
    /// The file name template (`files` layout).
    pub file_name: FileName,
}

// ----- file names ----------------------------------------------------------

/// A file name template: text with `{placeholder}`s.
///
/// | placeholder | value |
/// |---|---|
/// | `{kind}` | the kind, lower case (`deployment`) |
/// | `{Kind}` | the kind as written (`Deployment`) |
/// | `{name}` | `metadata.name` |
/// | `{namespace}` | `metadata.namespace`, `_cluster` when unset |
/// | `{apiVersion}` | `apps_v1` (the `/` becomes `_`) |
/// | `{group}` | the API group, `core` for `v1` |
/// | `{version}` | the version (`v1`) |
///
/// `/` in the template separates directories. In values, characters other
/// than ASCII letters, digits, `.`, `-` and `_` become `_`, so a value never
/// adds a directory or a character some file systems refuse.
///
/// When the template has no `{namespace}`, an object whose namespace is set
/// and is not the target's `namespace` gets its namespace and `_` in front
/// of its path: `OUT/target/kube-system_configmap-x.yaml`. `_` cannot occur
/// in Kubernetes names or namespaces, so this never collides with another
/// object's file. The layout stays flat on purpose: `kcfg apply` and
/// `kcfg hydrate` (kcfg-apply's `load`) take every directory that holds
/// manifests for a target of its own, so a namespace subdirectory would
/// split one target into two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    parts: Vec<Part>,
    has_namespace: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Kind,
    KindAsWritten,
    Name,
    Namespace,
    ApiVersion,
    Group,
    Version,
}

impl FileName {
    /// Parses and checks a template.
    pub fn parse(template: &str) -> Result<FileName, String> {
        let bad = |why: &str| format!("file name template {template:?}: {why}");
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(bad("a `{` is not closed"));
            };
            let part = match &rest[open + 1..open + close] {
                "kind" => Part::Kind,
                "Kind" => Part::KindAsWritten,
                "name" => Part::Name,
                "namespace" => Part::Namespace,
                "apiVersion" => Part::ApiVersion,
                "group" => Part::Group,
                "version" => Part::Version,
                other => {
                    return Err(bad(&format!(
                        "unknown placeholder {{{other}}} (known: {{kind}}, {{Kind}}, {{name}}, {{namespace}}, {{apiVersion}}, {{group}}, {{version}})"
                    )))
                }
            };
            parts.push(part);
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(bad("a `}` has no `{`"));
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        if !parts.contains(&Part::Name) {
            return Err(bad("it must contain {name}"));
        }
        if template.starts_with('/') || template.ends_with('/') || template.contains('\\') {
            return Err(bad("it must be a relative path to a file"));
        }
        for component in template.split('/') {
            if component.is_empty() || component == "." || component == ".." {
                return Err(bad("empty, `.` and `..` path components are not allowed"));
            }
            if component.starts_with('.') {
                return Err(bad("file and directory names may not start with `.`"));
            }
        }
        let has_namespace = parts.contains(&Part::Namespace);
        Ok(FileName {
            parts,
            has_namespace,
        })
    }

    /// The file for an object, relative to the target's directory.
    pub fn render(&self, id: &ObjectId, default_namespace: Option<&str>) -> String {
        let mut out = String::new();
        if !self.has_namespace {
            if let Some(namespace) = &id.namespace {
                if Some(namespace.as_str()) != default_namespace {
                    push_value(&mut out, namespace);
                    out.push('_');
                }
            }
        }
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Kind => push_value(&mut out, &id.kind.to_lowercase()),
                Part::KindAsWritten => push_value(&mut out, &id.kind),
                Part::Name => push_value(&mut out, &id.name),
                Part::Namespace => {
                    push_value(&mut out, id.namespace.as_deref().unwrap_or("_cluster"))
                }
                Part::ApiVersion => push_value(&mut out, &id.api_version),
                Part::Group => push_value(
                    &mut out,
                    if id.group().is_empty() {
                        "core"
                    } else {
                        id.group()
                    },
                ),
                Part::Version => push_value(&mut out, id.version()),
            }
        }
        out
    }
}

fn push_value(out: &mut String, value: &str) {
    // A value that would make a hidden file or `.`/`..` gets a `_` first.
    if value.is_empty() || value.starts_with('.') {
        out.push('_');
    }
    out.extend(value.chars().map(|c| {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
            c
        } else {
            '_'
        }
    }));
}

// ----- target names ----------------------------------------------------------

/// Checks a target name: a relative path of plain components.
pub fn check_target_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a target name may not be empty".into());
    }
    for component in name.split('/') {
        if component.is_empty() || component == "." || component == ".." {
            return Err(format!(
                "target name {name:?}: empty, `.` and `..` path components are not allowed"
            ));
        }
        if component.starts_with('.') {
            return Err(format!(
                "target name {name:?}: a component may not start with `.`"
            ));
        }
        if component.contains(['\\', '\0']) {
            return Err(format!(
                "target name {name:?}: `\\` and NUL are not allowed"
            ));
        }
    }
    Ok(())
}

/// Checks that no target's directory lies inside another's.
pub fn check_nesting<'n>(names: impl IntoIterator<Item = &'n str>) -> Result<(), String> {
    let names: BTreeSet<&str> = names.into_iter().collect();
    for name in &names {
        let mut prefix = *name;
        while let Some((parent, _)) = prefix.rsplit_once('/') {
            if names.contains(parent) {
                return Err(format!(
                    "target {name:?} would be written inside the directory of target {parent:?}"
                ));
            }
            prefix = parent;
        }
    }
    Ok(())
}

// ----- reading and writing targets -------------------------------------------

/// A target's files: path relative to the target's directory → content.
pub type Files = BTreeMap<String, Vec<u8>>;

/// The files under `dir`, or `None` if it does not exist.
pub fn read_tree(dir: &Path) -> std::io::Result<Option<Files>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut files = Files::new();
    read_into(dir, "", &mut files)?;
    Ok(Some(files))
}

fn read_into(dir: &Path, prefix: &str, files: &mut Files) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            read_into(&entry.path(), &relative, files)?;
        } else {
            files.insert(relative, std::fs::read(entry.path())?);
        }
    }
    Ok(())
}

/// What [`write_target`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The files on disk were already these.
    Unchanged,
    /// The target's directory was replaced.
    Replaced,
}

/// A counter making temporary names unique within the process.
static TEMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Writes a target's files into `dir`, replacing what was there, unless it
/// holds exactly these files already.
pub fn write_target(dir: &Path, files: &Files) -> std::io::Result<Written> {
    let old = read_tree(dir)?;
    if old.as_ref() == Some(files) {
        return Ok(Written::Unchanged);
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let base = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unique = format!(
        "{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let fresh = parent.join(format!(".{base}.kcfg-new-{unique}"));
    let result = fill(&fresh, files, dir, old.as_ref())
        .and_then(|()| swap_in(dir, &fresh, parent, &base, &unique));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&fresh);
    }
    result.map(|()| Written::Replaced)
}

/// Writes `files` into the new directory `fresh`. A file whose content is
/// unchanged from the old directory is hard-linked rather than written:
/// files are never modified in place, so sharing the inode is safe, and on
/// common file systems a link costs a tenth of creating a file, which is
/// what a fleet-wide change (one image tag in every target) is made of.
fn fill(fresh: &Path, files: &Files, old_dir: &Path, old: Option<&Files>) -> std::io::Result<()> {
    std::fs::create_dir(fresh)?;
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    for (relative, content) in files {
        let path = fresh.join(relative);
        if let Some(parent) = path.parent() {
            if parent != fresh && !made.contains(parent) {
                std::fs::create_dir_all(parent)?;
                made.insert(parent.to_path_buf());
            }
        }
        let same = old.and_then(|old| old.get(relative)) == Some(content);
        if same && std::fs::hard_link(old_dir.join(relative), &path).is_ok() {
            continue;
        }
        std::fs::write(path, content)?;
    }
    Ok(())
}

fn swap_in(
    dir: &Path,
    fresh: &Path,
    parent: &Path,
    base: &str,
    unique: &str,
) -> std::io::Result<()> {
    if dir.exists() {
        // `rename` cannot replace a non-empty directory, so the old one is
        // moved aside first; a crash between the two renames leaves it there
        // under a dot-name, and the next render of the target rewrites it.
        let old = parent.join(format!(".{base}.kcfg-old-{unique}"));
        std::fs::rename(dir, &old)?;
        if let Err(err) = std::fs::rename(fresh, dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(err);
        }
        std::fs::remove_dir_all(&old)
    } else {
        std::fs::rename(fresh, dir)
    }
}

/// An output directory and the targets its marker lists.
#[derive(Debug)]
pub struct OutDir {
    /// The directory.
    pub root: PathBuf,
    /// The targets listed in its marker (none if it has no marker yet).
    pub listed: BTreeSet<String>,
}

impl OutDir {
    /// Opens an output directory: a missing or empty one is fine, a
    /// non-empty one must have kcfg's marker.
    pub fn open(root: &Path) -> Result<OutDir, String> {
        let listed = match std::fs::read_to_string(root.join(MARKER)) {
            Ok(text) => text
                .lines()
                .filter(|line| !line.starts_with('#') && !line.is_empty())
                .map(str::to_string)
                .collect(),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let empty = match std::fs::read_dir(root) {
                    Ok(mut entries) => entries.next().is_none(),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => true,
                    Err(err) => return Err(format!("cannot read {}: {err}", root.display())),
                };
                if !empty {
                    return Err(format!(
                        "{} is not empty and was not written by kcfg render (it has no {MARKER}); \
                         refusing to write into it: choose another --out or empty it",
                        root.display()
                    ));
                }
                BTreeSet::new()
            }
            Err(err) => {
                return Err(format!(
                    "cannot read {}: {err}",
                    root.join(MARKER).display()
                ))
            }
        };
        Ok(OutDir {
            root: root.to_path_buf(),
            listed,
        })
    }

    /// The directory of a target.
    pub fn target_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Creates the directory and writes its marker first, so a render that
    /// is interrupted still leaves a directory kcfg recognises.
    pub fn prepare(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.root)?;
        if !self.root.join(MARKER).exists() {
            self.write_marker(&self.listed)?;
        }
        Ok(())
    }

    /// Rewrites the marker with `targets`.
    pub fn write_marker(&self, targets: &BTreeSet<String>) -> std::io::Result<()> {
        let mut text = String::from(MARKER_HEADER);
        for name in targets {
            text.push_str(name);
            text.push('\n');
        }
        let path = self.root.join(MARKER);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
            return Ok(());
        }
        let temp = self
            .root
            .join(format!("{MARKER}.{}.tmp", std::process::id()));
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, &path)
    }

    /// Deletes the directory of a target that is no longer in the plan, and
    /// its parents that become empty.
    pub fn remove_target(&self, name: &str) -> std::io::Result<()> {
        let dir = self.target_dir(name);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        let mut parent = dir.parent();
        while let Some(path) = parent {
            if path == self.root || !path.starts_with(&self.root) {
                break;
            }
            if std::fs::remove_dir(path).is_err() {
                break;
            }
            parent = path.parent();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectId {
        ObjectId {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: namespace.map(str::to_string),
            name: name.into(),
        }
    }

    #[test]
    fn file_names() {
        let default = FileName::parse("{kind}-{name}.yaml").unwrap();
        let deployment = id("apps/v1", "Deployment", Some("web"), "frontend");
        let role = id(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            None,
            "system:reader",
        );
        assert_eq!(
            default.render(&deployment, None),
            "web_deployment-frontend.yaml"
        );
        assert_eq!(
            default.render(&deployment, Some("web")),
            "deployment-frontend.yaml"
        );
        assert_eq!(
            default.render(&role, Some("web")),
            "clusterrole-system_reader.yaml"
        );
        let full = FileName::parse("{namespace}/{group}.{version}.{Kind}.{name}.json").unwrap();
        assert_eq!(
            full.render(&deployment, None),
            "web/apps.v1.Deployment.frontend.json"
        );
        assert_eq!(
            full.render(&role, None),
            "_cluster/rbac.authorization.k8s.io.v1.ClusterRole.system_reader.json"
        );
        let api = FileName::parse("{apiVersion}-{kind}-{name}").unwrap();
        assert_eq!(
            api.render(&id("v1", "ConfigMap", None, ".hidden"), None),
            "v1-configmap-_.hidden"
        );
    }

    #[test]
    fn bad_file_name_templates() {
        for (template, why) in [
            ("{kind}.yaml", "it must contain {name}"),
            ("{nam}.yaml", "unknown placeholder {nam}"),
            ("{name.yaml", "a `{` is not closed"),
            ("{name}}.yaml", "a `}` has no `{`"),
            ("/{name}.yaml", "it must be a relative path to a file"),
            ("../{name}.yaml", "empty, `.` and `..`"),
            ("a//{name}.yaml", "empty, `.` and `..`"),
            (".{name}.yaml", "may not start with `.`"),
        ] {
            let err = FileName::parse(template).unwrap_err();
            assert!(err.contains(why), "{template}: {err}");
        }
    }

    #[test]
    fn target_names() {
        assert!(check_target_name("edge-eu-001/web").is_ok());
        for bad in ["", "/a", "a/", "a//b", "../a", "a/./b", ".git", "a/.b"] {
            assert!(check_target_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_nesting(["a/b", "a/c", "ab"]).is_ok());
        assert_eq!(
            check_nesting(["a", "a/b/c"]),
            Err("target \"a/b/c\" would be written inside the directory of target \"a\"".into())
        );
    }

    #[test]
    fn writes_replace_and_leave_identical_targets_alone() {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("cluster/app");
        let mut files = Files::new();
        files.insert("a.yaml".into(), b"a: 1\n".to_vec());
        files.insert("ns/b.yaml".into(), b"b: 1\n".to_vec());
        assert_eq!(write_target(&dir, &files).unwrap(), Written::Replaced);
        assert_eq!(read_tree(&dir).unwrap(), Some(files.clone()));
        let modified = std::fs::metadata(dir.join("a.yaml"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(write_target(&dir, &files).unwrap(), Written::Unchanged);
        let again = std::fs::metadata(dir.join("a.yaml"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(modified, again);
        // A file no longer produced disappears, with its empty directory.
        files.remove("ns/b.yaml");
        files.insert("c.yaml".into(), b"c: 1\n".to_vec());
        assert_eq!(write_target(&dir, &files).unwrap(), Written::Replaced);
        assert_eq!(read_tree(&dir).unwrap(), Some(files));
        let leftovers: Vec<_> = std::fs::read_dir(out.path().join("cluster"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["app"]);
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_keep_their_inode_when_a_target_changes() {
        use std::os::unix::fs::MetadataExt;
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("t");
        let mut files = Files::new();
        files.insert("same.yaml".into(), b"same\n".to_vec());
        files.insert("changes.yaml".into(), b"v1\n".to_vec());
        write_target(&dir, &files).unwrap();
        let inode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().ino();
        let (same, changes) = (inode("same.yaml"), inode("changes.yaml"));
        files.insert("changes.yaml".into(), b"v2\n".to_vec());
        assert_eq!(write_target(&dir, &files).unwrap(), Written::Replaced);
        assert_eq!(inode("same.yaml"), same);
        assert_ne!(inode("changes.yaml"), changes);
        assert_eq!(read_tree(&dir).unwrap(), Some(files));
    }

    #[test]
    fn out_dir_ownership() {
        let out = tempfile::tempdir().unwrap();
        let root = out.path().join("rendered");
        let dir = OutDir::open(&root).unwrap();
        dir.prepare().unwrap();
        dir.write_marker(&["a/x".to_string(), "b".to_string()].into())
            .unwrap();
        std::fs::create_dir_all(root.join("a/x")).unwrap();
        std::fs::write(root.join("a/x/f.yaml"), "x").unwrap();
        let dir = OutDir::open(&root).unwrap();
        assert_eq!(
            dir.listed.iter().collect::<Vec<_>>(),
            ["a/x", "b"].iter().collect::<Vec<_>>()
        );
        dir.remove_target("a/x").unwrap();
        assert!(!root.join("a").exists());
        assert!(root.exists());

        let foreign = out.path().join("foreign");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
        let err = OutDir::open(&foreign).unwrap_err();
        assert!(err.contains("was not written by kcfg render"), "{err}");
    }
}
