//! kcfg-render: the fleet renderer as a library.
//!
//! A plan (`render.kcfg`, written in kcfg with `kcfg/render.libsonnet`)
//! lists targets, usually made by generators from an inventory: one per
//! cluster and application. Each target is a program whose value holds
//! Kubernetes objects. This crate evaluates the plan, renders its targets
//! in parallel (each in its own arena, so memory follows the largest
//! target, not the fleet), checks the plan's policies on every object, and
//! lays the objects out as files: in memory, in an output directory, or
//! compared with one. `kcfg render`, `kcfg argocd generate` and the
//! language server all render through it.
//!
//! ```text
//! render.kcfg ─plan─▶ targets ─target (parallel)─▶ files in memory ─▶ memory | OUT/<target>/… | check
//!              (generators,      (evaluate, objects,                   (outdir: atomic swap per
//!               template)         policies, YAML/JSON)                  target; check: compare)
//! ```
//!
//! The crate prints nothing, never exits the process and reads no
//! environment variable: the caller passes the import path
//! ([`importer::FileSystem::library_path`] for `JSONNET_PATH`), receives
//! errors as values ([`Error`], [`Failure`], [`kcfg_lang::diag::Diagnostic`])
//! and hears about progress through a callback ([`Event`]). Lints enforce
//! it (`clippy::print_stdout`, `print_stderr`, and `clippy.toml`'s
//! disallowed methods for `std::env` and `std::process::exit`).
//!
//! # Example
//!
//! Render a plan into memory and read the results:
//!
//! ```
//! use kcfg_render::importer::FileSystem;
//! use kcfg_render::{Batch, OutputOptions, Renderer, Selection, Settings, Status, Summary};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # std::fs::write(dir.path().join("render.kcfg"), r#"
//! #   { targets: [
//! #       { name: 'edge-1/web', entry: 'web.kcfg', tlas: { replicas: 2 } },
//! #       { name: 'edge-2/web', entry: 'web.kcfg', tlas: { replicas: 3 } },
//! #   ] }"#)?;
//! # std::fs::write(dir.path().join("web.kcfg"), r#"
//! #   function(replicas) {
//! #     apiVersion: 'apps/v1', kind: 'Deployment',
//! #     metadata: { name: 'web' }, spec: { replicas: replicas },
//! #   }"#)?;
//! # let plan_dir = dir.path();
//! // Imports are searched as `kcfg eval` searches them; the caller decides
//! // whether `JSONNET_PATH` takes part (here it does not).
//! let renderer = Renderer::new(Settings::new(FileSystem::default()));
//! let plan = renderer.load_plan(plan_dir, &[], &[])?;
//! assert_eq!(plan.targets.len(), 2);
//!
//! let batch = Batch::from_plan(&plan, &Selection::all(), &OutputOptions::default())?;
//! let reports = renderer.render(&batch, &|_event| {})?;
//! for report in &reports {
//!     let Status::Rendered(rendered) = &report.status else {
//!         panic!("{} failed", report.name);
//!     };
//!     // One file per object: `deployment-web.yaml`.
//!     let yaml = String::from_utf8_lossy(&rendered.files["deployment-web.yaml"]);
//!     assert!(yaml.starts_with("apiVersion: apps/v1\nkind: Deployment\n"));
//! }
//! let summary = Summary::of(&reports);
//! assert_eq!((summary.rendered, summary.objects), (2, 2));
//! # Ok(())
//! # }
//! ```
//!
//! [`Renderer::write`] and [`Renderer::check`] do the same against an
//! output directory ([`Destination`]); [`Renderer::open_output`] opens and
//! checks the directory ahead (while the plan loads, say), for
//! [`Renderer::render_opened`]. `render/examples/embed.rs` renders the
//! edge-fleet example.
//!
//! # Modules
//!
//! * [`plan`] evaluates the plan once and reads its targets into plain data;
//!   [`generators`] expands its generators (they read inventories and list
//!   directories, which the language does not do).
//! * [`target`] renders one target: its own arena and evaluation over a
//!   program shared by every target with the same import path.
//!   [`objects`] finds the Kubernetes objects in its value, [`policy`] runs
//!   the fleet policies on them, [`output`] lays them out as files.
//! * [`outdir`] owns the output directory (the marker, the lock, atomic
//!   replacement of a target) and [`disk`] never follows a symbolic link
//!   below it; [`check`] compares instead of writing.
//! * [`inputs`] records what each target's files depend on, so that a
//!   render evaluates only the targets whose inputs changed; [`shard`]
//!   splits a fleet between machines.
//! * [`importer`] finds imports on disk (and the built-in [`libraries`]),
//!   in the library directories the caller gives and those of a Tanka or
//!   jsonnet-bundler [`project`] around each entry;
//!   [`signature`] reads an entry's top-level arguments without running it.
//! * [`diff`] compares the plan at two sides (two git revisions, or one
//!   and the work tree: [`git`]), evaluating only the targets whose inputs
//!   differ.
//! * [`group`] puts identical failures and policy violations of several
//!   targets together, named by the shortest glob that selects them;
//!   [`suggest`] finds near names for typos.
//! * [`renderer`] runs it all on a pool of worker threads ([`threads`]),
//!   with the [`settings`] every evaluation shares.
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![deny(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod cache_trim;
pub mod check;
pub mod diff;
pub mod disk;
pub mod error;
pub mod generators;
pub mod git;
pub mod group;
pub mod hydrator;
pub mod importer;
pub mod info;
pub mod inputs;
pub mod json;
pub mod libraries;
pub mod objects;
pub mod outdir;
pub mod output;
pub mod plan;
mod plan_cache;
pub mod policy;
pub mod project;
pub mod renderer;
mod reuse;
pub mod settings;
pub mod shard;
pub mod signature;
pub mod suggest;
pub mod target;
pub mod threads;

pub use crate::error::{Error, EvalError, Failure, MassDelete};
pub use crate::output::{Format, Layout, Output, OutputOptions};
pub use crate::plan::{Plan, Selection, SelectionError, Target, PLAN_FILE};
pub use crate::renderer::{
    Action, Batch, Destination, DirReport, Event, OpenedOutput, Renderer, Status, Summary,
    TargetReport,
};
pub use crate::settings::Settings;
pub use crate::target::{Rendered, RenderedObject};
