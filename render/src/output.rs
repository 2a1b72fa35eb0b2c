//! Output: where a target's objects go: layouts, file names, target names.
//!
//! **Layout.** Every target owns the directory `OUT/<target name>/`. With
//! the `files` layout each object is one file there, named by a template
//! (`{kind}-{name}.yaml` by default, see [`FileName`]); with `single-file`
//! the target's objects form one `manifest.yaml` (a YAML stream) or
//! `manifest.json` (a `v1/List`), in walk order; with `hydrator` the
//! target's directory is laid out as Argo CD's source hydrator writes it:
//! `manifest.yaml`, `hydrator.metadata` and `README.md`.
//!
//! Writing targets to disk, and what kcfg owns there, is
//! [`crate::outdir`]'s job.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::objects::ObjectId;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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

impl Output {
    /// Every object of a target in one YAML stream, `manifest.yaml`
    /// (`---` before each document), whatever the plan's options say: what
    /// the Argo CD plugin prints.
    pub fn yaml_stream() -> Output {
        Output {
            format: Format::Yaml,
            layout: Layout::SingleFile,
            file_name: FileName::default_for(Format::Yaml),
        }
    }
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
    /// `{kind}-{name}.<extension>`, the template when none is given.
    pub fn default_for(format: Format) -> FileName {
        FileName {
            parts: vec![
                Part::Kind,
                Part::Text("-".into()),
                Part::Name,
                Part::Text(format!(".{}", format.extension())),
            ],
            has_namespace: false,
        }
    }

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
    match target_name_problem(name) {
        None => Ok(()),
        Some(why) => Err(format!("target name {name:?}: {why}")),
    }
}

/// What is wrong with a target name, if anything. The grammar is also what
/// the output directory's marker may list (`super::outdir`), so it rules
/// out everything that could reach outside a directory or that the marker
/// could not hold on a line of its own: a name is a relative, normalized
/// path of components that are not empty, `.` or `..`, do not start with
/// `.` (kcfg's own files and temporary directories do), and hold no `\`,
/// NUL or other control character; it does not start with `#` (a comment
/// in the marker).
pub fn target_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("a target name may not be empty");
    }
    if name.starts_with('/') {
        return Some("an absolute path is not a target name");
    }
    if name.starts_with('#') {
        return Some("a target name may not start with `#`");
    }
    if name.contains(|c: char| c == '\\' || c.is_control()) {
        return Some("`\\`, NUL and other control characters are not allowed");
    }
    for component in name.split('/') {
        if component.is_empty() || component == "." || component == ".." {
            return Some("empty, `.` and `..` path components are not allowed");
        }
        if component.starts_with('.') {
            return Some("a component may not start with `.`");
        }
    }
    None
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

// ----- a target's files -----------------------------------------------------

/// A target's files: path relative to the target's directory → content.
pub type Files = BTreeMap<String, Vec<u8>>;

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
    fn the_default_template_is_the_one_resolve_uses() {
        for format in [Format::Yaml, Format::Json] {
            let resolved = OutputOptions {
                format: Some(format),
                ..OutputOptions::default()
            }
            .resolve()
            .unwrap();
            assert_eq!(resolved.file_name, FileName::default_for(format));
        }
    }

    #[test]
    fn target_names() {
        assert!(check_target_name("edge-eu-001/web").is_ok());
        for bad in [
            "", "/a", "/", "a/", "a//b", "../a", "a/./b", ".git", "a/.b", "#a", "a\nb", "a\\b",
            "a\0b", "a\tb",
        ] {
            assert!(check_target_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_target_name("a/#b c").is_ok());
        assert!(check_nesting(["a/b", "a/c", "ab"]).is_ok());
        assert_eq!(
            check_nesting(["a", "a/b/c"]),
            Err("target \"a/b/c\" would be written inside the directory of target \"a\"".into())
        );
    }
}
