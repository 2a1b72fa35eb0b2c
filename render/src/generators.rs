//! Generators: the parts of a plan that produce parameter sets, in the
//! style of Argo CD ApplicationSet generators.
//!
//! `kcfg/render.libsonnet` describes generators as data
//! (`{generator: 'clusters', file: …}`); this module reads that data and
//! expands it. Expansion does the IO the language may not do (reading
//! inventory files, listing directories) and works on plain JSON, so a
//! parameter set is a JSON object. Every generator yields its sets in a
//! deterministic order.

use std::collections::BTreeSet;
use std::path::Path;

use crate::importer::{PlanFiles, Tree};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use super::json::{deep_merge, lookup, type_name};
use super::outdir::MARKER;

/// One parameter set.
pub type Params = Map<String, Json>;

/// A generator, as `kcfg/render.libsonnet` describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "generator", rename_all = "camelCase", deny_unknown_fields)]
pub enum Generator {
    /// `kcfg.list(elements)`.
    List {
        /// The parameter sets.
        elements: Vec<Json>,
    },
    /// `kcfg.clusters(file, selector, as)`.
    Clusters {
        /// The inventory file, relative to the plan's directory.
        file: String,
        /// Fields (dotted paths) a cluster must have, with these values.
        #[serde(default)]
        selector: Map<String, Json>,
        /// The parameter the cluster is given as.
        #[serde(default = "default_as", rename = "as")]
        as_name: String,
    },
    /// `kcfg.directories(glob, entry, exclude)`.
    Directories {
        /// Which directories, relative to the plan's directory.
        glob: String,
        /// The file a directory must hold.
        #[serde(default = "default_entry")]
        entry: String,
        /// Directories to leave out.
        #[serde(default)]
        exclude: Vec<String>,
    },
    /// `kcfg.matrix(generators)`.
    Matrix {
        /// The generators to combine.
        generators: Vec<Generator>,
    },
    /// `kcfg.merge(base, others, mergeKeys)`.
    Merge {
        /// The generator whose sets are kept.
        base: Box<Generator>,
        /// Generators whose sets are merged into matching base sets.
        others: Vec<Generator>,
        /// The keys that must match.
        #[serde(rename = "mergeKeys", default = "default_merge_keys")]
        merge_keys: Vec<String>,
    },
}

fn default_as() -> String {
    "cluster".into()
}

fn default_entry() -> String {
    "main.kcfg".into()
}

fn default_merge_keys() -> Vec<String> {
    vec!["name".into()]
}

impl Generator {
    /// Reads a generator from its JSON description.
    pub fn from_json(data: &Json) -> Result<Generator, String> {
        if let Some(kind) = data.get("generator").and_then(Json::as_str) {
            Generator::deserialize(data).map_err(|err| {
                format!(
                    "{kind} generator: {}",
                    crate::suggest::unknown_field(err.to_string())
                )
            })
        } else {
            Err(format!(
                "expected a generator (kcfg.list, kcfg.clusters, kcfg.directories, kcfg.matrix or kcfg.merge), got {}",
                describe(data)
            ))
        }
    }

    /// The generator's parameter sets. Paths are relative to `plan_dir`;
    /// inventory files are read through `files` (the plan's importer, so
    /// the Argo CD plugin's confinement covers them too).
    ///
    /// Each generator that made no parameter set, so that no target comes
    /// from it (a glob that matched no directory, a selector that matched
    /// no cluster, an empty list), is noted in `empty`, by where it is in
    /// the plan (`at`) and what it looked for: `kcfg render` refuses to
    /// remove targets when one did (issue 13: a typo in a glob removed a
    /// fleet). A merge's `others` only add to the base's sets, so they are
    /// not noted.
    pub fn expand_noting(
        &self,
        plan_dir: &Path,
        files: &PlanFiles<'_>,
        at: &str,
        empty: &mut Vec<String>,
    ) -> Result<Vec<Params>, String> {
        let sets = match self {
            Generator::List { elements } => elements
                .iter()
                .enumerate()
                .map(|(index, element)| match element {
                    Json::Object(fields) => Ok(fields.clone()),
                    other => Err(format!(
                        "list generator: element {index} is {}, not an object",
                        describe(other)
                    )),
                })
                .collect::<Result<_, _>>()?,
            Generator::Clusters {
                file,
                selector,
                as_name,
            } => clusters(plan_dir, files, file, selector, as_name)?,
            Generator::Directories {
                glob,
                entry,
                exclude,
            } => directories(plan_dir, files.tree, glob, entry, exclude)?,
            Generator::Matrix { generators } => matrix(plan_dir, files, generators, at, empty)?,
            Generator::Merge {
                base,
                others,
                merge_keys,
            } => merge(plan_dir, files, base, others, merge_keys, at, empty)?,
        };
        if sets.is_empty() {
            match self {
                Generator::List { .. } => {
                    empty.push(format!("{at}: kcfg.list([]) has no elements"))
                }
                Generator::Clusters { file, selector, .. } if selector.is_empty() => {
                    empty.push(format!("{at}: kcfg.clusters({file:?}) found no cluster"))
                }
                Generator::Clusters { file, selector, .. } => empty.push(format!(
                    "{at}: kcfg.clusters({file:?}, selector={}) matched no cluster",
                    Json::Object(selector.clone())
                )),
                Generator::Directories { glob, entry, .. } => empty.push(format!(
                    "{at}: kcfg.directories({glob:?}) matched no directory holding {entry}"
                )),
                // Empty because a part of it is, and that part is noted.
                Generator::Matrix { .. } | Generator::Merge { .. } => {}
            }
        }
        Ok(sets)
    }
}

fn describe(data: &Json) -> String {
    match data {
        Json::Object(_) | Json::Array(_) => format!("an {}", type_name(data)),
        other => format!("{} {}", type_name(other), other),
    }
}

// ----- clusters ------------------------------------------------------------

fn clusters(
    plan_dir: &Path,
    files: &PlanFiles<'_>,
    file: &str,
    selector: &Map<String, Json>,
    as_name: &str,
) -> Result<Vec<Params>, String> {
    let path = plan_dir.join(file);
    let text = files
        .importer
        .read(&path)
        .and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
        })
        .map_err(|err| format!("clusters generator: cannot read {}: {err}", path.display()))?;
    let data = parse_inventory(&path, &text)
        .map_err(|err| format!("clusters generator: {}: {err}", path.display()))?;
    let entries: Vec<Json> = match data {
        Json::Array(items) => items,
        Json::Object(mut fields) => match fields.remove("clusters") {
            Some(Json::Array(items)) => items,
            Some(other) => {
                return Err(format!(
                    "clusters generator: {}: `clusters` is {}, expected a list",
                    path.display(),
                    describe(&other)
                ))
            }
            // An object keyed by cluster name.
            None => fields
                .into_iter()
                .map(|(name, mut entry)| {
                    if let Json::Object(fields) = &mut entry {
                        fields.entry("name").or_insert(Json::String(name));
                    }
                    entry
                })
                .collect(),
        },
        other => {
            return Err(format!(
                "clusters generator: {}: expected a list of clusters, got {}",
                path.display(),
                describe(&other)
            ))
        }
    };
    let mut sets = Vec::with_capacity(entries.len());
    let mut seen = BTreeSet::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let Some(name) = entry.get("name").and_then(Json::as_str) else {
            return Err(format!(
                "clusters generator: {}: cluster {index} has no string `name`",
                path.display()
            ));
        };
        if !seen.insert(name.to_string()) {
            return Err(format!(
                "clusters generator: {}: two clusters are named {name:?}",
                path.display()
            ));
        }
        let selected = selector
            .iter()
            .all(|(key, wanted)| lookup(&entry, key) == Some(wanted));
        if selected {
            let mut params = Params::new();
            params.insert(as_name.to_string(), entry);
            sets.push(params);
        }
    }
    Ok(sets)
}

/// An inventory file: JSON when its name ends in `.json`, YAML otherwise.
fn parse_inventory(path: &Path, text: &str) -> Result<Json, String> {
    if path.extension().is_some_and(|ext| ext == "json") {
        serde_json::from_str(text).map_err(|err| err.to_string())
    } else {
        serde_norway::from_str(text).map_err(|err| err.to_string())
    }
}

// ----- directories -----------------------------------------------------------

fn glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern.trim_end_matches('/'))
        .literal_separator(true)
        .build()
        .map_err(|err| format!("directories generator: bad glob {pattern:?}: {err}"))
}

fn directories(
    plan_dir: &Path,
    tree: &dyn Tree,
    pattern: &str,
    entry: &str,
    exclude: &[String],
) -> Result<Vec<Params>, String> {
    let matcher = glob(pattern)?.compile_matcher();
    let mut excluded = GlobSetBuilder::new();
    for pattern in exclude {
        excluded.add(glob(pattern)?);
    }
    let excluded: GlobSet = excluded
        .build()
        .map_err(|err| format!("directories generator: {err}"))?;
    // Without `**`, a match is exactly as deep as the pattern.
    let max_depth = if pattern.contains("**") {
        usize::MAX
    } else {
        pattern.trim_end_matches('/').split('/').count()
    };
    let mut found = Vec::new();
    walk(tree, plan_dir, "", 0, max_depth, &mut |relative, dir| {
        if matcher.is_match(relative)
            && !excluded.is_match(relative)
            && tree.is_file(&dir.join(entry))
        {
            found.push(relative.to_string());
        }
    })
    .map_err(|err| format!("directories generator: {err}"))?;
    found.sort();
    Ok(found
        .into_iter()
        .map(|path| {
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            let mut params = Params::new();
            params.insert("path".into(), Json::String(path));
            params.insert("name".into(), Json::String(name));
            params.insert("entry".into(), Json::String(entry.to_string()));
            params
        })
        .collect())
}

/// Visits the directories below `dir` (not following symbolic links, not
/// entering hidden directories or kcfg output directories), with their
/// paths relative to the starting point, `/`-separated.
fn walk(
    tree: &dyn Tree,
    dir: &Path,
    relative: &str,
    depth: usize,
    max_depth: usize,
    visit: &mut dyn FnMut(&str, &Path),
) -> Result<(), String> {
    if depth >= max_depth {
        return Ok(());
    }
    let mut children: Vec<String> = tree
        .subdirectories(dir)
        .map_err(|err| format!("cannot list {}: {err}", dir.display()))?
        .into_iter()
        .filter(|name| !name.starts_with('.'))
        .collect();
    children.sort();
    for name in children {
        let path = dir.join(&name);
        if tree.exists(&path.join(MARKER)) {
            continue;
        }
        let child = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        visit(&child, &path);
        walk(tree, &path, &child, depth + 1, max_depth, visit)?;
    }
    Ok(())
}

// ----- matrix and merge ------------------------------------------------------

fn matrix(
    plan_dir: &Path,
    files: &PlanFiles<'_>,
    generators: &[Generator],
    at: &str,
    empty: &mut Vec<String>,
) -> Result<Vec<Params>, String> {
    if generators.is_empty() {
        return Err("matrix generator: no generators to combine".into());
    }
    let mut product = vec![Params::new()];
    for (index, generator) in generators.iter().enumerate() {
        let sets = generator.expand_noting(
            plan_dir,
            files,
            &format!("{at}.generators[{index}]"),
            empty,
        )?;
        let mut next = Vec::with_capacity(product.len() * sets.len());
        for left in &product {
            for right in &sets {
                let mut combined = left.clone();
                for (key, value) in right {
                    match combined.get(key) {
                        Some(existing) if existing != value => {
                            return Err(format!(
                                "matrix generator: two generators set `{key}` differently ({existing} and {value})"
                            ));
                        }
                        _ => {
                            combined.insert(key.clone(), value.clone());
                        }
                    }
                }
                next.push(combined);
            }
        }
        product = next;
    }
    Ok(product)
}

fn merge(
    plan_dir: &Path,
    files: &PlanFiles<'_>,
    base: &Generator,
    others: &[Generator],
    merge_keys: &[String],
    at: &str,
    empty: &mut Vec<String>,
) -> Result<Vec<Params>, String> {
    if merge_keys.is_empty() {
        return Err("merge generator: mergeKeys is empty".into());
    }
    let mut sets: Vec<Json> = base
        .expand_noting(plan_dir, files, &format!("{at}.base"), empty)?
        .into_iter()
        .map(Json::Object)
        .collect();
    let key_of = |set: &Json| -> Option<Vec<Json>> {
        merge_keys
            .iter()
            .map(|key| lookup(set, key).cloned())
            .collect()
    };
    for (index, other) in others.iter().enumerate() {
        let overlays: Vec<(Vec<Json>, Json)> = other
            .expand_noting(
                plan_dir,
                files,
                &format!("{at}.others[{index}]"),
                &mut Vec::new(),
            )?
            .into_iter()
            .filter_map(|set| {
                let set = Json::Object(set);
                key_of(&set).map(|key| (key, set))
            })
            .collect();
        for set in &mut sets {
            let Some(key) = key_of(set) else { continue };
            for (overlay_key, overlay) in &overlays {
                if *overlay_key == key {
                    deep_merge(set, overlay);
                }
            }
        }
    }
    Ok(sets
        .into_iter()
        .filter_map(|set| match set {
            Json::Object(fields) => Some(fields),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expand(dir: &Path, generator: Json) -> Result<Json, String> {
        let generator = Generator::from_json(&generator)?;
        let importer = crate::importer::FsImporter::new(&[], &[]);
        let files = PlanFiles::on_disk(&importer);
        let sets = generator.expand_noting(dir, &files, "generators[0]", &mut Vec::new())?;
        Ok(Json::Array(sets.into_iter().map(Json::Object).collect()))
    }

    fn touch(dir: &Path, path: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "{}").unwrap();
    }

    #[test]
    fn list_passes_objects_through() {
        let dir = tempfile::tempdir().unwrap();
        let sets = expand(
            dir.path(),
            json!({"generator": "list", "elements": [{"a": 1}, {"a": 2}]}),
        );
        assert_eq!(sets, Ok(json!([{"a": 1}, {"a": 2}])));
        let err = expand(
            dir.path(),
            json!({"generator": "list", "elements": [{"a": 1}, 3]}),
        );
        assert_eq!(
            err,
            Err("list generator: element 1 is number 3, not an object".into())
        );
    }

    #[test]
    fn unknown_generators_and_fields_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = expand(dir.path(), json!({"generator": "lists", "elements": []})).unwrap_err();
        assert!(
            err.starts_with("lists generator: unknown variant `lists`"),
            "{err}"
        );
        let err = expand(
            dir.path(),
            json!({"generator": "list", "elements": [], "extra": 1}),
        )
        .unwrap_err();
        assert!(err.contains("unknown field `extra`"), "{err}");
        let err = expand(dir.path(), json!(["not a generator"])).unwrap_err();
        assert!(err.starts_with("expected a generator"), "{err}");
    }

    #[test]
    fn clusters_from_yaml_lists_objects_and_maps() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("list.yaml"),
            "- name: a\n  region: eu\n  labels: {tier: edge}\n- name: b\n  region: us\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("wrapped.json"),
            r#"{"clusters": [{"name": "c", "region": "eu"}]}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("map.yaml"), "x: {region: ap}\ny: {}\n").unwrap();
        let all = expand(
            dir.path(),
            json!({"generator": "clusters", "file": "list.yaml"}),
        );
        assert_eq!(
            all,
            Ok(json!([
                {"cluster": {"name": "a", "region": "eu", "labels": {"tier": "edge"}}},
                {"cluster": {"name": "b", "region": "us"}}
            ]))
        );
        let selected = expand(
            dir.path(),
            json!({"generator": "clusters", "file": "list.yaml", "selector": {"labels.tier": "edge"}, "as": "c"}),
        );
        assert_eq!(
            selected,
            Ok(json!([{"c": {"name": "a", "region": "eu", "labels": {"tier": "edge"}}}]))
        );
        let wrapped = expand(
            dir.path(),
            json!({"generator": "clusters", "file": "wrapped.json"}),
        );
        assert_eq!(
            wrapped,
            Ok(json!([{"cluster": {"name": "c", "region": "eu"}}]))
        );
        let map = expand(
            dir.path(),
            json!({"generator": "clusters", "file": "map.yaml"}),
        );
        assert_eq!(
            map,
            Ok(json!([{"cluster": {"region": "ap", "name": "x"}}, {"cluster": {"name": "y"}}]))
        );
    }

    #[test]
    fn clusters_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dup.yaml"), "- name: a\n- name: a\n").unwrap();
        std::fs::write(dir.path().join("anon.yaml"), "- region: eu\n").unwrap();
        let err = expand(
            dir.path(),
            json!({"generator": "clusters", "file": "dup.yaml"}),
        )
        .unwrap_err();
        assert!(
            err.ends_with("dup.yaml: two clusters are named \"a\""),
            "{err}"
        );
        let err = expand(
            dir.path(),
            json!({"generator": "clusters", "file": "anon.yaml"}),
        )
        .unwrap_err();
        assert!(
            err.ends_with("anon.yaml: cluster 0 has no string `name`"),
            "{err}"
        );
        let err = expand(
            dir.path(),
            json!({"generator": "clusters", "file": "missing.yaml"}),
        )
        .unwrap_err();
        assert!(err.starts_with("clusters generator: cannot read"), "{err}");
    }

    #[test]
    fn directories_match_the_glob_and_need_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "apps/web/main.kcfg");
        touch(dir.path(), "apps/api/main.kcfg");
        touch(dir.path(), "apps/legacy-db/main.kcfg");
        touch(dir.path(), "apps/docs/README.md");
        touch(dir.path(), "apps/web/nested/main.kcfg");
        touch(dir.path(), "apps/.hidden/main.kcfg");
        touch(dir.path(), "other/x/main.kcfg");
        let sets = expand(
            dir.path(),
            json!({"generator": "directories", "glob": "apps/*", "exclude": ["apps/legacy-*"]}),
        );
        assert_eq!(
            sets,
            Ok(json!([
                {"path": "apps/api", "name": "api", "entry": "main.kcfg"},
                {"path": "apps/web", "name": "web", "entry": "main.kcfg"}
            ]))
        );
        let deep = expand(
            dir.path(),
            json!({"generator": "directories", "glob": "**/web*"}),
        );
        assert_eq!(
            deep,
            Ok(json!([{"path": "apps/web", "name": "web", "entry": "main.kcfg"}]))
        );
        let all = expand(
            dir.path(),
            json!({"generator": "directories", "glob": "**", "entry": "main.kcfg"}),
        )
        .unwrap();
        let paths: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|set| set["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                "apps/api",
                "apps/legacy-db",
                "apps/web",
                "apps/web/nested",
                "other/x"
            ]
        );
    }

    #[test]
    fn directories_skip_render_output() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "rendered/x/main.kcfg");
        touch(dir.path(), &format!("rendered/{MARKER}"));
        touch(dir.path(), "apps/x/main.kcfg");
        let sets = expand(
            dir.path(),
            json!({"generator": "directories", "glob": "**/x"}),
        );
        assert_eq!(
            sets,
            Ok(json!([{"path": "apps/x", "name": "x", "entry": "main.kcfg"}]))
        );
    }

    #[test]
    fn matrix_is_a_cartesian_product() {
        let dir = tempfile::tempdir().unwrap();
        let sets = expand(
            dir.path(),
            json!({"generator": "matrix", "generators": [
                {"generator": "list", "elements": [{"c": 1}, {"c": 2}]},
                {"generator": "list", "elements": [{"a": "x", "shared": 0}, {"a": "y"}]},
            ]}),
        );
        assert_eq!(
            sets,
            Ok(json!([
                {"c": 1, "a": "x", "shared": 0},
                {"c": 1, "a": "y"},
                {"c": 2, "a": "x", "shared": 0},
                {"c": 2, "a": "y"}
            ]))
        );
        let err = expand(
            dir.path(),
            json!({"generator": "matrix", "generators": [
                {"generator": "list", "elements": [{"a": 1}]},
                {"generator": "list", "elements": [{"a": 2}]},
            ]}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "matrix generator: two generators set `a` differently (1 and 2)"
        );
    }

    #[test]
    fn merge_overrides_matching_base_sets() {
        let dir = tempfile::tempdir().unwrap();
        let sets = expand(
            dir.path(),
            json!({"generator": "merge", "mergeKeys": ["cluster.name"],
            "base": {"generator": "list", "elements": [
                {"cluster": {"name": "a", "replicas": 1, "region": "eu"}},
                {"cluster": {"name": "b", "replicas": 1}}
            ]},
            "others": [
                {"generator": "list", "elements": [
                    {"cluster": {"name": "a", "replicas": 5}},
                    {"cluster": {"name": "zzz", "replicas": 9}}
                ]},
                {"generator": "list", "elements": [{"cluster": {"name": "a"}, "canary": true}]}
            ]}),
        );
        assert_eq!(
            sets,
            Ok(json!([
                {"cluster": {"name": "a", "replicas": 5, "region": "eu"}, "canary": true},
                {"cluster": {"name": "b", "replicas": 1}}
            ]))
        );
    }

    #[test]
    fn issue13_generators_that_make_nothing_are_noted() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "apps/web/main.kcfg");
        std::fs::write(
            dir.path().join("clusters.yaml"),
            "- name: a\n  region: eu\n",
        )
        .unwrap();
        let noted = |generator: Json| {
            let generator = Generator::from_json(&generator).unwrap();
            let importer = crate::importer::FsImporter::new(&[], &[]);
            let mut empty = Vec::new();
            generator
                .expand_noting(
                    dir.path(),
                    &PlanFiles::on_disk(&importer),
                    "generators[0]",
                    &mut empty,
                )
                .unwrap();
            empty
        };
        assert_eq!(
            noted(json!({"generator": "matrix", "generators": [
                {"generator": "clusters", "file": "clusters.yaml"},
                {"generator": "directories", "glob": "app/*"},
            ]})),
            ["generators[0].generators[1]: kcfg.directories(\"app/*\") matched no directory holding main.kcfg"]
        );
        assert_eq!(
            noted(json!({"generator": "clusters", "file": "clusters.yaml", "selector": {"region": "us"}})),
            ["generators[0]: kcfg.clusters(\"clusters.yaml\", selector={\"region\":\"us\"}) matched no cluster"]
        );
        assert_eq!(
            noted(json!({"generator": "merge",
                "base": {"generator": "list", "elements": []},
                "others": [{"generator": "list", "elements": []}]})),
            ["generators[0].base: kcfg.list([]) has no elements"]
        );
        assert!(noted(json!({"generator": "directories", "glob": "apps/*"})).is_empty());
    }
}
