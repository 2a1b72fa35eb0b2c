//! kcfg-lang: the kcfg language (Jsonnet-compatible).
//!
//! The flow: source text → [`syntax`] (pest grammar, spanned [`ast`] with
//! comments) → `analyze` (desugaring, scope resolution, static checks, IR) →
//! `eval` (lazy evaluation) → `manifest` (JSON, YAML, …).
//!
//! This crate does no IO: imports come through an importer trait that the
//! embedding program implements, and the standard library is injected when an
//! evaluator is built (see `kcfg-stdlib`).
#![warn(missing_docs)]

pub mod ast;
pub mod diag;
pub mod span;
pub mod sym;
pub mod syntax;
