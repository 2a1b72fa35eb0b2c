//! `kcfg`: evaluate, render and ship kcfg / Jsonnet configurations.
//!
//! `main` only dispatches: each subcommand lives in its own module under
//! [`cmd`]. Invoked through a link named `jsonnet`, the binary takes the
//! `jsonnet` command line directly (see [`cmd::eval`]); through a link named
//! `jsonnetfmt`, the `jsonnetfmt` command line (see [`cmd::fmt`]). A first
//! argument that is a `jsonnet` flag or a file, not a command, means
//! `kcfg eval` ([`cmd::eval::is_implicit`]).

mod argocd;
mod cache_dir;
mod cmd;
mod color;
mod memory;
mod report;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

/// The system allocator, with the count of bytes in use that the process's
/// memory limit needs (see [`memory`]).
#[global_allocator]
static ALLOCATOR: memory::CountingAlloc = memory::CountingAlloc;

/// `kcfg --version` and `kcfg version`: the package version, the git commit
/// and the build date, which `build.rs` records (`unknown` commit when built
/// outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("KCFG_COMMIT"),
    ", built ",
    env!("KCFG_BUILD_DATE"),
    ")"
);

/// What identifies this build in `kcfg render`'s input records (issue 18):
/// the version and the commit, not the date, so that two builds of one
/// commit share records and builds of different code never do.
pub const BUILD: &str = concat!(
    "kcfg ",
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("KCFG_COMMIT"),
    ")"
);

#[derive(Parser)]
#[command(
    name = "kcfg",
    version = VERSION,
    about = "A fast, Jsonnet-compatible configuration language for Kubernetes fleets",
    long_about = "kcfg evaluates kcfg and Jsonnet programs (.kcfg, .jsonnet, .libsonnet) with the \
                  full Jsonnet language and standard library.",
    after_help = "Examples:\n  kcfg eval main.kcfg                 Print a program's value as JSON (jsonnet-compatible flags)\n  kcfg eval -e 'std.range(1, 3)'      Evaluate code from the command line\n  kcfg fmt -i .                       Format every .kcfg/.jsonnet/.libsonnet file under . (jsonnetfmt-compatible)\n  kcfg fmt --check .                  Exit 2 and show a diff for each file that is not formatted\n  kcfg render                         Render every target of ./render.kcfg into ./rendered/\n  kcfg render --check                 Exit 1 and show a diff if ./rendered/ is not current\n  kcfg argocd generate                Render the Argo CD application in the current directory (plugin mode)\n  kcfg apply rendered/ --dry-run      Show what applying a rendered fleet would change\n  kcfg completions bash               Print shell completions (bash, zsh, fish, elvish, powershell)\n  kcfg -J vendor main.jsonnet         Same as `kcfg eval -J vendor main.jsonnet`\n\nWithout a command, kcfg is `kcfg eval`: when the first argument is a jsonnet flag (other than -h, --help, --version, or -V alone) or a file, kcfg evaluates, so it can stand in for the `jsonnet` binary (Tanka: --jsonnet-implementation binary:/path/to/kcfg). A command name always means the command: evaluate a file named like one with `kcfg eval render` or `kcfg ./render`.\n\nRun `kcfg <command> --help` for the options of a command."
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
    /// Reformat kcfg / Jsonnet files (a drop-in for the `jsonnetfmt` command)
    #[command(disable_help_flag = true)]
    Fmt {
        /// `jsonnetfmt` options and the files (see `kcfg fmt --help`)
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
    /// What a change does to every target of a plan: the fleet diff between two git revisions
    FleetDiff(cmd::fleet_diff::FleetDiffArgs),
    /// Commit each cluster's rendered manifests to its own git branch (Argo CD source hydrator layout)
    Hydrate(cmd::hydrate::HydrateArgs),
    /// Run as an Argo CD config-management plugin: generate, parameters, discover, init
    #[command(long_about = cmd::argocd::LONG_ABOUT, after_help = cmd::argocd::AFTER_HELP)]
    Argocd(cmd::argocd::ArgocdArgs),
    /// Run the language server for editors (LSP over standard input and output)
    Lsp(cmd::lsp::LspArgs),
    /// Print shell completions for kcfg (bash, zsh, fish, elvish, powershell)
    Completions(cmd::docs::CompletionsArgs),
    /// Write kcfg's man pages (kcfg.1, kcfg-eval.1, ...) into a directory
    Manpages(cmd::docs::ManpagesArgs),
    /// Print kcfg's version, the git commit it was built from and the build date
    Version,
}

fn main() -> ExitCode {
    // The counter starts before anything worth counting is allocated.
    memory::memory();
    let argv: Vec<OsString> = std::env::args_os().collect();
    let invoked_as = argv
        .first()
        .and_then(|arg0| Path::new(arg0).file_stem())
        .and_then(|stem| stem.to_str());
    match invoked_as {
        Some("jsonnet") => return cmd::eval::run(&argv[1..], cmd::eval::Personality::Jsonnet),
        Some("jsonnetfmt") => return cmd::fmt::run(&argv[1..], cmd::fmt::Personality::Jsonnetfmt),
        _ => {}
    }
    // `kcfg eval` and `kcfg fmt` take the jsonnet and jsonnetfmt command
    // lines, which clap does not parse; going straight there also skips
    // building the other subcommands' flags, a measurable share of a
    // one-millisecond run.
    match argv.get(1).and_then(|arg| arg.to_str()) {
        Some("eval") => return cmd::eval::run(&argv[2..], cmd::eval::Personality::Kcfg),
        Some("fmt") => return cmd::fmt::run(&argv[2..], cmd::fmt::Personality::Kcfg),
        _ => {}
    }
    if cmd::eval::is_implicit(&argv[1..], Command::has_subcommand) {
        return cmd::eval::run(&argv[1..], cmd::eval::Personality::Kcfg);
    }
    // clap's usage errors exit 2; kcfg keeps 2 for the modes that report
    // differences (`--check`, `--dry-run`, `diff`), so a typo in a CI job's
    // flags never reads as "the manifests are stale". Bad flags exit 1, as
    // kubectl, helm and jsonnet do; help and version print and exit 0.
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 1 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Eval { args } => return cmd::eval::run(&args, cmd::eval::Personality::Kcfg),
        Command::Fmt { args } => return cmd::fmt::run(&args, cmd::fmt::Personality::Kcfg),
        Command::Render(args) => return args.run(),
        Command::FleetDiff(args) => return args.run(),
        Command::Argocd(args) => return args.run(),
        Command::Apply(args) => args.run(),
        Command::Diff(args) => args.run(),
        Command::Hydrate(args) => args.run(),
        Command::Lsp(args) => args.run(),
        Command::Completions(args) => args.run(Cli::command()),
        Command::Manpages(args) => args.run(Cli::command()),
        Command::Version => {
            let _ = writeln!(std::io::stdout(), "kcfg {VERSION}");
            Ok(ExitCode::SUCCESS)
        }
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

#[cfg(test)]
#[allow(dead_code)]
#[path = "../build/info.rs"]
mod build_info;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::build_info::{build_date, commit, utc_date};

    #[test]
    fn issue16_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14");
        assert_eq!(utc_date(-86_400), "1969-12-31");
        assert_eq!(build_date(Some("1700000000")), "2023-11-14");
        // Not a number: today, a date all the same.
        assert_eq!(build_date(Some("soon")).len(), 10);
    }

    #[test]
    fn issue16_commit_without_git_is_unknown() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        // No git at all (a tarball).
        assert_eq!(commit(root, &|_| None), ("unknown".to_string(), vec![]));
        // A git work tree whose top is elsewhere (the tarball unpacked in
        // another repository): not our commit.
        let elsewhere = |args: &[&str]| match args {
            ["rev-parse", "--show-toplevel"] => Some("/".to_string()),
            _ => Some("0123456789ab".to_string()),
        };
        assert_eq!(commit(root, &elsewhere).0, "unknown");
        // Our own top: the hash, and HEAD among the files to watch.
        let ours = |args: &[&str]| match args {
            ["rev-parse", "--show-toplevel"] => Some(root.display().to_string()),
            ["rev-parse", "--short=12", "HEAD"] => Some("0123456789ab".to_string()),
            ["rev-parse", "--absolute-git-dir"] => Some("/repo/.git".to_string()),
            ["rev-parse", "--git-common-dir"] => Some("/repo/.git".to_string()),
            ["symbolic-ref", "-q", "HEAD"] => Some("refs/heads/main".to_string()),
            _ => None,
        };
        let (hash, paths) = commit(root, &ours);
        assert_eq!(hash, "0123456789ab");
        assert!(paths.contains(&Path::new("/repo/.git/HEAD").to_path_buf()));
        assert!(paths.contains(&Path::new("/repo/.git/refs/heads/main").to_path_buf()));
        // Garbage from git is not a commit.
        let garbage = |args: &[&str]| match args {
            ["rev-parse", "--show-toplevel"] => Some(root.display().to_string()),
            _ => Some("fatal: no".to_string()),
        };
        assert_eq!(commit(root, &garbage).0, "unknown");
    }
}
