//! `kcfg`: evaluate, render and ship kcfg / Jsonnet configurations.
//!
//! `main` only dispatches: each subcommand lives in its own module under
//! [`cmd`]. Invoked through a link named `jsonnet`, the binary takes the
//! `jsonnet` command line directly (see [`cmd::eval`]).

mod argocd;
mod cmd;
mod report;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The system allocator, with the heap count plugin mode's memory budget
/// needs (off, and one relaxed load per allocation, everywhere else).
#[global_allocator]
static ALLOCATOR: argocd::budget::CountingAlloc = argocd::budget::CountingAlloc;

#[derive(Parser)]
#[command(
    name = "kcfg",
    version,
    about = "A fast, Jsonnet-compatible configuration language for Kubernetes fleets",
    long_about = "kcfg evaluates kcfg and Jsonnet programs (.kcfg, .jsonnet, .libsonnet) with the \
                  full Jsonnet language and standard library.",
    after_help = "Examples:\n  kcfg eval main.kcfg                 Print a program's value as JSON (jsonnet-compatible flags)\n  kcfg eval -e 'std.range(1, 3)'      Evaluate code from the command line\n  kcfg render                         Render every target of ./render.kcfg into ./rendered/\n  kcfg render --check                 Exit 1 and show a diff if ./rendered/ is not current\n  kcfg argocd generate                Render the Argo CD application in the current directory (plugin mode)\n\nRun `kcfg <command> --help` for the options of a command."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a program and print its value (a drop-in for the `jsonnet` command)
    #[command(disable_help_flag = true)]
    Eval {
        /// `jsonnet` options and the file (see `kcfg eval --help`)
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Render every target of a plan (render.kcfg) into manifests, or --check them
    #[command(long_about = cmd::render::LONG_ABOUT, after_help = cmd::render::AFTER_HELP)]
    Render(Box<cmd::render::RenderArgs>),
    /// Apply rendered manifests to a cluster or a fleet (server-side apply, ApplySets, safe pruning)
    Apply(cmd::apply::ApplyArgs),
    /// Show what `kcfg apply` would change, without changing anything
    Diff(cmd::diff::DiffArgs),
    /// Commit each cluster's rendered manifests to its own git branch (Argo CD source hydrator layout)
    Hydrate(cmd::hydrate::HydrateArgs),
    /// Run as an Argo CD config-management plugin: generate, parameters, discover, init
    #[command(long_about = cmd::argocd::LONG_ABOUT, after_help = cmd::argocd::AFTER_HELP)]
    Argocd(cmd::argocd::ArgocdArgs),
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let invoked_as = argv
        .first()
        .and_then(|arg0| Path::new(arg0).file_stem())
        .and_then(|stem| stem.to_str());
    if invoked_as == Some("jsonnet") {
        return cmd::eval::run(&argv[1..], cmd::eval::Personality::Jsonnet);
    }
    // `kcfg eval` takes the jsonnet command line, which clap does not parse;
    // going straight there also skips building the other subcommands' flags,
    // a measurable share of a one-millisecond run.
    if argv.get(1).is_some_and(|arg| arg == "eval") {
        return cmd::eval::run(&argv[2..], cmd::eval::Personality::Kcfg);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval { args } => return cmd::eval::run(&args, cmd::eval::Personality::Kcfg),
        Command::Render(args) => return args.run(),
        Command::Argocd(args) => return args.run(),
        Command::Apply(args) => args.run(),
        Command::Diff(args) => args.run(),
        Command::Hydrate(args) => args.run(),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // Reports ignore write errors, so a closed pipe (`kcfg diff | head`)
            // ends the output without an error.
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {err}");
            ExitCode::from(1)
        }
    }
}
