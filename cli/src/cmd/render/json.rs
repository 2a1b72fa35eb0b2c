//! `kcfg render --output json`: the render as one JSON object on standard
//! output, for programs (CI annotations, dashboards) rather than people
//! (issue 16, item 4). The README's "The JSON report of kcfg render"
//! documents the schema; field names are stable, and `version` changes if
//! one ever has to change meaning.
//!
//! The report holds the targets (status, objects, files, time, their own
//! diagnostics, and with `--check` what differs), the targets removed and
//! the leftovers, every diagnostic of the render grouped across targets as
//! `kcfg_render::group` groups them (each naming its targets), the counts
//! and the timings. A render that stopped before rendering (a plan that
//! fails, an output directory that is not kcfg's) is a report with status
//! `error`, no targets, and the reason as its one diagnostic.

use std::time::Duration;

use kcfg_render::check::Difference;
use kcfg_render::outdir::Written;
use kcfg_render::{group, DirReport, Error, Status, TargetReport};
use serde_json::{json, Value as Json};

use crate::report;

/// The version of the report's schema.
const VERSION: u32 = 1;

/// The report of a render (or check) that ran; `elapsed` is the whole
/// command's time.
pub fn report(dir: &DirReport, elapsed: Duration) -> Json {
    let summary = dir.summary();
    let status = if summary.failed > 0 {
        "failed"
    } else if !dir.success() {
        "differs"
    } else {
        "ok"
    };
    let mut diagnostics: Vec<Json> = group::failures(&dir.targets)
        .iter()
        .map(|group| report::with_targets(report::failure_json(group.failure), &group.targets))
        .collect();
    diagnostics.extend(group::violations(&dir.targets).iter().map(|group| {
        report::with_targets(report::violation_json(group.violation), &group.targets)
    }));
    json!({
        "version": VERSION,
        "status": status,
        "check": dir.check,
        "root": dir.root.display().to_string(),
        "summary": {
            "targets": summary.targets,
            "written": summary.written,
            "unchanged": summary.unchanged,
            "identical": summary.identical,
            "differ": summary.differ,
            "failed": summary.failed,
            "skipped": summary.skipped,
            "objects": summary.objects,
            "bytes": summary.bytes,
            "violations": summary.violations,
            "evaluated": summary.evaluated,
            "reused": summary.reused,
        },
        "incremental": {
            "enabled": dir.incremental,
            "records_ignored": dir.records_ignored,
        },
        "targets": dir.targets.iter().map(target).collect::<Vec<_>>(),
        "stale": dir.stale,
        "leftovers": dir
            .leftovers
            .iter()
            .map(|leftover| leftover.path.display().to_string())
            .collect::<Vec<_>>(),
        "empty_generators": dir.empty_generators,
        "diagnostics": diagnostics,
        "timings": {
            "total_ms": millis(elapsed),
            "render_ms": millis(dir.elapsed),
        },
    })
}

/// The report of a render that stopped before (or instead of) rendering.
pub fn stopped(err: &Error, elapsed: Duration) -> Json {
    json!({
        "version": VERSION,
        "status": "error",
        "check": null,
        "root": null,
        "summary": null,
        "incremental": null,
        "targets": [],
        "stale": [],
        "leftovers": [],
        "empty_generators": [],
        "diagnostics": [report::render_error_json(err)],
        "timings": {
            "total_ms": millis(elapsed),
            "render_ms": null,
        },
    })
}

fn target(target: &TargetReport) -> Json {
    let status = match &target.status {
        Status::Rendered(_) => "rendered",
        Status::Written(Written::Replaced) => "written",
        Status::Written(Written::Unchanged) => "unchanged",
        Status::Same => "identical",
        Status::Differs(_) => "differs",
        Status::Failed(_) => "failed",
        Status::Violations(_) => "violations",
        Status::Skipped => "skipped",
    };
    let mut diagnostics = Vec::new();
    if let Status::Failed(failure) = &target.status {
        diagnostics.push(report::failure_json(failure));
    }
    diagnostics.extend(target.violations().iter().map(report::violation_json));
    let differences = match &target.status {
        Status::Differs(difference) => differences(difference),
        _ => Json::Null,
    };
    json!({
        "name": target.name,
        "status": status,
        "objects": target.objects,
        "bytes": target.bytes,
        "files": target.files,
        "elapsed_ms": millis(target.elapsed),
        "evaluated": target.evaluated,
        "diagnostics": diagnostics,
        "differences": differences,
    })
}

fn differences(difference: &Difference) -> Json {
    json!({
        "missing": difference.missing,
        "added": difference.added,
        "removed": difference.removed,
        "changed": difference.changed,
        "foreign": difference
            .foreign
            .iter()
            .map(|(path, what)| json!({ "path": path, "what": what }))
            .collect::<Vec<_>>(),
    })
}

/// Milliseconds, to the microsecond.
fn millis(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
