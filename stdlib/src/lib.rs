//! kcfg-stdlib: the Jsonnet standard library, `std`, as native Rust.
//!
//! Every function is a row of the builtin table ([`Builtin`]): its Jsonnet
//! name, its parameter names and a plain Rust function that receives its
//! arguments already matched and (for strict parameters) evaluated. The rows
//! are grouped by area, one module each; [`std`] collects them, together
//! with the rows `kcfg-lang` itself provides for the operators
//! ([`kcfg_lang::eval::core::CORE`]), into the [`Std`] a
//! [`kcfg_lang::program::Program`] is built with.
//!
//! ```
//! use std::sync::Arc;
//! use kcfg_lang::program::{NoImports, Program};
//!
//! let program = Program::new(Arc::new(NoImports), kcfg_stdlib::std());
//! assert!(program.std().builtins.iter().any(|b| b.name == "length"));
//! ```
//!
//! Like `kcfg-lang`, it does no IO, reads nothing from the process and
//! prints nothing (`std.trace` goes to the evaluation's callback); lints
//! hold that (`clippy.toml`).
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![deny(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod args;
pub mod arrays;
pub mod encoding;
pub mod manifest;
pub mod math;
pub mod objects;
pub mod parse;
pub mod strings;
pub mod types;

use kcfg_lang::eval::builtin::Builtin;
use kcfg_lang::program::Std;

/// The standard library: every builtin row and constant of `std`.
pub fn std() -> Std {
    let mut std = Std::default();
    let areas: [&'static [Builtin]; 9] = [
        kcfg_lang::eval::core::CORE,
        strings::ROWS,
        parse::ROWS,
        encoding::ROWS,
        arrays::ROWS,
        objects::ROWS,
        math::ROWS,
        types::ROWS,
        manifest::ROWS,
    ];
    for rows in areas {
        std.builtins.extend(rows.iter());
    }
    std.constants.push(("pi", std::f64::consts::PI));
    std
}
