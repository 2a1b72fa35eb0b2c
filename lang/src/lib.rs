//! kcfg-lang: the kcfg language (Jsonnet-compatible).
//!
//! The flow: source text → [`syntax`] (recursive descent, spanned [`ast`] with
//! comments) → [`analyze`] (desugaring, scope resolution, static checks,
//! [`ir`]) → [`eval`] (lazy evaluation) → [`manifest`] (JSON, YAML, …).
//!
//! This crate does no IO: files come through the [`program::Importer`] the
//! embedding program provides, and the standard library is injected when a
//! [`program::Program`] is built (see `kcfg-stdlib`). It prints nothing
//! either: errors are [`diag::Diagnostic`] values and `std.trace` lines go
//! to a callback. Lints hold both (`clippy.toml`).
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![deny(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod analyze;
pub mod ast;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod ir;
pub mod lines;
pub mod manifest;
pub mod memory;
pub mod program;
pub mod span;
mod stack;
pub mod sym;
pub mod syntax;
pub mod text;
