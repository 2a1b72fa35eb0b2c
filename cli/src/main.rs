//! The `kcfg` command line.
//!
//! This minimal main wires the apply-engine commands (issue 7) so they can
//! be run and tested end to end; the full CLI (eval, render, fmt, ...) adds
//! its subcommands next to these.

mod cmd;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// kcfg: a Jsonnet-compatible configuration language and Kubernetes fleet tool.
#[derive(Debug, Parser)]
#[command(name = "kcfg", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Apply(cmd::apply::ApplyArgs),
    Diff(cmd::diff::DiffArgs),
    Hydrate(cmd::hydrate::HydrateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Apply(args) => args.run(),
        Command::Diff(args) => args.run(),
        Command::Hydrate(args) => args.run(),
    };
    match res {
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
