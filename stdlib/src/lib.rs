//! kcfg-stdlib: the Jsonnet standard library, `std`, as native Rust.
//!
//! Every function is a row of the builtin table ([`kcfg_lang::eval::builtin::Builtin`]):
//! its Jsonnet name, its parameter names and a plain Rust function. The rows
//! are grouped by area, one module each; [`std`] collects them into the
//! [`Std`] that a [`kcfg_lang::program::Program`] is built with.
//!
//! ```
//! use std::sync::Arc;
//! use kcfg_lang::program::{NoImports, Program};
//!
//! let program = Program::new(Arc::new(NoImports), kcfg_stdlib::std());
//! assert!(program.std().builtins.iter().any(|b| b.name == "length"));
//! ```

use kcfg_lang::program::Std;

/// The standard library: every builtin row and constant of `std`.
pub fn std() -> Std {
    let mut std = Std::default();
    std.builtins.extend(kcfg_lang::eval::core::CORE.iter());
    std.constants.push(("pi", std::f64::consts::PI));
    std
}
