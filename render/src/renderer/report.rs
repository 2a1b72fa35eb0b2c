//! What a render reports: progress [`Event`]s while it runs, a
//! [`TargetReport`] per target, the [`Summary`] and, for an output
//! directory, the [`DirReport`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::check::Difference;
use crate::error::Failure;
use crate::outdir::{Leftover, Written};
use crate::policy::Violation;
use crate::target::Rendered;

/// What a render reports while it runs.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'e> {
    /// Another render holds the output directory's lock; this one waits
    /// (reported once).
    WaitingForLock {
        /// The lock file.
        lock: &'e Path,
        /// The process holding it, when its file says.
        holder: Option<u32>,
    },
    /// The targets are about to be rendered.
    Started {
        /// How many.
        targets: usize,
    },
    /// A target is done (reported from the worker thread that rendered it).
    TargetDone(&'e TargetReport),
}

/// What happened to one target.
#[derive(Debug)]
pub struct TargetReport {
    /// The target.
    pub name: String,
    /// What happened.
    pub status: Status,
    /// How many objects it has (0 when it failed).
    pub objects: usize,
    /// Its files, relative to its directory, sorted (none when it failed).
    pub files: Vec<String>,
    /// The size of its files.
    pub bytes: usize,
    /// How long rendering it (and writing or comparing it) took.
    pub elapsed: Duration,
    /// Whether it was evaluated; a target whose inputs and directory are
    /// as the input record says is not (an incremental render).
    pub evaluated: bool,
}

impl TargetReport {
    /// The policy violations of its objects.
    pub fn violations(&self) -> &[Violation] {
        match &self.status {
            Status::Rendered(rendered) => &rendered.violations,
            Status::Violations(violations) => violations,
            _ => &[],
        }
    }
}

/// The outcome of one target.
#[derive(Debug)]
pub enum Status {
    /// Rendered in memory ([`Renderer::render`](super::Renderer::render)), with its files, objects
    /// and policy violations.
    Rendered(Box<Rendered>),
    /// Written to its directory, or found identical there.
    Written(Written),
    /// Identical to its directory ([`Renderer::check`](super::Renderer::check)).
    Same,
    /// Different from its directory ([`Renderer::check`](super::Renderer::check)).
    Differs(Box<Difference>),
    /// Not rendered.
    Failed(Failure),
    /// Its objects broke the plan's policies, so its directory was neither
    /// written nor compared.
    Violations(Vec<Violation>),
    /// Not started: an earlier target failed and the batch stops at the
    /// first failure.
    Skipped,
}

impl Status {
    /// Whether the target failed or broke a policy.
    pub fn is_failure(&self) -> bool {
        match self {
            Status::Failed(_) | Status::Violations(_) => true,
            Status::Rendered(rendered) => !rendered.violations.is_empty(),
            Status::Written(_) | Status::Same | Status::Differs(_) | Status::Skipped => false,
        }
    }
}

/// The targets of a render, counted by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// All targets.
    pub targets: usize,
    /// Rendered in memory without a policy violation.
    pub rendered: usize,
    /// Written (their directory was replaced).
    pub written: usize,
    /// Left alone: their directory already held these files.
    pub unchanged: usize,
    /// Identical to their directory (`check`).
    pub identical: usize,
    /// Different from their directory (`check`).
    pub differ: usize,
    /// Failed, or broke a policy.
    pub failed: usize,
    /// Not started.
    pub skipped: usize,
    /// Objects of every target.
    pub objects: usize,
    /// Bytes of every target's files.
    pub bytes: usize,
    /// Policy violations of every target.
    pub violations: usize,
    /// Evaluated.
    pub evaluated: usize,
    /// Not evaluated: their inputs and directory were as the input record
    /// says, so their files were already what a full render writes.
    pub reused: usize,
}

impl Summary {
    /// Counts `reports`.
    pub fn of(reports: &[TargetReport]) -> Summary {
        let mut summary = Summary {
            targets: reports.len(),
            ..Summary::default()
        };
        for report in reports {
            if report.evaluated {
                summary.evaluated += 1;
            } else if !matches!(report.status, Status::Skipped) {
                summary.reused += 1;
            }
            summary.objects += report.objects;
            summary.bytes += report.bytes;
            summary.violations += report.violations().len();
            let count = match &report.status {
                status if status.is_failure() => &mut summary.failed,
                Status::Rendered(_) => &mut summary.rendered,
                Status::Written(Written::Replaced) => &mut summary.written,
                Status::Written(Written::Unchanged) => &mut summary.unchanged,
                Status::Same => &mut summary.identical,
                Status::Differs(_) => &mut summary.differ,
                Status::Failed(_) | Status::Violations(_) => &mut summary.failed,
                Status::Skipped => &mut summary.skipped,
            };
            *count += 1;
        }
        summary
    }
}

/// What a render into (or check against) an output directory did.
#[derive(Debug)]
pub struct DirReport {
    /// The output directory.
    pub root: PathBuf,
    /// Whether it was a check (nothing written).
    pub check: bool,
    /// Every selected target, sorted by name.
    pub targets: Vec<TargetReport>,
    /// Targets listed in the directory that left the plan: removed, or
    /// (check) to be removed.
    pub stale: Vec<String>,
    /// Leftovers of an interrupted render: removed, or (check) found.
    pub leftovers: Vec<Leftover>,
    /// The generators of the plan that made no target.
    pub empty_generators: Vec<String>,
    /// How long rendering into the directory took (loading the plan not
    /// included).
    pub elapsed: Duration,
    /// Whether targets were reused from the input record (not with
    /// [`Destination::incremental`](super::Destination::incremental) off).
    pub incremental: bool,
    /// Input records found but not used, each `PATH: why` (another build,
    /// unparsable, …): their targets were evaluated.
    pub records_ignored: Vec<String>,
}

impl DirReport {
    /// The targets counted by outcome.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.targets)
    }

    /// Whether every target rendered and the directory is (or, for a
    /// check, was already) exactly what the plan makes.
    pub fn success(&self) -> bool {
        let summary = self.summary();
        let leftover = self.check && (!self.stale.is_empty() || !self.leftovers.is_empty());
        summary.failed == 0 && summary.differ == 0 && !leftover
    }
}
