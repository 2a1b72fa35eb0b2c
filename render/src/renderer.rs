//! The renderer: the one render path of `kcfg render`, the Argo CD plugin
//! and every other program that renders a fleet (issue 15).
//!
//! A [`Renderer`] holds the settings every evaluation shares (how imports
//! are found, the stack limit, where `std.trace` goes, an interrupt, the
//! memory limit) and
//! one parsed [`Program`] per import search path, so a file is parsed once
//! however many targets import it. With it a program:
//!
//! 1. loads a plan ([`Renderer::load_plan`]), which evaluates `render.kcfg`
//!    once and keeps its targets as plain data;
//! 2. picks targets ([`Selection`], [`Batch::from_plan`]);
//! 3. renders them in parallel, each on a worker thread in its own arena:
//!    into memory ([`Renderer::render`]), into an output directory
//!    ([`Renderer::write`], which keeps to what kcfg owns there, see
//!    [`crate::outdir`]) or against one ([`Renderer::check`]);
//! 4. reads the results: a [`TargetReport`] per target, and for a directory
//!    a [`DirReport`] with the targets removed and the [`Summary`].
//!
//! Progress is reported through a callback ([`Event`]), from the worker
//! threads as targets finish. Nothing is printed, nothing is read from the
//! process environment and nothing exits the process: errors are values
//! ([`Error`] for the render, [`Failure`] for a target).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kcfg_lang::eval::ExtValue;
use kcfg_lang::program::Program;
use rayon::prelude::*;

use crate::check::{self, Difference};
use crate::error::{Error, Failure, MassDelete};
use crate::inputs::{self, Record};
use crate::outdir::{self, Leftover, OutDir, RootFile, Written};
use crate::output::{Output, OutputOptions};
use crate::plan::{self, Plan, Selection, Target};
use crate::policy::{Policy, Violation};
use crate::project::Project;
use crate::reuse::{self, lock, Incremental};
use crate::settings::Settings;
use crate::shard::Shard;
use crate::target::{self, Rendered};
use crate::threads;

/// Renders plans and targets (see the module's documentation).
///
/// A renderer keeps the files it parsed for as long as it lives; make a new
/// one to see files that changed.
pub struct Renderer {
    pub(crate) settings: Settings,
    /// One program per search path.
    programs: Mutex<HashMap<Vec<PathBuf>, Arc<Program>>>,
    /// The digest of each file a program read (by the program's address
    /// and the path): what the input record holds ([`crate::inputs`]).
    pub(crate) digests: Mutex<HashMap<usize, HashMap<PathBuf, Option<String>>>>,
}

/// Targets to render, and how each is laid out.
#[derive(Debug, Clone)]
pub struct Batch<'b> {
    /// The targets, in the order their reports come back.
    pub targets: Vec<&'b Target>,
    /// How each target is laid out (as many as `targets`).
    pub outputs: Vec<Output>,
    /// The policies every object must pass.
    pub policies: &'b [Policy],
    /// Stop starting targets once one failed or broke a policy; the rest
    /// are reported as [`Status::Skipped`].
    pub fail_fast: bool,
}

impl<'b> Batch<'b> {
    /// The targets of `plan` that `selection` selects, with the plan's
    /// policies, each laid out as the target, then the plan, say, with
    /// `overrides` on top (`kcfg render`'s command line).
    pub fn from_plan(
        plan: &'b Plan,
        selection: &Selection,
        overrides: &OutputOptions,
    ) -> Result<Batch<'b>, Error> {
        let targets = plan.select(selection);
        if !selection.is_all() && targets.is_empty() {
            let names: Vec<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
            return Err(Error::NothingSelected {
                in_plan: plan.targets.len(),
                suggestions: selection.suggestions(&names),
            });
        }
        let outputs = targets
            .iter()
            .map(|target| {
                overrides
                    .over(&target.output.over(&plan.output))
                    .resolve()
                    .map_err(|message| Error::Output {
                        target: target.name.clone(),
                        message,
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Batch {
            targets,
            outputs,
            policies: &plan.policies,
            fail_fast: false,
        })
    }

    /// `targets`, all laid out as `output`.
    pub fn new(targets: Vec<&'b Target>, output: Output, policies: &'b [Policy]) -> Batch<'b> {
        Batch {
            outputs: vec![output; targets.len()],
            targets,
            policies,
            fail_fast: false,
        }
    }
}

/// An output directory to render into or check against, and the rules for
/// changing it.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The directory (`kcfg render --out`, or [`Plan::default_output_dir`]).
    pub root: PathBuf,
    /// Whether `root` itself may be a symbolic link: yes when a person named
    /// it, no for a directory that comes with the plan's repository.
    pub follow_root: bool,
    /// The targets looked at; targets it does not select are neither
    /// rendered nor removed.
    pub selection: Selection,
    /// Output options over the targets' and the plan's.
    pub overrides: OutputOptions,
    /// Stop starting targets once one failed.
    pub fail_fast: bool,
    /// The largest share of the listed targets a render may remove.
    pub max_prune_ratio: f64,
    /// No share limit, and removing targets while a generator made none is
    /// fine.
    pub allow_mass_delete: bool,
    /// How long to wait for another render that holds the directory's lock.
    pub lock_timeout: Duration,
    /// Only the targets of this shard ([`crate::shard`]): a render removes
    /// no stale target and lists what it wrote in the shard's own marker;
    /// a check reports the stale targets of its shard only.
    pub shard: Option<Shard>,
    /// Evaluate only the targets whose inputs changed since the input
    /// record ([`crate::inputs`]); without, every target is evaluated (a
    /// write records them all the same).
    pub incremental: bool,
    /// Keep the input record in this directory (`--cache DIR`) rather than
    /// in the output directory. A record there is written by kcfg alone,
    /// so a check trusts it; a check never trusts the record in the output
    /// directory, which whoever changes the output can change with it.
    pub cache: Option<PathBuf>,
}

impl Destination {
    /// `root` with `kcfg render`'s defaults: not a link, every target, no
    /// overrides, at most half the listed targets removed, a lock waited
    /// for up to ten minutes.
    pub fn new(root: impl Into<PathBuf>) -> Destination {
        Destination {
            root: root.into(),
            follow_root: false,
            selection: Selection::all(),
            overrides: OutputOptions::default(),
            fail_fast: false,
            max_prune_ratio: 0.5,
            allow_mass_delete: false,
            lock_timeout: Duration::from_secs(600),
            shard: None,
            incremental: true,
            cache: None,
        }
    }
}

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
    /// Rendered in memory ([`Renderer::render`]), with its files, objects
    /// and policy violations.
    Rendered(Box<Rendered>),
    /// Written to its directory, or found identical there.
    Written(Written),
    /// Identical to its directory ([`Renderer::check`]).
    Same,
    /// Different from its directory ([`Renderer::check`]).
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
    /// [`Destination::incremental`] off).
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

/// What a render into an output directory does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Render and write.
    Write,
    /// Render and compare.
    Check,
    /// Render nothing; remove stale targets and fold the shards' markers.
    Prune,
}

/// What a rendered target is done with.
#[derive(Clone, Copy)]
pub(crate) enum Sink<'s> {
    Memory,
    Write(&'s OutDir),
    Check(&'s OutDir),
}

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Renderer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer with these settings.
    pub fn new(settings: Settings) -> Renderer {
        Renderer {
            settings,
            programs: Mutex::default(),
            digests: Mutex::default(),
        }
    }

    /// Its settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Evaluates the plan `render.kcfg` in `dir` with these external
    /// variables and top-level arguments, and reads its targets.
    pub fn load_plan(
        &self,
        dir: &Path,
        ext_vars: &[(String, ExtValue)],
        tlas: &[(String, ExtValue)],
    ) -> Result<Plan, Error> {
        let importer = self
            .settings
            .imports
            .importer(&self.search_path(dir, &[]))
            .map_err(Error::Imports)?;
        let config = self.settings.eval_config(ext_vars.to_vec());
        plan::load(dir, tlas, importer, &config)
    }

    /// Renders a batch in memory, in parallel. The reports come back in the
    /// batch's order, each [`Status::Rendered`], [`Status::Failed`] or
    /// [`Status::Skipped`].
    pub fn render(
        &self,
        batch: &Batch<'_>,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<Vec<TargetReport>, Error> {
        self.run(batch, Sink::Memory, None, progress)
    }

    /// Renders the plan's selected targets into `destination`: checks
    /// every rule of the output directory first, takes its lock, removes
    /// what the plan no longer makes, and replaces each target's directory
    /// as soon as the target is rendered (so memory follows the largest
    /// target, not the fleet).
    pub fn write(
        &self,
        plan: &Plan,
        destination: &Destination,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<DirReport, Error> {
        self.render_dir(plan, destination, Mode::Write, progress)
    }

    /// Finishes a sharded render once every shard is done (`kcfg render
    /// --prune-shards`): renders nothing, removes the targets that left the
    /// plan (with the same checks and guard as [`Renderer::write`]), and
    /// folds the shards' markers into the main marker. The destination's
    /// shard is ignored.
    pub fn prune_shards(
        &self,
        plan: &Plan,
        destination: &Destination,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<DirReport, Error> {
        self.render_dir(plan, destination, Mode::Prune, progress)
    }

    /// Renders the plan's selected targets in memory and compares them with
    /// `destination`, writing nothing (not even the lock).
    pub fn check(
        &self,
        plan: &Plan,
        destination: &Destination,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<DirReport, Error> {
        self.render_dir(plan, destination, Mode::Check, progress)
    }

    /// The library directories, in command-line order (the right-most
    /// wins), of a file in directory `base` that adds the directories
    /// `extra`: the project's ([`crate::project`]) lowest, then the
    /// renderer's, then `extra`.
    fn search_path(&self, base: &Path, extra: &[PathBuf]) -> Vec<PathBuf> {
        let mut search = Project::find(base, &self.settings.project)
            .map(|project| project.jpath())
            .unwrap_or_default();
        search.extend(self.settings.jpath.iter().cloned());
        search.extend(extra.iter().cloned());
        search
    }

    /// The program for files that search the library directories `search`
    /// (in command-line order).
    fn program_for(&self, search: Vec<PathBuf>) -> Result<Arc<Program>, Error> {
        let mut programs = self
            .programs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(program) = programs.get(&search) {
            return Ok(program.clone());
        }
        let importer = self
            .settings
            .imports
            .importer(&search)
            .map_err(Error::Imports)?;
        let mut program = Program::new(importer, kcfg_stdlib::std());
        if let Some(memory) = &self.settings.memory {
            program = program.with_memory_limit(memory.clone());
        }
        let program = Arc::new(program);
        programs.insert(search, program.clone());
        Ok(program)
    }

    /// The program of each target, in order. One program per import path:
    /// targets that search the same directories share parsed files.
    /// Targets in one directory are in the same project, which is looked
    /// for once.
    pub(crate) fn programs_of(&self, targets: &[&Target]) -> Result<Vec<Arc<Program>>, Error> {
        let mut projects: HashMap<&Path, Vec<PathBuf>> = HashMap::new();
        targets
            .iter()
            .map(|target| {
                let base = target.entry.parent().unwrap_or(Path::new(""));
                let search = projects
                    .entry(base)
                    .or_insert_with(|| self.search_path(base, &[]));
                let mut search = search.clone();
                search.extend(target.jpath.iter().cloned());
                self.program_for(search)
            })
            .collect()
    }

    fn render_dir(
        &self,
        plan: &Plan,
        destination: &Destination,
        mode: Mode,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<DirReport, Error> {
        let started = Instant::now();
        let check = mode == Mode::Check;
        let shard = destination.shard.filter(|_| mode != Mode::Prune);
        let mut batch = Batch::from_plan(plan, &destination.selection, &destination.overrides)?;
        batch.fail_fast = destination.fail_fast;
        if mode == Mode::Prune {
            batch.targets.clear();
            batch.outputs.clear();
        }
        if let Some(shard) = shard {
            let (targets, outputs) = batch
                .targets
                .iter()
                .zip(&batch.outputs)
                .filter(|(target, _)| shard.contains(&target.name))
                .map(|(target, output)| (*target, output.clone()))
                .unzip();
            batch.targets = targets;
            batch.outputs = outputs;
        }
        let root = &destination.root;
        let mut out_dir = OutDir::open(root, destination.follow_root).map_err(Error::OutDir)?;
        let in_plan: BTreeSet<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
        let written_names: Vec<&str> = batch.targets.iter().map(|t| t.name.as_str()).collect();
        let selection = &destination.selection;
        // A shard that writes removes nothing (the targets may be another
        // shard's, or another machine's); one that checks reports the
        // stale targets of its own bucket, so the shards together report
        // them all.
        let stale_of = |listed: &BTreeSet<String>| match shard {
            Some(_) if !check => Vec::new(),
            Some(shard) => stale_targets(selection, listed, &in_plan)
                .into_iter()
                .filter(|name| shard.contains(name))
                .collect(),
            None => stale_targets(selection, listed, &in_plan),
        };
        let mut stale = stale_of(&out_dir.listed);
        // Every path this run may write or delete is checked before anything
        // changes.
        out_dir
            .check_paths(
                written_names
                    .iter()
                    .copied()
                    .chain(stale.iter().map(String::as_str)),
            )
            .map_err(Error::OutDir)?;
        let lock_path = root.join(outdir::LOCK);
        let mut waiting = |holder: Option<u32>| {
            progress(Event::WaitingForLock {
                lock: &lock_path,
                holder,
            })
        };
        let mut leftovers = Vec::new();
        let mut lock = None;
        if check {
            // A check writes nothing, not even the lock: it waits for a
            // render that holds it, and reports one that left it behind.
            leftovers.extend(
                out_dir
                    .wait_for_render(&mut waiting, destination.lock_timeout)
                    .map_err(Error::OutDir)?,
            );
            leftovers.extend(
                out_dir
                    .leftovers(
                        out_dir
                            .listed
                            .iter()
                            .map(String::as_str)
                            .chain(in_plan.iter().copied()),
                    )
                    .map_err(Error::OutDir)?,
            );
        } else {
            mass_delete_guard(destination, plan, &out_dir, &stale)?;
            lock = Some(
                out_dir
                    .lock(&mut waiting, destination.lock_timeout)
                    .map_err(Error::OutDir)?,
            );
            // Another render may have changed the marker while this one
            // waited.
            stale = stale_of(&out_dir.listed);
            out_dir
                .check_paths(
                    written_names
                        .iter()
                        .copied()
                        .chain(stale.iter().map(String::as_str)),
                )
                .map_err(Error::OutDir)?;
            mass_delete_guard(destination, plan, &out_dir, &stale)?;
            leftovers = out_dir
                .leftovers(
                    out_dir
                        .listed
                        .iter()
                        .map(String::as_str)
                        .chain(in_plan.iter().copied()),
                )
                .map_err(Error::OutDir)?;
            out_dir
                .remove_leftovers(&leftovers)
                .map_err(Error::OutDir)?;
            // The marker lists what this run is about to write before it is
            // written, so a render that is killed leaves no directory kcfg
            // does not know as its own. A shard lists its targets in a
            // marker of its own, which no other shard writes.
            match shard {
                Some(shard) => {
                    let mut intent = out_dir
                        .shard_listed
                        .get(&shard)
                        .cloned()
                        .unwrap_or_default();
                    intent.extend(written_names.iter().map(|name| name.to_string()));
                    out_dir
                        .write_shard_marker(shard, &intent)
                        .map_err(Error::OutDir)?;
                }
                None => {
                    let mut intent = out_dir.listed.clone();
                    intent.extend(written_names.iter().map(|name| name.to_string()));
                    out_dir.write_marker(&intent).map_err(Error::OutDir)?;
                }
            }
            // Stale targets go first: a new target may be written where an
            // old one's directory was (`a` then `a/b`, or the reverse).
            for name in &stale {
                out_dir.remove_target(name).map_err(|err| {
                    Error::OutDir(format!("cannot remove the stale target {name}: {err}"))
                })?;
            }
        }

        // The input records (read holding the lock, or, for a check,
        // once no render holds it): the base a target may be reused from,
        // and what a write carries over for the targets it does not render.
        let cache = destination.cache.as_deref();
        // What a check proves must not rest on a record that came with the
        // output it checks (see `inputs`): it reuses only a cache's, and
        // without one reads none.
        let trusted = !check || cache.is_some();
        // Without reuse, a record is read only to keep the entries of
        // listed targets this run does not render.
        let rendering: BTreeSet<&str> = written_names.iter().copied().collect();
        let carry = out_dir
            .listed
            .iter()
            .any(|name| !rendering.contains(name.as_str()));
        let (base, records_ignored) = if trusted && (destination.incremental || carry) {
            self.read_records(&out_dir, cache, shard)
        } else {
            (Record::new(&self.settings.build), Vec::new())
        };
        let incremental = Incremental {
            reuse: (destination.incremental && trusted).then_some(&base),
            record: mode == Mode::Write || (check && cache.is_some()),
            found: Mutex::default(),
        };
        let sink = if check {
            Sink::Check(&out_dir)
        } else {
            Sink::Write(&out_dir)
        };
        let mut reports = self.run(&batch, sink, Some(&incremental), progress)?;

        if !check {
            // The marker lists what is on disk: the targets listed before,
            // less the stale ones just removed, plus those written now (a
            // failed target keeps its old directory, and its entry). An
            // unsharded run folds the shards' markers into the main one,
            // then removes them.
            let mut listed = match shard {
                Some(shard) => out_dir
                    .shard_listed
                    .get(&shard)
                    .cloned()
                    .unwrap_or_default(),
                None => out_dir.listed.clone(),
            };
            for name in &stale {
                listed.remove(name);
            }
            for report in &reports {
                if matches!(report.status, Status::Written(_)) {
                    listed.insert(report.name.clone());
                }
            }
            // The record: the targets rendered now that were written (or
            // reused), and the recorded targets this run did not look at
            // that are still listed.
            let found = incremental.into_found();
            let record = reuse::next_record(base, found, &listed, &written_names);
            let record_file = match shard {
                Some(shard) => RootFile::ShardInputs(shard),
                None => RootFile::Inputs,
            };
            match shard {
                Some(shard) => out_dir
                    .write_shard_marker(shard, &listed)
                    .map_err(Error::OutDir)?,
                None => out_dir.write_marker(&listed).map_err(Error::OutDir)?,
            }
            match cache {
                Some(dir) => inputs::write_cache(&inputs::cache_file(dir, root, shard), &record)
                    .map_err(Error::OutDir)?,
                None => out_dir
                    .write_root_file(&record_file, &record.to_bytes())
                    .map_err(Error::OutDir)?,
            }
            if shard.is_none() {
                out_dir.remove_shard_files().map_err(Error::OutDir)?;
            }
        } else if let Some(dir) = cache {
            // A check with a cache records the targets found identical, for
            // the next check (the output directory is not touched).
            let found = incremental.into_found();
            let record = reuse::next_record(base, found, &out_dir.listed, &written_names);
            inputs::write_cache(&inputs::cache_file(dir, root, shard), &record)
                .map_err(Error::OutDir)?;
        }
        drop(lock);
        reports.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(DirReport {
            root: root.clone(),
            check,
            targets: reports,
            stale,
            leftovers,
            empty_generators: plan.empty_generators.clone(),
            elapsed: started.elapsed(),
            incremental: destination.incremental && trusted,
            records_ignored,
        })
    }

    /// Renders the batch's targets, on a pool of worker threads when there
    /// is more than one target and more than one job, else on this thread.
    pub(crate) fn run(
        &self,
        batch: &Batch<'_>,
        sink: Sink<'_>,
        incremental: Option<&Incremental<'_>>,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<Vec<TargetReport>, Error> {
        let programs = self.programs_of(&batch.targets)?;
        let count = batch.targets.len();
        progress(Event::Started { targets: count });
        let stop = AtomicBool::new(false);
        let one = |((target, output), program): ((&&Target, &Output), &Arc<Program>)| {
            let report = if stop.load(Ordering::Relaxed) {
                TargetReport {
                    name: target.name.clone(),
                    status: Status::Skipped,
                    objects: 0,
                    files: Vec::new(),
                    bytes: 0,
                    elapsed: Duration::ZERO,
                    evaluated: false,
                }
            } else {
                let report =
                    self.render_one(target, output, program, batch.policies, sink, incremental);
                if batch.fail_fast && report.status.is_failure() {
                    stop.store(true, Ordering::Relaxed);
                }
                report
            };
            progress(Event::TargetDone(&report));
            report
        };
        let reports = if count > 1 && self.settings.jobs > 1 {
            let pool = threads::pool(self.settings.jobs.min(count)).map_err(Error::Threads)?;
            pool.install(|| {
                batch
                    .targets
                    .par_iter()
                    .zip(batch.outputs.par_iter())
                    .zip(programs.par_iter())
                    .map(one)
                    .collect()
            })
        } else {
            batch
                .targets
                .iter()
                .zip(&batch.outputs)
                .zip(&programs)
                .map(one)
                .collect()
        };
        Ok(reports)
    }

    fn render_one(
        &self,
        target: &Target,
        output: &Output,
        program: &Arc<Program>,
        policies: &[Policy],
        sink: Sink<'_>,
        incremental: Option<&Incremental<'_>>,
    ) -> TargetReport {
        let started = Instant::now();
        let mut report = TargetReport {
            name: target.name.clone(),
            status: Status::Skipped,
            objects: 0,
            files: Vec::new(),
            bytes: 0,
            elapsed: Duration::ZERO,
            evaluated: true,
        };
        let out_dir = match sink {
            Sink::Memory => None,
            Sink::Write(out_dir) | Sink::Check(out_dir) => Some(out_dir),
        };
        // An incremental render: the directory already holds what a full
        // render would write.
        let reuse = incremental.and_then(|incr| Some((incr, incr.reuse?, out_dir?)));
        if let Some((incr, record, out_dir)) = reuse {
            if let Some((tree, entry)) =
                self.reusable(record, target, output, program, policies, out_dir)
            {
                report.evaluated = false;
                report.objects = entry.objects;
                report.bytes = tree.files.values().map(Vec::len).sum();
                report.files = tree.files.into_keys().collect();
                report.status = match sink {
                    Sink::Check(_) => Status::Same,
                    _ => Status::Written(Written::Unchanged),
                };
                if incr.record {
                    let closure = record.closures[&entry.closure].clone();
                    lock(&incr.found).push((target.name.clone(), entry.clone(), closure));
                }
                report.elapsed = started.elapsed();
                return report;
            }
        }
        let record = incremental.is_some_and(|incr| incr.record);
        let (result, reads) =
            target::render(target, output, program, &self.settings, policies, record);
        report.status = match result {
            Err(failure) => Status::Failed(failure),
            Ok(rendered) => {
                report.objects = rendered.objects.len();
                report.files = rendered.files.keys().cloned().collect();
                report.bytes = rendered.bytes();
                match sink {
                    Sink::Memory => {
                        if let (Some(incr), Some(reads)) = (incremental, &reads) {
                            if rendered.violations.is_empty() {
                                self.record(
                                    incr, target, output, program, policies, &rendered, reads,
                                );
                            }
                        }
                        Status::Rendered(Box::new(rendered))
                    }
                    _ if !rendered.violations.is_empty() => Status::Violations(rendered.violations),
                    Sink::Check(out_dir) => match out_dir.read_target(&target.name) {
                        Ok(on_disk) => {
                            let shown = out_dir.target_path(&target.name).display().to_string();
                            match check::compare(&shown, on_disk.as_ref(), &rendered.files) {
                                None => {
                                    if let (Some(incr), Some(reads)) = (incremental, &reads) {
                                        self.record(
                                            incr, target, output, program, policies, &rendered,
                                            reads,
                                        );
                                    }
                                    Status::Same
                                }
                                Some(difference) => Status::Differs(Box::new(difference)),
                            }
                        }
                        Err(err) => Status::Failed(Failure::Output(err)),
                    },
                    Sink::Write(out_dir) => {
                        match out_dir.write_target(&target.name, &rendered.files) {
                            Ok(written) => {
                                if let (Some(incr), Some(reads)) = (incremental, &reads) {
                                    self.record(
                                        incr, target, output, program, policies, &rendered, reads,
                                    );
                                }
                                Status::Written(written)
                            }
                            Err(err) => Status::Failed(Failure::Output(err)),
                        }
                    }
                }
            }
        };
        report.elapsed = started.elapsed();
        report
    }
}

/// The listed targets that left the plan. Targets the selection does not
/// select are not stale: this run does not look at them.
fn stale_targets(
    selection: &Selection,
    listed: &BTreeSet<String>,
    in_plan: &BTreeSet<&str>,
) -> Vec<String> {
    listed
        .iter()
        .filter(|name| !in_plan.contains(name.as_str()) && selection.matches(name))
        .cloned()
        .collect()
}

/// Refuses a render that would remove more than the allowed share of the
/// listed targets (of those the selection selects), or any target while a
/// generator made none, unless mass deletes are allowed (issue 13: a typo
/// in a glob removed 673 of 683 targets).
fn mass_delete_guard(
    destination: &Destination,
    plan: &Plan,
    out_dir: &OutDir,
    stale: &[String],
) -> Result<(), Error> {
    if destination.allow_mass_delete || stale.is_empty() {
        return Ok(());
    }
    let mass = MassDelete {
        stale: stale.to_vec(),
        listed: out_dir
            .listed
            .iter()
            .filter(|name| destination.selection.matches(name))
            .count(),
        marker: out_dir.root.join(outdir::MARKER),
        max_prune_ratio: destination.max_prune_ratio,
        empty_generators: plan.empty_generators.clone(),
    };
    if mass.over_ratio() || !mass.empty_generators.is_empty() {
        return Err(mass.into());
    }
    Ok(())
}
