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
//! * [`output`] lays the objects out as files; [`outdir`] writes each
//!   target atomically as soon as it is rendered, so memory follows the
//!   largest target, not the fleet, and keeps to what kcfg owns in the
//!   output directory (its rules are in its header; [`disk`] never follows
//!   a symbolic link). [`check`] compares instead of writing.
//! * [`progress`] draws the bar; this module runs the stages in a rayon pool
//!   and prints the summary, the failures and the policy violations.

pub mod check;
pub mod disk;
pub mod generators;
pub mod json;
pub mod libraries;
pub mod objects;
pub mod outdir;
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
use std::time::{Duration, Instant};

use globset::GlobSet;
use kcfg_lang::eval::ExtValue;
use kcfg_lang::program::Program;
use rayon::prelude::*;

use self::outdir::{Leftover, OutDir, Written};
use self::output::{Output, OutputOptions};
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
    /// `--max-prune-ratio`: the largest share of the listed targets a
    /// render may remove.
    pub max_prune_ratio: f64,
    /// `--allow-mass-delete`: no share limit, and removing targets while a
    /// generator made none is fine.
    pub allow_mass_delete: bool,
}

/// How long a render waits for another one holding the output's lock.
const LOCK_TIMEOUT: Duration = Duration::from_secs(600);

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

    // The output directory named with --out may be a symbolic link (the
    // user's word); the default PLAN/rendered comes with the plan's
    // repository, so a link there is refused.
    let mut out_dir = OutDir::open(&out_root, settings.out.is_some())?;
    let in_plan: BTreeSet<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
    let written_names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
    let mut stale = stale_targets(settings, &out_dir.listed, &in_plan);
    // Every path this run may write or delete is checked before anything
    // changes.
    out_dir.check_paths(
        written_names
            .iter()
            .copied()
            .chain(stale.iter().map(String::as_str)),
    )?;
    let mut waiting = |pid: Option<u32>| {
        let holder = pid.map(|pid| format!(" (pid {pid})")).unwrap_or_default();
        eprintln!(
            "waiting for another kcfg render{holder} holding {}",
            out_root.join(outdir::LOCK).display()
        );
    };
    let mut leftovers = Vec::new();
    let mut lock = None;
    if settings.check {
        // --check writes nothing, not even the lock: it waits for a render
        // that holds it, and reports one that left it behind.
        leftovers.extend(out_dir.wait_for_render(&mut waiting, LOCK_TIMEOUT)?);
        leftovers.extend(
            out_dir.leftovers(
                out_dir
                    .listed
                    .iter()
                    .map(String::as_str)
                    .chain(in_plan.iter().copied()),
            )?,
        );
    } else {
        mass_delete_guard(settings, &plan, &out_dir, &stale)?;
        lock = Some(out_dir.lock(&mut waiting, LOCK_TIMEOUT)?);
        // Another render may have changed the marker while this one waited.
        stale = stale_targets(settings, &out_dir.listed, &in_plan);
        out_dir.check_paths(
            written_names
                .iter()
                .copied()
                .chain(stale.iter().map(String::as_str)),
        )?;
        mass_delete_guard(settings, &plan, &out_dir, &stale)?;
        leftovers = out_dir.leftovers(
            out_dir
                .listed
                .iter()
                .map(String::as_str)
                .chain(in_plan.iter().copied()),
        )?;
        out_dir.remove_leftovers(&leftovers)?;
        // The marker lists what this run is about to write before it is
        // written, so a render that is killed leaves no directory kcfg does
        // not know as its own.
        let mut intent = out_dir.listed.clone();
        intent.extend(written_names.iter().map(|name| name.to_string()));
        out_dir.write_marker(&intent)?;
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
                    Arc::new(Program::new(Arc::new(importer), kcfg_stdlib::std()))
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
        out_dir.write_marker(&listed)?;
    }
    drop(lock);
    Ok(finish(
        settings,
        &out_root,
        &reports,
        &stale,
        &leftovers,
        &plan.empty_generators,
        started,
    ))
}

/// The listed targets that left the plan. Targets `--only` does not select
/// are not stale: this run does not look at them.
fn stale_targets(
    settings: &Settings,
    listed: &BTreeSet<String>,
    in_plan: &BTreeSet<&str>,
) -> Vec<String> {
    listed
        .iter()
        .filter(|name| !in_plan.contains(name.as_str()) && selected(settings, name))
        .cloned()
        .collect()
}

/// Refuses a render that would remove more than `--max-prune-ratio` of the
/// listed targets (of those `--only` selects), or any target while a
/// generator made none, unless `--allow-mass-delete` (issue 13: a typo in
/// a glob removed 673 of 683 targets).
fn mass_delete_guard(
    settings: &Settings,
    plan: &Plan,
    out_dir: &OutDir,
    stale: &[String],
) -> Result<(), String> {
    if settings.allow_mass_delete || stale.is_empty() {
        return Ok(());
    }
    let in_scope = out_dir
        .listed
        .iter()
        .filter(|name| selected(settings, name))
        .count();
    let mut sample: Vec<&str> = stale.iter().take(5).map(String::as_str).collect();
    let more = stale.len() - sample.len();
    let sample = if more > 0 {
        sample.push("…");
        format!("{} ({more} more)", sample.join(", "))
    } else {
        sample.join(", ")
    };
    let generators = if plan.empty_generators.is_empty() {
        String::new()
    } else {
        format!(
            "\nthese generators of the plan made no target (a typo in a glob, a file or a selector?):\n  {}",
            plan.empty_generators.join("\n  ")
        )
    };
    let share = stale.len() as f64 / in_scope.max(1) as f64;
    if share > settings.max_prune_ratio {
        return Err(format!(
            "refusing to remove {} of the {in_scope} target{} listed in {} ({:.0}%, limit {:.0}%): \
             {sample}; nothing was changed{generators}\nif this is intended, pass \
             --allow-mass-delete (or raise --max-prune-ratio)",
            stale.len(),
            plural(in_scope),
            out_dir.root.join(outdir::MARKER).display(),
            share * 100.0,
            settings.max_prune_ratio * 100.0,
        ));
    }
    if !generators.is_empty() {
        return Err(format!(
            "refusing to remove {} target{} ({sample}) while a generator made no target; nothing \
             was changed{generators}\nif this is intended, pass --allow-mass-delete",
            stale.len(),
            plural(stale.len()),
        ));
    }
    Ok(())
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
    report.status = if settings.check {
        match out_dir.read_target(&target.name) {
            Ok(on_disk) => {
                let shown = out_dir.target_path(&target.name).display().to_string();
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
            Err(err) => Status::Failed(format!("{err}\n")),
        }
    } else {
        match out_dir.write_target(&target.name, &rendered.files) {
            Ok(written) => Status::Written(written),
            Err(err) => Status::Failed(format!("{err}\n")),
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
    leftovers: &[Leftover],
    empty_generators: &[String],
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
        if !stale.is_empty() {
            for generator in empty_generators {
                let _ = writeln!(stdout, "note: {generator}: it made no target");
            }
        }
        for leftover in leftovers {
            let line = format!(
                "leftover of an interrupted kcfg render: {} (the next kcfg render removes it)",
                leftover.path.display()
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
        for leftover in leftovers {
            let _ = writeln!(
                stderr,
                "removed {}: left by an interrupted kcfg render",
                leftover.path.display()
            );
        }
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
    // In --check, a stale target and a leftover are differences; a render
    // removes them.
    let differ = counts.get("differ").copied().unwrap_or(0)
        + if settings.check {
            stale.len() + leftovers.len()
        } else {
            0
        };
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
        if !leftovers.is_empty() {
            parts.push(format!(
                "{} leftover{} of an interrupted render{}",
                leftovers.len(),
                plural(leftovers.len()),
                if settings.check { "" } else { " removed" }
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
