//! Issue 18, item 1: an incremental render writes exactly the bytes of a
//! full render, and evaluates exactly the targets whose inputs changed.
//!
//! A seeded random walk of edits over a copy of `examples/edge-fleet`
//! (its inventory cut to two clusters per region): application files,
//! libraries, inventory and release data, policies, plan parameters, a
//! file that shadows an import from earlier in the search order, edits of
//! rendered files, and no edit at all. After each edit, an incremental
//! `check` and then `write` run against the output directory, and an
//! oracle that shares nothing with the input record renders every target
//! on its own, with a fresh renderer whose importer logs every file read:
//!
//! * the output directory must equal the oracle's files, byte for byte;
//! * the targets evaluated (by the check and by the write) must be exactly
//!   those whose parameters changed, whose set of files read changed, or
//!   one of whose files changed content, plus the targets whose output was
//!   edited.
//!
//! `KCFG_INCREMENTAL_SEED` and `KCFG_INCREMENTAL_STEPS` replay or lengthen
//! a walk; a failure prints the seed and the edits so far.

// A test reads and writes files, as an embedding program does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kcfg_lang::program::Importer;
use kcfg_render::importer::FsImporter;
use kcfg_render::output::Files;
use kcfg_render::{Batch, Destination, OutputOptions, Renderer, Selection, Settings, Status};

/// A small random generator (SplitMix64): the walk must be replayable
/// from its seed, and the workspace has no random-number crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// An importer that logs every file it reads.
struct Logging {
    inner: FsImporter,
    read: Arc<Mutex<BTreeSet<PathBuf>>>,
}

impl Importer for Logging {
    fn resolve(&self, from: Option<&Path>, path: &str) -> Option<PathBuf> {
        self.inner.resolve(from, path)
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.read.lock().unwrap().insert(path.to_path_buf());
        self.inner.read(path)
    }
}

/// What the oracle knows of one target.
#[derive(Debug, Clone, PartialEq)]
struct Known {
    /// Its parameters and layout, as text.
    params: String,
    /// Every file its evaluation read, with its content.
    reads: BTreeMap<PathBuf, Vec<u8>>,
    /// Its files, as a full render makes them.
    files: Files,
}

/// Renders every target of the plan on its own, with a fresh renderer
/// (so every file it reads is read, and logged, for it alone).
fn oracle(plan_dir: &Path) -> BTreeMap<String, Known> {
    let plan = Renderer::new(Settings::new(kcfg_render::importer::FileSystem::default()))
        .load_plan(plan_dir, &[], &[])
        .unwrap();
    let batch = Batch::from_plan(&plan, &Selection::all(), &OutputOptions::default()).unwrap();
    let mut known = BTreeMap::new();
    for (target, output) in batch.targets.iter().zip(&batch.outputs) {
        let read = Arc::new(Mutex::new(BTreeSet::new()));
        let log = read.clone();
        let imports = move |jpath: &[PathBuf]| -> Result<Arc<dyn Importer>, String> {
            Ok(Arc::new(Logging {
                inner: FsImporter::new(jpath, &[]),
                read: log.clone(),
            }))
        };
        let mut settings = Settings::new(imports);
        settings.jobs = 1;
        let renderer = Renderer::new(settings);
        let one = Batch::new(vec![*target], output.clone(), &plan.policies);
        let mut reports = renderer.render(&one, &|_| {}).unwrap();
        let Status::Rendered(rendered) = reports.remove(0).status else {
            panic!("{} did not render", target.name);
        };
        assert!(rendered.violations.is_empty(), "{}", target.name);
        let reads = read
            .lock()
            .unwrap()
            .iter()
            .map(|path| {
                let content = if path.starts_with("<kcfg>") {
                    Vec::new()
                } else {
                    std::fs::read(path).unwrap()
                };
                (path.clone(), content)
            })
            .collect();
        known.insert(
            target.name.clone(),
            Known {
                params: format!("{target:?} {output:?}"),
                reads,
                files: rendered.files,
            },
        );
    }
    known
}

/// The targets whose inputs differ between two oracle runs.
fn changed(before: &BTreeMap<String, Known>, after: &BTreeMap<String, Known>) -> BTreeSet<String> {
    after
        .iter()
        .filter(|(name, now)| match before.get(*name) {
            None => true,
            Some(then) => then.params != now.params || then.reads != now.reads,
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// Every file below `out` but kcfg's own: path → content.
fn tree(out: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            if relative.starts_with(".kcfg-") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, into);
            } else {
                into.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(out, out, &mut files);
    files
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "rendered" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// Keeps the clusters numbered 001 and 002 of each region.
fn trim_inventory(plan: &Path) {
    let path = plan.join("inventory/clusters.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    let mut keep = true;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("  - name: ") {
            keep = name.ends_with("-001") || name.ends_with("-002");
        } else if !line.starts_with("    ") && !line.starts_with("  - ") {
            keep = true;
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(path, out).unwrap();
}

fn append(path: &Path, text: &str) {
    let mut content = std::fs::read(path).unwrap();
    content.extend_from_slice(text.as_bytes());
    std::fs::write(path, content).unwrap();
}

fn files_in(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| extensions.iter().any(|wanted| ext == *wanted))
        })
        .collect();
    found.sort();
    found
}

/// Replaces the `index`-th match (modulo their count) of `find` in `path`
/// by `replace(match)`; whether anything matched.
fn edit_nth(path: &Path, find: &str, index: usize, replace: impl Fn(&str) -> String) -> bool {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let hits: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with(find))
        .collect();
    if hits.is_empty() {
        return false;
    }
    let at = hits[index % hits.len()];
    let mut out: Vec<String> = lines.iter().map(|line| line.to_string()).collect();
    out[at] = replace(lines[at]);
    std::fs::write(path, out.join("\n") + "\n").unwrap();
    true
}

/// How many kinds of edit [`edit`] makes.
const KINDS: usize = 9;

/// Makes one random edit of kind `kind`; returns what it did, and a target whose output
/// it edited (which must be evaluated although no input changed).
fn edit(
    rng: &mut Rng,
    kind: usize,
    plan: &Path,
    out: &Path,
    step: usize,
) -> (String, Option<String>) {
    let apps: Vec<PathBuf> = {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(plan.join("apps"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_dir())
            .collect();
        dirs.sort();
        dirs
    };
    match kind {
        0 => {
            let app = rng.pick(&apps);
            let file = rng.pick(&files_in(app, &["kcfg", "libsonnet"])).clone();
            append(&file, &format!("// edit {step}\n"));
            (format!("comment in {}", file.display()), None)
        }
        1 => {
            let file = rng
                .pick(&files_in(&plan.join("lib"), &["libsonnet"]))
                .clone();
            append(&file, &format!("// edit {step}\n"));
            (format!("comment in {}", file.display()), None)
        }
        2 => {
            let wave = rng.below(4);
            let index = rng.below(64);
            edit_nth(
                &plan.join("inventory/clusters.yaml"),
                "wave:",
                index,
                |line| {
                    let indent = &line[..line.len() - line.trim_start().len()];
                    format!("{indent}wave: {wave}")
                },
            );
            (format!("inventory: wave {index} set to {wave}"), None)
        }
        3 => {
            let index = rng.below(64);
            edit_nth(&plan.join("releases.yaml"), "version:", index, |line| {
                format!("{line}{}", step % 10)
            });
            (format!("releases: version {index} changed"), None)
        }
        4 => {
            let file = rng
                .pick(&files_in(&plan.join("policies"), &["kcfg", "libsonnet"]))
                .clone();
            append(&file, &format!("// edit {step}\n"));
            (format!("comment in {}", file.display()), None)
        }
        5 => {
            let path = plan.join("render.kcfg");
            let text = std::fs::read_to_string(&path).unwrap();
            let (from, to) = if text.contains("layout: 'single-file'") {
                ("layout: 'single-file'", "layout: 'files'")
            } else {
                ("layout: 'files'", "layout: 'single-file'")
            };
            std::fs::write(&path, text.replace(from, to)).unwrap();
            (format!("plan: regional Argo CD targets to {to}"), None)
        }
        6 => {
            // A file next to the importing one comes before the library
            // directory in the search order: same content, other path.
            let app = rng.pick(&apps);
            let shadow = app.join("edge.libsonnet");
            if shadow.exists() {
                std::fs::remove_file(&shadow).unwrap();
                (format!("removed {}", shadow.display()), None)
            } else {
                std::fs::copy(plan.join("lib/edge.libsonnet"), &shadow).unwrap();
                (
                    format!("shadowed edge.libsonnet by {}", shadow.display()),
                    None,
                )
            }
        }
        7 => {
            let files: Vec<String> = tree(out)
                .into_keys()
                .filter(|path| path.ends_with(".yaml"))
                .collect();
            let file = rng.pick(&files).clone();
            append(&out.join(&file), "# edited by hand\n");
            let target = oracle_target_of(&file);
            (format!("edited the output {file}"), Some(target))
        }
        _ => ("no edit".to_string(), None),
    }
}

/// The target of an output file `cluster/app/file`.
fn oracle_target_of(file: &str) -> String {
    let mut parts = file.splitn(3, '/');
    format!("{}/{}", parts.next().unwrap(), parts.next().unwrap())
}

fn evaluated(reports: &[kcfg_render::TargetReport]) -> BTreeSet<String> {
    reports
        .iter()
        .filter(|report| report.evaluated)
        .map(|report| report.name.clone())
        .collect()
}

#[test]
fn issue18_incremental_renders_equal_full_renders() {
    let seed: u64 = std::env::var("KCFG_INCREMENTAL_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(18);
    let steps: usize = std::env::var("KCFG_INCREMENTAL_STEPS")
        .ok()
        .and_then(|steps| steps.parse().ok())
        .unwrap_or(12);
    let mut rng = Rng(seed);
    let mut order: Vec<usize> = (0..KINDS).collect();
    for at in (1..KINDS).rev() {
        order.swap(at, rng.below(at + 1));
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("edge-fleet");
    let out = tmp.path().join("out");
    let sacrificial = tmp.path().join("sacrificial");
    std::fs::create_dir_all(&sacrificial).unwrap();
    std::fs::write(sacrificial.join("keep"), "keep").unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/edge-fleet"),
        &plan,
    );
    trim_inventory(&plan);

    let cache = tmp.path().join("cache");
    // Writes keep their record in the output directory; checks trust only
    // a cache's, and load the plan through it, as `kcfg render --check
    // --cache` does: after every edit, the kept plan must be the plan.
    let render = |check: bool| {
        let renderer = Renderer::new(Settings::new(kcfg_render::importer::FileSystem::default()));
        let loaded = renderer.load_plan(&plan, &[], &[]).unwrap();
        let loaded = if check {
            let kept = renderer.load_plan_cached(&plan, &[], &[], &cache).unwrap();
            assert_eq!(format!("{kept:?}"), format!("{loaded:?}"), "the kept plan");
            kept
        } else {
            loaded
        };
        let mut destination = Destination::new(&out);
        if check {
            destination.cache = Some(cache.clone());
        }
        let report = if check {
            renderer.check(&loaded, &destination, &|_| {})
        } else {
            renderer.write(&loaded, &destination, &|_| {})
        }
        .unwrap();
        assert!(
            report.records_ignored.is_empty(),
            "{:?}",
            report.records_ignored
        );
        report
    };
    let mut known = oracle(&plan);
    let first = render(false);
    assert_eq!(first.summary().evaluated, known.len());
    assert!(known.len() > 100, "{} targets", known.len());
    let first = render(true);
    assert_eq!(first.summary().evaluated, known.len());
    assert!(first.success());

    let mut history = Vec::new();
    for step in 0..steps {
        // Every kind of edit once, in a random order, then random ones.
        let kind = match order.get(step) {
            Some(kind) => *kind,
            None => rng.below(KINDS),
        };
        let (what, edited_output) = edit(&mut rng, kind, &plan, &out, step);
        history.push(what);
        let context = format!("seed {seed}, edits: {history:#?}");
        let now = oracle(&plan);
        let mut expected = changed(&known, &now);
        expected.extend(edited_output);

        let check = render(true);
        assert_eq!(evaluated(&check.targets), expected, "check, {context}");
        let differed: BTreeSet<String> = check
            .targets
            .iter()
            .filter(|report| matches!(report.status, Status::Differs(_)))
            .map(|report| report.name.clone())
            .collect();
        let write = render(false);
        assert_eq!(evaluated(&write.targets), expected, "write, {context}");
        assert!(write.success(), "{context}");

        let full: BTreeMap<String, Vec<u8>> = now
            .iter()
            .flat_map(|(name, target)| {
                target
                    .files
                    .iter()
                    .map(move |(file, content)| (format!("{name}/{file}"), content.clone()))
            })
            .collect();
        let on_disk = tree(&out);
        if on_disk != full {
            let differ: Vec<&String> = full
                .keys()
                .chain(on_disk.keys())
                .filter(|path| full.get(*path) != on_disk.get(*path))
                .collect();
            panic!("the output differs from a full render in {differ:?}, {context}");
        }
        // The check records only what it found identical: now the targets
        // that differed are, then nothing is evaluated.
        let after = render(true);
        assert!(after.success(), "{context}");
        assert_eq!(evaluated(&after.targets), differed, "{context}");
        let again = render(true);
        assert!(evaluated(&again.targets).is_empty(), "{context}");
        assert!(again.success(), "{context}");
        let write = render(false);
        assert!(evaluated(&write.targets).is_empty(), "{context}");
        known = now;
    }
    assert_eq!(std::fs::read(sacrificial.join("keep")).unwrap(), b"keep");
    eprintln!("seed {seed}: {history:#?}");
}

/// A plan of three targets in a temporary directory, with a sacrificial
/// sibling; returns (tmp, plan, out).
/// The targets a check found different.
fn differing(check: &kcfg_render::DirReport) -> Vec<&str> {
    check
        .targets
        .iter()
        .filter(|t| matches!(t.status, Status::Differs(_)))
        .map(|t| t.name.as_str())
        .collect()
}

/// Asserts that the sacrificial sibling of [`small_fleet`]'s plan and
/// output is as it was made.
fn sacrificial_kept(tmp: &tempfile::TempDir) {
    assert_eq!(
        std::fs::read(tmp.path().join("sacrificial/keep")).unwrap(),
        b"keep"
    );
}

fn small_fleet() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("plan");
    std::fs::create_dir_all(plan.join("lib")).unwrap();
    std::fs::create_dir_all(tmp.path().join("sacrificial")).unwrap();
    std::fs::write(tmp.path().join("sacrificial/keep"), "keep").unwrap();
    std::fs::write(
        plan.join("render.kcfg"),
        "{ targets: [
           { name: 'c%d/web' % c, entry: 'web.kcfg', tlas: { cluster: c }, jpath: ['lib'] }
           for c in [1, 2, 3]
         ] }",
    )
    .unwrap();
    std::fs::write(
        plan.join("web.kcfg"),
        "local k = import 'k.libsonnet';
         function(cluster) k.configMap('web', { cluster: std.toString(cluster) })",
    )
    .unwrap();
    std::fs::write(
        plan.join("lib/k.libsonnet"),
        "{ configMap(name, data): { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name }, data: data } }",
    )
    .unwrap();
    let out = tmp.path().join("out");
    (tmp, plan, out)
}

fn run(plan: &Path, destination: &Destination, check: bool) -> kcfg_render::DirReport {
    let renderer = Renderer::new(Settings::new(kcfg_render::importer::FileSystem::default()));
    let loaded = renderer.load_plan(plan, &[], &[]).unwrap();
    if check {
        renderer.check(&loaded, destination, &|_| {}).unwrap()
    } else {
        renderer.write(&loaded, destination, &|_| {}).unwrap()
    }
}

fn record_of(out: &Path) -> kcfg_render::inputs::Record {
    let bytes = std::fs::read(out.join(kcfg_render::outdir::INPUTS)).unwrap();
    kcfg_render::inputs::Record::parse(&bytes, kcfg_render::settings::DEFAULT_BUILD).unwrap()
}

#[test]
fn issue18_a_check_never_takes_the_word_of_the_record_in_the_output() {
    let (tmp, plan, out) = small_fleet();
    run(&plan, &Destination::new(&out), false);
    // A forger edits an output and the record with it, consistently.
    let file = forge_web(&out);

    let check = run(&plan, &Destination::new(&out), true);
    assert!(!check.incremental);
    assert_eq!(check.summary().evaluated, 3);
    assert!(!check.success());
    assert_eq!(differing(&check), ["c2/web"]);
    // With a cache (written by kcfg alone), a check is incremental and
    // still finds the edit: the cache's record has the true digest.
    let mut cached = Destination::new(&out);
    cached.cache = Some(tmp.path().join("cache"));
    std::fs::write(&file, "x").unwrap();
    run(&plan, &Destination::new(&out), false);
    let first = run(&plan, &cached, true);
    assert_eq!((first.summary().evaluated, first.success()), (3, true));
    let second = run(&plan, &cached, true);
    assert_eq!((second.summary().reused, second.success()), (3, true));
    std::fs::write(&file, "edited").unwrap();
    let third = run(&plan, &cached, true);
    assert_eq!(third.summary().evaluated, 1);
    assert!(!third.success());
    sacrificial_kept(&tmp);
}

#[test]
fn issue18_hostile_records_are_ignored_or_verified() {
    use kcfg_render::inputs::{Closure, Record};
    let (tmp, plan, out) = small_fleet();
    run(&plan, &Destination::new(&out), false);
    let good = record_of(&out);
    let sacrificial = tmp.path().join("sacrificial");
    let before_sacrificial = std::fs::read(sacrificial.join("keep")).unwrap();

    // A target outside the output: the record is ignored (named in the
    // report), every target is evaluated, nothing outside is touched.
    let mut json: serde_json::Value = serde_json::from_slice(&good.to_bytes()).unwrap();
    let entry = json["targets"]["c1/web"].clone();
    json["targets"]["../sacrificial"] = entry;
    std::fs::write(
        out.join(kcfg_render::outdir::INPUTS),
        serde_json::to_vec(&json).unwrap(),
    )
    .unwrap();
    let report = run(&plan, &Destination::new(&out), false);
    assert_eq!(report.summary().evaluated, 3);
    assert_eq!(report.records_ignored.len(), 1);
    assert!(
        report.records_ignored[0].contains("\"../sacrificial\""),
        "{:?}",
        report.records_ignored
    );
    assert_eq!(record_of(&out), good, "rewritten whole");

    // Another build's record: ignored and reported.
    let mut other = good.clone();
    other.build = "kcfg 0.0.0 (commit 000000000000)".into();
    std::fs::write(out.join(kcfg_render::outdir::INPUTS), other.to_bytes()).unwrap();
    let report = run(&plan, &Destination::new(&out), false);
    assert_eq!(report.summary().evaluated, 3);
    assert!(report.records_ignored[0].contains("another kcfg build"));

    // A closure that claims a file no import resolves to (here one outside
    // the plan, with its true digest): the target is evaluated.
    let mut forged = record_of(&out);
    let entry = forged.targets["c1/web"].clone();
    let mut closure: Closure = forged.closures[&entry.closure].clone();
    let outside = sacrificial.join("keep");
    closure.files.insert(
        outside.to_str().unwrap().into(),
        kcfg_render::inputs::file_digest(&before_sacrificial),
    );
    forged.insert("c1/web".into(), entry.clone(), closure);
    std::fs::write(out.join(kcfg_render::outdir::INPUTS), forged.to_bytes()).unwrap();
    let report = run(&plan, &Destination::new(&out), false);
    assert!(report.records_ignored.is_empty());
    assert_eq!(
        evaluated(&report.targets),
        BTreeSet::from(["c1/web".to_string()])
    );

    // A record whose library digest is stale: that library's targets are
    // evaluated.
    let mut stale: Record = record_of(&out);
    for name in ["c1/web", "c3/web"] {
        let entry = stale.targets[name].clone();
        let mut closure = stale.closures[&entry.closure].clone();
        for (path, digest) in closure.files.iter_mut() {
            if path.ends_with("k.libsonnet") {
                *digest = kcfg_render::inputs::file_digest(b"an older library");
            }
        }
        stale.insert(name.into(), entry, closure);
    }
    std::fs::write(out.join(kcfg_render::outdir::INPUTS), stale.to_bytes()).unwrap();
    let report = run(&plan, &Destination::new(&out), false);
    let both: BTreeSet<String> = ["c1/web", "c3/web"].map(String::from).into();
    assert_eq!(evaluated(&report.targets), both);
    assert_eq!(
        std::fs::read(sacrificial.join("keep")).unwrap(),
        before_sacrificial
    );
    assert_eq!(std::fs::read_dir(&sacrificial).unwrap().count(), 1);
}

#[test]
fn issue18_changed_targets_for_a_fleet_diff() {
    let (_tmp, plan, _out) = small_fleet();
    std::fs::write(
        plan.join("render.kcfg"),
        "{ targets: [
           { name: 'c1/web', entry: 'web.kcfg', tlas: { cluster: 1 }, jpath: ['lib'] },
           { name: 'c2/web', entry: 'web.kcfg', tlas: { cluster: 2 }, jpath: ['lib'] },
           { name: 'c1/db', entry: 'db.kcfg' },
         ] }",
    )
    .unwrap();
    std::fs::write(
        plan.join("db.kcfg"),
        "{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' } }",
    )
    .unwrap();
    let renderer = || Renderer::new(Settings::new(kcfg_render::importer::FileSystem::default()));
    let changed = |record: &kcfg_render::inputs::Record| -> Vec<String> {
        let renderer = renderer();
        let loaded = renderer.load_plan(&plan, &[], &[]).unwrap();
        let batch =
            Batch::from_plan(&loaded, &Selection::all(), &OutputOptions::default()).unwrap();
        let changed = renderer.changed_targets(&batch, record).unwrap();
        changed.iter().map(|t| t.name.clone()).collect()
    };
    let first = renderer();
    let loaded = first.load_plan(&plan, &[], &[]).unwrap();
    let batch = Batch::from_plan(&loaded, &Selection::all(), &OutputOptions::default()).unwrap();
    let (reports, record) = first.render_recorded(&batch, &|_| {}).unwrap();
    assert_eq!(reports.len(), 3);
    assert_eq!(record.targets.len(), 3);
    let Status::Rendered(rendered) = &reports[2].status else {
        panic!("{:?}", reports[2].status);
    };
    assert_eq!(
        record.targets["c1/db"].outputs,
        kcfg_render::inputs::files_digest(&rendered.files)
    );
    assert!(changed(&record).is_empty());
    // The library: both web targets; a new file shadowing it (next to
    // web.kcfg, earlier in the search order): the same.
    append(&plan.join("lib/k.libsonnet"), "\n");
    assert_eq!(changed(&record), ["c1/web", "c2/web"]);
    let record = {
        let renderer = renderer();
        let loaded = renderer.load_plan(&plan, &[], &[]).unwrap();
        let batch =
            Batch::from_plan(&loaded, &Selection::all(), &OutputOptions::default()).unwrap();
        renderer.render_recorded(&batch, &|_| {}).unwrap().1
    };
    std::fs::copy(plan.join("lib/k.libsonnet"), plan.join("k.libsonnet")).unwrap();
    assert_eq!(changed(&record), ["c1/web", "c2/web"]);
    // Another build's record: everything.
    let mut other = record.clone();
    other.build = "kcfg 0.0.0".into();
    assert_eq!(changed(&other).len(), 3);
}

#[test]
fn issue18_fleet_diff_compares_only_the_selection() {
    use kcfg_render::diff::{fleet_diff, Options, Side};
    let tmp = tempfile::tempdir().unwrap();
    // Two sides as two directories: every target changes, and the head
    // adds cluster `c` with `c/cache`.
    let side = |name: &str, value: &str, clusters: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("render.kcfg"),
            format!(
                "{{ targets: [
                   {{ name: c + '/' + app, entry: 'app.kcfg', tlas: {{ app: app }} }}
                   for c in {clusters} for app in ['web', 'db']
                 ] + (if std.length({clusters}) > 2 then [{{ name: 'c/cache', entry: 'app.kcfg', tlas: {{ app: 'cache' }} }}] else []) }}"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("app.kcfg"),
            format!("function(app) {{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {{ name: app }}, data: {{ v: '{value}' }} }}"),
        )
        .unwrap();
        dir
    };
    let base_dir = side("base", "1", "['a', 'b']");
    let head_dir = side("head", "2", "['a', 'b', 'c']");
    let renderer = || Renderer::new(Settings::new(kcfg_render::importer::FileSystem::default()));
    let (base_renderer, head_renderer) = (renderer(), renderer());
    let base_plan = base_renderer.load_plan(&base_dir, &[], &[]).unwrap();
    let head_plan = head_renderer.load_plan(&head_dir, &[], &[]).unwrap();
    let diff = |globs: &[&str]| {
        let options = Options {
            selection: Selection::globs(globs).unwrap(),
            ..Options::default()
        };
        fleet_diff(
            Side {
                renderer: &base_renderer,
                plan: Some(&base_plan),
            },
            Side {
                renderer: &head_renderer,
                plan: Some(&head_plan),
            },
            &options,
        )
    };
    let names = |fleet: &kcfg_render::diff::FleetDiff| -> Vec<String> {
        fleet.changes.iter().map(|c| c.target.clone()).collect()
    };
    let all = diff(&[]).unwrap();
    assert_eq!(
        names(&all),
        ["a/db", "a/web", "b/db", "b/web", "c/cache", "c/db", "c/web"]
    );
    // Unselected targets are neither evaluated nor counted.
    let db = diff(&["*/db"]).unwrap();
    assert_eq!(names(&db), ["a/db", "b/db", "c/db"]);
    assert_eq!((db.base_targets, db.head_targets), (2, 3));
    assert_eq!((db.evaluated_base, db.evaluated_head), (2, 3));
    assert_eq!(db.every, ["a/db", "b/db", "c/db"]);
    // A glob that selects targets at one side only is no error.
    let cache = diff(&["c/*"]).unwrap();
    assert_eq!(names(&cache), ["c/cache", "c/db", "c/web"]);
    assert_eq!((cache.base_targets, cache.head_targets), (0, 3));
    // One that selects none at either side is, with a suggestion from
    // the names of both sides.
    match diff(&["c"]) {
        Err(kcfg_render::Error::NothingSelected {
            in_plan,
            suggestions,
        }) => {
            assert_eq!(in_plan, 7);
            assert_eq!(suggestions, ["c/*"]);
        }
        other => panic!("{:?}", other.map(|fleet| fleet.changes.len())),
    }
}

#[test]
fn issue18_a_render_that_changes_nothing_writes_nothing() {
    use std::os::unix::fs::MetadataExt;
    let (tmp, plan, out) = small_fleet();
    let cache = tmp.path().join("cache");
    let mut cached = Destination::new(&out);
    cached.cache = Some(cache.clone());
    run(&plan, &Destination::new(&out), false);
    run(&plan, &cached, true);
    let cache_file = std::fs::read_dir(&cache)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // The inode changes when a record is replaced (a new file renamed over
    // it), whatever the clock's resolution.
    let identity = |path: &Path| {
        let meta = std::fs::metadata(path).unwrap();
        (meta.ino(), meta.mtime_nsec())
    };
    let record = out.join(kcfg_render::outdir::INPUTS);
    let before = (identity(&record), identity(&cache_file));
    let again = run(&plan, &Destination::new(&out), false);
    assert_eq!(again.summary().reused, 3);
    let check = run(&plan, &cached, true);
    assert_eq!(check.summary().reused, 3);
    assert_eq!((identity(&record), identity(&cache_file)), before);
    // One target changes: its entry, and only the record, are rewritten.
    std::fs::write(
        plan.join("render.kcfg"),
        "{ targets: [
           { name: 'c%d/web' % c, entry: 'web.kcfg', tlas: { cluster: c * 10 }, jpath: ['lib'] }
           for c in [1, 2, 3]
         ] }",
    )
    .unwrap();
    let changed = run(&plan, &Destination::new(&out), false);
    assert_eq!(changed.summary().evaluated, 3);
    assert_ne!(identity(&record).0, before.0 .0);
    let after = record_of(&out);
    let rerun = run(&plan, &Destination::new(&out), false);
    assert_eq!(rerun.summary().reused, 3);
    assert_eq!(record_of(&out), after);
}

#[test]
fn issue18_directory_stamps_only_from_a_cache_and_an_edit_always_shows() {
    let (tmp, plan, out) = small_fleet();
    let (cached, cache) = with_cache_dir(&tmp, &out);
    let cache_record = || cache.record();
    assert_eq!(run(&plan, &cached, false).summary().evaluated, 3);
    // Files written less than `SETTLE` ago are read, not stamped.
    assert_eq!(run(&plan, &cached, false).summary().reused, 3);
    assert!(cache_record().targets.values().all(|t| t.stamp.is_none()));
    std::thread::sleep(kcfg_render::outdir::SETTLE + std::time::Duration::from_millis(200));
    assert_eq!(run(&plan, &cached, false).summary().reused, 3);
    assert!(cache_record().targets.values().all(|t| t.stamp.is_some()));
    assert_eq!(run(&plan, &cached, true).summary().reused, 3);
    // Targets evaluated again whose files were already there keep a stamp.
    append(&plan.join("lib/k.libsonnet"), "\n// a comment\n");
    assert_eq!(run(&plan, &cached, false).summary().evaluated, 3);
    assert!(cache_record().targets.values().all(|t| t.stamp.is_some()));
    append(&plan.join("lib/k.libsonnet"), "\n// another\n");
    assert_eq!(run(&plan, &cached, true).summary().evaluated, 3);
    assert!(cache_record().targets.values().all(|t| t.stamp.is_some()));

    // An edit of the same size, at once: the stamp differs, the file is
    // read, and the target is rendered again.
    let file = out.join("c2/web/configmap-web.yaml");
    let good = std::fs::read(&file).unwrap();
    let mut edited = good.clone();
    let at = edited.iter().rposition(|b| *b == b'2').unwrap();
    edited[at] = b'7';
    std::fs::write(&file, &edited).unwrap();
    let check = run(&plan, &cached, true);
    assert_eq!(check.summary().evaluated, 1);
    assert!(!check.success());
    let write = run(&plan, &cached, false);
    assert_eq!(write.summary().evaluated, 1);
    assert_eq!(std::fs::read(&file).unwrap(), good);

    // Stamps in the output directory's record are someone else's: dropped
    // when read, never written there.
    run(&plan, &Destination::new(&out), false);
    let mut forged = record_of(&out);
    let stamps = cache_record();
    for (name, target) in forged.targets.iter_mut() {
        target.stamp = stamps.targets[name].stamp.clone().or(Some("0".repeat(64)));
    }
    std::fs::write(out.join(kcfg_render::outdir::INPUTS), forged.to_bytes()).unwrap();
    std::fs::write(&file, &edited).unwrap();
    let write = run(&plan, &Destination::new(&out), false);
    assert_eq!(write.summary().evaluated, 1);
    assert_eq!(std::fs::read(&file).unwrap(), good);
    assert!(record_of(&out).targets.values().all(|t| t.stamp.is_none()));
    sacrificial_kept(&tmp);
}

#[test]
fn issue18_a_stamp_taken_by_name_sees_what_a_listing_would() {
    let (tmp, plan, out) = small_fleet();
    let (cached, cache) = with_cache_dir(&tmp, &out);
    let cache_file = || cache.file();
    let cache_record = || cache.record();
    let settle =
        || std::thread::sleep(kcfg_render::outdir::SETTLE + std::time::Duration::from_millis(200));
    run(&plan, &cached, false);
    settle();
    assert_eq!(run(&plan, &cached, false).summary().reused, 3);
    let record = cache_record();
    for target in record.targets.values() {
        assert_eq!(target.stamp_names.as_deref(), Some("configmap-web.yaml"));
    }
    assert_eq!(run(&plan, &cached, false).summary().reused, 3);
    assert_eq!(cache_record(), record);

    // A file added, removed or renamed in a stamped directory: the target is
    // evaluated, a check fails, and a write puts back what it owns.
    let dir = out.join("c2/web");
    let good = std::fs::read(dir.join("configmap-web.yaml")).unwrap();
    std::fs::write(dir.join("extra.yaml"), "kind: Secret\n").unwrap();
    let check = run(&plan, &cached, true);
    assert_eq!(check.summary().evaluated, 1);
    assert!(!check.success());
    assert_eq!(run(&plan, &cached, false).summary().evaluated, 1);
    assert!(!dir.join("extra.yaml").exists());
    settle();
    assert_eq!(run(&plan, &cached, false).summary().reused, 3);
    std::fs::rename(dir.join("configmap-web.yaml"), dir.join("other.yaml")).unwrap();
    assert!(!run(&plan, &cached, true).success());
    assert_eq!(run(&plan, &cached, false).summary().evaluated, 1);
    assert_eq!(std::fs::read(dir.join("configmap-web.yaml")).unwrap(), good);
    assert!(!dir.join("other.yaml").exists());
    settle();
    assert_eq!(run(&plan, &cached, false).summary().reused, 3);
    std::fs::remove_file(dir.join("configmap-web.yaml")).unwrap();
    assert!(!run(&plan, &cached, true).success());
    assert_eq!(run(&plan, &cached, false).summary().evaluated, 1);
    assert_eq!(std::fs::read(dir.join("configmap-web.yaml")).unwrap(), good);

    // Names that are not the directory's (here, forged in the cache) are
    // only tried: the directory is listed, the targets are reused by the
    // listing's stamp, and the record keeps the listing's names.
    settle();
    assert_eq!(run(&plan, &cached, false).summary().reused, 3);
    let mut forged = cache_record();
    for target in forged.targets.values_mut() {
        target.stamp_names = Some("../../sacrificial/keep".into());
    }
    std::fs::write(cache_file(), forged.to_bytes()).unwrap();
    assert_eq!(run(&plan, &cached, false).summary().reused, 3);
    for target in cache_record().targets.values() {
        assert_eq!(target.stamp_names.as_deref(), Some("configmap-web.yaml"));
    }
    // Names in the output directory's record are dropped, as its stamps are.
    run(&plan, &Destination::new(&out), false);
    let mut forged = record_of(&out);
    for target in forged.targets.values_mut() {
        target.stamp_names = Some("configmap-web.yaml".into());
    }
    std::fs::write(out.join(kcfg_render::outdir::INPUTS), forged.to_bytes()).unwrap();
    run(&plan, &Destination::new(&out), false);
    assert!(record_of(&out)
        .targets
        .values()
        .all(|t| t.stamp_names.is_none()));
    sacrificial_kept(&tmp);
}

/// A destination `out` with a default cache in `tmp` (the output's record
/// kept too), and that cache.
fn with_default_cache(tmp: &tempfile::TempDir, out: &Path) -> (Destination, CacheDir) {
    let (mut beside, cache) = with_cache_dir(tmp, out);
    beside.keep_output_record = true;
    (beside, cache)
}

/// A destination `out` with `--cache` `tmp/cache`, and that cache.
fn with_cache_dir(tmp: &tempfile::TempDir, out: &Path) -> (Destination, CacheDir) {
    let cache = tmp.path().join("cache");
    let mut cached = Destination::new(out);
    cached.cache = Some(cache.clone());
    (cached, CacheDir(cache))
}

/// A cache directory holding one record.
struct CacheDir(PathBuf);

impl CacheDir {
    fn file(&self) -> PathBuf {
        std::fs::read_dir(&self.0)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| path.to_string_lossy().contains("kcfg-inputs-"))
            .unwrap()
    }

    fn record(&self) -> kcfg_render::inputs::Record {
        kcfg_render::inputs::Record::parse(
            &std::fs::read(self.file()).unwrap(),
            kcfg_render::settings::DEFAULT_BUILD,
        )
        .unwrap()
    }
}

#[test]
fn issue18_default_cache_keeps_the_output_record_too() {
    use std::os::unix::fs::MetadataExt;
    let (tmp, plan, out) = small_fleet();
    let (beside, cache) = with_default_cache(&tmp, &out);
    let cache_file = || cache.file();
    let cache_record = || cache.record();
    let unstamped = |mut record: kcfg_render::inputs::Record| {
        record.forget_stamps();
        record
    };
    assert_eq!(run(&plan, &beside, false).summary().evaluated, 3);
    // Both records, the same but for the cache's stamps (none yet: too
    // recent) and its digest of the output's.
    assert_eq!(record_of(&out), unstamped(cache_record()));
    std::thread::sleep(kcfg_render::outdir::SETTLE + std::time::Duration::from_millis(200));
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert!(cache_record().targets.values().all(|t| t.stamp.is_some()));
    assert!(record_of(&out).targets.values().all(|t| t.stamp.is_none()));
    assert_eq!(record_of(&out), unstamped(cache_record()));
    // Nothing changed: neither record is written again.
    let identity = |path: &Path| {
        let meta = std::fs::metadata(path).unwrap();
        (meta.ino(), meta.mtime_nsec())
    };
    let record = out.join(kcfg_render::outdir::INPUTS);
    let before = (identity(&record), identity(&cache_file()));
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert_eq!((identity(&record), identity(&cache_file())), before);
    // The cache's record keeps a stamp of the output's, which then need not
    // be read to be known current; an edit in place changes the stamp even
    // when it keeps the size and the modification time, and is undone.
    assert!(cache_record().output_stamp.is_some());
    let modified = std::fs::metadata(&record).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&record).unwrap();
    let at = text.find("\"outputs\": \"").unwrap() + 12;
    let flipped = if &text[at..=at] == "0" { "1" } else { "0" };
    let edited = format!("{}{flipped}{}", &text[..at], &text[at + 1..]);
    std::fs::write(&record, &edited).unwrap();
    let file = std::fs::File::options().write(true).open(&record).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert_eq!(std::fs::read_to_string(&record).unwrap(), text);
    assert_eq!(cache_record().output_stamp, None, "written: not settled");
    // The cache's record has every target: the output's is not read, but
    // it is still written back as it should be when it is not.
    let mut forged = record_of(&out);
    forged
        .targets
        .values_mut()
        .for_each(|t| t.stamp = Some("0".repeat(64)));
    std::fs::write(&record, forged.to_bytes()).unwrap();
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert_eq!(record_of(&out), unstamped(cache_record()));
    std::fs::remove_file(&record).unwrap();
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert_eq!(record_of(&out), unstamped(cache_record()));
    // A check trusts the cache's record and still finds an edit.
    let check = run(&plan, &beside, true);
    assert_eq!((check.summary().reused, check.success()), (3, true));
    let file = out.join("c2/web/configmap-web.yaml");
    let good = std::fs::read(&file).unwrap();
    std::fs::write(&file, "edited").unwrap();
    let check = run(&plan, &beside, true);
    assert_eq!(check.summary().evaluated, 1);
    assert!(!check.success());
    assert_eq!(run(&plan, &beside, false).summary().evaluated, 1);
    assert_eq!(std::fs::read(&file).unwrap(), good);
    // Without the cache's record (a new machine), a write reuses from the
    // output's, reading the files. The cache keeps those entries marked as
    // taken on the output's word, with their stamps once settled: later
    // writes reuse them as they would the output's record, and a check
    // ignores them (it evaluates, and then records what it found itself).
    std::fs::remove_dir_all(&cache.0).unwrap();
    std::thread::sleep(kcfg_render::outdir::SETTLE + std::time::Duration::from_millis(200));
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert!(cache_record()
        .targets
        .values()
        .all(|t| t.vouched && t.stamp.is_some()));
    assert_eq!(record_of(&out), unstamped(cache_record()));
    let before = identity(&cache_file());
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert_eq!(identity(&cache_file()), before);
    assert_eq!(run(&plan, &beside, true).summary().evaluated, 3);
    assert!(cache_record().targets.values().all(|t| !t.vouched));
    assert_eq!(record_of(&out), unstamped(cache_record()));
    assert_eq!(run(&plan, &beside, true).summary().reused, 3);
    sacrificial_kept(&tmp);
}

#[test]
fn issue18_a_recent_output_record_is_known_by_its_digest() {
    use std::os::unix::fs::MetadataExt;
    let (tmp, plan, out) = small_fleet();
    let (beside, cache) = with_default_cache(&tmp, &out);
    let cache_file = || cache.file();
    let cache_record = || cache.record();
    let record = out.join(kcfg_render::outdir::INPUTS);
    let digest_of_file = || kcfg_render::inputs::file_digest(&std::fs::read(&record).unwrap());
    let identity = |path: &Path| {
        let meta = std::fs::metadata(path).unwrap();
        (meta.ino(), meta.ctime(), meta.ctime_nsec())
    };
    // Written just now: no stamp to stand for it, but the digest of what
    // was written.
    assert_eq!(run(&plan, &beside, false).summary().evaluated, 3);
    let kept = cache_record();
    assert_eq!(kept.output_stamp, None);
    assert_eq!(kept.output_digest, Some(digest_of_file()));
    // At once again (the file too recent for a stamp): known by its
    // digest, neither record written again.
    let before = (identity(&record), identity(&cache_file()));
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert_eq!((identity(&record), identity(&cache_file())), before);
    assert_eq!(cache_record(), kept);
    // An edit, at once, is not the digest: the file is written back.
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replace("\"objects\": ", "\"objects\": 1")).unwrap();
    assert_ne!(Some(digest_of_file()), kept.output_digest);
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert_eq!(std::fs::read_to_string(&record).unwrap(), text);
    assert_eq!(cache_record().output_digest, Some(digest_of_file()));
    // A digest in the output's own record is someone's word: dropped, and
    // the file written back without it.
    let mut forged = record_of(&out);
    forged.output_digest = Some(digest_of_file());
    std::fs::write(&record, forged.to_bytes()).unwrap();
    assert_eq!(run(&plan, &beside, false).summary().reused, 3);
    assert_eq!(std::fs::read_to_string(&record).unwrap(), text);
    sacrificial_kept(&tmp);
}

#[test]
fn issue18_default_cache_never_takes_the_word_of_the_output_record() {
    let (tmp, plan, out) = small_fleet();
    let mut beside = Destination::new(&out);
    beside.cache = Some(tmp.path().join("cache"));
    beside.keep_output_record = true;
    run(&plan, &beside, false);
    // A forger edits an output and the output's record with it,
    // consistently, on a machine whose cache does not know the target.
    forge_web(&out);
    std::fs::remove_dir_all(tmp.path().join("cache")).unwrap();
    // A write believes the output's record (as without a cache) and
    // leaves the edit; the check after it, which believes only the
    // cache, still finds it.
    let write = run(&plan, &beside, false);
    assert_eq!(write.summary().reused, 3);
    let check = run(&plan, &beside, true);
    assert_eq!(check.summary().evaluated, 3);
    assert!(!check.success());
    assert_eq!(differing(&check), ["c2/web"]);
    // And again: the check did not record the edited target.
    let again = run(&plan, &beside, true);
    assert_eq!((again.summary().evaluated, again.success()), (1, false));
}

/// Edits `c2/web`'s config map in `out`, and the output's record to match,
/// as a forger would.
fn forge_web(out: &Path) -> PathBuf {
    let file = out.join("c2/web/configmap-web.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: evil\n",
    )
    .unwrap();
    let mut record = record_of(out);
    let mut files = kcfg_render::output::Files::new();
    files.insert("configmap-web.yaml".into(), std::fs::read(&file).unwrap());
    record.targets.get_mut("c2/web").unwrap().outputs = kcfg_render::inputs::files_digest(&files);
    std::fs::write(out.join(kcfg_render::outdir::INPUTS), record.to_bytes()).unwrap();
    file
}
