//! Issue 18, item 3: `--shard I/N` renders a stable share of the targets,
//! and the shards together are the full render; sharded renders keep to
//! their own marker, remove nothing, and `prune_shards` finishes them.
//!
//! Every test works in its own temporary directory beside a sacrificial
//! sibling whose content must not change.

// A test reads and writes files, as an embedding program does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kcfg_render::importer::FileSystem;
use kcfg_render::outdir::{INPUTS, MARKER};
use kcfg_render::shard::Shard;
use kcfg_render::{Destination, Renderer, Settings};

/// Every file below `dir`: path relative to it → content.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The target directories only (no marker, record or shard files).
fn targets_only(files: BTreeMap<PathBuf, Vec<u8>>) -> BTreeMap<PathBuf, Vec<u8>> {
    files
        .into_iter()
        .filter(|(path, _)| !path.to_string_lossy().starts_with(".kcfg-"))
        .collect()
}

/// A plan of `clusters` × 3 applications, in a temporary directory with a
/// sacrificial sibling.
fn fleet(clusters: usize) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("plan");
    std::fs::create_dir_all(&plan).unwrap();
    std::fs::create_dir_all(tmp.path().join("sacrificial")).unwrap();
    std::fs::write(tmp.path().join("sacrificial/keep"), "keep").unwrap();
    std::fs::write(
        plan.join("render.kcfg"),
        format!(
            "{{ targets: [
                 {{ name: 'c%d/%s' % [c, app], entry: 'app.kcfg', tlas: {{ cluster: c, app: app }} }}
                 for c in std.range(1, {clusters}) for app in ['web', 'db', 'cache']
               ] }}"
        ),
    )
    .unwrap();
    std::fs::write(
        plan.join("app.kcfg"),
        "function(cluster, app) {
           apiVersion: 'v1', kind: 'ConfigMap',
           metadata: { name: app }, data: { cluster: std.toString(cluster) },
         }",
    )
    .unwrap();
    (tmp, plan)
}

fn sacrificial_is_intact(tmp: &Path) {
    assert_eq!(
        snapshot(&tmp.join("sacrificial")),
        BTreeMap::from([(PathBuf::from("keep"), b"keep".to_vec())])
    );
}

#[test]
fn issue18_union_of_shards_is_the_full_render() {
    let (tmp, plan_path) = fleet(20);
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(&plan_path, &[], &[]).unwrap();
    let full_dir = tmp.path().join("full");
    let report = renderer
        .write(&plan, &Destination::new(&full_dir), &|_| {})
        .unwrap();
    assert_eq!(report.summary().written, 60);
    let full = targets_only(snapshot(&full_dir));
    for count in [1, 2, 3, 7] {
        // Each shard on its own "machine" (directory), then copied into one.
        let merged = tmp.path().join(format!("merged-{count}"));
        let mut seen = 0;
        for index in 0..count {
            let dir = tmp.path().join(format!("shard-{index}-of-{count}"));
            let mut destination = Destination::new(&dir);
            destination.shard = Some(Shard { index, count });
            let report = renderer.write(&plan, &destination, &|_| {}).unwrap();
            seen += report.targets.len();
            assert!(report.success());
            // A sharded render writes its own marker, never the main one.
            assert!(!dir.join(MARKER).exists());
            assert!(dir
                .join(format!("{MARKER}-shard-{index}-of-{count}"))
                .is_file());
            // Copy into the merged directory: nothing collides.
            for (path, content) in snapshot(&dir) {
                let to = merged.join(&path);
                assert!(!to.exists(), "{} written by two shards", path.display());
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::write(to, content).unwrap();
            }
            // The check of the shard's slice against the full render passes.
            let mut destination = Destination::new(&full_dir);
            destination.shard = Some(Shard { index, count });
            let check = renderer.check(&plan, &destination, &|_| {}).unwrap();
            assert!(check.success());
            assert_eq!(check.targets.len(), report.targets.len());
        }
        assert_eq!(seen, 60, "{count} shards render every target once");
        assert_eq!(targets_only(snapshot(&merged)), full, "{count} shards");
        // Finishing: the shards' markers fold into the main marker.
        let report = renderer
            .prune_shards(&plan, &Destination::new(&merged), &|_| {})
            .unwrap();
        assert!(report.targets.is_empty() && report.stale.is_empty());
        let after = snapshot(&merged);
        assert_eq!(
            after
                .keys()
                .filter(|p| p.to_string_lossy().starts_with(".kcfg-"))
                .collect::<Vec<_>>(),
            [Path::new(INPUTS), Path::new(MARKER)]
        );
        assert_eq!(
            std::fs::read(merged.join(MARKER)).unwrap(),
            std::fs::read(full_dir.join(MARKER)).unwrap()
        );
        // The shards' records, folded, are the full render's: nothing is
        // evaluated again.
        assert_eq!(
            std::fs::read(merged.join(INPUTS)).unwrap(),
            std::fs::read(full_dir.join(INPUTS)).unwrap()
        );
        let again = renderer
            .write(&plan, &Destination::new(&merged), &|_| {})
            .unwrap();
        assert_eq!((again.summary().reused, again.summary().evaluated), (60, 0));
    }
    sacrificial_is_intact(tmp.path());
}

#[test]
fn issue18_shards_remove_nothing_and_prune_shards_removes_stale_targets() {
    let (tmp, plan_path) = fleet(4);
    let out = tmp.path().join("out");
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(&plan_path, &[], &[]).unwrap();
    renderer
        .write(&plan, &Destination::new(&out), &|_| {})
        .unwrap();
    // Cluster 4 leaves the plan.
    std::fs::write(
        plan_path.join("render.kcfg"),
        "{ targets: [
             { name: 'c%d/%s' % [c, app], entry: 'app.kcfg', tlas: { cluster: c, app: app } }
             for c in std.range(1, 3) for app in ['web', 'db', 'cache']
           ] }",
    )
    .unwrap();
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(&plan_path, &[], &[]).unwrap();
    let gone = ["c4/cache", "c4/db", "c4/web"];
    let mut reported = Vec::new();
    for index in 0..2 {
        let mut destination = Destination::new(&out);
        destination.shard = Some(Shard { index, count: 2 });
        // A check reports the stale targets of its own bucket.
        let check = renderer.check(&plan, &destination, &|_| {}).unwrap();
        for name in &check.stale {
            assert!(Shard { index, count: 2 }.contains(name));
        }
        reported.extend(check.stale.clone());
        let report = renderer.write(&plan, &destination, &|_| {}).unwrap();
        assert!(report.stale.is_empty());
    }
    reported.sort();
    assert_eq!(reported, gone);
    for name in gone {
        assert!(out.join(name).is_dir(), "a shard removed {name}");
    }
    let report = renderer
        .prune_shards(&plan, &Destination::new(&out), &|_| {})
        .unwrap();
    assert_eq!(report.stale, gone);
    for name in gone {
        assert!(!out.join(name).exists(), "{name} was not removed");
    }
    let marker = std::fs::read_to_string(out.join(MARKER)).unwrap();
    assert!(!marker.contains("c4/"));
    assert_eq!(marker.lines().filter(|l| !l.starts_with('#')).count(), 9);
    sacrificial_is_intact(tmp.path());
}

#[test]
fn issue18_a_bad_shard_marker_stops_the_render() {
    let (tmp, plan_path) = fleet(2);
    let out = tmp.path().join("out");
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(&plan_path, &[], &[]).unwrap();
    renderer
        .write(&plan, &Destination::new(&out), &|_| {})
        .unwrap();
    std::fs::write(
        out.join(format!("{MARKER}-shard-0-of-2")),
        "../sacrificial\n",
    )
    .unwrap();
    let before = snapshot(&out);
    let err = renderer
        .prune_shards(&plan, &Destination::new(&out), &|_| {})
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(".kcfg-rendered-shard-0-of-2:1") && message.contains("../sacrificial"),
        "{message}"
    );
    assert_eq!(snapshot(&out), before);
    sacrificial_is_intact(tmp.path());
}
