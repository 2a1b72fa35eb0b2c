//! `kcfg hydrate`: commit each cluster's rendered output to its own branch
//! in Argo CD's source-hydrator layout.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use kcfg_apply::fleet::load_dir;
use kcfg_apply::hydrate::{hydrate, BranchOutcome, Git, HydratorMeta};
use kcfg_apply::object::GroupMap;

use super::CmdError;
use crate::color::ColorWhen;

/// Commit each cluster's rendered manifests to a branch (Argo CD source-hydrator layout).
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = HYDRATE_EXAMPLES)]
pub struct HydrateArgs {
    /// Rendered output: one directory per target `<cluster>/<app>`.
    pub dir: PathBuf,

    /// The git repository that receives the branches (its work tree is not touched).
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Branch name prefix; a cluster's branch is <PREFIX><cluster>.
    #[arg(long, value_name = "PREFIX", default_value = "env/")]
    pub branch_prefix: String,

    /// The dry source commit, recorded in hydrator.metadata.
    #[arg(long, value_name = "SHA")]
    pub dry_sha: Option<String>,

    /// The dry source repository URL, recorded in hydrator.metadata.
    #[arg(long, value_name = "URL")]
    pub repo_url: Option<String>,

    /// The render command, recorded in hydrator.metadata and README.md. Repeatable.
    #[arg(long = "command", value_name = "CMD")]
    pub commands: Vec<String>,

    /// Commit message.
    #[arg(
        short,
        long,
        value_name = "TEXT",
        default_value = "kcfg: hydrate manifests"
    )]
    pub message: String,

    /// Exit 2 when a branch got a new commit (a successful run otherwise
    /// exits 0 whether or not it committed).
    #[arg(long)]
    pub exit_code: bool,

    /// Print only errors and a one-line summary instead of a line per branch.
    #[arg(short, long)]
    pub quiet: bool,

    /// Colour the output.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

const HYDRATE_EXAMPLES: &str = "\
Examples:
  kcfg hydrate out/ --repo . --dry-sha \"$(git rev-parse HEAD)\" \\
      --repo-url https://git.example.com/fleet.git
  git push origin 'refs/heads/env/*'

Each branch holds, per application: <app>/manifest.yaml, <app>/hydrator.metadata
and <app>/README.md, plus hydrator.metadata at the root. A branch gets one new
commit only when a manifest changed; a new --dry-sha alone makes none. Nothing
is pushed: push the env/* branches yourself.

Output: one line per branch, `<branch>: committed <sha>` or `<branch>: unchanged`;
with --quiet only errors and one line of totals.

Exit status: 0 success, whether or not a branch got a commit (as `kcfg apply`);
1 an error, bad flags included.
With --exit-code: 2 when a branch got a commit, 0 when none did.";

impl HydrateArgs {
    /// Runs the command: exit 0 whether or not something was committed,
    /// unless `--exit-code` asks for 2 on commits.
    pub fn run(self) -> Result<ExitCode, CmdError> {
        let targets =
            load_dir(&self.dir, &GroupMap::new()).map_err(|err| CmdError(err.to_string()))?;
        if targets.iter().any(|t| t.name == ".") {
            return Err(CmdError(format!(
                "{} holds manifests directly; hydrate expects one directory per <cluster>/<app>",
                self.dir.display()
            )));
        }
        let values: Vec<(String, Vec<serde_json::Value>)> = targets
            .into_iter()
            .map(|t| (t.name, t.objects.into_iter().map(|o| o.value).collect()))
            .collect();
        let git = Git::open(&self.repo).map_err(|err| CmdError(err.to_string()))?;
        let meta = HydratorMeta {
            repo_url: self.repo_url,
            dry_sha: self.dry_sha,
            commands: self.commands,
        };
        let branches = hydrate(&git, &values, &self.branch_prefix, &meta, &self.message)
            .map_err(|err| CmdError(err.to_string()))?;
        let paint = self.color.stdout();
        let mut out = std::io::stdout().lock();
        let committed = branches
            .iter()
            .filter(|(_, outcome)| matches!(outcome, BranchOutcome::Committed(_)))
            .count();
        // Write errors (a closed pipe) are ignored: the commits are made.
        if self.quiet {
            let _ = writeln!(
                out,
                "{} {}: {committed} committed, {} unchanged",
                branches.len(),
                if branches.len() == 1 {
                    "branch"
                } else {
                    "branches"
                },
                branches.len() - committed
            );
        } else {
            for (branch, outcome) in &branches {
                let _ = match outcome {
                    BranchOutcome::Unchanged => writeln!(out, "{branch}: unchanged"),
                    BranchOutcome::Committed(sha) => writeln!(
                        out,
                        "{branch}: {} {}",
                        paint.green("committed"),
                        &sha[..sha.len().min(12)]
                    ),
                };
            }
        }
        if self.exit_code && committed > 0 {
            return Ok(ExitCode::from(2));
        }
        Ok(ExitCode::SUCCESS)
    }
}
