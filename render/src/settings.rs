//! What every evaluation of a render shares: how imports are found, the
//! library directories, the stack and memory limits, the worker count,
//! where `std.trace` lines go and the interrupt that stops everything.
//! [`crate::renderer::Renderer`] holds one; each target's evaluation
//! ([`crate::target`]) and the plan's read it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use kcfg_lang::eval::{EvalConfig, ExtValue, Interrupt};
use kcfg_lang::memory::MemoryLimit;

use crate::importer::Imports;
use crate::project::ProjectSearch;

/// What every evaluation of a render shares.
#[derive(Clone)]
pub struct Settings {
    /// How imports are found: one importer per search path.
    pub imports: Arc<dyn Imports>,
    /// Library directories of the plan and every target, in command-line
    /// order (the right-most wins); a target's own come in front of them.
    pub jpath: Vec<PathBuf>,
    /// The `kcfg render` command line that reproduces a render, without
    /// `--only` (the hydrator layout records it with `--only <target>` in
    /// `hydrator.metadata` and `README.md`); `None` records `kcfg render`.
    pub hydrator_command: Option<String>,
    /// Where a Tanka / jsonnet-bundler project root is looked for; its
    /// directories are searched after `jpath` ([`crate::project`]).
    pub project: ProjectSearch,
    /// Maximum stack frames of an evaluation (`-s`).
    pub max_stack: usize,
    /// Targets rendered at the same time.
    pub jobs: usize,
    /// Where `std.trace` lines go (called from worker threads).
    pub trace: Arc<dyn Fn(&str) + Send + Sync>,
    /// Raised by another thread to stop every evaluation (a time budget).
    pub interrupt: Option<Arc<Interrupt>>,
    /// The memory limit every evaluation shares: the plan's and all the
    /// targets' together (`kcfg_lang::memory`). Its count comes from the
    /// program's allocator; without one it counts nothing.
    pub memory: Option<Arc<MemoryLimit>>,
    /// What identifies the build that renders, in input records
    /// ([`crate::inputs`]): a record written by another build is ignored,
    /// because another build may write other bytes. The `kcfg` binary
    /// passes its version and git commit; [`Settings::new`] gives
    /// [`DEFAULT_BUILD`], this crate's version.
    pub build: String,
}

/// The build identifier of [`Settings::new`]: `kcfg-render VERSION`.
pub const DEFAULT_BUILD: &str = concat!("kcfg-render ", env!("CARGO_PKG_VERSION"));

impl Settings {
    /// Settings with `imports`, no extra library directory, project roots
    /// looked for anywhere above an entry, the reference's stack limit (500 frames), one job per core, `std.trace` lines
    /// dropped, no interrupt and no memory limit.
    pub fn new(imports: impl Imports + 'static) -> Settings {
        Settings {
            imports: Arc::new(imports),
            jpath: Vec::new(),
            project: ProjectSearch::Anywhere,
            hydrator_command: None,
            max_stack: 500,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            trace: Arc::new(|_| {}),
            interrupt: None,
            memory: None,
            build: DEFAULT_BUILD.to_string(),
        }
    }

    /// The configuration of one evaluation (the plan's or a target's).
    pub(crate) fn eval_config(&self, ext_vars: Vec<(String, ExtValue)>) -> EvalConfig {
        EvalConfig {
            ext_vars,
            max_stack: self.max_stack,
            trace: self.trace.clone(),
            interrupt: self.interrupt.clone(),
            memory: self.memory.clone(),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("jpath", &self.jpath)
            .field("project", &self.project)
            .field("max_stack", &self.max_stack)
            .field("jobs", &self.jobs)
            .field("interrupt", &self.interrupt.is_some())
            .field("memory", &self.memory.as_ref().map(|memory| memory.limit()))
            .field("build", &self.build)
            .finish_non_exhaustive()
    }
}
