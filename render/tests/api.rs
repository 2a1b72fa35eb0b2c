//! kcfg-render's public API as an embedding program uses it (issue 15):
//! load a plan with explicit settings, select targets, render them into
//! memory, into an output directory and against one, and read the results
//! as values (statuses, diagnostics, violations, summaries, events).
//!
//! Every test works in its own temporary directory; the tests that write
//! keep a sacrificial sibling of the output directory and check that it is
//! unchanged afterwards.

// A test reads and writes files, as an embedding program does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kcfg_render::importer::FileSystem;
use kcfg_render::outdir::Written;
use kcfg_render::{
    Action, Batch, Destination, Error, Event, Failure, OutputOptions, Renderer, Selection,
    Settings, Status, Summary,
};

/// A plan directory made of `files` (path → text).
fn plan_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Every file below `dir`: path relative to it → content.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
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

const WEB: &str = "function(replicas) {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web' }, spec: { replicas: replicas },
}";

const FLEET_PLAN: &str = "{
  targets: [
    { name: 'edge-1/web', entry: 'web.kcfg', tlas: { replicas: 2 } },
    { name: 'edge-2/web', entry: 'web.kcfg', tlas: { replicas: 20 } },
    { name: 'edge-3/broken', entry: 'broken.kcfg' },
  ],
  policies: ['policies/replicas.kcfg'],
}";

const REPLICAS_POLICY: &str = "function(object, target)
  [if object.spec.replicas > 10 then 'at most 10 replicas']";

fn fleet() -> tempfile::TempDir {
    plan_dir(&[
        ("render.kcfg", FLEET_PLAN),
        ("web.kcfg", WEB),
        ("broken.kcfg", "{ a: error 'no cluster here' }"),
        ("policies/replicas.kcfg", REPLICAS_POLICY),
    ])
}

#[test]
fn issue15_render_in_memory_reports_each_target() {
    let dir = fleet();
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let names: Vec<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["edge-1/web", "edge-2/web", "edge-3/broken"]);

    let batch = Batch::from_plan(&plan, &Selection::all(), &OutputOptions::default()).unwrap();
    let events = Mutex::new(Vec::new());
    let reports = renderer
        .render(&batch, &|event| {
            let seen = match event {
                Event::Started { targets } => format!("started {targets}"),
                Event::TargetDone(report) => format!("done {}", report.name),
                other => format!("{other:?}"),
            };
            events.lock().unwrap().push(seen);
        })
        .unwrap();

    let mut events = events.into_inner().unwrap();
    assert_eq!(events.remove(0), "started 3");
    events.sort();
    assert_eq!(
        events,
        ["done edge-1/web", "done edge-2/web", "done edge-3/broken"]
    );

    // The reports come back in the batch's order.
    let Status::Rendered(web) = &reports[0].status else {
        panic!("{:?}", reports[0].status);
    };
    assert!(web.violations.is_empty());
    assert_eq!(web.objects.len(), 1);
    assert_eq!(web.objects[0].id.to_string(), "Deployment web");
    let yaml = String::from_utf8(web.files["deployment-web.yaml"].clone()).unwrap();
    assert!(yaml.contains("replicas: 2\n"), "{yaml}");

    // A broken policy is a violation, also as a diagnostic.
    let violations = reports[1].violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, "replicas");
    assert_eq!(
        violations[0].diagnostic("edge-2/web").message,
        "edge-2/web: Deployment web: [replicas] at most 10 replicas"
    );
    assert!(reports[1].status.is_failure());

    // A failed evaluation keeps its diagnostic and the sources it names.
    let Status::Failed(Failure::Eval(err)) = &reports[2].status else {
        panic!("{:?}", reports[2].status);
    };
    let text = err.render_plain(20);
    assert!(
        text.starts_with("RUNTIME ERROR: no cluster here\n"),
        "{text}"
    );
    assert!(text.contains("broken.kcfg:1:"), "{text}");

    let summary = Summary::of(&reports);
    assert_eq!(
        summary,
        Summary {
            targets: 3,
            rendered: 1,
            failed: 2,
            objects: 2,
            bytes: reports[0].bytes + reports[1].bytes,
            violations: 1,
            evaluated: 3,
            ..Summary::default()
        }
    );
}

#[test]
fn issue15_fail_fast_skips_the_targets_not_started() {
    let dir = fleet();
    let mut settings = Settings::new(FileSystem::default());
    // One job: the targets run in order, so the first failure is known.
    settings.jobs = 1;
    let renderer = Renderer::new(settings);
    let plan = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let selection = Selection::globs(["edge-2/*", "edge-3/*", "edge-1/*"]).unwrap();
    let mut batch = Batch::from_plan(&plan, &selection, &OutputOptions::default()).unwrap();
    batch.fail_fast = true;
    // Plan order, whatever the order of the globs.
    let names: Vec<&str> = batch.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["edge-1/web", "edge-2/web", "edge-3/broken"]);
    let reports = renderer.render(&batch, &|_| {}).unwrap();
    assert!(matches!(reports[0].status, Status::Rendered(_)));
    assert!(reports[1].status.is_failure());
    assert!(matches!(reports[2].status, Status::Skipped));
    assert_eq!(Summary::of(&reports).skipped, 1);
}

#[test]
fn issue15_a_selection_that_matches_nothing_is_an_error() {
    let dir = fleet();
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let selection = Selection::globs(["prod-*/*"]).unwrap();
    let err = Batch::from_plan(&plan, &selection, &OutputOptions::default()).unwrap_err();
    assert!(
        matches!(err, Error::NothingSelected { in_plan: 3, .. }),
        "{err}"
    );
    let bad = Selection::globs(["edge-[1"]).unwrap_err();
    assert_eq!(bad.pattern.as_deref(), Some("edge-[1"));
}

#[test]
fn issue15_a_plan_that_is_missing_or_fails_is_an_error_value() {
    let empty = tempfile::tempdir().unwrap();
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let err = renderer.load_plan(empty.path(), &[], &[]).unwrap_err();
    assert!(matches!(err, Error::NoPlan { .. }), "{err}");

    let dir = plan_dir(&[("render.kcfg", "{ targets: [ { name: 1 } ] }")]);
    let err = renderer.load_plan(dir.path(), &[], &[]).unwrap_err();
    assert!(matches!(err, Error::PlanInvalid { .. }), "{err}");

    let dir = plan_dir(&[("render.kcfg", "{ targets: error 'no inventory' }")]);
    let Error::PlanEval { error, .. } = renderer.load_plan(dir.path(), &[], &[]).unwrap_err()
    else {
        panic!("not an evaluation error");
    };
    assert_eq!(error.to_string(), "RUNTIME ERROR: no inventory");
}

#[test]
fn issue15_imports_and_trace_come_from_the_caller() {
    let dir = plan_dir(&[
        (
            "render.kcfg",
            "{ targets: [ { name: 'a', entry: 'a.kcfg' } ] }",
        ),
        (
            "a.kcfg",
            "local lib = import 'shared.libsonnet';
             std.trace('rendering a', lib.configMap('a'))",
        ),
    ]);
    let library = plan_dir(&[(
        "shared.libsonnet",
        "{ configMap(name): { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name } } }",
    )]);

    // Without the library directory the import fails, whatever the
    // process's JSONNET_PATH says: the library reads no environment.
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let batch = Batch::from_plan(&plan, &Selection::all(), &OutputOptions::default()).unwrap();
    let reports = renderer.render(&batch, &|_| {}).unwrap();
    let Status::Failed(failure) = &reports[0].status else {
        panic!("{:?}", reports[0].status);
    };
    assert!(
        failure.diagnostic().message.contains("shared.libsonnet"),
        "{failure}"
    );

    let traced = Arc::new(Mutex::new(Vec::new()));
    let sink = traced.clone();
    let mut settings = Settings::new(FileSystem {
        library_path: vec![library.path().to_path_buf()],
        ..FileSystem::default()
    });
    settings.trace = Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_string()));
    let renderer = Renderer::new(settings);
    let plan = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let batch = Batch::from_plan(&plan, &Selection::all(), &OutputOptions::default()).unwrap();
    let reports = renderer.render(&batch, &|_| {}).unwrap();
    let Status::Rendered(rendered) = &reports[0].status else {
        panic!("{:?}", reports[0].status);
    };
    assert!(rendered.files.contains_key("configmap-a.yaml"));
    let traced = traced.lock().unwrap();
    assert_eq!(traced.len(), 1);
    assert!(traced[0].ends_with("rendering a"), "{traced:?}");
}

#[test]
fn issue15_write_and_check_an_output_directory() {
    let dir = plan_dir(&[
        (
            "render.kcfg",
            "{ targets: [
                 { name: 'edge-1/web', entry: 'web.kcfg', tlas: { replicas: 2 } },
                 { name: 'edge-2/web', entry: 'web.kcfg', tlas: { replicas: 3 } },
               ] }",
        ),
        ("web.kcfg", WEB),
    ]);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let sacrificial = work.path().join("keep");
    std::fs::create_dir_all(&sacrificial).unwrap();
    std::fs::write(sacrificial.join("precious.yaml"), "kind: Precious\n").unwrap();
    let before = snapshot(&sacrificial);

    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let mut destination = Destination::new(&out);
    destination.follow_root = true;

    // Write: both targets are new.
    let report = renderer.write(&plan, &destination, &|_| {}).unwrap();
    assert!(report.success());
    let summary = report.summary();
    assert_eq!((summary.written, summary.unchanged), (2, 0));
    assert!(matches!(
        report.targets[0].status,
        Status::Written(Written::Replaced)
    ));
    assert!(out.join("edge-1/web/deployment-web.yaml").is_file());

    // Write again: nothing changes.
    let report = renderer.write(&plan, &destination, &|_| {}).unwrap();
    assert_eq!(report.summary().unchanged, 2);

    // Check: identical, then a changed file is a difference.
    let report = renderer.check(&plan, &destination, &|_| {}).unwrap();
    assert!(report.success());
    assert_eq!(report.summary().identical, 2);
    std::fs::write(
        out.join("edge-2/web/deployment-web.yaml"),
        "kind: Tampered\n",
    )
    .unwrap();
    let report = renderer.check(&plan, &destination, &|_| {}).unwrap();
    assert!(!report.success());
    let Status::Differs(difference) = &report.targets[1].status else {
        panic!("{:?}", report.targets[1].status);
    };
    assert_eq!(difference.changed, ["deployment-web.yaml"]);
    assert!(!difference.diffs[0].hunks.is_empty());

    // Only the selected targets are looked at.
    destination.selection = Selection::globs(["edge-1/*"]).unwrap();
    let report = renderer.check(&plan, &destination, &|_| {}).unwrap();
    assert!(report.success());
    assert_eq!(report.targets.len(), 1);

    assert_eq!(snapshot(&sacrificial), before);
}

#[test]
fn issue18_an_output_directory_opened_while_the_plan_loads() {
    let two = "{ targets: [
                 { name: 'edge-1/web', entry: 'web.kcfg', tlas: { replicas: 2 } },
                 { name: 'edge-2/web', entry: 'web.kcfg', tlas: { replicas: 3 } },
               ] }";
    let dir = plan_dir(&[("render.kcfg", two), ("web.kcfg", WEB)]);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let sacrificial = work.path().join("keep");
    std::fs::create_dir_all(&sacrificial).unwrap();
    std::fs::write(sacrificial.join("precious.yaml"), "kind: Precious\n").unwrap();
    let before = snapshot(&sacrificial);
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let destination = Destination::new(&out);

    // Opened (nothing written), then the plan loaded, then written.
    let opened = renderer.open_output(&destination).unwrap();
    assert!(!out.exists());
    let plan = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let report = renderer
        .render_opened(&plan, &destination, opened, Action::Write, &|_| {})
        .unwrap();
    assert_eq!(report.summary().written, 2);
    assert!(out.join("edge-2/web/deployment-web.yaml").is_file());

    // A check opened before another render changed the directory checks
    // the directory as it is when the check runs: the marker is read again.
    let opened = renderer.open_output(&destination).unwrap();
    let one = plan_dir(&[
        (
            "render.kcfg",
            "{ targets: [{ name: 'edge-1/web', entry: 'web.kcfg', tlas: { replicas: 2 } }] }",
        ),
        ("web.kcfg", WEB),
    ]);
    let fewer = renderer.load_plan(one.path(), &[], &[]).unwrap();
    let mut allowed = destination.clone();
    allowed.allow_mass_delete = true;
    assert_eq!(
        renderer.write(&fewer, &allowed, &|_| {}).unwrap().stale,
        ["edge-2/web"]
    );
    let report = renderer
        .render_opened(&fewer, &destination, opened, Action::Check, &|_| {})
        .unwrap();
    assert!(report.success(), "{:?}", report.stale);
    assert!(report.stale.is_empty());

    // Opened for another directory: that one is not used, the
    // destination's is opened again.
    let elsewhere = renderer
        .open_output(&Destination::new(work.path().join("other")))
        .unwrap();
    let report = renderer
        .render_opened(&fewer, &destination, elsewhere, Action::Check, &|_| {})
        .unwrap();
    assert_eq!(report.summary().identical, 1);
    assert!(!work.path().join("other").exists());

    assert_eq!(snapshot(&sacrificial), before);
}

#[test]
fn issue15_a_mass_delete_is_refused_before_anything_changes() {
    let two = "{ targets: [
                 { name: 'a', entry: 'web.kcfg', tlas: { replicas: 1 } },
                 { name: 'b', entry: 'web.kcfg', tlas: { replicas: 1 } },
               ] }";
    let dir = plan_dir(&[("render.kcfg", two), ("web.kcfg", WEB)]);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let mut destination = Destination::new(&out);
    destination.follow_root = true;
    renderer.write(&plan, &destination, &|_| {}).unwrap();
    let written = snapshot(&out);

    std::fs::write(dir.path().join("render.kcfg"), "{ targets: [] }").unwrap();
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let empty = renderer.load_plan(dir.path(), &[], &[]).unwrap();
    let Error::MassDelete(mass) = renderer.write(&empty, &destination, &|_| {}).unwrap_err() else {
        panic!("not refused as a mass delete");
    };
    assert_eq!(mass.stale, ["a", "b"]);
    assert!(mass.over_ratio());
    assert_eq!(snapshot(&out), written);

    destination.allow_mass_delete = true;
    let report = renderer.write(&empty, &destination, &|_| {}).unwrap();
    assert_eq!(report.stale, ["a", "b"]);
    assert!(!out.join("a").exists() && !out.join("b").exists());
}
