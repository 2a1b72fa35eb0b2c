//! kcfg-lang: the kcfg language (Jsonnet-compatible).
//!
//! The flow: source text → [`syntax`] (recursive descent, spanned [`ast`] with
//! comments) → [`analyze`] (desugaring, scope resolution, static checks,
//! [`ir`]) → [`eval`] (lazy evaluation) → [`manifest`] (JSON, YAML, …).
//!
//! This crate does no IO: files come through the [`program::Importer`] the
//! embedding program provides, and the standard library is injected when a
//! [`program::Program`] is built (see `kcfg-stdlib`).
#![warn(missing_docs)]

pub mod analyze;
pub mod ast;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod ir;
pub mod manifest;
pub mod memory;
pub mod program;
pub mod span;
mod stack;
pub mod sym;
pub mod syntax;
pub mod text;
