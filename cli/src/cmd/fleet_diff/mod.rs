//! `kcfg fleet-diff [BASE [HEAD]]`: what a change does to every target of
//! a plan (issue 18, item 2). The diff itself is `kcfg_render::diff`'s;
//! this command opens the revisions (`kcfg_render::git`), loads the plan
//! at each side, and prints the result as text (`text.rs`, paged by
//! `pager.rs`), Markdown (`markdown.rs`) or JSON (`json.rs`). The plan's
//! inputs (`--ext-*`, `--tla-*`, [`super::plan_input`]) and `--only` are
//! `kcfg render`'s, and the same values apply to both sides, so that a
//! reviewer diffs the fleet CI renders.
//!
//! Why a command of its own rather than `kcfg render --diff-base REV`: a
//! fleet diff writes nothing, so none of `kcfg render`'s output-directory
//! flags (`--out`, `--check`, `--shard`, `--prune-shards`,
//! `--allow-mass-delete`, layouts) would mean anything with it, while it
//! needs flags of its own (`--format`, `--max-size`, a second revision);
//! and `kcfg fleet-diff main HEAD` reads like `git diff main HEAD`, which
//! is what it is for a fleet. (`kcfg diff` compares rendered manifests
//! with live clusters.)

mod json;
mod markdown;
mod pager;
mod text;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use kcfg_render::diff::{self, FleetDiff, Side};
use kcfg_render::git::Revision;
use kcfg_render::importer::{split_path_list, FileSystem, Imports, TreeImports, Warnings};
use kcfg_render::inputs::{self, Record, RECORD_LIMIT};
use kcfg_render::project::ProjectSearch;
use kcfg_render::{Error, Plan, Renderer, Selection, Settings};

use super::plan_input::PlanInputArgs;
use crate::cache_dir;
use crate::color::ColorWhen;
use crate::report::{self, Errors};

const AFTER_HELP: &str = "\
Examples:
  kcfg fleet-diff                          What the work tree changes since HEAD
  kcfg fleet-diff origin/main              ... since origin/main
  kcfg fleet-diff main feature             From revision main to revision feature
  kcfg fleet-diff --plan examples/edge-fleet --format markdown origin/main > comment.md
  kcfg fleet-diff main --tla-code policyDemo=false --only 'edge-eu-*/*'
                                           The fleet CI renders, Europe's edge only

BASE (default HEAD) and HEAD are git revisions, read from git's object store
with the git program: nothing is checked out, and neither the work tree nor
the repository is written. Without HEAD the other side is the work tree.
The plan is PLAN/render.kcfg at each side (with -J and JSONNET_PATH as for
kcfg render); a plan missing at BASE makes every target added, at HEAD
removed.

The plan's inputs are kcfg render's flags, with the same syntax: -V/--ext-str,
--ext-code, --ext-str-file, --ext-code-file (external variables) and
-A/--tla-str, --tla-code, --tla-str-file, --tla-code-file (top-level
arguments). They apply to both sides; a *-file flag's file is read once
from the file system, not from a revision. Give the ones CI renders with,
or the diff is not of the fleet CI deploys. --only GLOB (repeatable, `*`
does not match `/`) compares only the targets it selects at either side:
the others are neither evaluated nor reported, and the report says a
selection was applied. A glob that selects no target at either side is an
error that suggests a close one.

The report has three levels: a table of targets added, removed and changed
per application and per cluster (a target `CLUSTER/APP` is named after its
last `/`); per object, the fields that changed (`spec.replicas: 2 -> 3`;
added and removed objects by name; Secret values hidden); and identical
changes of many targets shown once, named by the shortest --only glob that
selects exactly them (`edge-eu-*/web`) or by their list.

Incremental: a target in both plans is evaluated only when its inputs may
differ. The input record committed at BASE (PLAN/rendered/.kcfg-inputs,
written by kcfg render with this build) and the one in kcfg render's cache
(the default one, KCFG_CACHE_DIR or --cache DIR; --no-cache: none) say
which files each target read; a target whose recorded parameters and files
are the same at both sides renders the same and is not evaluated. The work
tree's record is not used: the change under review could have edited it.
Records name files as kcfg render spelled them: render and diff from the
same directory with the plan spelled alike (kcfg render examples/edge-fleet,
kcfg fleet-diff --plan examples/edge-fleet).

Formats: text (coloured with --color, paged through $PAGER or `less -FRX` on
a terminal when longer than the screen), markdown (a pull-request comment:
collapsed sections, at most --max-size bytes, with a note of what was cut),
json (version 1, documented in the README).

Exit status: 0 nothing changes, 2 something changes, 1 an error (a bad
revision, a plan that fails, a target that fails to render at either side).

Why `kcfg fleet-diff` and not `kcfg render --diff-base REV`: a fleet diff
writes nothing, so none of kcfg render's output-directory flags (--out,
--check, --shard, layouts, pruning) would mean anything with it, and it
takes two revisions as `git diff` does. `kcfg diff` compares rendered
manifests with live clusters.";

/// What a change does to every target of a plan: the fleet diff between two git revisions
#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct FleetDiffArgs {
    /// The revision to compare against (default: HEAD)
    #[arg(value_name = "BASE")]
    base: Option<String>,

    /// The revision under review (default: the work tree)
    #[arg(value_name = "HEAD")]
    head: Option<String>,

    /// The plan's directory (holding render.kcfg), in the work tree's terms
    #[arg(long, value_name = "DIR", default_value = ".")]
    plan: PathBuf,

    /// Only the targets whose name matches GLOB, at both sides (repeatable)
    #[arg(long, value_name = "GLOB")]
    only: Vec<String>,

    /// Library directory, searched after the importing file's (the right-most first)
    #[arg(short = 'J', long = "jpath", value_name = "DIR")]
    jpath: Vec<PathBuf>,

    #[command(flatten)]
    plan_input: PlanInputArgs,

    /// How to print the diff
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = DiffFormat::Text)]
    format: DiffFormat,

    /// The largest Markdown report, in bytes (GitHub's comments hold 65,536 characters)
    #[arg(long, value_name = "BYTES", default_value_t = 60_000)]
    max_size: usize,

    /// Also trust the input record kept in this directory by `kcfg render --cache DIR` [default: kcfg render's default cache]
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,

    /// Trust no cache directory, not even the default one (as KCFG_CACHE_DIR=off)
    #[arg(long, conflicts_with = "cache")]
    no_cache: bool,

    /// Evaluate every target at both sides, trusting no input record
    #[arg(long)]
    no_incremental: bool,

    /// Never page the text report
    #[arg(long)]
    no_pager: bool,

    /// Targets rendered at once (default: one per core)
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,

    /// When to colour the text report
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For a terminal: coloured, paged when long
    Text,
    /// For a pull-request comment
    Markdown,
    /// For tools (schema version 1)
    Json,
}

/// What the report says about the two sides.
pub struct Header {
    /// BASE as given, and its commit.
    pub base: (String, String),
    /// HEAD as given and its commit, or `None` for the work tree.
    pub head: Option<(String, String)>,
    /// The plan's directory as given.
    pub plan: String,
    /// Whether the plan exists at each side.
    pub plan_at: (bool, bool),
    /// The `--only` globs (none: every target).
    pub only: Vec<String>,
}

impl Header {
    /// `main (0123456789ab)`.
    pub fn base_label(&self) -> String {
        format!("{} ({})", self.base.0, short(&self.base.1))
    }

    /// `feature (0123456789ab)` or `work tree`.
    pub fn head_label(&self) -> String {
        match &self.head {
            Some((spelled, commit)) => format!("{spelled} ({})", short(commit)),
            None => "work tree".into(),
        }
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

impl FleetDiffArgs {
    /// Runs the command.
    pub fn run(self) -> ExitCode {
        let errors = Errors::new(None, self.color, 0);
        let fail = |message: String| {
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                errors.painter.error(&format!("error: {message}"))
            );
            ExitCode::from(1)
        };
        if self.jobs == Some(0) {
            return fail("--jobs must be at least 1".into());
        }
        // The same selection, variables and arguments for both sides; a
        // `*-file` flag's file is read once, here, from the file system
        // (it is a command-line input, not a file of either revision).
        let selection = match Selection::globs(&self.only) {
            Ok(selection) => selection,
            Err(err) => {
                return fail(match err.pattern {
                    Some(pattern) => format!("--only {pattern:?}: {}", err.message),
                    None => format!("--only: {}", err.message),
                })
            }
        };
        let (ext_vars, tlas) = match self.plan_input.resolve() {
            Ok(vars) => vars,
            Err(message) => return fail(message),
        };
        let cwd = match std::env::current_dir() {
            Ok(cwd) => cwd,
            Err(err) => return fail(format!("cannot read the working directory: {err}")),
        };
        let base_spelled = self.base.clone().unwrap_or_else(|| "HEAD".into());
        let base = match Revision::open("git", &self.plan, &cwd, &base_spelled) {
            Ok(revision) => Arc::new(revision),
            Err(err) => return fail(err.to_string()),
        };
        let head = match &self.head {
            Some(spelled) => match Revision::open("git", &self.plan, &cwd, spelled) {
                Ok(revision) => Some(Arc::new(revision)),
                Err(err) => return fail(err.to_string()),
            },
            None => None,
        };
        let library_path = std::env::var("JSONNET_PATH")
            .map(|list| split_path_list(&list))
            .unwrap_or_default();
        let warnings = Warnings::to(|text: &str| {
            let _ = writeln!(std::io::stderr(), "{text}");
        });
        let base_renderer = self.renderer(TreeImports {
            tree: base.clone(),
            library_path: library_path.clone(),
            warnings: warnings.clone(),
        });
        let head_renderer = match &head {
            Some(revision) => self.renderer(TreeImports {
                tree: revision.clone(),
                library_path,
                warnings,
            }),
            None => self.renderer(FileSystem {
                library_path,
                warnings,
            }),
        };
        let load = |renderer: &Renderer| match renderer.load_plan(&self.plan, &ext_vars, &tlas) {
            Ok(plan) => Ok(Some(plan)),
            Err(Error::NoPlan { .. }) => Ok(None),
            Err(err) => Err(err),
        };
        let (base_plan, head_plan) = match (load(&base_renderer), load(&head_renderer)) {
            (Ok(base), Ok(head)) => (base, head),
            (Err(err), _) | (_, Err(err)) => {
                let _ = std::io::stderr().write_all(report::render_error(&err, &errors).as_bytes());
                return ExitCode::from(1);
            }
        };
        if base_plan.is_none() && head_plan.is_none() {
            return fail(format!(
                "no plan: {} is at neither side",
                self.plan.join(kcfg_render::PLAN_FILE).display()
            ));
        }
        let (record, ignored) = if self.no_incremental {
            (None, Vec::new())
        } else {
            self.trusted_record(&base, base_plan.as_ref().or(head_plan.as_ref()))
        };
        let options = diff::Options {
            record: record.as_ref(),
            selection,
            ..diff::Options::default()
        };
        let result = diff::fleet_diff(
            Side {
                renderer: &base_renderer,
                plan: base_plan.as_ref(),
            },
            Side {
                renderer: &head_renderer,
                plan: head_plan.as_ref(),
            },
            &options,
        );
        let fleet = match result {
            Ok(fleet) => fleet,
            Err(err) => {
                let _ = std::io::stderr().write_all(report::render_error(&err, &errors).as_bytes());
                return ExitCode::from(1);
            }
        };
        let common = fleet.base_targets + fleet.head_targets - fleet.every.len();
        // A record that holds the base's targets as this run spells their
        // entries proved nothing because every input changed (a library
        // every target reads, or a selection of changed targets only):
        // nothing to explain then.
        let spelled_alike = record.as_ref().is_some_and(|record| {
            base_plan.iter().any(|plan| {
                let spelling = kcfg_render::inputs::Spelling::new(Some(&plan.dir));
                plan.targets.iter().any(|target| {
                    let entry = spelling.record(&target.entry);
                    record
                        .targets
                        .get(&target.name)
                        .and_then(|held| record.closures.get(&held.closure))
                        .is_some_and(|closure| {
                            entry.is_some_and(|entry| closure.files.contains_key(&entry))
                        })
                })
            })
        });
        if common > 0 && fleet.proven == 0 && !self.no_incremental && !spelled_alike {
            // Say why every target was evaluated: a diff that could have
            // taken seconds took a full render of both sides.
            let why = if ignored.is_empty() {
                "the input record proved no target unchanged (was it written for another plan?)"
                    .to_string()
            } else {
                format!("no input record to use ({})", ignored.join("; "))
            };
            let _ = writeln!(
                std::io::stderr(),
                "note: every target was evaluated at both sides: {why}"
            );
        }
        let header = Header {
            base: (base.spelled().to_string(), base.commit().to_string()),
            head: head.as_ref().map(|revision| {
                (
                    revision.spelled().to_string(),
                    revision.commit().to_string(),
                )
            }),
            plan: self.plan.display().to_string(),
            plan_at: (base_plan.is_some(), head_plan.is_some()),
            only: self.only.clone(),
        };
        let out = match self.format {
            DiffFormat::Text => text::report(&fleet, &header, self.color.stdout()),
            DiffFormat::Markdown => markdown::report(&fleet, &header, self.max_size),
            DiffFormat::Json => json::report(&fleet, &header),
        };
        if self.format == DiffFormat::Text && !self.no_pager {
            pager::page(&out);
        } else {
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
        }
        for failure in &fleet.failures {
            let side = match failure.side {
                diff::Which::Base => "base",
                diff::Which::Head => "head",
            };
            let text = report::failure(&failure.failure, &errors);
            let _ = write!(
                std::io::stderr(),
                "{} at the {side} ({}):\n{text}",
                errors.painter.error(&format!("error: {}", failure.target)),
                match failure.side {
                    diff::Which::Base => header.base_label(),
                    diff::Which::Head => header.head_label(),
                }
            );
        }
        exit_code(&fleet)
    }

    fn renderer(&self, imports: impl Imports + 'static) -> Renderer {
        let mut settings = Settings::new(imports);
        settings.jpath = self.jpath.clone();
        settings.project = ProjectSearch::Anywhere;
        if let Some(jobs) = self.jobs {
            settings.jobs = jobs;
        }
        settings.memory = Some(crate::memory::memory().clone());
        settings.build = crate::BUILD.to_string();
        Renderer::new(settings)
    }

    /// The records a diff may believe: the one committed at the base, which
    /// the change under review cannot edit, and `--cache`'s, which only
    /// kcfg writes. One that cannot be read or is another build's is left
    /// out (every target it would have covered is evaluated), and why is
    /// returned beside.
    fn trusted_record(
        &self,
        base: &Revision,
        plan: Option<&Plan>,
    ) -> (Option<Record>, Vec<String>) {
        use kcfg_render::importer::Tree as _;
        let Some(plan) = plan else {
            return (None, Vec::new());
        };
        let output = plan.default_output_dir();
        let mut merged = Record::new(crate::BUILD);
        let mut ignored = Vec::new();
        let committed = output.join(".kcfg-inputs");
        let shown = format!("{} at {}", committed.display(), base.spelled());
        match base.read(&committed) {
            Ok(bytes) if bytes.len() as u64 > RECORD_LIMIT => {
                ignored.push(format!("{shown}: larger than {RECORD_LIMIT} bytes"))
            }
            Ok(bytes) => match Record::parse(&bytes, crate::BUILD) {
                Ok(record) => merged.absorb(record),
                Err(why) => ignored.push(format!("{shown}: {why}")),
            },
            Err(_) => ignored.push(format!("{shown}: not there")),
        }
        // The default cache is only read: a missing one, or a missing
        // record in it, is no news (kcfg render may never have run here).
        let cache = cache_dir::resolve(self.cache.clone(), self.no_cache, cache_dir::Missing::Skip)
            .unwrap_or(None);
        if let Some(cache) = cache {
            let file = inputs::cache_file(&cache.path, &output, None);
            let cached = inputs::read_cache(&file)
                .and_then(|bytes| bytes.map(|b| Record::parse(&b, crate::BUILD)).transpose());
            match cached {
                Ok(Some(record)) => merged.absorb(record),
                Ok(None) if cache.source != cache_dir::Source::Flag => {}
                Ok(None) => ignored.push(format!("{}: not there", file.display())),
                Err(why) => ignored.push(format!("{}: {why}", file.display())),
            }
        }
        let record = (!merged.targets.is_empty()).then_some(merged);
        if record.is_some() {
            ignored.clear();
        }
        (record, ignored)
    }
}

/// 1 when a target failed, 2 when something changes, else 0.
fn exit_code(fleet: &FleetDiff) -> ExitCode {
    if !fleet.failures.is_empty() {
        ExitCode::from(1)
    } else if fleet.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// A value as the reports show it: JSON, cut to `max` characters.
pub fn shown(value: &Option<serde_json::Value>, max: usize) -> String {
    let Some(value) = value else {
        return "(none)".into();
    };
    let text = value.to_string();
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// Every name of a group that its one-line form (`TargetSet`'s `Display`)
/// cuts short: no glob names it and it has more than six targets.
pub fn unlisted(targets: &kcfg_render::group::TargetSet) -> Option<String> {
    (targets.pattern.is_none() && !targets.all && targets.names.len() > 6)
        .then(|| targets.names.join(", "))
}

/// The plural of `word` for `n`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use kcfg_render::group::TargetSet;

    #[test]
    fn issue18_long_groups_without_a_glob_list_every_target() {
        let names: Vec<String> = (1..=7).map(|n| format!("c{n}/web")).collect();
        let set = |names: &[String], pattern: Option<&str>, all: bool| TargetSet {
            names: names.to_vec(),
            pattern: pattern.map(String::from),
            all,
        };
        assert_eq!(
            super::unlisted(&set(&names, None, false)),
            Some(names.join(", "))
        );
        // Named by a glob, all of them, or few enough to be listed.
        assert_eq!(super::unlisted(&set(&names, Some("c*/web"), false)), None);
        assert_eq!(super::unlisted(&set(&names, None, true)), None);
        assert_eq!(super::unlisted(&set(&names[..6], None, false)), None);
    }
}
