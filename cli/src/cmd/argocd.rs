//! `kcfg argocd {generate,parameters,discover,init}`: the commands of the
//! Argo CD config-management plugin. The flags are parsed here; the work
//! is in [`crate::argocd`].

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::argocd::budget::{self, Budget};
use crate::argocd::env::Environment;
use crate::argocd::generate::{self, Options};
use crate::argocd::{entry, parameters, vendor};
use crate::color::ColorWhen;

/// The long help of `kcfg argocd`.
pub const LONG_ABOUT: &str = "\
Run kcfg as an Argo CD config-management plugin (a CMP v2 sidecar of
argocd-repo-server). Argo CD runs these commands in the application's source
directory, inside a copy of the repository, with the application described
by environment variables:

  ARGOCD_APP_NAME, _NAMESPACE, _PROJECT_NAME, _REVISION(_SHORT, _SHORT_8),
  ARGOCD_APP_SOURCE_REPO_URL, _SOURCE_PATH, _SOURCE_TARGET_REVISION,
  KUBE_VERSION, KUBE_API_VERSIONS     -> std.extVar('argocd'), an object:
      {name, namespace, project, revision, revisionShort, revisionShort8,
       sourceRepoURL, sourcePath, sourceTargetRevision, kubeVersion,
       kubeApiVersions: [...], env: {...}}
  ARGOCD_ENV_<NAME> (plugin.env)      -> std.extVar('<NAME>'), a string
  ARGOCD_APP_PARAMETERS, PARAM_*      -> top-level arguments (plugin.parameters)

Argo CD versions: REVISION_SHORT is set since 2.9, REVISION_SHORT_8 since
2.14 and PROJECT_NAME since 3.0. When a short revision is missing, kcfg
derives it from ARGOCD_APP_REVISION (7 and 8 characters); `project` is
empty before Argo CD 3.0.

The entry is the `entry` parameter, else ARGOCD_ENV_KCFG_ENTRY, else
main.kcfg, else a render plan (render.kcfg; the `target` parameter picks
targets by glob), else main.jsonnet or the directory's only *.jsonnet file.
Imports are searched next to the importing file, then in `libs`, then in
Tanka's order: the entry's directory, lib/, the entry's vendor/, vendor/ of
the project root (the nearest directory with jsonnetfile.json inside the
repository, else the repository root).

Parameter types. A parameter named like a top-level argument sets it;
its strings are converted to numbers or booleans when the argument's
default is one (`replicas=1` makes \"3\" the number 3). The built-in
Jsonnet fields work as parameters too and keep the built-in's types:
`tlas` and `extVars` (a map, or the list [{name, value, code}] as JSON or
YAML) pass strings unless `code` is true, so {replicas: \"3\"} is the string
\"3\"; `tlaCode` and `extCode` (maps) pass code; `libs` lists directories
relative to the repository root. ARGOCD_APP_PARAMETERS is exact; PARAM_*
variables (used only for names the JSON lacks) upper-case map keys and
turn keys 0, 1, ... into an array. tlas and tlaCode win over single
parameters.

The repository root is the directory from which ARGOCD_APP_SOURCE_PATH
(relative, without '..') leads to the working directory without leaving it;
a source path that does not lead there, or only through a symbolic link out
of the repository, is refused.

Plugin mode is confined: imports (also importstr, importbin) may not leave
the repository (absolute paths, '..' past the root and symbolic links out of
it are refused), nothing is written to disk, nothing is fetched, and
`generate` runs under a time and memory budget. Manifests are printed only
when the whole render succeeded; on any error, budget exhaustion or SIGTERM
standard output stays empty and the exit status is non-zero.";

/// Examples after the options.
pub const AFTER_HELP: &str = "\
Examples (what plugin.yaml runs; see examples/argocd/):
  kcfg argocd discover                       Exit 0 and print the entry if this is a kcfg app
  kcfg argocd init                           Check vendor/ against jsonnetfile.json
  kcfg argocd parameters                     Announce main.kcfg's top-level arguments as JSON
  kcfg argocd generate --timeout 30s --memory-limit 512Mi

Trying it by hand, as Argo CD would call it:
  cd repo/apps/web && ARGOCD_APP_SOURCE_PATH=apps/web ARGOCD_APP_NAME=web \\
    ARGOCD_APP_PARAMETERS='[{\"name\":\"replicas\",\"string\":\"3\"}]' kcfg argocd generate";

/// `kcfg argocd` subcommands.
#[derive(Debug, Args)]
pub struct ArgocdArgs {
    #[command(subcommand)]
    command: ArgocdCommand,
}

#[derive(Debug, Subcommand)]
enum ArgocdCommand {
    /// Print every Kubernetes object of the application as one YAML stream
    #[command(after_help = GENERATE_HELP)]
    Generate(GenerateArgs),
    /// Print the entry's top-level arguments as Argo CD parameter announcements (JSON)
    #[command(after_help = PARAMETERS_HELP)]
    Parameters,
    /// Exit 0 and print the entry when the directory is a kcfg application, else exit 1
    #[command(after_help = DISCOVER_HELP)]
    Discover,
    /// Check that the dependencies of jsonnetfile.json are vendored (nothing is fetched)
    #[command(after_help = INIT_HELP)]
    Init,
}

const GENERATE_HELP: &str = "\
Examples:
  kcfg argocd generate                              Budget: 30s, 1Gi of memory (heap and stack)
  kcfg argocd generate --timeout 20s --memory-limit 512Mi
  KCFG_TIMEOUT=45s kcfg argocd generate             The budget from the sidecar's environment

The budget is the operator's: set it in plugin.yaml or on the sidecar
container, where applications cannot change it. When it runs out, the
evaluation stops with its stack trace (or, if it cannot stop cleanly within
200ms, the process exits); SIGTERM (Argo CD's deadline) ends it at once.

Exit status: 0 with the manifests on standard output; 1 with the reason on
standard error and nothing on standard output; 143 after SIGTERM.";

const PARAMETERS_HELP: &str = "\
Example output, for `function(replicas=2, env) ...` in main.kcfg:
  [{\"name\":\"replicas\",\"itemType\":\"number\",\"collectionType\":\"string\",\"string\":\"2\"},
   {\"name\":\"env\",\"required\":true,\"itemType\":\"string\",\"collectionType\":\"string\"}]

Defaults are shown when they are literals; a comment above a parameter (or
after it, on its line) becomes its tooltip. The file is parsed, not run.
After the top-level arguments come `entry` (showing the entry in use),
`tlaCode` and `extCode`; a render plan's `target` comes first.";

const DISCOVER_HELP: &str = "\
In plugin.yaml:
  discover:
    find:
      command: [kcfg, argocd, discover]

Argo CD uses the plugin for an application when the command exits 0 and
prints something. It matches when the directory has main.kcfg or
render.kcfg, or names another entry with the `entry` parameter or the
plugin env KCFG_ENTRY, or is one Argo CD's built-in Jsonnet would render:
then main.jsonnet, or its only *.jsonnet file, is the entry. The built-in
renders every *.jsonnet, *.yaml and *.json file of the directory; kcfg
renders one entry, so a directory with several *.jsonnet files and no
main.jsonnet is not matched (name the entry with `entry`).";

const INIT_HELP: &str = "\
kcfg never fetches dependencies while rendering. Vendor them with
jsonnet-bundler (`jb install`) and commit vendor/; `generate` searches, as
Tanka does, the entry's directory, lib/, the entry's vendor/ and the
project's vendor/, where the project root is the nearest directory with a
jsonnetfile.json (or tkrc.yaml) inside the repository, else the repository
root. Without a jsonnetfile.json, init has nothing to check and succeeds.";

/// `kcfg argocd generate` flags.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Wall-clock budget of the render [env: KCFG_TIMEOUT] [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = crate::cmd::parse_duration)]
    timeout: Option<Duration>,

    /// Memory budget of the render (heap and stack), like 512Mi or 1Gi [env: KCFG_MEMORY_LIMIT] [default: 1Gi]
    #[arg(long, value_name = "SIZE", value_parser = crate::memory::parse_size)]
    memory_limit: Option<usize>,

    /// Maximum stack frames of an evaluation
    #[arg(short = 's', long, default_value_t = 500, value_name = "N")]
    max_stack: usize,

    /// Maximum stack trace lines in errors (0: no limit)
    #[arg(short = 't', long, default_value_t = 20, value_name = "N")]
    max_trace: usize,

    /// Targets of a render plan evaluated in parallel [default: the number of cores]
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,

    /// Colors of rich errors
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    #[arg(long, value_enum, value_name = "FORMAT", help = crate::report::ERROR_FORMAT_HELP)]
    error_format: Option<crate::report::ErrorFormat>,

    /// Print the time, the number of objects and the peak heap on standard error
    #[arg(long)]
    stats: bool,
}

impl ArgocdArgs {
    /// Runs the subcommand.
    pub fn run(self) -> ExitCode {
        match self.command {
            ArgocdCommand::Generate(args) => match args.options() {
                Ok(options) => generate::run(options),
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(2)
                }
            },
            ArgocdCommand::Parameters => parameters_command(),
            ArgocdCommand::Discover => discover_command(),
            ArgocdCommand::Init => init_command(),
        }
    }
}

impl GenerateArgs {
    fn options(self) -> Result<Options, String> {
        let timeout = match self.timeout {
            Some(timeout) => timeout,
            None => match std::env::var("KCFG_TIMEOUT") {
                Ok(text) => crate::cmd::parse_duration(&text)
                    .map_err(|err| format!("KCFG_TIMEOUT: {err}"))?,
                Err(_) => budget::DEFAULT_TIMEOUT,
            },
        };
        let memory = match self.memory_limit {
            Some(memory) => memory,
            None => match std::env::var("KCFG_MEMORY_LIMIT") {
                Ok(text) => crate::memory::parse_size(&text)
                    .map_err(|err| format!("KCFG_MEMORY_LIMIT: {err}"))?,
                Err(_) => budget::DEFAULT_MEMORY,
            },
        };
        if timeout.is_zero() {
            return Err("--timeout must be more than zero".into());
        }
        if self.max_stack == 0 {
            return Err("--max-stack must be at least 1".into());
        }
        let jobs = match self.jobs {
            Some(0) => return Err("--jobs must be at least 1".into()),
            Some(jobs) => jobs,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        Ok(Options {
            budget: Budget {
                time: timeout,
                memory,
            },
            max_stack: self.max_stack,
            errors: crate::report::Errors::new(self.error_format, self.color, self.max_trace),
            jobs,
            stats: self.stats,
        })
    }
}

fn current_dir() -> Result<std::path::PathBuf, String> {
    std::env::current_dir().map_err(|err| format!("cannot read the working directory: {err}"))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}

fn parameters_command() -> ExitCode {
    let env = Environment::from_process();
    let prepared = match current_dir().and_then(|cwd| generate::prepare(&env, &cwd)) {
        Ok(prepared) => prepared,
        Err(message) => return fail(&message),
    };
    let plan = matches!(prepared.entry, entry::Entry::Plan(_));
    let announcement = parameters::announce(
        prepared.signature.as_deref().unwrap_or_default(),
        plan,
        &prepared.entry_shown,
    );
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{announcement}");
    ExitCode::SUCCESS
}

fn discover_command() -> ExitCode {
    let env = Environment::from_process();
    let found = current_dir()
        .and_then(|cwd| crate::argocd::env::locate(&cwd, env.get("ARGOCD_APP_SOURCE_PATH")))
        .and_then(|location| {
            let entry = entry::find(&location, &env)?;
            Ok(entry.shown(&location))
        });
    match found {
        Ok(shown) => {
            println!("{shown}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            // Argo CD reads "no output" as "not this plugin's application".
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

fn init_command() -> ExitCode {
    let env = Environment::from_process();
    let location = match current_dir()
        .and_then(|cwd| crate::argocd::env::locate(&cwd, env.get("ARGOCD_APP_SOURCE_PATH")))
    {
        Ok(location) => location,
        Err(message) => return fail(&message),
    };
    let report = vendor::check(&location.root, &location.app_dir);
    if report.problems.is_empty() {
        if !report.manifests.is_empty() {
            eprintln!(
                "kcfg argocd init: {} vendored dependenc{} present",
                report.present,
                if report.present == 1 { "y" } else { "ies" }
            );
        }
        return ExitCode::SUCCESS;
    }
    let mut stderr = std::io::stderr().lock();
    for problem in &report.problems {
        let _ = writeln!(stderr, "error: {problem}");
    }
    ExitCode::from(1)
}
