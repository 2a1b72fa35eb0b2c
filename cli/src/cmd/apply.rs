//! `kcfg apply`: make clusters match a directory of rendered manifests.
//!
//! Also the output shared with `kcfg diff`: the first line (what the
//! directory is and where it goes), progress on standard error (spinners on
//! a terminal, plain lines otherwise, nothing with `--quiet`) and the report
//! on standard output.

use std::collections::BTreeSet;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use kcfg_apply::cluster::kube::ConnectOptions;
use kcfg_apply::engine::{Options, Progress};
use kcfg_apply::fleet::{load_dir, run_fleet, ContextMap, FleetOptions, KubeConnector, Target};
use kcfg_apply::load::unread_subdirectories;
use kcfg_apply::object::GroupMap;
use kcfg_apply::progress::{plural, Event, LineLog};
use kcfg_apply::report::{render_set, render_summary, FleetReport};

use super::{parse_duration, CmdError};
use crate::color::ColorWhen;

/// How often, without a terminal, a busy cluster says what it is doing.
const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Output format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A table per cluster and application, then a fleet summary.
    Table,
    /// A JSON array of per-object records (action, result, health, message).
    Json,
}

/// What to apply, where, and how to reach the clusters (shared by `apply` and `diff`).
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterArgs {
    /// Directory of rendered manifests: YAML/JSON files (one object each, or
    /// multi-document streams) directly in it, one target (its
    /// subdirectories are not read); or one directory per target
    /// `<cluster>/<app>`, a fleet.
    pub dir: PathBuf,

    /// Kubeconfig file [default: $KUBECONFIG, then ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context for a single directory [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Map clusters to contexts: GLOB=CONTEXT, `{cluster}` is replaced by the
    /// cluster name; first match wins; no match means the context is the
    /// cluster name. Repeatable.
    #[arg(long = "context-for", value_name = "GLOB=CONTEXT")]
    pub context_for: Vec<String>,

    /// A YAML/JSON file mapping cluster globs to contexts (read before --context-for).
    #[arg(long, value_name = "FILE")]
    pub contexts: Option<PathBuf>,

    /// ApplySet name for a single directory (and for targets without an application part).
    #[arg(long, value_name = "NAME")]
    pub applyset: Option<String>,

    /// Namespace of the ApplySet parent Secret.
    #[arg(long, value_name = "NS", default_value = "default")]
    pub applyset_namespace: String,

    /// Send objects of API group FROM as group TO (e.g. apps=apps.kcfg.dev
    /// for a test server's stand-ins; `core` is the core group). Repeatable.
    #[arg(long = "map-group", value_name = "FROM=TO")]
    pub map_group: Vec<String>,

    /// Clusters processed at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub parallel: usize,

    /// Requests in flight at once per cluster.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,

    /// Requests per second per cluster at most (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 50.0)]
    pub qps: f64,

    /// Time-out of one request; 429, 5xx and time-outs are retried with back-off.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Attempts per request (429, 5xx, time-outs, refused connections are retried).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub attempts: u32,

    /// Also prune the applications a cluster no longer has: every ApplySet
    /// kcfg made in --applyset-namespace whose name none of the cluster's
    /// `<cluster>/<app>` targets has. Off by default, since a directory may
    /// hold some applications only (`kcfg render --only`).
    #[arg(long)]
    pub prune_apps: bool,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Print only errors and a one-line summary: no first line, no progress,
    /// no tables of sets that succeeded, no diffs (-o json is unchanged).
    #[arg(short, long)]
    pub quiet: bool,

    /// Colour the report.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// Apply rendered manifests to one cluster or a fleet, with server-side apply and ApplySet pruning.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = APPLY_EXAMPLES)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Plan only: server-side dry run (dryRun=All), print the plan and diffs,
    /// change nothing; exit 2 when something would change.
    #[arg(long)]
    pub dry_run: bool,

    /// Exit 2 when something changed (a successful apply otherwise exits 0
    /// whether or not it changed something).
    #[arg(long)]
    pub exit_code: bool,

    /// Take over fields that other field managers own (server-side apply force).
    #[arg(long)]
    pub force_conflicts: bool,

    /// Take over objects that another ApplySet or Argo CD owns.
    #[arg(long)]
    pub adopt: bool,

    /// Delete objects of the set that are no longer desired.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub prune: bool,

    /// Allow pruning of a protected kind (Namespace, CustomResourceDefinition,
    /// PersistentVolume, PersistentVolumeClaim). Repeatable.
    #[arg(long = "allow-prune-kind", value_name = "KIND")]
    pub allow_prune_kind: Vec<String>,

    /// Refuse the run when more than this share of a set would be pruned
    /// (with --prune-apps, also of a cluster's applications).
    #[arg(long, value_name = "RATIO", default_value_t = 0.5)]
    pub max_prune_ratio: f64,

    /// Wait for health between waves and after the last one.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub wait: bool,

    /// Deadline per cluster and application, waiting included.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Pause between health checks.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub poll_interval: Duration,
}

const APPLY_EXAMPLES: &str = "\
Examples:
  # One cluster, one set: plan, then apply
  kcfg apply out/ --kubeconfig ~/.kube/config --context prod --applyset web --dry-run
  kcfg apply out/ --kubeconfig ~/.kube/config --context prod --applyset web

  # A rendered fleet (out/<cluster>/<app>/...), contexts named edge-<cluster>
  kcfg apply out/ --context-for 'edge-*=edge-{cluster}' --parallel 16

  # The same, also removing applications that are no longer rendered for a cluster
  kcfg apply out/ --context-for 'edge-*=edge-{cluster}' --prune-apps --dry-run

  # Per-object records for scripts
  kcfg apply out/ --dry-run -o json | jq '.[] | select(.action != \"unchanged\")'

  # A script that acts on changes: 0 nothing changed, 2 changed, 1 an error
  kcfg apply out/ --context prod --applyset web --exit-code; status=$?

Order: sync waves (argocd.argoproj.io/sync-wave), then Argo CD's kind order, then
name; Namespaces and CRDs go first; hooks are skipped. Nothing is changed when
the plan finds a conflict, an object owned by another set or Argo CD, or a prune
of more than --max-prune-ratio of a set. Namespaces, CRDs, PVs and PVCs are never
pruned unless allowed; objects annotated kcfg.dev/prune: \"false\" or Argo CD's
Prune=false are kept. With --prune-apps, a cluster where more than
--max-prune-ratio of kcfg's ApplySets would be removed is refused whole.

Output: the first line says what DIR is (one target: manifests directly in it,
its subdirectories not read; or a rendered fleet) and which context or how many
clusters. Progress goes to standard error: on a terminal a bar and a line per
cluster; otherwise (CI logs) a line per wave started and finished, per target
and cluster done, and every 10 s what a busy cluster is waiting for. The report
goes to standard output. --quiet prints only errors and a one-line summary.

Exit status: 0 success, whether or not something changed (as kubectl apply and
helm upgrade); 1 an error (any cluster failed or was unreachable). With
--dry-run or --exit-code: 2 when something changed (or would), 0 when nothing
did. Bad flags exit 1.";

impl ClusterArgs {
    fn groups(&self) -> Result<GroupMap, CmdError> {
        let mut groups = GroupMap::new();
        for rule in &self.map_group {
            groups.parse_rule(rule)?;
        }
        Ok(groups)
    }

    fn contexts(&self) -> Result<ContextMap, CmdError> {
        let mut contexts = match &self.contexts {
            Some(file) => ContextMap::from_file(file)?,
            None => ContextMap::default(),
        };
        for rule in &self.context_for {
            contexts.add_rule(rule)?;
        }
        Ok(contexts)
    }

    fn connector(&self) -> KubeConnector {
        KubeConnector {
            kubeconfig: self.kubeconfig.clone(),
            options: ConnectOptions {
                timeout: self.request_timeout,
                qps: (self.qps > 0.0).then_some(self.qps),
                attempts: self.attempts.max(1),
                ..ConnectOptions::default()
            },
        }
    }
}

impl ApplyArgs {
    fn engine_options(&self, groups: GroupMap) -> Options {
        Options {
            applyset: self.cluster.applyset.clone().unwrap_or_default(),
            applyset_namespace: self.cluster.applyset_namespace.clone(),
            groups,
            dry_run: self.dry_run,
            force_conflicts: self.force_conflicts,
            adopt: self.adopt,
            prune: self.prune,
            prune_allowed_kinds: self
                .allow_prune_kind
                .iter()
                .cloned()
                .collect::<BTreeSet<_>>(),
            max_prune_ratio: self.max_prune_ratio,
            wait: self.wait,
            timeout: self.timeout,
            poll_interval: self.poll_interval,
            concurrency: self.cluster.concurrency.max(1),
        }
    }

    /// Runs the command; the exit code follows the report.
    pub fn run(self) -> Result<ExitCode, CmdError> {
        let mode = Mode {
            command: "kcfg apply",
            show_diffs: self.dry_run,
            detailed_exit: self.dry_run || self.exit_code,
        };
        run_with(
            &self.cluster,
            self.engine_options(self.cluster.groups()?),
            mode,
        )
    }
}

/// What a command that runs the engine reports, and how it exits.
pub(crate) struct Mode {
    /// `kcfg apply`, `kcfg diff`: the first line's prefix.
    pub command: &'static str,
    /// Print each object's diff after its set's table.
    pub show_diffs: bool,
    /// Exit 2 when something changed or would change.
    pub detailed_exit: bool,
}

/// Loads, runs and prints; shared with `kcfg diff`.
pub(crate) fn run_with(
    args: &ClusterArgs,
    engine: Options,
    mode: Mode,
) -> Result<ExitCode, CmdError> {
    if !(0.0..=1.0).contains(&engine.max_prune_ratio) {
        return Err(CmdError("--max-prune-ratio must be between 0 and 1".into()));
    }
    let targets = load_dir(&args.dir, &engine.groups).map_err(|err| CmdError(err.to_string()))?;
    let single = targets.len() == 1 && targets[0].name == ".";
    if single && engine.applyset.is_empty() {
        return Err(CmdError(format!(
            "{} holds manifests directly: pass --applyset NAME to name the set they form",
            args.dir.display()
        )));
    }
    if single && args.prune_apps {
        return Err(CmdError(format!(
            "--prune-apps needs a rendered fleet (<cluster>/<app>/...), but {} holds manifests directly",
            args.dir.display()
        )));
    }
    let connector = args.connector();
    // A single directory goes to the context given or the kubeconfig's
    // current one, named in the first line and the report (issue 16).
    let context = match (&args.context, single) {
        (Some(context), _) => Some(context.clone()),
        (None, true) => Some(
            connector
                .resolve_current_context()
                .map_err(|err| CmdError(err.to_string()))?,
        ),
        (None, false) => None,
    };
    if !args.quiet {
        let line = first_line(args, &mode, &targets, context.as_deref(), &engine);
        if args.output == OutputFormat::Json {
            let _ = writeln!(std::io::stderr(), "{line}");
        } else {
            let _ = writeln!(std::io::stdout(), "{line}");
        }
    }
    let fleet = FleetOptions {
        engine,
        contexts: args.contexts()?,
        context,
        parallel: args.parallel.max(1),
        prune_apps: args.prune_apps,
    };
    let display = Display::new(&targets, args.quiet);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| CmdError(format!("cannot start the async runtime: {err}")))?;
    let report = runtime.block_on(run_fleet(targets, &fleet, &connector, display.progress()));
    display.finish();
    print_report(&report, args, mode.show_diffs);
    Ok(ExitCode::from(report.exit_code(mode.detailed_exit)))
}

/// The first line of output: what the directory is, as kcfg read it (one
/// target or a rendered fleet), and where it goes.
fn first_line(
    args: &ClusterArgs,
    mode: &Mode,
    targets: &[Target],
    context: Option<&str>,
    engine: &Options,
) -> String {
    let dir = args.dir.display();
    if targets.len() == 1 && targets[0].name == "." {
        let unread = unread_subdirectories(&args.dir);
        let unread = if unread.is_empty() {
            String::new()
        } else {
            format!(
                "; its subdirectories are not read: {}",
                unread
                    .iter()
                    .map(|name| format!("{name}/"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return format!(
            "{}: {dir} holds manifests directly: one target, ApplySet {}/{} on context {}{unread}",
            mode.command,
            engine.applyset_namespace,
            engine.applyset,
            context.unwrap_or("?"),
        );
    }
    let clusters: BTreeSet<&str> = targets.iter().filter_map(Target::cluster).collect();
    format!(
        "{}: {dir} is a rendered fleet (<cluster>/<app> directories): {} on {}",
        mode.command,
        plural(targets.len(), "target"),
        plural(clusters.len(), "cluster"),
    )
}

fn print_report(report: &FleetReport, args: &ClusterArgs, show_diffs: bool) {
    let paint = args.color.stdout();
    let mut out = std::io::stdout().lock();
    if args.output == OutputFormat::Json {
        let text = serde_json::to_string_pretty(&report.json_records()).unwrap_or_default();
        let _ = writeln!(out, "{text}");
        return;
    }
    for cluster in &report.clusters {
        if let Some(error) = &cluster.error {
            let _ = writeln!(
                out,
                "== {} (context {}): {}",
                cluster.cluster,
                cluster.context,
                paint.red(error)
            );
        }
        for set in &cluster.sets {
            // Quiet: only the sets that failed, without diffs.
            if args.quiet && !set.failed() {
                continue;
            }
            for line in render_set(set, show_diffs && !args.quiet).lines() {
                let _ = match line.chars().next() {
                    _ if line.starts_with("+++") || line.starts_with("---") => {
                        writeln!(out, "{}", paint.bold(line))
                    }
                    Some('+') => writeln!(out, "{}", paint.green(line)),
                    Some('-') => writeln!(out, "{}", paint.red(line)),
                    Some('@') => writeln!(out, "{}", paint.cyan(line)),
                    _ if line.starts_with("error:") => writeln!(out, "{}", paint.red(line)),
                    _ => writeln!(out, "{line}"),
                };
            }
            let _ = writeln!(out);
        }
    }
    if args.quiet {
        let _ = writeln!(out, "{}", report.totals());
    } else if report.clusters.len() > 1 {
        let _ = write!(out, "{}", render_summary(report));
    }
}

/// Progress on standard error: spinners on a terminal, plain lines for logs
/// otherwise, or nothing (`--quiet`).
enum Display {
    Terminal(Spinners),
    Log {
        log: Arc<LineLog>,
        /// Dropping it stops the heartbeat thread.
        stop: mpsc::Sender<()>,
        ticker: std::thread::JoinHandle<()>,
    },
    Quiet,
}

impl Display {
    fn new(targets: &[Target], quiet: bool) -> Display {
        if quiet {
            return Display::Quiet;
        }
        if std::io::stderr().is_terminal() {
            return Display::Terminal(Spinners::new(targets));
        }
        let log = LineLog::new(LOG_INTERVAL, |line| {
            // A closed standard error ends the lines, not the run.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        });
        let (stop, stopped) = mpsc::channel::<()>();
        let ticking = log.clone();
        let ticker = std::thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_secs(1))
            {
                ticking.tick();
            }
        });
        Display::Log { log, stop, ticker }
    }

    fn progress(&self) -> Progress {
        match self {
            Display::Terminal(spinners) => spinners.progress(),
            Display::Log { log, .. } => log.progress(),
            Display::Quiet => kcfg_apply::progress::no_progress(),
        }
    }

    fn finish(self) {
        match self {
            Display::Terminal(spinners) => spinners.finish(),
            Display::Log { stop, ticker, .. } => {
                drop(stop);
                let _ = ticker.join();
            }
            Display::Quiet => {}
        }
    }
}

/// Progress on a terminal: a bar of clusters done and failed, and one line
/// per cluster in flight saying what it waits for.
struct Spinners {
    multi: MultiProgress,
    overall: ProgressBar,
    lines: Arc<Mutex<std::collections::HashMap<String, ProgressBar>>>,
}

impl Spinners {
    fn new(targets: &[Target]) -> Spinners {
        let clusters: BTreeSet<_> = targets.iter().map(|t| t.cluster().unwrap_or(".")).collect();
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new(clusters.len() as u64));
        overall.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} clusters done {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        overall.tick();
        Spinners {
            multi,
            overall,
            lines: Arc::default(),
        }
    }

    fn progress(&self) -> Progress {
        let multi = self.multi.clone();
        let overall = self.overall.clone();
        let lines = self.lines.clone();
        let failed = Arc::new(Mutex::new(0usize));
        Arc::new(move |cluster: &str, event: &Event| {
            let mut lines = lines.lock().unwrap_or_else(|e| e.into_inner());
            if let Event::ClusterDone { status } = event {
                if let Some(line) = lines.remove(cluster) {
                    line.finish_and_clear();
                }
                if *status == "failed" || *status == "unreachable" {
                    let mut failed = failed.lock().unwrap_or_else(|e| e.into_inner());
                    *failed += 1;
                    overall.set_message(format!("({} failed)", *failed));
                }
                overall.inc(1);
                return;
            }
            let line = lines.entry(cluster.to_string()).or_insert_with(|| {
                let line = multi.add(ProgressBar::new_spinner());
                // wide_msg cuts long waits to the terminal's width instead of wrapping.
                if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg}") {
                    line.set_style(style);
                }
                line.enable_steady_tick(Duration::from_millis(120));
                line
            });
            line.set_message(format!("{cluster}: {event}"));
        })
    }

    fn finish(&self) {
        for (_, line) in self.lines.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            line.finish_and_clear();
        }
        self.overall.finish_and_clear();
    }
}
