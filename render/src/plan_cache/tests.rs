//! Unit tests of the plan cache: a kept plan is used exactly when every
//! answer holds, and is the plan an evaluation gives.

use std::fs;
use std::path::{Path, PathBuf};

use crate::importer::FileSystem;
use crate::{Renderer, Settings};

/// A plan with every kind of question: an import (resolved next to the
/// plan or in `lib/`), a file read by a generator, a directory listing and
/// an entry's test.
fn fleet(dir: &Path) {
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "render.kcfg",
        "local kcfg = import 'kcfg/render.libsonnet';\n\
         local naming = import 'naming.libsonnet';\n\
         function(suffix='')\n\
         kcfg.plan {\n\
           generators: [kcfg.matrix([kcfg.clusters('clusters.yaml'), kcfg.directories('apps/*')])],\n\
           template(params):: {\n\
             name: naming.name(params.cluster.name, params.name) + suffix,\n\
             entry: params.path + '/main.kcfg',\n\
             tlas: { cluster: params.cluster },\n\
           },\n\
         }\n",
    );
    write("lib/naming.libsonnet", "{ name(c, a):: c + '/' + a }\n");
    write(
        "clusters.yaml",
        "clusters:\n  - name: edge-1\n  - name: edge-2\n",
    );
    write("apps/web/main.kcfg", "function(cluster) {}\n");
    write("apps/db/main.kcfg", "function(cluster) {}\n");
}

/// A renderer whose library directory is the plan's `lib/`.
fn renderer(plan_dir: &Path) -> Renderer {
    let mut settings = Settings::new(FileSystem::default());
    settings.jpath = vec![plan_dir.join("lib")];
    Renderer::new(settings)
}

/// A temporary directory holding the plan of [`fleet`] in `plan/`, the
/// cache directory it uses (`cache/`, not made yet) and its renderer.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf, Renderer) {
    let dir = tempfile::tempdir().unwrap();
    let plan_dir = dir.path().join("plan");
    fleet(&plan_dir);
    let cache = dir.path().join("cache");
    let renderer = renderer(&plan_dir);
    (dir, plan_dir, cache, renderer)
}

fn names(renderer: &Renderer, dir: &Path, cache: &Path) -> Vec<String> {
    let plan = renderer.load_plan_cached(dir, &[], &[], cache).unwrap();
    plan.targets.into_iter().map(|t| t.name).collect()
}

/// The one entry in `cache`.
fn entry(cache: &Path) -> std::path::PathBuf {
    let entries: Vec<_> = fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].clone()
}

/// Edits the kept targets of the entry (its lines after the first).
fn edit_targets(cache: &Path, edit: impl Fn(&mut Vec<serde_json::Value>)) {
    let file = entry(cache);
    let text = fs::read_to_string(&file).unwrap();
    let (head, lines) = text.split_once('\n').unwrap();
    let mut targets: Vec<serde_json::Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(!targets.is_empty());
    edit(&mut targets);
    let mut text = format!("{head}\n");
    for target in targets {
        text.push_str(&serde_json::to_string(&target).unwrap());
        text.push('\n');
    }
    fs::write(&file, text).unwrap();
}

/// Renames every target in the kept entry, so that a load that uses it
/// shows.
fn mark(cache: &Path) {
    edit_targets(cache, |targets| {
        for target in targets {
            let name = target["name"].as_str().unwrap();
            target["name"] = format!("kept-{name}").into();
        }
    });
}

#[test]
fn issue18_a_kept_plan_is_the_evaluated_plan() {
    let (_dir, plan_dir, cache, renderer) = setup();
    let evaluated = renderer.load_plan(&plan_dir, &[], &[]).unwrap();
    let first = renderer
        .load_plan_cached(&plan_dir, &[], &[], &cache)
        .unwrap();
    let kept = renderer
        .load_plan_cached(&plan_dir, &[], &[], &cache)
        .unwrap();
    assert_eq!(format!("{evaluated:?}"), format!("{first:?}"));
    assert_eq!(format!("{evaluated:?}"), format!("{kept:?}"));
    assert_eq!(evaluated.targets.len(), 4);
    // What the parameter digests use, the same however the plan came.
    for (made, kept) in evaluated.targets.iter().zip(&kept.targets) {
        assert_eq!(made.info.digest(), kept.info.digest());
    }
}

#[test]
fn issue18_a_kept_plan_is_used_only_while_every_answer_holds() {
    let (_dir, plan_dir, cache, renderer) = setup();
    names(&renderer, &plan_dir, &cache);
    mark(&cache);
    assert!(
        names(&renderer, &plan_dir, &cache)
            .iter()
            .all(|n| n.starts_with("kept-")),
        "nothing changed: the kept plan is used"
    );

    // Each change below makes the kept (marked) plan unusable: the load
    // evaluates, so the names are real again, and keeps the new result.
    type Edit = Box<dyn Fn(&Path)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "a file a generator reads",
            Box::new(|p| {
                fs::write(p.join("clusters.yaml"), "clusters:\n  - name: edge-3\n").unwrap()
            }),
        ),
        (
            "an imported file",
            Box::new(|p| {
                fs::write(
                    p.join("lib/naming.libsonnet"),
                    "{ name(c, a):: a + '@' + c }\n",
                )
                .unwrap()
            }),
        ),
        (
            "a new directory a generator lists",
            Box::new(|p| {
                fs::create_dir_all(p.join("apps/cache")).unwrap();
                fs::write(p.join("apps/cache/main.kcfg"), "function(cluster) {}\n").unwrap();
            }),
        ),
        (
            "an entry file the generator tests",
            Box::new(|p| fs::remove_file(p.join("apps/db/main.kcfg")).unwrap()),
        ),
        (
            "a file that now shadows an import",
            Box::new(|p| {
                fs::write(p.join("naming.libsonnet"), "{ name(c, a):: a + '-' + c }\n").unwrap()
            }),
        ),
        (
            "the plan itself",
            Box::new(|p| {
                let text = fs::read_to_string(p.join("render.kcfg")).unwrap();
                fs::write(
                    p.join("render.kcfg"),
                    text.replace("+ suffix", "+ suffix + '-x'"),
                )
                .unwrap()
            }),
        ),
    ];
    for (what, edit) in edits {
        edit(&plan_dir);
        let now = names(&renderer, &plan_dir, &cache);
        let evaluated: Vec<String> = renderer
            .load_plan(&plan_dir, &[], &[])
            .unwrap()
            .targets
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(now, evaluated, "after a change to {what}");
        mark(&cache);
        assert!(
            names(&renderer, &plan_dir, &cache)
                .iter()
                .all(|n| n.starts_with("kept-")),
            "after a change to {what}, the new result is kept"
        );
    }
}

#[test]
fn issue18_arguments_and_builds_have_entries_of_their_own() {
    let (_dir, plan_dir, cache, renderer) = setup();
    names(&renderer, &plan_dir, &cache);
    mark(&cache);
    let tla = [(
        "suffix".to_string(),
        kcfg_lang::eval::ExtValue::Str("-b".into()),
    )];
    let with_tla = renderer
        .load_plan_cached(&plan_dir, &[], &tla, &cache)
        .unwrap();
    assert_eq!(with_tla.targets[0].name, "edge-1/db-b");

    let mut settings = Settings::new(FileSystem::default());
    settings.jpath = vec![plan_dir.join("lib")];
    settings.build = "another build".into();
    let other = Renderer::new(settings);
    let plan = other.load_plan_cached(&plan_dir, &[], &[], &cache).unwrap();
    assert_eq!(plan.targets[0].name, "edge-1/db");
}

#[test]
fn issue18_a_plan_that_traces_or_fails_is_not_kept() {
    let (_dir, plan_dir, cache, renderer) = setup();
    let text = fs::read_to_string(plan_dir.join("render.kcfg")).unwrap();
    fs::write(
        plan_dir.join("render.kcfg"),
        text.replace("+ suffix,", "+ std.trace('made', suffix),"),
    )
    .unwrap();
    names(&renderer, &plan_dir, &cache);
    assert!(!cache.exists() || fs::read_dir(&cache).unwrap().next().is_none());

    fs::write(plan_dir.join("render.kcfg"), "{ generators: 1 }").unwrap();
    assert!(renderer
        .load_plan_cached(&plan_dir, &[], &[], &cache)
        .is_err());
    assert!(!cache.exists() || fs::read_dir(&cache).unwrap().next().is_none());
}

#[test]
fn issue18_a_broken_entry_is_evaluated_over() {
    let (_dir, plan_dir, cache, renderer) = setup();
    let expected = names(&renderer, &plan_dir, &cache);
    let file = entry(&cache);
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"version\":3"));
    let (head, _) = text.split_once('\n').unwrap();
    for broken in [
        "{".to_string(),
        text.replace("\"version\":3", "\"version\":2"),
        text.replace("\"queries\"", "\"extra\":1,\"queries\""),
        text.replace("\"ask\":\"load\"", "\"ask\":\"teleport\""),
        // The targets: cut short, not JSON, or missing the first line.
        text[..text.len() - 10].to_string(),
        format!("{text}{{\n"),
        text[head.len() + 1..].to_string(),
        head.to_string(),
        format!("{head}\n"),
        text[..text.trim_end().rfind('\n').unwrap() + 1].to_string(),
    ] {
        assert_ne!(broken, text);
        fs::write(&file, &broken).unwrap();
        assert_eq!(names(&renderer, &plan_dir, &cache), expected);
        assert_eq!(fs::read_to_string(&file).unwrap(), text, "written again");
    }
}

#[cfg(unix)]
#[test]
fn issue18_a_link_at_the_entry_is_neither_read_nor_written_through() {
    let (dir, plan_dir, cache, renderer) = setup();
    let expected = names(&renderer, &plan_dir, &cache);
    let file = entry(&cache);
    // A sacrificial sibling holding a marked entry, linked at the entry's
    // name: it is not believed, and not written.
    mark(&cache);
    let sibling = dir.path().join("sibling.json");
    fs::rename(&file, &sibling).unwrap();
    let before = fs::read(&sibling).unwrap();
    std::os::unix::fs::symlink(&sibling, &file).unwrap();
    assert_eq!(names(&renderer, &plan_dir, &cache), expected);
    assert_eq!(fs::read(&sibling).unwrap(), before);
    assert!(!fs::symlink_metadata(&file).unwrap().is_symlink());
}

#[test]
fn issue18_a_kept_plan_with_a_name_kcfg_never_makes_is_evaluated_over() {
    // A target's name decides where a render writes: a kept plan's names
    // are checked as an evaluated plan's are, and one that fails is not
    // used (the plan is evaluated again).
    let (_dir, plan_dir, cache, renderer) = setup();
    let evaluated = names(&renderer, &plan_dir, &cache);
    for hostile in ["../outside", "/etc", "a/../../b", "edge-1/web"] {
        edit_targets(&cache, |targets| targets[0]["name"] = hostile.into());
        assert_eq!(names(&renderer, &plan_dir, &cache), evaluated, "{hostile}");
    }
}
