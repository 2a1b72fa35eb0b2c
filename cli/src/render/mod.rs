//! The fleet renderer behind `kcfg render` (issue 5).
//!
//! The flow, one module per stage:
//!
//! ```text
//! render.kcfg ──plan──▶ targets ──target (parallel)──▶ files in memory ──output──▶ OUT/<target>/…
//!              (generators,         (evaluate, objects,                 (atomic swap, or
//!               template)            policies, YAML/JSON)                check: compare + diff)
//! ```
//!
//! * [`plan`] evaluates the plan once and reads its targets into plain data;
//!   [`generators`] expands the plan's generators (it reads inventories and
//!   lists directories, which the language may not do).
//! * [`target`] renders one target on a worker thread: its own arena and
//!   evaluation over a [`Program`] shared by all targets with the same
//!   import path, so each file is parsed once per render. [`objects`] finds
//!   the Kubernetes objects in its value, [`policy`] runs the fleet
//!   policies on them.
//! * [`output`] lays the objects out as files and writes each target
//!   atomically as soon as it is rendered, so memory follows the largest
//!   target, not the fleet. [`check`] compares instead of writing.
//! * [`progress`] draws the bar; this module runs the stages in a rayon pool
//!   and prints the summary, the failures and the policy violations.

pub mod check;
pub mod generators;
pub mod json;
pub mod libraries;
pub mod objects;
pub mod output;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod target;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use globset::GlobSet;
use kcfg_lang::eval::ExtValue;
use kcfg_lang::program::Program;
use rayon::prelude::*;

use self::output::{OutDir, Output, OutputOptions, Written};
use self::plan::{Plan, PlanInput, Target};
use self::policy::Violation;
use self::progress::Progress;
use crate::importer::FsImporter;

/// Everything `kcfg render` was asked to do, validated.
pub struct Settings {
    /// The plan's directory.
    pub plan_dir: PathBuf,
    /// The output directory (`--out`), if given.
    pub out: Option<PathBuf>,
    /// Compare instead of writing.
    pub check: bool,
    /// Only targets whose name matches (`--only`).
    pub only: Option<GlobSet>,
    /// Worker threads.
    pub jobs: usize,
    /// Stop at the first failing target.
    pub fail_fast: bool,
    /// No progress bar, no summary.
    pub quiet: bool,
    /// Colors and rich diagnostics on standard error.
    pub rich_stderr: bool,
    /// Colored diffs on standard output.
    pub color_stdout: bool,
    /// Output options from the command line (override the plan's).
    pub output: OutputOptions,
    /// `-J` directories.
    pub jpath: Vec<PathBuf>,
    /// `--ext-*` for the plan.
    pub ext_vars: Vec<(String, ExtValue)>,
    /// `--tla-*` for the plan.
    pub tlas: Vec<(String, ExtValue)>,
    /// `--max-stack`.
    pub max_stack: usize,
    /// `--max-trace`.
    pub max_trace: usize,
}

/// What happened to one target.
enum Status {
    Written(Written),
    Same,
    Differs(check::Difference),
    Failed(String),
    Violations(Vec<(String, Violation)>),
    Skipped,
}

struct Report {
    name: String,
    status: Status,
    objects: usize,
    bytes: usize,
}

/// Runs `kcfg render`. Expects to run on a thread with a large stack.
pub fn run(settings: Settings) -> ExitCode {
    let started = Instant::now();
    let mut stderr = std::io::stderr();
    let plan = match plan::load(&PlanInput {
        dir: &settings.plan_dir,
        jpath: &settings.jpath,
        ext_vars: &settings.ext_vars,
        tlas: &settings.tlas,
        max_stack: settings.max_stack,
        max_trace: settings.max_trace,
        rich: settings.rich_stderr,
        importer: None,
        interrupt: None,
    }) {
        Ok(plan) => plan,
        Err(text) => {
            let _ = stderr.write_all(text.as_bytes());
            return ExitCode::from(1);
        }
    };
    match render_plan(&settings, plan, started) {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(stderr, "error: {message}");
            ExitCode::from(1)
        }
    }
}

fn selected(settings: &Settings, name: &str) -> bool {
    settings
        .only
        .as_ref()
        .is_none_or(|only| only.is_match(name))
}

fn render_plan(settings: &Settings, plan: Plan, started: Instant) -> Result<ExitCode, String> {
    let out_root = match &settings.out {
        Some(out) => out.clone(),
        None if plan.dir == Path::new(".") => PathBuf::from("rendered"),
        None => plan.dir.join("rendered"),
    };
    let total_in_plan = plan.targets.len();
    let targets: Vec<&Target> = plan
        .targets
        .iter()
        .filter(|target| selected(settings, &target.name))
        .collect();
    if settings.only.is_some() && targets.is_empty() {
        return Err(format!(
            "no target of the plan matches --only ({total_in_plan} targets in the plan)"
        ));
    }
    let outputs: Vec<Output> = targets
        .iter()
        .map(|target| {
            settings
                .output
                .over(&target.output.over(&plan.output))
                .resolve()
                .map_err(|err| format!("target {}: {err}", target.name))
        })
        .collect::<Result<_, _>>()?;

    let out_dir = OutDir::open(&out_root)?;
    let in_plan: BTreeSet<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
    let stale: Vec<String> = out_dir
        .listed
        .iter()
        .filter(|name| !in_plan.contains(name.as_str()) && selected(settings, name))
        .cloned()
        .collect();
    if !settings.check {
        out_dir
            .prepare()
            .map_err(|err| format!("cannot create {}: {err}", out_root.display()))?;
        // Stale targets go first: a new target may be written where an old
        // one's directory was (`a` then `a/b`, or the reverse).
        for name in &stale {
            out_dir
                .remove_target(name)
                .map_err(|err| format!("cannot remove the stale target {name}: {err}"))?;
        }
    }

    // One program per import path: targets that search the same
    // directories share parsed files.
    let jsonnet_path = std::env::var("JSONNET_PATH").ok();
    let mut programs: HashMap<Vec<PathBuf>, Arc<Program>> = HashMap::new();
    let target_programs: Vec<Arc<Program>> = targets
        .iter()
        .map(|target| {
            let mut search = settings.jpath.clone();
            search.extend(target.jpath.iter().cloned());
            programs
                .entry(search)
                .or_insert_with_key(|search| {
                    let importer = FsImporter::new(search, jsonnet_path.as_deref());
                    Arc::new(
                        Program::new(Arc::new(importer), kcfg_stdlib::std())
                            .with_memory_limit(crate::memory::memory().clone()),
                    )
                })
                .clone()
        })
        .collect();

    let progress = Arc::new(Progress::new(
        targets.len(),
        !settings.quiet && stderr_is_terminal(),
    ));
    let trace_progress = progress.clone();
    let shared = target::Shared {
        policies: &plan.policies,
        max_stack: settings.max_stack,
        max_trace: settings.max_trace,
        rich: settings.rich_stderr,
        trace: Arc::new(move |line: &str| trace_progress.println(line)),
    };
    let stop = AtomicBool::new(false);
    let style = check::Style {
        color: settings.color_stdout,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .stack_size(crate::EVAL_STACK)
        .thread_name(|index| format!("kcfg-render-{index}"))
        .build()
        .map_err(|err| format!("cannot start the worker threads: {err}"))?;
    let reports: Vec<Report> = pool.install(|| {
        targets
            .par_iter()
            .zip(outputs.par_iter())
            .zip(target_programs.par_iter())
            .map(|((target, output), program)| {
                let report = if stop.load(Ordering::Relaxed) {
                    Report {
                        name: target.name.clone(),
                        status: Status::Skipped,
                        objects: 0,
                        bytes: 0,
                    }
                } else {
                    let report =
                        render_one(settings, &out_dir, target, output, program, &shared, style);
                    if settings.fail_fast
                        && matches!(report.status, Status::Failed(_) | Status::Violations(_))
                    {
                        stop.store(true, Ordering::Relaxed);
                    }
                    report
                };
                progress.target_done(report.objects);
                report
            })
            .collect()
    });
    progress.finish();

    if !settings.check {
        // The marker lists what is on disk: the targets listed before, less
        // the stale ones just removed, plus those written now (a failed
        // target keeps its old directory, and its entry).
        let mut listed = out_dir.listed.clone();
        for name in &stale {
            listed.remove(name);
        }
        for report in &reports {
            if matches!(report.status, Status::Written(_)) {
                listed.insert(report.name.clone());
            }
        }
        out_dir.write_marker(&listed).map_err(|err| {
            format!(
                "cannot write {}: {err}",
                out_root.join(output::MARKER).display()
            )
        })?;
    }
    Ok(finish(settings, &out_root, &reports, &stale, started))
}

fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

fn render_one(
    settings: &Settings,
    out_dir: &OutDir,
    target: &Target,
    output: &Output,
    program: &Program,
    shared: &target::Shared<'_>,
    style: check::Style,
) -> Report {
    let mut report = Report {
        name: target.name.clone(),
        status: Status::Skipped,
        objects: 0,
        bytes: 0,
    };
    let rendered = match target::render(target, output, program, shared) {
        Ok(rendered) => rendered,
        Err(text) => {
            report.status = Status::Failed(text);
            return report;
        }
    };
    report.objects = rendered.objects;
    report.bytes = rendered.bytes();
    if !rendered.violations.is_empty() {
        report.status = Status::Violations(rendered.violations);
        return report;
    }
    let dir = out_dir.target_dir(&target.name);
    report.status = if settings.check {
        match output::read_tree(&dir) {
            Ok(on_disk) => {
                let shown = dir.display().to_string();
                match check::compare(
                    &target.name,
                    &shown,
                    on_disk.as_ref(),
                    &rendered.files,
                    style,
                ) {
                    None => Status::Same,
                    Some(difference) => Status::Differs(difference),
                }
            }
            Err(err) => Status::Failed(format!("cannot read {}: {err}\n", dir.display())),
        }
    } else {
        match output::write_target(&dir, &rendered.files) {
            Ok(written) => Status::Written(written),
            Err(err) => Status::Failed(format!("cannot write {}: {err}\n", dir.display())),
        }
    };
    report
}

/// Prints the differences, failures, violations and the summary, and picks
/// the exit status.
fn finish(
    settings: &Settings,
    out_root: &Path,
    reports: &[Report],
    stale: &[String],
    started: Instant,
) -> ExitCode {
    let mut reports: Vec<&Report> = reports.iter().collect();
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let rich = settings.rich_stderr;
    let paint = |code: &str, text: &str| {
        if rich {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut objects = 0;
    let mut bytes = 0;
    for report in &reports {
        objects += report.objects;
        bytes += report.bytes;
        let key = match &report.status {
            Status::Written(Written::Replaced) => "written",
            Status::Written(Written::Unchanged) => "unchanged",
            Status::Same => "identical",
            Status::Differs(_) => "differ",
            Status::Failed(_) => "failed",
            Status::Violations(_) => "failed",
            Status::Skipped => "skipped",
        };
        *counts.entry(key).or_default() += 1;
    }

    // --check: the differences, on standard output.
    if settings.check {
        for report in &reports {
            if let Status::Differs(difference) = &report.status {
                let _ = stdout.write_all(difference.report.as_bytes());
            }
        }
        for name in stale {
            let line = format!(
                "target {name}: no longer in the plan ({} would be removed)",
                out_root.join(name).display()
            );
            let _ = writeln!(
                stdout,
                "{}",
                check::Style {
                    color: settings.color_stdout
                }
                .paint("1", &line)
            );
        }
        let _ = stdout.flush();
    } else {
        for name in stale {
            let _ = writeln!(
                stderr,
                "removed {}: target {name} is no longer in the plan",
                out_root.join(name).display()
            );
        }
    }

    // Failures, each with its full diagnostic.
    let failures: Vec<(&str, &str)> = reports
        .iter()
        .filter_map(|report| match &report.status {
            Status::Failed(text) => Some((report.name.as_str(), text.as_str())),
            _ => None,
        })
        .collect();
    for (name, text) in &failures {
        let header = paint("1;31", &format!("error: target {name}:"));
        if text.trim_end().contains('\n') {
            let _ = writeln!(stderr, "{header}");
            let _ = stderr.write_all(text.as_bytes());
        } else {
            let _ = write!(stderr, "{header} {text}");
        }
    }

    // Policy violations of every target, all at once.
    let violations: Vec<(&str, &str, &Violation)> = reports
        .iter()
        .flat_map(|report| match &report.status {
            Status::Violations(found) => found
                .iter()
                .map(|(object, violation)| (report.name.as_str(), object.as_str(), violation))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    if !violations.is_empty() {
        let targets: BTreeSet<&str> = violations.iter().map(|(target, _, _)| *target).collect();
        let _ = writeln!(
            stderr,
            "{}",
            paint(
                "1;31",
                &format!(
                    "error: {} policy violation{} in {} target{}:",
                    violations.len(),
                    plural(violations.len()),
                    targets.len(),
                    plural(targets.len())
                )
            )
        );
        for (target, object, violation) in &violations {
            let _ = writeln!(
                stderr,
                "  {target}: {object}: [{}] {}",
                violation.rule, violation.message
            );
        }
    }

    let failed = counts.get("failed").copied().unwrap_or(0);
    // In --check, a stale target is a difference; a render removes it.
    let differ =
        counts.get("differ").copied().unwrap_or(0) + if settings.check { stale.len() } else { 0 };
    if !settings.quiet {
        let verb = if settings.check {
            "checked"
        } else {
            "rendered"
        };
        let mut parts = Vec::new();
        for key in [
            "written",
            "unchanged",
            "identical",
            "differ",
            "failed",
            "skipped",
        ] {
            if let Some(count) = counts.get(key) {
                parts.push(format!("{count} {key}"));
            }
        }
        if !stale.is_empty() {
            parts.push(format!(
                "{} stale target{} {}",
                stale.len(),
                plural(stale.len()),
                if settings.check {
                    "to remove"
                } else {
                    "removed"
                }
            ));
        }
        let _ = writeln!(
            stderr,
            "{verb} {} target{} {} {}: {} object{}, {} in {:.2}s ({})",
            reports.len(),
            plural(reports.len()),
            if settings.check { "against" } else { "into" },
            out_root.display(),
            objects,
            plural(objects),
            human_bytes(bytes),
            started.elapsed().as_secs_f64(),
            parts.join(", ")
        );
        if settings.check && differ > 0 && failed == 0 && violations.is_empty() {
            let _ = writeln!(
                stderr,
                "{} differ from the plan; run `kcfg render` to update them",
                out_root.display()
            );
        }
    }
    if failed > 0 || differ > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `1.5 MB`, `980 B`.
fn human_bytes(bytes: usize) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < units.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}
