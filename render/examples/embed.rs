//! Embedding kcfg-render: a program that renders the edge-fleet example
//! (`examples/edge-fleet`) into memory, without the `kcfg` binary, and
//! prints a summary. CI runs it:
//!
//! ```text
//! cargo run --release --locked -p kcfg-render --example embed
//! ```
//!
//! It loads the plan, lists its targets by cluster, renders them all in
//! parallel into memory while a progress callback counts them, prints the
//! slowest targets and the fleet's [`Summary`], and checks that every file
//! equals the one committed under `examples/edge-fleet/rendered/` (which
//! `kcfg render --check` keeps current). It exits 1 when a target failed,
//! broke a policy or differs.

// An embedding program reads files and prints, which the library may not.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use kcfg_render::importer::FileSystem;
use kcfg_render::output::Files;
use kcfg_render::{Batch, Event, OutputOptions, Renderer, Selection, Settings, Status, Summary};

fn main() -> ExitCode {
    let plan_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/edge-fleet");
    match run(&plan_dir) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// Renders the plan in `plan_dir`; whether everything rendered and matched
/// the committed files.
fn run(plan_dir: &Path) -> Result<bool, String> {
    // The import path is the program's choice: here the plan's own
    // directories only, whatever JSONNET_PATH says.
    let renderer = Renderer::new(Settings::new(FileSystem::default()));
    let plan = renderer
        .load_plan(plan_dir, &[], &[])
        .map_err(|err| err.to_string())?;

    let mut clusters: BTreeMap<&str, usize> = BTreeMap::new();
    for target in &plan.targets {
        let cluster = target.name.split('/').next().unwrap_or(&target.name);
        *clusters.entry(cluster).or_default() += 1;
    }
    println!(
        "edge-fleet: {} targets on {} clusters, {} policies",
        plan.targets.len(),
        clusters.len(),
        plan.policies.len()
    );

    let batch = Batch::from_plan(&plan, &Selection::all(), &OutputOptions::default())
        .map_err(|err| err.to_string())?;
    let done = AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let reports = renderer
        .render(&batch, &|event| {
            if let Event::TargetDone(_) = event {
                done.fetch_add(1, Ordering::Relaxed);
            }
        })
        .map_err(|err| err.to_string())?;
    let elapsed = started.elapsed();

    let committed = plan.default_output_dir();
    let mut differing = 0;
    for report in &reports {
        match &report.status {
            Status::Rendered(rendered) => {
                let different = differing_files(&committed.join(&report.name), &rendered.files);
                if !different.is_empty() {
                    differing += 1;
                    println!(
                        "  {}: differs from the committed files: {}",
                        report.name,
                        different.join(", ")
                    );
                }
                for violation in &rendered.violations {
                    println!("  {}: policy: {violation}", report.name);
                }
            }
            Status::Failed(failure) => {
                // A failure is a diagnostic; its plain text is the
                // reference's, with the stack trace.
                let text = match failure {
                    kcfg_render::Failure::Eval(err) => err.render_plain(20),
                    other => format!("{other}\n"),
                };
                print!("  {} failed:\n{text}", report.name);
            }
            _ => println!("  {}: not rendered", report.name),
        }
    }

    // Per-target timings: the three slowest targets.
    let mut slowest: Vec<_> = reports.iter().collect();
    slowest.sort_by_key(|report| std::cmp::Reverse(report.elapsed));
    for report in slowest.iter().take(3) {
        println!(
            "  slow: {} ({} objects, {} bytes) in {:.1} ms",
            report.name,
            report.objects,
            report.bytes,
            report.elapsed.as_secs_f64() * 1000.0
        );
    }

    let summary = Summary::of(&reports);
    println!(
        "{} of {} targets rendered in {:.2}s ({} reported done): {} objects, {} bytes, \
         {} policy violations, {} failed, {} differ from the committed {}/",
        summary.rendered,
        summary.targets,
        elapsed.as_secs_f64(),
        done.load(Ordering::Relaxed),
        summary.objects,
        summary.bytes,
        summary.violations,
        summary.failed,
        differing,
        committed
            .strip_prefix(plan_dir)
            .unwrap_or(&committed)
            .display()
    );
    Ok(summary.failed == 0 && differing == 0 && summary.rendered == summary.targets)
}

/// The files of `rendered` that are not, byte for byte, in `dir`, and the
/// files of `dir` that `rendered` lacks.
fn differing_files(dir: &Path, rendered: &Files) -> Vec<String> {
    let mut different: Vec<String> = rendered
        .iter()
        .filter(|(path, bytes)| std::fs::read(dir.join(path)).ok().as_ref() != Some(*bytes))
        .map(|(path, _)| path.clone())
        .collect();
    let mut on_disk = Vec::new();
    list_files(dir, dir, &mut on_disk);
    different.extend(
        on_disk
            .into_iter()
            .filter(|path| !rendered.contains_key(path)),
    );
    different
}

/// Every file below `dir`, relative to `root`, with `/` between components.
fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path: PathBuf = entry.path();
        if path.is_dir() {
            list_files(root, &path, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}
