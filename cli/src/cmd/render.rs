//! `kcfg render`: render every target of a plan into manifests, or check
//! that the manifests on disk are current. The flags are parsed here and
//! validated into [`Render`]; the renderer is `kcfg_render`'s, which this
//! command drives and whose report [`print`] prints.

mod json;
mod print;
mod progress;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use clap::Args;
use kcfg_lang::eval::ExtValue;
use kcfg_render::importer::{split_path_list, FileSystem, Warnings};
use kcfg_render::output::{Format, Layout, OutputOptions};
use kcfg_render::project::ProjectSearch;
use kcfg_render::shard::Shard;
use kcfg_render::{Action, Destination, Event, Plan, Renderer, Selection, Settings};

use self::progress::Progress;
use super::plan_input::PlanInputArgs;
use crate::cache_dir;
use crate::color::{ColorWhen, Painter};
use crate::report::{self, ErrorFormat, Errors};

/// The long help text of `kcfg render`: plans, layouts, `--check`.
pub const LONG_ABOUT: &str = "\
Render every target of a plan into Kubernetes manifests, in parallel.

A plan is the file render.kcfg in PATH (default: the current directory),
written in kcfg. Its value lists targets; each target names an output
directory, an entry file, and the top-level arguments and external
variables to evaluate it with. Generators make targets from data, in the
style of Argo CD ApplicationSets:

    local kcfg = import 'kcfg/render.libsonnet';   // built in, no file needed
    kcfg.plan {
      generators: [
        kcfg.matrix([
          kcfg.clusters('inventory/clusters.yaml'),      // {cluster: {...}} per cluster
          kcfg.directories('apps/*', entry='main.kcfg'), // {path, name, entry} per app
        ]),
      ],
      template(params):: {
        name: params.cluster.name + '/' + params.name,   // OUT/<name>/
        entry: params.path + '/' + params.entry,
        tlas: { cluster: params.cluster },
        namespace: params.name,   // objects in it are named without a <namespace>_ prefix
      },
      policies: ['policies/limits.kcfg'],  // function(object, target) -> [violations]
    }

Also: kcfg.list([...]), kcfg.merge(base, [others], mergeKeys=['name']), and
`targets: [...]` for targets written out by hand. The header of
kcfg/render.libsonnet documents every field (`kcfg eval -S -e \"importstr
'kcfg/render.libsonnet'\"` prints it).

The plan is evaluated once; then each target is evaluated on its own. Its
value may nest Kubernetes objects in objects and arrays at any depth (a
`List` is flattened); every object needs apiVersion, kind and metadata.name.

Layouts: one file per object in OUT/<target>/ (default), named by
--file-name (default {kind}-{name}.yaml, kind in lower case; files of
objects in a namespace other than the target's `namespace` start with
<namespace>_); with --single-file one OUT/<target>/manifest.yaml; with
--layout hydrator Argo CD's source-hydrator layout: manifest.yaml,
hydrator.metadata and README.md (what `kcfg hydrate` commits to
branches), the last two recording the command that reproduces the target,
run in the plan's directory. Each target is replaced atomically; files no
longer produced disappear; a failed target keeps its previous files;
identical targets are not touched.

Safety. kcfg render touches only what it owns in OUT. OUT/.kcfg-rendered
(the marker) lists the targets kcfg wrote there: directories of targets
that left the plan are removed, and kcfg refuses to write into a non-empty
directory without it. Every line of the marker must be a target name kcfg
could have written (relative, no `.`, `..` or hidden components) whose path
passes no symbolic link; one bad line stops the run before anything is
written or deleted. No symbolic link below OUT is ever followed: a target
directory, or a parent of one, that is a link is an error; a link inside a
target is removed as a link. OUT itself may be a link when named with
--out (not the default PLAN/rendered). A render that would remove more than
--max-prune-ratio (default 0.5) of the listed targets, or remove any while
a generator made no target (a glob that matched nothing), stops before
changing anything unless --allow-mass-delete is given; targets --only does
not select are never removed. OUT/.kcfg-lock serializes renders into one
directory: a second render waits (up to 10 minutes) and says for which
process; the lock file is removed when the render ends. Temporary
directories left by a killed render (.NAME.kcfg-new-*, .NAME.kcfg-old-*)
are removed by the next render.

Incremental. A render records in OUT/.kcfg-inputs what each target's
files depend on: its parameters from the plan, the SHA-256 of every file
its evaluation read (entry, imports of every kind, policies), every import
as resolved (a file that appears earlier in the search order counts), its
files' digest and the kcfg build. The next render evaluates only the
targets whose inputs changed, or whose directory is not what the record
says; the others are already what a full render writes. A record from
another build, unparsable or inconsistent is ignored (the summary says so)
and its targets are evaluated. --no-incremental evaluates everything.
--check proves the output current, so it never takes the word of a record
that came with the output (whoever edits the output can edit the record):
it believes only a cache's.

Cache. kcfg render keeps, in $XDG_CACHE_HOME/kcfg (else ~/.cache/kcfg;
~/Library/Caches/kcfg on macOS), the plan's evaluation with every file,
import and directory listing it looked at (used again when each is the
same), and a copy of the record that also remembers what stat said of
each target's directory (the same stat then stands for reading its
files). Only kcfg writes there, so --check trusts it and evaluates only
what changed since (never a target the cache holds only on the word of
OUT/.kcfg-inputs, which a render may reuse). It is created with mode 0700 and used only when it is
a directory (not a link) of this user's; otherwise kcfg runs without it,
silently. KCFG_CACHE_DIR=DIR moves it, KCFG_CACHE_DIR=off or --no-cache
turns it off, and --cache DIR keeps the record in DIR alone, not in OUT
(a CI cache). Once a day a render removes the entries unused for 5 days.

Shards. --shard I/N renders only the targets whose name hashes to bucket I
of N (indexes from 0, as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX:
--shard ${JOB_COMPLETION_INDEX}/N), so N machines split a fleet; with
--check it checks that slice. A sharded render removes no stale target and
lists what it wrote in OUT/.kcfg-rendered-shard-I-of-N, not in the marker,
so shards rendered on different machines can be copied together;
--prune-shards, once all are done, removes the targets that left the plan
and folds the shards' markers into the marker (an unsharded render does
too).

--check renders in memory, writes nothing, and compares with OUT: exit 0
when identical, 1 otherwise, listing per target the files added, removed
and changed, with unified diffs, and entries kcfg never writes (links,
empty directories). It also fails on a marker with bad lines, on leftovers
of an interrupted render and on a lock file nobody holds. Run it in CI to
prove the committed manifests are current.";

/// Examples after the options.
pub const AFTER_HELP: &str = "\
Examples:
  kcfg render                               Render ./render.kcfg into ./rendered/
  kcfg render deploy/ --out /tmp/manifests  Render deploy/render.kcfg into /tmp/manifests
  kcfg render --check                       CI: exit 1 and show diffs if rendered/ is stale
  kcfg render --only 'edge-eu-*/*'          Only targets whose name matches the glob
  kcfg render --single-file --format json   One manifest.json (a v1 List) per target
  kcfg render --check --shard 0/4           CI matrix: the first quarter of the targets
  kcfg render --file-name '{namespace}/{kind}-{name}.yaml'
  kcfg render bench/fleet --tla-code clusters=100 --out /tmp/fleet
                                            Top-level arguments of the plan itself
  kcfg render --output json --error-format json > report.json
                                            A JSON report on standard output, errors as JSON lines

Errors: the same error, or policy violation, in several targets is reported
once, naming the targets by the shortest --only glob that selects exactly
them (\"3 targets: edge-eu-*/web\") or by their list. --error-format json
prints one JSON object per diagnostic and line, and nothing else, on
standard error. The README documents both JSON schemas.

Exit status: 0 on success; 1 if a target failed, a policy was violated, the
output directory is not kcfg's to change (see Safety), (with --check) it
differs or holds leftovers, or a flag is wrong.";

/// `kcfg render` flags.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The plan's directory (holding render.kcfg)
    #[arg(default_value = ".")]
    path: PathBuf,

    /// Output directory [default: PATH/rendered]
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Compare with the output directory instead of writing; exit 1 if it differs
    #[arg(long)]
    check: bool,

    /// Only the targets whose name matches GLOB (repeatable)
    #[arg(long, value_name = "GLOB")]
    only: Vec<String>,

    /// Targets evaluated in parallel [default: the number of cores]
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,

    /// Stop at the first target that fails
    #[arg(long)]
    fail_fast: bool,

    /// No progress bar and no summary line
    #[arg(short, long)]
    quiet: bool,

    /// Output format [default: yaml, or the plan's]
    #[arg(long, value_enum)]
    format: Option<Format>,

    /// One manifest file per target instead of one file per object (--layout single-file)
    #[arg(long, conflicts_with = "layout")]
    single_file: bool,

    /// How a target's directory is laid out [default: files, or the plan's]
    #[arg(long, value_enum, value_name = "LAYOUT")]
    layout: Option<Layout>,

    /// File name template of the one-file-per-object layout
    #[arg(long, value_name = "TEMPLATE")]
    file_name: Option<String>,

    /// Library search directory for the plan and every target (repeatable; right-most wins)
    #[arg(short = 'J', long = "jpath", value_name = "DIR")]
    jpath: Vec<PathBuf>,

    #[command(flatten)]
    plan_input: PlanInputArgs,

    /// Maximum stack frames of an evaluation
    #[arg(short = 's', long, default_value_t = 500, value_name = "N")]
    max_stack: usize,

    /// Maximum stack trace lines in errors (0: no limit)
    #[arg(short = 't', long, default_value_t = 20, value_name = "N")]
    max_trace: usize,

    /// Refuse to render when more than this share of the targets listed in the output directory would be removed
    #[arg(long, value_name = "RATIO", default_value_t = 0.5)]
    max_prune_ratio: f64,

    /// Remove targets that left the plan even if that is more than --max-prune-ratio of them, or a generator made no target
    #[arg(long)]
    allow_mass_delete: bool,

    /// Memory the whole render may use, all targets together, like 2Gi [default: half of the memory available]
    #[arg(long, value_name = "SIZE", value_parser = crate::memory::parse_size)]
    max_memory: Option<usize>,

    /// Colors of diffs and rich error messages
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    #[arg(long, value_enum, value_name = "FORMAT", help = report::ERROR_FORMAT_HELP)]
    error_format: Option<ErrorFormat>,

    /// Only shard I of N (0 <= I < N, as JOB_COMPLETION_INDEX counts): the targets whose name hashes to I; removes no stale target
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,

    /// Evaluate every target, not only those whose inputs changed since the input record (which is still written)
    #[arg(long)]
    no_incremental: bool,

    /// Keep the input record (and the plan's evaluation) in DIR only, not in OUT/.kcfg-inputs; --check reuses only a record kept in a cache [default: $KCFG_CACHE_DIR, else the user's cache directory + kcfg, beside OUT/.kcfg-inputs]
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,

    /// Use no cache directory, not even the default one (as KCFG_CACHE_DIR=off)
    #[arg(long, conflicts_with = "cache")]
    no_cache: bool,

    /// Once every shard finished: remove the targets that left the plan and fold the shards' markers into the main one (renders nothing)
    #[arg(long, conflicts_with_all = ["shard", "check"])]
    prune_shards: bool,

    /// What standard output gets: text (with --check, the differences), or json (a report of the render, schema in the README)
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    output: ReportFormat,
}

/// What `kcfg render` writes on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    /// Differences of --check, as text
    Text,
    /// A JSON report of the whole render
    Json,
}

/// The name clap shows for a value of a `ValueEnum` (`hydrator`, `json`).
fn value_name(value: impl clap::ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |value| value.get_name().to_string())
}

/// `path` without `.` components and with `dir/..` folded, as text.
fn normalize(path: &Path) -> PathBuf {
    kcfg_lang::program::normalize(path)
}

/// `path` relative to the directory `base` (both absolute and
/// normalized), as text: `.` when they are the same.
fn relative(base: &Path, path: &Path) -> PathBuf {
    let base: Vec<_> = base.components().collect();
    let path_parts: Vec<_> = path.components().collect();
    let common = base
        .iter()
        .zip(&path_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for part in &path_parts[common..] {
        out.push(part.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// How long a render waits for another one holding the output's lock.
const LOCK_TIMEOUT: Duration = Duration::from_secs(600);

/// Everything `kcfg render` was asked to do, validated.
struct Render {
    /// The command the hydrator layout records.
    hydrator_command: Option<String>,
    /// The plan's directory.
    plan_dir: PathBuf,
    /// The output directory (`--out`), if given.
    out: Option<PathBuf>,
    /// Compare instead of writing.
    check: bool,
    /// The targets `--only` selects.
    selection: Selection,
    /// Worker threads.
    jobs: usize,
    /// Stop at the first failing target.
    fail_fast: bool,
    /// No progress bar, no summary.
    quiet: bool,
    /// How diagnostics are printed on standard error.
    errors: Errors,
    /// A JSON report on standard output.
    json: bool,
    /// Colored diffs on standard output.
    stdout: Painter,
    /// Output options from the command line (override the plan's).
    output: OutputOptions,
    /// `-J` directories.
    jpath: Vec<PathBuf>,
    /// `--ext-*` for the plan.
    ext_vars: Vec<(String, ExtValue)>,
    /// `--tla-*` for the plan.
    tlas: Vec<(String, ExtValue)>,
    /// `--max-stack`.
    max_stack: usize,
    /// `--max-prune-ratio`.
    max_prune_ratio: f64,
    /// `--allow-mass-delete`.
    allow_mass_delete: bool,
    /// `--shard`.
    shard: Option<Shard>,
    /// `--prune-shards`.
    prune_shards: bool,
    /// Not `--no-incremental`.
    incremental: bool,
    /// The cache directory: `--cache`, else the default one
    /// ([`crate::cache_dir`]).
    cache: Option<PathBuf>,
    /// Whether the input record is also kept in the output directory: not
    /// with `--cache DIR`, which keeps it in DIR alone.
    keep_output_record: bool,
}

impl RenderArgs {
    /// Validates the flags and renders.
    pub fn run(self) -> ExitCode {
        crate::cmd::eval::set_memory_limit(self.max_memory);
        match self.validate() {
            Ok(render) => match kcfg_render::threads::on_big_stack(move || render.run()) {
                Ok(code) => code,
                Err(err) => {
                    eprintln!("INTERNAL ERROR: cannot start the evaluation thread: {err}");
                    ExitCode::from(1)
                }
            },
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(1)
            }
        }
    }

    /// The command, run in the plan's directory, that renders what this
    /// one renders (issue 16: the hydrator layout records it): the flags
    /// that change the output, as given, with their paths made relative to
    /// the plan's directory so that the text does not depend on where
    /// kcfg ran; `--check`, `--only`, `-j`, `--quiet` and the like are left
    /// out (the layout adds `--only <target>`).
    fn reproducing_command(&self) -> Option<String> {
        let cwd = std::env::current_dir().ok()?;
        let plan = normalize(&cwd.join(&self.path));
        let from_plan = |path: &Path| relative(&plan, &normalize(&cwd.join(path)));
        let mut words: Vec<String> = vec!["kcfg".into(), "render".into()];
        if let Some(out) = &self.out {
            let out = from_plan(out);
            if out != Path::new("rendered") {
                words.extend(["--out".into(), out.display().to_string()]);
            }
        }
        if self.single_file {
            words.push("--single-file".into());
        }
        if let Some(layout) = self.layout {
            words.extend(["--layout".into(), value_name(layout)]);
        }
        if let Some(format) = self.format {
            words.extend(["--format".into(), value_name(format)]);
        }
        if let Some(template) = &self.file_name {
            words.extend(["--file-name".into(), template.clone()]);
        }
        for dir in &self.jpath {
            words.extend(["-J".into(), from_plan(dir).display().to_string()]);
        }
        words.extend(self.plan_input.words(from_plan));
        let quoted: Vec<String> = words
            .iter()
            .map(|word| kcfg_render::hydrator::shell_word(word))
            .collect();
        Some(quoted.join(" "))
    }

    fn validate(self) -> Result<Render, String> {
        if self.layout == Some(Layout::Hydrator) && self.format == Some(Format::Json) {
            // A usage error, as clap's own: the help's "1 ... bad flags".
            return Err(
                "--layout hydrator writes YAML (manifest.yaml, as Argo CD's source hydrator does); \
                 it cannot be combined with --format json"
                    .into(),
            );
        }
        let selection = Selection::globs(&self.only).map_err(|err| match err.pattern {
            Some(pattern) => format!("--only {pattern:?}: {}", err.message),
            None => format!("--only: {}", err.message),
        })?;
        let jobs = match self.jobs {
            Some(0) => return Err("--jobs must be at least 1".into()),
            Some(jobs) => jobs,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if self.max_stack == 0 {
            return Err("--max-stack must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.max_prune_ratio) {
            return Err("--max-prune-ratio must be between 0 and 1".into());
        }
        let (ext_vars, tlas) = self.plan_input.resolve()?;
        let shard = self
            .shard
            .as_deref()
            .map(|text| Shard::parse(text).map_err(|err| format!("--shard {text}: {err}")))
            .transpose()?;
        let hydrator_command = self.reproducing_command();
        // A default cache that cannot be used is no error: the render goes
        // without one (see `cache_dir`).
        let cache = cache_dir::resolve(self.cache, self.no_cache, cache_dir::Missing::Create)
            .unwrap_or(None);
        let keep_output_record = cache
            .as_ref()
            .is_some_and(|cache| cache.source != cache_dir::Source::Flag);
        Ok(Render {
            hydrator_command,
            plan_dir: self.path,
            out: self.out,
            check: self.check,
            selection,
            jobs,
            fail_fast: self.fail_fast,
            quiet: self.quiet,
            errors: Errors::new(self.error_format, self.color, self.max_trace),
            json: self.output == ReportFormat::Json,
            stdout: self.color.stdout(),
            output: OutputOptions {
                format: self.format,
                layout: if self.single_file {
                    Some(Layout::SingleFile)
                } else {
                    self.layout
                },
                file_name: self.file_name,
            },
            jpath: self.jpath,
            ext_vars,
            tlas,
            max_stack: self.max_stack,
            max_prune_ratio: self.max_prune_ratio,
            allow_mass_delete: self.allow_mass_delete,
            shard,
            prune_shards: self.prune_shards,
            incremental: !self.no_incremental,
            cache: cache.map(|cache| cache.path),
            keep_output_record,
        })
    }
}

impl Render {
    /// Loads the plan, renders (or checks) it and prints the report.
    fn run(self) -> ExitCode {
        let started = Instant::now();
        let progress = Arc::new(Progress::new(!self.quiet && stderr_is_terminal()));
        let trace_progress = progress.clone();
        let library_path = std::env::var("JSONNET_PATH")
            .map(|list| split_path_list(&list))
            .unwrap_or_default();
        let warning_progress = progress.clone();
        let warnings = Warnings::to(move |text: &str| warning_progress.println(text));
        let renderer = Renderer::new(Settings {
            imports: Arc::new(FileSystem {
                library_path,
                warnings,
            }),
            jpath: self.jpath.clone(),
            project: ProjectSearch::Anywhere,
            hydrator_command: self.hydrator_command.clone(),
            max_stack: self.max_stack,
            jobs: self.jobs,
            trace: Arc::new(move |line: &str| trace_progress.println(line)),
            interrupt: None,
            memory: Some(crate::memory::memory().clone()),
            build: crate::BUILD.to_string(),
        });
        let fail = |err: &kcfg_render::Error| {
            if self.json {
                print::json_error(err, started.elapsed());
            }
            let text = report::render_error(err, &self.errors);
            let _ = std::io::stderr().write_all(text.as_bytes());
            ExitCode::from(1)
        };
        let destination = Destination {
            // The output directory named with --out may be a symbolic link
            // (the user's word); the default PLAN/rendered comes with the
            // plan's repository, so a link there is refused.
            root: self
                .out
                .clone()
                .unwrap_or_else(|| Plan::default_output_dir_of(&self.plan_dir)),
            follow_root: self.out.is_some(),
            selection: self.selection.clone(),
            overrides: self.output.clone(),
            fail_fast: self.fail_fast,
            max_prune_ratio: self.max_prune_ratio,
            allow_mass_delete: self.allow_mass_delete,
            lock_timeout: LOCK_TIMEOUT,
            shard: self.shard,
            incremental: self.incremental,
            cache: self.cache.clone(),
            keep_output_record: self.keep_output_record,
        };
        // The output directory is opened and its marker checked (nothing
        // is written) while the plan loads, on a thread of its own: the
        // plan's evaluation keeps this thread's large stack.
        let (plan, opened) = std::thread::scope(|scope| {
            let opening = scope.spawn(|| renderer.open_output(&destination));
            // --no-incremental evaluates everything, the plan included.
            let plan = match self.cache.as_ref().filter(|_| self.incremental) {
                Some(cache) => {
                    renderer.load_plan_cached(&self.plan_dir, &self.ext_vars, &self.tlas, cache)
                }
                None => renderer.load_plan(&self.plan_dir, &self.ext_vars, &self.tlas),
            };
            // A directory that could not be opened is opened again below,
            // which reports why.
            (plan, opening.join().ok().and_then(Result::ok))
        });
        let plan = match plan {
            Ok(plan) => plan,
            Err(err) => return fail(&err),
        };
        let on_event = |event: Event<'_>| match event {
            Event::WaitingForLock { lock, holder } => {
                let holder = holder
                    .map(|pid| format!(" (pid {pid})"))
                    .unwrap_or_default();
                eprintln!(
                    "waiting for another kcfg render{holder} holding {}",
                    lock.display()
                );
            }
            Event::Started { targets } => progress.start(targets),
            Event::TargetDone(report) => progress.target_done(report.objects),
            _ => {}
        };
        let action = if self.check {
            Action::Check
        } else if self.prune_shards {
            Action::PruneShards
        } else {
            Action::Write
        };
        let result = match opened {
            Some(opened) => renderer.render_opened(&plan, &destination, opened, action, &on_event),
            None => match action {
                Action::Check => renderer.check(&plan, &destination, &on_event),
                Action::PruneShards => renderer.prune_shards(&plan, &destination, &on_event),
                Action::Write => renderer.write(&plan, &destination, &on_event),
            },
        };
        progress.finish();
        if let Some(cache) = &self.cache {
            // Keeps the cache bounded (at most once a day); a cache that
            // cannot be trimmed only grows, which is no reason to fail.
            let _ = kcfg_render::cache_trim::trim_if_due(cache, SystemTime::now());
        }
        let code = match &result {
            Ok(report) => print::finish(
                report,
                print::Style {
                    quiet: self.quiet,
                    json: self.json,
                    stdout: self.stdout,
                    errors: self.errors,
                },
                started.elapsed(),
            ),
            Err(err) => fail(err),
        };
        // The process ends with this command, and its memory with it: the
        // plan, the report and the renderer's parsed files are millions of
        // small allocations at a thousand clusters, which freeing one by
        // one would only slow the exit (nothing in them flushes or unlocks).
        std::mem::forget(result);
        std::mem::forget(plan);
        std::mem::forget(renderer);
        code
    }
}

fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}
