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
//! ([`Error`] for the render, [`Failure`](crate::error::Failure) for a
//! target).
//!
//! The stages have a module each: `dir` (the output directory: checks,
//! lock, marker, record), `run` (the worker pool and one target) and
//! `report` (what a render returns).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kcfg_lang::eval::ExtValue;
use kcfg_lang::program::Program;
use rustc_hash::FxHashMap;

use crate::error::Error;
use crate::outdir::OutDir;
use crate::output::{Output, OutputOptions};
use crate::plan::{self, Plan, Selection, Target};
use crate::policy::Policy;
use crate::project::Project;
use crate::settings::Settings;
use crate::shard::Shard;

mod dir;
mod report;
mod run;

use self::dir::Mode;
pub use self::report::{DirReport, Event, Status, Summary, TargetReport};
pub(crate) use self::run::Sink;

/// The digest of each file one program read, by the path's bytes.
pub(crate) type FileDigests = FxHashMap<Box<[u8]>, Option<String>>;

/// [`Renderer::closures_checked`]: by the program's address and the
/// closure's identifier, each entry and policies' files asked about, with
/// the answer.
pub(crate) type ClosuresChecked =
    HashMap<usize, HashMap<String, Vec<(PathBuf, Vec<PathBuf>, bool)>>>;

/// An output directory opened, its marker read and checked, ahead of a
/// render into it ([`Renderer::open_output`]).
#[derive(Debug)]
pub struct OpenedOutput {
    root: PathBuf,
    follow_root: bool,
    out_dir: OutDir,
}

/// What [`Renderer::render_opened`] does with an output directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// [`Renderer::write`].
    Write,
    /// [`Renderer::check`].
    Check,
    /// [`Renderer::prune_shards`].
    PruneShards,
}

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
    pub(crate) digests: Mutex<HashMap<usize, FileDigests>>,
    /// Whether a recorded closure holds now for targets of a program with
    /// an entry and policies (by the program's address, the closure's
    /// identifier, the entry and the policies' files): every target of an
    /// application on every cluster shares one, and the answer cannot
    /// change while the renderer lives (its programs resolve and read each
    /// file once).
    pub(crate) closures_checked: Mutex<ClosuresChecked>,
    /// What the plan and project search look at (the importer's tree).
    tree: Arc<dyn crate::importer::Tree>,
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
    /// The plan's directory, as its targets' paths begin with it: input
    /// records spell paths under it from it ([`crate::inputs::Spelling`]).
    pub plan_dir: Option<&'b Path>,
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
            plan_dir: Some(&plan.dir),
        })
    }

    /// `targets`, all laid out as `output`.
    pub fn new(targets: Vec<&'b Target>, output: Output, policies: &'b [Policy]) -> Batch<'b> {
        Batch {
            outputs: vec![output; targets.len()],
            targets,
            policies,
            fail_fast: false,
            plan_dir: None,
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
    /// With a `cache`, a write keeps the input record in the output
    /// directory too (without the directory stamps, as without a cache),
    /// so that a committed output still carries it, and reads it beside
    /// the cache's (whose entries win): `kcfg render`'s default per-user
    /// cache. Without, the record lives in the cache alone (`--cache DIR`).
    /// A check reads and writes only the cache's either way.
    pub keep_output_record: bool,
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
            keep_output_record: false,
        }
    }
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
            tree: settings.imports.tree(),
            settings,
            programs: Mutex::default(),
            digests: Mutex::default(),
            closures_checked: Mutex::default(),
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
        self.load_plan_in(dir, ext_vars, tlas, None)
    }

    /// Loads the plan as [`Renderer::load_plan`] does, keeping its
    /// evaluation in the cache directory `cache` (`kcfg render --cache`):
    /// the kept result is used when every file, import and directory the
    /// evaluation asked about gives the same answer now, and the plan is
    /// evaluated (and kept) otherwise. Writes only `cache/kcfg-plan-*.json`.
    pub fn load_plan_cached(
        &self,
        dir: &Path,
        ext_vars: &[(String, ExtValue)],
        tlas: &[(String, ExtValue)],
        cache: &Path,
    ) -> Result<Plan, Error> {
        self.load_plan_in(dir, ext_vars, tlas, Some(cache))
    }

    /// Evaluates the plan, through the plan cache in `cache` if one is
    /// given ([`crate::plan_cache`]).
    fn load_plan_in(
        &self,
        dir: &Path,
        ext_vars: &[(String, ExtValue)],
        tlas: &[(String, ExtValue)],
        cache: Option<&Path>,
    ) -> Result<Plan, Error> {
        let search = self.search_path(dir, &[]);
        let importer = self
            .settings
            .imports
            .importer(&search)
            .map_err(Error::Imports)?;
        let config = self.settings.eval_config(ext_vars.to_vec());
        match cache {
            None => plan::load(dir, tlas, importer, &*self.tree, &config),
            Some(cache) => crate::plan_cache::load(
                dir,
                tlas,
                importer,
                &*self.tree,
                &config,
                &self.settings.build,
                &search,
                cache,
            ),
        }
    }

    /// Renders a batch in memory, in parallel. The reports come back in the
    /// batch's order, each [`Status::Rendered`], [`Status::Failed`] or
    /// [`Status::Skipped`].
    pub fn render(
        &self,
        batch: &Batch<'_>,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<Vec<TargetReport>, Error> {
        self.run(batch, Sink::Memory, None, None, progress)
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
        self.render_dir(plan, destination, None, Mode::Write, progress)
    }

    /// Opens `destination`'s directory and reads and checks its marker
    /// (the first step of [`Renderer::write`], [`Renderer::check`] and
    /// [`Renderer::prune_shards`]), writing nothing: a caller may do it
    /// while its plan loads, then hand the result to
    /// [`Renderer::render_opened`].
    pub fn open_output(&self, destination: &Destination) -> Result<OpenedOutput, Error> {
        Ok(OpenedOutput {
            root: destination.root.clone(),
            follow_root: destination.follow_root,
            out_dir: OutDir::open(&destination.root, destination.follow_root)
                .map_err(Error::OutDir)?,
        })
    }

    /// [`Renderer::write`], [`Renderer::check`] or
    /// [`Renderer::prune_shards`] (`action`) into a directory that
    /// [`Renderer::open_output`] opened. The lock and every check made
    /// holding it are as theirs; a directory opened for another root is
    /// opened again.
    pub fn render_opened(
        &self,
        plan: &Plan,
        destination: &Destination,
        opened: OpenedOutput,
        action: Action,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<DirReport, Error> {
        let same = opened.root == destination.root && opened.follow_root == destination.follow_root;
        let out_dir = same.then_some(opened.out_dir);
        let mode = match action {
            Action::Write => Mode::Write,
            Action::Check => Mode::Check,
            Action::PruneShards => Mode::Prune,
        };
        self.render_dir(plan, destination, out_dir, mode, progress)
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
        self.render_dir(plan, destination, None, Mode::Prune, progress)
    }

    /// Renders the plan's selected targets in memory and compares them with
    /// `destination`, writing nothing (not even the lock).
    pub fn check(
        &self,
        plan: &Plan,
        destination: &Destination,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<DirReport, Error> {
        self.render_dir(plan, destination, None, Mode::Check, progress)
    }

    /// The library directories, in command-line order (the right-most
    /// wins), of a file in directory `base` that adds the directories
    /// `extra`: the project's ([`crate::project`]) lowest, then the
    /// renderer's, then `extra`.
    fn search_path(&self, base: &Path, extra: &[PathBuf]) -> Vec<PathBuf> {
        let mut search = Project::find_in(base, &self.settings.project, &*self.tree)
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
}
