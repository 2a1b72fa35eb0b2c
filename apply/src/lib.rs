//! kcfg-apply: a small, safe apply engine for a fleet of Kubernetes clusters.
//!
//! It works on rendered objects (JSON values), not on the language, and makes
//! a cluster match them — the "central push" path of a GitOps platform
//! (issue 7). The flow, one module per step:
//!
//! ```text
//! load (files) → object (check, unwrap, map groups) → order (waves, kinds)
//!   → engine: plan (read, dry-run, diff, prune guards) → apply → wait (health) → prune
//!   → report (table, JSON)                      fleet: many targets, many clusters
//! ```
//!
//! While it runs, the engine and the fleet send [`progress::Event`]s (waves
//! started and finished, what a wave waits for); [`progress::LineLog`]
//! turns them into the plain lines a CI log shows.
//!
//! The pure core (`object`, `order`, `applyset`, `diff`, `health`, `report`)
//! does no I/O. The engine talks to a cluster only through the
//! [`cluster::Cluster`] trait: [`cluster::kube::KubeCluster`] for real
//! servers, [`cluster::fake::FakeCluster`] for tests. `hydrate` writes the
//! pull-path branches.
//!
//! Handing in rendered objects without files (what `kcfg render` does):
//!
//! ```
//! use kcfg_apply::{fleet::Target, object::GroupMap};
//! use serde_json::json;
//!
//! let rendered = vec![json!({
//!     "apiVersion": "v1", "kind": "ConfigMap",
//!     "metadata": {"name": "settings", "namespace": "web"},
//!     "data": {"mode": "edge"},
//! })];
//! let (target, problems) = Target::from_values("edge-eu-001/web", rendered, &GroupMap::new());
//! assert!(problems.is_empty());
//! assert_eq!(target.cluster(), Some("edge-eu-001"));
//! assert_eq!(target.app().as_deref(), Some("web"));
//! // Then: fleet::run_fleet(vec![target], &options, &connector, progress).await
//! ```
//!
//! The engine prints nothing: reports and progress events are values the
//! `kcfg` binary prints (the lints below hold it).
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod applyset;
pub mod cluster;
pub mod diff;
pub mod engine;
pub mod fleet;
pub mod health;
pub mod hydrate;
pub mod load;
pub mod object;
pub mod order;
pub mod progress;
pub mod report;
