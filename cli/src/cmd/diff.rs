//! `kcfg diff`: what `kcfg apply` would change, without changing anything.

use std::process::ExitCode;

use kcfg_apply::engine::Options;

use super::apply::{run_with, ClusterArgs, Mode};
use super::CmdError;

/// Show what `kcfg apply` would change: a server-side dry run with diffs of normalised objects.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = DIFF_EXAMPLES)]
pub struct DiffArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Plan as if --force-conflicts were given (conflicts are then not reported).
    #[arg(long)]
    pub force_conflicts: bool,

    /// Plan as if --adopt were given.
    #[arg(long)]
    pub adopt: bool,

    /// Refuse (exit 1) when more than this share of a set would be pruned.
    #[arg(long, value_name = "RATIO", default_value_t = 0.5)]
    pub max_prune_ratio: f64,
}

const DIFF_EXAMPLES: &str = "\
Examples:
  kcfg diff out/ --context prod --applyset web
  kcfg diff out/ --context-for 'edge-*=edge-{cluster}' -o json

Diffs compare the live object with what the server would make of the desired
one (dryRun=All), both normalised: managed fields, resource versions, UIDs,
generations, timestamps and status are dropped, and Secret values are masked.

Output as `kcfg apply` (see its --help): the first line says what DIR is, progress
goes to standard error, the tables and diffs to standard output; --quiet prints
only errors and a one-line summary (no diffs): the exit status says the rest.

Exit status: 0 no changes, 2 changes, 1 an error. Same as `kcfg apply --dry-run`.";

impl DiffArgs {
    /// Runs the command.
    pub fn run(self) -> Result<ExitCode, CmdError> {
        let engine = Options {
            applyset: self.cluster.applyset.clone().unwrap_or_default(),
            applyset_namespace: self.cluster.applyset_namespace.clone(),
            groups: {
                let mut groups = kcfg_apply::object::GroupMap::new();
                for rule in &self.cluster.map_group {
                    groups.parse_rule(rule)?;
                }
                groups
            },
            dry_run: true,
            force_conflicts: self.force_conflicts,
            adopt: self.adopt,
            max_prune_ratio: self.max_prune_ratio,
            concurrency: self.cluster.concurrency.max(1),
            ..Options::default()
        };
        let mode = Mode {
            command: "kcfg diff",
            show_diffs: true,
            detailed_exit: true,
        };
        run_with(&self.cluster, engine, mode)
    }
}
